"""LISA cluster maps and the burgerschapszone map of residuals with its principal axis."""

from __future__ import annotations

import textwrap
from pathlib import Path

import geopandas as gpd
import matplotlib.patches as mpatches
import numpy as np
import pandas as pd

from afgehaakt.labels import Labels
from afgehaakt.plotting.maps import draw_diverging
from afgehaakt.plotting.style import footer, new_figure, save_figure

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
    footer(figure, [caption, source_line], fontsize=6.5)
    save_figure(figure, paths)


def zone_map(
    boundaries: gpd.GeoDataFrame,
    residuals: pd.Series,
    high_units: list[str],
    *,
    outcome: str,
    orientation: str,
    covariates: list[str],
    axis: pd.Series | None,
    axis_angle_degrees: float | None,
    axis_centre: tuple[float, float] | None,
    source_line: str,
    paths: list[str | Path],
    labels: Labels,
) -> None:
    """Residuals in a diverging palette centred at 0 with limits robust to single outliers (marked), the
    high-residual cluster members outlined, and the principal axis where the orientation test was run.

    ``orientation`` is ``as observed`` or ``sign reversed (lower is better)``; ``axis`` is the outcome's row of the
    orientation test, None when it had too few units for an axis (then no axis is drawn). Units without a
    residual (left out by the turnout policy) are grey.
    """
    residual_label = labels("fig.zone.residual_as_observed" if orientation == "as observed"
                            else "fig.zone.residual_sign_reversed")
    frame = boundaries.set_index("code").join(residuals.rename("residual"))
    figure = new_figure(6.8, 8.2)
    axes = figure.add_axes((0.01, 0.2, 0.98, 0.71))
    handles = draw_diverging(figure, axes, frame, "residual", legend_title=residual_label, labels=labels,
                             missing_label="fig.zone.left_out")
    if high_units:
        frame.loc[high_units].plot(ax=axes, facecolor="none", edgecolor="black", linewidth=1.0)
        handles.append(mpatches.Patch(facecolor="none", edgecolor="black",
                                      label=labels("fig.zone.outlined", n=len(high_units))))
    if axis is not None and axis_angle_degrees is not None and axis_centre is not None:
        radians = np.deg2rad(axis_angle_degrees)
        half = 80_000.0
        dx, dy = half * np.cos(radians), half * np.sin(radians)
        x, y = axis_centre
        axes.plot([x - dx, x + dx], [y - dy, y + dy], color="black", linestyle="--", linewidth=1.2,
                  label=labels("fig.zone.axis_legend"))
        handles.append(axes.get_lines()[-1])
    # Below the map, where it hides no municipality.
    axes.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.45, 0.0), ncol=1, frameon=False, fontsize=7)
    # The outcome stands mid-sentence in the title and caption.
    variable = labels.variable(outcome)
    variable = variable[:1].lower() + variable[1:]
    names = [labels.variable(c).lower() for c in covariates]
    predictors = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {labels('fig.and')} {names[-1]}"
    caption = labels("fig.zone.caption", outcome=variable, n=len(high_units))
    if axis is not None:
        caption += " " + labels("fig.zone.axis", angle=f"{axis['angle_degrees']:.0f}",
                                elongation=f"{axis['elongation']:.2f}", p=f"{axis['p_both']:.3f}",
                                draws=int(axis["draws"]), seed=int(axis["seed"]))
    else:
        caption += " " + labels("fig.zone.no_axis", n=len(high_units))
    title = labels("fig.zone.title_better" if orientation == "as observed" else "fig.zone.title_lower",
                   outcome=variable, covariates=predictors)
    _finish(figure, textwrap.fill(title, 70), caption, source_line, paths)


def mgwr_maps(boundaries: gpd.GeoDataFrame, local: pd.DataFrame, bandwidths: pd.DataFrame, *, source_line: str,
              paths: list[str | Path], labels: Labels) -> None:
    """One map per MGWR term: the local coefficient (diverging, centred at 0, robust limits) where significant at
    the term's adjusted alpha, grey where not; bandwidth and adjusted alpha in each panel's title."""
    terms = list(bandwidths["term"])
    columns = 3
    rows = int(np.ceil(len(terms) / columns))
    figure = new_figure(4.0 * columns, 4.4 * rows + 0.9)
    for position, band in enumerate(bandwidths.itertuples()):
        axes = figure.add_subplot(rows, columns, position + 1)
        block = local[local["term"] == band.term].set_index("code")
        frame = boundaries.set_index("code").join(block[["estimate", "significant"]])
        frame["shown"] = frame["estimate"].where(frame["significant"].astype("boolean").fillna(False))
        handles = draw_diverging(figure, axes, frame, "shown", legend_title=labels("fig.mgwr.coefficient"),
                                 labels=labels, missing_label="fig.mgwr.not_significant")
        axes.legend(handles=handles, loc="lower right", frameon=False, fontsize=6)
        axes.set_title(textwrap.fill(labels("fig.mgwr.panel", term=labels.term(band.term),
                                            bandwidth=int(band.bandwidth), n=int(band.n),
                                            alpha=f"{band.adjusted_alpha:.4f}"), 48), fontsize=8)
    outcome = labels.variable(str(bandwidths["outcome"].iloc[0]))
    figure.suptitle(labels("fig.mgwr.title", outcome=outcome[:1].lower() + outcome[1:]), x=0.01, ha="left",
                    fontsize=11)
    height = footer(figure, [labels("fig.mgwr.caption"), source_line], fontsize=6.5)
    figure.subplots_adjust(left=0.01, right=0.97, top=0.9, bottom=height + 0.03, hspace=0.3, wspace=0.1)
    save_figure(figure, paths)
