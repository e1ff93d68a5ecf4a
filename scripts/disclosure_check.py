"""Rule disclosure_check: scan results/ for small cells and individual-level records; fail the run otherwise."""

from afgehaakt.disclosure.scanner import scan_results
from afgehaakt.logs import step_log
from afgehaakt.outputs import atomic_path

with step_log(snakemake.log[0], "disclosure_check") as log:
    report = scan_results(
        snakemake.params.results_dir,
        threshold=snakemake.params.threshold,
        manifest=snakemake.input.manifest,
        microdata_rules=snakemake.params.microdata_rules,
        allow_individual_level=snakemake.params.allow_individual_level,
        raise_on_error=False,
    )
    log.info("%d files scanned, %d skipped, %d errors, %d warnings", len(report.scanned), len(report.skipped),
             len(report.errors), len(report.warnings))
    for finding in report.findings:
        log.warning("%s", finding)
    report.raise_for_errors()
    with atomic_path(snakemake.output.report) as temporary:
        temporary.write_text(report.to_json(), encoding="utf-8")
