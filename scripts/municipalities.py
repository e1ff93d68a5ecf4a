"""Rule municipalities: the CBS list of municipalities of the boundary year, checked against the boundaries."""

import geopandas as gpd

from afgehaakt.features.harmonise import read_municipalities
from afgehaakt.logs import step_log
from afgehaakt.outputs import write_table
from afgehaakt.validation import require_same_municipalities

with step_log(snakemake.log[0], "municipalities") as log:
    municipalities = read_municipalities(snakemake.input.csv)
    boundaries = gpd.read_parquet(snakemake.input.boundaries)
    require_same_municipalities(municipalities, boundaries, left="CBS list", right="boundaries")
    log.info("%d municipalities, equal to the boundaries' codes", len(municipalities))
    write_table(municipalities, snakemake.output.parquet)
