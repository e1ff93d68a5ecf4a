"""Figures of a staggered design: the event study of several estimators side by side, and the placebo spread."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from afgehaakt.models.staggered.placebo import PermutationPlacebo
from afgehaakt.models.staggered.results import StaggeredResult
from afgehaakt.plotting.style import new_figure, save_figure

ESTIMATOR_STYLE = {
    "callaway_santanna": ("Callaway-Sant'Anna", "#1b6ca8", "o"),
    "sun_abraham": ("Sun-Abraham", "#d95f02", "s"),
    "twfe": ("TWFE (naive)", "#7f7f7f", "^"),
}


def event_study_figure(results: Mapping[str, StaggeredResult], *, title: str, ylabel: str, xlabel: str,
                       note: str, scale: float, paths: list[str | Path]) -> None:
    """Leads and lags of each estimator with pointwise CIs, dodged sideways so the intervals do not overlap.

    ``scale`` multiplies estimates (100 for percentage points). A dashed vertical line separates the pre-treatment
    event times from the first election after the merger (event time 0).
    """
    figure = new_figure(7.5, 4.6)
    axes = figure.add_subplot(1, 1, 1)
    offsets = np.linspace(-0.18, 0.18, len(results))
    for offset, (name, result) in zip(offsets, results.items()):
        label, colour, marker = ESTIMATOR_STYLE[name]
        table = result.event_time
        x = table["event_time"].to_numpy() + offset
        estimate = scale * table["estimate"].to_numpy()
        low = scale * table["ci_low"].to_numpy()
        high = scale * table["ci_high"].to_numpy()
        has_ci = np.isfinite(low)
        axes.errorbar(x[has_ci], estimate[has_ci], yerr=[estimate[has_ci] - low[has_ci], high[has_ci] -
                      estimate[has_ci]], fmt=marker, color=colour, ecolor=colour, elinewidth=1, capsize=2,
                      markersize=4, label=label)
        axes.plot(x[~has_ci], estimate[~has_ci], marker, color=colour, markerfacecolor="white", markersize=4)
    axes.axhline(0, color="black", linewidth=0.8)
    axes.axvline(-0.5, color="black", linewidth=0.8, linestyle="--")
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_title(title, fontsize=10)
    axes.legend(frameon=False, fontsize=8, loc="best")
    figure.text(0.01, 0.01, note, fontsize=6.5, ha="left", va="bottom", wrap=True)
    figure.subplots_adjust(bottom=0.24)
    save_figure(figure, paths)


def placebo_figure(placebo: PermutationPlacebo, *, title: str, xlabel: str, ylabel: str, real_label: str,
                   note: str, scale: float, paths: list[str | Path]) -> None:
    """Histogram of the placebo estimates under permuted dates with the real estimate marked."""
    figure = new_figure(6.5, 4.0)
    axes = figure.add_subplot(1, 1, 1)
    axes.hist(scale * placebo.placebo_estimates, bins=30, color="#9ecae1", edgecolor="white")
    axes.axvline(scale * placebo.real_estimate, color="#d62728", linewidth=1.6, label=real_label)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_title(title, fontsize=10)
    axes.legend(frameon=False, fontsize=8)
    figure.text(0.01, 0.01, note, fontsize=6.5, ha="left", va="bottom", wrap=True)
    figure.subplots_adjust(bottom=0.22)
    save_figure(figure, paths)
