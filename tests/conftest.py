"""Shared fixtures (paths into the repository and its committed data snapshot) and the pyramid's markers."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
TESTS = Path(__file__).resolve().parent
LEVELS = ("unit", "lint", "e2e")
"""The folders under tests/ that hold tests, each the marker of its level (registered in pyproject.toml)."""


def pytest_collection_modifyitems(config, items):
    """Mark every test with its level by its folder, so that `pytest -m unit` needs no marker in the modules."""
    for item in items:
        level = item.path.relative_to(TESTS).parts[0]
        if level not in LEVELS:
            raise pytest.UsageError(f"{item.nodeid}: tests live in tests/<level>/ with level one of {LEVELS}")
        item.add_marker(level)


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
