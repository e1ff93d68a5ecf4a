"""Rules download_kiesraad and download_kiesraad_count_file: one Kiesraad file, checked by its reader before it lands."""

from afgehaakt.acquisition.kiesraad import download_configured
from afgehaakt.acquisition.workflow import downloader_from_settings
from afgehaakt.logs import step_log

with step_log(snakemake.log[0], snakemake.rule) as log:
    download = snakemake.params.download
    record = download_configured(snakemake.params.kind, download, snakemake.output.csv,
                                 downloader=downloader_from_settings(snakemake.params.http))
    log.info("%s: %d bytes, sha256 %s%s, after %d attempt(s)", record.final_url, record.bytes, record.sha256,
             " (as pinned)" if download["sha256"] else " (not pinned)", record.attempts)
