"""Shared fixtures: paths into the repository and its committed data snapshot."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def tk2021_csv() -> Path:
    return DATA / "elections" / "tk2021_gemeente.csv"


@pytest.fixture(scope="session")
def boundaries_topojson() -> Path:
    return DATA / "boundaries" / "gemeente_2021_rd.topojson"


@pytest.fixture(scope="session")
def boundaries_2021(boundaries_topojson):
    from afgehaakt.geo.boundaries import read_municipal_boundaries

    return read_municipal_boundaries(boundaries_topojson, object_name="gemeente_2021")


@pytest.fixture(scope="session")
def tk2021(tk2021_csv):
    from afgehaakt.io.kiesraad import read_municipal_results

    return read_municipal_results(tk2021_csv)


@pytest.fixture(scope="session")
def merger_history():
    from afgehaakt.io.merger_history import read_merger_history

    folder = DATA / "membership" / "history"
    return read_merger_history(folder / "herindelingen_1998_2025.csv", folder / "gemeenten_per_jaar_1998_2025.csv")


@pytest.fixture(scope="session")
def tk_series_dates():
    """The ten Tweede Kamer elections 1998-2025 with their polling dates, as the amalgamation study uses them."""
    import pandas as pd

    from afgehaakt import catalogue
    from afgehaakt.features.amalgamation import ElectionDate

    ids = ["tk1998", "tk2002", "tk2003", "tk2006", "tk2010", "tk2012", "tk2017", "tk2021", "tk2023", "tk2025"]
    return [ElectionDate(e, pd.Timestamp(catalogue.election(e).date)) for e in ids]
