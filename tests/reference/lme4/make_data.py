"""Write the synthetic survey that reference.R fits with lme4 (fixed seeds; rerun gives the same bytes).

    .venv/bin/python tests/reference/lme4/make_data.py

The municipal table is invented (afgehaakt.survey.synthetic.example_municipal_table); nothing here is real data.
Municipal and random-slope SDs are set larger than the generator's defaults so that no fit is singular:
a boundary fit would make the comparison with lme4 depend on how each optimiser approaches zero.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from afgehaakt.survey.synthetic import (
    DEFAULT_TRUST,
    DEFAULT_TURNOUT,
    SurveyDesign,
    TrueParameters,
    example_municipal_table,
    generate_survey,
)

HERE = Path(__file__).resolve().parent
COLUMNS = [
    "respondent_id", "municipality", "province", "trust", "turnout", "edu_low", "edu_middle", "low_income",
    "poor_health", "age10", "female", "stacked_disadvantage", "synthetic",
]
DESIGN = SurveyDesign(n_respondents=10_000, min_per_municipality=8, seed=20240611)
PARAMETERS = TrueParameters(
    trust=replace(DEFAULT_TRUST, municipal_sd=0.4, edu_low_slope_sd=0.4),
    turnout=replace(DEFAULT_TURNOUT, municipal_sd=0.5, edu_low_slope_sd=0.5),
)


def main() -> None:
    municipalities = example_municipal_table(352, seed=2021)
    survey = generate_survey(municipalities, design=DESIGN, parameters=PARAMETERS)
    survey.respondents[COLUMNS].to_csv(HERE / "survey.csv", index=False, float_format="%.10g", lineterminator="\n")


if __name__ == "__main__":
    main()
