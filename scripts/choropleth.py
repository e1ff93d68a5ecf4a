"""Rule choropleth: a classed map of one indicator, flagged municipalities hatched."""

import geopandas as gpd
import pandas as pd

from afgehaakt import catalogue
from afgehaakt.labels import Labels
from afgehaakt.logs import step_log
from afgehaakt.manifest import script_job_provenance
from afgehaakt.plotting.maps import choropleth
from afgehaakt.plotting.style import embedded_provenance

with step_log(snakemake.log[0], "choropleth"), embedded_provenance(script_job_provenance(snakemake, __file__)):
    election = catalogue.election(snakemake.wildcards.election)
    name = snakemake.wildcards.indicator
    labels = Labels(snakemake.params.language)
    table = pd.read_parquet(snakemake.input.indicators).set_index("code")
    flagged = table["turnout_above_one"] if name == "turnout" else None
    choropleth(
        gpd.read_parquet(snakemake.input.boundaries),
        table[name],
        title=labels.variable(f"{name}_{election.id}"),
        legend_title=labels(f"unit.{name}"),
        source_line=labels.source(catalogue.sources(election.id, snakemake.params.boundary_year)),
        flagged=flagged,
        paths=[snakemake.output.png, snakemake.output.pdf],
        labels=labels,
        **snakemake.params.maps,
    )
