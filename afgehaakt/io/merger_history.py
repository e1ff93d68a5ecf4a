"""The municipal merger history 1998-2025: which municipalities existed on each 1 January, and what became of them.

Two files (``data/membership/history/``, derived from RvIG Landelijke Tabel 33, see ``data/SOURCES.md``):

* ``gemeenten_per_jaar_1998_2025.csv`` (``jaar,gemeentecode,cbs_code,naam``): the municipalities on 1 January of
  each year; the counts equal CBS's (1998: 548, 2014: 403, 2021: 352, 2023-2025: 342).
* ``herindelingen_1998_2025.csv``: one row per disappearing code (``oude_code``) with its successor
  (``nieuwe_code``), the date, and ``jaar_lijst``: the first 1 January list on which the change shows. Events
  dated after 1 January (renamings such as Budel -> Cranendonck on 1998-01-28) belong to the next year's list.
  For four splits of 2016-2024 (Littenseradiel 2018, Winsum 2019, Haaren 2021, Langedijk 2022) the last column
  gives the old municipality's addresses in each receiving municipality (``0080:1436;1900:2376;1949:829``).

A boundary year here is the year of the 1 January list a table is coded in (TK2017 results: 2017; TK2023 and
TK2025: 2023 and 2025). Usage::

    from afgehaakt.io.merger_history import read_merger_history
    history = read_merger_history(events_path, municipalities_path)
    history.codes(2021)                      # the 352 four-digit codes of 1 January 2021
    history.conversion(2006, 2021)           # rows source, target, weight, addresses, kind (as crosswalk.py)
    history.successors(2006, 2021)           # one row per 2006 code: its 2021 code(s) and weight
    history.conversion_on(codes, "2010-06-09", 2021)  # a table coded as on a day (an election), see below
    history.events                           # one row per event (date, list_year, old_code, new_code, kind, split)
    history.changes_of(2021)                 # per 2021 municipality: the list years in which it was reshaped

``conversion`` returns the table that :func:`afgehaakt.features.crosswalk.move_counts` takes, so any count table
moves forward with ``move_counts(frame, history.conversion(year, 2021), columns)``: counts are moved and summed
and national totals are conserved exactly. Mapping backwards (a later boundary year onto an earlier one, e.g.
TK2025 onto 2021) needs the address counts of the parts, which the events do not hold for mergers: pass
``addresses=read_address_pairs(path)`` (yearly address cells 2016-2024 from Weda's *grenswijzigen*), and the
weights are the later municipality's address shares over its earlier parts.

Documented limitations (the history records one successor per code):

* splits before 2016 (e.g. Boarnsterhim 2014, split over Leeuwarden, Heerenveen, De Friese Meren and Súdwest-
  Fryslân) are mapped whole to the one successor the table names;
* border corrections between continuing municipalities are not in the history (they are a few addresses a
  year in the address crosswalks, e.g. one address of Marum that went to Leek in 2017).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from afgehaakt.codes import normalise_codes
from afgehaakt.errors import InputDataError
from afgehaakt.features.crosswalk import conversion_kinds
from afgehaakt.io.text import parse_numbers, read_delimited, require_columns

EVENT_COLUMNS = ["datum", "jaar_lijst", "oude_code", "oude_naam", "nieuwe_code", "nieuwe_naam",
                 "nieuwe_gemeente_begin", "type", "bron", "verdeling_adressen_cbs_pc6"]
MUNICIPALITY_COLUMNS = ["jaar", "gemeentecode", "cbs_code", "naam"]
PAIR_COLUMNS = ["van_jaar", "naar_jaar", "van", "naar", "n"]


@dataclass(frozen=True)
class MergerHistory:
    """The municipalities of each 1 January and the events between consecutive lists (checked to agree).

    ``events``: date, list_year, old_code, old_name, new_code, new_name, kind, source, split (a dict
    {receiving code: addresses} for the splits with address shares, else None).
    ``municipalities``: year, code, name.
    """

    events: pd.DataFrame
    municipalities: pd.DataFrame
    paths: tuple[str, str]

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.municipalities["year"].unique())

    def codes(self, year: int) -> list[str]:
        """The four-digit codes of the municipalities on 1 January of ``year``."""
        self._require_year(year)
        return sorted(self.municipalities.loc[self.municipalities["year"] == year, "code"])

    def names(self, year: int) -> dict[str, str]:
        self._require_year(year)
        rows = self.municipalities[self.municipalities["year"] == year]
        return dict(zip(rows["code"], rows["name"], strict=True))

    def step(self, year: int) -> pd.DataFrame:
        """Weights (source, target, weight) from the list of ``year`` to the list of ``year + 1``."""
        self._require_year(year)
        self._require_year(year + 1)
        # every code starts on itself; the year's events, in date order, redirect whatever points at the old code
        weights: dict[str, dict[str, float]] = {code: {code: 1.0} for code in self.codes(year)}
        for event in self.events[self.events["list_year"] == year + 1].itertuples():
            receivers = _receivers(event)
            for parts in weights.values():
                share = parts.pop(event.old_code, None)
                if share is None:
                    continue
                for target, fraction in receivers.items():
                    parts[target] = parts.get(target, 0.0) + share * fraction
        rows = [(source, target, w) for source, parts in weights.items() for target, w in parts.items()]
        return pd.DataFrame(rows, columns=["source", "target", "weight"])

    def successors(self, from_year: int, to_year: int) -> pd.DataFrame:
        """Forward weights (source, target, weight) from the list of ``from_year`` to that of ``to_year``.

        Each source's weights sum to one; a source with more than one target is a split with address shares.
        """
        if to_year < from_year:
            raise ValueError(f"successors go forward in time; {from_year} -> {to_year} needs conversion(addresses=)")
        table = pd.DataFrame({"source": self.codes(from_year), "target": self.codes(from_year), "weight": 1.0})
        for year in range(from_year, to_year):
            table = _compose(table, self.step(year))
        return table.sort_values(["source", "target"]).reset_index(drop=True)

    def conversion(self, from_year: int, to_year: int, *, addresses: pd.DataFrame | None = None) -> pd.DataFrame:
        """The conversion table (source, target, weight, addresses, kind) of :mod:`afgehaakt.features.crosswalk`.

        Forward (``from_year <= to_year``) from the events alone. Backward (a later boundary year onto an earlier
        one) from ``addresses`` (see :func:`read_address_pairs`): a later municipality's counts go to its earlier
        parts in proportion to their addresses; the years crossed must all be covered by the address cells.
        """
        if from_year <= to_year:
            table = self.successors(from_year, to_year).assign(addresses=np.nan)
        else:
            if addresses is None:
                raise ValueError(f"mapping {from_year} back to {to_year} splits merged municipalities and needs "
                                 "address counts (addresses=read_address_pairs(...))")
            table = self._backward(from_year, to_year, addresses)
        table["kind"] = conversion_kinds(table)
        return table[["source", "target", "weight", "addresses", "kind"]].sort_values(
            ["target", "source"], kind="stable").reset_index(drop=True)

    def conversion_on(self, codes: list[str], date: str, to_year: int, *,
                      addresses: pd.DataFrame | None = None) -> pd.DataFrame:
        """The conversion of a table (an election) coded as the municipalities were on ``date`` (YYYY-MM-DD).

        A table of a day after 1 January may already use a code that took effect since (TK1998: Cranendonck
        1706 for Budel 0759, renamed on 28 January) and lack a municipality merged since (TK2010: Rozenburg,
        in Rotterdam from 18 March, counted in Rotterdam). Such codes are mapped through the 1 January list of
        the date's year; any other difference from that list raises ``ValueError`` naming the codes.
        """
        day = pd.Timestamp(date)
        listed = set(self.codes(day.year))
        early = self.events[(self.events["list_year"] == day.year + 1) & (self.events["date"] <= day)]
        renamed = {}
        for new_code, group in early.groupby("new_code"):
            if new_code not in listed and len(group) == 1:
                renamed[new_code] = group["old_code"].iloc[0]
        present = {renamed.get(code, code) for code in codes}
        unknown = sorted(code for code in codes if code not in listed and code not in renamed)
        absent = sorted(listed - present - set(early["old_code"]))
        if unknown or absent:
            raise ValueError(f"municipalities of {date} differ from the 1 January {day.year} list and the events "
                             f"before {date}: unknown {unknown[:5]}, absent {absent[:5]}")
        table = self.conversion(day.year, to_year, addresses=addresses)
        table = table[table["source"].isin(present)].copy()
        back = {old: new for new, old in renamed.items() if new in set(codes)}
        table["source"] = table["source"].replace(back)
        table["kind"] = conversion_kinds(table)
        return table.reset_index(drop=True)

    def changes_of(self, year: int) -> pd.DataFrame:
        """Per municipality of ``year``: every earlier list year in which it or a predecessor was reshaped.

        Rows: code (of ``year``), list_year, date, kind, old_code, new_code; the timing of boundary changes for
        analyses that treat a merger as an event. Only events on the way to ``year`` are listed.
        """
        rows = []
        for list_year in range(self.years[0], year + 1):
            happened = self.events[self.events["list_year"] == list_year]
            if happened.empty:
                continue
            onward = self.successors(list_year, year)
            for event in happened.itertuples():
                for receiver in _receivers(event):
                    for code in onward.loc[onward["source"] == receiver, "target"]:
                        rows.append((code, list_year, event.date, event.kind, event.old_code, receiver))
        table = pd.DataFrame(rows, columns=["code", "list_year", "date", "kind", "old_code", "new_code"])
        return table.drop_duplicates().sort_values(["code", "list_year", "old_code"]).reset_index(drop=True)

    def _backward(self, from_year: int, to_year: int, addresses: pd.DataFrame) -> pd.DataFrame:
        table = pd.DataFrame({"source": self.codes(from_year), "target": self.codes(from_year), "weight": 1.0,
                              "addresses": np.nan})
        for year in range(from_year - 1, to_year - 1, -1):
            table = _compose(table, self._backward_step(year, addresses))
        return table

    def _backward_step(self, year: int, addresses: pd.DataFrame) -> pd.DataFrame:
        """Weights from the list of ``year + 1`` back to that of ``year`` by address shares of the parts."""
        forward = self.step(year)
        changed = forward[(forward["source"] != forward["target"]) | forward["source"].duplicated(keep=False)]
        affected = set(changed["target"])
        steady = forward[~forward["target"].isin(affected)]
        cells = addresses[(addresses["from_year"] == year) & (addresses["to_year"] == year + 1)]
        cells = cells[cells["to_code"].isin(affected)]
        missing = sorted(affected - set(cells["to_code"]))
        if missing:
            raise ValueError(f"no address counts {year}->{year + 1} for the changed municipalities {missing[:5]}")
        parts = cells.rename(columns={"to_code": "source", "from_code": "target"})
        parts = parts.assign(weight=parts["addresses"] / parts.groupby("source")["addresses"].transform("sum"))
        return pd.concat([steady.rename(columns={"source": "target", "target": "source"})[["source", "target",
                                                                                           "weight"]],
                          parts[["source", "target", "weight"]]], ignore_index=True)

    def _require_year(self, year: int) -> None:
        if year not in set(self.years):
            raise ValueError(f"{self.paths[1]} has no list for {year} (it covers {self.years[0]}-{self.years[-1]})")


def read_merger_history(events_path: str | Path, municipalities_path: str | Path) -> MergerHistory:
    """Read and cross-check the two history files; every year's events must turn its list into the next one's."""
    municipalities = _read_municipalities(municipalities_path)
    events = _read_events(events_path)
    years = sorted(municipalities["year"].unique())
    outside = events[(events["list_year"] <= years[0]) | (events["list_year"] > years[-1])]
    # events of the first list year happened on or before its 1 January: they are already in that list
    outside = outside[outside["list_year"] != years[0]]
    if not outside.empty:
        raise InputDataError(events_path, f"event list year {outside['list_year'].iloc[0]} outside the lists",
                             field="jaar_lijst", row=int(outside.index[0]), expected=f"{years[0]}-{years[-1]}")
    history = MergerHistory(events=events, municipalities=municipalities,
                            paths=(str(events_path), str(municipalities_path)))
    for year in years[:-1]:
        reached = set(history.step(year)["target"])
        listed = set(history.codes(year + 1))
        if reached != listed:
            raise InputDataError(
                events_path, f"the events of list year {year + 1} turn the {year} list into a different set: "
                f"not listed {sorted(reached - listed)[:5]}, not reached {sorted(listed - reached)[:5]}",
                field="jaar_lijst", expected=f"the municipalities of {municipalities_path} for {year + 1}")
    return history


def read_address_pairs(path: str | Path) -> pd.DataFrame:
    """Yearly address cells (from_year, to_year, from_code, to_code, addresses) of the changed municipalities.

    ``crosscheck_grenswijzigen_2016_2024_pairs.csv``: non-zero cells of Weda's yearly address matrices
    (CC BY-NC-SA 4.0); every row moves ``n`` addresses from ``van`` (list of ``van_jaar``) to ``naar``.
    """
    raw = read_delimited(path, separators=",;")
    require_columns(raw, PAIR_COLUMNS, path=path)
    table = pd.DataFrame({
        "from_year": parse_numbers(raw["van_jaar"], path=path, field="van_jaar", integer=True,
                                   allow_missing=False).astype("int64"),
        "to_year": parse_numbers(raw["naar_jaar"], path=path, field="naar_jaar", integer=True,
                                 allow_missing=False).astype("int64"),
        "from_code": normalise_codes(raw["van"], path=path, field="van").astype(str),
        "to_code": normalise_codes(raw["naar"], path=path, field="naar").astype(str),
        "addresses": parse_numbers(raw["n"], path=path, field="n", integer=True,
                                   allow_missing=False).astype("int64"),
    })
    bad = table[(table["to_year"] != table["from_year"] + 1) | (table["addresses"] <= 0)]
    if not bad.empty:
        raise InputDataError(path, "a cell that is not one year apart or has no addresses", row=int(bad.index[0]),
                             expected="naar_jaar = van_jaar + 1 and n > 0")
    return table


def _read_municipalities(path: str | Path) -> pd.DataFrame:
    raw = read_delimited(path, separators=",;")
    require_columns(raw, MUNICIPALITY_COLUMNS, path=path)
    table = pd.DataFrame({
        "year": parse_numbers(raw["jaar"], path=path, field="jaar", integer=True,
                              allow_missing=False).astype("int64"),
        "code": normalise_codes(raw["gemeentecode"], path=path, field="gemeentecode").astype(str),
        "name": raw["naam"],
    })
    cbs = normalise_codes(raw["cbs_code"], path=path, field="cbs_code").astype(str)
    disagree = table.index[cbs.to_numpy() != table["code"].to_numpy()]
    if len(disagree):
        raise InputDataError(path, "cbs_code and gemeentecode differ", field="cbs_code", row=int(disagree[0]),
                             expected="GM + gemeentecode")
    duplicated = table[table.duplicated(["year", "code"])]
    if not duplicated.empty:
        raise InputDataError(path, f"code {duplicated['code'].iloc[0]} listed twice", field="gemeentecode",
                             row=int(duplicated.index[0]), expected="one row per municipality and year")
    years = sorted(table["year"].unique())
    if years != list(range(years[0], years[-1] + 1)):
        raise InputDataError(path, f"years {years} have gaps", field="jaar", expected="consecutive years")
    return table


def _read_events(path: str | Path) -> pd.DataFrame:
    raw = read_delimited(path, separators=",;")
    require_columns(raw, EVENT_COLUMNS, path=path)
    dates = pd.to_datetime(raw["datum"], format="%Y-%m-%d", errors="coerce")
    if dates.isna().any():
        row = int(dates.index[dates.isna()][0])
        raise InputDataError(path, f"unreadable date {raw.loc[row, 'datum']!r}", field="datum", row=row,
                             expected="YYYY-MM-DD")
    events = pd.DataFrame({
        "date": dates,
        "list_year": parse_numbers(raw["jaar_lijst"], path=path, field="jaar_lijst", integer=True,
                                   allow_missing=False).astype("int64"),
        "old_code": normalise_codes(raw["oude_code"], path=path, field="oude_code").astype(str),
        "old_name": raw["oude_naam"],
        "new_code": normalise_codes(raw["nieuwe_code"], path=path, field="nieuwe_code").astype(str),
        "new_name": raw["nieuwe_naam"],
        "kind": raw["type"],
        "source": raw["bron"],
        "split": [_parse_split(text, path=path, row=row) for row, text in raw["verdeling_adressen_cbs_pc6"].items()],
    })
    expected_list_year = dates.dt.year + ((dates.dt.month > 1) | (dates.dt.day > 1)).astype(int)
    wrong = events.index[events["list_year"] != expected_list_year]
    if len(wrong):
        raise InputDataError(path, f"list year {events.loc[wrong[0], 'list_year']} does not follow the date",
                             field="jaar_lijst", row=int(wrong[0]),
                             expected="the year of a 1 January event, else the next year")
    twice = events[events.duplicated("old_code")]
    if not twice.empty:
        raise InputDataError(path, f"code {twice['old_code'].iloc[0]} disappears twice", field="oude_code",
                             row=int(twice.index[0]), expected="one successor per code")
    return events.sort_values(["date", "old_code"], kind="stable")


def _parse_split(text: str, *, path: str | Path, row: int) -> dict[str, int] | None:
    if not text:
        return None
    parts = {}
    for item in text.split(";"):
        code, _, count = item.partition(":")
        if not code.strip().isdigit() or not count.strip().isdigit() or int(count) <= 0:
            raise InputDataError(path, f"unreadable address split {text!r}", field="verdeling_adressen_cbs_pc6",
                                 row=row, expected="code:addresses;code:addresses with positive counts")
        parts[code.strip().zfill(4)] = int(count)
    return parts


def _receivers(event) -> dict[str, float]:
    if event.split is None:
        return {event.new_code: 1.0}
    total = sum(event.split.values())
    return {code: count / total for code, count in event.split.items()}


def _compose(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """Chain two weight tables: source -> intermediate (``first``) then intermediate -> target (``second``)."""
    merged = first[["source", "target", "weight"]].merge(
        second[["source", "target", "weight"]].rename(columns={"source": "target", "target": "next",
                                                               "weight": "next_weight"}), on="target", how="left")
    unmapped = merged[merged["next"].isna()]
    if not unmapped.empty:
        raise ValueError(f"codes {sorted(unmapped['target'].unique())[:5]} have no onward mapping")
    merged["weight"] = merged["weight"] * merged["next_weight"]
    out = merged.groupby(["source", "next"], as_index=False)["weight"].sum().rename(columns={"next": "target"})
    return out.assign(addresses=np.nan)
