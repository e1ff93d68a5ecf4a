"""Rules power_curve and power_planning_curve: power curves of the follow-up survey (PNG and PDF)."""

import pandas as pd

from afgehaakt import catalogue
from afgehaakt.labels import Labels
from afgehaakt.logs import step_log
from afgehaakt.manifest import script_job_provenance
from afgehaakt.plotting.power import power_curve
from afgehaakt.plotting.style import embedded_provenance

with step_log(snakemake.log[0], "power_curve"), embedded_provenance(script_job_provenance(snakemake, __file__)):
    labels = Labels(snakemake.params.language)
    power_curve(pd.read_csv(snakemake.input.table), icc=snakemake.params.icc,
                source_line=labels("fig.power.source", attribution=catalogue.FEATURE_ATTRIBUTION),
                paths=[snakemake.output.png, snakemake.output.pdf], labels=labels)
