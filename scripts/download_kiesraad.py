"""Rule download_kiesraad: the per-municipality results CSV of one election, checked before it lands."""

from afgehaakt.acquisition.kiesraad import download_kiesraad_results
from afgehaakt.acquisition.workflow import downloader_from_settings
from afgehaakt.logs import step_log

with step_log(snakemake.log[0], "download_kiesraad") as log:
    download = snakemake.params.download
    record = download_kiesraad_results(
        download["url"],
        snakemake.output.csv,
        expected_sha256=download["sha256"] or None,
        downloader=downloader_from_settings(snakemake.params.http),
    )
    log.info("%s: %d bytes, sha256 %s%s, after %d attempt(s)", record.final_url, record.bytes, record.sha256,
             " (as pinned)" if download["sha256"] else " (not pinned)", record.attempts)
