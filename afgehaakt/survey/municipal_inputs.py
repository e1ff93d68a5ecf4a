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


CONTEXT_COLUMNS = ("stacked_disadvantage", "low_education_share", "low_income_share", "poor_health_share")
"""The municipal indicators real respondents get, aggregated to their group where the file has no municipality."""


def attach_context(data, municipal: pd.DataFrame, membership: pd.DataFrame | None = None) -> pd.DataFrame:
    """Real respondents (a :class:`afgehaakt.survey.microdata.Microdata`) with the contextual indicators of their
    group: the municipality's own values, or population-weighted means over the municipalities of their province
    (or of the region of ``membership``, columns municipality and region)."""
    from afgehaakt.codes import normalise_code
    from afgehaakt.models.design_based import aggregate_context

    if data.level == "municipality":
        return attach_regional(data.table, municipal)
    if data.level == "province":
        groups = municipal.set_index(municipal["code"].astype(str))["province"].astype(str)
    else:
        if membership is None:
            raise ValueError(f"level {data.level!r} needs a membership table (survey.microdata.membership)")
        groups = pd.Series(membership["region"].astype(str).to_numpy(),
                           index=[normalise_code(code) for code in membership["municipality"]])
    context = aggregate_context(municipal, groups, CONTEXT_COLUMNS)
    unknown = sorted(set(data.table["group"].astype(str)) - set(context.index))
    if unknown:
        raise ValueError(f"respondents in groups without municipal data: {unknown[:5]}")
    joined = data.table.join(context[list(CONTEXT_COLUMNS)], on="group")
    return joined.assign(context_aggregation=f"population-weighted mean over the municipalities of the {data.level}")


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
