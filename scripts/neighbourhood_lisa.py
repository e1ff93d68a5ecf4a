"""Rule neighbourhood_lisa: local Moran and Gi* of each postcode-area variable (conditional permutation, FDR)."""

import pandas as pd

from afgehaakt.logs import step_log
from afgehaakt.neighbourhoods import local_statistics
from afgehaakt.outputs import write_table
from afgehaakt.spatial.conditional_permutation import use_threads

use_threads(snakemake.threads)

with step_log(snakemake.log[0], "neighbourhood_lisa") as log:
    table = local_statistics(pd.read_parquet(snakemake.input.units), pd.read_parquet(snakemake.input.edges),
                             variables=snakemake.params.variables,
                             permutations=int(snakemake.wildcards.permutations),
                             seed=snakemake.params.seed, alpha=snakemake.params.alpha)
    counts = table.groupby(["statistic_name", "variable"])["cluster_fdr"].apply(lambda c: (c != "not significant").sum())
    log.info("FDR-significant units per statistic and variable: %s", counts.to_dict())
    write_table(table, snakemake.output.table)
