"""Rule amalgamation_treatment: each municipality's first merger, its election cohort and size, and the exclusions."""

import pandas as pd

from afgehaakt import catalogue
from afgehaakt.features.amalgamation import ElectionDate, assign_treatment, merger_sizes
from afgehaakt.io.merger_history import read_merger_history
from afgehaakt.logs import step_log
from afgehaakt.outputs import write_table

with step_log(snakemake.log[0], "amalgamation_treatment") as log:
    history = read_merger_history(snakemake.input.merger_events, snakemake.input.merger_lists)
    elections = [ElectionDate(e, pd.Timestamp(catalogue.election(e).date)) for e in snakemake.params.elections]
    splits = {item["code"]: item["reason"] for item in snakemake.params.unrepresentable_splits}
    treatment = assign_treatment(history, boundary_year=snakemake.params.boundary_year, elections=elections,
                                 unrepresentable_splits=splits)
    electorates = {}
    for election, path in zip(snakemake.params.elections, snakemake.input.totals, strict=True):
        totals = pd.read_parquet(path)
        electorates[election] = (catalogue.election(election).boundary_year,
                                 totals[["code", "eligible"]].rename(columns={"eligible": "electorate"}))
    sizes = merger_sizes(treatment, history, electorates)
    units = treatment.units.merge(sizes, on="code", how="left")
    log.info("%d units: %d merged in the window, %d never; %d excluded", len(units),
             int((units["cohort"] > 0).sum()), int((units["cohort"] == 0).sum()), len(treatment.excluded))
    write_table(units, snakemake.output.units)
    write_table(treatment.excluded, snakemake.output.excluded)
