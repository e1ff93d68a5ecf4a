"""Rule download_statline: one StatLine OData table, page by page, into a directory with its records."""

from afgehaakt.acquisition.interim import query_from_config
from afgehaakt.acquisition.statline import download_statline_table
from afgehaakt.acquisition.workflow import downloader_from_settings
from afgehaakt.logs import step_log

with step_log(snakemake.log[0], "download_statline") as log:
    table = snakemake.params.table
    query = query_from_config(snakemake.wildcards.dataset, table, page_size=snakemake.params.page_size or None)
    record = download_statline_table(
        query,
        snakemake.output.directory,
        downloader=downloader_from_settings(snakemake.params.http),
        max_pages=snakemake.params.max_pages,
        expected_sha256=table["sha256"] or None,
    )
    log.info("%s: %d rows in %d pages from %s, content sha256 %s%s", query.table, record["rows"],
             len(record["data_pages"]), query.table_url, record["content_sha256"],
             " (as pinned)" if table["sha256"] else " (not pinned)")
