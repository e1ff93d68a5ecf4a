"""The synthetic survey as a methods demonstration: provenance keeps it out of the findings, tables and snippets
carry its name, the true values sit beside the estimates, and the spatial model recovers what M3 misses."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from afgehaakt.labels import Labels
from afgehaakt.manifest import (
    build_manifest,
    check_findings_are_not_synthetic,
    findings_from_synthetic,
    synthetic_lineage,
)
from afgehaakt.models.multilevel import ModelSpec, default_sequence, fit_linear_mixed, model_terms
from afgehaakt.models.spatial_multilevel import (
    _Profile,
    fit_spatial_intercept,
    fit_spatial_model,
    municipal_coordinates,
)
from afgehaakt.outputs import write_json, write_table
from afgehaakt.snippets import icc_headlines
from afgehaakt.survey.recovery import (
    attach_truth,
    realised_confounding,
    recovery_replicate,
    recovery_summary,
)
from afgehaakt.survey.synthetic import SurveyDesign, TrueParameters, example_municipal_table, generate_survey
from afgehaakt.tables import build, demonstration

RUN = {"version": "v1", "release": "0", "config_sha256": "f", "data_sha256": "d"}


# --- provenance: the manifest follows inputs, not names ---------------------------------------------------------

def _workflow(root, *, leak: bool):
    """A miniature run: a synthetic record -> a model table -> (if ``leak``) a publication table and a headline
    snippet built on it through an intermediate whose name says nothing synthetic."""
    results = root / "results" / "v1"
    files = {
        "interim/s/record.json": ({"synthetic": True, "n": 3}, []),
        "tables/s/model.csv": (pd.DataFrame({"term": ["a"], "estimate": [1.0]}), ["interim/s/record.json"]),
        "tables/clean/intermediate.csv": (pd.DataFrame({"x": [1.0]}),
                                          ["tables/s/model.csv"] if leak else ["data/source.csv"]),
        "tables/publication/table.csv": (pd.DataFrame({"x": [1.0]}), ["tables/clean/intermediate.csv"]),
        "snippets/headline_numbers.json": ({"headlines": []}, ["tables/clean/intermediate.csv"]),
        "tables/publication/real.csv": (pd.DataFrame({"x": [2.0]}), ["data/source.csv"]),
    }
    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "data/source.csv").write_text("x\n1\n", encoding="utf-8")
    producers, jobs = {}, {}
    for relative, (content, inputs) in files.items():
        path = results / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json(content, path) if isinstance(content, dict) else write_table(content, path)
        producers.setdefault(relative.split("/")[1], []).append(str(path))
        jobs[str(path)] = {"script": "scripts/x.py", "code_sha256": "c" * 64, "modules": [], "seeds": {},
                           "inputs": [str(results / i) if not i.startswith("data/") else str(root / i)
                                      for i in inputs]}
    return build_manifest(producers, results_dir=results, jobs=jobs, run=RUN, workflow_dir=root)


def test_a_finding_built_on_synthetic_data_is_caught_through_an_innocent_name(tmp_path):
    manifest = _workflow(tmp_path, leak=True)
    assert manifest["synthetic_sources"] == ["interim/s/record.json"]
    lineage = synthetic_lineage(manifest, results_dir=tmp_path / "results/v1")
    assert "tables/clean/intermediate.csv" in lineage and "tables/publication/real.csv" not in lineage
    assert findings_from_synthetic(manifest, results_dir=tmp_path / "results/v1") == [
        "snippets/headline_numbers.json", "tables/publication/table.csv"]
    assert manifest["outputs"]["tables/publication/table.csv"]["derived_from_synthetic"] is True
    with pytest.raises(ValueError, match="2 finding.*synthetic data.*snippets/headline_numbers.json"):
        check_findings_are_not_synthetic(manifest, results_dir=tmp_path / "results/v1")


def test_findings_on_real_data_pass(tmp_path):
    manifest = _workflow(tmp_path, leak=False)
    assert findings_from_synthetic(manifest, results_dir=tmp_path / "results/v1") == []
    check_findings_are_not_synthetic(manifest, results_dir=tmp_path / "results/v1")
    assert not any(entry["derived_from_synthetic"] for path, entry in manifest["outputs"].items()
                   if path.startswith("tables/publication"))


def test_the_workflow_keeps_synthetic_results_out_of_the_findings():
    """The rule files: from the synthetic survey no headline input or publication table is a survey table."""
    from pathlib import Path

    outputs = Path("rules/outputs.smk").read_text(encoding="utf-8")
    assert "unpack(lambda wildcards: {} if SURVEY_SYNTHETIC else survey_comparisons())" in outputs
    assert "if not SURVEY_SYNTHETIC:\n    PUBLICATION_TABLES |= SURVEY_PUBLICATION_TABLES" in outputs
    assert "check_findings_are_not_synthetic" in Path("scripts/manifest.py").read_text(encoding="utf-8")


# --- names and captions -----------------------------------------------------------------------------------------

def test_demonstration_tables_say_synthetic_in_name_caption_and_note():
    frame = pd.DataFrame({"outcome": "trust", "model": "M3_cross_level", "term": ["stacked_disadvantage"],
                          "estimate": [-0.33], "se": [0.02], "z": [-15.0], "p": [0.0], "ci_low": [-0.37],
                          "ci_high": [-0.29], "odds_ratio": [np.nan], "or_ci_low": [np.nan], "or_ci_high": [np.nan],
                          "estimator": "ML", "weights_used": False, "data": "synthetic", "status": "ok",
                          "status_reason": ""})
    truth = {"fixed_effects": {"trust": {"stacked_disadvantage": -0.25}}}
    smaller = frame.assign(model="M0_null", term="intercept")
    frame = attach_truth(pd.concat([frame, smaller], ignore_index=True), truth, "trust")
    assert frame["true_value"].iloc[0] == -0.25 and not frame["covered"].iloc[0]
    # A model without the generating model's fixed part gets no true value (its coefficients are other parameters).
    assert pd.isna(frame["true_value"].iloc[1]) and pd.isna(frame["covered"].iloc[1])
    for language, word in (("en", "SYNTHETIC"), ("nl", "SYNTHETISCHE")):
        labels = Labels(language)
        table = demonstration(build("multilevel_fixed_effects", {"table": frame}, labels,
                                    "multilevel_trust_fixed_effects"), labels)
        assert table.name == "synthetic_multilevel_trust_fixed_effects" and word in table.title
        assert labels("col.true_value") in table.header and labels("col.covered") in table.header
        assert table.rows[0][-2:] == ["-0.250", labels("table.no")] and table.rows[1][-2:] == ["", ""]
    explained = build("multilevel_fixed_effects", {"table": frame.assign(draw_slope_effect_on_index=-0.053,
                                                                         draw_correlation_effect_index=-0.2)},
                      Labels("en"), "x")
    assert "line up with the stacked-disadvantage index (correlation -0.20" in explained.note
    assert "-0.25 + -0.053" in explained.note and "Mundlak" in explained.note
    warned = build("multilevel_fixed_effects", {"table": frame.assign(warning="only 12 groups (fewer than 30)")},
                   Labels("en"), "x")
    assert "WARNING: only 12 groups" in warned.note


def test_icc_snippets_of_the_demonstration_carry_the_synthetic_name():
    comparison = pd.DataFrame({"model": ["M0_null"], "ICC": [0.057]}).set_index("model")
    (headline,) = icc_headlines({"trust": comparison}, {"trust": "t.csv"}, prefix="synthetic_",
                                qualifier="SYNTHETIC survey")
    assert headline.name == "synthetic_icc_trust" and "SYNTHETIC" in headline.description


# --- the spatial model and the recovery study -------------------------------------------------------------------

@pytest.fixture(scope="module")
def survey():
    municipal = example_municipal_table(60, seed=3)
    return municipal, generate_survey(municipal, design=SurveyDesign(n_respondents=3000, min_per_municipality=10,
                                                                      seed=4))


def test_profile_likelihood_equals_the_dense_gaussian_likelihood():
    """Gold standard: the closed form from sufficient statistics against log N(y; X beta, V) with V built in full."""
    rng = np.random.default_rng(2)
    J, n = 12, 150
    groups = np.sort(rng.integers(0, J, n))
    groups[:J] = np.arange(J)
    X = np.column_stack([np.ones(n), rng.normal(size=n)])
    y = rng.normal(size=n)
    coordinates = rng.random((J, 2)) * 50_000
    distances = np.hypot(*(coordinates[:, None, :] - coordinates[None, :, :]).transpose(2, 0, 1))
    ratio, share, range_m = 0.3, 0.6, 20_000.0
    loglik, beta, sigma2, _ = _Profile(X, y, groups, distances).evaluate(ratio, share, range_m)
    Z = np.eye(J)[groups]
    R = share * np.exp(-distances / range_m) + (1 - share) * np.eye(J)
    V = sigma2 * (np.eye(n) + Z @ (ratio * R) @ Z.T)
    residual = y - X @ beta
    sign, log_det = np.linalg.slogdet(V)
    dense = -0.5 * (n * np.log(2 * np.pi) + log_det + residual @ np.linalg.solve(V, residual))
    assert sign > 0 and loglik == pytest.approx(dense, abs=1e-8)
    gls = np.linalg.solve(X.T @ np.linalg.solve(V, X), X.T @ np.linalg.solve(V, y))
    assert beta == pytest.approx(gls, abs=1e-10)


def test_with_no_spatial_share_it_is_mixedlm_random_intercept_model(survey):
    municipal, synthetic = survey
    respondents = synthetic.respondents
    spec = default_sequence()[3]
    reference = fit_linear_mixed(respondents, spec, outcome="trust")
    X = model_terms(respondents, spec.fixed_terms)
    centroids = municipal.assign(code=municipal["code"]).set_index("code")[["x", "y"]]
    groups, coordinates = municipal_coordinates(respondents, centroids)
    fit = fit_spatial_intercept(X.to_numpy(), respondents["trust"].to_numpy(float), groups, coordinates,
                                fixed_names=tuple(X.columns), spatial_share=0.0)
    assert fit.converged and fit.loglik == pytest.approx(reference.loglik, abs=1e-6)
    assert fit.fixed_effects == pytest.approx(reference.fixed_effects, abs=1e-5)
    assert np.sqrt(np.diag(fit.fixed_cov)) == pytest.approx(reference.fixed_se, rel=1e-4)


def test_spatial_model_fits_at_least_as_well_and_enters_the_tables(survey):
    municipal, synthetic = survey
    respondents = synthetic.respondents
    centroids = municipal.set_index("code")[["x", "y"]]
    spec = default_sequence()[3]
    spatial = fit_spatial_model(respondents, spec.fixed_terms, centroids, outcome="trust")
    reference = fit_linear_mixed(respondents, spec, outcome="trust")
    assert spatial.converged and spatial.loglik >= reference.loglik - 1e-6
    assert spatial.model == "M3s_spatial_municipal" and spatial.compare_with == "M3_cross_level"
    assert any("spatial share" in note for note in spatial.notes)


def test_realised_confounding_is_the_weighted_slope_of_the_true_effects(survey):
    _, synthetic = survey
    draw = realised_confounding(synthetic.respondents, synthetic.truth)
    effects = pd.DataFrame(synthetic.truth["municipal_effects"]).set_index("municipality")
    index = synthetic.respondents.groupby("municipality")["stacked_disadvantage"].first()
    n = synthetic.respondents.groupby("municipality").size()
    slope = np.polyfit(index.loc[effects.index], effects["trust_intercept"], 1,
                       w=np.sqrt(n.loc[effects.index]))[0]
    assert draw["slope_effect_on_index"] == pytest.approx(slope, abs=1e-10)
    assert draw["true_plus_slope"] == pytest.approx(-0.25 + slope)


def test_a_recovery_replicate_and_its_summary(survey):
    municipal, _ = survey
    centroids = municipal.set_index("code")[["x", "y"]]
    design = SurveyDesign(n_respondents=3000, min_per_municipality=10, seed=1)
    first = recovery_replicate(municipal, centroids, design=design, parameters=TrueParameters(), replicate=0, seed=9)
    again = recovery_replicate(municipal, centroids, design=design, parameters=TrueParameters(), replicate=0, seed=9)
    pd.testing.assert_frame_equal(first, again)
    assert set(first["model"]) == {"M3_cross_level", "M3s_spatial_municipal"}
    assert (first.loc[first["model"] == "M3_cross_level", "spatial_share"] == 0).all()
    replicates = pd.concat([first.assign(replicate=r, estimate=first["estimate"] + 0.01 * r) for r in range(4)])
    replicates["covered"] = [True, False, True, True] * 4
    summary = recovery_summary(replicates).set_index(["model", "term"])
    row = summary.loc[("M3_cross_level", "stacked_disadvantage")]
    assert row["replicates"] == 4 and row["coverage"] == 1.0 and row["true_value"] == -0.25
    assert row["bias"] == pytest.approx(first.iloc[0]["estimate"] + 0.015 - -0.25)
