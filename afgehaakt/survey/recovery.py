"""Parameter recovery on the synthetic survey: the true value beside every estimate, why the default draw misses
the regional effect, and a recovery study over replicates of the whole survey.

In the generator the municipal random intercept of trust is spatially structured (an exponential Gaussian process
plus an independent part). It is drawn independently of the stacked-disadvantage index, so *over draws* it does
not bias the regional effect; but the index is itself spatially smooth, so in any *one* draw the smooth part of the
municipal effects is correlated with it, and a random-intercept model that treats municipalities as independent
attributes that chance correlation to the index with an interval that is too narrow. :func:`realised_confounding`
measures it in a draw (the slope of the true municipal effects on the index); :func:`recovery_study` repeats the
whole survey to show the random-intercept model's coverage against the model with a spatially structured municipal
effect (:mod:`afgehaakt.models.spatial_multilevel`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from afgehaakt.models.multilevel import INDIVIDUAL_TERMS, INTERACTION_TERMS, REGIONAL_TERMS, model_terms
from afgehaakt.models.spatial_multilevel import fit_spatial_intercept, municipal_coordinates
from afgehaakt.survey.synthetic import SurveyDesign, TrueParameters, generate_survey
from afgehaakt.survey.power import clopper_pearson

CONTEXTUAL_TERMS = REGIONAL_TERMS + INTERACTION_TERMS
RECOVERY_MODELS = {"M3_cross_level": 0.0, "M3s_spatial_municipal": None}
"""The two models of the recovery study and their spatial share (0: the random-intercept model; None: estimated)."""
_REPLICATE_STREAM = 3


def attach_truth(fixed_effects: pd.DataFrame, truth: dict, outcome: str) -> pd.DataFrame:
    """The fixed-effect table with the true value of each term and whether the interval covers it.

    Only models with the generating model's fixed part have the true values: in a model that leaves a term out
    (M0-M2) a coefficient of the same name is another parameter."""
    true = truth["fixed_effects"][outcome]
    table = fixed_effects.copy()
    complete = table.groupby("model")["term"].agg(lambda terms: set(terms) == set(true))
    table["true_value"] = table["term"].map(true).astype(float).where(table["model"].map(complete).astype(bool))
    table["covered"] = ((table["ci_low"] <= table["true_value"]) & (table["true_value"] <= table["ci_high"])).where(
        table["true_value"].notna())
    table["truth_scale"] = "latent (trust before rounding to 0-10)" if outcome == "trust" else "log-odds"
    return table


def realised_confounding(respondents: pd.DataFrame, truth: dict, outcome: str = "trust") -> dict:
    """How the draw's municipal intercepts line up with the index: their correlation, and the slope of the effects
    on the index (respondent-weighted least squares), which is what a model blind to the structure adds to the
    regional effect."""
    effects = pd.DataFrame(truth["municipal_effects"]).set_index("municipality")[f"{outcome}_intercept"]
    index = respondents.groupby(respondents["municipality"].astype(str))["stacked_disadvantage"].first()
    sizes = respondents.groupby(respondents["municipality"].astype(str)).size()
    frame = pd.DataFrame({"effect": effects, "index": index, "n": sizes}).dropna()
    weights = frame["n"] / frame["n"].sum()
    centred_index = frame["index"] - np.average(frame["index"], weights=weights)
    centred_effect = frame["effect"] - np.average(frame["effect"], weights=weights)
    slope = float(np.sum(weights * centred_index * centred_effect) / np.sum(weights * centred_index**2))
    true_effect = float(truth["fixed_effects"][outcome]["stacked_disadvantage"])
    return {
        "outcome": outcome,
        "correlation_effect_index": float(np.corrcoef(frame["effect"], frame["index"])[0, 1]),
        "slope_effect_on_index": slope,
        "true_regional_effect": true_effect,
        "true_plus_slope": true_effect + slope,
        "municipalities": len(frame),
    }


def recovery_replicate(municipal: pd.DataFrame, centroids: pd.DataFrame, *, design: SurveyDesign,
                       parameters: TrueParameters, replicate: int, seed: int) -> pd.DataFrame:
    """One whole synthetic survey (seed from ``(seed, replicate)``) fitted with both recovery models (trust)."""
    seed_of_replicate = int(np.random.SeedSequence(seed, spawn_key=(_REPLICATE_STREAM, replicate))
                            .generate_state(1)[0])
    survey = generate_survey(municipal, design=replace(design, seed=seed_of_replicate), parameters=parameters)
    respondents = survey.respondents
    terms = INDIVIDUAL_TERMS + CONTEXTUAL_TERMS
    X = model_terms(respondents, terms)
    groups, coordinates = municipal_coordinates(respondents, centroids)
    y = respondents["trust"].to_numpy(dtype=float)
    truth = survey.truth["fixed_effects"]["trust"]
    confounding = realised_confounding(respondents, survey.truth)
    rows = []
    for model, share in RECOVERY_MODELS.items():
        fit = fit_spatial_intercept(X.to_numpy(), y, groups, coordinates, fixed_names=tuple(X.columns),
                                    spatial_share=share)
        for term in CONTEXTUAL_TERMS:
            k = fit.fixed_names.index(term)
            estimate, se = float(fit.fixed_effects[k]), float(np.sqrt(fit.fixed_cov[k, k]))
            rows.append({"replicate": replicate, "seed": seed_of_replicate, "model": model, "term": term,
                         "true_value": truth[term], "estimate": estimate, "se": se,
                         "ci_low": estimate - 1.959963984540054 * se, "ci_high": estimate + 1.959963984540054 * se,
                         "converged": fit.converged, "spatial_share": fit.spatial_share, "range_m": fit.range_m,
                         "realised_slope_effect_on_index": confounding["slope_effect_on_index"]})
    table = pd.DataFrame(rows)
    table["covered"] = (table["ci_low"] <= table["true_value"]) & (table["true_value"] <= table["ci_high"])
    return table


def recovery_summary(replicates: pd.DataFrame) -> pd.DataFrame:
    """Per model and term: true value, mean estimate, bias, SD of the estimates against the mean SE, RMSE, and the
    coverage of the 95% Wald interval with its Clopper-Pearson interval."""
    rows = []
    for (model, term), group in replicates.groupby(["model", "term"], sort=False):
        true = float(group["true_value"].iloc[0])
        covered = int(group["covered"].sum())
        low, high = clopper_pearson(covered, len(group))
        rows.append({
            "model": model, "term": term, "replicates": len(group), "true_value": true,
            "mean_estimate": float(group["estimate"].mean()), "bias": float(group["estimate"].mean() - true),
            "bias_mc_se": float(group["estimate"].std(ddof=1) / np.sqrt(len(group))),
            "sd_estimate": float(group["estimate"].std(ddof=1)), "mean_se": float(group["se"].mean()),
            "rmse": float(np.sqrt(np.mean((group["estimate"] - true) ** 2))),
            "coverage": covered / len(group), "coverage_ci95_low": low, "coverage_ci95_high": high,
            "nominal": 0.95, "converged": int(group["converged"].sum()),
            "synthetic": True,
        })
    return pd.DataFrame(rows)
