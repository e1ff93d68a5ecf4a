"""Estimators for staggered adoption: Callaway-Sant'Anna, Sun-Abraham and, beside them, naive two-way fixed effects.

Why these packages (both locked in ``requirements.lock``):

* **Callaway and Sant'Anna (2021)** through ``csdid`` 0.4.3 (d2cml-ai/csdid, with ``drdid``), a line-by-line port
  of the authors' R package ``did`` (2.5.0). Its group-time ATTs, aggregations (simple, dynamic/event time,
  group), analytic influence-function standard errors and the Wald pre-test reproduce R ``did`` to
  floating-point precision on ``mpdta`` (``tests/unit/test_staggered_estimators.py`` checks the published
  numbers). The alternative, ``differences``, is not locked and is less close to R ``did``'s conventions.
  Standard errors are the analytic ones (``bstrap=False``): deterministic, no seed needed, and the influence
  function is per unit, so they are clustered by unit (robust to any correlation of a unit's outcomes over
  time). ``est_method="dr"`` without covariates reduces to the unconditional DiD comparison of means.
* **Sun and Abraham (2021)** through ``pyfixest`` 0.60.0 (the port of R ``fixest``): the fully saturated
  cohort x event-time regression with unit and period fixed effects and the never-treated cohort as the
  reference (``pyfixest.event_study(estimator="saturated")``), CRV1 standard errors clustered by unit. The
  interaction-weighted (IW) event-time estimates are the cohort-share-weighted averages of the cohort-specific
  coefficients, computed here as linear combinations with the cluster-robust covariance (checked against
  pyfixest's own ``aggregate()``). ``pyfixest``'s class warns it is "beta"; its regression is plain ``feols``, and the
  test checks that the post-treatment IW estimates equal Callaway-Sant'Anna's never-treated event-time
  estimates on ``mpdta``, as the algebra requires for a balanced panel without covariates.
* **Two-way fixed effects** (the naive estimate, shown to expose its bias under staggered timing and
  heterogeneous effects; Goodman-Bacon 2021): ``pyfixest.feols`` of the outcome on a post-treatment dummy with
  unit and period effects, and its dynamic version with event-time dummies (never-treated units and event time
  -1 as the reference), CRV1 clustered by unit.

Every result states its inference in a :class:`~afgehaakt.models.staggered.results.StaggeredInference`.
"""

from __future__ import annotations

import contextlib
import io
import re
import warnings
from importlib.metadata import version
from typing import Literal

import numpy as np
import pandas as pd
import pyfixest as pf
from csdid.att_gt import ATTgt
from scipy import stats

from afgehaakt.models.staggered.data import NEVER_TREATED, StaggeredPanel
from afgehaakt.models.staggered.results import (
    Estimate,
    PretrendTest,
    StaggeredInference,
    StaggeredResult,
    event_time_frame,
    wald_test,
)

ControlGroup = Literal["never", "not_yet"]
CONTROL_GROUP_LABELS = {"never": "never treated", "not_yet": "not yet treated"}
_CSDID_CONTROL = {"never": "nevertreated", "not_yet": "notyettreated"}
REFERENCE_EVENT_TIME = -1
_CRV1 = "CRV1 cluster-robust by unit (pyfixest defaults: small-sample factors G/(G-1) and (n-1)/(n-k))"


def _package(name: str) -> str:
    return f"{name} {version(name)}"


def _base_inference(panel: StaggeredPanel, **fields) -> StaggeredInference:
    return StaggeredInference(
        outcome=panel.outcome,
        n_clusters=panel.n_units,
        n_units=panel.n_units,
        n_treated_units=panel.n_treated_units,
        n_never_treated_units=panel.n_never_treated_units,
        n_observations=len(panel.frame),
        periods=panel.periods,
        cohorts=panel.cohorts,
        **fields,
    )


# --------------------------------------------------------------------------------------------------------------
# Callaway and Sant'Anna
# --------------------------------------------------------------------------------------------------------------


def fit_csdid(panel: StaggeredPanel, control_group: ControlGroup, *, compute_inference: bool = True) -> ATTgt:
    """The fitted ``csdid`` object (doubly robust, no covariates, varying base period, analytic SEs)."""
    if control_group == "never" and panel.n_never_treated_units == 0:
        raise ValueError("control group 'never' needs never-treated units; the panel has none")
    model = ATTgt(
        yname="y", tname="period", idname="unit", gname="cohort", data=panel.frame,
        control_group=_CSDID_CONTROL[control_group], compute_inffunc=compute_inference,
    )
    return model.fit(est_method="dr", base_period="varying", bstrap=False)


def _aggregate(model: ATTgt, kind: str) -> dict:
    with contextlib.redirect_stdout(io.StringIO()):  # csdid prints a summary table on every aggregation
        return model.aggte(typec=kind).atte


def callaway_santanna(panel: StaggeredPanel, *, control_group: ControlGroup = "never",
                      alpha: float = 0.05) -> StaggeredResult:
    """Group-time ATTs and their aggregations (Callaway and Sant'Anna 2021).

    ``overall`` is the "simple" aggregation: the average of all post-treatment ATT(g, t) weighted by cohort
    size (every treated unit-period counts once). ``event_time`` is the dynamic aggregation (pre-treatment
    event times are placebo ATTs between consecutive periods, the varying base period). ``by_cohort`` is the
    group aggregation. ``pretrend`` is R ``did``'s Wald pre-test that all pre-treatment ATT(g, t) are zero, with
    the analytic influence-function covariance.
    """
    model = fit_csdid(panel, control_group)
    results = model.results
    group_time = pd.DataFrame({
        "cohort": np.asarray(results["group"], dtype=int),
        "period": np.asarray(results["year"], dtype=int),
        "estimate": np.asarray(results["att"], dtype=float),
        "std_error": np.asarray(results["se"], dtype=float),
        "post": np.asarray(results["post"], dtype=int),
    })
    simple = _aggregate(model, "simple")
    dynamic = _aggregate(model, "dynamic")
    group = _aggregate(model, "group")
    event_times = np.asarray(dynamic["egt"], dtype=int)
    contributing = group_time[group_time["std_error"].notna()]
    n_cohorts = [int(((contributing["period"] - contributing["cohort"]) == e).sum()) for e in event_times]
    event_time = event_time_frame(event_times, dynamic["att_egt"], dynamic["se_egt"], n_cohorts, alpha)
    by_cohort = pd.DataFrame({"cohort": np.asarray(group["egt"], dtype=int),
                              "estimate": np.asarray(group["att_egt"], dtype=float),
                              "std_error": np.asarray(group["se_egt"], dtype=float)})
    pre = group_time[(group_time["post"] == 0) & group_time["std_error"].notna()]
    statistic = model.MP["W"]
    pretrend = None if statistic is None else PretrendTest(
        test="Wald chi2 that all pre-treatment ATT(g,t) are zero (R did att_gt pre-test; analytic covariance)",
        statistic=float(statistic), df=len(pre),
        p_value=float(_chi2_sf(statistic, len(pre))), n_pre_estimates=len(pre),
    )
    inference = _base_inference(
        panel,
        estimator="Callaway-Sant'Anna (2021) group-time ATT, doubly robust without covariates",
        package=f"{_package('csdid')}; {_package('drdid')}",
        control_group=CONTROL_GROUP_LABELS[control_group],
        base_period="varying (pre-treatment cells compare consecutive periods; post cells compare with g-1)",
        standard_errors="analytic influence-function standard errors, clustered by unit (no bootstrap)",
        alpha=alpha,
        note="pointwise CIs; overall = simple aggregation (cohort-size weighted mean of post-treatment ATT(g,t))",
    )
    overall = Estimate.normal("average effect on the treated over all post-treatment periods (simple)",
                              simple["overall_att"], simple["overall_se"], alpha)
    return StaggeredResult(inference=inference, overall=overall, event_time=event_time, pretrend=pretrend,
                           group_time=group_time, by_cohort=by_cohort)


def callaway_santanna_point(panel: StaggeredPanel, *, control_group: ControlGroup = "never") -> float:
    """Only the simple overall ATT, without influence functions: fast, for placebo distributions."""
    model = fit_csdid(panel, control_group, compute_inference=False)
    results = model.results
    att = np.asarray(results["att"], dtype=float)
    cohort = np.asarray(results["group"], dtype=int)
    post = (np.asarray(results["year"], dtype=int) >= cohort) & np.isfinite(att)
    sizes = panel.unit_cohorts.value_counts()
    weights = sizes.reindex(cohort[post]).to_numpy(dtype=float)
    return float(np.sum(att[post] * weights) / np.sum(weights))


def _chi2_sf(statistic: float, df: int) -> float:
    return stats.chi2.sf(statistic, df) if df > 0 else float("nan")


# --------------------------------------------------------------------------------------------------------------
# Sun and Abraham
# --------------------------------------------------------------------------------------------------------------

_SATURATED_NAME = re.compile(r"^rel_time::(?P<event>-?[0-9.]+):first_treated_period::(?P<cohort>-?[0-9]+)$")


def fit_saturated(panel: StaggeredPanel):
    """pyfixest's saturated cohort x event-time regression (unit and period effects, CRV1 by unit)."""
    with warnings.catch_warnings():
        # "beta" notice of the class, and empty cohort x event-time cells (cohorts not observed at an event time)
        # reported as collinear; neither changes the estimates, which the tests check against published values.
        warnings.simplefilter("ignore", UserWarning)
        return pf.event_study(panel.frame, yname="y", idname="unit", tname="period", gname="cohort",
                              estimator="saturated", cluster="unit")


def _cohort_event_coefficients(fit) -> pd.DataFrame:
    names = list(fit._coefnames)
    rows = []
    for position, name in enumerate(names):
        match = _SATURATED_NAME.match(name)
        if match is None:
            raise ValueError(f"unexpected coefficient {name!r} in the saturated event study")
        rows.append({"position": position, "event_time": int(float(match["event"])),
                     "cohort": int(match["cohort"])})
    return pd.DataFrame(rows)


def interaction_weights(panel: StaggeredPanel, cells: pd.DataFrame) -> pd.DataFrame:
    """Sun-Abraham weights: at each event time, each cohort's share of the units of the cohorts observed then."""
    sizes = panel.unit_cohorts.value_counts()
    cells = cells.assign(size=cells["cohort"].map(sizes).astype(float))
    return cells.assign(weight=cells["size"] / cells.groupby("event_time")["size"].transform("sum"))


def sun_abraham(panel: StaggeredPanel, *, alpha: float = 0.05) -> StaggeredResult:
    """Interaction-weighted event study (Sun and Abraham 2021) with the never-treated units as control.

    ``overall``: the average of the post-treatment cohort x event-time effects weighted by the number of treated
    unit-periods in each cell (the analogue of Callaway-Sant'Anna's simple aggregation). ``pretrend``: Wald
    chi2 test that all pre-treatment IW estimates (event times <= -2) are zero, CRV1 covariance.
    """
    if panel.n_never_treated_units == 0:
        raise ValueError("the Sun-Abraham estimator here uses never-treated units as control; the panel has none")
    fit = fit_saturated(panel)
    beta = np.asarray(fit._beta_hat, dtype=float)
    vcov = np.asarray(fit._vcov, dtype=float)
    cells = interaction_weights(panel, _cohort_event_coefficients(fit))
    event_times = np.sort(cells["event_time"].unique())
    combos = np.zeros((len(event_times), len(beta)))
    for row, event in enumerate(event_times):
        at_event = cells[cells["event_time"] == event]
        combos[row, at_event["position"]] = at_event["weight"]
    estimates = combos @ beta
    covariance = combos @ vcov @ combos.T
    n_cohorts = cells.groupby("event_time").size().reindex(event_times).to_numpy()
    event_time = event_time_frame(event_times, estimates, np.sqrt(np.diag(covariance)), n_cohorts, alpha)
    event_time = _with_reference_row(event_time)

    post = cells[cells["event_time"] >= 0]
    overall_weights = np.zeros(len(beta))
    overall_weights[post["position"]] = post["size"] / post["size"].sum()
    overall = Estimate.normal(
        "average effect on the treated over all post-treatment cohort x event-time cells, cell-size weighted",
        overall_weights @ beta, float(np.sqrt(overall_weights @ vcov @ overall_weights)), alpha)
    pre = event_times < REFERENCE_EVENT_TIME
    pretrend = wald_test("Wald chi2 that all pre-treatment IW estimates (event time <= -2) are zero; CRV1 by unit",
                         estimates[pre], covariance[np.ix_(pre, pre)])
    inference = _base_inference(
        panel,
        estimator="Sun-Abraham (2021) interaction-weighted event study (saturated cohort x event time, unit and "
                  "period fixed effects)",
        package=_package("pyfixest"),
        control_group=CONTROL_GROUP_LABELS["never"],
        base_period=f"event time {REFERENCE_EVENT_TIME} (the last period before treatment)",
        standard_errors=_CRV1,
        alpha=alpha,
        note="pointwise CIs; weights = cohort shares among the cohorts observed at each event time",
    )
    by_cohort = _cohort_averages(cells[cells["event_time"] >= 0], beta, vcov)
    return StaggeredResult(inference=inference, overall=overall, event_time=event_time, pretrend=pretrend,
                           by_cohort=by_cohort)


def _cohort_averages(post_cells: pd.DataFrame, beta: np.ndarray, vcov: np.ndarray) -> pd.DataFrame:
    rows = []
    for cohort, cells in post_cells.groupby("cohort"):
        weights = np.zeros(len(beta))
        weights[cells["position"]] = 1 / len(cells)
        rows.append({"cohort": int(cohort), "estimate": float(weights @ beta),
                     "std_error": float(np.sqrt(weights @ vcov @ weights))})
    return pd.DataFrame(rows)


def _with_reference_row(event_time: pd.DataFrame) -> pd.DataFrame:
    """Add the normalised reference event time (estimate 0 by construction, no standard error)."""
    reference = pd.DataFrame([{"event_time": REFERENCE_EVENT_TIME, "estimate": 0.0, "std_error": np.nan,
                               "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan, "n_cohorts": 0}])
    return pd.concat([event_time, reference], ignore_index=True).sort_values("event_time").reset_index(drop=True)


# --------------------------------------------------------------------------------------------------------------
# Naive two-way fixed effects
# --------------------------------------------------------------------------------------------------------------


def _treated_indicators(frame: pd.DataFrame) -> pd.DataFrame:
    treated = (frame["cohort"] != NEVER_TREATED) & (frame["period"] >= frame["cohort"])
    event = np.where(frame["cohort"] != NEVER_TREATED, frame["period"] - frame["cohort"], REFERENCE_EVENT_TIME)
    return frame.assign(treated=treated.astype(int), event_time=event.astype(int))


def twfe(panel: StaggeredPanel, *, alpha: float = 0.05) -> StaggeredResult:
    """Naive two-way fixed effects: the static post-treatment dummy and the dynamic event-time dummies.

    Both regressions have unit and period effects and CRV1 errors clustered by unit. In the dynamic one the
    never-treated units and event time -1 form the reference. Under staggered timing with effects that change
    over time, both are weighted averages with possibly negative weights on some effects (Goodman-Bacon 2021;
    de Chaisemartin and D'Haultfoeuille 2020); they are reported only beside the robust estimators.
    """
    frame = _treated_indicators(panel.frame)
    static = pf.feols("y ~ treated | unit + period", data=frame, vcov={"CRV1": "unit"})
    dynamic = pf.feols(f"y ~ i(event_time, ref={REFERENCE_EVENT_TIME}) | unit + period", data=frame,
                       vcov={"CRV1": "unit"})
    names = list(dynamic._coefnames)
    events = np.array([int(float(re.search(r"::(-?[0-9.]+)$", n).group(1))) for n in names])
    order = np.argsort(events)
    beta = np.asarray(dynamic._beta_hat, dtype=float)[order]
    vcov = np.asarray(dynamic._vcov, dtype=float)[np.ix_(order, order)]
    events = events[order]
    treated_events = frame[frame["cohort"] != NEVER_TREATED].groupby("event_time")["cohort"].nunique()
    event_time = event_time_frame(events, beta, np.sqrt(np.diag(vcov)),
                                  treated_events.reindex(events).fillna(0).to_numpy(), alpha)
    event_time = _with_reference_row(event_time)
    pre = events < REFERENCE_EVENT_TIME
    pretrend = wald_test("Wald chi2 that all TWFE lead coefficients (event time <= -2) are zero; CRV1 by unit",
                         beta[pre], vcov[np.ix_(pre, pre)])
    position = list(static._coefnames).index("treated")
    overall = Estimate.normal("TWFE coefficient on the post-treatment dummy (implicit, possibly negative weights)",
                              static._beta_hat[position], float(np.sqrt(static._vcov[position, position])), alpha)
    inference = _base_inference(
        panel,
        estimator="two-way fixed effects (naive; biased under staggered timing with heterogeneous effects)",
        package=_package("pyfixest"),
        control_group="implicit: never, not yet and already treated units",
        base_period=f"static: all pre-treatment periods; dynamic: event time {REFERENCE_EVENT_TIME} and never treated",
        standard_errors=_CRV1,
        alpha=alpha,
        note="pointwise CIs",
    )
    return StaggeredResult(inference=inference, overall=overall, event_time=event_time, pretrend=pretrend)
