"""The fit-status vocabulary and its helpers (afgehaakt.models.diagnostics), the failed-fit policy, and the AGQ
refinement's start and thread handling (issue 20)."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from afgehaakt.models import glmm
from afgehaakt.models.diagnostics import (
    STATUSES,
    FailedFitError,
    FitDiagnosis,
    covariance_from_hessian,
    diagnose,
    enforce_policy,
    full_rank_columns,
    random_effect_reasons,
    relative_newton_step,
)


def _diagnosis(**changes):
    arguments = dict(gradient_ok=True, gradient_norm=1e-8, relative_step=1e-9, hessian_positive_definite=True,
                     standard_errors=np.array([0.1, 0.2]), optimizer_message="fine")
    return diagnose(**(arguments | changes))


def test_status_vocabulary_and_precedence():
    assert STATUSES == ("ok", "singular", "boundary", "separation", "not_converged")
    assert _diagnosis().status == "ok" and _diagnosis().converged
    boundary = _diagnosis(boundary=["var(intercept) at or near zero"])
    assert boundary.status == "boundary" and boundary.converged
    not_converged = _diagnosis(hessian_positive_definite=False, boundary=["var(intercept) at or near zero"])
    assert not_converged.status == "not_converged" and not not_converged.converged
    assert not_converged.reasons[0].startswith("Hessian") and len(not_converged.reasons) == 2
    nan_se = _diagnosis(standard_errors=np.array([0.1, np.nan]))
    assert nan_se.status == "not_converged" and not nan_se.finite_se
    singular = _diagnosis(design=["predictor x2 is constant"], gradient_ok=False)
    assert singular.status == "singular"
    assert _diagnosis(separation="complete separation", design=["x"]).status == "separation"
    with pytest.raises(ValueError, match="unknown fit status"):
        FitDiagnosis("fine", (), True, 0.0, 0.0, True, True, "")


def test_policy_stop_names_every_failed_fit_and_report_passes():
    failed = _diagnosis(separation="complete separation of the outcome")
    fits = [("M0_null", "turnout", _diagnosis()), ("M1_individual", "turnout", failed)]
    enforce_policy(fits, "report_and_exclude")
    with pytest.raises(FailedFitError, match=r"M1_individual \(turnout\): separation: complete separation"):
        enforce_policy(fits, "stop")
    with pytest.raises(ValueError, match="unknown failed-fit policy"):
        enforce_policy(fits, "ignore")


def test_no_pseudo_inverse_of_an_indefinite_hessian():
    cov, positive_definite = covariance_from_hessian(np.array([[2.0, 0.0], [0.0, -1e-9]]), 2.0)
    assert not positive_definite and np.isnan(cov).all()
    cov, positive_definite = covariance_from_hessian(np.array([[4.0, 0.0], [0.0, 1.0]]), 2.0)
    assert positive_definite and np.allclose(cov, [[0.5, 0.0], [0.0, 2.0]])


def test_relative_newton_step_is_scaled_by_the_parameters():
    hessian = np.eye(2) * 1e4
    # A gradient of 1.9e-3 (the old absolute criterion's failure) on a steep deviance moves nothing.
    assert relative_newton_step(np.array([1.9e-3, 0.0]), hessian, np.array([4.0, 0.1])) < 1e-7
    assert relative_newton_step(np.array([1.0, 0.0]), np.zeros((2, 2)), np.ones(2)) == np.inf


def test_aliased_columns_keep_the_first_of_a_set():
    x = np.arange(6.0)
    X = np.column_stack([np.ones(6), x, np.full(6, 2.0), 3 * x - 1])
    assert full_rank_columns(X).tolist() == [0, 1]


def test_random_effect_boundary_and_perfect_correlation():
    assert random_effect_reasons(("intercept",), np.array([[1e-12]]))[0]
    boundary, singular = random_effect_reasons(("intercept", "x"), np.array([[1.0, 0.5], [0.5, 0.25]]))
    assert boundary == [] and "cor(intercept,x) = +1" in singular[0]
    assert random_effect_reasons(("intercept", "x"), np.array([[1.0, 0.1], [0.1, 0.25]])) == ([], [])


def _data(seed=3):
    rng = np.random.default_rng(seed)
    groups = np.repeat(np.arange(60), 8)
    x = rng.normal(size=len(groups))
    u = rng.normal(scale=0.9, size=60)
    y = (rng.random(len(groups)) < 1 / (1 + np.exp(-(0.2 + 0.8 * x + u[groups])))).astype(float)
    return y, np.column_stack([np.ones(len(groups)), x]), groups


def test_quadrature_from_a_supplied_start_skips_the_laplace_fit(monkeypatch):
    y, X, groups = _data()
    reference = glmm.fit_logistic_mixed(y, X, groups, fixed_names=("intercept", "x"), n_quadrature=10)
    start = np.concatenate([reference.theta, reference.fixed_effects]) * 1.05

    def no_laplace(*args, **kwargs):
        raise AssertionError("the Laplace fit must not run when a start is supplied")

    monkeypatch.setattr(glmm, "_fit_laplace", no_laplace)
    fit = glmm.fit_logistic_mixed(y, X, groups, fixed_names=("intercept", "x"), n_quadrature=10, start=start)
    assert fit.status == "ok" and "supplied start" in fit.optimizer_message
    assert np.allclose(fit.fixed_effects, reference.fixed_effects, rtol=1e-6, atol=1e-7)
    assert fit.loglik == pytest.approx(reference.loglik, abs=1e-8)


def test_blas_pool_is_limited_during_the_fit(monkeypatch):
    seen = []
    original = glmm._fit

    def recording(*args):
        seen.append([pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"])
        return original(*args)

    monkeypatch.setattr(glmm, "_fit", recording)
    y, X, groups = _data()
    glmm.fit_logistic_mixed(y, X, groups, fixed_names=("intercept", "x"))
    assert seen and all(threads == 1 for threads in seen[0])
