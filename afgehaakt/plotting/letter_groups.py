"""Turnout and outsider share by CBS municipal size class over the elections, with block-bootstrap intervals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from afgehaakt.labels import Labels
from afgehaakt.plotting.style import new_figure, save_figure

_COLOURS = ["#c6dbef", "#9ecae1", "#6baed6", "#d94801", "#a63603", "#4292c6", "#2171b5", "#08306b"]


def size_class_series(class_means: pd.DataFrame, *, variables: tuple[str, ...], source_line: str,
                      paths: list[str | Path], labels: Labels) -> None:
    """One panel per variable: the mean over municipalities per size class and election, with its interval
    (the mid-sized classes drawn in orange). The interval method is stated under the plot."""
    figure = new_figure(4.4 * len(variables), 5.0)
    classes = list(dict.fromkeys(class_means["size_class"]))
    for position, variable in enumerate(variables):
        axes = figure.add_subplot(1, len(variables), position + 1)
        chosen = class_means[class_means["variable"] == variable]
        elections = list(dict.fromkeys(chosen["election"]))
        x = np.arange(len(elections))
        for offset, (label, colour) in enumerate(zip(classes, _COLOURS, strict=False)):
            rows = chosen[chosen["size_class"] == label].set_index("election").reindex(elections)
            shift = (offset - (len(classes) - 1) / 2) * 0.07
            axes.vlines(x + shift, rows["ci_low"], rows["ci_high"], color=colour, linewidth=0.9)
            count = int(rows["municipalities"].max())
            axes.plot(x + shift, rows["mean"], "-o", color=colour, markersize=2.5, linewidth=1.0,
                      label=f"{label} (n={count})")
        axes.set_xticks(x, [e.upper() for e in elections], fontsize=7, rotation=45)
        axes.set_title(labels.variable(variable), fontsize=9)
        if position == 0:
            axes.set_ylabel(labels("fig.size_classes.ylabel"), fontsize=8)
    axes.legend(fontsize=6, title=labels("fig.size_classes.legend"), title_fontsize=6.5, loc="best")
    method = class_means["method"].iloc[0]
    figure.suptitle(labels("fig.size_classes.title"), x=0.01, ha="left", fontsize=10)
    figure.text(0.01, 0.01, labels("fig.size_classes.footer", method=method, source=source_line), fontsize=5.5,
                ha="left", va="bottom", wrap=True)
    figure.subplots_adjust(left=0.07, right=0.98, top=0.88, bottom=0.3, wspace=0.2)
    save_figure(figure, paths)
