"""Rule manifest: every output with its hashes, value fingerprint and the provenance of the job that made it."""

from afgehaakt.logs import step_log
from afgehaakt.manifest import build_manifest, check_findings_are_not_synthetic, manifest_table
from afgehaakt.outputs import write_json, write_table

with step_log(snakemake.log[0], "manifest") as log:
    manifest = build_manifest(snakemake.params.producers, results_dir=snakemake.params.results_dir,
                              jobs=snakemake.params.jobs, run=snakemake.params.run)
    log.info("%d outputs listed; commit %s (dirty: %s)", len(manifest["outputs"]), manifest["git"]["commit"],
             manifest["git"]["dirty"])
    log.info("%d synthetic sources: %s", len(manifest["synthetic_sources"]), manifest["synthetic_sources"])
    # A headline snippet or publication table built on synthetic data fails the run (provenance, not names).
    check_findings_are_not_synthetic(manifest, results_dir=snakemake.params.results_dir)
    write_json(manifest, snakemake.output.document)
    write_table(manifest_table(manifest), snakemake.output.table)
