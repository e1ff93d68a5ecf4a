"""The cabinet letter's two groups at municipal level: mid-sized municipalities and the middle income groups.

Size classes are CBS's municipal size classes by inhabitants (*gemeentegrootteklassen*, as in StatLine's
"Gemeentegrootte" groupings: fewer than 5,000; 5,000-10,000; 10,000-20,000; 20,000-50,000; 50,000-100,000;
100,000-150,000; 150,000-250,000; 250,000 or more inhabitants), applied to the inhabitants of 1 January 2021
(70072NED) on 2021 boundaries; the bounds are config ``letter_groups.size_classes.bounds``. The models group
them into small / mid-sized / large (config ``letter_groups.model_groups``) so that every group has enough
municipalities for an interaction.

Inference that respects spatial autocorrelation: a **spatial block bootstrap**. Municipalities are cut into
contiguous-ish blocks by k-means on their centroids (config ``blocks``, seed from config); each replicate draws
as many blocks as there are, with replacement, and recomputes the statistic with every municipality weighted by
how often its block was drawn. Confidence intervals are percentile intervals over the replicates. Means are
unweighted over municipalities (a municipality is the unit, as in the Atlas), not national rates.

Middle groups are ecological: a municipality's share of income recipients in the national 40th-80th percentile
says nothing about how persons in that group vote (:data:`ECOLOGICAL_NOTE`, carried by every table).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from libpysal.graph import Graph
from sklearn.cluster import KMeans

from afgehaakt.spatial.ols import fit_ols
from afgehaakt.spatial.residual_moran import residual_moran_of_fit

ECOLOGICAL_NOTE = (
    "Ecological: municipal shares, not persons. A relation between a municipality's middle-income share and its "
    "turnout or outsider vote does not show how persons with middle incomes vote (ecological inference fallacy).")
SIZE_SOURCE = "CBS municipal size classes (gemeentegrootteklassen) by inhabitants on 1 January 2021 (70072NED)"


def size_class_labels(bounds: list[int]) -> list[str]:
    """"<5,000", "5,000-10,000", ..., ">=250,000" for increasing ``bounds``."""
    if list(bounds) != sorted(set(bounds)) or not bounds or bounds[0] <= 0:
        raise ValueError(f"size-class bounds must be positive and strictly increasing: {bounds}")
    edges = [f"{b:,}" for b in bounds]
    return [f"<{edges[0]}"] + [f"{low}-{high}" for low, high in zip(edges, edges[1:])] + [f">={edges[-1]}"]


def size_classes(inhabitants: pd.Series, bounds: list[int]) -> pd.Series:
    """The size class of each municipality (ordered categorical); a lower bound belongs to its class (a
    municipality of exactly 20,000 is in 20,000-50,000). Missing inhabitants stop the run."""
    if inhabitants.isna().any():
        raise ValueError(f"no inhabitants for {list(inhabitants.index[inhabitants.isna()])[:5]}")
    labels = size_class_labels(bounds)
    codes = np.searchsorted(np.asarray(bounds), inhabitants.to_numpy(dtype=float), side="right")
    return pd.Series(pd.Categorical.from_codes(codes, categories=labels, ordered=True), index=inhabitants.index,
                     name="size_class")


def model_groups(classes: pd.Series, groups: dict[str, list[str]]) -> pd.Series:
    """Size classes grouped for the models (e.g. small / mid-sized / large); every class in exactly one group."""
    lookup = {label: group for group, labels in groups.items() for label in labels}
    unknown = sorted(set(classes.cat.categories) - set(lookup))
    if unknown or len(lookup) != sum(len(v) for v in groups.values()):
        raise ValueError(f"model groups must cover every size class exactly once; missing {unknown}")
    return classes.astype(str).map(lookup).rename("size_group")


def spatial_blocks(x: np.ndarray, y: np.ndarray, *, blocks: int, seed: int) -> np.ndarray:
    """Block number of each municipality: k-means on the centroid coordinates (metres)."""
    return KMeans(n_clusters=blocks, random_state=seed, n_init=10).fit_predict(np.column_stack([x, y]))


def bootstrap_weights(blocks: np.ndarray, *, replicates: int, seed: int) -> np.ndarray:
    """replicates x municipalities: how often each municipality's block was drawn in each replicate."""
    unique, index = np.unique(blocks, return_inverse=True)
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(len(unique), np.full(len(unique), 1 / len(unique)), size=replicates)
    return draws[:, index].astype(float)


@dataclass(frozen=True)
class Bootstrap:
    weights: np.ndarray
    blocks: int
    seed: int
    level: float

    def interval(self, replicated: np.ndarray) -> tuple[float, float, int]:
        valid = replicated[np.isfinite(replicated)]
        tail = (1 - self.level) / 2
        return float(np.quantile(valid, tail)), float(np.quantile(valid, 1 - tail)), len(valid)

    @property
    def method(self) -> str:
        return (f"spatial block bootstrap: {self.blocks} k-means blocks of municipal centroids, "
                f"{self.weights.shape[0]} replicates, seed {self.seed}, percentile {self.level:.0%} interval")


def class_means(frame: pd.DataFrame, group: str, variables: list[str], bootstrap: Bootstrap) -> pd.DataFrame:
    """Per group and variable: municipalities, mean (unweighted over municipalities) and its block-bootstrap
    interval. ``frame`` rows are in the order of the bootstrap's weights."""
    rows = []
    for variable in variables:
        values = frame[variable].to_numpy(dtype=float)
        known = np.isfinite(values)
        for label in frame[group].cat.categories if hasattr(frame[group], "cat") else sorted(frame[group].unique()):
            member = (frame[group] == label).to_numpy() & known
            if not member.any():
                continue
            weights = bootstrap.weights[:, member]
            with np.errstate(invalid="ignore", divide="ignore"):
                replicated = weights @ values[member] / weights.sum(axis=1)
            low, high, valid = bootstrap.interval(replicated)
            rows.append({"variable": variable, group: label, "municipalities": int(member.sum()),
                         "mean": float(values[member].mean()), "ci_low": low, "ci_high": high,
                         "valid_replicates": valid, "method": bootstrap.method})
    return pd.DataFrame(rows)


def weighted_correlation(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Pearson r of x and y under each row of ``weights`` (replicates x units)."""
    total = weights.sum(axis=1)
    mean_x, mean_y = weights @ x / total, weights @ y / total
    dx, dy = x[None, :] - mean_x[:, None], y[None, :] - mean_y[:, None]
    covariance = (weights * dx * dy).sum(axis=1)
    return covariance / np.sqrt((weights * dx**2).sum(axis=1) * (weights * dy**2).sum(axis=1))


def correlations(frame: pd.DataFrame, predictors: list[str], outcomes: list[str], bootstrap: Bootstrap
                 ) -> pd.DataFrame:
    """Pearson r of every predictor with every outcome, with its block-bootstrap interval, and the note."""
    rows = []
    for outcome in outcomes:
        for predictor in predictors:
            both = frame[[predictor, outcome]].notna().all(axis=1).to_numpy()
            x, y = frame.loc[both, predictor].to_numpy(float), frame.loc[both, outcome].to_numpy(float)
            low, high, valid = bootstrap.interval(weighted_correlation(x, y, bootstrap.weights[:, both]))
            rows.append({"outcome": outcome, "predictor": predictor, "municipalities": int(both.sum()),
                         "r": float(np.corrcoef(x, y)[0, 1]), "ci_low": low, "ci_high": high,
                         "valid_replicates": valid, "method": bootstrap.method, "note": ECOLOGICAL_NOTE})
    return pd.DataFrame(rows)


def robust_ols(outcome: pd.Series, covariates: pd.DataFrame, graph: Graph, *, model: str,
               cov_type: str) -> tuple[pd.DataFrame, dict]:
    """OLS with heteroskedasticity-robust standard errors (``cov_type``, e.g. HC3) and Moran's I of its
    residuals (analytical, queen weights, row-standardised; Cliff and Ord's moments for regression residuals).

    Returns the coefficient table and one row of model statistics.
    """
    fit = fit_ols(outcome, covariates, graph)
    result = sm.OLS(outcome.loc[fit.design.index].to_numpy(float), fit.design.to_numpy(float)).fit(cov_type=cov_type)
    coefficients = pd.DataFrame({
        "model": model, "outcome": outcome.name, "term": fit.design.columns, "estimate": result.params,
        "std_error": result.bse, "z": result.tvalues, "p_value": result.pvalues,
        "ci_low": result.conf_int()[:, 0], "ci_high": result.conf_int()[:, 1], "covariance": cov_type})
    moran = residual_moran_of_fit(fit, graph, weights_name="queen", alternative="two-sided")
    statistics = {"model": model, "outcome": outcome.name, "observations": int(result.nobs),
                  "r_squared": float(result.rsquared), "covariance": cov_type,
                  "residual_moran_i": moran.statistic, "residual_moran_z": moran.z,
                  "residual_moran_p": moran.p_value, "residual_moran_test": "analytical, two-sided, queen (r)"}
    return coefficients, statistics


def bootstrap_coefficients(outcome: pd.Series, covariates: pd.DataFrame, bootstrap: Bootstrap,
                           order: pd.Index) -> pd.DataFrame:
    """Block-bootstrap percentile intervals of OLS coefficients (term, boot_ci_low, boot_ci_high,
    boot_valid_replicates): each replicate refits with every municipality weighted by its block's draws, so the
    interval keeps the spatial dependence that HC3 ignores. ``order`` is the bootstrap's unit order."""
    design = np.column_stack([np.ones(len(order)), covariates.loc[order].to_numpy(float)])
    y = outcome.loc[order].to_numpy(float)
    cross = np.einsum("ri,ij,ik->rjk", bootstrap.weights, design, design)
    moment = np.einsum("ri,ij,i->rj", bootstrap.weights, design, y)
    estimates = np.full((len(cross), design.shape[1]), np.nan)
    solvable = np.linalg.matrix_rank(cross) == design.shape[1]
    estimates[solvable] = np.linalg.solve(cross[solvable], moment[solvable][..., None])[..., 0]
    rows = []
    for position, term in enumerate(["(Intercept)", *covariates.columns]):
        low, high, valid = bootstrap.interval(estimates[:, position])
        rows.append({"term": term, "boot_ci_low": low, "boot_ci_high": high, "boot_valid_replicates": valid})
    return pd.DataFrame(rows)


def interaction_design(table: pd.DataFrame, *, stacked: str, group: str, reference: str) -> pd.DataFrame:
    """Stacked disadvantage, one dummy per non-reference size group and their products with stacked."""
    design = pd.DataFrame({stacked: table[stacked]}, index=table.index)
    for label in sorted(set(table[group]) - {reference}):
        dummy = (table[group] == label).astype(float)
        design[f"size_{label}"] = dummy
        design[f"{stacked}_x_size_{label}"] = dummy * table[stacked]
    return design


@dataclass(frozen=True)
class LetterGroups:
    classes: pd.DataFrame
    class_means: pd.DataFrame
    interaction_coefficients: pd.DataFrame
    interaction_models: pd.DataFrame
    middle_correlations: pd.DataFrame
    middle_coefficients: pd.DataFrame
    middle_models: pd.DataFrame


STACKED = "stacked_disadvantage"
MIDDLE_PREDICTORS = ["middle_income_share", "lowest_40_income_share"]


def letter_group_tables(table: pd.DataFrame, series: dict[str, pd.DataFrame], centroids: pd.DataFrame,
                        graph: Graph, settings: dict, model_elections: list[str]) -> LetterGroups:
    """All tables of the two groups.

    ``table``: the analysis table indexed by code (features with ``population``, ``stacked_disadvantage``,
    the middle-income shares and ``turnout_<e>``/``outsider_share_<e>`` of the model elections);
    ``series``: election -> its indicators on the target year (code, turnout, outsider_share), the elections
    over time; ``centroids``: code, x, y (metres).
    """
    frame = table.copy()
    frame["size_class"] = size_classes(frame["population"].astype(float), settings["size_classes"]["bounds"])
    frame["size_group"] = model_groups(frame["size_class"], settings["model_groups"])
    xy = centroids.set_index("code").loc[frame.index]
    boot = settings["bootstrap"]
    frame["block"] = spatial_blocks(xy["x"].to_numpy(), xy["y"].to_numpy(), blocks=boot["blocks"], seed=boot["seed"])
    bootstrap = Bootstrap(bootstrap_weights(frame["block"].to_numpy(), replicates=boot["replicates"],
                                            seed=boot["seed"]), boot["blocks"], boot["seed"], boot["level"])
    means = [class_means(frame, "size_class", [STACKED, *MIDDLE_PREDICTORS], bootstrap).assign(election="")]
    for election, indicators in series.items():
        values = frame[["size_class"]].join(indicators.set_index("code")[["turnout", "outsider_share"]])
        means.append(class_means(values, "size_class", ["turnout", "outsider_share"], bootstrap)
                     .assign(election=election))
    coefficients, models = [], []
    middle_coefficients, middle_models = [], []
    design = interaction_design(frame, stacked=STACKED, group="size_group", reference=settings["reference_group"])
    for election in model_elections:
        for outcome in ("turnout", "outsider_share"):
            y = frame[f"{outcome}_{election}"].rename(f"{outcome}_{election}")
            c, m = robust_ols(y, design, graph, model="stacked x size group", cov_type=settings["covariance"])
            coefficients.append(c.merge(bootstrap_coefficients(y, design, bootstrap, frame.index), on="term",
                                        validate="1:1").assign(boot_method=bootstrap.method))
            models.append(m)
            c, m = robust_ols(y, frame[MIDDLE_PREDICTORS], graph, model="middle and lowest-40 income shares",
                              cov_type=settings["covariance"])
            boot = bootstrap_coefficients(y, frame[MIDDLE_PREDICTORS], bootstrap, frame.index)
            middle_coefficients.append(c.merge(boot, on="term", validate="1:1")
                                       .assign(boot_method=bootstrap.method, note=ECOLOGICAL_NOTE))
            middle_models.append({**m, "note": ECOLOGICAL_NOTE})
    outcomes = [f"{o}_{e}" for e in model_elections for o in ("turnout", "outsider_share")]
    return LetterGroups(
        classes=frame[["name", "population", "size_class", "size_group", "block"]].reset_index(),
        class_means=pd.concat(means, ignore_index=True),
        interaction_coefficients=pd.concat(coefficients, ignore_index=True).assign(
            reference_group=settings["reference_group"]),
        interaction_models=pd.DataFrame(models),
        middle_correlations=correlations(frame, MIDDLE_PREDICTORS + ["low_income_households_share"], outcomes,
                                         bootstrap),
        middle_coefficients=pd.concat(middle_coefficients, ignore_index=True),
        middle_models=pd.DataFrame(middle_models))
