"""Postcode areas (PC4): votes of the assigned stations per area, the vote shares, and the area covariates.

Every one of the 4,068 areas of the 2020 geometry is a row. An area without an assigned station has
``stations`` 0 and no votes or shares (missing, not zero): nobody voted *in* it, which says nothing about how its
residents voted. Covariates (CBS, per PC4): mean WOZ house value 2022 (``-99997`` is withheld by CBS and becomes
missing), urbanity 2022 (1 = very strongly urban ... 5 = not urban) and the age structure on 1 January 2021.

The party groups (outsider, orthodox-Protestant) come from the configured classification through
:func:`party_group_votes`, the one place this stage reads it. The orthodox-Protestant share is the configured
group (SGP and ChristenUnie in the default config, as for the municipalities); ``sgp_share`` beside it is the
strictly orthodox SGP alone, since ChristenUnie draws a broader Christian electorate in cities.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from afgehaakt.errors import InputDataError

WOZ_WITHHELD = -99997
AGE_GROUPS_20_34 = ("20-24", "25-29", "30-34")
AGE_GROUPS_65_PLUS = ("65-69", "70-74", "75-79", "80-84", "85-89", "90-94", "95+")


def party_group_votes(votes: pd.DataFrame, party_groups: dict[str, list[str]]) -> pd.DataFrame:
    """Per station (municipality, station_code): the votes of each configured party group and of the SGP.

    The single point where this stage applies the party classification (``config['parties']``).
    """
    keys = ["municipality", "station_code"]
    groups = {f"{group}_votes": votes["party"].isin(parties) for group, parties in party_groups.items()}
    groups["sgp_votes"] = votes["party"] == "SGP"
    frame = votes[keys].assign(**{name: np.where(mask, votes["votes"], 0) for name, mask in groups.items()})
    return frame.groupby(keys, as_index=False).sum()


def read_pc4_polygons(path: str) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The PC4 polygons (``pc4``, geometry in EPSG:28992) and the areas left out, with why (empty geometry)."""
    polygons = gpd.read_file(path)
    if "postcode" not in polygons.columns:
        raise InputDataError(path, "column postcode is missing", field="postcode", expected="the PC4 layer")
    if polygons.crs is None or polygons.crs.to_epsg() != 28992:
        raise InputDataError(path, f"CRS {polygons.crs}", expected="EPSG:28992 (RD New)")
    polygons = polygons.rename(columns={"postcode": "pc4"})[["pc4", "geometry"]]
    codes = pd.to_numeric(polygons["pc4"], errors="coerce")
    if codes.isna().any() or not codes.between(1000, 9999).all() or (codes % 1 != 0).any():
        bad = polygons.loc[codes.isna() | ~codes.between(1000, 9999), "pc4"]
        raise InputDataError(path, f"postcode {bad.iloc[0] if len(bad) else '?'!r}", field="postcode",
                             expected="a four-digit PC4 code")
    polygons["pc4"] = codes.astype("int64").astype(str)
    if polygons["pc4"].duplicated().any():
        raise InputDataError(path, f"PC4 {polygons.loc[polygons['pc4'].duplicated(), 'pc4'].iloc[0]} twice",
                             field="postcode", expected="one polygon per PC4")
    empty = polygons.geometry.is_empty | polygons.geometry.isna()
    excluded = polygons.loc[empty, ["pc4"]].assign(reason="empty geometry in the PC4 layer")
    kept = polygons[~empty].sort_values("pc4", ignore_index=True)
    return kept, excluded.reset_index(drop=True)


def read_covariates(woz_path: str, age_path: str, centroid_path: str) -> pd.DataFrame:
    """Per PC4: ``woz`` (1,000 euro), ``urbanity`` (1-5), population, age shares, 2021 municipality of its point."""
    woz = pd.read_csv(woz_path, sep=";", dtype={"pc4": str}, encoding="utf-8-sig")
    for column in ("pc4", "woz", "urb"):
        if column not in woz.columns:
            raise InputDataError(woz_path, f"column {column} is missing", field=column, expected="pc4;woz;urb")
    woz = woz.assign(pc4=woz["pc4"].str.zfill(4)).set_index("pc4")
    table = pd.DataFrame({"woz": woz["woz"].astype(float).where(woz["woz"] != WOZ_WITHHELD),
                          "urbanity": woz["urb"].astype(float)})
    ages = pd.read_csv(age_path, dtype={"postcode": str})
    for column in ("postcode", "leeftijd", "inwoners"):
        if column not in ages.columns:
            raise InputDataError(age_path, f"column {column} is missing", field=column,
                                 expected="postcode,leeftijd,inwoners,...")
    ages["pc4"] = ages["postcode"].str.zfill(4)
    population = ages.groupby("pc4")["inwoners"].sum()
    share = {
        "aged_20_34_share": ages[ages["leeftijd"].isin(AGE_GROUPS_20_34)].groupby("pc4")["inwoners"].sum(),
        "aged_65_plus_share": ages[ages["leeftijd"].isin(AGE_GROUPS_65_PLUS)].groupby("pc4")["inwoners"].sum(),
    }
    ages_table = pd.DataFrame({"population": population})
    for name, counts in share.items():
        ages_table[name] = counts.reindex(population.index).fillna(0) / population.where(population > 0)
    centroids = pd.read_csv(centroid_path, dtype={"pc4": str, "gm_code_2021_spatial": str})
    centroids = centroids.assign(pc4=centroids["pc4"].str.zfill(4)).set_index("pc4")
    points = pd.DataFrame({
        "municipality_2021": centroids["gm_code_2021_spatial"].str.removeprefix("GM"),
        "municipality_2021_name": centroids["gm_name_2021_spatial"],
        "x_point": centroids["x_rd_pos"], "y_point": centroids["y_rd_pos"],
    })
    return table.join(ages_table, how="outer").join(points, how="outer").rename_axis("pc4")


def pc4_values(stations: pd.DataFrame, station_groups: pd.DataFrame, votes: pd.DataFrame,
               polygons: gpd.GeoDataFrame, covariates: pd.DataFrame, *, party_groups: list[str]) -> gpd.GeoDataFrame:
    """One row per PC4 polygon: stations, votes, votes per party, group shares, municipality, covariates.

    ``stations`` is the station table (only ``assigned`` rows are used); ``station_groups`` the output of
    :func:`party_group_votes`. ``municipality`` is the (2023-code) municipality of the area's stations, the one
    with most votes when stations of two municipalities share an area (``municipalities`` counts them).
    """
    keys = ["municipality", "station_code"]
    assigned = stations.loc[stations["status"] == "assigned", [*keys, "pc4", "votes"]]
    placed = assigned.merge(station_groups, on=keys, how="left", validate="one_to_one")
    group_columns = [f"{group}_votes" for group in party_groups] + ["sgp_votes"]
    per_area = placed.groupby("pc4").agg(stations=("station_code", "size"), votes=("votes", "sum"),
                                         municipalities=("municipality", "nunique"),
                                         **{c: (c, "sum") for c in group_columns})
    by_municipality = placed.groupby(["pc4", "municipality"])["votes"].sum().reset_index()
    main = by_municipality.sort_values(["pc4", "votes", "municipality"], ascending=[True, False, True])
    per_area["municipality"] = main.drop_duplicates("pc4").set_index("pc4")["municipality"]
    for group in [*party_groups, "sgp"]:
        per_area[f"{group}_share"] = per_area[f"{group}_votes"] / per_area["votes"].where(per_area["votes"] > 0)
    party_votes = (votes.merge(assigned[[*keys, "pc4"]], on=keys)
                   .pivot_table(index="pc4", columns="party", values="votes", aggfunc="sum", fill_value=0))
    party_votes.columns = [f"votes_{party}" for party in party_votes.columns]
    areas = polygons.set_index("pc4").join(per_area).join(party_votes).join(covariates, how="left")
    areas["stations"] = areas["stations"].fillna(0).astype("int64")
    areas["has_value"] = areas["votes"].gt(0)
    return gpd.GeoDataFrame(areas.reset_index(), geometry="geometry", crs=polygons.crs)
