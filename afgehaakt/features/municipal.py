"""Municipal indicators on the target boundary year, from the CBS, RIVM and election tables.

Counts are moved through the crosswalk and shares recomputed from moved numerators and denominators; published
percentages without counts (the RIVM health monitor) are averaged with population weights. Missing values are
treated by a named policy and every treated cell is reported, so that nothing changes unseen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from afgehaakt.features.codebook import MUNICIPAL_INDICATORS
from afgehaakt.features.crosswalk import move_counts, move_rates

MissingPolicy = Literal["neighbour_mean", "none"]


@dataclass(frozen=True)
class MunicipalFeatures:
    """``table``: one row per municipality; ``imputed``: every cell the missing-value policy filled."""

    table: pd.DataFrame
    imputed: pd.DataFrame


def kwb_indicators(kwb2020: pd.DataFrame, conversion: pd.DataFrame) -> pd.DataFrame:
    """Education, income and social assistance from KWB 2020, moved to the target year as counts."""
    frame = kwb2020.copy()
    has_income = frame["income_per_inhabitant"].notna()
    frame["income_total"] = frame["income_per_inhabitant"] * frame["inhabitants"]
    frame["inhabitants_with_income"] = frame["inhabitants"].where(has_income, 0)
    has_low_income = frame["low_income_households_pct"].notna()
    frame["low_income_households"] = frame["low_income_households_pct"] / 100 * frame["households"]
    frame["households_with_income"] = frame["households"].where(has_low_income, 0)
    # The national lowest 40% and highest 20% of personal incomes as counts of income recipients, so that the
    # middle groups (the rest) are recomputed after moving.
    has_bands = frame["lowest_40_persons_pct"].notna() & frame["highest_20_persons_pct"].notna()
    frame["recipients_with_bands"] = frame["income_recipients"].where(has_bands, 0)
    frame["lowest_40_persons"] = (frame["lowest_40_persons_pct"] / 100 * frame["income_recipients"]).where(has_bands, 0)
    frame["highest_20_persons"] = (frame["highest_20_persons_pct"] / 100 * frame["income_recipients"]).where(has_bands, 0)
    counts = ["inhabitants", "households", "education_low", "education_middle", "education_high",
              "income_total", "inhabitants_with_income", "low_income_households", "households_with_income",
              "recipients_with_bands", "lowest_40_persons", "highest_20_persons", "social_assistance_benefits"]
    moved = move_counts(frame[["code", *counts]], conversion, counts)
    known_level = moved[["education_low", "education_middle", "education_high"]].sum(axis=1)
    recipients = moved["recipients_with_bands"].replace(0, np.nan)
    return pd.DataFrame(
        {
            "code": moved["code"],
            "inhabitants_2020": moved["inhabitants"],
            "low_education_share": moved["education_low"] / known_level,
            "income_per_inhabitant": moved["income_total"] / moved["inhabitants_with_income"].replace(0, np.nan),
            "low_income_households_share": moved["low_income_households"]
            / moved["households_with_income"].replace(0, np.nan),
            "lowest_40_income_share": moved["lowest_40_persons"] / recipients,
            "middle_income_share": (recipients - moved["lowest_40_persons"] - moved["highest_20_persons"]) / recipients,
            "social_assistance_per_1000": 1000 * moved["social_assistance_benefits"] / moved["inhabitants"],
        }
    )


def health_indicators(health: pd.DataFrame, population: pd.DataFrame, conversion: pd.DataFrame) -> pd.DataFrame:
    """RIVM percentages as shares on the target year, weighted by inhabitants (source year's boundaries)."""
    frame = health.merge(population[["code", "inhabitants"]], on="code", how="left", validate="1:1")
    if frame["inhabitants"].isna().any():
        raise ValueError(f"no population weight for {frame.loc[frame['inhabitants'].isna(), 'code'].tolist()[:5]}")
    rates = ["good_health_pct", "lonely_pct", "severely_lonely_pct", "volunteering_pct",
             "difficulty_making_ends_meet_pct"]
    moved = move_rates(frame, conversion, rates, weight="inhabitants")
    return pd.DataFrame(
        {
            "code": moved["code"],
            "poor_health_share": (100 - moved["good_health_pct"]) / 100,
            "lonely_share": moved["lonely_pct"] / 100,
            "severely_lonely_share": moved["severely_lonely_pct"] / 100,
            "volunteering_share": moved["volunteering_pct"] / 100,
            "difficulty_making_ends_meet_share": moved["difficulty_making_ends_meet_pct"] / 100,
        }
    )


def population_indicators(population2021: pd.DataFrame, kwb2021: pd.DataFrame) -> pd.DataFrame:
    """Age, migration background and urbanity on the 2021 boundaries (no conversion needed).

    ``population2021`` is the interim 70072NED table (:mod:`afgehaakt.acquisition.population`), the same
    whether it came from the snapshot or from StatLine.
    """
    population = population2021["population"].astype("float64")
    age = population2021.assign(
        aged_65_plus_share=(population2021["age_65_79"] + population2021["age_80_plus"]).astype("float64")
        / population,
        non_western_share=population2021["non_western_migration_background"].astype("float64") / population,
    )
    return age[["code", "population", "aged_65_plus_share", "non_western_share"]].merge(
        urbanity_from_cbs_class(kwb2021)[["code", "urbanity", "population_density"]], on="code", how="outer",
        validate="1:1",
    )


URBANITY_CLASSES = 5


def urbanity_from_cbs_class(kwb: pd.DataFrame) -> pd.DataFrame:
    """CBS's *mate van stedelijkheid* (1 = very strongly urban ... 5 = not urban) reversed so that the name
    ``urbanity`` reads the right way: 5 = very strongly urban ... 1 = not urban (a positive coefficient means
    more urban)."""
    return kwb.assign(urbanity=(URBANITY_CLASSES + 1) - kwb["urbanity"])


def combine(parts: list[pd.DataFrame], municipalities: pd.DataFrame) -> pd.DataFrame:
    """Join the parts on code; every part must cover exactly the target municipalities."""
    table = municipalities[["code", "gm_code", "name", "province"]].copy()
    expected = set(table["code"])
    for part in parts:
        got = set(part["code"])
        if got != expected:
            raise ValueError(
                f"columns {list(part.columns[1:4])}: municipalities differ from the target year: "
                f"missing {sorted(expected - got)[:5]}, extra {sorted(got - expected)[:5]}"
            )
        table = table.merge(part.astype({"code": "string"}), on="code", how="left", validate="1:1")
    return table.sort_values("code", kind="stable").reset_index(drop=True)


def treat_missing(table: pd.DataFrame, edges: pd.DataFrame, *, policy: MissingPolicy,
                  columns: list[str]) -> MunicipalFeatures:
    """Fill missing indicator values by the mean of the contiguity neighbours that have a value, or leave them.

    Every missing cell is listed in ``imputed`` with the value used (NaN under ``none``) and the neighbours it
    came from; a cell whose neighbours all lack the value stays missing and is listed as such.
    """
    result = table.copy()
    records = []
    neighbours = edges.groupby("focal")["neighbor"].apply(list)
    names = table.set_index("code")["name"]
    for column in columns:
        values = table.set_index("code")[column]
        for code in values.index[values.isna()]:
            donors = [n for n in neighbours.get(code, []) if pd.notna(values.get(n))]
            filled = float(values[donors].mean()) if (policy == "neighbour_mean" and donors) else np.nan
            result.loc[result["code"] == code, column] = filled
            records.append({
                "indicator": column, "code": code, "name": names[code], "policy": policy, "value_used": filled,
                "neighbours_used": ";".join(donors) if policy == "neighbour_mean" else "",
            })
    imputed = pd.DataFrame(records, columns=["indicator", "code", "name", "policy", "value_used", "neighbours_used"])
    return MunicipalFeatures(table=result, imputed=imputed)


def indicator_columns() -> list[str]:
    return [d.name for d in MUNICIPAL_INDICATORS]
