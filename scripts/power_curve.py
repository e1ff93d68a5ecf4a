"""Rule power_curve: the power curve of the follow-up survey (PNG and PDF)."""

import pandas as pd

from afgehaakt import catalogue
from afgehaakt.logs import step_log
from afgehaakt.plotting.power import power_curve

with step_log(snakemake.log[0], "power_curve"):
    power_curve(pd.read_csv(snakemake.input.table),
                source_line="Simulated surveys in the 2021 municipalities; context: stacked-disadvantage index "
                            f"(source: {catalogue.FEATURE_ATTRIBUTION}).",
                paths=[snakemake.output.png, snakemake.output.pdf])
