"""Rule power_analysis: the power table (with the type-I error at effect 0) gathered from the simulation parts."""

import pandas as pd

from afgehaakt.logs import step_log
from afgehaakt.outputs import write_table
from afgehaakt.survey.power import PowerDesign, context_values, gather_parts, power_table

with step_log(snakemake.log[0], "power_analysis") as log:
    design = PowerDesign.from_config(snakemake.params.power)
    context = context_values(pd.read_csv(snakemake.input.stacked, dtype={"code": str}), design,
                             source=snakemake.input.stacked)
    replicates = gather_parts([pd.read_parquet(path) for path in snakemake.input.parts], design)
    table = power_table(replicates, design, context)
    for row in table.itertuples():
        log.info("n=%d effect=%g: %s %.3f [%.3f, %.3f] (analytical %.3f), %d convergence failures",
                 row.respondents_per_municipality, row.effect, row.quantity, row.power, row.ci95_low, row.ci95_high,
                 row.analytical_power, row.convergence_failures)
    write_table(replicates, snakemake.output.replicates)
    write_table(table, snakemake.output.table)
