"""Rule neighbourhood_cells: real buurt health estimates on synthetic cells inside the real municipalities."""

import geopandas as gpd

from afgehaakt.features.crosswalk import read_address_matrix
from afgehaakt.geo.boundaries import write_geoparquet
from afgehaakt.logs import step_log
from afgehaakt.neighbourhoods import host_municipalities, read_neighbourhood_health, synthetic_cells
from afgehaakt.outputs import write_table

with step_log(snakemake.log[0], "neighbourhood_cells") as log:
    values, excluded = read_neighbourhood_health(snakemake.input.health)
    log.info("%d buurten with every indicator; %d excluded (suppressed by RIVM), listed in %s",
             len(values), len(excluded), snakemake.output.excluded)
    crosswalk = read_address_matrix(snakemake.input.crosswalk, earlier_year=2020,
                                    later_year=snakemake.params.boundary_year)
    values["host"] = host_municipalities(values["municipality_2020"], crosswalk)
    cells = synthetic_cells(values, gpd.read_parquet(snakemake.input.boundaries),
                            seed=snakemake.params.geometry_seed)
    log.info("%d synthetic cells in %d municipalities (geometry seed %d)", len(cells), cells["host"].nunique(),
             snakemake.params.geometry_seed)
    write_geoparquet(cells, snakemake.output.cells)
    write_table(excluded, snakemake.output.excluded)
