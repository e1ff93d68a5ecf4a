"""Power curves of the follow-up survey: power against respondents per municipality, one line per effect size,
one panel per term (context effect, cross-level interaction) and number of municipalities sampled."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

from afgehaakt.labels import Labels
from afgehaakt.plotting.style import footnote, new_figure, save_figure

TARGET_POWER = 0.8


def power_curve(table: pd.DataFrame, *, icc: float, source_line: str, paths: list[str | Path],
                labels: Labels) -> None:
    """Simulated power with 95% Clopper-Pearson bars (points, solid) and the analytical power (dashed) at one
    ICC; the type-I error (effect 0) is drawn against alpha. The title says whether the table is the preview of
    the default run or the planning run."""
    table = table[np.isclose(table["icc"], icc)]
    if table.empty:
        raise ValueError(f"the power table has no cells with ICC {icc}")
    terms = list(dict.fromkeys(table["term"]))
    sizes = sorted(table["municipalities"].unique())
    # At least the width of the title and the legend, also with a single panel column (the preview).
    figure = new_figure(max(7.6, 2.6 * len(sizes) + 1.8), 2.4 * len(terms) + 1.1)
    effects = sorted(table["effect"].unique())
    respondents = np.sort(table["respondents_per_municipality"].unique())
    first = table.iloc[0]
    for row, term in enumerate(terms):
        for column, size in enumerate(sizes):
            axes = figure.add_subplot(len(terms), len(sizes), row * len(sizes) + column + 1)
            cells = table[(table["term"] == term) & (table["municipalities"] == size)]
            for k, effect in enumerate(effects):
                rows = cells[cells["effect"] == effect].sort_values("respondents_per_municipality")
                n = rows["respondents_per_municipality"].to_numpy(dtype=float)
                power = rows["power"].to_numpy(dtype=float)
                label = labels("fig.power.type_one" if effect == 0 else "fig.power.effect", effect=f"{effect:g}")
                axes.errorbar(n, power, yerr=[power - rows["ci95_low"], rows["ci95_high"] - power], color=f"C{k}",
                              marker="o", markersize=3, linewidth=1.2, capsize=2, label=label)
                axes.plot(n, rows["analytical_power"], color=f"C{k}", linewidth=0.8, linestyle="--")
            axes.axhline(TARGET_POWER, color="black", linewidth=0.7, linestyle=":", label=labels("fig.power.target"))
            axes.axhline(first["alpha"], color="grey", linewidth=0.7, linestyle=":",
                         label=labels("fig.power.alpha", alpha=f"{first['alpha']:g}"))
            axes.set_xscale("log")
            axes.set_xticks(respondents, [str(n) for n in respondents])
            axes.minorticks_off()
            axes.set_ylim(0.0, 1.02)
            axes.set_title(labels(f"fig.power.panel.{term}", municipalities=int(size)), fontsize=8)
            if row == len(terms) - 1:
                axes.set_xlabel(labels("fig.power.xlabel"), fontsize=8)
            if column == 0:
                axes.set_ylabel(textwrap.fill(labels("fig.power.ylabel"), 30), fontsize=8)
            axes.tick_params(labelsize=7)
    handles, texts = axes.get_legend_handles_labels()
    axes.legend(handles, [textwrap.fill(t, 24) for t in texts], fontsize=7, loc="upper left",
                bbox_to_anchor=(1.04, 1.0), borderaxespad=0.0)
    figure.suptitle(textwrap.fill(labels(f"fig.power.title.{first['design']}", icc=f"{icc:g}"), 90), x=0.01,
                    ha="left", fontsize=10)
    counts = sorted({int(r) for r in table["replicates"]})
    footer = labels("fig.power.footer", replicates="-".join(str(c) for c in counts[:: max(len(counts) - 1, 1)]),
                    alpha=f"{first['alpha']:g}", seed=int(first["seed"]), source=source_line)
    footnote(figure, footer, fontsize=5.5)
    figure.subplots_adjust(left=0.1, right=0.76, top=0.86, bottom=0.22, hspace=0.45, wspace=0.25)
    save_figure(figure, paths)
