"""The spatial analyses of the workflow, composed from the statistics: what is tested, under which weights.

Each function takes the municipal features table (one row per municipality, columns named as in the codebook,
with election outcomes suffixed by the election id) and returns tidy tables; the scripts only read and write.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from libpysal.graph import Graph

from afgehaakt.spatial.burgerschapszone import (
    MIN_AXIS_UNITS,
    axis_permutation_test,
    principal_axis,
    residual_clusters,
)
from afgehaakt.spatial.conditional_permutation import Draws
from afgehaakt.spatial.distance_weights import municipal_centroids
from afgehaakt.spatial.explanations import candidate_effects
from afgehaakt.spatial.local import local_bivariate_moran, local_getis_ord_star, local_moran, with_fdr_labels
from afgehaakt.spatial.moran import global_moran
from afgehaakt.spatial.regression import spatial_regression
from afgehaakt.spatial.robustness import global_statistics_table
from afgehaakt.spatial.turnout_policy import PolicyTurnout, turnout_under_policy, weights_without
from afgehaakt.spatial.weights import IslandPolicy, graph_from_edges

STACKED = "stacked_disadvantage"
"""Column name of the stacked-disadvantage index (mean of oriented z-scores) in the analysis table."""


def analysis_table(features: pd.DataFrame, stacked: pd.DataFrame) -> pd.DataFrame:
    """Features indexed by code, with the stacked-disadvantage index (mean z) joined in."""
    index = stacked[["code", "mean_z"]].rename(columns={"mean_z": STACKED}).astype({"code": "string"})
    return features.merge(index, on="code", how="left", validate="1:1").set_index("code")


def election_column(name: str, election: str, table: pd.DataFrame) -> str:
    """``turnout`` -> ``turnout_tk2021`` where the table has it; other names unchanged."""
    suffixed = f"{name}_{election}"
    return suffixed if suffixed in table.columns else name


def graphs_from_edges(edge_tables: dict[str, pd.DataFrame], ids: list[str]) -> dict[str, Graph]:
    return {name: graph_from_edges(edges, tuple(ids)) for name, edges in edge_tables.items()}


def robustness_table(table: pd.DataFrame, graphs: dict[str, Graph], *, variables: list[str], elections: list[str],
                     focus_election: str, covariates: list[str], permutations: int, seed: int,
                     alternative: str) -> pd.DataFrame:
    """Every global statistic of every variable under every weights type, plus bivariate and residual Moran.

    Univariate and residual tests use the configured ``alternative``; bivariate tests of stacked disadvantage
    against turnout and the outsider vote are two-sided, since their sign is part of the question.
    """
    outcomes = [f"{o}_{e}" for e in elections for o in ("turnout", "outsider_share")]
    focus = [f"turnout_{focus_election}", f"outsider_share_{focus_election}"]
    columns = [*variables, *outcomes, STACKED, *covariates]
    values = table[list(dict.fromkeys(columns))].astype(float)
    shared = {"permutations": permutations, "seed": seed}
    univariate = global_statistics_table(
        values,
        graphs,
        alternative=alternative,
        variables=tuple(dict.fromkeys([*variables, *outcomes, STACKED])),
        residual_models={f"ols_{o}": (o, tuple(covariates)) for o in focus},
        **shared,
    )
    # Disadvantage goes with lower turnout and a higher outsider vote: the sign is the question, so two-sided.
    bivariate = global_statistics_table(
        values,
        graphs,
        alternative="two-sided",
        variables=(),
        bivariate_pairs=tuple((STACKED, outcome) for outcome in focus),
        **shared,
    )
    return pd.concat([univariate, bivariate], ignore_index=True)


def lisa_tables(table: pd.DataFrame, graph: Graph, *, weights_name: str, variables: list[str],
                bivariate_with: str, permutations: int, seed: int, alpha: float,
                draws: Draws = "independent", units: np.ndarray | None = None) -> pd.DataFrame:
    """Local Moran and Gi* of each variable, and bivariate local Moran of ``bivariate_with`` against each.

    With ``units`` (positions in the graph) only those units are evaluated, without the FDR columns, plus a
    ``position`` column: one scatter part, for :func:`gather_lisa_chunks`.
    """
    shared = {"weights_name": weights_name, "permutations": permutations, "seed": seed, "alpha": alpha,
              "draws": draws, "units": units}
    frames = []
    for variable in variables:
        values = table[variable].astype(float).rename(variable)
        frames.append(local_moran(values, graph, **shared).assign(statistic_name="local_moran"))
        # Gi* is a ratio of sums and only defined for non-negative values (not for z-score indices).
        if (values >= 0).all():
            frames.append(local_getis_ord_star(values, graph, **shared).assign(statistic_name="local_gi_star"))
        if variable != bivariate_with:
            x = table[bivariate_with].astype(float).rename(bivariate_with)
            bivariate = local_bivariate_moran(x, values, graph, **shared)
            frames.append(bivariate.assign(statistic_name="local_bivariate_moran"))
    if units is not None:
        frames = [frame.assign(position=np.asarray(units, dtype=np.int64)) for frame in frames]
    return pd.concat(frames, ignore_index=True)


def unit_chunk(n_units: int, part: int, parts: int) -> np.ndarray:
    """Positions of scatter part ``part`` of ``parts`` (1-based): contiguous, sizes differing by at most one."""
    if not 1 <= part <= parts:
        raise ValueError(f"scatter part {part} of {parts}: need 1 <= part <= parts")
    if parts > n_units:
        raise ValueError(f"{parts} scatter parts for {n_units} units: at most one part per unit")
    return np.array_split(np.arange(n_units), parts)[part - 1]


def gather_lisa_chunks(chunks: list[pd.DataFrame]) -> pd.DataFrame:
    """The LISA table of all units from its scatter parts: units in graph order, FDR labels over all units.

    Every unit must appear exactly once per statistic and variable; the result equals :func:`lisa_tables`
    evaluated in one job.
    """
    rows = pd.concat(chunks, ignore_index=True)
    blocks = rows[["statistic_name", "variable"]].drop_duplicates()
    frames = []
    for statistic_name, variable in blocks.itertuples(index=False):
        block = rows[(rows["statistic_name"] == statistic_name) & (rows["variable"] == variable)]
        block = block.sort_values("position", kind="stable")
        if not np.array_equal(block["position"].to_numpy(), np.arange(len(block))) or block["code"].duplicated().any():
            raise ValueError(f"LISA parts of {statistic_name} {variable}: units missing or repeated "
                             f"({len(block)} rows, positions not 0..n-1) - were the parts made on the same graph?")
        labelled = with_fdr_labels(block.drop(columns=["position", "statistic_name"]))
        frames.append(labelled.assign(statistic_name=statistic_name))
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True)
class ZoneResult:
    """The burgerschapszone answer for one outcome: residuals with LISA, HH units, orientation test, candidates."""

    outcome: str
    residual_lisa: pd.DataFrame
    axis: pd.DataFrame
    candidates: pd.DataFrame
    coefficients: pd.DataFrame


def burgerschapszone(table: pd.DataFrame, graph: Graph, edges: pd.DataFrame, boundaries: gpd.GeoDataFrame, *,
                     outcome: str, better: str, covariates: list[str], candidates: list[str], weights_name: str,
                     permutations: int, seed: int, alpha: float, axis_draws: int, bootstrap_draws: int = 999,
                     population: str = "population", draws: Draws = "independent") -> ZoneResult:
    """Where does ``outcome`` beat its prediction, is that a SW-NE band, and what explains the clustering?

    "Better" is a high residual for turnout and a low one for the outsider vote or poor health. The analysis
    runs on the outcome oriented so that higher is better (sign reversed where ``better`` is ``low``); the
    residuals, clusters (HH = better than predicted, among neighbours that are too) and coefficients are
    therefore on that oriented scale, which the ``orientation`` column states.
    """
    if better not in ("high", "low"):
        raise ValueError(f"better must be 'high' or 'low', not {better!r}")
    oriented = table[outcome].astype(float) * (1.0 if better == "high" else -1.0)
    orientation = "as observed" if better == "high" else "sign reversed (lower is better)"
    clusters = residual_clusters(oriented.rename(outcome), table[covariates].astype(float),
                                 graph, weights_name=weights_name, permutations=permutations, seed=seed,
                                 alpha=alpha, draws=draws)
    centroids = municipal_centroids(boundaries, id_column="code")
    axis_rows = []
    for label, units in (("unadjusted", clusters.high_units), ("fdr", clusters.high_units_fdr)):
        if len(units) >= MIN_AXIS_UNITS:
            test = axis_permutation_test(units, edges, centroids, draws=axis_draws, seed=seed)
            axis_rows.append({"outcome": outcome, "orientation": orientation, "clusters": label, **test.as_row()})
        else:
            axis_rows.append({"outcome": outcome, "orientation": orientation, "clusters": label, "units": len(units),
                              "note": f"fewer than {MIN_AXIS_UNITS} units in high-residual clusters: no axis"})
    lisa = clusters.lisa.assign(outcome=outcome, orientation=orientation,
                                residual=clusters.fit.residuals.reindex(clusters.lisa["code"]).to_numpy(),
                                fitted=clusters.fit.fitted.reindex(clusters.lisa["code"]).to_numpy())
    usable = [c for c in candidates if c != outcome and c not in covariates]
    explained = pd.DataFrame()
    if usable and clusters.high_units:
        explained = candidate_effects(oriented.rename(outcome), table[covariates].astype(float),
                                      table[usable].astype(float), table[population], graph,
                                      zone=clusters.high_units, draws=bootstrap_draws, seed=seed)
    explained = explained.assign(outcome=outcome, orientation=orientation, weights=weights_name)
    coefficients = clusters.fit.coefficients.rename("estimate").rename_axis("term").reset_index()
    return ZoneResult(outcome, lisa, pd.DataFrame(axis_rows), explained,
                      coefficients.assign(outcome=outcome, orientation=orientation))


def principal_axis_of(boundaries: gpd.GeoDataFrame, units: list[str]):
    """The principal axis of the centroids of ``units`` (for drawing it on the map)."""
    centroids = municipal_centroids(boundaries, id_column="code")
    return principal_axis(centroids.loc[list(units)]), centroids.loc[list(units)].mean()


def spatial_regressions(table: pd.DataFrame, graph: Graph, *, outcomes: list[str], covariates: list[str],
                        weights_name: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """OLS with LM diagnostics, ML lag and ML error for each outcome: coefficients, model stats, LM tests, and the
    lag model's direct, indirect and total impacts."""
    parts = [spatial_regression(table[o].astype(float).rename(o), table[covariates].astype(float), graph,
                                weights_name=weights_name) for o in outcomes]
    coefficients = pd.concat([p.coefficients.assign(outcome=o) for p, o in zip(parts, outcomes, strict=True)],
                             ignore_index=True)
    statistics = pd.concat([p.model_statistics for p in parts], ignore_index=True)
    lagrange = pd.concat([p.lagrange_multiplier.assign(outcome=o) for p, o in zip(parts, outcomes, strict=True)],
                         ignore_index=True)
    impacts = pd.concat([p.impacts for p in parts], ignore_index=True)
    return coefficients, statistics, lagrange, impacts


@dataclass(frozen=True)
class PolicyInputs:
    """What an analysis of turnout under one policy runs on: the table, graph, edges and map of the units kept."""

    turnout: PolicyTurnout
    table: pd.DataFrame
    graph: Graph
    edges: pd.DataFrame
    boundaries: gpd.GeoDataFrame


def policy_inputs(table: pd.DataFrame, boundaries: gpd.GeoDataFrame, edges: pd.DataFrame, *, column: str,
                  policy: str, island_policy: IslandPolicy, voter_pass_share: pd.Series | None = None
                  ) -> PolicyInputs:
    """``table`` with ``column`` (a turnout) under ``policy``; for ``excluded`` the units and weights rebuilt."""
    turnout = turnout_under_policy(table[column].rename(column), policy, voter_pass_share=voter_pass_share)
    if turnout.excluded:
        edges = weights_without(boundaries, turnout.excluded, island_policy=island_policy).edges
        boundaries = boundaries[~boundaries["code"].isin(list(turnout.excluded))]
    kept = table.loc[turnout.values.index].assign(**{column: turnout.values})
    graph = graph_from_edges(edges, tuple(kept.index))
    return PolicyInputs(turnout, kept, graph, edges, boundaries)


def turnout_policy_robustness(table: pd.DataFrame, boundaries: gpd.GeoDataFrame, edges: pd.DataFrame, *,
                              column: str, policies: list[str], island_policy: IslandPolicy,
                              voter_pass_share: pd.Series | None, covariates: list[str], weights_name: str,
                              permutations: int, seed: int, alpha: float, alternative: str, axis_draws: int,
                              draws: Draws = "independent") -> pd.DataFrame:
    """One row per turnout policy: global Moran's I, LISA clusters and Gi* hot spots of turnout, and the zone.

    The zone is the set of units in significant high-residual (HH) clusters of the base model, with its
    orientation test; local statistics use seeded two-sided conditional permutations, FDR over the units
    analysed. A policy the source cannot support (``corrected`` without kiezerspas counts) gets a row saying so.
    """
    rows = []
    for policy in policies:
        if policy == "corrected" and voter_pass_share is None:
            rows.append({"policy": policy, "outcome": column,
                         "note": "not available: the source of this election has no kiezerspas counts"})
            continue
        inputs = policy_inputs(table, boundaries, edges, column=column, policy=policy, island_policy=island_policy,
                               voter_pass_share=voter_pass_share)
        values, graph = inputs.turnout.values, inputs.graph
        shared = {"weights_name": weights_name, "permutations": permutations, "seed": seed}
        moran = global_moran(values, graph, alternative=alternative, **shared)
        local = dict(shared, alpha=alpha, draws=draws)
        lisa = local_moran(values, graph, **local)
        hot = local_getis_ord_star(values, graph, **local)
        zone = burgerschapszone(inputs.table, graph, inputs.edges, inputs.boundaries, outcome=column,
                                better="high", covariates=covariates, candidates=[], weights_name=weights_name,
                                permutations=permutations, seed=seed, alpha=alpha, axis_draws=axis_draws,
                                draws=draws)
        names = table["name"]
        row = {
            "policy": policy, "outcome": column, "units": len(values),
            "ballots_above_electorate": _names(inputs.turnout.above_one, names),
            "excluded": _names(inputs.turnout.excluded, names),
            "moran_i": moran.statistic, "moran_p_permutation": moran.p_permutation, "moran_alternative": alternative,
            "lisa_hh": int((lisa["cluster"] == "HH").sum()), "lisa_ll": int((lisa["cluster"] == "LL").sum()),
            "lisa_hh_fdr": int((lisa["cluster_fdr"] == "HH").sum()),
            "lisa_ll_fdr": int((lisa["cluster_fdr"] == "LL").sum()),
            "gi_hot_spots": _names(tuple(hot.loc[hot["cluster"] == "hot spot", "code"]), names),
        }
        for axis in zone.axis.to_dict(orient="records"):
            label = axis["clusters"]
            units = zone.residual_lisa.loc[
                zone.residual_lisa["cluster" if label == "unadjusted" else "cluster_fdr"] == "HH", "code"]
            row |= {f"zone_{label}_units": axis["units"], f"zone_{label}": _names(tuple(units), names),
                    f"zone_{label}_angle_degrees": axis.get("angle_degrees", np.nan),
                    f"zone_{label}_p_both": axis.get("p_both", np.nan)}
        rows.append(row | {"permutations": permutations, "seed": seed, "axis_draws": axis_draws, "alpha": alpha,
                           "weights": weights_name + (" (rebuilt without the excluded units)" if inputs.turnout.excluded else ""),
                           "island_policy": island_policy.describe(), "covariates": " + ".join(covariates)})
    return pd.DataFrame(rows)


def _names(codes: tuple[str, ...], names: pd.Series) -> str:
    return "; ".join(f"{names[c]}" for c in sorted(codes, key=lambda c: names[c]))
