"""Rule boundaries: the published TopoJSON to GeoParquet in RD New."""

from afgehaakt.geo.boundaries import read_municipal_boundaries, write_geoparquet
from afgehaakt.logs import step_log

with step_log(snakemake.log[0], "boundaries") as log:
    boundaries = read_municipal_boundaries(
        snakemake.input.topojson, object_name=snakemake.params.object_name, crs=snakemake.params.crs
    )
    log.info("%d municipalities read from %s, CRS %s", len(boundaries), snakemake.input.topojson, boundaries.crs)
    write_geoparquet(boundaries, snakemake.output.parquet)
