"""Real measures of the burgerschapszone's candidate explanations, on the target boundary year (issue 15 item 3).

- **Religion** (CBS maatwerk "Religie en kerkbezoek naar gemeente 2010-2014", Enquete Beroepsbevolking pooled over
  2010-2014, adults 18+, municipalities of 1 January 2014): the share of adults attending a religious service at
  least monthly and the share belonging to any denomination. CBS publishes rates only, so each rate is turned into
  a count of adults with the municipality's adults on 1 January 2014 (70072NED, same boundary year) as weight,
  the counts are summed through the merger history, and the rates recomputed: a population-weighted mean in
  which the national number of adults is conserved (checked). Suppressed municipalities (CBS ".": fewer than 150
  respondents) carry no count: a target municipality whose adults are less than :data:`MIN_RELIGION_COVERAGE`
  covered by published parts is left missing, and every suppressed source municipality is listed with its target
  and that coverage (:func:`suppressed_religion`), never filled.
- **Facilities**: road distance (km, mean over residents) to the nearest GP practice, large supermarket, primary
  school and day-care centre, KWB 2020 (84799NED, 2020 boundaries), moved to the target year through the merger
  history as means weighted by inhabitants on 1 January 2020.
- **Home ownership**: owner-occupied share of the dwelling stock, KWB 2021 (85039NED ``p_koopw``), already on
  2021 boundaries.
- **Shrinkage**: population change 1 January 2004 to 1 January of the target year (70072NED), the 2004
  population summed onto the target year's municipalities through the merger history (conserved, checked).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from afgehaakt.codes import normalise_codes
from afgehaakt.errors import InputDataError
from afgehaakt.features.boundary_history import harmonise_counts, harmonise_rates
from afgehaakt.io.merger_history import MergerHistory
from afgehaakt.io.text import require_columns

RELIGION_YEAR = 2014
"""Boundary year of the religion table's municipality codes (1 January 2014)."""

MIN_RELIGION_COVERAGE = 0.5
"""A target municipality's religion rates are computed only where published parts hold at least this share of
its adults; below it the rate would describe a minority of its area and stays missing."""

SHARE_OF_15_19_AGED_18_19 = 0.4
"""70072NED counts ages in five-year bands; adults (18+) are the 20+ plus two of the five single years of the
15-19 band (uniform within the band: an approximation that only sets the weights of the rates)."""

RELIGION_COLUMNS = {"kerkbezoek_maandelijks_pct": "church_attendance_monthly_share",
                    "kerkelijk_totaal_pct": "church_membership_share"}

FACILITY_COLUMNS = {
    "Afstand tot huisartsenpraktijk (km)": "distance_gp_km",
    "Afstand tot grote supermarkt (km)": "distance_supermarket_km",
    "Afstand tot basisscholen (km)": "distance_primary_school_km",
    "Afstand tot kinderdagverblijf  (km)": "distance_day_care_km",
}
FACILITY_YEAR = 2020

SHRINKAGE_BASE_YEAR = 2004


@dataclass(frozen=True)
class CandidateMeasures:
    """One row per target municipality (``code``) with every measure, and the suppressed religion sources."""

    measures: pd.DataFrame
    suppressed: pd.DataFrame


def read_religion(path: str | Path) -> pd.DataFrame:
    """The clean religion table: ``code`` (four digits, 2014), ``name`` and the two rates as fractions; a
    suppressed rate (blank in the clean file, CBS ".") stays missing."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    require_columns(raw, ["cbs_code_2014", "gemeente", *RELIGION_COLUMNS], path=path)
    frame = pd.DataFrame({"code": normalise_codes(raw["cbs_code_2014"], path=path, field="cbs_code_2014"),
                          "name": raw["gemeente"]})
    for source, target in RELIGION_COLUMNS.items():
        values = pd.to_numeric(raw[source].replace("", np.nan), errors="coerce")
        bad = values.isna() & raw[source].ne("")
        if bad.any() or (values.dropna().lt(0) | values.dropna().gt(100)).any():
            row = int(np.flatnonzero(bad | values.lt(0) | values.gt(100))[0])
            raise InputDataError(path, raw[source].iloc[row], field=source, row=row + 2,
                                 expected="a percentage 0-100 or blank (suppressed)")
        frame[target] = values / 100
    return frame


def adults(population: pd.DataFrame) -> pd.Series:
    """Persons aged 18 or over per row of a 70072NED interim table (see :data:`SHARE_OF_15_19_AGED_18_19`)."""
    under_15 = population[["age_0_4", "age_5_9", "age_10_14"]].sum(axis=1)
    return (population["population"] - under_15 - (1 - SHARE_OF_15_19_AGED_18_19) * population["age_15_19"]).astype(float)


def religion_on_target(religion: pd.DataFrame, population: pd.DataFrame, history: MergerHistory, *,
                       target_year: int, addresses: pd.DataFrame | None = None) -> pd.DataFrame:
    """Religion rates on ``target_year``: code, adults, adults_covered, religion_coverage and the rates.

    ``population`` is 70072NED on 1 January :data:`RELIGION_YEAR` (its codes must equal the religion table's)."""
    missing = sorted(set(population["code"]) ^ set(religion["code"]))
    if missing:
        raise ValueError(f"religion and population {RELIGION_YEAR} municipalities differ: {missing[:5]}")
    frame = religion.merge(population[["code"]].assign(adults=adults(population).to_numpy()), on="code",
                           validate="1:1")
    published = frame[list(RELIGION_COLUMNS.values())].notna().all(axis=1)
    frame["adults_covered"] = frame["adults"].where(published, 0.0)
    rates = list(RELIGION_COLUMNS.values())
    counts = [f"{rate}_adults" for rate in rates]
    for rate, count in zip(rates, counts):
        frame[count] = (frame[rate] * frame["adults_covered"]).fillna(0.0)
    moved = harmonise_counts(frame[["code", "adults", "adults_covered", *counts]], source_year=RELIGION_YEAR,
                             target_year=target_year, history=history, addresses=addresses,
                             columns=["adults", "adults_covered", *counts])
    moved["religion_coverage"] = moved["adults_covered"] / moved["adults"]
    enough = moved["religion_coverage"] >= MIN_RELIGION_COVERAGE
    for rate, count in zip(rates, counts):
        moved[rate] = (moved[count] / moved["adults_covered"]).where(enough)
    return moved[["code", "adults", "adults_covered", "religion_coverage", *rates]]


def suppressed_religion(religion: pd.DataFrame, on_target: pd.DataFrame, history: MergerHistory, *,
                        target_year: int, addresses: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every suppressed source municipality with the target(s) it reaches, their coverage and whether the target's
    rate is left missing."""
    suppressed = religion[religion[list(RELIGION_COLUMNS.values())].isna().any(axis=1)]
    conversion = history.conversion(RELIGION_YEAR, target_year, addresses=addresses)
    rows = (suppressed[["code", "name"]].rename(columns={"code": "source_code", "name": "source_name"})
            .merge(conversion[conversion["weight"] > 0].rename(columns={"source": "source_code", "target": "code"}),
                   on="source_code", how="left")
            .merge(on_target[["code", "religion_coverage"]], on="code", how="left"))
    rows["target_rate_missing"] = rows["religion_coverage"] < MIN_RELIGION_COVERAGE
    rows["source_year"], rows["target_year"] = RELIGION_YEAR, target_year
    return rows[["source_code", "source_name", "source_year", "code", "target_year", "weight", "religion_coverage",
                 "target_rate_missing"]].rename(columns={"code": "target_code"}).reset_index(drop=True)


def facilities_on_target(kwb2020: pd.DataFrame, history: MergerHistory, *, target_year: int,
                         addresses: pd.DataFrame | None = None, path: str = "kwb2020") -> pd.DataFrame:
    """Distances to facilities (KWB 2020) on ``target_year`` as means weighted by inhabitants (1 Jan 2020)."""
    require_columns(kwb2020, ["GM_CODE", "Aantal inwoners", *FACILITY_COLUMNS], path=path)
    frame = pd.DataFrame({"code": normalise_codes(kwb2020["GM_CODE"].astype(str), path=path, field="GM_CODE"),
                          "inhabitants": pd.to_numeric(kwb2020["Aantal inwoners"], errors="raise")})
    for source, target in FACILITY_COLUMNS.items():
        frame[target] = pd.to_numeric(kwb2020[source], errors="raise")
    return harmonise_rates(frame, source_year=FACILITY_YEAR, target_year=target_year, history=history,
                           rates=list(FACILITY_COLUMNS.values()), weight="inhabitants", addresses=addresses)[
        ["code", *FACILITY_COLUMNS.values()]]


def home_ownership(kwb2021: pd.DataFrame, *, path: str = "kwb2021") -> pd.DataFrame:
    """Owner-occupied share of dwellings, KWB 2021 (``p_koopw``, percent), on 2021 boundaries."""
    require_columns(kwb2021, ["gwb_code", "p_koopw"], path=path)
    return pd.DataFrame({"code": normalise_codes(kwb2021["gwb_code"].astype(str), path=path, field="gwb_code"),
                         "home_ownership_share": pd.to_numeric(kwb2021["p_koopw"], errors="raise") / 100})


def population_change(base: pd.DataFrame, target: pd.DataFrame, history: MergerHistory, *, target_year: int,
                      addresses: pd.DataFrame | None = None) -> pd.DataFrame:
    """Relative population change from 1 January :data:`SHRINKAGE_BASE_YEAR` (summed onto ``target_year``) to 1
    January ``target_year``: negative is shrinkage."""
    moved = harmonise_counts(base[["code", "population"]].astype({"population": float}),
                             source_year=SHRINKAGE_BASE_YEAR, target_year=target_year, history=history,
                             addresses=addresses, columns=["population"])
    table = target[["code", "population"]].merge(moved, on="code", suffixes=("", "_base"), validate="1:1")
    change = table["population"].astype(float) / table["population_base"] - 1
    return pd.DataFrame({"code": table["code"],
                         f"population_change_{SHRINKAGE_BASE_YEAR}_{target_year}": change})


def candidate_measures(*, religion: pd.DataFrame, population_religion_year: pd.DataFrame,
                       population_base: pd.DataFrame, population_target: pd.DataFrame, kwb2020: pd.DataFrame,
                       kwb2021: pd.DataFrame, local_share: pd.DataFrame, history: MergerHistory, target_year: int,
                       addresses: pd.DataFrame | None = None) -> CandidateMeasures:
    """All measures joined on the target year's municipalities (``population_target``'s codes)."""
    on_target = religion_on_target(religion, population_religion_year, history, target_year=target_year,
                                   addresses=addresses)
    table = population_target[["code"]].copy()
    parts = [on_target.drop(columns=["adults", "adults_covered"]),
             facilities_on_target(kwb2020, history, target_year=target_year, addresses=addresses),
             home_ownership(kwb2021),
             population_change(population_base, population_target, history, target_year=target_year,
                               addresses=addresses),
             local_share]
    for part in parts:
        table = table.merge(part, on="code", how="left", validate="1:1")
    return CandidateMeasures(table, suppressed_religion(religion, on_target, history, target_year=target_year,
                                                       addresses=addresses))
