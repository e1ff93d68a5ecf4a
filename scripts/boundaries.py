"""Rule boundaries: the boundaries of the snapshot (TopoJSON) or of PDOK (GeoJSON) to GeoParquet in RD New."""

from afgehaakt.geo.boundaries import read_geojson_boundaries, read_municipal_boundaries, write_geoparquet
from afgehaakt.logs import step_log

with step_log(snakemake.log[0], "boundaries") as log:
    source = snakemake.input.source
    if snakemake.params.route == "online":
        boundaries = read_geojson_boundaries(source, crs=snakemake.params.crs)
    else:
        boundaries = read_municipal_boundaries(
            source, object_name=snakemake.params.object_name, crs=snakemake.params.crs
        )
    log.info("%d municipalities read from %s (%s route), CRS %s", len(boundaries), source,
             snakemake.params.route, boundaries.crs)
    write_geoparquet(boundaries, snakemake.output.parquet)
