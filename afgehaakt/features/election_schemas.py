"""Schemas of the per-election interim tables on the target boundary year."""

from __future__ import annotations

from afgehaakt.schemas import Column, TableSchema

_CODE = (
    Column("code", "string", "four-digit municipality code", pattern=r"\d{4}", unique=True),
    Column("gm_code", "string", "CBS code", pattern=r"GM\d{4}", unique=True),
    Column("name", "string", "municipality name"),
)


def harmonised_totals_schema(election: str) -> TableSchema:
    """Counts after harmonisation: fractional where a municipality was split, never negative."""
    counts = tuple(Column(name, "float64", f"{name} ({election})", minimum=0.0, nullable=name in ("blank", "invalid"))
                   for name in ("eligible", "votes_cast", "valid", "blank", "invalid"))
    return TableSchema(name=f"{election} totals on the target year", columns=_CODE + counts, key=("code",))


def election_indicators_schema(election: str, groups: list[str]) -> TableSchema:
    columns = list(_CODE) + [
        Column("eligible", "float64", "eligible voters", minimum=0.0),
        Column("votes_cast", "float64", "ballots cast", minimum=0.0),
        Column("valid", "float64", "valid votes", minimum=0.0),
        Column("turnout", "float64", "ballots cast / eligible (above 1 on the Wadden islands)", minimum=0.0,
               maximum=2.0),
    ]
    for group in groups:
        columns += [Column(f"{group}_votes", "float64", f"votes for the {group} parties", minimum=0.0),
                    Column(f"{group}_share", "float64", f"{group} votes / valid votes", minimum=0.0, maximum=1.0)]
    columns.append(Column("turnout_above_one", "bool", "flag"))
    return TableSchema(name=f"{election} indicators", columns=tuple(columns), key=("code",))
