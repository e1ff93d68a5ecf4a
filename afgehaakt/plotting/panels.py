"""Small-multiple maps of the indicators and the correlation heatmap with confidence intervals."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import geopandas as gpd
import matplotlib.patches as mpatches
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from afgehaakt.features.codebook import IndicatorDefinition
from afgehaakt.labels import Labels
from afgehaakt.plotting.maps import class_colours, class_legend_handles, classify, format_value
from afgehaakt.plotting.style import footer, footnote, new_figure, save_figure, title


def small_multiples(
    boundaries: gpd.GeoDataFrame,
    table: pd.DataFrame,
    definitions: list[IndicatorDefinition],
    *,
    scheme: str,
    k: int,
    colormap: str,
    boundary_year: int,
    source_line: str,
    paths: list[str | Path],
    labels: Labels,
) -> None:
    """One classed map per indicator, each with its own class bounds; missing values drawn in grey."""
    columns = 4
    rows = math.ceil(len(definitions) / columns)
    figure = new_figure(3.0 * columns, 3.6 * rows + 0.6)
    frame = boundaries.set_index("code").join(table.set_index("code")[[d.name for d in definitions]])
    for position, definition in enumerate(definitions):
        axes = figure.add_subplot(rows, columns, position + 1)
        values = frame[definition.name]
        present = values.notna()
        classes = classify(values[present], scheme=scheme, k=k)
        colours = class_colours(colormap, classes.k)
        frame.loc[~present].plot(ax=axes, color="#bdbdbd", edgecolor="white", linewidth=0.1)
        frame.loc[present].plot(ax=axes, color=[colours[c] for c in classes.yb], edgecolor="white", linewidth=0.1)
        axes.set_axis_off()
        axes.set_title(f"{labels.variable(definition.name)}\n({labels(f'unit.{definition.name}')})", fontsize=7.5)
        handles = class_legend_handles(classes, colours, percent=definition.percent)
        if (~present).any():
            handles.append(mpatches.Patch(color="#bdbdbd", label=labels("fig.indicators.missing",
                                                                         n=int((~present).sum()))))
        axes.legend(handles=handles, title=labels("fig.indicators.legend_title", scheme=scheme), loc="upper center",
                    bbox_to_anchor=(0.5, 0.0), ncol=2, fontsize=5, title_fontsize=5, frameon=False,
                    handlelength=1.2, columnspacing=0.8)
    figure.suptitle(labels("fig.indicators.title", year=boundary_year), x=0.01, ha="left", fontsize=11)
    height = footer(figure, [source_line], fontsize=6)
    figure.subplots_adjust(left=0.01, right=0.99, top=0.93, bottom=height + 0.04, hspace=0.55, wspace=0.05)
    save_figure(figure, paths)


def correlation_heatmap(
    correlations: pd.DataFrame,
    *,
    method: str,
    election_label: str,
    source_line: str,
    paths: list[str | Path],
    labels: Labels,
) -> None:
    """Indicators (rows) by outcomes (columns): colour = coefficient, text = coefficient, its naive 95% CI and,
    where the table has Dutilleul's test, the CI with the effective n of spatially autocorrelated series."""
    chosen = correlations[correlations["method"] == method]
    order = list(dict.fromkeys(chosen["indicator"]))
    outcomes = list(dict.fromkeys(chosen["outcome"]))
    spatial = "effective_n" in chosen.columns and chosen["effective_n"].notna().any()
    columns = ["estimate", "ci_low", "ci_high"] + (["ci_low_dutilleul", "ci_high_dutilleul", "effective_n"]
                                                   if spatial else [])
    grids = {c: chosen.pivot(index="indicator", columns="outcome", values=c).loc[order, outcomes] for c in columns}
    estimate = grids["estimate"]
    # Inches: the cells, below them the footer, above them up to three lines of column labels and the title.
    cells, below, above = (0.56 if spatial else 0.42) * len(order), 0.5, 1.25
    height = cells + below + above
    figure = new_figure(1.9 * len(outcomes) + 3.2, height)
    axes = figure.add_axes((0.34, below / height, 0.52, cells / height))
    image = axes.imshow(estimate.to_numpy(), cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
    for i in range(len(order)):
        for j in range(len(outcomes)):
            value = estimate.iat[i, j]
            text = f"{value:.2f}\n[{grids['ci_low'].iat[i, j]:.2f}, {grids['ci_high'].iat[i, j]:.2f}]"
            if spatial and np.isfinite(grids["effective_n"].iat[i, j]):
                text += (f"\n[{grids['ci_low_dutilleul'].iat[i, j]:.2f}, {grids['ci_high_dutilleul'].iat[i, j]:.2f}]"
                         f" n\u2091 {grids['effective_n'].iat[i, j]:.0f}")
            axes.text(j, i, text, ha="center", va="center", fontsize=6.5,
                      color="white" if abs(value) > 0.6 else "black")
    axes.set_xticks(range(len(outcomes)), [textwrap.fill(labels.variable(o), 24) for o in outcomes], fontsize=7)
    axes.set_yticks(range(len(order)), [labels.variable(i) for i in order], fontsize=7)
    axes.xaxis.tick_top()
    colorbar = figure.colorbar(image, ax=axes, fraction=0.04, pad=0.02)
    colorbar.set_label(labels("fig.correlation.colorbar"), fontsize=7)
    title(figure, labels("fig.correlation.title", election=election_label), fontsize=10, y=0.99, va="top")
    key = "fig.correlation.footer_spatial" if spatial else "fig.correlation.footer"
    footer = labels(key, method=labels(f"method.{method}"), n=int(chosen["n"].min()), source=source_line)
    footnote(figure, footer, fontsize=5.5)
    save_figure(figure, paths)


def series_small_multiples(
    boundaries: gpd.GeoDataFrame,
    series: pd.DataFrame,
    variable: str,
    *,
    scheme: str,
    k: int,
    colormap: str,
    boundary_year: int,
    source_line: str,
    paths: list[str | Path],
    labels: Labels,
) -> None:
    """One map per election of ``variable`` with class bounds shared by all elections (pooled values), so that
    colours compare over time; turnout above 1 (Wadden islands) falls in the top class and is named below."""
    elections = list(dict.fromkeys(series.sort_values("date")["election"]))
    columns = 5
    rows = math.ceil(len(elections) / columns)
    figure = new_figure(2.6 * columns, 3.0 * rows + 0.9)
    pooled = series[variable].dropna()
    classes = classify(pooled, scheme=scheme, k=k)
    colours = class_colours(colormap, classes.k)
    for position, election in enumerate(elections):
        axes = figure.add_subplot(rows, columns, position + 1)
        values = series.loc[series["election"] == election].set_index("code")[variable]
        frame = boundaries.set_index("code").join(values)
        present = frame[variable].notna()
        if (~present).any():
            frame.loc[~present].plot(ax=axes, color="#bdbdbd", edgecolor="white", linewidth=0.1)
        frame.loc[present].plot(ax=axes, color=[colours[c] for c in classes.find_bin(frame.loc[present, variable])],
                                edgecolor="white", linewidth=0.1)
        axes.set_axis_off()
        axes.set_title(election.upper(), fontsize=8)
    edges = [pooled.min(), *classes.bins]
    handles = [Patch(facecolor=colours[i], edgecolor="none",
                     label=f"{format_value(edges[i], True)} - {format_value(edges[i + 1], True)}")
               for i in range(classes.k)]
    figure.legend(handles=handles, loc="lower center", ncol=classes.k, fontsize=7, frameon=False,
                  bbox_to_anchor=(0.5, 0.06), title=labels("fig.series.bounds", scheme=scheme, bounds=""),
                  title_fontsize=7)
    figure.suptitle(labels("fig.series.title", variable=labels.variable(variable), year=boundary_year),
                    x=0.01, ha="left", fontsize=11)
    figure.text(0.01, 0.005, "\n".join(textwrap.wrap(source_line, 220)), fontsize=6, ha="left", va="bottom")
    figure.subplots_adjust(left=0.01, right=0.99, top=0.9, bottom=0.15, hspace=0.15, wspace=0.02)
    save_figure(figure, paths)
