"""The covariance estimator of the panel models and the options it passes to linearmodels (the plm mapping is in
the package docstring of :mod:`afgehaakt.models.panel`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Covariance:
    """The covariance estimator and every option passed to linearmodels, recorded in each table.

    ``kind="clustered"`` (default): clusters ``entity`` (municipality) or ``entity_time`` (two-way, municipality
    and election). ``count_effects=None`` leaves the effects' degrees of freedom to linearmodels
    (``auto_df=True``); ``False``/``True`` pass ``auto_df=False`` and that value. ``kind="unadjusted"`` is the
    homoskedastic estimator (the classic Hausman test needs it), with the effects counted as plm does.
    """

    kind: Literal["clustered", "unadjusted"] = "clustered"
    clusters: Literal["entity", "entity_time"] = "entity"
    debiased: bool = True
    group_debias: bool = True
    count_effects: bool | None = False

    def __post_init__(self) -> None:
        if self.kind not in ("clustered", "unadjusted"):
            raise ValueError(f"unknown covariance {self.kind!r}")
        if self.clusters not in ("entity", "entity_time"):
            raise ValueError(f"unknown clusters {self.clusters!r}; use 'entity' or 'entity_time'")

    @classmethod
    def unadjusted(cls) -> Covariance:
        return cls(kind="unadjusted", group_debias=False, count_effects=None)

    def fit_options(self, estimator: str) -> dict:
        """Keyword arguments of ``fit`` for ``estimator`` (``PanelOLS``, ``RandomEffects``, ``FirstDifferenceOLS``)."""
        options: dict = {"cov_type": self.kind, "debiased": self.debiased}
        if self.kind == "clustered":
            options["cluster_entity"] = True
            if self.clusters == "entity_time":
                if estimator == "FirstDifferenceOLS":
                    raise ValueError("FirstDifferenceOLS cannot cluster by election: a difference spans two "
                                     "elections; use clusters='entity'")
                options["cluster_time"] = True
            options["group_debias"] = self.group_debias
        if estimator == "PanelOLS":
            if self.count_effects is None:
                options["auto_df"] = True
            else:
                options["auto_df"] = False
                options["count_effects"] = self.count_effects
        return options

    def describe(self, estimator: str) -> str:
        options = self.fit_options(estimator)
        return "; ".join(f"{k}={v}" for k, v in options.items() if k != "cov_type")
