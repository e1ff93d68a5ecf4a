"""Rule spatial_weights: k-nearest-neighbour, distance-band or kernel weights as an edge list and summary."""

import geopandas as gpd

from afgehaakt.logs import step_log
from afgehaakt.outputs import write_json, write_table
from afgehaakt.spatial.distance_weights import distance_band_weights, kernel_weights, knn_weights

BUILDERS = {"knn": knn_weights, "distance_band": distance_band_weights, "kernel": kernel_weights}

with step_log(snakemake.log[0], "spatial_weights") as log:
    kind = snakemake.wildcards.weights
    weights = BUILDERS[kind](gpd.read_parquet(snakemake.input.boundaries), id_column="code",
                             **snakemake.params.settings)
    summary = weights.summary()
    log.info("%s: %d links, %d components, isolates %s", kind, summary["directed_links"], summary["components"],
             summary.get("isolates"))
    write_table(weights.edges, snakemake.output.edges)
    write_json(summary, snakemake.output.summary)
