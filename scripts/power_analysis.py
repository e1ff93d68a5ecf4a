"""Rule power_analysis: the power PREVIEW of the default run, gathered from the simulation parts."""

import pandas as pd

from afgehaakt.logs import step_log
from afgehaakt.outputs import write_table
from afgehaakt.survey.power import PowerDesign, gather_parts

with step_log(snakemake.log[0], "power_analysis") as log:
    design = PowerDesign.from_config(snakemake.params.power, snakemake.params.design)
    table = gather_parts([pd.read_parquet(path) for path in snakemake.input.parts], design)
    for row in table.itertuples():
        log.info("preview %s J=%d icc=%g n=%d effect=%g: %s %.3f (MC SE %.3f; analytical %.3f)", row.term,
                 row.municipalities, row.icc, row.respondents_per_municipality, row.effect, row.quantity, row.power,
                 row.monte_carlo_se, row.analytical_power)
    write_table(table, snakemake.output.table)
