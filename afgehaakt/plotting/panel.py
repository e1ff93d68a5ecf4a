"""Figures and tables of the election panel: maps of change, the education gradient per election, and a
regression table as Markdown or LaTeX text."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from afgehaakt.labels import Labels
from afgehaakt.models.panel import ELECTIONS, BalancedPanel, PanelModelResult
from afgehaakt.models.panel.spatial import change
from afgehaakt.plotting.style import footer as footer_block
from afgehaakt.plotting.style import new_figure, save_figure
from afgehaakt.tables import latex_escape, markdown_row

def election_label(election: str) -> str:
    year, kind = ELECTIONS[election]
    return f"{'TK' if kind == 'tk' else 'EP'} {year}"


def change_map(
    boundaries: gpd.GeoDataFrame,
    panel: BalancedPanel,
    variable: str,
    start: str,
    end: str,
    *,
    source_line: str,
    paths: list[str | Path],
    labels: Labels,
    title: str | None = None,
) -> None:
    """Map of the change in ``variable`` from ``start`` to ``end`` in percentage points.

    A diverging palette centred at zero (red = fall, blue = rise), with symmetric colour limits robust to single
    outliers (:func:`afgehaakt.plotting.maps.robust_limit`; units beyond them are marked). Turnout maps hatch
    municipalities with turnout above 1 in either election and say in the title how the panel treated them.
    """
    from afgehaakt.plotting.maps import diverging_choropleth  # mapclassify is slow to import; only maps need it

    values = 100 * change(panel, variable, start, end)
    flagged = None
    default_title = labels("fig.panel.change_title", variable=labels.variable(variable),
                           start=election_label(start), end=election_label(end))
    if variable == "turnout":
        table = panel.table
        rows = table[table["election"].isin([start, end]) & table["turnout_above_one"]]
        flagged = pd.Series(True, index=pd.Index(rows["code"].unique()))
        if len(flagged):
            default_title += "; " + labels("fig.panel.above_one_policy",
                                           treatment=labels(f"treatment.{panel.above_one}"))
    diverging_choropleth(boundaries, values, title=title or default_title,
                         legend_title=labels("fig.panel.change_legend"), source_line=source_line, flagged=flagged,
                         paths=paths, labels=labels)


def gradient_plot(
    changes: pd.DataFrame,
    *,
    variable: str,
    source_line: str,
    paths: list[str | Path],
    labels: Labels,
    levels: pd.DataFrame | None = None,
) -> None:
    """Point-range plot with 95% CIs: the change in the gradient since the reference election (two-way FE,
    :func:`afgehaakt.models.panel.gradient_changes`) and, if given, the gradient per election (random effects,
    :func:`afgehaakt.models.panel.gradient_levels`). The covariance is stated under the plot."""
    panels = [(labels("fig.panel.levels"), levels)] if levels is not None else []
    panels.append((labels("fig.panel.changes"), changes))
    figure = new_figure(4.2 * len(panels), 3.8)
    for position, (name, frame) in enumerate(panels):
        axes = figure.add_subplot(1, len(panels), position + 1)
        x = np.arange(len(frame))
        estimate = frame["estimate"].to_numpy(dtype=float)
        low = frame["ci_low"].to_numpy(dtype=float)
        high = frame["ci_high"].to_numpy(dtype=float)
        has_ci = np.isfinite(low) & np.isfinite(high)
        axes.vlines(x[has_ci], low[has_ci], high[has_ci], color="#2b5d8a", linewidth=1.6)
        reference = frame["reference"].to_numpy(dtype=bool) if frame["quantity"].iloc[0] != "level" \
            else np.zeros(len(frame), dtype=bool)
        axes.plot(x[~reference], estimate[~reference], "o", color="#2b5d8a")
        axes.plot(x[reference], estimate[reference], "o", markerfacecolor="white", color="#2b5d8a")
        axes.axhline(0.0, color="grey", linewidth=0.6, linestyle="--")
        ticks = [election_label(e) + (f" ({labels('fig.panel.reference')})" if r else "")
                 for e, r in zip(frame["election"], reference, strict=True)]
        axes.set_xticks(x, ticks, fontsize=7.5)
        axes.set_xlim(-0.5, len(frame) - 0.5)
        axes.set_title(f"{name}\n({frame['model'].iloc[0]})", fontsize=8.5)
        if position == 0:
            axes.set_ylabel(labels("fig.panel.gradient_ylabel"))
    described = list(dict.fromkeys(
        f"{f['model'].iloc[0]}: {covariance_in_words(f['cov_type'].iloc[0], f['cov_options'].iloc[0], labels)}"
        for _, f in panels))
    footer = labels("fig.panel.footer", covariance="; ".join(described), source=source_line)
    figure.suptitle(labels("fig.panel.gradient_title", variable=labels.variable(variable).lower()), x=0.01,
                    ha="left", fontsize=10)
    height = footer_block(figure, [footer], fontsize=5.5)
    figure.subplots_adjust(left=0.1, right=0.98, top=0.8, bottom=height + 0.1, wspace=0.3)
    save_figure(figure, paths)


def _options(text: str) -> dict[str, str]:
    """``"debiased=True; cluster_entity=True"`` (the cov_options column) as a dict."""
    pairs = (item.split("=", 1) for item in str(text).split(";") if "=" in item)
    return {key.strip(): value.strip() for key, value in pairs}


def covariance_in_words(cov_type: str, cov_options: str, labels: Labels) -> str:
    """The covariance of a panel model (``cov_type`` and the ``fit`` options recorded with it, as in
    :meth:`afgehaakt.models.panel.Covariance.describe`) in words, for a figure's reader."""
    options = _options(cov_options)
    if cov_type == "clustered":
        parts = [labels("cov.clustered.entity_time" if options.get("cluster_time") == "True" else "cov.clustered.entity")]
    else:
        parts = [labels("cov.unadjusted")]
    if options.get("debiased") != "True":
        parts.append(labels("cov.not_debiased"))
    elif options.get("group_debias") == "True":
        parts.append(labels("cov.debiased.groups"))
    else:
        parts.append(labels("cov.debiased.observations"))
    if options.get("count_effects") in ("True", "False"):
        parts.append(labels("cov.effects_counted" if options["count_effects"] == "True" else "cov.effects_not_counted"))
    return ", ".join(parts)


def regression_table(
    results: list[PanelModelResult],
    *,
    output: Literal["markdown", "latex"] = "markdown",
    digits: int = 3,
    terms: list[str] | None = None,
) -> str:
    """Models side by side: estimates with standard errors in parentheses and 95% CIs in brackets, then the
    estimator, effects, sample, R² and the covariance with every option. Returns the text."""
    if output not in ("markdown", "latex"):
        raise ValueError(f"output must be 'markdown' or 'latex', not {output!r}")
    order = terms or list(dict.fromkeys(t for r in results for t in r.coefficients["term"]))
    header = ["", *(r.info.model for r in results)]
    body = []
    for term in order:
        cells, ses, cis = [term], [""], [""]
        for result in results:
            row = result.coefficients[result.coefficients["term"] == term]
            if row.empty:
                cells.append(""); ses.append(""); cis.append("")  # noqa: E702
                continue
            r = row.iloc[0]
            cells.append(f"{r['estimate']:.{digits}f}")
            ses.append(f"({r['se']:.{digits}f})")
            cis.append(f"[{r['ci_low']:.{digits}f}, {r['ci_high']:.{digits}f}]")
        body += [cells, ses, cis]
    footer = [
        ["Estimator", *(r.info.estimator for r in results)],
        ["Municipality effects", *(_effects(r, "entity") for r in results)],
        ["Election effects", *(_effects(r, "time") for r in results)],
        ["Observations", *(str(r.info.n_obs) for r in results)],
        ["Municipalities", *(str(r.info.n_entities) for r in results)],
        ["Elections", *(", ".join(r.info.elections) for r in results)],
        ["R² (estimator)", *(_number(r.info.r2, digits) for r in results)],
        ["R² within", *(_number(r.info.r2_within, digits) for r in results)],
        ["R² overall", *(_number(r.info.r2_overall, digits) for r in results)],
        ["Inference", *(r.coefficients["distribution"].iloc[0] for r in results)],
        ["Covariance", *(r.info.cov_type for r in results)],
        ["Covariance options", *(r.info.cov_options for r in results)],
    ]
    note = ("Standard errors in parentheses, 95% confidence intervals in brackets. Turnout above 1: "
            f"{results[0].info.above_one}.")
    if output == "markdown":
        return _markdown(header, body, footer, note)
    return _latex(header, body, footer, note)


def _effects(result: PanelModelResult, which: str) -> str:
    if result.info.estimator == "RandomEffects" and which == "entity":
        return "random"
    if result.info.estimator == "FirstDifferenceOLS":
        return "differenced" if which == "entity" else "dummies (differenced)"
    if result.info.estimator == "RandomEffects":
        return "dummies"
    value = result.info.entity_effects if which == "entity" else result.info.time_effects
    return "fixed" if value else "no"


def _number(value: float, digits: int) -> str:
    return f"{value:.{digits}f}" if np.isfinite(value) else ""


def _markdown(header, body, footer, note) -> str:
    lines = [markdown_row(header), "|" + "|".join([":---"] + ["---:"] * (len(header) - 1)) + "|"]
    lines += [markdown_row(c) for c in body]
    lines += [markdown_row(c) for c in footer]
    return "\n".join(lines) + f"\n\n{note}\n"


def _latex(header, body, footer, note) -> str:
    def line(cells):
        return " & ".join(latex_escape(c) for c in cells) + r" \\"
    columns = "l" + "r" * (len(header) - 1)
    lines = [rf"\begin{{tabular}}{{{columns}}}", r"\hline", line(header), r"\hline"]
    lines += [line(c) for c in body]
    lines += [r"\hline"] + [line(c) for c in footer] + [r"\hline", r"\end{tabular}"]
    lines.append(rf"\par\footnotesize {latex_escape(note)}")
    return "\n".join(lines) + "\n"
