"""Rule contiguity_weights: queen contiguity with the configured island policy, as an edge list and summary."""

import geopandas as gpd

from afgehaakt.logs import step_log
from afgehaakt.outputs import write_json, write_table
from afgehaakt.spatial.weights import IslandPolicy, queen_weights

with step_log(snakemake.log[0], "contiguity_weights") as log:
    policy = IslandPolicy(**snakemake.params.island_policy)
    weights = queen_weights(gpd.read_parquet(snakemake.input.boundaries), id_column="code", policy=policy)
    summary = weights.summary()
    log.info(
        "%d components before, %d after %s; %d links added",
        summary["components_before"],
        summary["components_after"],
        summary["island_policy"],
        len(summary["links_added"]),
    )
    write_table(weights.edges, snakemake.output.edges)
    write_json(summary, snakemake.output.summary)
