"""Rule statline_table: one StatLine table, from the snapshot CSV or the OData download, as the interim table."""

from afgehaakt.acquisition.interim import interim_statline_table
from afgehaakt.acquisition.membership import municipality_membership
from afgehaakt.logs import step_log
from afgehaakt.outputs import write_table
from afgehaakt.validation import require_year_coverage

with step_log(snakemake.log[0], "statline_table") as log:
    table = interim_statline_table(snakemake.wildcards.dataset, snakemake.params.route, snakemake.input.source)
    require_year_coverage(
        table["code"], path=snakemake.input.source, field="code", year=snakemake.params.year,
        boundary_year=snakemake.params.boundary_year,
        boundary_list=municipality_membership(snakemake.params.route, snakemake.input.municipalities),
        reference=snakemake.input.municipalities, matrix_path=(snakemake.input.crosswalk or [None])[0])
    log.info("%s: %d municipalities x %d columns from %s (%s route)", snakemake.wildcards.dataset, len(table),
             table.shape[1], snakemake.input.source, snakemake.params.route)
    write_table(table, snakemake.output.parquet)
