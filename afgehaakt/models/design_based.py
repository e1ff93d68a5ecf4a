"""Single-level companions of the multilevel models: cluster-robust GLMs, unweighted and with design weights.

With few groups (fewer than :data:`FEW_GROUPS`, e.g. the twelve provinces an ESS file identifies) a multilevel
model estimates its group variance, and so the standard errors of contextual effects, from a handful of units; the
cluster-robust single-level GLM is the usual companion (its standard errors still rest on few clusters, which the
table states). Design weights enter only a design-based model: the weighted GLM (pseudo-maximum likelihood: the
weights as variance weights of statsmodels' GLM, a Gaussian identity model for trust, a binomial logit model for
turnout) with standard errors clustered by group (sandwich with the CR1 small-sample factor
``G/(G-1) * (N-1)/(N-p)``). The rows come in the shape of
:func:`afgehaakt.models.multilevel.fixed_effects_table`, with ``weights_used`` saying which estimate uses them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from afgehaakt.models.multilevel import model_terms

FEW_GROUPS = 30
FAMILIES = {"gaussian": sm.families.Gaussian, "binomial": sm.families.Binomial}
FEW_GROUPS_WARNING = ("only {groups} groups (fewer than {limit}): group-level variances and contextual effects rest on "
                      "few units; compare the cluster-robust single-level model S1_cluster_robust")


def few_groups_warning(n_groups: int) -> str:
    """The warning the model tables carry when there are fewer than :data:`FEW_GROUPS` groups ('' otherwise)."""
    return FEW_GROUPS_WARNING.format(groups=n_groups, limit=FEW_GROUPS) if n_groups < FEW_GROUPS else ""


def cluster_robust_glm(data: pd.DataFrame, *, outcome: str, family: str, terms: tuple[str, ...], group: str,
                       weights: str | None = None, model: str, level: float = 0.95) -> pd.DataFrame:
    """A single-level GLM of ``terms`` with standard errors clustered by ``group``; ``weights`` (a column of
    design weights) makes it the design-based model. Rows: one per term, like the multilevel fixed-effect table."""
    X = model_terms(data, terms)
    y = pd.to_numeric(data[outcome]).astype(float).to_numpy()
    groups = pd.factorize(data[group].astype(str), sort=True)[0]
    var_weights = None if weights is None else data[weights].astype(float).to_numpy()
    fit = sm.GLM(y, X.to_numpy(), family=FAMILIES[family](), var_weights=var_weights).fit(
        cov_type="cluster", cov_kwds={"groups": groups, "use_correction": True})
    z = stats.norm.ppf(0.5 + level / 2.0)
    logistic = family == "binomial"
    n_groups = int(groups.max() + 1)
    link = "logit" if logistic else "identity"
    estimator = (f"{'weighted ' if weights else ''}GLM ({family}, {link}; "
                 f"{'pseudo-ML with design weights as variance weights' if weights else 'ML'}), "
                 f"SE clustered by {group} ({n_groups} clusters, CR1)")
    finite = bool(np.all(np.isfinite(fit.bse)) and np.all(fit.bse > 0))
    status = "ok" if fit.converged and finite else "not_converged"
    reason = "" if status == "ok" else ("IRLS did not converge" if not fit.converged else "standard error not finite")
    rows = []
    for k, name in enumerate(X.columns):
        estimate, se = float(fit.params[k]), float(fit.bse[k])
        low, high = estimate - z * se, estimate + z * se
        rows.append({
            "outcome": outcome, "model": model, "term": name, "estimate": estimate, "se": se,
            "z": estimate / se, "p": float(2 * stats.norm.sf(abs(estimate / se))), "ci_low": low, "ci_high": high,
            "odds_ratio": float(np.exp(estimate)) if logistic else np.nan,
            "or_ci_low": float(np.exp(low)) if logistic else np.nan,
            "or_ci_high": float(np.exp(high)) if logistic else np.nan,
            "ci_level": level, "estimator": estimator, "weights_used": weights is not None,
            # The status vocabulary of the mixed models: IRLS converged, every standard error finite.
            "status": status, "status_reason": reason,
        })
    return pd.DataFrame(rows)


def companion_models(data: pd.DataFrame, *, outcome: str, family: str, terms: tuple[str, ...], group: str,
                     n_groups: int, weights_supplied: bool) -> pd.DataFrame:
    """The companions a table needs: S1 (cluster-robust, unweighted) when there are fewer than
    :data:`FEW_GROUPS` groups, S2 (design-based, weighted) when the file has design weights."""
    frames = []
    if n_groups < FEW_GROUPS:
        frames.append(cluster_robust_glm(data, outcome=outcome, family=family, terms=terms, group=group,
                                         model="S1_cluster_robust"))
    if weights_supplied:
        frames.append(cluster_robust_glm(data, outcome=outcome, family=family, terms=terms, group=group,
                                         weights="design_weight", model="S2_design_weighted"))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def aggregate_context(municipal: pd.DataFrame, membership: pd.Series, columns: tuple[str, ...]) -> pd.DataFrame:
    """Population-weighted means of municipal ``columns`` per group; ``membership`` maps municipality code to
    group. Every municipality must have a group (a gap would silently bias the weights)."""
    table = municipal.set_index(municipal["code"].astype(str))
    groups = table.index.map(membership)
    if pd.isna(groups).any():
        missing = list(table.index[pd.isna(groups)][:5])
        raise ValueError(f"municipalities without a group in the membership: {missing}")
    weights = table["population"].astype(float)
    frame = table[list(columns)].astype(float).mul(weights, axis=0)
    sums = frame.groupby(groups).sum()
    totals = weights.groupby(groups).sum()
    out = sums.div(totals, axis=0)
    out["population"] = totals
    out["municipalities"] = table.groupby(groups).size()
    return out.rename_axis("group")
