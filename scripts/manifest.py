"""Rule manifest: every output with its hashes, value fingerprint and the provenance of the job that made it."""

from afgehaakt.logs import step_log
from afgehaakt.manifest import build_manifest, manifest_table
from afgehaakt.outputs import write_json, write_table

with step_log(snakemake.log[0], "manifest") as log:
    manifest = build_manifest(snakemake.params.producers, results_dir=snakemake.params.results_dir,
                              jobs=snakemake.params.jobs, run=snakemake.params.run)
    log.info("%d outputs listed; commit %s (dirty: %s)", len(manifest["outputs"]), manifest["git"]["commit"],
             manifest["git"]["dirty"])
    write_json(manifest, snakemake.output.document)
    write_table(manifest_table(manifest), snakemake.output.table)
