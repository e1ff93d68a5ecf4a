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
