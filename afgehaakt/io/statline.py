"""Municipal tables from CBS and RIVM StatLine exports, read as published, by a declared column layout.

Each layout names the code column and, for every column the pipeline uses, the name it gets here, whether it is a
count, and whether it may be missing. Codes may be written ``GM0014`` and cells padded or written with a decimal
comma; :func:`read_municipal_table` handles both and refuses anything it was not told to expect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from afgehaakt.codes import normalise_codes
from afgehaakt.errors import InputDataError
from afgehaakt.io.text import parse_numbers, read_delimited, require_columns


@dataclass(frozen=True)
class Column:
    published: str
    name: str
    count: bool = False
    may_be_missing: bool = False


@dataclass(frozen=True)
class TableLayout:
    """What one published table holds: its StatLine id, year, boundary year, code column and used columns."""

    table_id: str
    year: int
    boundary_year: int
    code_column: str
    columns: tuple[Column, ...]
    row_filter: dict[str, str] = field(default_factory=dict)


def read_municipal_table(path: str | Path, layout: TableLayout) -> pd.DataFrame:
    """One row per municipality: ``code`` and the layout's columns under their names; duplicates refused."""
    raw = read_delimited(path)
    require_columns(raw, [layout.code_column, *layout.row_filter, *(c.published for c in layout.columns)], path=path)
    for column, value in layout.row_filter.items():
        raw = raw[raw[column] == value]
    if raw.empty:
        raise InputDataError(path, f"no rows with {layout.row_filter}", expected="municipal rows")
    code = normalise_codes(raw[layout.code_column], path=path, field=layout.code_column)
    duplicated = code[code.duplicated(keep=False)]
    if not duplicated.empty:
        raise InputDataError(path, f"municipality {duplicated.iloc[0]} appears more than once",
                             field=layout.code_column, row=int(duplicated.index[1]))
    table = pd.DataFrame({"code": code.astype("string")})
    for column in layout.columns:
        values = parse_numbers(raw[column.published], path=path, field=column.published, integer=column.count,
                               allow_missing=column.may_be_missing)
        if column.count and (values.fillna(0) < 0).any():
            row = int(values.index[(values.fillna(0) < 0).to_numpy()][0])
            raise InputDataError(path, "negative count", field=column.published, row=row, expected="a count >= 0")
        table[column.name] = values
    return table.sort_values("code", kind="stable").reset_index(drop=True)


KWB_2020 = TableLayout(
    table_id="84799NED",
    year=2020,
    boundary_year=2020,
    code_column="GM_CODE",
    columns=(
        Column("Aantal inwoners", "inhabitants", count=True),
        Column("Aantal huishoudens", "households", count=True),
        Column("Aantal personen met laag opleidingsniveau", "education_low", count=True),
        Column("Aantal personen met middelbaar opleidingsniveau", "education_middle", count=True),
        Column("Aantal personen met hoog opleidingsniveau", "education_high", count=True),
        Column("Gemiddeld inkomen per inwoner (x1000 euro)", "income_per_inhabitant", may_be_missing=True),
        Column("Huishoudens met een laag inkomen(%)", "low_income_households_pct", may_be_missing=True),
        Column("Aantal algemene bijstandsuitkeringen", "social_assistance_benefits", count=True),
    ),
)

KWB_2021 = TableLayout(
    table_id="85039NED",
    year=2021,
    boundary_year=2021,
    code_column="gwb_code",
    columns=(
        Column("a_inw", "inhabitants", count=True),
        Column("ste_mvs", "urbanity", count=True),
        Column("bev_dich", "population_density"),
    ),
)

def health_monitor_layout(year: int) -> TableLayout:
    """RIVM 50090NED (GGD Gezondheidsmonitor, small-area estimates, % of adults), on 2020 boundaries."""
    return TableLayout(
        table_id="50090NED",
        year=year,
        boundary_year=2020,
        code_column="WijkenEnBuurten",
        columns=(
            Column("ErvarenGezondheidGoedZeerGoed_4", "good_health_pct"),
            Column("Eenzaam_28", "lonely_pct"),
            Column("ErnstigZeerErnstigEenzaam_29", "severely_lonely_pct"),
            Column("Vrijwilligerswerk_33", "volunteering_pct"),
            Column("MoeiteMetRondkomen_38", "difficulty_making_ends_meet_pct"),
        ),
        row_filter={"SoortRegio_2": "Gemeente", "Perioden": f"{year}JJ00", "Leeftijd": "20300"},
    )
