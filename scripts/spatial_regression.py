"""Rule spatial_regression: OLS with LM diagnostics, ML spatial lag (with its impacts) and ML spatial error."""

import pandas as pd

from afgehaakt.logs import step_log
from afgehaakt.outputs import write_table
from afgehaakt.spatial.analyses import analysis_table, election_column, graphs_from_edges, spatial_regressions

with step_log(snakemake.log[0], "spatial_regression") as log:
    table = analysis_table(pd.read_parquet(snakemake.input.features),
                           pd.read_csv(snakemake.input.stacked, dtype={"code": str}))
    graph = graphs_from_edges({"queen": pd.read_parquet(snakemake.input.edges)}, list(table.index))["queen"]
    election = snakemake.params.focus_election
    outcomes = [election_column(o, election, table) for o in ("turnout", "outsider_share")]
    coefficients, statistics, lagrange, impacts = spatial_regressions(
        table, graph, outcomes=outcomes, covariates=snakemake.params.covariates, weights_name="queen")
    log.info("models: %s", statistics[["outcome", "model", "aic"]].to_dict(orient="records"))
    write_table(coefficients, snakemake.output.coefficients)
    write_table(statistics, snakemake.output.statistics)
    write_table(lagrange, snakemake.output.lagrange_multiplier)
    write_table(impacts, snakemake.output.impacts)
