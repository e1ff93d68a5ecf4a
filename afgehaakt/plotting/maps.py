"""Choropleth maps with a named classification scheme, a legend and a source line."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import mapclassify
import matplotlib
import matplotlib.patches as mpatches
import numpy as np
import pandas as pd

from afgehaakt.labels import Labels
from afgehaakt.plotting.style import new_figure, save_figure


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
    if flagged is not None and flagged.any():
        frame.loc[flagged.reindex(frame.index, fill_value=False).to_numpy()].plot(
            ax=axes, facecolor="none", edgecolor="black", hatch="////", linewidth=0.6
        )
    axes.set_axis_off()
    axes.set_aspect("equal")
    figure.suptitle(title, x=0.02, ha="left", fontsize=11)
    handles = class_legend_handles(classes, colours, percent=percent)
    if flagged is not None and flagged.any():
        handles.append(mpatches.Patch(facecolor="white", edgecolor="black", hatch="////", label=labels("fig.map.flagged")))
    axes.legend(
        handles=handles,
        title=f"{legend_title}\n({scheme}, k={classes.k})",
        loc="center left",
        bbox_to_anchor=(1.0, 0.5),
        frameon=False,
        alignment="left",
    )
    figure.text(0.02, 0.02, source_line, fontsize=6, ha="left", wrap=True)
    save_figure(figure, paths)


def class_colours(colormap: str, k: int) -> list[tuple[float, float, float, float]]:
    cmap = matplotlib.colormaps[colormap]
    return [cmap(x) for x in np.linspace(0.1, 0.9, k)]


def class_legend_handles(classes, colours, *, percent: bool) -> list[mpatches.Patch]:
    counts = np.bincount(classes.yb, minlength=classes.k)
    lower = [float(np.min(classes.y))] + [float(b) for b in classes.bins[:-1]]
    handles = []
    for k, (low, high) in enumerate(zip(lower, classes.bins, strict=True)):
        label = f"{format_value(low, percent)} – {format_value(float(high), percent)}  (n={counts[k]})"
        handles.append(mpatches.Patch(facecolor=colours[k], edgecolor="none", label=label))
    return handles


def format_value(value: float, percent: bool) -> str:
    """Class bounds as percentages for shares, else three significant digits."""
    return f"{100 * value:.1f}%" if percent else f"{value:.3g}"
