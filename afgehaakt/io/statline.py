"""Municipal tables from CBS and RIVM StatLine exports, read as published, by a declared column layout.

Each layout names the code column and, for every column the pipeline uses, the name it gets here, whether it is a
count, and whether it may be missing. Codes may be written ``GM0014`` and cells padded or written with a decimal
comma; :func:`read_municipal_table` handles both and refuses anything it was not told to expect.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from afgehaakt.codes import normalise_codes
from afgehaakt.errors import InputDataError
from afgehaakt.io.text import parse_numbers, read_delimited, require_columns
from afgehaakt.schemas import Column as SchemaColumn
from afgehaakt.schemas import SchemaError, TableSchema


@dataclass(frozen=True)
class Column:
    published: str
    name: str
    count: bool = False
    may_be_missing: bool = False
    odata: str | None = None
    """The key of this column in the table's StatLine OData ``TypedDataSet`` (None: the same as ``published``)."""


@dataclass(frozen=True)
class TableLayout:
    """What one published table holds: its StatLine id, year, boundary year, code column and used columns.

    ``odata_code_column`` and ``odata_row_filter`` say the same for the table as StatLine serves it over OData
    (``odata_row_filter`` None: the same as ``row_filter``), so that both routes give one table.
    """

    table_id: str
    year: int
    boundary_year: int
    code_column: str
    columns: tuple[Column, ...]
    row_filter: dict[str, str] = field(default_factory=dict)
    odata_code_column: str = "WijkenEnBuurten"
    odata_row_filter: dict[str, str] | None = None

    def odata_keys(self) -> dict[str, str]:
        """Published column -> OData key, for the code column and every used column."""
        return {self.code_column: self.odata_code_column, **{c.published: c.odata or c.published for c in self.columns}}

    def odata_select(self) -> tuple[str, ...]:
        """The ``$select`` that fetches what the layout uses (the filtered dimensions included)."""
        keys = [*self.odata_keys().values(), *self._odata_filter()]
        return tuple(dict.fromkeys(keys))

    def _odata_filter(self) -> dict[str, str]:
        return self.row_filter if self.odata_row_filter is None else self.odata_row_filter

    def schema(self) -> TableSchema:
        """The interim table both routes must produce: ``code`` and the used columns, typed as counts or numbers."""
        return TableSchema(
            name=f"interim {self.table_id} {self.year}",
            key=("code",),
            columns=(
                SchemaColumn("code", "string", "four-digit municipality code", pattern=r"\d{4}", unique=True),
                *(
                    SchemaColumn(
                        c.name,
                        "Int64" if c.count else "float64",
                        c.published,
                        nullable=c.may_be_missing,
                        minimum=0 if c.count else None,
                    )
                    for c in self.columns
                ),
            ),
        )


def read_municipal_table(path: str | Path, layout: TableLayout) -> pd.DataFrame:
    """One row per municipality: ``code`` and the layout's columns under their names; duplicates refused."""
    return _municipal_table(read_delimited(path), layout, path=path)


def municipal_table_from_statline(data: pd.DataFrame, layout: TableLayout, *, path: str | Path) -> pd.DataFrame:
    """The table :func:`read_municipal_table` gives, from the typed frame of a StatLine OData download.

    ``data`` has the OData keys as columns (``afgehaakt.acquisition.statline.read_statline_table``). Its values
    are written as text and parsed by the same code as a published CSV, so that both routes type, check and
    order the values identically; ``path`` (the download) names the source in errors.
    """
    keys = layout.odata_keys()
    require_columns(data, [*keys.values(), *layout._odata_filter()], path=path)
    for key, value in layout._odata_filter().items():
        data = data[data[key] == value]
    as_published = pd.DataFrame({published: _as_text(data[key]) for published, key in keys.items()}, index=data.index)
    return _municipal_table(as_published, replace(layout, row_filter={}), path=path)


def _as_text(values: pd.Series) -> list[str]:
    """Typed OData values as a CSV would hold them: missing as empty, numbers in their shortest exact form."""
    return ["" if pd.isna(value) else str(value) for value in values.astype(object)]


def _municipal_table(raw: pd.DataFrame, layout: TableLayout, *, path: str | Path) -> pd.DataFrame:
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
    try:
        layout.schema().validate(table)
    except SchemaError as error:
        published = {c.name: c.published for c in layout.columns}
        raise InputDataError(path, error.problem, field=published.get(error.column, error.column),
                             row=(error.row or "").split(" ")[0] or None) from None
    return table.sort_values("code", kind="stable").reset_index(drop=True)


KWB_2020 = TableLayout(
    table_id="84799NED",
    year=2020,
    boundary_year=2020,
    code_column="GM_CODE",
    columns=(
        Column("Aantal inwoners", "inhabitants", count=True, odata="AantalInwoners_5"),
        Column("Aantal huishoudens", "households", count=True, odata="HuishoudensTotaal_28"),
        Column("Aantal personen met laag opleidingsniveau", "education_low", count=True,
               odata="OpleidingsniveauLaag_64"),
        Column("Aantal personen met middelbaar opleidingsniveau", "education_middle", count=True,
               odata="OpleidingsniveauMiddelbaar_65"),
        Column("Aantal personen met hoog opleidingsniveau", "education_high", count=True,
               odata="OpleidingsniveauHoog_66"),
        Column("Gemiddeld inkomen per inwoner (x1000 euro)", "income_per_inhabitant", may_be_missing=True,
               odata="GemiddeldInkomenPerInwoner_72"),
        # Persons with a personal income, and the shares of them in the national lowest 40% and highest 20%
        # of personal incomes: the middle groups are the rest (issue 16, the cabinet letter's middle groups).
        Column("Aantal inkomensontvangers", "income_recipients", count=True, odata="AantalInkomensontvangers_70"),
        Column("Personen met laagste inkomen (%)", "lowest_40_persons_pct", may_be_missing=True,
               odata="k_40PersonenMetLaagsteInkomen_73"),
        Column("Personen met hoogste inkomen (%)", "highest_20_persons_pct", may_be_missing=True,
               odata="k_20PersonenMetHoogsteInkomen_74"),
        Column("Huishoudens met een laag inkomen(%)", "low_income_households_pct", may_be_missing=True,
               odata="HuishoudensMetEenLaagInkomen_78"),
        Column("Aantal algemene bijstandsuitkeringen", "social_assistance_benefits", count=True,
               odata="PersonenPerSoortUitkeringBijstand_83"),
    ),
    # The snapshot file holds municipalities only; the OData table holds wijken and buurten too.
    odata_row_filter={"SoortRegio_2": "Gemeente"},
)

KWB_2021 = TableLayout(
    table_id="85039NED",
    year=2021,
    boundary_year=2021,
    code_column="gwb_code",
    columns=(
        Column("a_inw", "inhabitants", count=True, odata="AantalInwoners_5"),
        Column("ste_mvs", "urbanity", count=True, odata="MateVanStedelijkheid_116"),
        Column("bev_dich", "population_density", odata="Bevolkingsdichtheid_33"),
    ),
    odata_row_filter={"SoortRegio_2": "Gemeente"},
)


KWB_2022 = TableLayout(
    table_id="85318NED",
    year=2022,
    boundary_year=2022,
    code_column="WijkenEnBuurten",
    # Keys that public code selects from 85318NED by name (cbsodataR and OData $select), not checked live. Not
    # read by the features yet: nothing downstream uses 2022, and the snapshot holds no KWB 2022 file.
    columns=(
        Column("OpleidingsniveauLaag_64", "education_low", count=True),
        Column("GemiddeldInkomenPerInwoner_72", "income_per_inhabitant", may_be_missing=True),
        Column("HuishoudensMetEenLaagInkomen_78", "low_income_households_pct", may_be_missing=True),
        Column("MateVanStedelijkheid_116", "urbanity", count=True),
    ),
    # Municipal rows are chosen by the query ($filter on the GM code); SoortRegio_2 was not seen in public code
    # for this table, so it is not relied on.
    odata_row_filter={},
)
"""CBS Kerncijfers wijken en buurten 2022, as StatLine serves it over OData (the only route it has here)."""


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
        # Marges MW00000 is the estimate itself; the table also holds its confidence bounds as rows.
        row_filter={"SoortRegio_2": "Gemeente", "Perioden": f"{year}JJ00", "Leeftijd": "20300", "Marges": "MW00000"},
    )
