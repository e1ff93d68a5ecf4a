"""Rule lisa: local Moran, Gi* and bivariate local Moran (stacked disadvantage against each outcome), gathered
from the scatter parts; the FDR labels are computed here, over all units."""

import pandas as pd

from afgehaakt.logs import step_log
from afgehaakt.outputs import write_table
from afgehaakt.spatial.analyses import gather_lisa_chunks

with step_log(snakemake.log[0], "lisa") as log:
    result = gather_lisa_chunks([pd.read_parquet(path) for path in snakemake.input.parts])
    counts = result.groupby(["statistic_name", "variable"])["cluster_fdr"].apply(lambda c: (c != "not significant").sum())
    log.info("gathered %d parts; FDR-significant units per statistic and variable: %s", len(snakemake.input.parts),
             counts.to_dict())
    write_table(result, snakemake.output.table)
