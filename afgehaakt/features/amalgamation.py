"""Municipal amalgamations as a staggered treatment: for each municipality of a boundary year, its first merger.

The unit is a municipality of the target boundary year (2021 by default); its election results before a merger
are the sums of its predecessors (the harmonised series), so the territory is the same in every election. The
treatment is the *first merger that changed the unit* since 1998, read from the merger history
(:class:`afgehaakt.io.merger_history.MergerHistory`, ``changes_of``): a municipality absorbing another
("opgegaan in bestaande gemeente") or a new municipality formed from several ("samenvoeging tot nieuwe
gemeente"). A change of name or code alone ("naamswijziging/nieuwe code") is not a merger.

The cohort is the first election held on or after the merger date (mergers take effect on 1 January, elections
are later in the year), counted in elections: period 1 = the first election of the panel. Recorded per unit:

* ``merger_date``, ``merger_list_year``, ``cohort_election`` and ``cohort`` (0 = never merged in the window);
* ``n_predecessors``: how many municipalities were combined in that first merger (the receiving municipality
  included when it continued), the merger size used for the "three or more" treatment definition;
* ``n_merger_dates``: how many distinct merger dates reshaped the unit up to the boundary year (later mergers
  are part of the absorbing treatment, not new treatments);
* ``largest_predecessor_share`` (from :func:`merger_sizes`): the electorate of the largest municipality in the
  first merger over the merged total, at the last election before the merger (1/n for a merger of equals, near 1
  when a city absorbs a village).

Units whose history cannot be represented are listed with the reason and left out of the panel:

* a predecessor was split before 2016 (the history maps it whole to one successor, so the pre-split results
  of the receiving municipalities are wrong; the list is configured, ``amalgamation.unrepresentable_splits``);
* merged after the boundary year (their later results exist only for the merged municipality; on the earlier
  boundaries they would be address-share splits of it, not observations).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from afgehaakt.io.merger_history import MergerHistory

MERGER_KINDS = ("opgegaan in bestaande gemeente", "samenvoeging tot nieuwe gemeente")
ABSORPTION = "opgegaan in bestaande gemeente"
NEVER_MERGED = 0

REASON_SPLIT_BEFORE_2016 = "history cannot be represented: {detail}"
REASON_MERGED_AFTER_BOUNDARY_YEAR = (
    "merged after the boundary year {year} ({date}): later results exist only for the merged municipality"
)


@dataclass(frozen=True)
class ElectionDate:
    """An election of the panel: its id and polling date."""

    id: str
    date: pd.Timestamp


@dataclass(frozen=True)
class AmalgamationTreatment:
    """Per unit of the boundary year: the treatment (``units``) and the units left out with the reason."""

    units: pd.DataFrame
    excluded: pd.DataFrame
    elections: tuple[ElectionDate, ...]
    boundary_year: int


def merger_events_of(history: MergerHistory, boundary_year: int) -> pd.DataFrame:
    """Every merger event that reshaped a municipality of ``boundary_year``: one row per unit and absorbed code."""
    changes = history.changes_of(boundary_year)
    return changes[changes["kind"].isin(MERGER_KINDS)].reset_index(drop=True)


def merger_partners(history: MergerHistory, *, date: pd.Timestamp, receiver: str) -> dict[str, float]:
    """The municipalities combined into ``receiver`` on ``date``, each with the fraction of it that went there.

    Absorbed codes count whole (fraction 1), a split code (2016-2024 splits with address shares) with the address
    share the receiver got, and the receiver itself (fraction 1) when it continued: an absorption, or a
    municipality that received part of a split.
    """
    events = history.events
    on_date = events[(events["date"] == date) & events["kind"].isin(MERGER_KINDS)]
    partners: dict[str, float] = {}
    absorbed = False
    for event in on_date.itertuples():
        if event.split is not None and receiver in event.split:
            partners[event.old_code] = event.split[receiver] / sum(event.split.values())
        elif event.split is None and event.new_code == receiver:
            partners[event.old_code] = 1.0
            absorbed = absorbed or event.kind == ABSORPTION
    if partners and _existed_before(history, receiver, on_date["list_year"].iloc[0], absorbed=absorbed):
        partners.setdefault(receiver, 1.0)
    return dict(sorted(partners.items()))


def _existed_before(history: MergerHistory, code: str, list_year: int, *, absorbed: bool) -> bool:
    """Whether ``code`` was a municipality before the events of ``list_year`` (it continued as a receiver).

    Before the first list (1998 events) the lists cannot tell; the event kind (absorption) does.
    """
    if list_year - 1 in history.years:
        return code in history.codes(list_year - 1)
    return absorbed


def assign_treatment(
    history: MergerHistory,
    *,
    boundary_year: int,
    elections: Sequence[ElectionDate],
    unrepresentable_splits: Mapping[str, str],
) -> AmalgamationTreatment:
    """The first merger of each municipality of ``boundary_year`` and its election cohort (module docstring).

    ``unrepresentable_splits`` maps a unit code of ``boundary_year`` to the description of the pre-2016 split that
    reshaped it. Mergers after ``boundary_year`` come from the history's later lists.
    """
    elections = tuple(sorted(elections, key=lambda e: e.date))
    dates = pd.DatetimeIndex([e.date for e in elections])
    names = history.names(boundary_year)
    codes = history.codes(boundary_year)
    unknown = sorted(set(unrepresentable_splits) - set(codes))
    if unknown:
        raise ValueError(f"unrepresentable_splits names codes {unknown} that are not municipalities of {boundary_year}")

    events = merger_events_of(history, boundary_year)
    first = events.sort_values("date").groupby("code").first()
    n_dates = events.groupby("code")["date"].nunique()
    rows = []
    for code in codes:
        row = {"code": code, "name": names[code], "merger_date": pd.NaT, "merger_list_year": np.nan,
               "merger_receiver": None, "n_predecessors": 1, "n_merger_dates": int(n_dates.get(code, 0)),
               "cohort_election": None, "cohort": NEVER_MERGED}
        if code in first.index:
            event = first.loc[code]
            partners = merger_partners(history, date=event["date"], receiver=event["new_code"])
            position = int(dates.searchsorted(event["date"], side="left"))
            row.update(merger_date=event["date"], merger_list_year=int(event["list_year"]),
                       merger_receiver=event["new_code"], n_predecessors=len(partners))
            if position < len(elections):
                row.update(cohort_election=elections[position].id, cohort=position + 1)
        rows.append(row)
    units = pd.DataFrame(rows)

    later = _first_merger_after(history, boundary_year)
    excluded = pd.concat([
        pd.DataFrame({"code": list(unrepresentable_splits),
                      "reason": [REASON_SPLIT_BEFORE_2016.format(detail=d) for d in unrepresentable_splits.values()]}),
        pd.DataFrame({"code": later.index,
                      "reason": [REASON_MERGED_AFTER_BOUNDARY_YEAR.format(year=boundary_year, date=pd.Timestamp(d).date())
                                 for d in later.values]}),
    ], ignore_index=True).drop_duplicates("code")
    excluded = excluded.assign(name=excluded["code"].map(names))[["code", "name", "reason"]]
    return AmalgamationTreatment(units=units[~units["code"].isin(excluded["code"])].reset_index(drop=True),
                                 excluded=excluded.reset_index(drop=True), elections=elections,
                                 boundary_year=boundary_year)


def _first_merger_after(history: MergerHistory, boundary_year: int) -> pd.Series:
    """Units of ``boundary_year`` that merge in a later list: code -> date of their first later merger."""
    firsts: dict[str, pd.Timestamp] = {}
    for list_year in range(boundary_year + 1, history.years[-1] + 1):
        happened = history.events[(history.events["list_year"] == list_year)
                                  & history.events["kind"].isin(MERGER_KINDS)]
        if happened.empty:
            continue
        # which boundary-year units does each merging code of list_year - 1 come from?
        backward = history.successors(boundary_year, list_year - 1)
        for event in happened.itertuples():
            for partner in merger_partners(history, date=event.date, receiver=event.new_code):
                for unit in backward.loc[backward["target"] == partner, "source"]:
                    firsts.setdefault(unit, event.date)
    return pd.Series(firsts, dtype="datetime64[ns]").sort_index()


def merger_sizes(
    treatment: AmalgamationTreatment,
    history: MergerHistory,
    electorates: Mapping[str, tuple[int, pd.DataFrame]],
) -> pd.DataFrame:
    """``largest_predecessor_share`` per treated unit, from the electorate at the last election before its merger.

    ``electorates`` maps an election id to (its boundary year, a frame with ``code`` and ``electorate``). The
    electorate is moved forward to the boundaries of the day before the merger (sums through the history) so the
    merger partners are municipalities of that table. Returns ``code``, ``size_election``,
    ``largest_predecessor_share``; a unit whose merger precedes every given election gets NaN and the reason.
    """
    order = [e.id for e in treatment.elections if e.id in electorates]
    election_dates = {e.id: e.date for e in treatment.elections}
    rows = []
    for unit in treatment.units[treatment.units["cohort"] != NEVER_MERGED].itertuples():
        before = [e for e in order if election_dates[e] < unit.merger_date]
        if not before:
            rows.append({"code": unit.code, "size_election": None, "largest_predecessor_share": np.nan,
                         "size_note": "no election before the merger"})
            continue
        election = before[-1]
        source_year, table = electorates[election]
        moved = _move_forward(history, table, source_year, int(unit.merger_list_year) - 1)
        partners = merger_partners(history, date=unit.merger_date, receiver=unit.merger_receiver)
        sizes = moved.reindex(list(partners)) * pd.Series(partners)
        if sizes.isna().any():
            raise ValueError(f"no electorate for merger partners {sizes[sizes.isna()].index.tolist()} of unit "
                             f"{unit.code} in {election} moved to {int(unit.merger_list_year) - 1}")
        rows.append({"code": unit.code, "size_election": election,
                     "largest_predecessor_share": float(sizes.max() / sizes.sum()), "size_note": ""})
    return pd.DataFrame(rows, columns=["code", "size_election", "largest_predecessor_share", "size_note"])


def _move_forward(history: MergerHistory, table: pd.DataFrame, source_year: int, target_year: int) -> pd.Series:
    weights = history.successors(source_year, target_year)
    merged = weights.merge(table[["code", "electorate"]], left_on="source", right_on="code", how="left")
    return (merged["weight"] * merged["electorate"]).groupby(merged["target"]).sum()
