"""Moran scatterplot: standardised values against their spatial lag; the slope is Moran's I."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
from libpysal.graph import Graph

from afgehaakt.labels import Labels
from afgehaakt.plotting.style import fitted_ylabel, footnote, new_figure, save_figure, title


def moran_scatterplot(
    values: pd.Series,
    graph: Graph,
    *,
    transformation: str,
    election: str,
    test: pd.Series,
    label_units: pd.Series | None,
    paths: list[str | Path],
    labels: Labels,
) -> None:
    """Plot z against W z for row-standardised W; label the units in ``label_units`` (code -> name).

    ``values.name`` is the variable (e.g. ``turnout``), ``election`` the label of its election (in the title
    only, so that the axis labels stay short); ``test`` is its row of the global Moran table, whose inference
    is printed under the plot.
    """
    ids = pd.Index(graph.unique_ids)
    y = values.reindex(ids).to_numpy(dtype=float)
    z = (y - y.mean()) / y.std()
    lag = graph.transform(transformation.upper()).sparse @ z
    slope = float(np.dot(z, lag) / np.dot(z, z))
    figure = new_figure(5.6, 5.4)
    axes = figure.add_axes((0.16, 0.18, 0.79, 0.72))
    axes.scatter(z, lag, s=9, color="#3b6ea5", alpha=0.7, linewidths=0)
    axes.axhline(0, color="grey", linewidth=0.6)
    axes.axvline(0, color="grey", linewidth=0.6)
    span = np.array([z.min(), z.max()])
    axes.plot(span, slope * span, color="#b2182b", linewidth=1.2, label=labels("fig.moran.slope", slope=f"{slope:.3f}"))
    if label_units is not None:
        for code, name in label_units.items():
            k = ids.get_loc(code)
            axes.annotate(name, (z[k], lag[k]), fontsize=6, xytext=(-3, 4), textcoords="offset points", ha="right")
    for x, y_pos, text in ((0.98, 0.98, "HH"), (0.02, 0.02, "LL"), (0.02, 0.98, "LH"), (0.98, 0.02, "HL")):
        axes.text(x, y_pos, text, transform=axes.transAxes, ha="right" if x > 0.5 else "left",
                  va="top" if y_pos > 0.5 else "bottom", color="grey")
    variable = labels.variable(str(values.name))
    axes.set_xlabel(labels("fig.moran.xlabel", variable=variable))
    fitted_ylabel(axes, labels("fig.moran.ylabel", variable=variable, transformation=transformation))
    axes.legend(loc="lower right", frameon=False, bbox_to_anchor=(1.0, 0.06))
    title(figure, labels("fig.moran.title", variable=f"{variable} {election}"), x=0.02, fontsize=11)
    footnote(figure, moran_annotation(test, labels), x=0.02, y=0.015, fontsize=6.5)
    save_figure(figure, paths)


def moran_annotation(test: pd.Series, labels: Labels) -> str:
    """The global test behind the plot: statistic, expectation, z and the permutation inference."""
    return labels(
        "fig.moran.annotation", statistic=f"{test.statistic:.4f}", expected=f"{test.expected:.4f}",
        z=f"{test.z_randomisation:.2f}", p=f"{test.p_permutation:.4g}", permutations=test.permutations,
        seed=test.seed, alternative=labels(f"alternative.{test.alternative}"), weights=test.weights,
        island_policy=island_policy_in_words(test.island_policy, labels),
    )


def island_policy_in_words(described: str, labels: Labels) -> str:
    """The island policy as recorded (:meth:`afgehaakt.spatial.weights.IslandPolicy.describe`, e.g.
    ``connect_to_largest(links_per_component=1)``) in words."""
    match = re.fullmatch(r"connect_to_largest\(links_per_component=(\d+)\)", str(described))
    if match:
        return labels("island.connect_to_largest", links=match.group(1))
    if described == "none":
        return labels("island.none")
    raise ValueError(f"unknown island policy {described!r} in the Moran table")
