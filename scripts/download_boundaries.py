"""Rule download_boundaries: PDOK's generalised municipal boundaries of the boundary year, as one GeoJSON."""

from afgehaakt.acquisition.pdok import BoundaryQuery, download_municipal_boundaries
from afgehaakt.acquisition.workflow import downloader_from_settings
from afgehaakt.logs import step_log

with step_log(snakemake.log[0], "download_boundaries") as log:
    pdok = snakemake.params.pdok
    query = BoundaryQuery(
        year=snakemake.params.year,
        collection=pdok["collection"],
        url_template=pdok["url_template"],
        year_parameter=pdok["year_parameter"] or None,
        crs=pdok["crs"] or None,
        page_size=pdok["page_size"],
    )
    record = download_municipal_boundaries(
        query,
        snakemake.output.geojson,
        downloader=downloader_from_settings(snakemake.params.http),
        expected_sha256=pdok["sha256"] or None,
    )
    log.info("%d features in %d pages from %s, sha256 %s%s", record["features"], len(record["pages"]),
             record["url"], record["sha256"], " (as pinned)" if pdok["sha256"] else " (not pinned)")
