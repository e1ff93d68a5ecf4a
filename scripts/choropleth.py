"""Rule choropleth: a classed map of one indicator, flagged municipalities hatched."""

import geopandas as gpd
import pandas as pd

from afgehaakt import catalogue
from afgehaakt.logs import step_log
from afgehaakt.plotting.maps import choropleth

with step_log(snakemake.log[0], "choropleth"):
    election = catalogue.election(snakemake.wildcards.election)
    indicator = catalogue.INDICATORS[snakemake.wildcards.indicator]
    table = pd.read_parquet(snakemake.input.indicators).set_index("code")
    flagged = table["turnout_above_one"] if indicator.name == "turnout" else None
    choropleth(
        gpd.read_parquet(snakemake.input.boundaries),
        table[indicator.name],
        title=f"{indicator.label}, {election.label}",
        legend_title=indicator.unit,
        source_line=catalogue.source_line(election.id, snakemake.params.boundary_year),
        flagged=flagged,
        paths=[snakemake.output.png, snakemake.output.pdf],
        **snakemake.params.maps,
    )
