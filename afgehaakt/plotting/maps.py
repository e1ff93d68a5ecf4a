"""Choropleth maps with a named classification scheme, a legend and a source line."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import mapclassify
import matplotlib
import matplotlib.patches as mpatches
from matplotlib.lines import Line2D
import numpy as np
import pandas as pd

from afgehaakt.labels import Labels
from afgehaakt.plotting.style import footnote, new_figure, save_figure


def classify(values: pd.Series, *, scheme: str, k: int) -> mapclassify.classifiers.MapClassifier:
    """The mapclassify classifier named ``scheme`` (e.g. ``Quantiles``, ``NaturalBreaks``) with ``k`` classes."""
    try:
        classifier = getattr(mapclassify, scheme)
    except AttributeError:
        raise ValueError(f"unknown classification scheme {scheme!r}") from None
    if scheme in ("NaturalBreaks", "FisherJenksSampled"):
        # These draw random starting points or samples; Fisher-Jenks is the exact, deterministic optimum.
        raise ValueError(f"{scheme} is not deterministic; use FisherJenks for optimal breaks")
    return classifier(values.to_numpy(dtype=float), k=k)


def choropleth(
    boundaries: gpd.GeoDataFrame,
    values: pd.Series,
    *,
    title: str,
    legend_title: str,
    scheme: str,
    k: int,
    colormap: str,
    source_line: str,
    flagged: pd.Series | None,
    paths: list[str | Path],
    labels: Labels,
    percent: bool = True,
) -> None:
    """Map ``values`` (indexed like ``boundaries['code']``) in classes; hatch the ``flagged`` municipalities."""
    frame = boundaries.set_index("code").join(values.rename("value"), how="left")
    if frame["value"].isna().any():
        missing = frame.index[frame["value"].isna()].tolist()
        raise ValueError(f"{values.name}: no value for {len(missing)} mapped municipalities, e.g. {missing[:3]}")
    classes = classify(frame["value"], scheme=scheme, k=k)
    colours = class_colours(colormap, classes.k)
    figure = new_figure(8.4, 7.4)
    axes = figure.add_axes((0.01, 0.08, 0.64, 0.84))
    frame.plot(ax=axes, color=[colours[c] for c in classes.yb], edgecolor="white", linewidth=0.2)
    flag_handles = hatch_flagged(axes, frame, flagged, labels)
    axes.set_axis_off()
    axes.set_aspect("equal")
    figure.suptitle(title, x=0.02, ha="left", fontsize=11)
    # Flagged values (turnout above 100%) would stretch the top class to them: it is open-ended instead.
    open_top = flagged is not None and bool(flagged.any())
    handles = class_legend_handles(classes, colours, percent=percent, open_top=open_top) + flag_handles
    axes.legend(
        handles=handles,
        title=f"{legend_title}\n({scheme}, k={classes.k})",
        loc="center left",
        bbox_to_anchor=(1.0, 0.5),
        frameon=False,
        alignment="left",
    )
    footnote(figure, source_line, x=0.02, y=0.02)
    save_figure(figure, paths)


def diverging_choropleth(
    boundaries: gpd.GeoDataFrame,
    values: pd.Series,
    *,
    title: str,
    legend_title: str,
    source_line: str,
    flagged: pd.Series | None,
    paths: list[str | Path],
    labels: Labels,
) -> None:
    """A signed quantity (a change) in a diverging palette centred at zero, limits robust to outliers."""
    frame = boundaries.set_index("code").join(values.rename("value"), how="left")
    figure = new_figure(8.0, 7.6)
    axes = figure.add_axes((0.01, 0.1, 0.8, 0.82))
    handles = draw_diverging(figure, axes, frame, "value", legend_title=legend_title, labels=labels)
    handles += hatch_flagged(axes, frame, flagged, labels)
    if handles:
        axes.legend(handles=handles, loc="lower left", frameon=False, fontsize=7)
    figure.suptitle(title, x=0.02, ha="left", fontsize=11)
    footnote(figure, source_line, x=0.02, y=0.02)
    save_figure(figure, paths)


def hatch_flagged(axes, frame: gpd.GeoDataFrame, flagged: pd.Series | None, labels: Labels) -> list:
    """Hatch the ``flagged`` units (turnout above 100%) and return their legend handle (none if none flagged)."""
    if flagged is None or not flagged.any():
        return []
    frame.loc[flagged.reindex(frame.index, fill_value=False).to_numpy()].plot(
        ax=axes, facecolor="none", edgecolor="black", hatch="////", linewidth=0.6)
    return [mpatches.Patch(facecolor="white", edgecolor="black", hatch="////", label=labels("fig.map.flagged"))]


ROBUST_LIMIT_QUANTILE = 0.98
"""Colour limits of signed maps: this quantile of the absolute values, so one outlier cannot wash out the rest."""
OUTLIER_FACTOR = 1.2
"""Values are clipped (and marked) only if the largest |value| exceeds the quantile by this factor; otherwise the
limit is the largest |value| and nothing is clipped."""


def robust_limit(values: pd.Series) -> float:
    """Symmetric colour limit: the ``ROBUST_LIMIT_QUANTILE`` quantile of |values| (missing values ignored), or the
    largest |value| when that is within ``OUTLIER_FACTOR`` of the quantile (no real outliers to clip)."""
    finite = values.dropna().abs()
    if finite.empty:
        raise ValueError(f"{values.name}: no values to map")
    limit, largest = float(finite.quantile(ROBUST_LIMIT_QUANTILE)), float(finite.max())
    if limit <= 0 or largest <= OUTLIER_FACTOR * limit:
        return largest or 1.0
    return limit


def draw_diverging(figure, axes, frame: gpd.GeoDataFrame, column: str, *, legend_title: str,
                   labels: Labels, missing_label: str = "fig.map.no_value") -> list:
    """Draw ``column`` in RdBu centred at zero with robust limits; mark units beyond the limits with a cross
    and units without a value in grey. Returns the legend handles of those marks (empty if there are none)."""
    values = frame[column]
    present = values.notna()
    handles = []
    if (~present).any():
        frame.loc[~present].plot(ax=axes, color="#bdbdbd", edgecolor="white", linewidth=0.15)
        handles.append(mpatches.Patch(color="#bdbdbd", label=labels(missing_label, n=int((~present).sum()))))
    axes.set_axis_off()
    axes.set_aspect("equal")
    if not present.any():  # nothing to colour (e.g. no significant local estimate): grey only, no colour bar
        return handles
    limit = robust_limit(values)
    frame.loc[present].plot(ax=axes, column=column, cmap="RdBu", vmin=-limit, vmax=limit, edgecolor="white",
                            linewidth=0.15)
    beyond = present & (values.abs() > limit)
    if beyond.any():
        points = frame.loc[beyond].geometry.representative_point()
        axes.scatter(points.x, points.y, marker="x", s=18, color="black", linewidths=0.9, zorder=5)
        handles.append(Line2D([], [], marker="x", linestyle="none", color="black",
                              label=labels("fig.map.beyond_limits", n=int(beyond.sum()))))
    mappable = matplotlib.cm.ScalarMappable(norm=matplotlib.colors.Normalize(-limit, limit), cmap="RdBu")
    colorbar = figure.colorbar(mappable, ax=axes, shrink=0.5, extend="both" if beyond.any() else "neither")
    colorbar.set_label(legend_title)
    return handles


def class_colours(colormap: str, k: int) -> list[tuple[float, float, float, float]]:
    cmap = matplotlib.colormaps[colormap]
    return [cmap(x) for x in np.linspace(0.1, 0.9, k)]


def class_legend_handles(classes, colours, *, percent: bool, open_top: bool = False) -> list[mpatches.Patch]:
    """One patch per class, ``low – high  (n=count)``; with ``open_top`` the top class reads ``≥ low``."""
    counts = np.bincount(classes.yb, minlength=classes.k)
    lower = [float(np.min(classes.y))] + [float(b) for b in classes.bins[:-1]]
    handles = []
    for k, (low, high) in enumerate(zip(lower, classes.bins, strict=True)):
        bounds = f"{format_value(low, percent)} – {format_value(float(high), percent)}"
        if open_top and k == classes.k - 1:
            bounds = f"≥ {format_value(low, percent)}"
        label = f"{bounds}  (n={counts[k]})"
        handles.append(mpatches.Patch(facecolor=colours[k], edgecolor="none", label=label))
    return handles


def format_value(value: float, percent: bool) -> str:
    """Class bounds as percentages for shares, else three significant digits."""
    return f"{100 * value:.1f}%" if percent else f"{value:.3g}"
