"""Rule power_simulation: one scatter part of the power simulation, every replicate's test and fit diagnostics."""

import pandas as pd

from afgehaakt.logs import step_log
from afgehaakt.outputs import write_table
from afgehaakt.scatter import scatter_part
from afgehaakt.survey.power import PowerDesign, context_values, simulate_part

with step_log(snakemake.log[0], "power_simulation") as log:
    design = PowerDesign.from_config(snakemake.params.power)
    context = context_values(pd.read_csv(snakemake.input.stacked, dtype={"code": str}), design,
                             source=snakemake.input.stacked)
    part, parts = scatter_part(snakemake.wildcards.scatteritem)
    replicates = simulate_part(context, design, part=part, parts=parts)
    log.info("part %d of %d: %d replicates in %d municipalities, %d convergence failures", part, parts,
             len(replicates), len(context), int((~replicates["converged"]).sum()))
    write_table(replicates, snakemake.output.part)
