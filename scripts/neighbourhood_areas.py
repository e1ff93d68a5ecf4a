"""Rule neighbourhood_areas: the postcode areas with a value for every configured variable (the others listed)."""

import geopandas as gpd

from afgehaakt.geo.boundaries import write_geoparquet
from afgehaakt.logs import step_log
from afgehaakt.neighbourhoods import area_units
from afgehaakt.outputs import write_table

with step_log(snakemake.log[0], "neighbourhood_areas") as log:
    units, excluded = area_units(gpd.read_parquet(snakemake.input.areas), list(snakemake.params.variables))
    log.info("%d postcode areas with every variable; %d excluded, listed in %s", len(units), len(excluded),
             snakemake.output.excluded)
    write_geoparquet(units, snakemake.output.areas)
    write_table(excluded, snakemake.output.excluded)
