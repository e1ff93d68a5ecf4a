"""Rule neighbourhood_weights: the region of the requested size, and queen contiguity among its postcode areas."""

import geopandas as gpd

from afgehaakt.logs import step_log
from afgehaakt.neighbourhoods import nearest_units
from afgehaakt.outputs import write_json, write_table
from afgehaakt.spatial.weights import IslandPolicy, queen_weights

with step_log(snakemake.log[0], "neighbourhood_weights") as log:
    areas = nearest_units(gpd.read_parquet(snakemake.input.areas), snakemake.wildcards.units,
                          centre=tuple(snakemake.params.centre))
    weights = queen_weights(areas[["code", "geometry"]], id_column="code",
                            policy=IslandPolicy(**snakemake.params.island_policy))
    summary = weights.summary()
    log.info("%d units, %d directed links, %d components before and %d after the island policy",
             summary["units"], summary["directed_links"], summary["components_before"], summary["components_after"])
    write_table(areas.drop(columns="geometry"), snakemake.output.units)
    write_table(weights.edges, snakemake.output.edges)
    write_json(summary, snakemake.output.summary)
