"""Rule stacked_disadvantage: the three variants of the index, PC1 loadings, Cronbach's alpha, rank correlations."""

import pandas as pd

from afgehaakt.features.stacked import Domain, stacked_disadvantage
from afgehaakt.logs import step_log
from afgehaakt.outputs import write_json, write_table

with step_log(snakemake.log[0], "stacked_disadvantage") as log:
    settings = snakemake.params.settings
    result = stacked_disadvantage(
        pd.read_parquet(snakemake.input.features),
        [Domain(**domain) for domain in settings["domains"]],
        quantile=settings["worst_quantile"],
    )
    summary = result.summary()
    log.info("Cronbach's alpha %.3f; PC1 explains %.3f", summary["cronbach_alpha"],
             summary["pc1_explained_variance_ratio"])
    write_table(result.table, snakemake.output.table)
    write_table(result.loadings, snakemake.output.loadings)
    write_json(summary, snakemake.output.summary)
