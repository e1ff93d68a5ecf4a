"""LISA cluster maps and the burgerschapszone map of residuals with its principal axis."""

from __future__ import annotations

import textwrap
from pathlib import Path

import geopandas as gpd
import matplotlib.patches as mpatches
import numpy as np
import pandas as pd

from afgehaakt.labels import Labels
from afgehaakt.plotting.style import footnote, new_figure, save_figure

CLUSTER_COLOURS = {
    "HH": "#d7191c",
    "LL": "#2c7bb6",
    "HL": "#fdae61",
    "LH": "#abd9e9",
    "hot spot": "#d7191c",
    "cold spot": "#2c7bb6",
    "not significant": "#eeeeee",
    "isolate": "#bdbdbd",
}


def cluster_maps(
    boundaries: gpd.GeoDataFrame,
    lisa: pd.DataFrame,
    *,
    statistic: str,
    source_line: str,
    paths: list[str | Path],
    labels: Labels,
) -> None:
    """Two panels: clusters at the unadjusted level and after FDR control, with counts in the legend.

    ``lisa`` holds the rows of one ``statistic`` (``local_moran`` or ``local_gi_star``) and one variable, with
    the inference settings that the caption states.
    """
    first = lisa.iloc[0]
    frame = boundaries.set_index("code").join(lisa.set_index("code")[["cluster", "cluster_fdr"]])
    figure = new_figure(10.0, 6.4)
    for position, (column, label) in enumerate((("cluster", labels("fig.clusters.unadjusted")),
                                                ("cluster_fdr", labels("fig.clusters.fdr")))):
        axes = figure.add_axes((0.01 + 0.5 * position, 0.12, 0.47, 0.76))
        colours = frame[column].map(CLUSTER_COLOURS).fillna("#ffffff")
        frame.plot(ax=axes, color=colours, edgecolor="white", linewidth=0.15)
        axes.set_axis_off()
        axes.set_title(label, fontsize=9)
        counts = frame[column].value_counts()
        handles = [mpatches.Patch(color=CLUSTER_COLOURS[k], label=f"{labels(f'cluster.{k}')} ({counts[k]})")
                   for k in CLUSTER_COLOURS if k in counts.index]
        axes.legend(handles=handles, loc="upper left", fontsize=7, frameon=False)
    title = labels("fig.clusters.title", statistic=labels(f"stat.{statistic}"),
                   variable=labels.variable(str(first["variable"])))
    caption = labels("fig.clusters.caption", permutations=first["permutations"], seed=first["seed"],
                     alternative=labels(f"alternative.{first['alternative']}"), alpha=first["alpha"],
                     cutoff=f"{first['fdr_cutoff']:.4g}", weights=first["weights"],
                     transformation=first["transformation"])
    _finish(figure, title, caption, source_line, paths)


def _finish(figure, title: str, caption: str, source_line: str, paths: list[str | Path]) -> None:
    figure.suptitle(title, x=0.01, ha="left", fontsize=11)
    footnote(figure, caption, y=0.055, fontsize=6.5)
    footnote(figure, source_line)
    save_figure(figure, paths)


def zone_map(
    boundaries: gpd.GeoDataFrame,
    residuals: pd.Series,
    high_units: list[str],
    *,
    outcome: str,
    orientation: str,
    axis: pd.Series | None,
    axis_angle_degrees: float | None,
    axis_centre: tuple[float, float] | None,
    source_line: str,
    paths: list[str | Path],
    labels: Labels,
) -> None:
    """Residuals (diverging colours, symmetric about 0), high-residual cluster members outlined, the axis drawn.

    ``orientation`` is ``as observed`` or ``sign reversed (lower is better)``; ``axis`` is the outcome's row of the orientation
    test (or None when there are too few high-residual units for an axis).
    """
    residual_label = labels("fig.zone.residual_as_observed" if orientation == "as observed"
                            else "fig.zone.residual_sign_reversed")
    frame = boundaries.set_index("code").join(residuals.rename("residual"))
    limit = float(np.nanmax(np.abs(frame["residual"])))
    figure = new_figure(6.8, 7.6)
    axes = figure.add_axes((0.01, 0.12, 0.98, 0.8))
    frame.plot(ax=axes, column="residual", cmap="RdBu", vmin=-limit, vmax=limit, edgecolor="white", linewidth=0.15,
               legend=True, legend_kwds={"shrink": 0.5, "label": residual_label})
    if high_units:
        frame.loc[high_units].plot(ax=axes, facecolor="none", edgecolor="black", linewidth=1.0)
    if axis_angle_degrees is not None and axis_centre is not None:
        radians = np.deg2rad(axis_angle_degrees)
        half = 80_000.0
        dx, dy = half * np.cos(radians), half * np.sin(radians)
        x, y = axis_centre
        axes.plot([x - dx, x + dx], [y - dy, y + dy], color="black", linestyle="--", linewidth=1.2)
    axes.set_axis_off()
    # The outcome stands mid-sentence in the title and caption; the title is too long for one line in Dutch.
    variable = labels.variable(outcome)
    variable = variable[:1].lower() + variable[1:]
    caption = labels("fig.zone.caption", outcome=variable, n=len(high_units))
    if axis is not None:
        caption += " " + labels("fig.zone.axis", angle=f"{axis['angle_degrees']:.0f}",
                                elongation=f"{axis['elongation']:.2f}", p=f"{axis['p_both']:.3f}",
                                draws=int(axis["draws"]), seed=int(axis["seed"]))
    _finish(figure, textwrap.fill(labels("fig.zone.title", outcome=variable), 64), caption, source_line, paths)
