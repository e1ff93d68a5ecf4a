"""Rule election_indicators: turnout and party-group shares per municipality, with the party classification."""

import pandas as pd

from afgehaakt.elections import election_indicators, parties_absent
from afgehaakt.features.election_schemas import election_indicators_schema
from afgehaakt.logs import step_log
from afgehaakt.outputs import write_table
from afgehaakt.parties import classification_from_config

with step_log(snakemake.log[0], "election_indicators") as log:
    classification = classification_from_config(snakemake.params.parties)
    party_votes = pd.read_parquet(snakemake.input.party_votes)
    classification.require_classified(party_votes["list_name"], election=snakemake.wildcards.election)
    groups = classification.groups()
    indicators = election_indicators(
        pd.read_parquet(snakemake.input.totals),
        party_votes,
        party_groups=groups,
    )
    for group, parties in groups.items():
        absent = parties_absent(indicators.party_classification, parties)
        if absent:
            log.warning("configured %s parties not on this ballot: %s", group, ", ".join(absent))
    election_indicators_schema(snakemake.wildcards.election, list(groups)).validate(indicators.table)
    flagged = indicators.table[indicators.table["turnout_above_one"]]
    log.info("turnout above 1 (flagged): %s", ", ".join(f"{r.name} {r.turnout:.4f}" for r in flagged.itertuples()))
    write_table(indicators.table, snakemake.output.parquet)
    write_table(indicators.table, snakemake.output.csv)
    write_table(indicators.party_classification, snakemake.output.parties)
