"""Rule power_simulation: one scatter part of the power preview, a summary row per grid cell."""

import pandas as pd

from afgehaakt.logs import step_log
from afgehaakt.outputs import write_table
from afgehaakt.scatter import scatter_part
from afgehaakt.survey.power import PowerDesign, context_values, simulate_part

with step_log(snakemake.log[0], "power_simulation") as log:
    design = PowerDesign.from_config(snakemake.params.power, snakemake.params.design)
    context = context_values(pd.read_csv(snakemake.input.stacked, dtype={"code": str}), source=snakemake.input.stacked)
    part, parts = scatter_part(snakemake.wildcards.scatteritem)
    cells = simulate_part(context, design, part=part, parts=parts)
    log.info("part %d of %d: %d cells of %d replicates", part, parts, len(cells), design.replicates)
    write_table(cells, snakemake.output.part)
