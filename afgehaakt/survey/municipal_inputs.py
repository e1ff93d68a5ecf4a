"""The municipal side of the survey: what the generator draws from and what real respondents are joined to."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from afgehaakt.features.stacked import count_domains
from afgehaakt.spatial.distance_weights import municipal_centroids


def municipal_survey_table(features: pd.DataFrame, stacked: pd.DataFrame, boundaries: gpd.GeoDataFrame) -> pd.DataFrame:
    """One row per municipality in the columns the synthetic generator expects.

    ``stacked_disadvantage`` is the mean-z index standardised to mean 0 and SD 1 over municipalities, so that its
    true coefficient is per standard deviation; centroids (RD New metres) carry the spatial random effect.
    """
    index = stacked.set_index(stacked["code"].astype(str))["mean_z"].astype(float)
    centroids = municipal_centroids(boundaries, id_column="code")
    table = pd.DataFrame({
        "code": features["code"].astype(str).to_numpy(),
        "population": features["population"].astype(float).to_numpy(),
        "low_education_share": features["low_education_share"].to_numpy(),
        "low_income_share": features["low_income_households_share"].to_numpy(),
        "poor_health_share": features["poor_health_share"].to_numpy(),
        "province": features["province"].astype(str).to_numpy(),
    })
    standardised = (index - index.mean()) / index.std(ddof=1)
    table["stacked_disadvantage"] = table["code"].map(standardised).to_numpy()
    table["x"] = table["code"].map(centroids["x"]).to_numpy()
    table["y"] = table["code"].map(centroids["y"]).to_numpy()
    if table[["stacked_disadvantage", "x", "y"]].isna().any().any():
        missing = table.loc[table[["stacked_disadvantage", "x", "y"]].isna().any(axis=1), "code"].tolist()
        raise ValueError(f"no stacked-disadvantage score or centroid for municipalities {missing[:5]}")
    return table


def attach_regional(respondents: pd.DataFrame, municipal: pd.DataFrame) -> pd.DataFrame:
    """Join the municipal regressors (stacked disadvantage, province) to real respondents by municipality."""
    regional = municipal.set_index("code")[["stacked_disadvantage", "province"]]
    joined = respondents.join(regional, on="municipality", how="left")
    unknown = joined.loc[joined["stacked_disadvantage"].isna(), "municipality"].unique()
    if len(unknown):
        raise ValueError(f"respondents in municipalities without regional data: {sorted(unknown)[:5]}")
    return joined


INDIVIDUAL_DOMAINS = {"education": "edu_low", "income": "low_income", "health": "poor_health"}
"""The Atlas's three domains for a respondent: low education, low income, poor self-rated health."""


def individual_stacked_disadvantage(respondents: pd.DataFrame) -> pd.Series:
    """Number of domains (0-3) in which a respondent is disadvantaged, counted by the municipal code's function.

    Domains whose column the survey lacks are left out and named in the series' ``attrs``; a respondent with a
    missing flag gets NA rather than a guess.
    """
    present = {domain: column for domain, column in INDIVIDUAL_DOMAINS.items() if column in respondents.columns}
    flags = respondents[list(present.values())].astype("boolean")
    counts = count_domains(flags).rename("disadvantaged_domains")
    counts.attrs["domains"] = sorted(present)
    counts.attrs["missing_domains"] = sorted(set(INDIVIDUAL_DOMAINS) - set(present))
    return counts
