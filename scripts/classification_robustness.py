"""Rule classification_robustness: headline results under the Atlas six and the extended outsider classification."""

import json

import pandas as pd

from afgehaakt.features.classification_robustness import classification_robustness
from afgehaakt.logs import step_log
from afgehaakt.outputs import write_table

with step_log(snakemake.log[0], "classification_robustness") as log:
    with open(snakemake.input.weights_summary, encoding="utf-8") as handle:
        weights_summary = json.load(handle)
    parties = snakemake.params.parties
    table = classification_robustness(
        {election: pd.read_parquet(path) for election, path in zip(snakemake.params.elections,
                                                                   snakemake.input.elections, strict=True)},
        pd.read_csv(snakemake.input.stacked, dtype={"code": str}),
        pd.read_parquet(snakemake.input.edges),
        classifications=list(parties["outsider_classifications"]),
        in_use=parties["outsider_classification"],
        weights_summary=weights_summary,
        transformation=snakemake.params.weights["transformation"],
        turnout_above_one=snakemake.params.turnout_above_one,
        **snakemake.params.moran,
    )
    for row in table.itertuples():
        log.info("%s %s: national %.4f, Moran's I %.4f (p %.4g), r(stacked) %.3f", row.election, row.classification,
                 row.national_share, row.moran_i, row.moran_p_permutation, row.r_stacked_disadvantage)
    write_table(table, snakemake.output.table)
