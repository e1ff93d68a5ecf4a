"""Rule manifest: every output with its size, SHA-256, the rule that made it and the config hash."""

from afgehaakt.logs import step_log
from afgehaakt.outputs import write_table
from afgehaakt.provenance import build_manifest

with step_log(snakemake.log[0], "manifest") as log:
    manifest = build_manifest(snakemake.params.producers, config_digest=snakemake.params.config_sha256)
    log.info("%d outputs listed", len(manifest))
    write_table(manifest, snakemake.output.manifest)
