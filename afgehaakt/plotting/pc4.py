"""Maps of the postcode areas (PC4): the country (outsider share and LISA clusters) and inset municipalities.

Areas without an assigned polling station are drawn in mid grey with their own legend entry (darker than the
"not significant" grey of the cluster map): they have no value, which is not the same as a low one. The country
maps draw the polygons simplified to ``COUNTRY_TOLERANCE_M`` (below a pixel at that scale; it keeps the PDF small
and the job fast); the insets draw them as published, outlined by the union of the municipality's areas. One classification (quantiles over all areas with a value) is used in
every panel, so that a colour means the same share in the country map and in each inset.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import matplotlib.patches as mpatches
from matplotlib.colors import to_hex
import pandas as pd

from afgehaakt.labels import Labels
from afgehaakt.plotting.clusters import CLUSTER_COLOURS
from afgehaakt.plotting.maps import class_legend_handles, class_colours, classify
from afgehaakt.plotting.style import footnote, new_figure, save_figure

MISSING_COLOUR = "#a0a0a0"
COUNTRY_TOLERANCE_M = 150.0
OUTLINE_CLOSING_M = 10.0
_CLUSTER_EDGES = {"HH": CLUSTER_COLOURS["HH"], "LL": CLUSTER_COLOURS["LL"]}


def _classed_colours(areas: gpd.GeoDataFrame, column: str, *, scheme: str, k: int, colormap: str):
    valued = areas[column].notna()
    classes = classify(areas.loc[valued, column], scheme=scheme, k=k)
    palette = class_colours(colormap, classes.k)
    colours = pd.Series(MISSING_COLOUR, index=areas.index, dtype=object)
    colours[valued] = [to_hex(palette[c]) for c in classes.yb]
    return colours, classes, palette


def country_maps(areas: gpd.GeoDataFrame, lisa: pd.DataFrame, municipalities: gpd.GeoDataFrame, *, column: str,
                 scheme: str, k: int, colormap: str, source_line: str, paths: list[str | Path],
                 labels: Labels) -> None:
    """Left: ``column`` per area in classes; right: the FDR-controlled local Moran clusters."""
    colours, classes, palette = _classed_colours(areas, column, scheme=scheme, k=k, colormap=colormap)
    missing = int(areas[column].isna().sum())
    clusters = areas["pc4"].map(lisa.set_index("code")["cluster_fdr"])
    areas = areas.set_geometry(areas.geometry.simplify(COUNTRY_TOLERANCE_M))
    figure = new_figure(11.0, 7.0)
    left = figure.add_axes((0.0, 0.1, 0.5, 0.8))
    areas.plot(ax=left, color=colours.tolist(), linewidth=0)
    municipalities.boundary.plot(ax=left, color="white", linewidth=0.15)
    handles = class_legend_handles(classes, palette, percent=True)
    handles.append(mpatches.Patch(color=MISSING_COLOUR, label=labels("fig.pc4.missing", n=missing)))
    left.legend(handles=handles, title=labels(f"unit.{column}"), loc="upper left", fontsize=6.5, title_fontsize=7,
                frameon=False)
    left.set_title(labels.variable(column), fontsize=9)
    right = figure.add_axes((0.5, 0.1, 0.5, 0.8))
    cluster_colours = clusters.map(CLUSTER_COLOURS).fillna(MISSING_COLOUR)
    areas.plot(ax=right, color=cluster_colours.tolist(), linewidth=0)
    municipalities.boundary.plot(ax=right, color="#9e9e9e", linewidth=0.1)
    counts = clusters.value_counts()
    cluster_handles = [mpatches.Patch(color=CLUSTER_COLOURS[key], label=f"{labels(f'cluster.{key}')} ({counts[key]})")
                       for key in CLUSTER_COLOURS if key in counts.index]
    cluster_handles.append(mpatches.Patch(color=MISSING_COLOUR, label=labels("fig.pc4.missing", n=missing)))
    right.legend(handles=cluster_handles, loc="upper left", fontsize=6.5, frameon=False)
    right.set_title(labels("fig.clusters.fdr"), fontsize=9)
    for axes in (left, right):
        axes.set_axis_off()
        axes.set_aspect("equal")
    first = lisa.iloc[0]
    caption = labels("fig.clusters.caption", permutations=first["permutations"], seed=first["seed"],
                     alternative=labels(f"alternative.{first['alternative']}"), alpha=first["alpha"],
                     cutoff=f"{first['fdr_cutoff']:.4g}", weights=first["weights"],
                     transformation=first["transformation"])
    _finish(figure, labels("fig.pc4.title"), f"{labels('fig.pc4.caveat')} {caption}", source_line, paths)


def inset_maps(areas: gpd.GeoDataFrame, lisa: pd.DataFrame, insets: list[str], *,
               column: str, scheme: str, k: int, colormap: str, source_line: str, paths: list[str | Path],
               labels: Labels) -> None:
    """One panel per inset municipality (the areas whose point lies in it, ``municipality_2021``): its areas in the
    national classes, FDR HH/LL clusters outlined."""
    colours, classes, palette = _classed_colours(areas, column, scheme=scheme, k=k, colormap=colormap)
    clusters = areas["pc4"].map(lisa.set_index("code")["cluster_fdr"])
    columns = 3
    figure = new_figure(11.0, 8.2)
    for position, code in enumerate(insets):
        row, col = divmod(position, columns)
        axes = figure.add_axes((0.01 + col * 0.33, 0.52 - row * 0.42, 0.31, 0.36))
        members = areas["municipality_2021"] == code
        part = areas[members]
        part.plot(ax=axes, color=colours[members].tolist(), edgecolor="white", linewidth=0.4)
        for label, edge in _CLUSTER_EDGES.items():
            marked = part[(clusters[members] == label).to_numpy()]
            if not marked.empty:
                marked.boundary.plot(ax=axes, color=edge, linewidth=1.4)
        # Closing by a few metres hides the slivers between neighbouring polygons of the published layer.
        outline = part.geometry.union_all().buffer(OUTLINE_CLOSING_M).buffer(-OUTLINE_CLOSING_M)
        gpd.GeoSeries([outline], crs=areas.crs).boundary.plot(ax=axes, color="black", linewidth=0.6)
        axes.set_title(labels("fig.pc4.inset_panel", name=part["municipality_2021_name"].iloc[0],
                              n=int(part[column].notna().sum()), total=len(part)), fontsize=8)
        axes.set_axis_off()
        axes.set_aspect("equal")
    legend_axes = figure.add_axes((0.01 + 2 * 0.33, 0.1, 0.31, 0.36))
    legend_axes.set_axis_off()
    handles = class_legend_handles(classes, palette, percent=True)
    handles.append(mpatches.Patch(color=MISSING_COLOUR, label=labels("fig.pc4.missing_short")))
    handles += [mpatches.Patch(facecolor="white", edgecolor=edge, linewidth=1.4, label=labels(f"cluster.{key}"))
                for key, edge in _CLUSTER_EDGES.items()]
    legend_axes.legend(handles=handles, title=labels(f"unit.{column}"), loc="center left", fontsize=7,
                       title_fontsize=7, frameon=False)
    _finish(figure, labels("fig.pc4.insets_title"), labels("fig.pc4.caveat"), source_line, paths)


def _finish(figure, title: str, caption: str, source_line: str, paths: list[str | Path]) -> None:
    figure.suptitle(title, x=0.01, ha="left", fontsize=11)
    footnote(figure, caption, y=0.045, fontsize=6.5)
    footnote(figure, source_line)
    save_figure(figure, paths)
