"""Rule neighbourhood_lisa_part: one scatter part of the local statistics of the postcode areas (a contiguous
chunk of units; the gather adds the FDR labels over all of them)."""

import pandas as pd

from afgehaakt.logs import step_log
from afgehaakt.neighbourhoods import local_statistics
from afgehaakt.outputs import write_table
from afgehaakt.scatter import scatter_part
from afgehaakt.spatial.analyses import unit_chunk
from afgehaakt.spatial.conditional_permutation import use_threads

use_threads(snakemake.threads)

with step_log(snakemake.log[0], "neighbourhood_lisa_part") as log:
    areas = pd.read_parquet(snakemake.input.units)
    part, parts = scatter_part(snakemake.wildcards.scatteritem)
    units = unit_chunk(len(areas), part, parts)
    log.info("part %d of %d: units %d..%d of %d", part, parts, units[0], units[-1], len(areas))
    table = local_statistics(areas, pd.read_parquet(snakemake.input.edges), variables=snakemake.params.variables,
                             permutations=int(snakemake.wildcards.permutations), seed=snakemake.params.seed,
                             alpha=snakemake.params.alpha, units=units)
    write_table(table, snakemake.output.part)
