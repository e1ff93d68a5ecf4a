"""The model and spatial-regression stages on committed data, written as the workflow writes them.

    python tests/e2e/cross_machine_stage.py OUTPUT_DIR

Run by ``test_cross_machine.py`` once per BLAS and SIMD setting (environment variables set by the test). The
inputs are the committed reference data (the lme4 survey and the spdep municipal values with their queen
weights), so the run needs no workflow; the tables are the workflow's own tables, made by the same functions and
written by the same writer. ``kernels.json`` records the BLAS kernel and numpy's SIMD extensions in use.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_info

from afgehaakt.models.multilevel import (
    default_sequence,
    fit_sequence,
    fixed_effects_table,
    model_comparison_table,
    variance_components_table,
)
from afgehaakt.outputs import write_table
from afgehaakt.spatial.analyses import spatial_regressions
from afgehaakt.spatial.weights import graph_from_edges

REPO = Path(__file__).resolve().parents[2]
QUADRATURE = 10


def multilevel_tables(output: Path) -> None:
    survey = pd.read_csv(REPO / "tests/reference/lme4/survey.csv", dtype={"municipality": str, "province": str})
    for outcome, family in (("trust", "gaussian"), ("turnout", "binomial")):
        upper = "province" if family == "gaussian" else None
        sequence = fit_sequence(survey, outcome=outcome, family=family, n_quadrature=QUADRATURE,
                                specs=default_sequence(random_slope="edu_low", upper_level=upper),
                                source="tests/reference/lme4/survey.csv")
        write_table(fixed_effects_table(sequence), output / f"{outcome}_fixed_effects.csv")
        write_table(variance_components_table(sequence), output / f"{outcome}_variance_components.csv")
        write_table(model_comparison_table(sequence), output / f"{outcome}_model_comparison.csv")


def spatial_regression_tables(output: Path) -> None:
    values = pd.read_csv(REPO / "tests/reference/spdep/municipal_values.csv", dtype={"code": str}).set_index("code")
    edges = pd.read_csv(REPO / "tests/reference/spdep/queen_edges.csv", dtype={"focal": str, "neighbor": str})
    graph = graph_from_edges(edges, tuple(sorted(values.index)))
    coefficients, statistics, lagrange, impacts = spatial_regressions(
        values, graph, outcomes=["turnout", "outsider_share"], covariates=["log_eligible", "blank_share"],
        weights_name="queen")
    write_table(coefficients, output / "regression_coefficients.csv")
    write_table(statistics, output / "regression_models.csv")
    write_table(lagrange, output / "regression_lm_tests.csv")
    write_table(impacts, output / "regression_lag_impacts.csv")


def kernels() -> dict:
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    return {"blas": [{key: info.get(key) for key in ("internal_api", "architecture", "num_threads", "filepath")}
                     for info in threadpool_info()],
            "numpy_simd_in_use": sorted(name for name in __cpu_dispatch__ if __cpu_features__.get(name)),
            "numpy": np.__version__}


if __name__ == "__main__":
    target = Path(sys.argv[1])
    target.mkdir(parents=True, exist_ok=True)
    multilevel_tables(target)
    spatial_regression_tables(target)
    (target / "kernels.json").write_text(json.dumps(kernels(), indent=1), encoding="utf-8")
