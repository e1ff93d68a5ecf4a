"""The input of every staggered-adoption estimator: a balanced unit-by-period panel with a treatment cohort.

One row per unit and period. ``period`` is an integer index of the elections (1, 2, ...), not a calendar year:
Dutch national elections are irregularly spaced (1998, 2002, 2003, 2006, ...), and event time is counted in
elections since the merger. ``cohort`` is the period of the first election held after the unit was treated
(0 = never treated within the sample); it must be constant within a unit (adoption is absorbing).

:func:`prepare_staggered_panel` checks all of this and returns the panel the estimators use plus a table of the
units it set aside with the reason (nothing is dropped silently):

* treated at or before the first period: no pre-treatment period, so no comparison is possible;
* a missing outcome in any period: the estimators need a balanced panel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

NEVER_TREATED = 0

REASON_TREATED_FROM_START = "treated at or before the first period: no pre-treatment period to compare with"
REASON_MISSING_OUTCOME = "outcome missing in at least one period: the estimators need a balanced panel"


class StaggeredDataError(ValueError):
    """The panel handed to a staggered-adoption estimator is not what the estimators can use."""


@dataclass(frozen=True)
class StaggeredPanel:
    """A validated balanced panel: columns ``unit``, ``unit_label``, ``period``, ``cohort``, ``y`` (and extras).

    ``unit`` is an integer id (csdid needs numeric ids), ``unit_label`` the caller's identifier (e.g. a
    municipality code). ``excluded`` lists the units set aside (``unit`` = label, ``cohort``, ``reason``);
    ``outcome`` names the outcome the ``y`` column holds.
    """

    frame: pd.DataFrame
    outcome: str
    excluded: pd.DataFrame

    @property
    def periods(self) -> tuple[int, ...]:
        return tuple(int(p) for p in np.sort(self.frame["period"].unique()))

    @property
    def cohorts(self) -> tuple[int, ...]:
        """Treated cohorts (first treated period), never-treated excluded."""
        cohorts = self.frame.loc[self.frame["cohort"] != NEVER_TREATED, "cohort"].unique()
        return tuple(int(g) for g in np.sort(cohorts))

    @property
    def unit_cohorts(self) -> pd.Series:
        """The cohort of each unit, indexed by unit."""
        return self.frame.drop_duplicates("unit").set_index("unit")["cohort"]

    @property
    def n_units(self) -> int:
        return int(self.frame["unit"].nunique())

    @property
    def n_treated_units(self) -> int:
        return int((self.unit_cohorts != NEVER_TREATED).sum())

    @property
    def n_never_treated_units(self) -> int:
        return int((self.unit_cohorts == NEVER_TREATED).sum())

    def unit_ids(self, labels) -> pd.Index:
        """The integer ids of the units with these labels (labels not in the panel are ignored)."""
        ids = self.frame.drop_duplicates("unit").set_index("unit_label")["unit"]
        return pd.Index(ids.reindex(pd.Index(labels).intersection(ids.index)).to_numpy())

    def with_cohorts(self, cohorts: pd.Series) -> StaggeredPanel:
        """The same outcomes with another cohort per unit (``cohorts`` indexed by unit): for placebos."""
        frame = self.frame.assign(cohort=self.frame["unit"].map(cohorts).astype(int))
        return StaggeredPanel(frame=frame, outcome=self.outcome, excluded=self.excluded)

    def restricted(self, *, units: pd.Index | None = None, periods: tuple[int, ...] | None = None) -> StaggeredPanel:
        """A sub-panel (subset of units and/or periods), still balanced."""
        keep = pd.Series(True, index=self.frame.index)
        if units is not None:
            keep &= self.frame["unit"].isin(units)
        if periods is not None:
            keep &= self.frame["period"].isin(periods)
        return StaggeredPanel(frame=self.frame[keep].reset_index(drop=True), outcome=self.outcome,
                              excluded=self.excluded)


def prepare_staggered_panel(
    data: pd.DataFrame, *, unit: str, period: str, cohort: str, outcome: str
) -> StaggeredPanel:
    """Validate ``data`` and return the balanced panel the estimators use (see the module docstring).

    Raises :class:`StaggeredDataError` naming the column and the offending unit when a column is missing, a
    period or cohort is not an integer, a cohort varies within a unit, a (unit, period) pair repeats, or the
    panel is unbalanced in its rows.
    """
    missing = [c for c in (unit, period, cohort, outcome) if c not in data.columns]
    if missing:
        raise StaggeredDataError(f"columns {missing} not in the panel (has {list(data.columns)})")
    extra = [c for c in data.columns if c not in (unit, period, cohort, outcome)]
    frame = data[[unit, period, cohort, outcome, *extra]].rename(
        columns={unit: "unit", period: "period", cohort: "cohort", outcome: "y"}
    )
    for column, name in (("period", period), ("cohort", cohort)):
        values = pd.to_numeric(frame[column], errors="coerce")
        if values.isna().any() or not np.all(np.equal(np.mod(values, 1), 0)):
            bad = frame.loc[values.isna() | (np.mod(values.fillna(0.5), 1) != 0), "unit"].iloc[0]
            raise StaggeredDataError(f"column {name!r} must hold whole numbers; unit {bad} does not")
        frame[column] = values.astype(int)
    frame["y"] = pd.to_numeric(frame["y"], errors="coerce")
    duplicated = frame.duplicated(["unit", "period"])
    if duplicated.any():
        bad = frame.loc[duplicated, ["unit", "period"]].iloc[0].tolist()
        raise StaggeredDataError(f"(unit, period) {bad} appears more than once")
    varying = frame.groupby("unit")["cohort"].nunique()
    if (varying > 1).any():
        raise StaggeredDataError(
            f"column {cohort!r} varies within unit {varying[varying > 1].index[0]}: adoption must be absorbing"
        )
    periods = np.sort(frame["period"].unique())
    rows_per_unit = frame.groupby("unit").size()
    if (rows_per_unit != len(periods)).any():
        bad = rows_per_unit[rows_per_unit != len(periods)].index[0]
        raise StaggeredDataError(f"unit {bad} lacks rows for some of the periods {periods.tolist()}")

    unit_cohort = frame.drop_duplicates("unit").set_index("unit")["cohort"]
    from_start = unit_cohort[(unit_cohort != NEVER_TREATED) & (unit_cohort <= periods[0])]
    incomplete = frame.loc[frame["y"].isna(), "unit"].unique()
    excluded = pd.concat(
        [
            pd.DataFrame({"unit": from_start.index, "cohort": from_start.values, "reason": REASON_TREATED_FROM_START}),
            pd.DataFrame({"unit": incomplete, "cohort": unit_cohort.reindex(incomplete).values,
                          "reason": REASON_MISSING_OUTCOME}),
        ],
        ignore_index=True,
    ).drop_duplicates("unit")
    kept = frame[~frame["unit"].isin(excluded["unit"])].rename(columns={"unit": "unit_label"})
    kept.insert(0, "unit", pd.factorize(kept["unit_label"], sort=True)[0] + 1)
    kept = kept.sort_values(["unit", "period"]).reset_index(drop=True)
    if kept.empty:
        raise StaggeredDataError("no unit is left after setting aside those listed as excluded")
    after_sample = kept["cohort"] > periods[-1]
    if after_sample.any():
        raise StaggeredDataError(
            f"unit {kept.loc[after_sample, 'unit_label'].iloc[0]} has cohort beyond the last period {periods[-1]}: "
            "code units treated after the sample as never treated (0) before calling"
        )
    return StaggeredPanel(frame=kept, outcome=outcome, excluded=excluded.reset_index(drop=True))
