"""Local indicators of spatial association (LISA) as tidy per-unit tables with their inference stated.

Three statistics, each one row per unit:

- ``local_moran``: Anselin's local Moran I_i, on spdep's scale I_i = z_i * sum_j w_ij z_j / m2 with
  m2 = sum(z^2) / n (``spdep::localmoran`` with ``mlvar=TRUE``). esda's ``Moran_Local.Is`` is (n - 1) / n
  times this; its conditional moments ``EIc``/``VIc`` belong to spdep's scale, which is why the statistic is
  reported on that scale. Analytical expectation and variance are the conditional-randomisation moments of
  Sokal, Oden and Thomson (1998), spdep's default ``conditional=TRUE``.
- ``local_bivariate_moran``: zx_i * sum_j w_ij zy_j (x standardised in the unit, y in its neighbours;
  esda's ``Moran_Local_BV`` scaled by n / (n - 1)). No analytical moments.
- ``local_getis_ord_star``: Gi* on binary weights with the unit itself included, with esda's analytical
  expectation, variance and z (equal to ``spdep::localG`` on ``include.self`` binary weights).

Significance always comes from conditional permutation (``conditional_permutation``), two-sided by default,
seeded explicitly, with each unit's neighbours drawn independently (``draws="independent"``) or from esda's
shared matrix for the same seed (``draws="esda"``, which reproduces esda's p-values); the ``draws`` column says
which. Cluster labels are given twice: unadjusted (p_sim < alpha) and controlling the false
discovery rate (p_sim < the Benjamini-Hochberg cut-off returned by ``esda.fdr``; esda returns alpha / n when
no unit passes). Both comparisons are strict, as in esda, so the FDR-labelled units are a subset of the
unadjusted ones. Units without neighbours have no reference distribution: their p_sim is NaN, their label
``isolate``, and they are left out of the FDR count.

Scatter-gather: given ``units`` (positions in the graph), a statistic evaluates and returns only those units,
without the two FDR columns, since the false discovery rate is a property of all units together;
:func:`with_fdr_labels` adds them once the chunks are gathered. Each unit's permutation draws are a pure function
of (seed, unit position), so chunks gathered in unit order equal the single evaluation exactly.
"""

from __future__ import annotations

import esda
import numpy as np
import pandas as pd
from libpysal.graph import Graph

from afgehaakt.spatial.conditional_permutation import (
    ConditionalReference,
    Draws,
    NeighbourRows,
    conditional_reference,
    neighbour_rows,
)
from afgehaakt.spatial.inference import Alternative, check_alternative, normal_p_values
from afgehaakt.spatial.values import aligned_values

NOT_SIGNIFICANT = "not significant"
ISOLATE = "isolate"
QUADRANTS = ("HH", "LH", "LL", "HL")

_NO_MOMENTS = float("nan")


def local_moran(
    values: pd.Series,
    graph: Graph,
    *,
    weights_name: str,
    transformation: str = "r",
    permutations: int,
    seed: int,
    alternative: Alternative = "two-sided",
    alpha: float = 0.05,
    units: np.ndarray | None = None,
    draws: Draws = "independent",
) -> pd.DataFrame:
    """Local Moran's I of ``values`` per unit, with analytical moments, permutation p and cluster labels.

    The label is the Moran-scatterplot quadrant of the unit: H/L for its own value above/below the mean,
    then H/L for the spatial lag (HH and LL are clusters, HL and LH spatial outliers).
    """
    y = aligned_values(values, graph)
    rows = neighbour_rows(graph, transformation)
    z = y - y.mean()
    n = len(z)
    m2 = (z * z).sum() / n
    lag = _spatial_lag(rows, z)
    statistic = z * lag / m2
    row_sum, row_sum_squares = _weight_sums(rows)
    expected = -(z * z * row_sum) / ((n - 1) * m2)
    variance = (z / m2) ** 2 * (n / (n - 2)) * (row_sum_squares - row_sum**2 / (n - 1)) * (m2 - z * z / (n - 1))
    reference = conditional_reference(
        statistic,
        z / m2,
        np.zeros(n),
        z,
        _evaluated(rows, units),
        permutations=permutations,
        seed=seed,
        alternative=alternative,
        draws=draws,
    )
    return _tidy(
        values.name,
        graph,
        statistic=statistic,
        expected=expected,
        variance=variance,
        reference=reference,
        quadrant=_quadrants(z, lag),
        settings=_settings(weights_name, transformation, permutations, seed, alternative, alpha, draws),
        units=units,
    )


def local_bivariate_moran(
    x: pd.Series,
    y: pd.Series,
    graph: Graph,
    *,
    weights_name: str,
    transformation: str = "r",
    permutations: int,
    seed: int,
    alternative: Alternative = "two-sided",
    alpha: float = 0.05,
    units: np.ndarray | None = None,
    draws: Draws = "independent",
) -> pd.DataFrame:
    """Bivariate local Moran of ``x`` in each unit against the lag of ``y``; quadrant = (x, lag of y)."""
    x_values, y_values = aligned_values(x, graph), aligned_values(y, graph)
    rows = neighbour_rows(graph, transformation)
    zx = (x_values - x_values.mean()) / x_values.std()
    zy = (y_values - y_values.mean()) / y_values.std()
    lag = _spatial_lag(rows, zy)
    statistic = zx * lag
    n = len(zx)
    reference = conditional_reference(
        statistic,
        zx,
        np.zeros(n),
        zy,
        _evaluated(rows, units),
        permutations=permutations,
        seed=seed,
        alternative=alternative,
        draws=draws,
    )
    no_moments = np.full(n, _NO_MOMENTS)
    table = _tidy(
        f"{x.name} ~ lag({y.name})",
        graph,
        statistic=statistic,
        expected=no_moments,
        variance=no_moments,
        reference=reference,
        quadrant=_quadrants(zx, lag),
        settings=_settings(weights_name, transformation, permutations, seed, alternative, alpha, draws),
        units=units,
    )
    return table


def local_getis_ord_star(
    values: pd.Series,
    graph: Graph,
    *,
    weights_name: str,
    permutations: int,
    seed: int,
    alternative: Alternative = "two-sided",
    alpha: float = 0.05,
    units: np.ndarray | None = None,
    draws: Draws = "independent",
) -> pd.DataFrame:
    """Gi* of non-negative ``values`` per unit (binary weights, self included); labels ``hot``/``cold`` spot."""
    y = aligned_values(values, graph)
    if (y < 0).any():
        raise ValueError(f"{values.name}: Gi* needs non-negative values")
    binary_graph = graph.transform("B")
    # A fresh W per call: esda rewrites the transform and the diagonal of the weights it is handed.
    g_star = esda.G_Local(y, binary_graph.to_W(), transform="B", permutations=0, star=True)
    rows = neighbour_rows(binary_graph, "b")
    total = y.sum()
    reference = conditional_reference(
        np.asarray(g_star.Gs, dtype=float),
        np.full(len(y), 1.0 / total),
        y / total,  # the unit's own value, weight 1, stays in place under conditional permutation
        y,
        _evaluated(rows, units),
        permutations=permutations,
        seed=seed,
        alternative=alternative,
        draws=draws,
    )
    direction = np.where(np.asarray(g_star.Zs) > 0, "hot spot", "cold spot")
    table = _tidy(
        values.name,
        graph,
        statistic=np.asarray(g_star.Gs, dtype=float),
        expected=np.asarray(g_star.EGs, dtype=float),
        variance=np.asarray(g_star.VGs, dtype=float),
        reference=reference,
        quadrant=direction,
        settings=_settings(weights_name, "B (self included)", permutations, seed, alternative, alpha, draws),
        units=units,
    )
    return table


def cluster_labels(quadrant: np.ndarray, p_values: np.ndarray, cutoff: float) -> np.ndarray:
    """The quadrant (or hot/cold label) where p < cutoff, ``not significant`` elsewhere, ``isolate`` for NaN."""
    p_values = np.asarray(p_values, dtype=float)
    labels = np.where(p_values < cutoff, quadrant, NOT_SIGNIFICANT).astype(object)
    labels[np.isnan(p_values)] = ISOLATE
    return labels


def fdr_cutoff(p_values: np.ndarray, alpha: float) -> float:
    """Benjamini-Hochberg cut-off from ``esda.fdr`` over the units that have a p-value."""
    finite = np.asarray(p_values, dtype=float)
    finite = finite[np.isfinite(finite)]
    return float(esda.fdr(finite, alpha)) if len(finite) else float("nan")


def with_fdr_labels(table: pd.DataFrame) -> pd.DataFrame:
    """Add ``cluster_fdr`` and ``fdr_cutoff`` (after ``cluster``) to the table of one statistic of one variable."""
    cutoff = fdr_cutoff(table["p_sim"].to_numpy(), float(table["alpha"].iloc[0]))
    position = table.columns.get_loc("cluster") + 1
    labelled = table.copy()
    labelled.insert(position, "cluster_fdr", cluster_labels(table["quadrant"].to_numpy(), table["p_sim"], cutoff))
    labelled.insert(position + 1, "fdr_cutoff", cutoff)
    return labelled


def _evaluated(rows: NeighbourRows, units: np.ndarray | None) -> NeighbourRows:
    """The rows of the units to evaluate; every other unit gets no neighbours, which the kernel skips.

    The kernel draws each unit's permutations from (seed, unit position, its number of neighbours, n) only,
    so the evaluated units get exactly the values of a full evaluation.
    """
    if units is None:
        return rows
    keep = np.zeros(len(rows.indptr) - 1, dtype=bool)
    keep[np.asarray(units, dtype=np.int64)] = True
    counts = np.where(keep, rows.cardinalities, 0)
    kept_links = np.repeat(keep, rows.cardinalities)
    return NeighbourRows(
        np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        rows.indices[kept_links],
        rows.weights[kept_links],
        rows.self_weights,
    )


def _tidy(
    variable,
    graph: Graph,
    *,
    statistic: np.ndarray,
    expected: np.ndarray,
    variance: np.ndarray,
    reference: ConditionalReference,
    quadrant: np.ndarray,
    settings: dict,
    units: np.ndarray | None,
) -> pd.DataFrame:
    alpha, alternative = settings["alpha"], settings["alternative"]
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (statistic - expected) / np.sqrt(variance)
        z_sim = (statistic - reference.mean) / reference.sd
    table = pd.DataFrame(
        {
            "code": list(graph.unique_ids),
            "variable": str(variable),
            "statistic": statistic,
            "expected": expected,
            "variance": variance,
            "z": z,
            "p_normal": normal_p_values(z, alternative),
            "quadrant": quadrant,
            "mean_permuted": reference.mean,
            "sd_permuted": reference.sd,
            "z_sim": z_sim,
            "p_sim": reference.p_value,
            "cluster": cluster_labels(quadrant, reference.p_value, alpha),
        }
    )
    for key, value in settings.items():
        table[key] = value
    if units is None:
        return with_fdr_labels(table)
    return table.iloc[np.asarray(units, dtype=np.int64)].reset_index(drop=True)


def _settings(weights_name, transformation, permutations, seed, alternative, alpha, draws) -> dict:
    check_alternative(alternative)
    if not 0 < alpha < 1:
        raise ValueError("alpha must lie strictly between 0 and 1")
    return {
        "weights": weights_name,
        "transformation": transformation,
        "permutations": permutations,
        "seed": seed,
        "draws": draws,
        "alternative": alternative,
        "alpha": alpha,
    }


def _spatial_lag(rows, values: np.ndarray) -> np.ndarray:
    lag = np.zeros(len(values))
    for unit in range(len(values)):
        neighbours, weights = rows.row(unit)
        lag[unit] = weights @ values[neighbours]
    return lag


def _weight_sums(rows) -> tuple[np.ndarray, np.ndarray]:
    units = np.repeat(np.arange(len(rows.indptr) - 1), rows.cardinalities)
    n = len(rows.indptr) - 1
    return np.bincount(units, rows.weights, n), np.bincount(units, rows.weights**2, n)


def _quadrants(own: np.ndarray, lag: np.ndarray) -> np.ndarray:
    high_own, high_lag = own > 0, lag > 0
    return np.select(
        [high_own & high_lag, ~high_own & high_lag, ~high_own & ~high_lag], ["HH", "LH", "LL"], default="HL"
    )
