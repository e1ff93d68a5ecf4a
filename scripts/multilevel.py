"""Rule multilevel: the model sequence of one survey outcome, as fixed-effect, variance and comparison tables.

From the synthetic survey the tables carry the true values (and whether each interval covers its value), and the
trust sequence adds the model with a spatially structured municipal effect (the generator's structure)."""

import json

import geopandas as gpd
import pandas as pd

from afgehaakt.logs import step_log
from afgehaakt.models.diagnostics import enforce_policy
from afgehaakt.models.multilevel import (
    INDIVIDUAL_TERMS,
    INTERACTION_TERMS,
    REGIONAL_TERMS,
    ModelSequence,
    default_sequence,
    fit_sequence,
    fixed_effects_table,
    model_comparison_table,
    variance_components_table,
)
from afgehaakt.models.design_based import companion_models, few_groups_warning
from afgehaakt.models.spatial_multilevel import fit_spatial_model
from afgehaakt.outputs import write_table
from afgehaakt.spatial.distance_weights import municipal_centroids
from afgehaakt.survey.recovery import attach_truth, realised_confounding

FAMILIES = {"trust": "gaussian", "turnout": "binomial"}

with step_log(snakemake.log[0], "multilevel") as log:
    outcome = snakemake.wildcards.outcome
    respondents = pd.read_parquet(snakemake.input.respondents)
    record = json.loads(open(snakemake.input.record, encoding="utf-8").read())
    synthetic = bool(record.get("synthetic"))
    settings = snakemake.params.models
    # The group is what the file supports: municipality (synthetic survey; microdata with codes), COROP or province.
    level = record.get("level", "municipality")
    group = "municipality" if level == "municipality" else "group"
    upper = settings["upper_level"] if FAMILIES[outcome] == "gaussian" and level == "municipality" else None
    specs = default_sequence(random_slope=settings["random_slope"], upper_level=upper)
    sequence = fit_sequence(respondents, outcome=outcome, family=FAMILIES[outcome], specs=specs, group=group,
                            n_quadrature=settings["logistic_quadrature"], source=snakemake.input.respondents,
                            blas_threads=snakemake.threads)
    if FAMILIES[outcome] == "gaussian" and level == "municipality":
        centroids = municipal_centroids(gpd.read_parquet(snakemake.input.boundaries), id_column="code")
        spatial = fit_spatial_model(respondents, INDIVIDUAL_TERMS + REGIONAL_TERMS + INTERACTION_TERMS, centroids,
                                    outcome=outcome, source=snakemake.input.respondents)
        sequence = ModelSequence(outcome=sequence.outcome, fits=sequence.fits + (spatial,))
    for fit in sequence.fits:
        log.info("%s %s: status %s%s; optimizer: %s", outcome, fit.model, fit.status,
                 f" ({fit.diagnosis.reason})" if fit.diagnosis.reason else "", fit.diagnosis.optimizer_message)
    enforce_policy([(fit.model, outcome, fit.diagnosis) for fit in sequence.fits], settings["failed_fit"])
    label = "synthetic" if synthetic else "microdata"
    n_groups = int(respondents[group].nunique())
    comparison = model_comparison_table(sequence).assign(data=label, level=level,
                                                         warning=few_groups_warning(n_groups))
    log.info("%s (%s): %s", outcome, label, comparison[["model", "logLik", "ICC", "status"]].to_dict("records"))
    fixed = fixed_effects_table(sequence)
    # Beside the multilevel models: the cluster-robust single-level model with few groups, and the design-based
    # model (weighted GLM, cluster-robust) when the file has design weights; weights_used says which is which.
    companions = companion_models(respondents, outcome=outcome, family=FAMILIES[outcome],
                                  terms=INDIVIDUAL_TERMS + REGIONAL_TERMS + INTERACTION_TERMS, group=group,
                                  n_groups=n_groups, weights_supplied=bool(record.get("design_weights_supplied")))
    fixed = pd.concat([fixed, companions], ignore_index=True).assign(data=label, level=level,
                                                                     warning=few_groups_warning(n_groups))
    variance = variance_components_table(sequence).assign(data=label)
    if synthetic:
        fixed = attach_truth(fixed, record, outcome)
        # Why an interval can miss: how this draw's true municipal effects line up with the index.
        draw = realised_confounding(respondents, record, outcome)
        fixed = fixed.assign(draw_slope_effect_on_index=draw["slope_effect_on_index"],
                             draw_correlation_effect_index=draw["correlation_effect_index"])
        fixed, variance, comparison = (table.assign(synthetic=True) for table in (fixed, variance, comparison))
    write_table(fixed, snakemake.output.fixed_effects)
    write_table(variance, snakemake.output.variance_components)
    write_table(comparison, snakemake.output.comparison)
