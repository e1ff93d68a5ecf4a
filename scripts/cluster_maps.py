"""Rule cluster_maps: LISA cluster maps (unadjusted and FDR) of one variable and statistic."""

import geopandas as gpd
import pandas as pd

from afgehaakt import catalogue
from afgehaakt.labels import Labels
from afgehaakt.logs import step_log
from afgehaakt.manifest import script_job_provenance
from afgehaakt.plotting.clusters import cluster_maps
from afgehaakt.plotting.style import embedded_provenance

with step_log(snakemake.log[0], "cluster_maps"), embedded_provenance(script_job_provenance(snakemake, __file__)):
    lisa = pd.read_csv(snakemake.input.lisa, dtype={"code": str})
    chosen = lisa[(lisa["statistic_name"] == snakemake.wildcards.statistic)
                  & (lisa["variable"].str.startswith(snakemake.wildcards.variable))]
    if chosen.empty:
        raise ValueError(f"no {snakemake.wildcards.statistic} rows for {snakemake.wildcards.variable}")
    labels = Labels(snakemake.params.language)
    cluster_maps(
        gpd.read_parquet(snakemake.input.boundaries),
        chosen,
        statistic=snakemake.wildcards.statistic,
        source_line=labels.source(f"{catalogue.FEATURE_ATTRIBUTION}; Kiesraad; "
                                  f"{catalogue.boundaries(snakemake.params.boundary_year).attribution}."),
        paths=[snakemake.output.png, snakemake.output.pdf],
        labels=labels,
    )
