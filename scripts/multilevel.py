"""Rule multilevel: the model sequence of one survey outcome, as fixed-effect, variance and comparison tables."""

import pandas as pd

from afgehaakt.logs import step_log
from afgehaakt.models.diagnostics import enforce_policy
from afgehaakt.models.multilevel import (
    default_sequence,
    fit_sequence,
    fixed_effects_table,
    model_comparison_table,
    variance_components_table,
)
from afgehaakt.outputs import write_table

FAMILIES = {"trust": "gaussian", "turnout": "binomial"}

with step_log(snakemake.log[0], "multilevel") as log:
    outcome = snakemake.wildcards.outcome
    respondents = pd.read_parquet(snakemake.input.respondents)
    settings = snakemake.params.models
    upper = settings["upper_level"] if FAMILIES[outcome] == "gaussian" else None
    specs = default_sequence(random_slope=settings["random_slope"], upper_level=upper)
    sequence = fit_sequence(respondents, outcome=outcome, family=FAMILIES[outcome], specs=specs,
                            n_quadrature=settings["logistic_quadrature"], source=snakemake.input.respondents,
                            blas_threads=snakemake.threads)
    for fit in sequence.fits:
        log.info("%s %s: status %s%s; optimizer: %s", outcome, fit.model, fit.status,
                 f" ({fit.diagnosis.reason})" if fit.diagnosis.reason else "", fit.diagnosis.optimizer_message)
    enforce_policy([(fit.model, outcome, fit.diagnosis) for fit in sequence.fits], settings["failed_fit"])
    label = "synthetic" if bool(respondents.get("synthetic", pd.Series([False])).all()) else "microdata"
    comparison = model_comparison_table(sequence).assign(data=label)
    log.info("%s (%s): %s", outcome, label, comparison[["model", "logLik", "ICC", "status"]].to_dict("records"))
    write_table(fixed_effects_table(sequence).assign(data=label), snakemake.output.fixed_effects)
    write_table(variance_components_table(sequence).assign(data=label), snakemake.output.variance_components)
    write_table(comparison, snakemake.output.comparison)
