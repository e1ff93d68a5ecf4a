"""Rule lisa: local Moran, Gi* and bivariate local Moran (stacked disadvantage against each outcome)."""

import pandas as pd

from afgehaakt.logs import step_log
from afgehaakt.spatial.conditional_permutation import use_threads
from afgehaakt.outputs import write_table
from afgehaakt.spatial.analyses import STACKED, analysis_table, election_column, graphs_from_edges, lisa_tables

use_threads(snakemake.threads)

with step_log(snakemake.log[0], "lisa") as log:
    table = analysis_table(pd.read_parquet(snakemake.input.features),
                           pd.read_csv(snakemake.input.stacked, dtype={"code": str}))
    graph = graphs_from_edges({"queen": pd.read_parquet(snakemake.input.edges)}, list(table.index))["queen"]
    election = snakemake.params.focus_election
    variables = [election_column(v, election, table) for v in ("turnout", "outsider_share")] + [STACKED]
    result = lisa_tables(table, graph, weights_name="queen", variables=variables, bivariate_with=STACKED,
                         **snakemake.params.lisa)
    counts = result.groupby(["statistic_name", "variable"])["cluster_fdr"].apply(lambda c: (c != "not significant").sum())
    log.info("FDR-significant units per statistic and variable: %s", counts.to_dict())
    write_table(result, snakemake.output.table)
