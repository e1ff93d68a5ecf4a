"""Rule harmonise_election: one election's counts moved to the boundary year through the merger history."""

import pandas as pd

from afgehaakt.features.election_schemas import harmonised_totals_schema
from afgehaakt.features.harmonise import election_history_conversion, harmonise_results
from afgehaakt.io.kiesraad import MunicipalResults
from afgehaakt.io.merger_history import read_address_pairs, read_merger_history
from afgehaakt.logs import step_log
from afgehaakt.outputs import write_table

with step_log(snakemake.log[0], "harmonise_election") as log:
    municipalities = pd.read_parquet(snakemake.input.municipalities)
    results = MunicipalResults(
        totals=pd.read_parquet(snakemake.input.totals),
        party_votes=pd.read_parquet(snakemake.input.party_votes),
        excluded=pd.DataFrame(),
    )
    conversion = election_history_conversion(
        results,
        election_date=snakemake.params.election_date,
        target_year=snakemake.params.target_year,
        target_codes=list(municipalities["code"]),
        history=read_merger_history(snakemake.input.merger_events, snakemake.input.merger_lists),
        addresses=read_address_pairs(snakemake.input.merger_addresses),
    )
    harmonised = harmonise_results(results, conversion, municipalities)
    log.info(
        "%d municipalities of %d -> %d of %d; conversions: %s; eligible %.0f -> %.0f",
        len(results.totals),
        snakemake.params.source_year,
        len(harmonised.totals),
        snakemake.params.target_year,
        conversion["kind"].value_counts().to_dict(),
        results.totals["eligible"].sum(),
        harmonised.totals["eligible"].sum(),
    )
    harmonised_totals_schema(snakemake.wildcards.election).validate(harmonised.totals)
    write_table(harmonised.totals, snakemake.output.totals)
    write_table(harmonised.party_votes, snakemake.output.party_votes)
    write_table(conversion.assign(dataset=snakemake.wildcards.election), snakemake.output.conversions)
