"""Rule amalgamation: staggered-adoption estimates of the merger effect on one outcome, placebos and figures."""

import pandas as pd

from afgehaakt import catalogue
from afgehaakt.features.amalgamation import AmalgamationTreatment, ElectionDate
from afgehaakt.labels import Labels
from afgehaakt.logs import step_log
from afgehaakt.manifest import script_job_provenance
from afgehaakt.models.staggered.amalgamation import (
    amalgamation_panel,
    analyse_outcome,
    estimates_table,
    excluded_units,
    specifications,
)
from afgehaakt.outputs import write_table
from afgehaakt.plotting.staggered import ESTIMATOR_STYLE, event_study_figure, placebo_figure
from afgehaakt.plotting.style import embedded_provenance

with step_log(snakemake.log[0], "amalgamation") as log, \
        embedded_provenance(script_job_provenance(snakemake, __file__)):
    settings = snakemake.params.amalgamation
    outcome = snakemake.wildcards.panel_outcome
    labels = Labels(snakemake.params.language)
    elections = tuple(ElectionDate(e, pd.Timestamp(catalogue.election(e).date)) for e in settings["elections"])
    units = pd.read_csv(snakemake.input.units, dtype={"code": str}, parse_dates=["merger_date"])
    treatment = AmalgamationTreatment(units=units, elections=elections, boundary_year=snakemake.params.boundary_year,
                                      excluded=pd.read_csv(snakemake.input.excluded, dtype={"code": str}))
    indicators = {e: pd.read_parquet(path) for e, path in zip(settings["elections"], snakemake.input.indicators,
                                                               strict=True)}
    panel, notes = amalgamation_panel(treatment, indicators, outcomes=[outcome],
                                      above_one=snakemake.params.turnout_above_one)
    for note in notes:
        log.info(note)
    cutoff = settings["elections"].index(settings["pre_period_placebo"]["cutoff"]) + 1
    analysis = analyse_outcome(panel, outcome, wadden=snakemake.params.wadden, permutations=settings["permutations"],
                               seed=settings["seed"], placebo_cutoff=cutoff,
                               placebo_shift=settings["pre_period_placebo"]["shift"], alpha=settings["alpha"])
    descriptions = {s.name: s.description for s in specifications(panel, wadden=snakemake.params.wadden)}
    estimates = estimates_table(analysis, descriptions).assign(outcome=outcome)
    estimates["elections"] = " ".join(settings["elections"])
    estimates["boundary_year"] = snakemake.params.boundary_year
    estimates["turnout_above_one_policy"] = snakemake.params.turnout_above_one if outcome == "turnout" else ""
    write_table(estimates, snakemake.output.estimates)
    write_table(analysis.main["callaway_santanna"].group_time.assign(outcome=outcome), snakemake.output.group_time)
    write_table(pd.DataFrame({"draw": range(1, analysis.permutation.n_permutations + 1),
                              "placebo_estimate": analysis.permutation.placebo_estimates}), snakemake.output.placebo)
    write_table(pd.DataFrame([{**analysis.permutation.summary(), **{f"pre_period_{k}": v for k, v in
                                                                    analysis.pre_period_design.items()},
                               "outcome": outcome}]), snakemake.output.placebo_summary)
    write_table(excluded_units(treatment, analysis), snakemake.output.excluded)
    write_table(panel, snakemake.output.panel)

    main = analysis.main
    cs = main["callaway_santanna"]
    pretrends = "; ".join(f"{ESTIMATOR_STYLE[name][0]} p = {result.pretrend.p_value:.3f}"
                          for name, result in main.items() if result.pretrend is not None)
    source = labels.source("; ".join(catalogue.election(e).attribution for e in settings["elections"][:1]) +
                           " ... " + catalogue.election(settings["elections"][-1]).attribution + ".")
    event_study_figure(
        main, title=labels("fig.amalgamation.event_title", variable=labels.variable(outcome)),
        xlabel=labels("fig.amalgamation.event_xlabel"), ylabel=labels("fig.amalgamation.event_ylabel"),
        note=labels("fig.amalgamation.event_note", units=cs.inference.n_units, treated=cs.inference.n_treated_units,
                    never=cs.inference.n_never_treated_units, boundary=snakemake.params.boundary_year,
                    level=round(100 * (1 - settings["alpha"])), pretrends=pretrends, source=source),
        scale=100, paths=[snakemake.output.event_study_png, snakemake.output.event_study_pdf])
    placebo_figure(
        analysis.permutation,
        title=labels("fig.amalgamation.placebo_title", variable=labels.variable(outcome),
                     permutations=settings["permutations"]),
        xlabel=labels("fig.amalgamation.placebo_xlabel"), ylabel=labels("fig.amalgamation.placebo_ylabel"),
        real_label=labels("fig.amalgamation.placebo_real"),
        note=labels("fig.amalgamation.placebo_note", seed=settings["seed"], p=f"{analysis.permutation.p_value:.3f}"),
        scale=100, paths=[snakemake.output.placebo_png])
    log.info("%s: CS %.4f (SE %.4f), SA %.4f, TWFE %.4f; CS pre-trend p %.3f", outcome, cs.overall.estimate,
             cs.overall.std_error, main["sun_abraham"].overall.estimate, main["twfe"].overall.estimate,
             cs.pretrend.p_value)
