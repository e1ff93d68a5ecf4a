"""Rule global_moran: Moran's I of each indicator with analytical and permutation inference."""

import json

import pandas as pd

from afgehaakt.logs import step_log
from afgehaakt.outputs import write_table
from afgehaakt.spatial.autocorrelation import global_moran_table

with step_log(snakemake.log[0], "global_moran") as log:
    with open(snakemake.input.weights_summary, encoding="utf-8") as handle:
        weights_summary = json.load(handle)
    table = global_moran_table(
        pd.read_parquet(snakemake.input.indicators),
        pd.read_parquet(snakemake.input.edges),
        indicators=snakemake.params.indicators,
        weights_summary=weights_summary,
        transformation=snakemake.params.weights["transformation"],
        turnout_above_one=snakemake.params.turnout_above_one,
        **snakemake.params.moran,
    )
    for row in table.itertuples():
        log.info("%s: I=%.4f, p_perm=%.4g (%s)", row.variable, row.statistic, row.p_permutation, row.alternative)
    write_table(table, snakemake.output.table)
