"""Rule local_democracy: local-party share (GR2022, GR2026), GR2022 turnout and its gap to TK on the boundary year."""

import pandas as pd

from afgehaakt.features.local_democracy import COUNCIL_ELECTIONS, local_democracy_tables
from afgehaakt.features.local_parties import classify_council_lists, overrides_from_config
from afgehaakt.io.council import read_council_results, read_council_turnout
from afgehaakt.io.merger_history import read_address_pairs, read_merger_history
from afgehaakt.logs import step_log
from afgehaakt.outputs import write_table
from afgehaakt.parties import classification_from_config

with step_log(snakemake.log[0], "local_democracy") as log:
    settings = snakemake.params.settings
    results = pd.concat([read_council_results(path, election=election)
                         for election, path in zip(COUNCIL_ELECTIONS, snakemake.input.council)], ignore_index=True)
    lists = classify_council_lists(results, classification_from_config(snakemake.params.parties),
                                   overrides_from_config(settings["list_overrides"]))
    history = read_merger_history(snakemake.input.merger_events, snakemake.input.merger_lists)
    addresses = read_address_pairs(snakemake.input.merger_addresses)
    target = snakemake.params.target_year
    conversions = {e: history.conversion(c.coded_year, target, addresses=addresses) for e, c in COUNCIL_ELECTIONS.items()}
    source_codes = {e: history.codes(c.coded_year) for e, c in COUNCIL_ELECTIONS.items()}
    national = dict(zip(settings["turnout_comparison"]["gr2022"], (pd.read_parquet(p) for p in snakemake.input.national)))
    tables = local_democracy_tables(results, read_council_turnout(snakemake.input.turnout), lists, conversions,
                                    source_codes, national, pd.read_parquet(snakemake.input.municipalities))
    log.info("lists: %s", lists.groupby(["election", "kind"]).size().to_dict())
    log.info("local share:\n%s", tables.share_summary.to_string())
    log.info("TK-GR turnout gap:\n%s", tables.gap_summary.to_string())
    log.info("not mapped: %s", tables.unmapped.groupby(["election", "measure"]).size().to_dict())
    for name in ("lists", "native", "local", "gap", "unmapped", "share_summary", "gap_summary"):
        write_table(getattr(tables, name), getattr(snakemake.output, name))
