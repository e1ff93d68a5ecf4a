"""Neighbourhood scale: the buurt reader, the synthetic cells, the size subsets and the benchmark table."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from afgehaakt.errors import InputDataError
from afgehaakt.features.crosswalk import read_address_matrix
from afgehaakt.neighbourhoods import (
    benchmark_table,
    host_municipalities,
    nearest_units,
    read_neighbourhood_health,
    synthetic_cells,
)
DATA = Path(__file__).resolve().parents[2] / "data"

XLSX = DATA / "health/rivm50090_gezondheid_wijkbuurt_2020_18plus.xlsx"


@pytest.fixture(scope="module")
def buurten():
    return read_neighbourhood_health(XLSX)


def test_every_buurt_is_either_analysed_or_listed_as_excluded(buurten):
    values, excluded = buurten
    # 13,808 buurten in 50090NED 2020 (indeling 2020); RIVM suppresses the estimates of 742.
    assert len(values) + len(excluded) == 13808
    assert len(excluded) == 742 and excluded["reason"].str.contains("suppressed").all()
    assert values["code"].is_unique and values["code"].str.fullmatch(r"BU\d{8}").all()
    assert values["municipality_2020"].nunique() == 355
    assert values[["good_health_pct", "lonely_pct"]].notna().all().all()
    assert values["good_health_pct"].between(0, 100).all()


def test_a_buurt_value_is_read_as_published(buurten):
    values, _ = buurten
    raw = pd.read_excel(XLSX, dtype=str)
    row = raw[raw["Codering_3"].str.strip() == values["code"].iloc[0]].iloc[0]
    assert values["good_health_pct"].iloc[0] == float(row["ErvarenGezondheidGoedZeerGoed_4"])


def test_a_malformed_buurt_code_names_file_field_and_row(tmp_path):
    frame = pd.DataFrame({"SoortRegio_2": ["Buurt"], "Codering_3": ["BU12"], **{c: ["1.0"] for c in _indicator_columns()}})
    path = tmp_path / "bad.xlsx"
    frame.to_excel(path, index=False)
    with pytest.raises(InputDataError, match="Codering_3") as error:
        read_neighbourhood_health(path)
    assert "bad.xlsx" in str(error.value) and "row 2" in str(error.value)


def _indicator_columns():
    from afgehaakt.neighbourhoods import HEALTH_COLUMNS

    return [c.published for c in HEALTH_COLUMNS]


def test_merged_municipalities_host_their_buurten_in_the_2021_municipality():
    crosswalk = read_address_matrix(DATA / "crosswalk/grenswijziging_gemeente_van_2020_naar_2021_matrix.csv",
                                    earlier_year=2020, later_year=2021)
    # Appingedam (0003), Delfzijl (0010) and Loppersum (0024) became Eemsdelta (1979) in 2021; Amsterdam stays.
    hosts = host_municipalities(pd.Series(["0003", "0010", "0024", "0363"]), crosswalk)
    assert hosts.tolist() == ["1979", "1979", "1979", "0363"]


def test_cells_tile_their_municipality_one_per_unit_and_are_reproducible():
    square = shapely.box(0, 0, 1000, 1000)
    boundaries = gpd.GeoDataFrame({"code": ["0001", "0002"]}, geometry=[square, shapely.box(1000, 0, 2000, 1000)])
    units = pd.DataFrame({"code": [f"BU{k:08d}" for k in range(7)], "host": ["0001"] * 5 + ["0002"] * 2})
    cells = synthetic_cells(units, boundaries, seed=3)
    assert cells["code"].tolist() == units["code"].tolist()
    first = cells[cells["host"] == "0001"].geometry
    assert first.area.sum() == pytest.approx(square.area)
    assert shapely.union_all(first.to_numpy()).symmetric_difference(square).area < 1e-6
    assert not first.is_empty.any()
    again = synthetic_cells(units, boundaries, seed=3)
    assert all(a.equals_exact(b, 0) for a, b in zip(cells.geometry, again.geometry))
    # A municipality's cells do not depend on the other municipalities present.
    alone = synthetic_cells(units[units["host"] == "0001"], boundaries, seed=3)
    assert all(a.equals_exact(b, 0) for a, b in zip(alone.geometry, first))


def test_size_subset_is_the_compact_region_nearest_the_centre():
    cells = gpd.GeoDataFrame({"code": [f"c{k}" for k in range(10)]},
                             geometry=[shapely.box(k * 10, 0, k * 10 + 10, 10) for k in range(10)])
    subset = nearest_units(cells, "3", centre=(0.0, 5.0))
    assert subset["code"].tolist() == ["c0", "c1", "c2"]
    assert len(nearest_units(cells, "all", centre=(0.0, 0.0))) == 10
    with pytest.raises(ValueError, match="between 1 and"):
        nearest_units(cells, "11", centre=(0.0, 0.0))


def test_benchmark_table_reads_snakemake_benchmarks(tmp_path):
    header = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
    lisa = tmp_path / "neighbourhood_lisa" / "all_p999.tsv"
    weights = tmp_path / "neighbourhood_weights" / "all.tsv"
    for path, line in ((lisa, "12.5\t0:00:12\t410.2\t900\t400\t401\t1\t2\t150\t24.0\n"),
                       (weights, "3.0\t0:00:03\t300.0\t800\t290\t291\t1\t2\t99\t3.0\n")):
        path.parent.mkdir()
        path.write_text(header + line, encoding="utf-8")
    summary = tmp_path / "queen_all_summary.json"
    summary.write_text(json.dumps({"units": 13066, "directed_links": 68500}), encoding="utf-8")
    table = benchmark_table([str(lisa), str(weights)], summaries=[str(summary)])
    assert table["job"].tolist() == ["lisa", "weights"]
    lisa_row = table.iloc[0]
    assert (lisa_row["units"], lisa_row["permutations"], lisa_row["wall_s"], lisa_row["max_rss_mb"]) == (
        13066, 999, 12.5, 410.2)
    assert pd.isna(table.iloc[1]["permutations"]) and np.isclose(table.iloc[1]["cpu_s"], 3.0)
