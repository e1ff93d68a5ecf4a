"""Rule correlation_heatmap: the Atlas's correlation table as a heatmap with 95% confidence intervals."""

import pandas as pd

from afgehaakt import catalogue
from afgehaakt.labels import Labels
from afgehaakt.logs import step_log
from afgehaakt.manifest import script_job_provenance
from afgehaakt.plotting.panels import correlation_heatmap
from afgehaakt.plotting.style import embedded_provenance

with step_log(snakemake.log[0], "correlation_heatmap"), embedded_provenance(script_job_provenance(snakemake, __file__)):
    election = catalogue.election(snakemake.wildcards.election)
    labels = Labels(snakemake.params.language)
    correlation_heatmap(
        pd.read_csv(snakemake.input.table),
        method="pearson",
        election_label=election.label,
        source_line=labels.source(f"{catalogue.FEATURE_ATTRIBUTION}; {election.attribution}."),
        paths=[snakemake.output.png, snakemake.output.pdf],
        labels=labels,
    )
