"""Rule lisa_part: one scatter part of the LISA table, the permutation inference of a contiguous chunk of units."""

import pandas as pd

from afgehaakt.logs import step_log
from afgehaakt.outputs import write_table
from afgehaakt.scatter import scatter_part
from afgehaakt.spatial.analyses import (
    STACKED,
    analysis_table,
    election_column,
    graphs_from_edges,
    lisa_tables,
    unit_chunk,
)
from afgehaakt.spatial.conditional_permutation import use_threads

use_threads(snakemake.threads)

with step_log(snakemake.log[0], "lisa_part") as log:
    table = analysis_table(pd.read_parquet(snakemake.input.features),
                           pd.read_csv(snakemake.input.stacked, dtype={"code": str}))
    graph = graphs_from_edges({"queen": pd.read_parquet(snakemake.input.edges)}, list(table.index))["queen"]
    election = snakemake.params.focus_election
    variables = [election_column(v, election, table) for v in ("turnout", "outsider_share")] + [STACKED]
    part, parts = scatter_part(snakemake.wildcards.scatteritem)
    units = unit_chunk(len(table), part, parts)
    log.info("part %d of %d: units %d..%d of %d", part, parts, units[0], units[-1], len(table))
    result = lisa_tables(table, graph, weights_name="queen", variables=variables, bivariate_with=STACKED,
                         units=units, **snakemake.params.lisa)
    write_table(result, snakemake.output.part)
