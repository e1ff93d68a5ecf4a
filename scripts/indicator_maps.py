"""Rule indicator_maps: small-multiple maps of the municipal indicators and the stacked-disadvantage index."""

import geopandas as gpd
import pandas as pd

from afgehaakt import catalogue
from afgehaakt.features.codebook import MUNICIPAL_INDICATORS, IndicatorDefinition
from afgehaakt.labels import Labels
from afgehaakt.logs import step_log
from afgehaakt.manifest import script_job_provenance
from afgehaakt.plotting.panels import small_multiples
from afgehaakt.plotting.style import embedded_provenance

STACKED = IndicatorDefinition(
    "stacked_disadvantage_mean_z", "Stacked disadvantage", "mean of oriented z-scores of the domains",
    "this pipeline", "", 2020, "mean z-score (higher = worse)", "high", False,
)

with step_log(snakemake.log[0], "indicator_maps"), embedded_provenance(script_job_provenance(snakemake, __file__)):
    labels = Labels(snakemake.params.language)
    stacked = pd.read_csv(snakemake.input.stacked, dtype={"code": str})[["code", "mean_z"]]
    table = pd.read_parquet(snakemake.input.features).merge(
        stacked.rename(columns={"mean_z": STACKED.name}).astype({"code": "string"}), on="code", how="left"
    )
    definitions = [d for d in MUNICIPAL_INDICATORS if d.name != "poor_health_share_2016"] + [STACKED]
    small_multiples(
        gpd.read_parquet(snakemake.input.boundaries),
        table,
        definitions,
        scheme=snakemake.params.maps["scheme"],
        k=snakemake.params.maps["k"],
        colormap=snakemake.params.maps["colormap"],
        boundary_year=snakemake.params.boundary_year,
        source_line=labels.source(f"{catalogue.FEATURE_ATTRIBUTION}; "
                                  f"{catalogue.boundaries(snakemake.params.boundary_year).attribution}; "
                                  f"{catalogue.CROSSWALK_ATTRIBUTION}."),
        paths=[snakemake.output.png, snakemake.output.pdf],
        labels=labels,
    )
