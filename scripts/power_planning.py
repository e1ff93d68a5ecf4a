"""Rule power_planning (`make power`, not in the default run): the planning grid, checked, and the design it
recommends."""

import time

import pandas as pd

from afgehaakt.logs import step_log
from afgehaakt.outputs import write_table
from afgehaakt.survey.power import PowerDesign, check_power_table, context_values, power_table, recommend_design

with step_log(snakemake.log[0], "power_planning") as log:
    settings = snakemake.params.power
    design = PowerDesign.from_config(settings, "planning")
    context = context_values(pd.read_csv(snakemake.input.stacked, dtype={"code": str}), source=snakemake.input.stacked)
    started = time.process_time()
    table = power_table(context, design)
    log.info("%d cells x %d replicates in %.1f s of CPU", len(table), design.replicates,
             time.process_time() - started)
    # The job fails rather than write a table a planner could misread: SE, type-I error and monotonicity.
    check_power_table(table)
    recommended = recommend_design(table, **settings["recommend"])
    log.info("recommended: %s", recommended.to_dict("records"))
    write_table(table, snakemake.output.table)
    write_table(recommended, snakemake.output.recommended)
