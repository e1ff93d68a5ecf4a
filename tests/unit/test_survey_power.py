"""Power simulation of the follow-up survey: seeds, scatter-gather, type-I error, power growing with n, errors."""

import numpy as np
import pandas as pd
import pytest

from afgehaakt.errors import ConfigError, InputDataError
from afgehaakt.labels import Labels
from afgehaakt.scatter import scatter_part
from afgehaakt.survey.power import (
    PowerDesign,
    analytical_power,
    clopper_pearson,
    context_values,
    gather_parts,
    power_table,
    replicate_generator,
    simulate_part,
    simulate_survey,
)


@pytest.fixture(scope="module")
def stacked():
    rng = np.random.default_rng(7)
    return pd.DataFrame({"code": [f"{i:04d}" for i in range(60)], "mean_z": rng.normal(size=60)})


def _design(**changes):
    settings = {"respondents": (5, 10), "effects": (0.0, 0.2), "icc": 0.2, "alpha": 0.05, "replicates": 2,
                "seed": 11, "municipalities": 25}
    return PowerDesign(**{**settings, **changes})


def test_same_seed_same_replicates_other_seed_other_replicates(stacked):
    design = _design()
    context = context_values(stacked, design)
    first, second = simulate_part(context, design), simulate_part(context, design)
    pd.testing.assert_frame_equal(first, second, check_exact=True)
    other = simulate_part(context, _design(seed=12))
    assert not np.allclose(first["estimate"], other["estimate"])


@pytest.mark.parametrize("parts", [2, 5])
def test_scatter_parts_gather_to_the_single_job(stacked, parts):
    design = _design()
    context = context_values(stacked, design)
    single = gather_parts([simulate_part(context, design)], design)
    pieces = [simulate_part(context, design, part=part, parts=parts) for part in range(1, parts + 1)]
    assert sum(len(p) for p in pieces) == len(single) == 2 * 2 * 2
    pd.testing.assert_frame_equal(gather_parts(pieces[::-1], design), single, check_exact=True)
    pd.testing.assert_frame_equal(power_table(gather_parts(pieces, design), design, context),
                                  power_table(single, design, context), check_exact=True)


def test_a_replicate_depends_on_seed_cell_and_replicate_only():
    first = replicate_generator(3, cell=2, replicate=5).standard_normal(4)
    assert np.array_equal(first, replicate_generator(3, cell=2, replicate=5).standard_normal(4))
    assert not np.array_equal(first, replicate_generator(3, cell=5, replicate=2).standard_normal(4))


def test_gathering_with_a_part_missing_fails(stacked):
    design = _design()
    context = context_values(stacked, design)
    pieces = [simulate_part(context, design, part=part, parts=3) for part in (1, 3)]
    with pytest.raises(ValueError, match="replicates found"):
        gather_parts(pieces, design)


def test_simulated_survey_has_the_design_icc_and_effect():
    context = pd.Series(np.linspace(-1.5, 1.5, 400), index=[f"m{i}" for i in range(400)])
    context = (context - context.mean()) / context.std(ddof=1)
    survey = simulate_survey(context, 50, 0.3, 0.2, np.random.default_rng(0))
    assert len(survey) == 400 * 50
    means = survey.groupby("municipality")["y"].mean()
    slope = np.polyfit(context.loc[means.index], means, 1)[0]
    assert slope == pytest.approx(0.3, abs=0.08)  # SE 0.023
    residual = survey["y"] - 0.3 * survey["context"]
    assert residual.var() == pytest.approx(1.0, abs=0.05)  # SE 0.014
    assert (means - slope * context.loc[means.index]).var() == pytest.approx(0.2 + 0.8 / 50, abs=0.05)  # SE 0.015


def test_type_one_error_near_alpha_and_power_grows_with_respondents(stacked):
    design = _design(respondents=(5, 40), effects=(0.0, 0.2), icc=0.1, replicates=40, municipalities=30, seed=2024)
    context = context_values(stacked, design)
    table = power_table(simulate_part(context, design), design, context)
    table = table.set_index(["respondents_per_municipality", "effect"])
    null = table.xs(0.0, level="effect")
    assert set(null["quantity"]) == {"type I error"}
    low, high = clopper_pearson(int(null["rejections"].sum()), int(null["replicates"].sum()), level=0.99)
    assert low <= design.alpha <= high
    assert table.loc[(40, 0.2), "power"] > table.loc[(5, 0.2), "power"]
    for n in (5, 40):
        row = table.loc[(n, 0.2)]
        # Simulation agrees with the design-effect formula within Monte Carlo error (30 groups: z, not t).
        assert abs(row["power"] - row["analytical_power"]) < 4 * np.sqrt(0.25 / row["replicates"])
    assert (table["replicates"] == 40).all()
    assert (table["rejections"] <= table["replicates"] - table["convergence_failures"]).all()


def test_analytical_power_is_alpha_at_effect_zero_and_rises_with_n_and_effect():
    context = pd.Series(np.random.default_rng(3).normal(size=100))
    power = {(n, e): analytical_power(n, e, icc=0.05, alpha=0.05, context=context)
             for n in (10, 80) for e in (0.0, 0.05, 0.1)}
    assert power[(10, 0.0)] == pytest.approx(0.05, abs=1e-12) and power[(80, 0.0)] == pytest.approx(0.05, abs=1e-12)
    assert power[(10, 0.05)] < power[(80, 0.05)] < power[(80, 0.1)]


def test_convergence_failures_are_counted_and_do_not_reject():
    design = _design(respondents=(5,), effects=(0.2,), replicates=4, municipalities=None)
    replicates = pd.DataFrame({"cell": 0, "respondents_per_municipality": 5, "effect": 0.2, "replicate": range(4),
                               "estimate": 0.2, "se": 0.01, "z": 20.0, "p": 0.0, "reject": [True, True, True, False],
                               "converged": [True, True, True, False], "singular": False, "gradient_norm": 0.0,
                               "icc_estimate": 0.05})
    row = power_table(replicates, design, pd.Series(np.arange(10.0))).iloc[0]
    assert row["convergence_failures"] == 1 and row["replicates"] == 4 and row["power"] == 0.75


def test_clopper_pearson_bounds():
    assert clopper_pearson(0, 10)[0] == 0.0 and clopper_pearson(10, 10)[1] == 1.0
    low, high = clopper_pearson(5, 100)
    assert low == pytest.approx(0.01643, abs=1e-4) and high == pytest.approx(0.11284, abs=1e-4)


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"icc": 1.2}, "power.icc"),
        ({"alpha": 0.0}, "power.alpha"),
        ({"respondents": (1, 10)}, "power.respondents_per_municipality"),
        ({"respondents": (10, 10)}, "power.respondents_per_municipality"),
        ({"effects": (0.1, float("nan"))}, "power.effects"),
        ({"replicates": 0}, "power.replicates"),
        ({"municipalities": 2}, "power.municipalities"),
        ({"seed": -1}, "power.seed"),
    ],
)
def test_a_bad_design_is_refused_naming_the_config_key(changes, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        _design(**changes)


def test_more_municipalities_than_the_map_holds_is_refused(stacked):
    with pytest.raises(ConfigError, match="power.municipalities"):
        context_values(stacked, _design(municipalities=61))


def test_a_missing_context_value_is_named(stacked):
    broken = stacked.copy()
    broken.loc[4, "mean_z"] = np.nan
    with pytest.raises(InputDataError, match="0004"):
        context_values(broken, _design(), source="stacked.csv")


def test_context_is_standardised_over_the_sampled_municipalities(stacked):
    context = context_values(stacked, _design(municipalities=25))
    assert len(context) == 25 and context.index.is_monotonic_increasing
    assert context.mean() == pytest.approx(0.0, abs=1e-12) and context.std(ddof=1) == pytest.approx(1.0)
    assert list(context.index) == list(context_values(stacked, _design(municipalities=25)).index)


@pytest.mark.parametrize("item", ["0-of-3", "4-of-3", "2of3", "a-of-b"])
def test_a_bad_scatter_item_is_refused(item):
    with pytest.raises(ValueError, match="scatter item"):
        scatter_part(item)


def test_scatter_item_parses():
    assert scatter_part("2-of-4") == (2, 4)


def test_from_config_reads_every_key():
    design = PowerDesign.from_config({"respondents_per_municipality": [10, 20], "effects": [0, 0.1], "icc": 0.05,
                                      "alpha": 0.05, "replicates": 2, "seed": 1, "municipalities": None})
    assert design.respondents == (10, 20) and design.effects == (0.0, 0.1) and design.municipalities is None
    assert len(design.cells()) == 4 and len(design.tasks()) == 8


def test_power_curve_writes_png_and_pdf_reproducibly(stacked, tmp_path):
    from afgehaakt.plotting.power import power_curve

    design = _design()
    context = context_values(stacked, design)
    table = power_table(simulate_part(context, design), design, context)
    first = [tmp_path / "a.png", tmp_path / "a.pdf"]
    second = [tmp_path / "b.png", tmp_path / "b.pdf"]
    power_curve(table, source_line="Test.", paths=first, labels=Labels("en"))
    power_curve(table, source_line="Test.", paths=second, labels=Labels("en"))
    assert all(path.stat().st_size > 1000 for path in first)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
