"""Rule correlations: indicators against one election's turnout and outsider share, with naive 95% CIs and
Dutilleul's effective-sample-size CIs beside them."""

import geopandas as gpd
import pandas as pd

from afgehaakt.features.correlations import correlation_table
from afgehaakt.features.municipal import indicator_columns
from afgehaakt.logs import step_log
from afgehaakt.outputs import write_table
from afgehaakt.spatial.distance_weights import municipal_centroids

with step_log(snakemake.log[0], "correlations") as log:
    election = snakemake.wildcards.election
    stacked = pd.read_csv(snakemake.input.stacked, dtype={"code": str})[["code", "mean_z", "domains_worst_quartile"]]
    table = pd.read_parquet(snakemake.input.features).merge(
        stacked.rename(columns={"mean_z": "stacked_disadvantage_mean_z",
                                "domains_worst_quartile": "stacked_disadvantage_count"}).astype({"code": "string"}),
        on="code",
        how="left",
        validate="1:1",
    )
    indicators = [*indicator_columns(), "stacked_disadvantage_mean_z", "stacked_disadvantage_count"]
    outcomes = [f"{outcome}_{election}" for outcome in snakemake.params.outcomes]
    centroids = municipal_centroids(gpd.read_parquet(snakemake.input.boundaries), id_column="code")
    correlations = correlation_table(table, indicators, outcomes, centroids=centroids)
    log.info("%d coefficients; pairs with missing values: %d", len(correlations),
             int((correlations["excluded_missing"] > 0).sum()))
    write_table(correlations, snakemake.output.table)
