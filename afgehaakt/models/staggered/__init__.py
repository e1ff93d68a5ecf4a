"""Staggered-adoption difference-in-differences: Callaway-Sant'Anna, Sun-Abraham and naive TWFE side by side.

Modules: ``data`` (the validated balanced panel and the exclusions), ``estimators`` (the three estimators and
why these packages), ``results`` (result objects that state their inference), ``placebo`` (permuted treatment
dates and a pre-period placebo), ``simulate`` (panels with known staggered, heterogeneous effects).
"""

from afgehaakt.models.staggered.data import StaggeredPanel, prepare_staggered_panel
from afgehaakt.models.staggered.estimators import callaway_santanna, sun_abraham, twfe
from afgehaakt.models.staggered.results import StaggeredInference, StaggeredResult

__all__ = [
    "StaggeredInference",
    "StaggeredPanel",
    "StaggeredResult",
    "callaway_santanna",
    "prepare_staggered_panel",
    "sun_abraham",
    "twfe",
]
