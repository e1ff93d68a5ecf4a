"""Publication tables: fixed-decimal formatting, LaTeX escaping, the three files, and every builder on small
result tables shaped like the workflow's, in both languages."""

from __future__ import annotations

import pandas as pd
import pytest

from afgehaakt.labels import Labels
from afgehaakt.provenance import checksum_list_summary
from afgehaakt.tables import (
    BUILDERS,
    PublicationTable,
    build,
    latex,
    latex_escape,
    markdown,
    number,
    p_value,
    with_se,
    write_publication_table,
)


def test_numbers_have_fixed_decimals_and_no_negative_zero():
    assert number(0.12345, 3) == "0.123" and number(2, 2) == "2.00" and number(-0.0001, 3) == "0.000"
    assert number(float("nan"), 3) == "" and number(None, 1) == ""
    assert p_value(0.0004) == "< 0.001" and p_value(0.01234) == "0.012" and p_value(float("nan")) == ""
    assert with_se(0.5, 0.01, 2) == "0.50 (0.01)" and with_se(0.5, float("nan"), 2) == "0.50"


def test_latex_escaping():
    assert latex_escape("10% of A_B & C #1 $x {y} ~ ^") == (
        r"10\% of A\_B \& C \#1 \$x \{y\} \textasciitilde{} \textasciicircum{}")
    assert latex_escape("p < 0.001, R² × 2") == r"p $<$ 0.001, R$^2$ $\times$ 2"
    assert latex_escape("a\\b") == r"a\textbackslash{}b"


def _table():
    return PublicationTable("demo_table", "Share_of 50% & more", ["Name", "Value"],
                            [["a_b", "0.500"], ["c|d", "< 0.001"]], "Note: 100% & seed 1.", [False, True])


def test_markdown_and_latex_render_the_same_cells():
    text = markdown(_table())
    assert text.splitlines()[:4] == ["**Share_of 50% & more**", "", "| Name | Value |", "|:---|---:|"]
    assert "| c\\|d | < 0.001 |" in text and text.endswith("Note: 100% & seed 1.\n")
    tex = latex(_table())
    assert r"\caption{Share\_of 50\% \& more}" in tex and r"\label{tab:demo-table}" in tex
    assert r"\begin{tabular}{lr}" in tex and r"a\_b & 0.500 \\" in tex and r"c|d & $<$ 0.001 \\" in tex
    assert r"\par\footnotesize Note: 100\% \& seed 1." in tex and tex.rstrip().endswith(r"\end{table}")


def test_the_three_files_are_written_deterministically(tmp_path):
    first = write_publication_table(_table(), tmp_path / "one" / "demo")
    second = write_publication_table(_table(), tmp_path / "two" / "demo")
    assert [p.name for p in first] == ["demo.csv", "demo.md", "demo.tex"]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes()
    assert pd.read_csv(first[0]).columns.tolist() == ["Name", "Value"]
    assert not list(tmp_path.rglob("*.part"))


def test_a_ragged_table_is_refused():
    with pytest.raises(ValueError, match="rows and header differ"):
        PublicationTable("t", "T", ["a", "b"], [["1"]], "")


# --- the builders, on inputs shaped like the workflow's result tables --------------------------------------


def _global_statistics():
    rows = []
    for weights in ("queen", "knn"):
        for name, value in (("moran_i", 0.34), ("geary_c", 0.62), ("bivariate_moran_i", 0.1)):
            rows.append({"variable": "turnout_tk2021" if name != "bivariate_moran_i" else "a ~ lag(b)",
                         "weights": weights, "statistic_name": name, "transformation": "r", "n": 352,
                         "statistic": value, "expected": -0.00285, "z": 9.9, "p_analytical": 1e-20,
                         "p_permutation": 0.001, "permutations": 999, "seed": 20210317, "alternative": "greater"})
    return {"table": pd.DataFrame(rows)}


def _multilevel(kind):
    common = {"outcome": "turnout", "model": "M1_individual", "estimator": "ML (adaptive Gauss-Hermite quadrature)",
              "data": "synthetic", "status": "ok", "status_reason": ""}
    if kind == "fixed_effects":
        rows = [common | {"term": t, "estimate": 1.1, "se": 0.04, "z": 4, "p": 0.0, "ci_low": 1.0, "ci_high": 1.2,
                          "odds_ratio": 3.0, "or_ci_low": 2.7, "or_ci_high": 3.3, "weights_used": False}
                for t in ("intercept", "edu_low", "edu_low:stacked_disadvantage")]
    elif kind == "variance_components":
        rows = [common | {"level": "municipality", "component": "var(intercept)", "variance": 0.2, "sd": 0.45,
                          "at_boundary": False}]
    else:
        rows = [common | {"compared_with": float("nan"), "n_obs": 20000, "n_groups": 352, "n_params": 3,
                          "logLik": -41018.9, "AIC": 82043.8, "BIC": 82067.5, "LR_chi2": float("nan"),
                          "df": float("nan"), "p": float("nan"), "ICC": 0.057, "PCV": 0.0, "converged": True,
                          "gradient_norm": 6.5e-05, "weights_used": False}]
    return {"table": pd.DataFrame(rows)}


INPUTS = {
    "global_statistics": _global_statistics,
    "zone_candidate_explanations": lambda: {"table": pd.DataFrame(
        [{"model": m, "term": t, "outcome": "turnout_tk2021", "orientation": "as observed", "weights": "queen",
          "base_covariates": "low_education_share + urbanity", "zone_units": 16, "bootstrap_draws": 999,
          "seed": 20221014, "zone_mean_residual_base_ols": 0.63,
          **{f"{k}_{w}": v for w in ("ols", "wls") for k, v in (
              ("beta", 0.6), ("ci_low", 0.5), ("ci_high", 0.7), ("partial_r2", 0.34), ("delta_adj_r2", 0.17),
              ("zone_mean_residual_change", -0.45), ("zone_change_boot_low", -0.54), ("zone_change_boot_high", -0.36),
              ("residual_moran_change", -0.109), ("moran_change_null_low", -0.008),
              ("moran_change_null_high", 0.0))},
          "beta_sem": 0.64, "ci_low_sem": 0.55, "ci_high_sem": 0.73}
         for m, t in (("base + volunteering_share", "volunteering_share"),
                      ("base + all candidates", "volunteering_share"))])},
    "zone_orientation_test": lambda: {"table": pd.DataFrame(
        [{"outcome": "outsider_share_tk2021", "clusters": "unadjusted", "units": 30, "angle_degrees": 32.7,
          "elongation": 12.99, "draws": 999.0, "seed": 20221014.0, "p_angle": 0.21, "p_elongation": 0.2,
          "p_both": 0.048},
         {"outcome": "outsider_share_tk2021", "clusters": "fdr", "units": 0, "angle_degrees": float("nan"),
          "elongation": float("nan"), "draws": float("nan"), "seed": float("nan"), "p_angle": float("nan"),
          "p_elongation": float("nan"), "p_both": float("nan")}])},
    "spatial_regression": lambda: {
        "coefficients": pd.DataFrame(
            [{"model": m, "term": t, "estimate": 0.5, "se": 0.05, "outcome": "turnout_tk2021"}
             for m in ("OLS", "ML spatial lag") for t in ("(Intercept)", "low_education_share")]
            + [{"model": "ML spatial lag", "term": "rho", "estimate": 0.29, "se": 0.056, "outcome": "turnout_tk2021"}]),
        "models": pd.DataFrame([{"model": m, "n": 352, "log_likelihood": 653.5, "aic": -1295.0, "weights": "queen",
                                 "transformation": "r", "outcome": "turnout_tk2021"}
                                for m in ("OLS", "ML spatial lag")]),
        "impacts": pd.DataFrame([{"model": "ML spatial lag", "term": "low_education_share", "direct": 0.52,
                                  "indirect": 0.2, "total": 0.72, "outcome": "turnout_tk2021"}])},
    "multilevel_fixed_effects": lambda: _multilevel("fixed_effects"),
    "multilevel_variance_components": lambda: _multilevel("variance_components"),
    "multilevel_model_comparison": lambda: _multilevel("model_comparison"),
    "correlations": lambda: {"table": pd.DataFrame(
        [{"outcome": "turnout_tk2021", "indicator": "low_education_share", "method": m, "n": 352, "estimate": e,
          "ci_low": e - 0.08, "ci_high": e + 0.08, "confidence": 0.95, "p_value": 3e-22, "alternative": "two-sided",
          "effective_n": 61.3, "ci_low_dutilleul": e - 0.2, "ci_high_dutilleul": e + 0.2, "p_value_dutilleul": 0.004,
          "distance_classes": 13}
         for m, e in (("pearson", -0.485), ("spearman", -0.508))])},
    "synthetic_recovery": lambda: {"table": pd.DataFrame(
        [{"model": m, "term": "stacked_disadvantage", "replicates": 100, "true_value": -0.25, "mean_estimate": -0.25,
          "bias": 0.001, "bias_mc_se": 0.005, "sd_estimate": 0.05, "mean_se": se, "coverage": c,
          "coverage_ci95_low": c - 0.08, "coverage_ci95_high": min(c + 0.05, 1.0)}
         for m, se, c in (("M3_cross_level", 0.021, 0.55), ("M3s_spatial_municipal", 0.05, 0.94))])},
    "stacked_disadvantage": lambda: {
        "loadings": pd.DataFrame({"domain": ["education", "income"], "indicator": ["low_education_share",
                                                                                  "income_per_inhabitant"],
                                  "loading": [0.6376, 0.5993]}),
        "summary": {"cronbach_alpha": 0.718456, "pc1_explained_variance_ratio": 0.645198, "worst_quantile": 0.25,
                    "spearman": {"mean_z~pc1": 0.996343}}},
    "amalgamation": lambda: {outcome: pd.DataFrame(
        [{"term": term, "specification": spec, "method": method, "estimate": -0.0064, "std_error": 0.0022,
          "ci_low": -0.0106, "ci_high": -0.0022, "pretrend_p_value": 0.005, "n_treated_units": 105,
          "n_never_treated_units": 216, "alpha": 0.05, "boundary_year": 2021, "elections": "tk1998 tk2002 tk2025"}
         for term in ("overall", "event_time")
         for spec, method in (("main", "callaway_santanna"), ("main", "twfe"), ("without_wadden",
                                                                                "callaway_santanna"))])
        for outcome in ("turnout", "outsider_share")},
}


def test_every_builder_has_test_inputs():
    assert set(INPUTS) == set(BUILDERS)


@pytest.mark.parametrize("builder", sorted(INPUTS))
@pytest.mark.parametrize("language", ["en", "nl"])
def test_every_builder_gives_a_complete_table_in_both_languages(builder, language):
    table = build(builder, INPUTS[builder](), Labels(language), f"demo_{builder}")
    assert table.rows and table.title and table.note
    assert all(cell != "nan" for row in table.rows for cell in row)
    assert all(header for header in table.header)
    latex(table), markdown(table)  # both render


def test_dutch_headers_and_labels_and_the_inference_note():
    nl = Labels("nl")
    table = build("global_statistics", INPUTS["global_statistics"](), nl, "global_statistics")
    assert table.header == ["Variabele", "Statistiek", "queen", "knn"]
    assert table.rows[0] == ["Opkomst Tweede Kamer 2021", "Moran's I", "0.340 (0.001)", "0.340 (0.001)"]
    assert table.rows[1][1] == "Geary's C"
    assert len(table.rows) == 2  # bivariate rows are formulas, left to the CSV
    assert "999 permutaties (seed 20210317), alternatief: groter" in table.note

    orientation = build("zone_orientation_test", INPUTS["zone_orientation_test"](), nl, "zone")
    assert "(999 trekkingen, seed 20221014)" in orientation.note  # counts read as floats shown as integers
    assert orientation.rows[1][2:] == ["0", "", "", "", "", ""]

    regression = build("spatial_regression", INPUTS["spatial_regression"](), Labels("en"), "regression")
    assert regression.header == ["Outcome", "Term", "OLS", "ML spatial lag"]
    assert ["Turnout Tweede Kamer 2021", "Spatial lag (rho)", "", "0.290 (0.056)"] in regression.rows
    assert ["Turnout Tweede Kamer 2021", "AIC", "-1295.0", "-1295.0"] in regression.rows
    assert ["Turnout Tweede Kamer 2021", "Low education: impact direct / indirect / total", "",
            "0.520 / 0.200 / 0.720"] in regression.rows

    fixed = build("multilevel_fixed_effects", INPUTS["multilevel_fixed_effects"](), nl, "fixed")
    assert fixed.header[-2:] == ["Oddsratio", "95%-BI"]
    assert fixed.rows[2][1] == "Laag opleidingsniveau × Gestapelde achterstand"
    assert "Ontwerpgewichten gebruikt: nee" in fixed.note and "Data: synthetic" in fixed.note
    assert "niet in orde" not in fixed.note


def test_multilevel_tables_show_the_fit_status():
    """Issue 20: a fit that is not ok is named, with its status and reason, in every multilevel table."""
    english = Labels("en")
    for kind in ("fixed_effects", "variance_components", "model_comparison"):
        frames = _multilevel(kind)
        frames["table"] = frames["table"].assign(status="boundary", status_reason="var(intercept) at or near zero")
        table = build(f"multilevel_{kind}", frames, english, kind)
        assert ("Fits that are not ok, left out of the headline numbers: M1_individual: variance at the boundary "
                "(var(intercept) at or near zero).") in table.note
    comparison = build("multilevel_model_comparison", _multilevel("model_comparison"), english, "comparison")
    assert comparison.header[-2] == "Fit status" and comparison.rows[0][-2] == "ok"


def test_an_unknown_builder_is_named():
    with pytest.raises(KeyError, match="no publication-table builder 'nope'"):
        build("nope", {}, Labels("en"), "x")


def test_checksum_list_summary(tmp_path):
    path = tmp_path / "SHA256SUMS"
    path.write_text(f"{'a' * 64}  x.csv\n{'b' * 64}  y/z.csv\n", encoding="utf-8")
    summary = checksum_list_summary(path)
    assert summary.endswith("(SHA256SUMS pinning 2 files)") and len(summary.split()[0]) == 64


def test_tables_per_outcome_select_their_rows_and_refuse_an_absent_outcome():
    from afgehaakt.tables import of_outcome

    frame = pd.DataFrame({"outcome": ["turnout_tk2021", "outsider_share_tk2021", "poor_health_share"], "x": [1, 2, 3]})
    assert of_outcome({"table": frame}, "turnout")["table"]["x"].tolist() == [1]
    assert of_outcome({"table": frame}, "poor_health_share")["table"]["x"].tolist() == [3]
    assert of_outcome({"table": frame}, "") == {"table": frame}
    with pytest.raises(ValueError, match="no rows for outcome 'trust'"):
        of_outcome({"table": frame}, "trust")


def test_a_converged_gradient_norm_is_printed_as_below_the_limit_not_as_noise():
    from afgehaakt.tables import gradient_norm

    assert gradient_norm(6.5e-05) == gradient_norm(8.6e-05) == "< 1e-03"
    assert gradient_norm(2.4e-3) == "2.4e-03" and gradient_norm(float("nan")) == ""
