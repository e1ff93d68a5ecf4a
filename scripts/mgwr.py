"""Rule mgwr: multiscale GWR of the focus election's outcomes on the base covariates, and the global model."""

import geopandas as gpd
import pandas as pd

from afgehaakt.logs import step_log
from afgehaakt.outputs import write_table
from afgehaakt.spatial.analyses import analysis_table, election_column, policy_inputs
from afgehaakt.spatial.distance_weights import municipal_centroids
from afgehaakt.spatial.multiscale import fit_mgwr
from afgehaakt.spatial.weights import IslandPolicy

with step_log(snakemake.log[0], "mgwr") as log:
    table = analysis_table(pd.read_parquet(snakemake.input.features),
                           pd.read_csv(snakemake.input.stacked, dtype={"code": str}))
    boundaries = gpd.read_parquet(snakemake.input.boundaries)
    centroids = municipal_centroids(boundaries, id_column="code")
    election = snakemake.params.focus_election
    turnout = election_column("turnout", election, table)
    results = []
    for name in snakemake.params.mgwr["outcomes"]:
        column = election_column(name, election, table)
        data = table
        if column == turnout:  # the same units as the zone analysis: the turnout policy decides
            inputs = policy_inputs(table, boundaries, pd.read_parquet(snakemake.input.edges), column=column,
                                   policy=snakemake.params.turnout_policy,
                                   island_policy=IslandPolicy(**snakemake.params.island_policy))
            data = inputs.table
            log.info("%s: %s", column, inputs.turnout.note(table["name"]))
        result = fit_mgwr(data[column].astype(float).rename(column),
                          data[snakemake.params.covariates].astype(float), centroids,
                          alpha=snakemake.params.mgwr["alpha"], bandwidth_min=snakemake.params.mgwr["bandwidth_min"])
        log.info("%s: bandwidths %s; AICc %s", column, result.bandwidths[["term", "bandwidth"]].to_dict("records"),
                 result.comparison[["model", "aicc"]].to_dict("records"))
        results.append(result)
    write_table(pd.concat([r.bandwidths for r in results], ignore_index=True), snakemake.output.bandwidths)
    local = pd.concat([r.local for r in results], ignore_index=True)
    local.insert(2, "name", local["code"].map(table["name"]))
    write_table(local, snakemake.output.local)
    write_table(pd.concat([r.comparison for r in results], ignore_index=True), snakemake.output.comparison)
