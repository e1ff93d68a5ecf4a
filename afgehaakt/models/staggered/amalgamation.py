"""The amalgamation study: did merging municipalities change national-election turnout and the outsider vote?

Identifying assumption, in plain words: had the merged municipalities not merged, their turnout (outsider share)
would have moved from election to election like that of the comparison municipalities (never merged in the
window, or not merged yet), and voters did not change their behaviour in anticipation of a merger announced
before it took effect. The pre-treatment event-time estimates and the placebos test the first part where data
allow; nothing can test it after the merger.

:func:`amalgamation_panel` joins the treatment (:mod:`afgehaakt.features.amalgamation`) to the harmonised
per-election indicators; :func:`amalgamation_analysis` runs the main estimates (Callaway-Sant'Anna with
never-treated controls, Sun-Abraham, naive TWFE) and the specifications of the sensitivity analysis:

* ``control_not_yet``: Callaway-Sant'Anna with not-yet-treated controls;
* ``without_wadden``: the Wadden islands left out (visitors' votes push their turnout above 100%);
* ``three_or_more``: treatment = a merger of three or more municipalities; units whose first merger joined two
  are left out (they are neither treated by this definition nor clean controls);
* ``size_two``: two-way mergers only; with ``three_or_more`` the heterogeneity by merger size (each treated
  group against the same never-treated units);
* ``partner_dominant`` / ``partner_balanced``: heterogeneity by the population ratio of the partners: mergers in
  which the largest partner had more / less than the median share of the merged electorate (absorption of small
  neighbours by a larger one against mergers of comparable municipalities).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from afgehaakt.elections import AboveOnePolicy, analysis_values
from afgehaakt.features.amalgamation import NEVER_MERGED, AmalgamationTreatment
from afgehaakt.models.staggered.data import StaggeredPanel, prepare_staggered_panel
from afgehaakt.models.staggered.estimators import callaway_santanna, sun_abraham, twfe
from afgehaakt.models.staggered.placebo import PermutationPlacebo, permuted_dates_placebo, pre_period_placebo
from afgehaakt.models.staggered.results import StaggeredResult

LARGE_MERGER = 3
"""Partners in a merger from which it counts as large (the "three or more municipalities" definition)."""


def amalgamation_panel(
    treatment: AmalgamationTreatment,
    indicators: Mapping[str, pd.DataFrame],
    *,
    outcomes: Sequence[str],
    above_one: AboveOnePolicy,
) -> tuple[pd.DataFrame, list[str]]:
    """The long panel (code, name, election, period, cohort, n_predecessors, outcomes) and the notes on turnout.

    ``indicators`` maps each election id of the treatment to its harmonised indicator table (one row per
    municipality of the boundary year, as ``rules/features.smk`` writes it). Outcome values follow the
    project's policy for turnout above 1 (:func:`afgehaakt.elections.analysis_values`), noted per election.
    """
    missing = [e.id for e in treatment.elections if e.id not in indicators]
    if missing:
        raise ValueError(f"no indicator table for the elections {missing}")
    frames, notes = [], []
    for period, election in enumerate(treatment.elections, start=1):
        table = indicators[election.id]
        frame = treatment.units[["code", "name", "cohort", "n_predecessors", "largest_predecessor_share"]].assign(
            election=election.id, period=period)
        for outcome in outcomes:
            values, note = analysis_values(table, outcome, above_one=above_one)
            frame[outcome] = frame["code"].map(values)
            if note:
                notes.append(f"{election.id}: {note}")
        frames.append(frame)
    return pd.concat(frames, ignore_index=True), notes


@dataclass(frozen=True)
class Specification:
    """One analysis sample and control group: ``name``, a description, the units kept and the control group."""

    name: str
    description: str
    control_group: str
    units: pd.Index


def specifications(panel: pd.DataFrame, *, wadden: Sequence[str]) -> list[Specification]:
    """The sensitivity analyses of the module docstring (the main specification is any merger, never-merged
    controls, on every unit)."""
    units = panel.drop_duplicates("code").set_index("code")
    everyone = units.index
    treated = units[units["cohort"] != NEVER_MERGED]
    treated_two = treated.index[treated["n_predecessors"] < LARGE_MERGER]
    treated_large = treated.index[treated["n_predecessors"] >= LARGE_MERGER]
    median_share = float(treated["largest_predecessor_share"].median())
    dominant = treated.index[treated["largest_predecessor_share"] >= median_share]
    unknown_share = treated.index[treated["largest_predecessor_share"].isna()]
    return [
        Specification("control_not_yet", "any merger; not-yet-merged controls", "not_yet", everyone),
        Specification("without_wadden", "any merger; Wadden islands left out", "never",
                      everyone.difference(pd.Index(wadden))),
        Specification("three_or_more", f"mergers of {LARGE_MERGER} or more municipalities; two-way mergers left out",
                      "never", everyone.difference(treated_two)),
        Specification("size_two", "two-way mergers only (heterogeneity by size)", "never",
                      everyone.difference(treated_large)),
        Specification("partner_dominant", f"largest partner had >= the median share ({median_share:.2f}) of the "
                      "merged electorate", "never", everyone.difference(treated.index.difference(dominant))),
        Specification("partner_balanced", f"largest partner had < the median share ({median_share:.2f}) of the "
                      "merged electorate", "never", everyone.difference(dominant).difference(unknown_share)),
    ]


@dataclass(frozen=True)
class OutcomeAnalysis:
    """Everything estimated for one outcome."""

    outcome: str
    panel: StaggeredPanel
    main: dict[str, StaggeredResult]
    sensitivity: dict[str, StaggeredResult]
    permutation: PermutationPlacebo
    pre_period: StaggeredResult
    pre_period_design: dict


def analyse_outcome(
    panel: pd.DataFrame,
    outcome: str,
    *,
    wadden: Sequence[str],
    permutations: int,
    seed: int,
    placebo_cutoff: int,
    placebo_shift: int,
    alpha: float,
) -> OutcomeAnalysis:
    """Main estimates, sensitivity specifications and placebos for ``outcome`` (module docstring)."""
    staggered = prepare_staggered_panel(panel, unit="code", period="period", cohort="cohort", outcome=outcome)
    main = {"callaway_santanna": callaway_santanna(staggered, control_group="never", alpha=alpha),
            "sun_abraham": sun_abraham(staggered, alpha=alpha),
            "twfe": twfe(staggered, alpha=alpha)}
    sensitivity = {}
    for spec in specifications(panel, wadden=wadden):
        subset = staggered.restricted(units=staggered.unit_ids(spec.units))
        sensitivity[spec.name] = callaway_santanna(subset, control_group=spec.control_group, alpha=alpha)
    permutation = permuted_dates_placebo(staggered, n_permutations=permutations, seed=seed)
    pre = pre_period_placebo(staggered, cutoff=placebo_cutoff, shift=placebo_shift, alpha=alpha)
    design = {"cutoff_period": placebo_cutoff, "shift": placebo_shift,
              "units_dropped_treated_before_cutoff": pre.n_units_dropped_treated_before_cutoff,
              "units_placebo_treated": pre.n_units_placebo_treated}
    return OutcomeAnalysis(outcome, staggered, main, sensitivity, permutation, pre.result, design)


def estimates_table(analysis: OutcomeAnalysis, descriptions: Mapping[str, str]) -> pd.DataFrame:
    """All overall and event-time estimates of one outcome, tidy, one block per estimator or specification."""
    blocks = []
    for name, result in analysis.main.items():
        blocks.append(result.tidy().assign(specification="main", method=name))
    for name, result in analysis.sensitivity.items():
        blocks.append(result.tidy().assign(specification=name, method="callaway_santanna"))
    blocks.append(analysis.pre_period.tidy().assign(specification="pre_period_placebo", method="callaway_santanna"))
    table = pd.concat(blocks, ignore_index=True)
    table["specification_description"] = table["specification"].map(
        {**descriptions, "main": "any merger; never-merged controls",
         "pre_period_placebo": "placebo: dates moved earlier, only elections before the cutoff"})
    leading = ["outcome", "specification", "method", "term", "event_time", "estimate", "std_error", "ci_low",
               "ci_high", "p_value"]
    return table[leading + [c for c in table.columns if c not in leading]]


def excluded_units(treatment: AmalgamationTreatment, analysis: OutcomeAnalysis) -> pd.DataFrame:
    """Every unit of the boundary year left out of the analysis of ``analysis.outcome``, with the reason."""
    names = treatment.units.set_index("code")["name"]
    from_panel = analysis.panel.excluded.rename(columns={"unit": "code"})
    from_panel = from_panel.assign(name=from_panel["code"].map(names))[["code", "name", "reason"]]
    return pd.concat([treatment.excluded.assign(stage="treatment assignment"),
                      from_panel.assign(stage=f"panel for {analysis.outcome}")], ignore_index=True)
