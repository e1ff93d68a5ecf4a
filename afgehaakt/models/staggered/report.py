"""The written report of the amalgamation study: the identifying assumption, the estimates, the pre-trends and
how to read them, generated from the estimate tables so that every number quoted is a build output."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from afgehaakt.models.staggered.amalgamation import LARGE_MERGER

ASSUMPTION = (
    "Had the merged municipalities not merged, their turnout (and outsider share) would have changed from one "
    "national election to the next in the same way as in the comparison municipalities: those never merged in the "
    "window or, in the sensitivity analysis, those not merged yet. Voters are also assumed not to have changed "
    "their national vote in anticipation of a merger before it took effect. Merger dates were set by provincial "
    "and national politics, not at random: mergers were more common among small rural municipalities, so the "
    "comparison rests on parallel trends, not on similar levels."
)


def _pp(value: float) -> str:
    return f"{100 * value:+.2f}"


def _overall(frame: pd.DataFrame, specification: str, method: str) -> pd.Series:
    rows = frame[(frame["term"] == "overall") & (frame["specification"] == specification)
                 & (frame["method"] == method)]
    if len(rows) != 1:
        raise ValueError(f"expected one overall estimate for {specification}/{method}, found {len(rows)}")
    return rows.iloc[0]


def _line(row: pd.Series, label: str) -> str:
    return (f"| {label} | {_pp(row['estimate'])} | {100 * row['std_error']:.2f} | [{_pp(row['ci_low'])}, "
            f"{_pp(row['ci_high'])}] | {row['pretrend_p_value']:.3f} | {int(row['n_treated_units'])} / "
            f"{int(row['n_never_treated_units'])} |")


def pretrend_verdict(cs: pd.Series, sa: pd.Series, alpha: float) -> str:
    """What the pre-trend tests show, in plain words, at level ``alpha``."""
    rejected = [name for name, row in (("Callaway-Sant'Anna", cs), ("Sun-Abraham", sa))
                if row["pretrend_p_value"] < alpha]
    if rejected:
        return (f"**What the pre-trends show:** parallel trends before the mergers are rejected at the "
                f"{alpha:.0%} level by the {' and the '.join(rejected)} pre-trend test "
                f"(Callaway-Sant'Anna p = {cs['pretrend_p_value']:.3f}, Sun-Abraham p = "
                f"{sa['pretrend_p_value']:.3f}). Merged and never-merged "
                "municipalities were already drifting apart in some elections before the mergers, so the "
                "post-merger differences are not clean causal effects: read them as descriptive contrasts, and "
                "check whether they exceed the pre-merger swings (event study and pre-period placebo below).")
    return (f"**What the pre-trends show:** no detectable divergence before the mergers (Callaway-Sant'Anna p = "
            f"{cs['pretrend_p_value']:.3f}, Sun-Abraham p = {sa['pretrend_p_value']:.3f}); consistent with, not "
            "proof of, "
            "parallel trends.")


def outcome_section(outcome: str, frame: pd.DataFrame, placebo: pd.Series) -> list[str]:
    """The estimates, pre-trends and placebos of one outcome as Markdown lines."""
    cs = _overall(frame, "main", "callaway_santanna")
    lines = [f"## {outcome}", "",
             "| estimate | effect (pp) | SE (pp) | 95% CI | pre-trend p | merged / never |",
             "|---|---:|---:|---|---:|---:|"]
    for specification, method, label in (
        ("main", "callaway_santanna", "Callaway-Sant'Anna, never-merged controls"),
        ("main", "sun_abraham", "Sun-Abraham, never-merged controls"),
        ("main", "twfe", "two-way fixed effects (naive)"),
        ("control_not_yet", "callaway_santanna", "CS, not-yet-merged controls"),
        ("without_wadden", "callaway_santanna", "CS, without the Wadden islands"),
        ("three_or_more", "callaway_santanna", f"CS, mergers of {LARGE_MERGER}+ municipalities"),
        ("size_two", "callaway_santanna", "CS, two-way mergers only"),
        ("partner_dominant", "callaway_santanna", "CS, largest partner above the median share"),
        ("partner_balanced", "callaway_santanna", "CS, largest partner below the median share"),
        ("pre_period_placebo", "callaway_santanna", "placebo: dates moved earlier, pre-merger elections only"),
    ):
        lines.append(_line(_overall(frame, specification, method), label))
    events = frame[(frame["term"] == "event_time") & (frame["specification"] == "main")
                   & (frame["method"] == "callaway_santanna")]
    pre = events[events["event_time"] < 0]
    post = events[events["event_time"] >= 0]
    lines += ["", "Callaway-Sant'Anna event study (elections since the merger; pp, 95% CI):", ""]
    lines += [f"- e = {int(r.event_time):+d}: {_pp(r.estimate)} [{_pp(r.ci_low)}, {_pp(r.ci_high)}], "
              f"{int(r.n_cohorts)} cohorts" for r in events.itertuples()]
    sa = _overall(frame, "main", "sun_abraham")
    lines += ["", pretrend_verdict(cs, sa, float(cs["alpha"])),
              "", f"Pre-trends: the joint test that all {int(cs['pretrend_df'])} pre-merger group-time estimates "
              f"are zero gives p = {cs['pretrend_p_value']:.3f}; the largest pre-merger event-time estimate is "
              f"{_pp(pre['estimate'].abs().max()) if len(pre) else 'n/a'} pp in absolute value, against post-merger "
              f"estimates between {_pp(post['estimate'].min())} and {_pp(post['estimate'].max())} pp.",
              f"Permuted merger dates ({int(placebo['n_permutations'])} draws, seed {int(placebo['seed'])}): "
              f"placebo estimates have mean {_pp(placebo['placebo_mean'])} pp and 95% range "
              f"[{_pp(placebo['placebo_q025'])}, {_pp(placebo['placebo_q975'])}] pp; the real estimate "
              f"{_pp(placebo['real_estimate'])} pp has permutation p = {placebo['permutation_p_value']:.3f}.", ""]
    return lines


def amalgamation_report(estimates: Mapping[str, pd.DataFrame], placebos: Mapping[str, pd.Series],
                        units: pd.DataFrame) -> str:
    """The whole report (Markdown)."""
    treated = units[units["cohort"] > 0]
    by_cohort = treated.groupby("cohort_election").size()
    lines = ["# Municipal mergers as a staggered natural experiment", "",
             "## Design", "",
             f"Units: municipalities on the boundaries of the configured year ({len(units)} in the panel before "
             f"per-outcome exclusions); {len(treated)} had their first merger inside the election window "
             f"(by first election after the merger: {', '.join(f'{k} {v}' for k, v in by_cohort.items())}); "
             f"{int((units['cohort'] == 0).sum())} never merged. Treatment is absorbing: later mergers of an "
             "already merged municipality are part of its treatment. Excluded units and their reasons are in "
             "`tables/amalgamation/*excluded.csv`.", "",
             "Identifying assumption (plain words): " + ASSUMPTION, "",
             "Estimators: Callaway and Sant'Anna (2021) group-time effects (csdid, doubly robust without "
             "covariates, analytic influence-function SEs clustered by municipality) aggregated over all "
             "post-merger elections; Sun and Abraham (2021) interaction-weighted event study (pyfixest saturated "
             "regression, CRV1 by municipality); naive two-way fixed effects beside them, which is biased when "
             "effects differ across cohorts or grow with time since the merger.", ""]
    for outcome, frame in estimates.items():
        lines += outcome_section(outcome, frame, placebos[outcome])
    lines += ["## How to read this", "",
              "- The effect is the average change in a merged municipality's national-election outcome relative to "
              "what parallel trends predict, over all elections after its first merger, in percentage points.",
              "- The pre-trend test and the pre-period placebo can reveal diverging trends before mergers; a large "
              "p-value means no detectable divergence, not proof of parallel trends (such tests have low power).",
              "- The outcome is measured on fixed boundaries: before a merger it is the sum of the predecessors. The "
              "estimate therefore compares the same territory and electorate, not the same municipal "
              "organisation.",
              "- Where CS and SA agree and TWFE differs, the difference is TWFE's weighting of already-merged units "
              "as controls, not a finding.", ""]
    return "\n".join(lines)
