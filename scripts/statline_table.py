"""Rule statline_table: one StatLine table, from the snapshot CSV or the OData download, as the interim table."""

from afgehaakt.acquisition.interim import interim_statline_table
from afgehaakt.logs import step_log
from afgehaakt.outputs import write_table

with step_log(snakemake.log[0], "statline_table") as log:
    table = interim_statline_table(snakemake.wildcards.dataset, snakemake.params.route, snakemake.input.source)
    log.info("%s: %d municipalities x %d columns from %s (%s route)", snakemake.wildcards.dataset, len(table),
             table.shape[1], snakemake.input.source, snakemake.params.route)
    write_table(table, snakemake.output.parquet)
