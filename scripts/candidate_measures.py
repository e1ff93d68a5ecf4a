"""Rule candidate_measures: real measures of the burgerschapszone's candidate explanations on the boundary year."""

import pandas as pd

from afgehaakt.acquisition.population import population_from_snapshot
from afgehaakt.features.candidate_measures import (RELIGION_YEAR, SHRINKAGE_BASE_YEAR, candidate_measures,
                                                   read_religion)
from afgehaakt.features.codebook import CANDIDATE_MEASURES, codebook_table
from afgehaakt.io.merger_history import read_address_pairs, read_merger_history
from afgehaakt.logs import step_log
from afgehaakt.outputs import write_table

with step_log(snakemake.log[0], "candidate_measures") as log:
    target = snakemake.params.target_year
    series = snakemake.input.population_series
    local = pd.read_csv(snakemake.input.local_share, dtype={"code": str})
    measures = candidate_measures(
        religion=read_religion(snakemake.input.religion),
        population_religion_year=population_from_snapshot(series, year=RELIGION_YEAR),
        population_base=population_from_snapshot(series, year=SHRINKAGE_BASE_YEAR),
        population_target=population_from_snapshot(series, year=target),
        kwb2020=pd.read_csv(snakemake.input.kwb2020),
        kwb2021=pd.read_csv(snakemake.input.kwb2021),
        local_share=local[["code", "gr2022_local_share", "gr2026_local_share"]],
        history=read_merger_history(snakemake.input.merger_events, snakemake.input.merger_lists),
        target_year=target,
        addresses=read_address_pairs(snakemake.input.merger_addresses),
    )
    log.info("measures:\n%s", measures.measures.describe().T.to_string())
    log.info("suppressed religion sources:\n%s", measures.suppressed.to_string())
    write_table(measures.measures, snakemake.output.measures)
    write_table(measures.suppressed, snakemake.output.suppressed)
    write_table(codebook_table(CANDIDATE_MEASURES), snakemake.output.codebook)
