"""Analyses of the outsider share per postcode area: weights, spatial autocorrelation, the between/within split
and regressions on the area covariates, each stating its sample, weights and inference.

Missing-value policy: an area without a value (no assigned station, or a covariate missing for the regression)
leaves the weights *before* they are built, as municipalities left out of a statistic do: contiguity and nearest
neighbours are found among the areas that enter the statistic, so no area inherits a value through a missing
neighbour. Areas that thereby lose every contiguous neighbour (and groups cut off from the rest) are then treated
by the configured island policy, like the Wadden islands among the municipalities; every summary records how many
areas were left out, how many components there were and which links the policy added.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import statsmodels.api as sm
from libpysal.graph import Graph

from afgehaakt.models.weighted_intercept import fit_weighted_intercept
from afgehaakt.spatial.distance_weights import edge_list_summary, knn_weights
from afgehaakt.spatial.local import local_moran
from afgehaakt.spatial.moran import global_moran
from afgehaakt.spatial.weights import IslandPolicy, graph_from_edges, queen_weights

OUTCOME = "outsider_share"
COVARIATES = ("log_woz", "aged_20_34_share", "aged_65_plus_share")
URBANITY_LEVELS = (2, 3, 4, 5)  # dummies against 1 = very strongly urban


@dataclass(frozen=True)
class AreaWeights:
    """Queen and k-nearest-neighbour weights among the areas of one sample, with their summaries."""

    ids: tuple[str, ...]
    edges: dict[str, pd.DataFrame]
    summaries: dict[str, dict]

    def graph(self, name: str) -> Graph:
        return graph_from_edges(self.edges[name], self.ids)


def layer_contiguity(areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """Queen links among every polygon of the layer, before any value or island policy (``contiguity`` below)."""
    return queen_weights(areas[["pc4", "geometry"]], id_column="pc4", policy=IslandPolicy("none")).edges


def area_weights(areas: gpd.GeoDataFrame, sample: pd.Series, *, policy: IslandPolicy, k: int, sample_name: str,
                 contiguity: pd.DataFrame | None = None) -> AreaWeights:
    """Weights among the areas where ``sample`` is True (areas outside it leave the weights first).

    ``contiguity`` (from :func:`layer_contiguity`) saves recomputing the queen links of the layer.
    """
    kept = areas.loc[sample.to_numpy(), ["pc4", "geometry"]]
    left_out = int((~sample).sum())
    policy_note = {"sample": sample_name, "areas_in_layer": len(areas), "areas_left_out": left_out,
                   "missing_value_policy": "areas without a value leave the weights before they are built"}
    queen = queen_weights(kept, id_column="pc4", policy=policy, contiguity=contiguity)
    knn = knn_weights(kept, id_column="pc4", k=k)
    return AreaWeights(
        ids=queen.ids,
        edges={"queen": queen.edges, "knn": knn.edges},
        summaries={"queen": policy_note | queen.summary(),
                   "knn": policy_note | edge_list_summary(knn.edges, knn.ids) | {"k": k}},
    )


def value_sample(areas: pd.DataFrame) -> pd.Series:
    """The areas with an outsider share (at least one assigned station with votes)."""
    return areas["has_value"].astype(bool) & areas[OUTCOME].notna()


def regression_frame(areas: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The regression variables of the areas with a value, and the areas left out with the missing variable."""
    frame = areas.loc[value_sample(areas)].set_index("pc4")
    frame = frame.assign(log_woz=np.log(frame["woz"].where(frame["woz"] > 0)))
    for level in URBANITY_LEVELS:
        frame[f"urbanity_{level}"] = (frame["urbanity"] == level).astype(float).where(frame["urbanity"].notna())
    needed = [OUTCOME, *COVARIATES, *(f"urbanity_{level}" for level in URBANITY_LEVELS), "municipality", "votes"]
    missing = frame[needed].isna()
    excluded = pd.DataFrame({"pc4": frame.index[missing.any(axis=1)],
                             "reason": ["missing " + ", ".join(missing.columns[row]) for row in
                                        missing.to_numpy()[missing.any(axis=1)]]})
    return frame.loc[~missing.any(axis=1), needed], excluded


def design_terms() -> list[str]:
    return [*COVARIATES, *(f"urbanity_{level}" for level in URBANITY_LEVELS)]


def global_moran_rows(values: pd.Series, weights: AreaWeights, *, permutations: int, seed: int,
                      alternative: str, sample: str) -> pd.DataFrame:
    rows = [global_moran(values, weights.graph(name), weights_name=name, permutations=permutations, seed=seed,
                         alternative=alternative).as_row() | {"sample": sample} for name in weights.edges]
    return pd.DataFrame(rows)


def lisa_table(values: pd.Series, weights: AreaWeights, *, permutations: int, seed: int, alpha: float,
               draws: str) -> pd.DataFrame:
    """Local Moran per area on queen weights, two-sided conditional permutation, unadjusted and FDR labels."""
    return local_moran(values, weights.graph("queen"), weights_name="queen", permutations=permutations, seed=seed,
                       alpha=alpha, draws=draws)


def variance_split(frame: pd.DataFrame, *, sample: str) -> dict:
    """Null model y = mu + u_municipality + e (REML, precision weights = votes): between and within shares."""
    intercept = pd.DataFrame({"intercept": np.ones(len(frame))}, index=frame.index)
    fit = fit_weighted_intercept(frame[OUTCOME].to_numpy(), intercept, frame["municipality"].to_numpy(),
                                 frame["votes"].to_numpy())
    return {"sample": sample, "outcome": OUTCOME, "areas": fit.n, "municipalities": fit.groups,
            "mean": float(fit.coefficients["estimate"].iloc[0]), "tau2_between": fit.tau2,
            "sigma2_within": fit.sigma2, "between_share": fit.between_share,
            "within_share": 1 - fit.between_share, "method": fit.method,
            "weights": "votes, scaled to mean 1 (residual variance sigma2 / w)", "log_likelihood": fit.log_likelihood,
            "converged": fit.converged, "message": fit.message}


@dataclass(frozen=True)
class RegressionResults:
    coefficients: pd.DataFrame
    models: pd.DataFrame
    residuals: pd.Series


def area_regressions(frame: pd.DataFrame, *, sample: str) -> RegressionResults:
    """Outsider share on house value, age structure and urbanity, weighted by votes, with the municipality as

    - fixed effect: WLS of the deviations from the vote-weighted municipal means (equal to WLS with municipality
      dummies), standard errors clustered by municipality (CR1, statsmodels);
    - random effect: the weighted random-intercept model (REML), standard errors conditional on the variances.

    ``residuals`` are those of the fixed-effect model (what the covariates and the municipality leave).
    """
    terms = design_terms()
    y = frame[OUTCOME].to_numpy()
    weights = frame["votes"].to_numpy(dtype=float)
    groups = pd.factorize(frame["municipality"], sort=True)[0]
    within_y, within_X = _weighted_within(frame[[OUTCOME, *terms]], groups, weights)
    fixed = sm.WLS(within_y, within_X, weights=weights).fit(cov_type="cluster", cov_kwds={"groups": groups})
    fixed_rows = pd.DataFrame({"term": terms, "estimate": fixed.params[terms].to_numpy(),
                               "std_error": fixed.bse[terms].to_numpy(), "z": fixed.tvalues[terms].to_numpy(),
                               "p_value": fixed.pvalues[terms].to_numpy()}).assign(
        model="municipality fixed effects",
        covariance="clustered by municipality (CR1; small-sample factor counts the covariates, not the absorbed "
                   "municipality means, which are nested in the clusters)")
    random_design = sm.add_constant(frame[terms]).rename(columns={"const": "intercept"})
    random = fit_weighted_intercept(y, random_design, frame["municipality"].to_numpy(), weights)
    random_rows = random.coefficients.assign(model="municipality random intercept",
                                             covariance="model-based, conditional on tau2 and sigma2 (REML)")
    coefficients = pd.concat([fixed_rows, random_rows], ignore_index=True).assign(sample=sample, outcome=OUTCOME)
    models = pd.DataFrame([
        {"model": "municipality fixed effects", "areas": int(fixed.nobs), "municipalities": int(groups.max() + 1),
         "r2_within": float(fixed.rsquared), "tau2_between": np.nan, "sigma2_within": np.nan,
         "converged": True, "estimator": "WLS, weights = votes"},
        {"model": "municipality random intercept", "areas": random.n, "municipalities": random.groups,
         "r2_within": np.nan, "tau2_between": random.tau2, "sigma2_within": random.sigma2,
         "converged": random.converged, "estimator": "REML, precision weights = votes (scaled to mean 1)"},
    ]).assign(sample=sample, outcome=OUTCOME)
    residuals = pd.Series(within_y - fixed.fittedvalues.to_numpy(), index=frame.index, name="fixed_effect_residual")
    return RegressionResults(coefficients, models, residuals)


def inset_summary(areas: pd.DataFrame, lisa: pd.DataFrame, municipalities: list[str]) -> pd.DataFrame:
    """Per inset municipality (2021 code of the areas' points): areas, areas with a value, votes, the
    municipality's outsider share over its placed votes, the spread of its areas' shares and their FDR clusters."""
    clusters = lisa.set_index("code")["cluster_fdr"]
    rows = []
    for code in municipalities:
        members = areas[areas["municipality_2021"] == code]
        if members.empty:
            raise ValueError(f"inset municipality {code}: no postcode area has its point there")
        valued = members[value_sample(members)]
        shares = valued[OUTCOME]
        labels = clusters.reindex(valued["pc4"]).value_counts()
        rows.append({
            "municipality_2021": code, "name": members["municipality_2021_name"].iloc[0],
            "areas": len(members), "areas_with_value": len(valued), "stations": int(valued["stations"].sum()),
            "votes": float(valued["votes"].sum()),
            "outsider_share": float(valued["outsider_votes"].sum() / valued["votes"].sum()) if len(valued) else np.nan,
            "area_share_min": float(shares.min()), "area_share_max": float(shares.max()),
            "area_share_sd": float(shares.std(ddof=1)) if len(shares) > 1 else np.nan,
            **{f"fdr_{label}": int(labels.get(label, 0)) for label in ("HH", "LL", "HL", "LH")},
        })
    return pd.DataFrame(rows)


def sensitivity_rows(name: str, areas: pd.DataFrame, moran: pd.DataFrame, split: dict,
                     coefficients: pd.DataFrame) -> pd.DataFrame:
    """The headline quantities of one run (all stations, or without the special ones) as (quantity, value)."""
    valued = areas[value_sample(areas)]
    fixed = coefficients[coefficients["model"] == "municipality fixed effects"].set_index("term")["estimate"]
    quantities = {
        "areas with a value": len(valued), "stations": int(valued["stations"].sum()),
        "votes": float(valued["votes"].sum()),
        "outsider share of placed votes": float(valued["outsider_votes"].sum() / valued["votes"].sum()),
        **{f"Moran's I ({row.weights})": row.statistic for row in moran.itertuples()},
        "between-municipality share of variance": split["between_share"],
        **{f"fixed-effect coefficient: {term}": value for term, value in fixed.items()},
    }
    return pd.DataFrame({"quantity": list(quantities), name: list(quantities.values())})


def _weighted_within(columns: pd.DataFrame, groups: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, pd.DataFrame]:
    """Deviations from the vote-weighted municipal means: the within transformation of weighted least squares
    with municipality dummies (Frisch-Waugh-Lovell), so the covariate coefficients and residuals equal theirs."""
    totals = np.zeros((groups.max() + 1, columns.shape[1]))
    np.add.at(totals, groups, columns.to_numpy(dtype=float) * weights[:, None])
    means = totals / np.bincount(groups, weights=weights)[:, None]
    within = columns - means[groups]
    return within.iloc[:, 0].to_numpy(), within.iloc[:, 1:]
