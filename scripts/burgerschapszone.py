"""Rule burgerschapszone: residual clusters, their orientation against random clusters, candidate explanations."""

import geopandas as gpd
import pandas as pd

from afgehaakt.logs import step_log
from afgehaakt.spatial.conditional_permutation import use_threads
from afgehaakt.outputs import write_table
from afgehaakt.spatial.analyses import analysis_table, burgerschapszone, election_column, graphs_from_edges

use_threads(snakemake.threads)

with step_log(snakemake.log[0], "burgerschapszone") as log:
    table = analysis_table(pd.read_parquet(snakemake.input.features),
                           pd.read_csv(snakemake.input.stacked, dtype={"code": str}))
    edges = pd.read_parquet(snakemake.input.edges)
    graph = graphs_from_edges({"queen": edges}, list(table.index))["queen"]
    settings = snakemake.params.zone
    election = snakemake.params.focus_election
    resolve = lambda names: [election_column(n, election, table) for n in names]  # noqa: E731
    results = [
        burgerschapszone(table, graph, edges, gpd.read_parquet(snakemake.input.boundaries),
                         outcome=election_column(outcome["variable"], election, table), better=outcome["better"],
                         covariates=resolve(settings["covariates"]), candidates=resolve(settings["candidates"]),
                         weights_name="queen", permutations=snakemake.params.lisa["permutations"],
                         seed=settings["seed"], alpha=snakemake.params.lisa["alpha"],
                         axis_draws=settings["axis_draws"], draws=snakemake.params.lisa["draws"])
        for outcome in settings["outcomes"]
    ]
    for result in results:
        log.info("%s: %s", result.outcome, result.axis.to_dict(orient="records"))
    residuals = pd.concat([r.residual_lisa for r in results], ignore_index=True)
    residuals.insert(1, "name", residuals["code"].map(table["name"]))
    write_table(residuals, snakemake.output.residuals)
    write_table(pd.concat([r.axis for r in results], ignore_index=True), snakemake.output.axis)
    write_table(pd.concat([r.candidates for r in results], ignore_index=True), snakemake.output.candidates)
    write_table(pd.concat([r.coefficients for r in results], ignore_index=True), snakemake.output.coefficients)
