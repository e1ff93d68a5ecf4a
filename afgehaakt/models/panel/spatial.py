"""Spatial diagnostics of the election panel: Moran's I of changes and of fixed-effects residuals per election.

Every row is one :func:`afgehaakt.spatial.moran.global_moran` test, with its weights, transformation,
permutations, seed and alternative, plus what was tested (``quantity``, ``variable``, the elections) and a note
naming municipalities whose turnout above 1 enters the values (and under which policy).

Residuals are the idiosyncratic residuals of a two-way fixed-effects fit (municipality and election effects
removed), one cross-section per election. They are not exchangeable: each election's residuals sum to zero and
the within transformation correlates them, so the analytical and permutation p-values are approximate (as for
plain Moran's I on regression residuals; :mod:`afgehaakt.spatial.residual_moran` gives exact moments for OLS
cross-sections, which have no panel counterpart here). The row's note says so.
"""

from __future__ import annotations

import pandas as pd
from libpysal.graph import Graph

from afgehaakt.models.panel.data import OUTCOMES, BalancedPanel
from afgehaakt.models.panel.results import PanelModelResult
from afgehaakt.spatial.inference import Alternative
from afgehaakt.spatial.moran import global_moran

RESIDUAL_NOTE = ("two-way FE residuals (not exchangeable: they sum to zero per election and are correlated by "
                 "the within transformation); p-values approximate")


def consecutive_pairs(panel: BalancedPanel) -> list[tuple[str, str]]:
    return list(zip(panel.elections[:-1], panel.elections[1:], strict=True))


def change(panel: BalancedPanel, variable: str, start: str, end: str) -> pd.Series:
    """``variable`` in ``end`` minus in ``start``, indexed by code (turnout as analysed under the panel's policy)."""
    if variable not in OUTCOMES:
        raise ValueError(f"variable must be one of {OUTCOMES}, not {variable!r}")
    for election in (start, end):
        if election not in panel.elections:
            raise ValueError(f"{election} is not in the panel {panel.elections}")
    wide = panel.wide(variable)
    return (wide[end] - wide[start]).rename(f"{variable}_change_{start}_{end}")


def panel_moran_table(
    panel: BalancedPanel,
    graph: Graph,
    *,
    weights_name: str,
    island_policy: str,
    fixed_effects: PanelModelResult | None,
    permutations: int,
    seed: int,
    alternative: Alternative,
    transformation: str = "r",
    pairs: list[tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """Moran's I of the change in turnout and outsider share between consecutive elections (or ``pairs``), and
    of ``fixed_effects``' residuals in each election (omitted if None). One tidy row per test.

    Columns: quantity (``change`` or ``residual``), outcome, from_election, to_election, election, model, then
    the :class:`~afgehaakt.spatial.moran.GlobalMoranResult` fields (``variable`` is the tested series, e.g.
    ``turnout_change_tk2017_tk2021``), island_policy after weights, note and above_one.
    """
    rows = []
    for variable in OUTCOMES:
        for start, end in pairs or consecutive_pairs(panel):
            values = change(panel, variable, start, end)
            result = global_moran(values, graph, weights_name=weights_name, transformation=transformation,
                                  permutations=permutations, seed=seed, alternative=alternative)
            rows.append({"quantity": "change", "outcome": variable, "from_election": start, "to_election": end,
                         "election": "", "model": "", **result.as_row(),
                         "note": _flag_note(panel, variable, [start, end])})
    if fixed_effects is not None:
        if fixed_effects.info.estimator != "PanelOLS":
            raise ValueError(f"{fixed_effects.info.model}: residual diagnostics need a PanelOLS fit, "
                             f"not {fixed_effects.info.estimator}")
        if fixed_effects.info.elections != panel.elections:
            raise ValueError(f"{fixed_effects.info.model} was fitted on {fixed_effects.info.elections}, "
                             f"not on this panel's {panel.elections}")
        residuals = fixed_effects.residuals
        for election in panel.elections:
            values = residuals[residuals["election"] == election].set_index("code")["residual"]
            values = values.rename(f"residual_{fixed_effects.info.model}_{election}")
            result = global_moran(values, graph, weights_name=weights_name, transformation=transformation,
                                  permutations=permutations, seed=seed, alternative=alternative)
            note = "; ".join(n for n in (RESIDUAL_NOTE, _flag_note(panel, fixed_effects.info.dependent, [election]))
                             if n)
            rows.append({"quantity": "residual", "outcome": fixed_effects.info.dependent, "from_election": "",
                         "to_election": "", "election": election, "model": fixed_effects.info.model,
                         **result.as_row(), "note": note})
    table = pd.DataFrame(rows)
    table.insert(table.columns.get_loc("weights") + 1, "island_policy", island_policy)
    table["above_one"] = panel.above_one
    return table


def _flag_note(panel: BalancedPanel, variable: str, elections: list[str]) -> str:
    if variable != "turnout":
        return ""
    table = panel.table
    flagged = table[table["turnout_above_one"] & table["election"].isin(elections)]
    if flagged.empty:
        return ""
    verb = "capped at 1" if panel.above_one == "cap" else "kept as observed"
    listed = ", ".join(f"{r.name} ({r.code}) {r.election} {r.turnout_observed:.4f}" for r in flagged.itertuples())
    return f"turnout above 1 {verb}: {listed}"
