"""Municipality -> province membership of the boundary year, from either acquisition route.

- ``snapshot``: the committed CBS list "Gemeenten alfabetisch 2021"
  (:func:`afgehaakt.features.harmonise.read_municipalities`);
- ``online``: CBS StatLine 84929NED "Gebieden in Nederland 2021" over OData, downloaded by the
  ``download_statline`` rule like any StatLine table (dataset :data:`MEMBERSHIP_DATASET`).

Both give the same table (``code``, ``gm_code``, ``name``, ``province``, sorted by code), so the
``municipalities`` rule and everything after it cannot tell which route ran.

84929NED is a table without dimensions: one row per municipality, each classification a pair of String topics
``Code_<n>``/``Naam_<n+1>`` padded with spaces. Its keys are not checked against the live service (no network
here); they are the keys public code reads from this table id: ``Code_1``/``Naam_2`` (municipality),
``Code_8``/``Naam_9`` (COROP area) and ``Code_26``/``Naam_27`` (province), e.g. R code that calls
``cbs_get_data("84929NED")`` and renames ``Naam_2``, ``Naam_9`` and ``Naam_27`` to municipality, COROP and
province. Later "Gebieden in Nederland" tables (85755NED, 86247NED) have more columns and the province at
``Code_28``/``Naam_29``: the keys are per table id, not per series.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from afgehaakt.acquisition.statline import read_statline_table
from afgehaakt.codes import normalise_codes
from afgehaakt.errors import InputDataError
from afgehaakt.features.harmonise import municipality_table, read_municipalities
from afgehaakt.io.text import require_columns

MEMBERSHIP_DATASET = "gebieden2021"
ROUTES = ("snapshot", "online")


@dataclass(frozen=True)
class GebiedenLayout:
    """The OData keys of one "Gebieden in Nederland" table that the membership table needs."""

    table_id: str
    year: int
    municipality_code: str
    municipality_name: str
    province_code: str
    province_name: str

    def odata_select(self) -> tuple[str, ...]:
        """The ``$select`` of the membership table: municipality and province (the snapshot's list has no COROP,
        so ``Code_8``/``Naam_9`` are not read)."""
        return (self.municipality_code, self.municipality_name, self.province_code, self.province_name)


GEBIEDEN_2021 = GebiedenLayout(
    table_id="84929NED",
    year=2021,
    municipality_code="Code_1",
    municipality_name="Naam_2",
    province_code="Code_26",
    province_name="Naam_27",
)


def membership_from_statline(directory: str | Path, layout: GebiedenLayout = GEBIEDEN_2021) -> pd.DataFrame:
    """The membership table from an OData download of ``layout``'s table; every row must be a municipality
    with a ``PV`` province code, and no municipality may appear twice."""
    data = read_statline_table(directory).data
    require_columns(data, list(layout.odata_select()), path=directory)
    province_codes = data[layout.province_code].fillna("")
    bad = ~province_codes.str.fullmatch(r"PV\d{2}")
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise InputDataError(directory, f"province code {province_codes.iloc[row]!r}", field=layout.province_code,
                             row=row, expected="PV and two digits (a municipality row of Gebieden in Nederland)")
    code = normalise_codes(data[layout.municipality_code], path=directory, field=layout.municipality_code)
    duplicated = code[code.duplicated(keep=False)]
    if not duplicated.empty:
        raise InputDataError(directory, f"municipality {duplicated.iloc[0]} appears more than once",
                             field=layout.municipality_code, row=int(duplicated.index[1]))
    return municipality_table(code, data[layout.municipality_name], data[layout.province_name])


def municipality_membership(route: str, source: str | Path) -> pd.DataFrame:
    """The membership table from the snapshot's CBS list or from a download of Gebieden in Nederland."""
    if route not in ROUTES:
        raise ValueError(f"unknown route {route!r} for the municipality list; expected one of {list(ROUTES)}")
    return read_municipalities(source) if route == "snapshot" else membership_from_statline(source)
