"""Municipal panel of elections on the 2021 boundaries: a balanced long table and linearmodels panel models.

The panel has one row per municipality and election: the Tweede Kamer elections of 2017, 2021 and 2023 by
default. The European Parliament election of 2019 is another kind of election (turnout some 35 points lower),
so it enters only when asked (``include_ep=True``) and is always flagged (``kind == "ep"``,
``other_election_type``); its time effect then absorbs the level difference, not the difference in kind.

Turnout above 1 (voters from elsewhere with a *kiezerspas*, chiefly the Wadden islands) is flagged per row, and
the analysed value follows a named policy, ``keep`` or ``cap``, as :func:`afgehaakt.elections.analysis_values`.

Models (all through linearmodels, each returning a tidy coefficient table and a :class:`ModelInfo`):

* :func:`fit_fixed_effects`: ``PanelOLS`` with municipality (entity) and election (time) effects;
* :func:`fit_education_gradient`: the same with a time-invariant municipal covariate interacted with election
  dummies (reference: the first election), the gradient's change per election and joint Wald tests;
* :func:`fit_random_effects`: ``RandomEffects`` (one-way, municipality) with election dummies and a constant;
* :func:`fit_first_difference`: ``FirstDifferenceOLS`` with the differenced election dummies;
* :func:`hausman_test`: the classic Hausman contrast of the fixed- and random-effects fits.

Inference is always explicit. linearmodels' ``fit()`` defaults to the unadjusted (homoskedastic) covariance;
here the default is :class:`Covariance` ``()``: clustered by municipality with ``debiased=True``,
``group_debias=True`` and the estimated effects not counted in the degrees of freedom (``auto_df=False,
count_effects=False``). For the within (fixed-effects) model this is plm's ``vcovHC(method="arellano",
type="sss", cluster="group")`` and Stata's ``xtreg, fe vce(cluster)``: the covariance is scaled by
``G/(G-1) * (n-1)/(n-k)`` with G municipalities, n observations and k slope coefficients (the effects are not
counted: the entity effects are nested in the clusters, as in Cameron and Miller 2015). The mapping to plm,
checked against plm 2.6 in ``tests/unit/test_panel_plm.py`` (agreement 1e-12 or better):

=====================  =====================================================================
plm ``vcovHC`` type    linearmodels options (``cov_type="clustered"``, ``auto_df=False``,
                       ``count_effects=False``)
=====================  =====================================================================
``HC0``                ``debiased=False, group_debias=False``  (no adjustment)
``HC1``                ``debiased=True,  group_debias=False``  (n/(n-k))
``sss``                ``debiased=True,  group_debias=True``   (G/(G-1) (n-1)/(n-k))
=====================  =====================================================================

linearmodels' own automatic choice (``auto_df=True``) counts the N + T - 1 two-way effects whenever there are two
effects, which inflates the clustered variance by about n/(n - N - T) (~1.5 for three elections): that is
recorded but not used. Two-way clustering (``clusters="entity_time"``) is plm's ``vcovDC`` (each of the three
one-way pieces adjusted with its own G); with three or four elections there are only three or four time
clusters, so its variance is itself very uncertain (stated in every ``ModelInfo.note``), and it can fail to be
positive semi-definite (negative variances give NaN standard errors and a note; no eigenvalue fix-up).
The same options map the same way for RandomEffects and FirstDifferenceOLS, except plm 2.6's ``HC1`` for
``model="fd"``, which counts the undifferenced observations in its degrees of freedom (a plm quirk).

p-values and CIs of clustered fits use t(G - 1), G the (fewer) clusters, as Stata does; linearmodels' own
p-values use the residual degrees of freedom. Every table records which (``distribution``).

Modules, by concern (as linearmodels is laid out):

* :mod:`~afgehaakt.models.panel.data`: the balanced panel (:func:`build_panel`, :class:`BalancedPanel`);
* :mod:`~afgehaakt.models.panel.covariance`: :class:`Covariance`, the options passed to linearmodels;
* :mod:`~afgehaakt.models.panel.results`: the result records (:class:`ModelInfo`, :class:`PanelModelResult`,
  :class:`GradientResult`, :class:`WaldTestResult`, :class:`HausmanResult`, :class:`PanelSuite`);
* :mod:`~afgehaakt.models.panel.estimators`: the fits and the suite of models per outcome;
* :mod:`~afgehaakt.models.panel.tests`: the Wald and Hausman tests;
* :mod:`~afgehaakt.models.panel.spatial`: Moran's I of the panel's changes and residuals;
* :mod:`~afgehaakt.models.panel.study`: the workflow's panel study (every outcome through the suite, as tables).
"""

from afgehaakt.models.panel.covariance import (
    Covariance,
)
from afgehaakt.models.panel.data import (
    DEFAULT_ELECTIONS,
    ELECTIONS,
    OUTCOMES,
    TIME_VARYING,
    BalancedPanel,
    PanelError,
    build_panel,
    check_balanced,
)
from afgehaakt.models.panel.estimators import (
    CI_LEVEL,
    design,
    election_dummy_terms,
    fit_education_gradient,
    fit_first_difference,
    fit_fixed_effects,
    fit_panel_suite,
    fit_random_effects,
    gradient_changes,
    gradient_levels,
    interaction_terms,
)
from afgehaakt.models.panel.results import (
    CoefficientColumns,
    GradientResult,
    HausmanResult,
    ModelInfo,
    PanelModelResult,
    PanelSuite,
    WaldTestResult,
)
from afgehaakt.models.panel.tests import (
    EIGENVALUE_TOLERANCE,
    gradient_tests,
    hausman_test,
    wald_test,
)

__all__ = [
    "BalancedPanel",
    "CI_LEVEL",
    "CoefficientColumns",
    "Covariance",
    "DEFAULT_ELECTIONS",
    "EIGENVALUE_TOLERANCE",
    "ELECTIONS",
    "GradientResult",
    "HausmanResult",
    "ModelInfo",
    "OUTCOMES",
    "PanelError",
    "PanelModelResult",
    "PanelSuite",
    "TIME_VARYING",
    "WaldTestResult",
    "build_panel",
    "check_balanced",
    "design",
    "election_dummy_terms",
    "fit_education_gradient",
    "fit_first_difference",
    "fit_fixed_effects",
    "fit_panel_suite",
    "fit_random_effects",
    "gradient_changes",
    "gradient_levels",
    "gradient_tests",
    "hausman_test",
    "interaction_terms",
    "wald_test",
]
