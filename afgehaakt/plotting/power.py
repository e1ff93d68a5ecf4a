"""The power curve of the follow-up survey: power against respondents per municipality, one line per effect."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from afgehaakt.labels import Labels
from afgehaakt.plotting.style import fitted_ylabel, footnote, new_figure, save_figure

TARGET_POWER = 0.8


def power_curve(table: pd.DataFrame, *, source_line: str, paths: list[str | Path], labels: Labels) -> None:
    """Simulated power with 95% Clopper-Pearson bars (points, solid lines) and the analytical power of the
    balanced design (dashed), per effect size; the type-I error (effect 0) is drawn against alpha."""
    figure = new_figure(7.6, 4.2)
    axes = figure.add_subplot(1, 1, 1)
    # Set before the labels are fitted to the axes.
    figure.subplots_adjust(left=0.1, right=0.72, top=0.9, bottom=0.2)
    effects = sorted(table["effect"].unique())
    colours = [f"C{i}" for i in range(len(effects))]
    for effect, colour in zip(effects, colours, strict=True):
        rows = table[table["effect"] == effect].sort_values("respondents_per_municipality")
        n = rows["respondents_per_municipality"].to_numpy(dtype=float)
        power = rows["power"].to_numpy(dtype=float)
        label = labels("fig.power.type_one" if effect == 0 else "fig.power.effect", effect=f"{effect:g}")
        axes.errorbar(n, power, yerr=[power - rows["ci95_low"], rows["ci95_high"] - power], color=colour,
                      marker="o", markersize=4, linewidth=1.4, capsize=2, label=label)
        axes.plot(n, rows["analytical_power"], color=colour, linewidth=0.9, linestyle="--")
    first = table.iloc[0]
    axes.axhline(TARGET_POWER, color="black", linewidth=0.8, linestyle=":", label=labels("fig.power.target"))
    axes.axhline(first["alpha"], color="grey", linewidth=0.8, linestyle=":", label=labels("fig.power.alpha", alpha=f"{first['alpha']:g}"))
    respondents = np.sort(table["respondents_per_municipality"].unique())
    axes.set_xscale("log")
    axes.set_xticks(respondents, [str(n) for n in respondents])
    axes.minorticks_off()
    axes.set_ylim(0.0, 1.02)
    axes.set_xlabel(labels("fig.power.xlabel"))
    fitted_ylabel(axes, labels("fig.power.ylabel"))
    axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    failures = int(table["convergence_failures"].sum())
    figure.suptitle(labels("fig.power.title", municipalities=int(first["municipalities"]), icc=f"{first['icc']:g}"),
                    x=0.01, ha="left", fontsize=10)
    counts = sorted({int(r) for r in table["replicates"]})
    footer = labels("fig.power.footer", replicates="-".join(str(c) for c in counts[:: max(len(counts) - 1, 1)]),
                    test=first["test"], alpha=f"{first['alpha']:g}", failures=failures, seed=int(first["seed"]),
                    source=source_line)
    footnote(figure, footer, fontsize=5.5)
    save_figure(figure, paths)
