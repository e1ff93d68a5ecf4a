"""The municipal features table: assembled from its sources, treated for missing values, and validated."""

from __future__ import annotations

import pandas as pd

from afgehaakt.features.crosswalk import conversion_table, read_address_matrix
from afgehaakt.features.municipal import (
    MissingPolicy,
    MunicipalFeatures,
    combine,
    health_indicators,
    indicator_columns,
    kwb_indicators,
    population_indicators,
    treat_missing,
)
from afgehaakt.acquisition.population import interim_population_table
from afgehaakt.io.statline import KWB_2020, KWB_2021, health_monitor_layout, read_municipal_table
from afgehaakt.schemas import Column, TableSchema
from afgehaakt.validation import require_same_municipalities

ELECTION_COLUMNS = ("turnout", "outsider_share", "orthodox_protestant_share", "turnout_above_one")

_SHARE = {"dtype": "float64", "minimum": 0.0, "maximum": 1.0}


def build_features_table(
    *,
    kwb2020_path: str,
    kwb2021_path: str,
    population2021_path: str,
    health2020_path: str,
    health2016_path: str,
    crosswalk2020_path: str,
    municipalities: pd.DataFrame,
    edges: pd.DataFrame,
    elections: dict[str, pd.DataFrame],
    missing_values: MissingPolicy,
) -> tuple[MunicipalFeatures, pd.DataFrame]:
    """The features table from the snapshot files (the snapshot route of the reading step, then the tables)."""
    return build_features_from_tables(
        kwb2020=read_municipal_table(kwb2020_path, KWB_2020),
        kwb2021=read_municipal_table(kwb2021_path, KWB_2021),
        population2021=interim_population_table("snapshot", population2021_path, year=2021),
        health2020=read_municipal_table(health2020_path, health_monitor_layout(2020)),
        health2016=read_municipal_table(health2016_path, health_monitor_layout(2016)),
        crosswalk2020_path=crosswalk2020_path,
        municipalities=municipalities,
        edges=edges,
        elections=elections,
        missing_values=missing_values,
    )


def build_features_from_tables(
    *,
    kwb2020: pd.DataFrame,
    kwb2021: pd.DataFrame,
    population2021: pd.DataFrame,
    health2020: pd.DataFrame,
    health2016: pd.DataFrame,
    crosswalk2020_path: str,
    municipalities: pd.DataFrame,
    edges: pd.DataFrame,
    elections: dict[str, pd.DataFrame],
    missing_values: MissingPolicy,
) -> tuple[MunicipalFeatures, pd.DataFrame]:
    """The features table on the municipalities' boundary year, and the log of StatLine conversions.

    The StatLine tables are the interim tables of ``afgehaakt.acquisition.interim`` (either route).
    """
    target = list(municipalities["code"])
    matrix = read_address_matrix(crosswalk2020_path, earlier_year=2020, later_year=2021)
    conversion = conversion_table(matrix, source_year=2020, source_codes=list(kwb2020["code"]), target_codes=target)
    health2016 = health_indicators(health2016, kwb2020, conversion)
    parts = [
        kwb_indicators(kwb2020, conversion),
        health_indicators(health2020, kwb2020, conversion),
        health2016[["code", "poor_health_share"]].rename(columns={"poor_health_share": "poor_health_share_2016"}),
        population_indicators(population2021, kwb2021),
        *(_election_part(election, table) for election, table in elections.items()),
    ]
    table = combine(parts, municipalities)
    features = treat_missing(table, edges, policy=missing_values, columns=indicator_columns())
    schema = features_schema(list(elections), allow_missing=missing_values == "none")
    schema.validate(features.table)
    require_same_municipalities(features.table, municipalities, left=schema.name, right="municipalities")
    conversions = pd.concat(
        [conversion.assign(dataset=f"{layout.table_id} {layout.year}")
         for layout in (KWB_2020, health_monitor_layout(2020), health_monitor_layout(2016))],
        ignore_index=True,
    )
    return features, conversions


def _election_part(election: str, table: pd.DataFrame) -> pd.DataFrame:
    part = table[["code", *ELECTION_COLUMNS]].copy()
    return part.rename(columns={c: f"{c}_{election}" for c in ELECTION_COLUMNS})


def features_schema(elections: list[str], *, allow_missing: bool) -> TableSchema:
    """Types, ranges and keys of the features table; ``allow_missing`` only under the ``none`` policy."""
    columns = [
        Column("code", "string", "four-digit municipality code", pattern=r"\d{4}", unique=True),
        Column("gm_code", "string", "CBS code", pattern=r"GM\d{4}", unique=True),
        Column("name", "string", "municipality name"),
        Column("province", "string", "province"),
        Column("inhabitants_2020", "float64", "inhabitants on 1 Jan 2020 (KWB 2020), moved", minimum=0),
        Column("low_education_share", "float64", "low education", minimum=0.0, maximum=1.0),
        Column("income_per_inhabitant", "float64", "1,000 euro", nullable=allow_missing, minimum=0),
        Column("low_income_households_share", "float64", "share", minimum=0.0, maximum=1.0),
        Column("lowest_40_income_share", "float64", "share of income recipients", minimum=0.0, maximum=1.0),
        Column("middle_income_share", "float64", "share of income recipients", minimum=0.0, maximum=1.0),
        Column("social_assistance_per_1000", "float64", "per 1,000", minimum=0),
        *(Column(name, "float64", "share", **{k: v for k, v in _SHARE.items() if k != "dtype"})
          for name in ("poor_health_share", "lonely_share", "severely_lonely_share", "volunteering_share",
                       "difficulty_making_ends_meet_share", "poor_health_share_2016")),
        Column("population", "Int64", "inhabitants on 1 Jan 2021 (70072NED)", minimum=0),
        Column("aged_65_plus_share", "float64", "share", minimum=0.0, maximum=1.0),
        Column("non_western_share", "float64", "share", minimum=0.0, maximum=1.0),
        Column("urbanity", "Int64", "1-5", minimum=1, maximum=5),
        Column("population_density", "float64", "per km2", minimum=0),
    ]
    order = ["code", "gm_code", "name", "province", "inhabitants_2020", "low_education_share",
             "income_per_inhabitant", "low_income_households_share", "lowest_40_income_share",
             "middle_income_share", "social_assistance_per_1000",
             "poor_health_share", "lonely_share", "severely_lonely_share", "volunteering_share",
             "difficulty_making_ends_meet_share", "poor_health_share_2016", "population", "aged_65_plus_share",
             "non_western_share", "urbanity", "population_density"]
    by_name = {c.name: c for c in columns}
    ordered = [by_name[name] for name in order]
    for election in elections:
        ordered += [
            Column(f"turnout_{election}", "float64", "ballots cast / eligible (may exceed 1)", minimum=0.0, maximum=2.0),
            Column(f"outsider_share_{election}", "float64", "share of valid votes", minimum=0.0, maximum=1.0),
            Column(f"orthodox_protestant_share_{election}", "float64", "share of valid votes", minimum=0.0,
                   maximum=1.0),
            Column(f"turnout_above_one_{election}", "bool", "flag"),
        ]
    return TableSchema(name="municipal features", columns=tuple(ordered), key=("code",))
