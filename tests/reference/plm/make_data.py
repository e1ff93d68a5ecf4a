"""Write the extract of the real municipal panel that reference.R fits with plm.

    .venv/bin/python tests/reference/plm/make_data.py [results/interim/features/municipal_2021.parquet]

Input: the workflow's features table (rule ``municipal_features``; elections harmonised to the 2021 boundaries).
Output: ``panel.csv``, the balanced long panel of afgehaakt.models.panel.build_panel (TK2017, TK2021, TK2023;
turnout above 1 kept as observed) with the columns the reference models use, written with 17 significant digits
so that R and Python read identical doubles. Sources: Kiesraad (open data), CBS Kerncijfers wijken en buurten
2020 (CC BY 4.0); see data/SOURCES.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from afgehaakt.models.panel import build_panel

HERE = Path(__file__).resolve().parent
COLUMNS = ["code", "election", "year", "turnout", "outsider_share", "low_education_share",
           "orthodox_protestant_share"]


def main(path: str = "results/interim/features/municipal_2021.parquet") -> None:
    panel = build_panel(pd.read_parquet(path), time_varying=("orthodox_protestant_share",))
    panel.table[COLUMNS].to_csv(HERE / "panel.csv", index=False, float_format="%.17g", lineterminator="\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
