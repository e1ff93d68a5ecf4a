"""The election panel: building and checking it, the models on synthetic panels with known truth, the spatial
diagnostics, the figures and the regression table. Nothing here reads ``results/``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from libpysal.graph import Graph
from scipy import stats

from afgehaakt.models.panel import (
    CoefficientColumns,
    Covariance,
    PanelError,
    build_panel,
    fit_education_gradient,
    fit_first_difference,
    fit_fixed_effects,
    fit_panel_suite,
    fit_random_effects,
    gradient_levels,
    hausman_test,
    interaction_terms,
)
from afgehaakt.models.panel.spatial import change, panel_moran_table

SIDE = 12
N = SIDE * SIDE
TRUE_CHANGE = {"tk2021": -0.10, "tk2023": -0.25}
YEAR_EFFECT = {"tk2017": 0.0, "ep2019": -0.40, "tk2021": 0.02, "tk2023": -0.01}


def synthetic_features(*, seed: int = 7, change: dict | None = None, noise: float = 0.01) -> pd.DataFrame:
    """A wide features table on a SIDE x SIDE grid: turnout = 0.85 + a_i - 0.4 edu + year + d_e edu + e."""
    rng = np.random.default_rng(seed)
    change = TRUE_CHANGE if change is None else change
    codes = [f"{i:04d}" for i in range(1, N + 1)]
    edu = rng.uniform(0.15, 0.45, N)
    effect = rng.normal(0, 0.03, N)
    orthodox = rng.uniform(0.0, 0.2, N)
    table = pd.DataFrame({"code": codes, "name": [f"Gemeente {c}" for c in codes], "low_education_share": edu})
    for election, year_effect in YEAR_EFFECT.items():
        slope = change.get(election, 0.0)
        table[f"turnout_{election}"] = (0.85 + effect - 0.4 * edu + year_effect + slope * edu
                                        + rng.normal(0, noise, N))
        table[f"outsider_share_{election}"] = 0.1 + 0.6 * edu + slope * edu / 2 + rng.normal(0, noise, N)
        table[f"orthodox_protestant_share_{election}"] = np.clip(orthodox + rng.normal(0, 0.01, N), 0, 1)
        table[f"turnout_above_one_{election}"] = table[f"turnout_{election}"] > 1
    return table


def grid_graph() -> Graph:
    """Rook contiguity on the grid, ids = the codes."""
    focal, neighbor = [], []
    for r in range(SIDE):
        for c in range(SIDE):
            here = r * SIDE + c + 1
            for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1)):
                rr, cc = r + dr, c + dc
                if 0 <= rr < SIDE and 0 <= cc < SIDE:
                    focal.append(f"{here:04d}")
                    neighbor.append(f"{rr * SIDE + cc + 1:04d}")
    return Graph.from_arrays(np.array(focal), np.array(neighbor), np.ones(len(focal)))


@pytest.fixture(scope="module")
def features():
    return synthetic_features()


@pytest.fixture(scope="module")
def panel(features):
    return build_panel(features, time_varying=("orthodox_protestant_share",))


@pytest.fixture(scope="module")
def gradient(panel):
    return fit_education_gradient(panel, "turnout")


# ----------------------------------------------------------------------------------------------------- panel


def test_panel_is_long_and_sorted_with_tk_elections_by_default(panel):
    table = panel.table
    assert panel.elections == ("tk2017", "tk2021", "tk2023")
    assert len(table) == 3 * N
    assert list(table.columns[:8]) == ["code", "name", "election", "year", "kind", "turnout", "turnout_observed",
                                       "outsider_share"]
    assert set(table["kind"]) == {"tk"} and not table["other_election_type"].any()
    assert table.groupby("code")["year"].apply(list).map(lambda y: y == [2017, 2021, 2023]).all()
    assert panel.reference_election == "tk2017"


def test_european_election_only_when_asked_and_always_flagged(features):
    with pytest.raises(PanelError, match="another type of election"):
        build_panel(features, elections=("tk2017", "ep2019", "tk2021"))
    panel = build_panel(features, include_ep=True)
    assert panel.elections == ("tk2017", "ep2019", "tk2021", "tk2023")
    ep = panel.table[panel.table["election"] == "ep2019"]
    assert len(ep) == N and (ep["kind"] == "ep").all() and ep["other_election_type"].all()
    assert (ep["year"] == 2019).all()
    fit = fit_fixed_effects(panel, "turnout", interaction_terms(panel, "low_education_share"))
    assert "European Parliament" in fit.info.note


def test_unbalanced_panel_names_municipality_and_election(features):
    broken = features.copy()
    broken.loc[4, "turnout_tk2021"] = np.nan
    broken.loc[9, "outsider_share_tk2023"] = np.nan
    with pytest.raises(PanelError, match=r"Gemeente 0005 \(0005\) tk2021: turnout_observed missing") as error:
        build_panel(broken)
    assert "Gemeente 0010 (0010) tk2023: outsider_share missing" in str(error.value)


def test_missing_column_and_duplicated_municipality_are_refused(features):
    with pytest.raises(PanelError, match="lacks column"):
        build_panel(features.drop(columns=["outsider_share_tk2023"]))
    with pytest.raises(PanelError, match="appear twice"):
        build_panel(pd.concat([features, features.iloc[[0]]], ignore_index=True))


@pytest.mark.parametrize("policy", ["keep", "cap"])
def test_turnout_above_one_is_flagged_and_treated_by_policy(features, policy):
    table = features.copy()
    table.loc[0, "turnout_tk2021"] = 1.12
    table.loc[0, "turnout_above_one_tk2021"] = True
    panel = build_panel(table, above_one=policy)
    row = panel.table[(panel.table["code"] == "0001") & (panel.table["election"] == "tk2021")].iloc[0]
    assert row["turnout_above_one"] and row["turnout_observed"] == 1.12
    assert row["turnout"] == (1.12 if policy == "keep" else 1.0)
    assert row["turnout_capped"] == (policy == "cap")
    verb = "kept as observed" if policy == "keep" else "capped at 1"
    assert panel.note == f"turnout above 1 {verb}: Gemeente 0001 (0001) tk2021 1.1200"
    fit = fit_fixed_effects(panel, "turnout", interaction_terms(panel, "low_education_share"))
    assert panel.note in fit.info.note and fit.info.above_one == policy


def test_unknown_above_one_policy_is_refused(features):
    with pytest.raises(ValueError, match="unknown policy"):
        build_panel(features, above_one="drop")


# ---------------------------------------------------------------------------------------------------- models


def test_coefficient_table_has_the_documented_columns_and_records_inference(gradient):
    table = gradient.model.coefficients
    assert tuple(table.columns) == CoefficientColumns
    assert (table["cov_type"] == "clustered").all()
    assert (table["cov_options"] == "debiased=True; cluster_entity=True; group_debias=True; auto_df=False; "
                                    "count_effects=False").all()
    assert (table["n_obs"] == 3 * N).all() and (table["n_entities"] == N).all() and (table["n_periods"] == 3).all()
    assert (table["distribution"] == f"t({N - 1})").all()
    info = gradient.model.info
    assert info.entity_effects and info.time_effects and info.reference_election == "tk2017"


def test_gradient_change_is_recovered_with_covering_intervals(gradient):
    rows = gradient.gradient.set_index("election")
    assert rows.loc["tk2017", "reference"] and rows.loc["tk2017", "estimate"] == 0.0
    for election, truth in TRUE_CHANGE.items():
        row = rows.loc[election]
        assert abs(row["estimate"] - truth) < 4 * row["se"]
        assert row["ci_high"] - row["ci_low"] == pytest.approx(2 * stats.t.ppf(0.975, N - 1) * row["se"], rel=1e-12)
    zero, equal = gradient.tests
    assert zero.restrictions == 2 and zero.p_chi2 < 1e-10
    assert equal.restrictions == 1 and equal.p_chi2 < 1e-6
    assert zero.df_denominator == N - 1


def test_no_change_in_the_gradient_is_not_rejected():
    panel = build_panel(synthetic_features(seed=11, change={}))
    tests = fit_education_gradient(panel, "turnout").tests
    assert tests[0].p_chi2 > 0.05 and tests[1].p_chi2 > 0.05


def test_random_effects_levels_add_main_effect_and_interaction(panel):
    terms = ["low_education_share", *interaction_terms(panel, "low_education_share")]
    re = fit_random_effects(panel, "turnout", terms)
    levels = gradient_levels(re, panel, "low_education_share").set_index("election")
    assert levels.loc["tk2017", "estimate"] == pytest.approx(re.params["low_education_share"])
    assert levels.loc["tk2023", "estimate"] == pytest.approx(
        re.params["low_education_share"] + re.params["low_education_share:tk2023"])
    assert levels.loc["tk2023", "estimate"] == pytest.approx(-0.4 - 0.25, abs=0.06)
    with pytest.raises(ValueError, match="absorbed"):
        gradient_levels(fit_fixed_effects(panel, "turnout", terms[1:]), panel, "low_education_share")


def test_first_difference_recovers_the_interactions(panel):
    fd = fit_first_difference(panel, "turnout", interaction_terms(panel, "low_education_share"))
    assert fd.info.n_obs == 2 * N and fd.info.estimator == "FirstDifferenceOLS"
    assert fd.params["low_education_share:tk2023"] == pytest.approx(-0.25, abs=0.03)
    with pytest.raises(ValueError, match="cannot cluster by election"):
        fit_first_difference(panel, "turnout", ["low_education_share:tk2021"],
                             covariance=Covariance(clusters="entity_time"))


def test_two_way_clustering_is_recorded_with_a_warning_about_few_elections(panel):
    fit = fit_fixed_effects(panel, "turnout", interaction_terms(panel, "low_education_share"),
                            covariance=Covariance(clusters="entity_time"))
    assert "cluster_time=True" in fit.info.cov_options
    assert fit.info.df_inference == 2.0
    assert "only 3 election clusters" in fit.info.note


def test_unadjusted_covariance_is_only_used_when_asked(panel):
    fit = fit_fixed_effects(panel, "turnout", ["low_education_share:tk2021"], covariance=Covariance.unadjusted())
    assert fit.info.cov_type == "unadjusted" and fit.info.cov_options == "debiased=True; auto_df=True"
    assert Covariance().kind == "clustered"


def test_hausman_requires_unadjusted_fits_and_reports_rank(panel):
    terms = [*interaction_terms(panel, "low_education_share"), "orthodox_protestant_share"]
    fe = fit_fixed_effects(panel, "turnout", terms)
    re = fit_random_effects(panel, "turnout", ["low_education_share", *terms])
    with pytest.raises(ValueError, match="unadjusted"):
        hausman_test(fe, re)
    suite = fit_panel_suite(panel, "turnout", terms=["orthodox_protestant_share"])
    h = suite.hausman
    assert "orthodox_protestant_share" in h.terms.split(";")
    assert 1 <= h.df <= 3 and np.isfinite(h.statistic)
    assert h.positive_definite == (h.df == 3) and (h.note == "") == h.positive_definite
    assert "(b_FE - b_RE)" in h.formula


def test_hausman_of_interactions_alone_is_undefined_not_zero(panel):
    suite = fit_panel_suite(panel, "outsider_share")
    h = suite.hausman
    # Either V_FE - V_RE is rounding noise (df 0, H NaN) or it is definite and H is rounding noise: never a
    # number presented as evidence, and the note says why.
    assert (h.df == 0 and np.isnan(h.statistic)) or h.statistic < 1e-12
    assert "coincide to rounding" in h.note
    coefficients = suite.coefficients()
    assert set(coefficients["model"]) == {"fe_gradient_outsider_share", "re_gradient_outsider_share",
                                          "fd_gradient_outsider_share"}
    assert len(suite.info()) == 3


def test_unknown_terms_and_outcomes_are_refused(panel):
    with pytest.raises(ValueError, match="unknown term"):
        fit_fixed_effects(panel, "turnout", ["income"])
    with pytest.raises(ValueError, match="dependent must be"):
        fit_fixed_effects(panel, "low_education_share", ["low_education_share:tk2021"])
    with pytest.raises(ValueError, match="not in the panel"):
        fit_fixed_effects(panel, "turnout", ["low_education_share:ep2019"])


# ---------------------------------------------------------------------------------------------------- spatial


def test_moran_table_of_changes_and_residuals(panel, gradient):
    table = panel_moran_table(panel, grid_graph(), weights_name="rook grid", island_policy="none",
                              fixed_effects=gradient.model, permutations=99, seed=3, alternative="two-sided")
    assert list(table["quantity"]) == ["change"] * 4 + ["residual"] * 3
    assert list(table["variable"][:2]) == ["turnout_change_tk2017_tk2021", "turnout_change_tk2021_tk2023"]
    assert (table["permutations"] == 99).all() and (table["seed"] == 3).all()
    assert (table["alternative"] == "two-sided").all() and (table["island_policy"] == "none").all()
    assert table["note"].iloc[-1].startswith("two-way FE residuals")
    again = panel_moran_table(panel, grid_graph(), weights_name="rook grid", island_policy="none",
                              fixed_effects=gradient.model, permutations=99, seed=3, alternative="two-sided")
    pd.testing.assert_frame_equal(table, again)


def test_planted_spatial_change_is_found(features):
    table = features.copy()
    rows = np.arange(N) // SIDE
    table["turnout_tk2023"] = table["turnout_tk2021"] + 0.01 * rows  # a north-south trend in the change
    panel = build_panel(table)
    moran = panel_moran_table(panel, grid_graph(), weights_name="rook grid", island_policy="none",
                              fixed_effects=None, permutations=99, seed=1, alternative="greater")
    row = moran.set_index("variable").loc["turnout_change_tk2021_tk2023"]
    assert row["statistic"] > 0.8 and row["p_permutation"] == pytest.approx(0.01)


def test_change_and_residual_diagnostics_refuse_wrong_inputs(panel):
    assert change(panel, "turnout", "tk2017", "tk2023").name == "turnout_change_tk2017_tk2023"
    with pytest.raises(ValueError, match="not in the panel"):
        change(panel, "turnout", "ep2019", "tk2023")
    re = fit_random_effects(panel, "turnout", ["low_education_share"])
    with pytest.raises(ValueError, match="PanelOLS"):
        panel_moran_table(panel, grid_graph(), weights_name="g", island_policy="none", fixed_effects=re,
                          permutations=0, seed=1, alternative="greater")


# --------------------------------------------------------------------------------------------- figures, tables


def test_regression_table_markdown_and_latex(gradient, panel):
    from afgehaakt.plotting.panel import regression_table

    fd = fit_first_difference(panel, "turnout", interaction_terms(panel, "low_education_share"))
    markdown = regression_table([gradient.model, fd])
    assert markdown.startswith("| | fe_gradient | fd |") or markdown.startswith("|  | fe_gradient | fd |")
    assert "| low_education_share:tk2021 |" in markdown
    assert "count_effects=False" in markdown and "| Covariance | clustered | clustered |" in markdown
    latex = regression_table([gradient.model], output="latex")
    assert latex.startswith(r"\begin{tabular}{lr}") and r"low\_education\_share:tk2021" in latex
    assert r"R$^2$ within" in latex
    with pytest.raises(ValueError, match="markdown"):
        regression_table([gradient.model], output="html")


def test_figures_are_written(tmp_path, gradient, panel):
    import geopandas as gpd
    from shapely.geometry import box

    from afgehaakt.labels import Labels
    from afgehaakt.plotting.panel import change_map, gradient_plot

    labels = Labels("en")
    terms = ["low_education_share", *interaction_terms(panel, "low_education_share")]
    levels = gradient_levels(fit_random_effects(panel, "turnout", terms), panel, "low_education_share")
    gradient_plot(gradient.gradient, levels=levels, variable="turnout", source_line="synthetic",
                  paths=[tmp_path / "g.png"], labels=labels)
    cells = [box(i % SIDE, -(i // SIDE), i % SIDE + 1, -(i // SIDE) + 1) for i in range(N)]
    boundaries = gpd.GeoDataFrame({"code": [f"{i:04d}" for i in range(1, N + 1)]}, geometry=cells, crs="EPSG:28992")
    change_map(boundaries, panel, "turnout", "tk2017", "tk2023", source_line="synthetic",
               paths=[tmp_path / "m.png"], labels=labels)
    assert (tmp_path / "g.png").stat().st_size > 1000 and (tmp_path / "m.png").stat().st_size > 1000


def test_two_way_clustered_covariance_that_is_not_semi_definite_is_reported_not_hidden(panel):
    terms = ["low_education_share", *interaction_terms(panel, "low_education_share")]
    fit = fit_random_effects(panel, "turnout", terms, covariance=Covariance(clusters="entity_time"))
    negative = fit.coefficients[fit.coefficients["se"].isna()]
    assert len(negative) > 0 and negative[["t", "p", "ci_low", "ci_high"]].isna().all().all()
    assert "not positive semi-definite" in fit.info.note
    for term in negative["term"]:
        assert term in fit.info.note
