"""The codebook: every municipal indicator defined once, with its source, year and unit.

The workflow writes this registry out as the codebook table, and the maps and correlation tables take their
labels from it, so a definition cannot drift between the data and the figures that show it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

import pandas as pd

from afgehaakt import catalogue


@dataclass(frozen=True)
class IndicatorDefinition:
    name: str
    label: str
    definition: str
    source: str
    source_columns: str
    year: int
    unit: str
    worse: Literal["high", "low", "neither"]
    percent: bool


_KWB2020 = "CBS Kerncijfers wijken en buurten 2020 (84799NED), 2020 boundaries, moved to 2021"
_RIVM2020 = "RIVM/GGD Gezondheidsmonitor 2020, 18+ (50090NED), 2020 boundaries, population-weighted to 2021"
_P70072 = "CBS Regionale kerncijfers (70072NED), 1 January 2021, 2021 boundaries"

MUNICIPAL_INDICATORS: tuple[IndicatorDefinition, ...] = (
    IndicatorDefinition(
        "low_education_share", "Low education", "persons with a low level of education / persons with a known "
        "level (low + middle + high)", _KWB2020, "Aantal personen met laag/middelbaar/hoog opleidingsniveau",
        2020, "share of persons with a known level", "high", True),
    IndicatorDefinition(
        "income_per_inhabitant", "Income per inhabitant", "average income per inhabitant; moved as total income "
        "(mean x inhabitants) over inhabitants", _KWB2020, "Gemiddeld inkomen per inwoner (x1000 euro)", 2020,
        "1,000 euro", "low", False),
    IndicatorDefinition(
        "low_income_households_share", "Low-income households", "households with a low income / households; "
        "moved as counts (share x households)", _KWB2020, "Huishoudens met een laag inkomen(%)", 2020,
        "share of households", "high", True),
    IndicatorDefinition(
        "lowest_40_income_share", "Lowest 40% of incomes", "persons with a personal income in the national lowest "
        "40% / persons with a personal income; moved as counts (share x income recipients)", _KWB2020,
        "Personen met laagste inkomen (%); Aantal inkomensontvangers", 2020, "share of income recipients", "high",
        True),
    IndicatorDefinition(
        "middle_income_share", "Middle incomes (40-80%)", "persons with a personal income neither in the national "
        "lowest 40% nor in the highest 20% / persons with a personal income (the middle groups, ecological: a "
        "municipal share, not a person's income); moved as counts", _KWB2020,
        "Personen met laagste inkomen (%); Personen met hoogste inkomen (%); Aantal inkomensontvangers", 2020,
        "share of income recipients", "neither", True),
    IndicatorDefinition(
        "social_assistance_per_1000", "Social assistance", "general social-assistance benefits (bijstand) per "
        "1,000 inhabitants", _KWB2020, "Aantal algemene bijstandsuitkeringen; Aantal inwoners", 2020,
        "per 1,000 inhabitants", "high", False),
    IndicatorDefinition(
        "poor_health_share", "Poor self-rated health", "100% minus the share rating their health good or very "
        "good", _RIVM2020, "ErvarenGezondheidGoedZeerGoed_4", 2020, "share of adults", "high", True),
    IndicatorDefinition(
        "lonely_share", "Loneliness", "adults who are (moderately or severely) lonely", _RIVM2020, "Eenzaam_28",
        2020, "share of adults", "high", True),
    IndicatorDefinition(
        "severely_lonely_share", "Severe loneliness", "adults who are severely or very severely lonely",
        _RIVM2020, "ErnstigZeerErnstigEenzaam_29", 2020, "share of adults", "high", True),
    IndicatorDefinition(
        "volunteering_share", "Volunteering", "adults doing voluntary work", _RIVM2020, "Vrijwilligerswerk_33",
        2020, "share of adults", "low", True),
    IndicatorDefinition(
        "difficulty_making_ends_meet_share", "Difficulty making ends meet", "adults who find it difficult to make "
        "ends meet", _RIVM2020, "MoeiteMetRondkomen_38", 2020, "share of adults", "high", True),
    IndicatorDefinition(
        "aged_65_plus_share", "Aged 65 and over", "inhabitants aged 65 and over / inhabitants", _P70072,
        "k_65Tot80Jaar_11 + k_80JaarOfOuder_12; TotaleBevolking_1", 2021, "share of inhabitants", "neither", True),
    IndicatorDefinition(
        "non_western_share", "Non-western migration background", "inhabitants with a non-western migration "
        "background / inhabitants", _P70072, "TotaalNietWesterseMigratieachtergrond_37; TotaleBevolking_1", 2021,
        "share of inhabitants", "neither", True),
    IndicatorDefinition(
        "urbanity", "Urbanity", "degree of urbanity, CBS's class reversed (6 - class) so that higher is more urban: "
        "5 = very strongly urban (2,500+ addresses per km2) to 1 = not urban (< 500)", "CBS Kerncijfers wijken en buurten 2021 (85039NED), 2021 boundaries", "ste_mvs",
        2021, "class 1-5", "neither", False),
    IndicatorDefinition(
        "poor_health_share_2016", "Poor self-rated health (2016)", "as poor_health_share, monitor of 2016",
        "RIVM/GGD Gezondheidsmonitor 2016, 18+ (50090NED), 2020 boundaries, population-weighted to 2021",
        "ErvarenGezondheidGoedZeerGoed_4", 2016, "share of adults", "high", True),
)


ELECTION_OUTCOMES = ("turnout", "outsider_share")
"""Per-election indicators that get their own maps, Moran tests and correlation columns."""


def election_indicators(election_id: str, label: str, year: int, source: str) -> tuple[IndicatorDefinition, ...]:
    """Definitions of an election's indicators, named ``<indicator>_<election>`` in the municipal table."""
    return (
        IndicatorDefinition(
            f"turnout_{election_id}", f"Turnout {label}", "ballots cast / eligible voters registered in the "
            "municipality (counts moved to 2021 boundaries before dividing)", source, "Opkomst; Kiesgerechtigden",
            year, "share of eligible voters", "low", True),
        IndicatorDefinition(
            f"outsider_share_{election_id}", f"Outsider vote {label}", "votes for the configured outsider parties "
            "/ valid votes", source, "party columns; GeldigeStemmen", year, "share of valid votes", "neither", True),
        IndicatorDefinition(
            f"orthodox_protestant_share_{election_id}", f"SGP and ChristenUnie {label}", "votes for SGP and "
            "ChristenUnie (and joint lists) / valid votes, a proxy for the Bible Belt", source,
            "party columns; GeldigeStemmen", year, "share of valid votes", "neither", True),
    )


def election_outcome_definition(election_id: str, base: str) -> IndicatorDefinition:
    """The definition of ``base`` (e.g. ``turnout``) for one election of the catalogue."""
    source = catalogue.election(election_id)
    definitions = election_indicators(election_id, source.label, int(source.date[:4]), source.attribution)
    return definition(f"{base}_{election_id}", definitions)


def codebook_table(definitions: tuple[IndicatorDefinition, ...]) -> pd.DataFrame:
    return pd.DataFrame([asdict(d) for d in definitions])


def definition(name: str, definitions: tuple[IndicatorDefinition, ...]) -> IndicatorDefinition:
    for item in definitions:
        if item.name == name:
            return item
    raise KeyError(f"indicator {name!r} is not in the codebook")
