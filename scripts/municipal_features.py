"""Rule municipal_features: every municipal indicator on the boundary year, with the codebook."""

import pandas as pd

from afgehaakt import catalogue
from afgehaakt.features.codebook import MUNICIPAL_INDICATORS, codebook_table, election_indicators
from afgehaakt.features.features_table import build_features_from_tables
from afgehaakt.logs import step_log
from afgehaakt.outputs import write_table

with step_log(snakemake.log[0], "municipal_features") as log:
    elections = {
        election: pd.read_parquet(path)
        for election, path in zip(snakemake.params.elections, snakemake.input.elections, strict=True)
    }
    statline = {name: pd.read_parquet(getattr(snakemake.input, name))
                for name in ("kwb2020", "kwb2021", "population2021", "health2020", "health2016")}
    features, conversions = build_features_from_tables(
        **statline,
        crosswalk2020_path=snakemake.input.crosswalk2020,
        municipalities=pd.read_parquet(snakemake.input.municipalities),
        edges=pd.read_parquet(snakemake.input.edges),
        elections=elections,
        missing_values=snakemake.params.missing_values,
    )
    log.info("%d municipalities x %d columns; %d cells treated for missing values",
             len(features.table), features.table.shape[1], len(features.imputed))
    definitions = MUNICIPAL_INDICATORS + tuple(
        d
        for election in snakemake.params.elections
        for d in election_indicators(election, catalogue.election(election).label,
                                     int(catalogue.election(election).date[:4]),
                                     catalogue.election(election).attribution)
    )
    write_table(features.table, snakemake.output.parquet)
    write_table(features.table, snakemake.output.csv)
    write_table(features.imputed, snakemake.output.imputed)
    write_table(conversions, snakemake.output.conversions)
    write_table(codebook_table(definitions), snakemake.output.codebook)
