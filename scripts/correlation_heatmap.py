"""Rule correlation_heatmap: the Atlas's correlation table as a heatmap with 95% confidence intervals."""

import pandas as pd

from afgehaakt import catalogue
from afgehaakt.features.codebook import MUNICIPAL_INDICATORS
from afgehaakt.logs import step_log
from afgehaakt.manifest import script_job_provenance
from afgehaakt.plotting.panels import correlation_heatmap
from afgehaakt.plotting.style import embedded_provenance

with step_log(snakemake.log[0], "correlation_heatmap"), embedded_provenance(script_job_provenance(snakemake, __file__)):
    election = catalogue.election(snakemake.wildcards.election)
    labels = {d.name: d.label for d in MUNICIPAL_INDICATORS}
    labels |= {
        f"turnout_{election.id}": f"Turnout {election.label}",
        f"outsider_share_{election.id}": f"Outsider vote {election.label}",
        "stacked_disadvantage_mean_z": "Stacked disadvantage (mean z)",
        "stacked_disadvantage_count": "Domains in worst quartile",
    }
    correlation_heatmap(
        pd.read_csv(snakemake.input.table),
        labels,
        method="pearson",
        title=f"Municipal indicators, turnout and outsider vote, {election.label}",
        source_line=f"Source: {catalogue.FEATURE_ATTRIBUTION}; {election.attribution}.",
        paths=[snakemake.output.png, snakemake.output.pdf],
    )
