"""Write the inputs of the spdep reference run (``reference.R``) from the committed data snapshot.

Run from the repository root with the project's virtualenv::

    .venv/bin/python tests/reference/spdep/make_inputs.py
    Rscript tests/reference/spdep/reference.R

It writes ``queen_edges.csv`` (queen contiguity with the default island policy, one row per directed link),
``knn6_edges.csv`` (six nearest centroids: asymmetric weights, which spdep symmetrises in ``lm.morantest``)
and ``municipal_values.csv`` (one row per municipality, sorted by code). The parity tests read the same
files, so Python and R see identical numbers; codes are written as strings with leading zeros.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from afgehaakt.geo.boundaries import read_municipal_boundaries
from afgehaakt.io.kiesraad import read_municipal_results
from afgehaakt.spatial.distance_weights import knn_weights
from afgehaakt.spatial.weights import IslandPolicy, queen_weights

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
OUTSIDER_PARTIES = ["PVV", "SP", "FvD", "PvdD", "JA21", "50PLUS", "DENK", "BBB", "BIJ1"]


def municipal_values() -> pd.DataFrame:
    # The definitions of afgehaakt.elections, written out so that the reference inputs do not move with that
    # module's interface: turnout = ballots cast / eligible, outsider share = outsider votes / valid votes.
    results = read_municipal_results(REPO / "data" / "elections" / "tk2021_gemeente.csv")
    table = results.totals.copy()
    outsider = results.party_votes[results.party_votes["party"].isin(OUTSIDER_PARTIES)]
    table["outsider_votes"] = table["code"].map(outsider.groupby("code")["votes"].sum()).fillna(0)
    table["turnout"] = table["votes_cast"].astype(float) / table["eligible"].astype(float)
    table["outsider_share"] = table["outsider_votes"].astype(float) / table["valid"].astype(float)
    table["log_eligible"] = np.log(table["eligible"].astype(float))
    # Blank votes over ballots cast: a small, municipality-level covariate available in the same file.
    table["blank_share"] = table["blank"].astype(float) / table["votes_cast"].astype(float)
    columns = ["code", "turnout", "outsider_share", "log_eligible", "blank_share"]
    return table[columns].sort_values("code", kind="stable").reset_index(drop=True)


def main() -> None:
    boundaries = read_municipal_boundaries(
        REPO / "data" / "boundaries" / "gemeente_2021_rd.topojson", object_name="gemeente_2021"
    )
    weights = queen_weights(boundaries, id_column="code", policy=IslandPolicy())
    weights.edges[["focal", "neighbor", "weight"]].to_csv(HERE / "queen_edges.csv", index=False)
    knn = knn_weights(boundaries, id_column="code", k=6)
    knn.edges[["focal", "neighbor", "weight"]].to_csv(HERE / "knn6_edges.csv", index=False)
    municipal_values().to_csv(HERE / "municipal_values.csv", index=False, float_format="%.17g")


if __name__ == "__main__":
    main()
