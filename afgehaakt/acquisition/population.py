"""CBS 70072NED "Regionale kerncijfers Nederland": population by sex, age, marital status and migration
background per municipality on 1 January, as one interim table built by either of two routes.

- ``snapshot``: from a CSV in the committed snapshot, either the extract of one year (comma-separated,
  stripped) or the file as published by StatLine (``;``-separated, quoted, space-padded, several years);
- ``online``: from a StatLine OData download made by :func:`afgehaakt.acquisition.statline.download_statline_table`
  with :func:`population_statline_query`.

Both routes rename the same source keys, drop the same rows and are validated against one schema,
:data:`INTERIM_POPULATION_SCHEMA`, so that the rest of the pipeline cannot tell which route ran (a test
checks that they give identical frames). Rows of a municipality code that did not exist in the year (all
values empty, as StatLine returns every code of its region list for every period) are dropped.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from afgehaakt.acquisition.statline import CBS_OPENDATA_URL, StatlineQuery, read_statline_table
from afgehaakt.codes import normalise_codes, to_cbs
from afgehaakt.errors import InputDataError
from afgehaakt.io.text import parse_numbers, read_delimited, require_columns
from afgehaakt.schemas import Column, SchemaError, TableSchema

POPULATION_TABLE = "70072NED"
ROUTES = ("snapshot", "online")

SOURCE_COLUMNS: dict[str, str] = {
    "TotaleBevolking_1": "population",
    "Mannen_2": "men",
    "Vrouwen_3": "women",
    "JongerDan5Jaar_4": "age_0_4",
    "k_5Tot10Jaar_5": "age_5_9",
    "k_10Tot15Jaar_6": "age_10_14",
    "k_15Tot20Jaar_7": "age_15_19",
    "k_20Tot25Jaar_8": "age_20_24",
    "k_25Tot45Jaar_9": "age_25_44",
    "k_45Tot65Jaar_10": "age_45_64",
    "k_65Tot80Jaar_11": "age_65_79",
    "k_80JaarOfOuder_12": "age_80_plus",
    "Ongehuwd_25": "never_married",
    "Gehuwd_26": "married",
    "Gescheiden_27": "divorced",
    "Verweduwd_28": "widowed",
    "NederlandseAchtergrond_34": "dutch_background",
    "TotaalMetMigratieachtergrond_35": "migration_background",
    "WesterseMigratieachtergrond_36": "western_migration_background",
    "TotaalNietWesterseMigratieachtergrond_37": "non_western_migration_background",
}
"""70072NED topic keys (as in its TypedDataSet and typed CSV) and the interim column each becomes."""

MIGRATION_COLUMNS = (
    "dutch_background",
    "migration_background",
    "western_migration_background",
    "non_western_migration_background",
)
"""CBS replaced the western/non-western classification in 2022; 70072NED leaves these empty from 2023 on."""

PARTS_THAT_ADD_UP: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("population", ("men", "women")),
    (
        "population",
        (
            "age_0_4",
            "age_5_9",
            "age_10_14",
            "age_15_19",
            "age_20_24",
            "age_25_44",
            "age_45_64",
            "age_65_79",
            "age_80_plus",
        ),
    ),
    ("population", ("never_married", "married", "divorced", "widowed")),
    ("population", ("dutch_background", "migration_background")),
    ("migration_background", ("western_migration_background", "non_western_migration_background")),
)
"""Breakdowns that CBS publishes as exact partitions of a total (true for every municipality in 2021)."""


def _count(name: str, description: str) -> Column:
    return Column(name, "Int64", description, nullable=name in MIGRATION_COLUMNS, minimum=0)


INTERIM_POPULATION_SCHEMA = TableSchema(
    name="interim_population",
    description="CBS 70072NED population on 1 January per municipality, in the boundaries of that year",
    key=("code", "year"),
    columns=(
        Column("code", "string", "four-digit CBS municipality code", pattern=r"\d{4}"),
        Column("gm_code", "string", "the same code in CBS/PDOK form", pattern=r"GM\d{4}"),
        Column(
            "year", "Int64", "reference date 1 January of this year (Perioden YYYYJJ00)", minimum=1995, maximum=2100
        ),
        _count("population", "inhabitants (TotaleBevolking_1)"),
        *(_count(target, f"persons ({source})") for source, target in list(SOURCE_COLUMNS.items())[1:]),
    ),
)


def population_statline_query(
    year: int, *, base_url: str = CBS_OPENDATA_URL, page_size: int | None = None
) -> StatlineQuery:
    """The OData query for the ``online`` route: municipality rows of one year, the columns the table needs."""
    return StatlineQuery(
        table=POPULATION_TABLE,
        # Region codes are padded ("GM0014  "), so the municipalities are selected by substring, not equality.
        filter=f"(Perioden eq '{_period(year)}') and substringof('GM',RegioS)",
        select=("RegioS", "Perioden", *SOURCE_COLUMNS),
        base_url=base_url,
        page_size=page_size,
    )


def interim_population_table(route: str, source: str | Path, *, year: int) -> pd.DataFrame:
    """The interim population table for ``year`` from ``source``: a snapshot CSV or an OData download directory.

    ``route`` is ``"snapshot"`` or ``"online"``. The result satisfies :data:`INTERIM_POPULATION_SCHEMA` and is
    sorted by code, whichever route built it.
    """
    if route == "snapshot":
        return population_from_snapshot(source, year=year)
    if route == "online":
        return population_from_statline(source, year=year)
    raise ValueError(f"unknown route {route!r} for the population table; expected one of {list(ROUTES)}")


def population_from_snapshot(path: str | Path, *, year: int) -> pd.DataFrame:
    """From a 70072NED CSV (typed-data layout with the OData keys as header); the index names file lines."""
    raw = read_delimited(path)
    require_columns(raw, ["RegioS", "Perioden", *SOURCE_COLUMNS], path=path)
    rows = _municipal_rows_of_year(raw["RegioS"].astype("string"), raw["Perioden"].astype("string"), year)
    raw = raw.loc[rows]
    source = pd.DataFrame(
        {
            "RegioS": raw["RegioS"].astype("string"),
            **{
                key: parse_numbers(raw[key], path=path, field=key, integer=True, allow_missing=True)
                for key in SOURCE_COLUMNS
            },
        },
        index=raw.index,
    )
    return _interim(source, path=path, year=year)


def population_from_statline(directory: str | Path, *, year: int) -> pd.DataFrame:
    """From a StatLine download directory; the rows are numbered across pages (0-based) in any error."""
    table = read_statline_table(directory)
    data = table.data
    require_columns(data, ["RegioS", "Perioden", *SOURCE_COLUMNS], path=directory)
    rows = _municipal_rows_of_year(data["RegioS"], data["Perioden"], year)
    data = data.loc[rows]
    for key in SOURCE_COLUMNS:
        if str(data[key].dtype) != "Int64":
            raise InputDataError(
                directory,
                f"dtype {data[key].dtype}",
                field=key,
                expected="whole numbers (DataProperties Datatype Long)",
            )
    return _interim(data[["RegioS", *SOURCE_COLUMNS]], path=directory, year=year)


def _period(year: int) -> str:
    return f"{int(year):04d}JJ00"


def _municipal_rows_of_year(region: pd.Series, period: pd.Series, year: int) -> pd.Series:
    return (region.str.strip().str.upper().str.startswith("GM") & (period.str.strip() == _period(year))).fillna(False)


def _interim(source: pd.DataFrame, *, path: str | Path, year: int) -> pd.DataFrame:
    """Rename, drop codes that did not exist in the year, check the partitions and validate the schema."""
    if source.empty:
        raise InputDataError(
            path,
            f"no municipality rows (RegioS GM...) for {_period(year)}",
            field="Perioden",
            expected=f"rows with Perioden {_period(year)}",
        )
    source = source.loc[source["TotaleBevolking_1"].notna()]
    code = normalise_codes(source["RegioS"], path=path, field="RegioS")
    table = pd.DataFrame(
        {
            "code": code,
            "gm_code": code.map(to_cbs).astype("string"),
            "year": pd.Series(int(year), index=source.index, dtype="Int64"),
            **{target: source[key].astype("Int64") for key, target in SOURCE_COLUMNS.items()},
        },
        index=source.index,
    )
    _check_partitions(table, path=path)
    # Validate while the index is still the file line, so that an error names the line a reader can open.
    try:
        INTERIM_POPULATION_SCHEMA.validate(table)
    except SchemaError as error:
        source_key = {target: key for key, target in SOURCE_COLUMNS.items()}
        raise InputDataError(path, error.problem, field=source_key.get(error.column, error.column),
                             row=(error.row or "").split(" ")[0] or None) from None
    return table.sort_values("code", kind="stable").reset_index(drop=True)


def _check_partitions(table: pd.DataFrame, *, path: str | Path) -> None:
    source_key = {target: key for key, target in SOURCE_COLUMNS.items()}
    for total, parts in PARTS_THAT_ADD_UP:
        complete = table[[total, *parts]].notna().all(axis=1)
        summed = table.loc[complete, list(parts)].sum(axis=1)
        wrong = summed != table.loc[complete, total]
        if wrong.any():
            row = wrong.index[wrong.to_numpy().argmax()]
            raise InputDataError(
                path,
                f"{' + '.join(source_key[p] for p in parts)} = {summed[row]} but {source_key[total]} = "
                f"{table.loc[row, total]} (municipality {table.loc[row, 'gm_code']})",
                field=source_key[total],
                row=row,
                expected="the breakdown to add up to the total, as CBS publishes it",
            )
