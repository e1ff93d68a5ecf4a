"""Rule global_statistics: Moran, Geary, Getis-Ord, bivariate and residual Moran under every weights type."""

import pandas as pd

from afgehaakt.logs import step_log
from afgehaakt.outputs import write_table
from afgehaakt.spatial.analyses import analysis_table, graphs_from_edges, robustness_table

with step_log(snakemake.log[0], "global_statistics") as log:
    table = analysis_table(pd.read_parquet(snakemake.input.features),
                           pd.read_csv(snakemake.input.stacked, dtype={"code": str}))
    edges = {name: pd.read_parquet(path) for name, path in zip(snakemake.params.weights_names,
                                                                 snakemake.input.edges, strict=True)}
    result = robustness_table(
        table,
        graphs_from_edges(edges, list(table.index)),
        variables=snakemake.params.variables,
        elections=snakemake.params.elections,
        focus_election=snakemake.params.focus_election,
        covariates=snakemake.params.covariates,
        permutations=snakemake.params.permutations,
        seed=snakemake.params.seed,
        alternative=snakemake.params.alternative,
    )
    log.info("%d statistics over %d weights types", len(result), len(edges))
    write_table(result, snakemake.output.table)
