"""Hypothesis tests on fitted panel models: joint Wald tests of linear restrictions and the classic Hausman test."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from afgehaakt.models.panel.results import HausmanResult, PanelModelResult, WaldTestResult

EIGENVALUE_TOLERANCE = 1e-8
"""Eigenvalues of V_FE - V_RE below this fraction of the largest eigenvalue of V_FE count as zero (Hausman)."""


def gradient_tests(result: PanelModelResult, interactions: list[str]) -> list[WaldTestResult]:
    """H0 all interactions zero; and (two or more interactions) H0 all equal to each other."""
    tests = [wald_test(result, _restrictions(result, interactions, "zero"),
                       hypothesis="all interactions zero (gradient equal in every election)", terms=interactions)]
    if len(interactions) >= 2:
        tests.append(wald_test(result, _restrictions(result, interactions, "equal"),
                               hypothesis="interactions equal (gradient the same after the reference election)",
                               terms=interactions))
    return tests


def wald_test(result: PanelModelResult, restrictions: pd.DataFrame, *, hypothesis: str,
              terms: list[str]) -> WaldTestResult:
    """W = (Rb)' (R V R')^-1 (Rb) ~ chi2(q); F = W/q against F(q, df) with df = clusters - 1 for clustered
    covariances (the fewest clusters in two-way clustering), else the residual degrees of freedom."""
    r = restrictions[result.params.index].to_numpy(dtype=float)
    b = result.params.to_numpy(dtype=float)
    v = result.cov.loc[result.params.index, result.params.index].to_numpy(dtype=float)
    rb = r @ b
    middle = r @ v @ r.T
    smallest = float(np.linalg.eigvalsh((middle + middle.T) / 2).min())
    note = "" if smallest > 0 else (f"R V R' is not positive definite (smallest eigenvalue {smallest:.3e}): "
                                    "the statistic is not a valid chi-squared statistic")
    statistic = float(rb @ np.linalg.solve(middle, rb))
    q = r.shape[0]
    df = _denominator_df(result)
    return WaldTestResult(
        model=result.info.model,
        hypothesis=hypothesis,
        terms=";".join(terms),
        restrictions=q,
        statistic=statistic,
        p_chi2=float(stats.chi2.sf(statistic, q)),
        f_statistic=statistic / q,
        df_denominator=float(df),
        p_f=float(stats.f.sf(statistic / q, q, df)),
        cov_type=result.info.cov_type,
        cov_options=result.info.cov_options,
        note=note,
    )


def hausman_test(fixed: PanelModelResult, random: PanelModelResult) -> HausmanResult:
    """Classic Hausman test of the fixed- against the random-effects fit over their common coefficients.

    Both fits must use the unadjusted covariance: the test rests on the random-effects estimator being
    efficient under H0, which a cluster-robust covariance does not assume (plm's ``phtest`` likewise uses
    ``vcov`` of the two fits). Unlike ``phtest``, which returns ``abs(H)`` from ``solve``, a difference
    matrix that is not positive definite is reported (see :class:`HausmanResult`).
    """
    for result in (fixed, random):
        if result.info.cov_type != "unadjusted":
            raise ValueError(f"{result.info.model}: the classic Hausman test needs the unadjusted covariance, "
                             f"not {result.info.cov_type!r} (fit with Covariance.unadjusted())")
    common = [t for t in fixed.params.index if t in random.params.index and t != "const"]
    if not common:
        raise ValueError("the models have no common coefficients")
    d = (fixed.params[common] - random.params[common]).to_numpy(dtype=float)
    difference = (fixed.cov.loc[common, common] - random.cov.loc[common, common]).to_numpy(dtype=float)
    difference = (difference + difference.T) / 2
    eigenvalues, vectors = np.linalg.eigh(difference)
    scale = float(np.max(np.linalg.eigvalsh(fixed.cov.loc[common, common].to_numpy(dtype=float))))
    keep = eigenvalues > EIGENVALUE_TOLERANCE * scale
    positive_definite = bool(keep.all())
    projected = vectors[:, keep].T @ d
    df = int(keep.sum())
    statistic = float(np.sum(projected**2 / eigenvalues[keep])) if df else float("nan")
    notes = []
    if not positive_definite:
        notes.append(f"V_FE - V_RE is not positive definite: {int((~keep).sum())} of {len(keep)} eigenvalues are "
                     f"<= {EIGENVALUE_TOLERANCE:g} x the largest eigenvalue of V_FE ({scale:.3e}); smallest "
                     f"{eigenvalues.min():.3e}")
        if df:
            notes.append(f"H uses the generalised inverse over the {df} positive eigenvalues with df={df}; treat "
                         "the p-value as approximate")
        else:
            notes.append("no positive eigenvalue: the test is not defined (H and p are NaN)")
    se_fixed = np.sqrt(np.diag(fixed.cov.loc[common, common].to_numpy(dtype=float)))
    if np.max(np.abs(d) / se_fixed) < EIGENVALUE_TOLERANCE:
        notes.append(f"the FE and RE estimates coincide to rounding (largest difference {np.max(np.abs(d)):.3e}): "
                     "in a balanced panel, regressors that are a time-invariant covariate times election dummies "
                     "carry no between-municipality information beyond the covariate's main effect, so RE and "
                     "FE estimate them identically and the test has nothing to contrast")
    note = "; ".join(notes)
    return HausmanResult(
        fixed_model=fixed.info.model,
        random_model=random.info.model,
        terms=";".join(common),
        statistic=statistic,
        df=df,
        p_value=float(stats.chi2.sf(statistic, df)) if df else float("nan"),
        positive_definite=positive_definite,
        eigenvalues=";".join(f"{e:.6e}" for e in eigenvalues),
        cov_type_fixed=f"{fixed.info.cov_type} ({fixed.info.cov_options})",
        cov_type_random=f"{random.info.cov_type} ({random.info.cov_options})",
        formula="H = (b_FE - b_RE)' (V_FE - V_RE)^-1 (b_FE - b_RE) ~ chi2(df), df = rank(V_FE - V_RE)",
        note=note,
    )


def _restrictions(result: PanelModelResult, terms: list[str], kind: str) -> pd.DataFrame:
    missing = [t for t in terms if t not in result.params.index]
    if missing:
        raise ValueError(f"{result.info.model}: no coefficient for {missing}")
    rows = []
    if kind == "zero":
        for term in terms:
            rows.append({term: 1.0})
    else:
        for first, second in zip(terms[:-1], terms[1:], strict=True):
            rows.append({first: 1.0, second: -1.0})
    return pd.DataFrame(rows, columns=list(result.params.index)).fillna(0.0)


def _denominator_df(result: PanelModelResult) -> float:
    return result.info.df_inference if np.isfinite(result.info.df_inference) else float(result.info.df_resid)
