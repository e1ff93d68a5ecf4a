"""Rule municipalities: the CBS municipalities of the boundary year with their province (from the snapshot's list
or Gebieden in Nederland online), checked against the boundaries."""

import geopandas as gpd

from afgehaakt.acquisition.membership import municipality_membership
from afgehaakt.logs import step_log
from afgehaakt.outputs import write_table
from afgehaakt.validation import require_coverage

with step_log(snakemake.log[0], "municipalities") as log:
    municipalities = municipality_membership(snakemake.params.route, snakemake.input.source)
    boundaries = gpd.read_parquet(snakemake.input.boundaries)
    require_coverage(boundaries["code"], municipalities, path=snakemake.params.boundaries_file,
                     year=snakemake.params.year, field="code", reference=snakemake.input.source)
    log.info("%d municipalities from %s (%s route), equal to the boundaries' codes", len(municipalities),
             snakemake.input.source, snakemake.params.route)
    write_table(municipalities, snakemake.output.parquet)
