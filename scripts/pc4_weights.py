"""Rule pc4_weights: queen (with the island policy) and k-nearest-neighbour weights among the postcode areas
with a value; areas without one leave the weights before they are built. The queen links of the whole layer are
kept too, so that other samples of the layer (regression, sensitivity run) select their links from them."""

import geopandas as gpd

from afgehaakt.logs import step_log
from afgehaakt.outputs import write_json, write_table
from afgehaakt.pc4.analysis import area_weights, layer_contiguity, value_sample
from afgehaakt.spatial.weights import IslandPolicy

with step_log(snakemake.log[0], "pc4_weights") as log:
    areas = gpd.read_parquet(snakemake.input.areas)
    contiguity = layer_contiguity(areas)
    weights = area_weights(areas, value_sample(areas), policy=IslandPolicy(**snakemake.params.island_policy),
                           k=snakemake.params.k, sample_name="areas with an assigned station", contiguity=contiguity)
    queen = weights.summaries["queen"]
    log.info("%d areas, %d left out; queen: %d links, %d components before and %d after the island policy",
             queen["units"], queen["areas_left_out"], queen["directed_links"], queen["components_before"],
             queen["components_after"])
    write_table(contiguity, snakemake.output.layer)
    write_table(weights.edges["queen"], snakemake.output.queen)
    write_table(weights.edges["knn"], snakemake.output.knn)
    write_json(weights.summaries, snakemake.output.summary)
