"""Rule burgerschapszone: residual clusters, their orientation against random clusters, candidate explanations,
and the robustness of turnout's zone to the policy for ballots above the electorate."""

import geopandas as gpd
import pandas as pd

from afgehaakt.logs import step_log
from afgehaakt.spatial.conditional_permutation import use_threads
from afgehaakt.outputs import write_table
from afgehaakt.spatial.analyses import (analysis_table, burgerschapszone, election_column, graphs_from_edges,
                                        policy_inputs,
                                        turnout_policy_robustness)
from afgehaakt.spatial.weights import IslandPolicy

use_threads(snakemake.threads)

with step_log(snakemake.log[0], "burgerschapszone") as log:
    table = analysis_table(pd.read_parquet(snakemake.input.features),
                           pd.read_csv(snakemake.input.stacked, dtype={"code": str}))
    edges = pd.read_parquet(snakemake.input.edges)
    boundaries = gpd.read_parquet(snakemake.input.boundaries)
    settings, lisa = snakemake.params.zone, snakemake.params.lisa
    election = snakemake.params.focus_election
    island_policy = IslandPolicy(**snakemake.params.island_policy)
    resolve = lambda names: [election_column(n, election, table) for n in names]  # noqa: E731
    turnout = election_column("turnout", election, table)
    shared = dict(weights_name="queen", permutations=lisa["permutations"], seed=settings["seed"],
                  alpha=lisa["alpha"], axis_draws=settings["axis_draws"], draws=lisa["draws"])
    graph = graphs_from_edges({"queen": edges}, list(table.index))["queen"]
    results = []
    for outcome in settings["outcomes"]:
        column = election_column(outcome["variable"], election, table)
        inputs = policy_inputs(table, boundaries, edges, column=column, policy=settings["turnout_policy"],
                               island_policy=island_policy) if column == turnout else None
        if inputs is not None:
            log.info("%s: %s", column, inputs.turnout.note(table["name"]))
        data = (inputs.table, inputs.graph, inputs.edges, inputs.boundaries) if inputs else (table, graph, edges,
                                                                                            boundaries)
        results.append(burgerschapszone(*data, outcome=column, better=outcome["better"],
                                        covariates=resolve(settings["covariates"]),
                                        candidates=resolve(settings["candidates"]),
                                        bootstrap_draws=settings["bootstrap_draws"], **shared))
    for result in results:
        log.info("%s: %s", result.outcome, result.axis.to_dict(orient="records"))
    residuals = pd.concat([r.residual_lisa for r in results], ignore_index=True)
    residuals.insert(1, "name", residuals["code"].map(table["name"]))
    write_table(residuals, snakemake.output.residuals)
    write_table(pd.concat([r.axis for r in results], ignore_index=True), snakemake.output.axis)
    write_table(pd.concat([r.candidates for r in results], ignore_index=True), snakemake.output.candidates)
    write_table(pd.concat([r.coefficients for r in results], ignore_index=True), snakemake.output.coefficients)
    robustness = turnout_policy_robustness(table, boundaries, edges, column=turnout,
                                           policies=settings["turnout_policies_compared"],
                                           island_policy=island_policy, voter_pass_share=None,
                                           covariates=resolve(settings["covariates"]),
                                           alternative=snakemake.params.alternative, **shared)
    write_table(robustness.assign(election=election), snakemake.output.turnout_policies)
