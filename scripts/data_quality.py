"""Rule data_quality: missing values and their treatment, flags, extremes and conversions, as a report."""

import pandas as pd

from afgehaakt.features import quality
from afgehaakt.features.municipal import indicator_columns
from afgehaakt.logs import step_log
from afgehaakt.outputs import atomic_path, write_table

with step_log(snakemake.log[0], "data_quality") as log:
    features = pd.read_parquet(snakemake.input.features)
    imputed = pd.read_csv(snakemake.input.imputed, dtype={"code": str})
    raw = features.copy()
    for row in imputed.itertuples():
        raw.loc[raw["code"] == row.code, row.indicator] = float("nan")
    elections = {e: pd.read_parquet(p) for e, p in zip(snakemake.params.elections, snakemake.input.elections,
                                                        strict=True)}
    conversions = pd.concat(
        [pd.read_csv(p, dtype={"source": str, "target": str})
         for p in [snakemake.input.statline_conversions, *snakemake.input.election_conversions]],
        ignore_index=True,
    )
    excluded = pd.concat(
        [pd.read_csv(p).assign(election=e) for e, p in zip(snakemake.params.elections, snakemake.input.excluded,
                                                             strict=True)],
        ignore_index=True,
    )
    stacked = pd.read_csv(snakemake.input.stacked, dtype={"code": str})
    series = {e: pd.read_parquet(p) for e, p in zip(snakemake.params.series, snakemake.input.series, strict=True)}
    changes = quality.anomalous_changes(series, ["turnout", "outsider_share"])
    sections = {
        "Missing values": quality.missing_values(raw, imputed, indicator_columns()),
        "Treated cells": imputed,
        "Turnout above 100%": quality.turnout_above_one(elections),
        "Extreme values": quality.extreme_values(features, indicator_columns()),
        "Municipalities merged, split or recoded": quality.converted_municipalities(conversions),
        "Rows excluded from the election files": excluded,
        "Municipalities without a stacked-disadvantage score": stacked.loc[stacked["mean_z"].isna(), ["code"]],
        "Anomalous changes between consecutive elections": changes,
    }
    notes = {
        "Missing values": f"Policy for missing values: {snakemake.params.missing_values}.",
        "Turnout above 100%": "Kept in the tables and flagged; statistics follow `indicators.turnout_above_one`.",
        "Extreme values": f"Robust z (median, 1.4826 x MAD) above {quality.EXTREME_ROBUST_Z}; kept and listed.",
        "Municipalities merged, split or recoded": "Elections: the merger history 1998-2025 (RvIG Tabel 33), "
        "splits and back-mapped mergers weighted by addresses (2016-2024); splits before 2016 go whole to the named "
        "successor. KWB/RIVM 2020: address-share weights of the crosswalk. Counts are moved, shares recomputed "
        "(RIVM percentages population-weighted).",
        "Rows excluded from the election files": "Caribbean public bodies and postal-vote bureaus (votes from "
        "abroad: TK2006 G9999, TK2025 G9010) are not municipalities.",
        "Anomalous changes between consecutive elections": "Change in turnout or outsider share between consecutive "
        f"Tweede Kamer elections of the series ({', '.join(series)}), on the same boundaries; robust z of the change "
        f"(median, 1.4826 x MAD of all municipalities' changes) above {quality.EXTREME_ROBUST_Z}; kept and listed "
        "so that a counting or data problem is seen before it enters a model.",
    }
    report = quality.markdown_report(target_year=snakemake.params.target_year, sections=sections, notes=notes)
    with atomic_path(snakemake.output.report) as temporary:
        temporary.write_text(report, encoding="utf-8")
    write_table(sections["Missing values"], snakemake.output.missing)
    write_table(sections["Extreme values"], snakemake.output.extremes)
    write_table(changes, snakemake.output.changes)
    write_table(sections["Turnout above 100%"], snakemake.output.turnout)
    write_table(sections["Municipalities merged, split or recoded"], snakemake.output.converted)
    log.info("report sections: %s", {title: len(frame) for title, frame in sections.items()})
