"""Rule cluster_maps: LISA cluster maps (unadjusted and FDR) of one variable and statistic."""

import geopandas as gpd
import pandas as pd

from afgehaakt import catalogue
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
    first = chosen.iloc[0]
    cluster_maps(
        gpd.read_parquet(snakemake.input.boundaries),
        chosen,
        title=f"{snakemake.wildcards.statistic.replace('_', ' ')}: {first['variable']}",
        caption=(f"Conditional permutation, {first['permutations']} permutations, seed {first['seed']}, "
                 f"{first['alternative']}; alpha {first['alpha']}; FDR cut-off {first['fdr_cutoff']:.4g} "
                 f"(Benjamini-Hochberg); weights {first['weights']} ({first['transformation']})."),
        source_line=f"Source: {catalogue.FEATURE_ATTRIBUTION}; Kiesraad; "
        f"{catalogue.boundaries(snakemake.params.boundary_year).attribution}.",
        paths=[snakemake.output.png, snakemake.output.pdf],
    )
