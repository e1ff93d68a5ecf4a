"""The amalgamation study end to end on the real merger history with synthetic outcomes of known effect."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from afgehaakt.features.amalgamation import NEVER_MERGED, assign_treatment, merger_sizes
from afgehaakt.models.staggered.amalgamation import (
    LARGE_MERGER,
    amalgamation_panel,
    analyse_outcome,
    estimates_table,
    excluded_units,
    specifications,
)
from afgehaakt.labels import Labels
from afgehaakt.models.staggered.data import REASON_TREATED_FROM_START
from afgehaakt.models.staggered.report import amalgamation_report
from afgehaakt.tables import build

WADDEN = ["0448", "0096", "0093", "0060", "0088"]
EFFECT = -0.02  # turnout two points lower in every election after a merger


@pytest.fixture(scope="module")
def treatment(merger_history, tk_series_dates):
    treatment = assign_treatment(merger_history, boundary_year=2021, elections=tk_series_dates,
                                 unrepresentable_splits={"0080": "Boarnsterhim (0055) split in 2014"})
    # partner sizes from a synthetic TK1998 electorate (1000 per 1998 municipality, 3000 for codes ending in 3)
    codes = merger_history.codes(1998)
    electorate = pd.DataFrame({"code": codes, "electorate": [3000.0 if c.endswith("3") else 1000.0 for c in codes]})
    sizes = merger_sizes(treatment, merger_history, {"tk1998": (1998, electorate)})
    return replace(treatment, units=treatment.units.merge(sizes, on="code", how="left"))


def _indicators(treatment, seed: int = 5) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    units = treatment.units
    level = rng.normal(0.78, 0.04, len(units))
    tables = {}
    for period, election in enumerate((e.id for e in treatment.elections), start=1):
        treated = (units["cohort"] != NEVER_MERGED) & (units["cohort"] <= period)
        turnout = level + 0.01 * period + EFFECT * treated + rng.normal(0, 0.01, len(units))
        tables[election] = pd.DataFrame({
            "code": units["code"], "name": units["name"], "turnout": turnout,
            "turnout_above_one": turnout > 1, "outsider_share": rng.uniform(0.1, 0.4, len(units)),
        })
    return tables


@pytest.fixture(scope="module")
def panel(treatment):
    long, notes = amalgamation_panel(treatment, _indicators(treatment), outcomes=["turnout", "outsider_share"],
                                     above_one="keep")
    return long


@pytest.fixture(scope="module")
def analysis(panel):
    return analyse_outcome(panel, "turnout", wadden=WADDEN, permutations=20, seed=3, placebo_cutoff=5,
                           placebo_shift=1, alpha=0.05)


def test_panel_is_units_by_elections(treatment, panel):
    assert len(panel) == len(treatment.units) * len(treatment.elections)
    assert panel.groupby("code")["period"].apply(list).map(len).eq(10).all()


def test_main_estimators_recover_the_synthetic_effect(analysis):
    for name in ("callaway_santanna", "sun_abraham"):
        overall = analysis.main[name].overall
        assert abs(overall.estimate - EFFECT) < 4 * overall.std_error, name
        assert analysis.main[name].inference.n_clusters == analysis.panel.n_units
    # merged before TK1998 (1 January 1998): no pre-merger election, listed
    assert (analysis.panel.excluded["reason"] == REASON_TREATED_FROM_START).sum() == 11


def test_specifications_samples(panel, analysis):
    specs = {s.name: s for s in specifications(panel, wadden=WADDEN)}
    assert specs["without_wadden"].units.intersection(WADDEN).empty
    units = panel.drop_duplicates("code").set_index("code")
    two_way = units.index[(units["cohort"] != NEVER_MERGED) & (units["n_predecessors"] < LARGE_MERGER)]
    assert specs["three_or_more"].units.intersection(two_way).empty
    treated = units[units["cohort"] != NEVER_MERGED].index
    dominant = treated.intersection(specs["partner_dominant"].units)
    balanced = treated.intersection(specs["partner_balanced"].units)
    assert dominant.intersection(balanced).empty and len(dominant) > 0 and len(balanced) > 0
    assert analysis.sensitivity["control_not_yet"].inference.control_group == "not yet treated"
    assert set(analysis.sensitivity) == set(specs)


def test_placebos_and_tables(treatment, analysis):
    assert analysis.permutation.n_permutations == 20 and analysis.permutation.seed == 3
    assert abs(np.mean(analysis.permutation.placebo_estimates)) < abs(EFFECT)
    assert analysis.pre_period.inference.periods == (1, 2, 3, 4)
    table = estimates_table(analysis, {s: s for s in analysis.sensitivity})
    assert {"main", "control_not_yet", "pre_period_placebo"} <= set(table["specification"])
    assert table["specification_description"].notna().all()
    excluded = excluded_units(treatment, analysis)
    assert {"treatment assignment", "panel for turnout"} == set(excluded["stage"])
    assert excluded["reason"].notna().all()


def test_publication_table_and_report(treatment, analysis):
    estimates = estimates_table(analysis, {s: s for s in analysis.sensitivity}).assign(
        outcome="turnout", elections=" ".join(e.id for e in treatment.elections), boundary_year=2021)
    for language in ("en", "nl"):
        table = build("amalgamation", {"turnout": estimates}, Labels(language), "amalgamation")
        assert len(table.rows) == 3 + 6 + 1  # three estimators, six sensitivity specifications, the pre-period placebo
        assert "TK1998" in table.note and "TK2025" in table.note
    placebo = pd.Series(analysis.permutation.summary())
    text = amalgamation_report({"turnout": estimates}, {"turnout": placebo}, treatment.units)
    assert "Identifying assumption (plain words)" in text and "Pre-trends:" in text
    assert "What the pre-trends show" in text
    cs = analysis.main["callaway_santanna"].overall
    assert f"{100 * cs.estimate:+.2f}" in text
