"""Power analysis of the follow-up survey: exact estimators, seeds, scatter-gather, the checks on the table."""

import numpy as np
import pandas as pd
import pytest

from afgehaakt.errors import ConfigError, InputDataError
from afgehaakt.labels import Labels
from afgehaakt.models.multilevel import ModelSpec, fit_linear_mixed
from afgehaakt.scatter import scatter_part
from afgehaakt.survey.power import (
    PowerDesign,
    check_power_table,
    clopper_pearson,
    context_values,
    gather_parts,
    power_table,
    power_violations,
    recommend_design,
    simulate_part,
)


@pytest.fixture(scope="module")
def stacked():
    rng = np.random.default_rng(7)
    return pd.DataFrame({"code": [f"{i:04d}" for i in range(352)], "mean_z": rng.normal(size=352)})


@pytest.fixture(scope="module")
def context(stacked):
    return context_values(stacked)


def _design(**changes):
    settings = {"label": "preview", "respondents": (5, 10), "municipalities": (20,), "iccs": (0.05,),
                "effects": (0.0, 0.2), "replicates": 30, "alpha": 0.05, "seed": 11, "education_share": 0.3,
                "slope_variance": 0.01}
    return PowerDesign(**{**settings, **changes})


@pytest.fixture(scope="module")
def planning_table(context):
    """A planning-sized table: 4,000 replicates per cell (Monte Carlo SE <= 0.008)."""
    design = _design(label="planning", respondents=(10, 40), municipalities=(50, 100), iccs=(0.01, 0.05),
                     effects=(0.0, 0.05, 0.1), replicates=4000, seed=20221028)
    return power_table(context, design)


def test_same_seed_same_cells_other_seed_other_cells(context):
    design = _design()
    pd.testing.assert_frame_equal(simulate_part(context, design), simulate_part(context, design), check_exact=True)
    other = simulate_part(context, _design(seed=12))
    assert not np.allclose(simulate_part(context, design)["mean_estimate"], other["mean_estimate"])


@pytest.mark.parametrize("parts", [2, 5])
def test_scatter_parts_gather_to_the_single_job(context, parts):
    design = _design(municipalities=(20, 30))
    single = power_table(context, design)
    pieces = [simulate_part(context, design, part=part, parts=parts) for part in range(1, parts + 1)]
    assert sum(len(p) for p in pieces) == len(single) == 2 * 2 * 2 * 2
    pd.testing.assert_frame_equal(gather_parts(pieces[::-1], design), single, check_exact=True)


def test_gathering_with_a_part_missing_fails(context):
    design = _design()
    pieces = [simulate_part(context, design, part=part, parts=3) for part in (1, 3)]
    with pytest.raises(ValueError, match="were the parts made with this design"):
        gather_parts(pieces, design)


def test_the_means_estimator_is_the_mixed_model_estimate_of_a_balanced_design():
    """OLS on municipal means equals the ML GLS estimate of y ~ 1 + x + (1 | municipality) (balanced design)."""
    rng = np.random.default_rng(5)
    m, n = 60, 12
    x = rng.normal(size=m)
    municipality = np.repeat(np.arange(m), n)
    y = 0.2 * x[municipality] + rng.normal(0, np.sqrt(0.05), m)[municipality] + rng.normal(0, np.sqrt(0.95), m * n)
    survey = pd.DataFrame({"municipality": municipality, "context": x[municipality], "y": y})
    fit = fit_linear_mixed(survey, ModelSpec("power", ("context",)), outcome="y")
    means = survey.groupby("municipality")["y"].mean()
    slope = np.polyfit(x, means.to_numpy(), 1)[0]
    assert fit.converged
    assert fit.fixed_effects[1] == pytest.approx(slope, abs=1e-8)


def test_planning_table_meets_every_requirement(planning_table):
    assert (planning_table["replicates"] >= 1000).all()
    assert planning_table["monte_carlo_se"].max() < 0.01
    null = planning_table[planning_table["effect"] == 0]
    assert len(null) == 16 and null["power"].between(0.04, 0.06).all()
    assert power_violations(planning_table) == []
    check_power_table(planning_table)


def test_simulated_power_of_the_context_effect_matches_the_exact_power(planning_table):
    main = planning_table[(planning_table["term"] == "main") & (planning_table["effect"] > 0)]
    gap = (main["power"] - main["analytical_power"]).abs()
    assert (gap < 4 * np.maximum(main["monte_carlo_se"], 1e-3)).all(), main[["power", "analytical_power"]]


def test_power_rises_with_respondents_municipalities_and_effect(planning_table):
    table = planning_table.set_index(["term", "municipalities", "icc", "respondents_per_municipality", "effect"])
    for term in ("main", "interaction"):
        assert table.loc[(term, 100, 0.05, 40, 0.1), "power"] > table.loc[(term, 100, 0.05, 10, 0.1), "power"]
        assert table.loc[(term, 100, 0.05, 40, 0.1), "power"] > table.loc[(term, 50, 0.05, 40, 0.1), "power"]
        assert table.loc[(term, 100, 0.05, 40, 0.1), "power"] > table.loc[(term, 100, 0.05, 40, 0.05), "power"]
    assert table.loc[("main", 100, 0.01, 10, 0.1), "power"] > table.loc[("main", 100, 0.05, 10, 0.1), "power"]


def test_the_checks_catch_a_dip_a_type_one_breach_and_a_large_se(planning_table):
    broken = planning_table.copy()
    dip = broken.index[(broken["term"] == "main") & (broken["municipalities"] == 100) & (broken["icc"] == 0.05)
                       & (broken["respondents_per_municipality"] == 40) & (broken["effect"] == 0.1)][0]
    broken.loc[dip, "power"] = 0.2
    null = broken.index[broken["effect"] == 0][0]
    broken.loc[null, "power"] = 0.07
    broken.loc[broken.index[1], "monte_carlo_se"] = 0.02
    problems = power_violations(broken)
    assert any("falls" in p and "respondents_per_municipality" in p for p in problems)
    assert any("type-I error 0.0700 outside" in p for p in problems)
    assert any("Monte Carlo SE 0.0200" in p for p in problems)
    with pytest.raises(ValueError, match="fails"):
        check_power_table(broken)


def test_recommendation_is_the_design_with_fewest_respondents_reaching_the_target(planning_table):
    chosen = recommend_design(planning_table, target=0.8, effect=0.1, icc=0.05).set_index("term")
    for term, row in chosen.iterrows():
        candidates = planning_table[(planning_table["term"] == term) & (planning_table["effect"] == 0.1)
                                    & (planning_table["icc"] == 0.05) & (planning_table["ci95_low"] >= 0.8)]
        if row["reached"]:
            assert row["respondents"] == candidates["respondents"].min()
        else:
            assert candidates.empty


def test_clopper_pearson_bounds():
    assert clopper_pearson(0, 10)[0] == 0.0 and clopper_pearson(10, 10)[1] == 1.0
    low, high = clopper_pearson(5, 100)
    assert low == pytest.approx(0.01643, abs=1e-4) and high == pytest.approx(0.11284, abs=1e-4)


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"iccs": (1.2,)}, "power.preview.icc"),
        ({"alpha": 0.0}, "power.alpha"),
        ({"respondents": (1, 10)}, "power.preview.respondents_per_municipality"),
        ({"respondents": (10, 10)}, "power.preview.respondents_per_municipality"),
        ({"effects": (0.1, float("nan"))}, "power.preview.effects"),
        ({"replicates": 0}, "power.preview.replicates"),
        ({"municipalities": (2,)}, "power.preview.municipalities"),
        ({"seed": -1}, "power.seed"),
        ({"education_share": 1.0}, "power.education_share"),
    ],
)
def test_a_bad_design_is_refused_naming_the_config_key(changes, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        _design(**changes)


def test_more_municipalities_than_the_map_holds_is_refused(context):
    with pytest.raises(ConfigError, match="power.preview.municipalities"):
        simulate_part(context, _design(municipalities=(400,)))


def test_a_missing_context_value_is_named(stacked):
    broken = stacked.copy()
    broken.loc[4, "mean_z"] = np.nan
    with pytest.raises(InputDataError, match="0004"):
        context_values(broken, source="stacked.csv")


def test_context_is_standardised_over_all_municipalities(context):
    assert len(context) == 352 and context.index.is_monotonic_increasing
    assert context.mean() == pytest.approx(0.0, abs=1e-12) and context.std(ddof=0) == pytest.approx(1.0)


@pytest.mark.parametrize("item", ["0-of-3", "4-of-3", "2of3", "a-of-b"])
def test_a_bad_scatter_item_is_refused(item):
    with pytest.raises(ValueError, match="scatter item"):
        scatter_part(item)


def test_from_config_reads_every_key():
    settings = {"alpha": 0.05, "seed": 1, "education_share": 0.28, "slope_variance": 0.01,
                "preview": {"replicates": 2, "municipalities": [100], "icc": [0.03],
                            "respondents_per_municipality": [10, 20], "effects": [0, 0.1]}}
    design = PowerDesign.from_config(settings, "preview")
    assert design.respondents == (10, 20) and design.effects == (0.0, 0.1) and design.municipalities == (100,)
    assert len(design.cells()) == 2 * 2 * 2


def test_power_curve_writes_png_and_pdf_reproducibly(context, tmp_path):
    from afgehaakt.plotting.power import power_curve

    table = power_table(context, _design(municipalities=(20, 30)))
    first = [tmp_path / "a.png", tmp_path / "a.pdf"]
    second = [tmp_path / "b.png", tmp_path / "b.pdf"]
    for paths in (first, second):
        power_curve(table, icc=0.05, source_line="Test.", paths=paths, labels=Labels("en"))
    assert all(path.stat().st_size > 1000 for path in first)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
