"""Rule mgwr_maps: MGWR local coefficients of one outcome, one map per term, non-significant units in grey."""

import geopandas as gpd
import pandas as pd

from afgehaakt import catalogue
from afgehaakt.labels import Labels
from afgehaakt.logs import step_log
from afgehaakt.manifest import script_job_provenance
from afgehaakt.plotting.clusters import mgwr_maps
from afgehaakt.plotting.style import embedded_provenance

with step_log(snakemake.log[0], "mgwr_maps"), embedded_provenance(script_job_provenance(snakemake, __file__)):
    labels = Labels(snakemake.params.language)
    select = lambda frame: frame[frame["outcome"].str.startswith(snakemake.wildcards.outcome)]  # noqa: E731
    local = select(pd.read_csv(snakemake.input.local, dtype={"code": str}))
    bandwidths = select(pd.read_csv(snakemake.input.bandwidths))
    mgwr_maps(gpd.read_parquet(snakemake.input.boundaries), local, bandwidths,
              source_line=labels.source(f"{catalogue.FEATURE_ATTRIBUTION}; Kiesraad; "
                                        f"{catalogue.boundaries(snakemake.params.boundary_year).attribution}."),
              paths=[snakemake.output.png, snakemake.output.pdf], labels=labels)
