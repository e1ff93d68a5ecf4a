"""Sub-municipal scale on the postcode areas: the units with values, the size subsets and the benchmark table."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from afgehaakt.neighbourhoods import area_units, benchmark_table, local_statistics, nearest_units
from afgehaakt.spatial.analyses import gather_lisa_chunks, unit_chunk
from afgehaakt.spatial.weights import IslandPolicy, queen_weights


def test_units_are_the_areas_with_every_variable_and_the_rest_are_listed_with_what_they_lack():
    areas = gpd.GeoDataFrame(
        {"pc4": ["1001", "1002", "1003", "1004"], "municipality": ["0363"] * 4,
         "outsider_share": [0.3, np.nan, 0.5, np.nan], "aged_65_plus_share": [0.2, 0.1, np.nan, np.nan]},
        geometry=[shapely.box(k, 0, k + 1, 1) for k in range(4)], crs="EPSG:28992")
    units, excluded = area_units(areas, ["outsider_share", "aged_65_plus_share"])
    assert units["code"].tolist() == ["1001"] and units.crs.to_epsg() == 28992
    assert excluded.set_index("code")["reason"].to_dict() == {
        "1002": "no value for outsider_share", "1003": "no value for aged_65_plus_share",
        "1004": "no value for outsider_share, aged_65_plus_share"}
    with pytest.raises(ValueError, match="not columns"):
        area_units(areas, ["turnout"])


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


def test_lisa_scatter_parts_gather_into_the_single_evaluation():
    side = 7
    areas = gpd.GeoDataFrame({"code": [f"{k:04d}" for k in range(side * side)],
                              "outsider_share": np.random.default_rng(5).uniform(0.2, 0.6, side * side)},
                             geometry=[shapely.box(k % side, k // side, k % side + 1, k // side + 1)
                                       for k in range(side * side)], crs="EPSG:28992")
    edges = queen_weights(areas[["code", "geometry"]], id_column="code", policy=IslandPolicy()).edges
    shared = dict(variables=["outsider_share"], permutations=199, seed=11, alpha=0.05)
    whole = local_statistics(areas, edges, **shared)
    parts = [local_statistics(areas, edges, units=unit_chunk(len(areas), part, 3), **shared) for part in (1, 2, 3)]
    gathered = gather_lisa_chunks(parts)
    for statistic in ("local_moran", "local_gi_star"):
        one = whole[whole["statistic_name"] == statistic].reset_index(drop=True)
        other = gathered[gathered["statistic_name"] == statistic].reset_index(drop=True)[one.columns]
        pd.testing.assert_frame_equal(one, other)


def test_benchmark_table_reads_the_lisa_scatter_parts(tmp_path):
    header = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
    part = tmp_path / "neighbourhood_lisa_part" / "all_p9999" / "2-of-2.tsv"
    part.parent.mkdir(parents=True)
    part.write_text(header + "4.0\t0:00:04\t380.0\t900\t400\t401\t1\t2\t150\t3.5\n", encoding="utf-8")
    summary = tmp_path / "queen_all_summary.json"
    summary.write_text(json.dumps({"units": 3213, "directed_links": 14058}), encoding="utf-8")
    row = benchmark_table([str(part)], summaries=[str(summary)]).iloc[0]
    assert (row["job"], row["size"], row["units"], row["permutations"], row["part"], row["cpu_s"]) == (
        "lisa_part", "all", 3213, 9999, "2-of-2", 3.5)
