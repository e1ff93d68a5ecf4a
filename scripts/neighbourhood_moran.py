"""Rule neighbourhood_moran: global Moran's I of each postcode-area variable with analytical and permutation inference."""

import pandas as pd

from afgehaakt.logs import step_log
from afgehaakt.neighbourhoods import global_moran_rows
from afgehaakt.outputs import write_table

with step_log(snakemake.log[0], "neighbourhood_moran") as log:
    table = global_moran_rows(pd.read_parquet(snakemake.input.units), pd.read_parquet(snakemake.input.edges),
                              variables=snakemake.params.variables,
                              permutations=int(snakemake.wildcards.permutations),
                              seed=snakemake.params.seed, alternative=snakemake.params.alternative)
    for row in table.itertuples():
        log.info("%s: n=%d I=%.4f p_perm=%.4g (%d permutations, %s)", row.variable, row.n, row.statistic,
                 row.p_permutation, row.permutations, row.alternative)
    write_table(table, snakemake.output.table)
