"""The StatLine tables the features use, as interim tables built by either acquisition route.

One name per table (``kwb2020``, ``kwb2021``, ``population2021``, ``health2020``, ``health2016``, the keys of
:data:`afgehaakt.catalogue.STATLINE_FILES`). The ``snapshot`` route reads the committed CSV, the ``online``
route a StatLine OData download (:func:`afgehaakt.acquisition.statline.download_statline_table`); both end in
the same validated frame, so that every step after this one is the same whichever route ran.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from afgehaakt.acquisition.membership import GEBIEDEN_2021, MEMBERSHIP_DATASET
from afgehaakt.acquisition.population import interim_population_table, population_statline_query
from afgehaakt.acquisition.statline import StatlineQuery, read_statline_table
from afgehaakt.io.statline import (
    KWB_2020,
    KWB_2021,
    TableLayout,
    health_monitor_layout,
    municipal_table_from_statline,
    read_municipal_table,
)

ROUTES = ("snapshot", "online")


@dataclass(frozen=True)
class StatlineDataset:
    """A table the features read: its layout (None for the population table, which has its own reader).

    ``snapshot_in_odata_layout``: the committed file has the OData keys as header, so ``make snapshot`` can
    replace it with a CSV of the OData download; the KWB files are third-party tables with other headers.
    """

    name: str
    table: str
    year: int
    layout: TableLayout | None
    snapshot_in_odata_layout: bool
    boundary_year: int | None = None
    """The year whose municipalities the table lists, when not ``year`` (the 2016 health monitor as republished
    on the municipalities of 2020)."""

    @property
    def municipalities_year(self) -> int:
        return self.year if self.boundary_year is None else self.boundary_year


STATLINE_DATASETS: dict[str, StatlineDataset] = {
    "kwb2020": StatlineDataset("kwb2020", KWB_2020.table_id, 2020, KWB_2020, False),
    "kwb2021": StatlineDataset("kwb2021", KWB_2021.table_id, 2021, KWB_2021, False),
    "population2021": StatlineDataset("population2021", "70072NED", 2021, None, True),
    "health2020": StatlineDataset("health2020", "50090NED", 2020, health_monitor_layout(2020), True),
    "health2016": StatlineDataset("health2016", "50090NED", 2016, health_monitor_layout(2016), True, 2020),
}


STATLINE_DOWNLOADS = (*STATLINE_DATASETS, MEMBERSHIP_DATASET)
"""Every StatLine table the online route downloads: the features' tables and the municipality membership."""


def statline_dataset(name: str) -> StatlineDataset:
    try:
        return STATLINE_DATASETS[name]
    except KeyError:
        raise KeyError(f"unknown StatLine dataset {name!r}; expected one of {sorted(STATLINE_DATASETS)}") from None


def dataset_query(
    name: str,
    *,
    table: str,
    base_url: str,
    filter: str | None,
    select: list[str] | tuple[str, ...] = (),
    page_size: int | None = None,
) -> StatlineQuery:
    """The OData query of the online route; an empty ``select`` asks for what the reader uses, no more.

    ``name`` is a table the features read or :data:`MEMBERSHIP_DATASET` (Gebieden in Nederland, read by the
    ``municipalities`` rule), which the download rule fetches the same way.
    """
    if name == MEMBERSHIP_DATASET:
        default_filter, default_select = None, GEBIEDEN_2021.odata_select()
    elif (dataset := statline_dataset(name)).layout is None:
        default = population_statline_query(dataset.year, base_url=base_url, page_size=page_size)
        default_filter, default_select = default.filter, default.select
    else:
        default_filter, default_select = None, dataset.layout.odata_select()
    return StatlineQuery(
        table=table,
        filter=filter or default_filter,
        select=tuple(select) or default_select,
        base_url=base_url,
        page_size=page_size,
    )


def query_from_config(name: str, table: Mapping[str, Any], *, page_size: int | None = None) -> StatlineQuery:
    """The query of one entry of ``acquisition.statline.tables`` (table, base_url, filter, select)."""
    return dataset_query(name, table=table["table"], base_url=table["base_url"], filter=table["filter"],
                         select=table["select"], page_size=page_size)


def interim_statline_table(name: str, route: str, source: str | Path) -> pd.DataFrame:
    """The interim table ``name`` from a snapshot CSV (``route="snapshot"``) or an OData download directory."""
    if route not in ROUTES:
        raise ValueError(f"unknown route {route!r} for {name}; expected one of {list(ROUTES)}")
    dataset = statline_dataset(name)
    if dataset.layout is None:
        return interim_population_table(route, source, year=dataset.year)
    if route == "snapshot":
        return read_municipal_table(source, dataset.layout)
    return municipal_table_from_statline(read_statline_table(source).data, dataset.layout, path=source)
