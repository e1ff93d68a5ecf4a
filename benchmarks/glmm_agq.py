"""Benchmark: the AGQ-10 logistic mixed model on a 200,000-row synthetic survey, against lme4 (issue 20, item 5).

Usage (from the repository root, with the project's virtual environment):

    .venv/bin/python benchmarks/glmm_agq.py --label after --r      # this checkout's code, and lme4 via Rscript
    PYTHONPATH=/tmp/before .venv/bin/python benchmarks/glmm_agq.py --label before
                                                                   # any other checkout of afgehaakt, e.g. made by
                                                                   # git archive <commit> | tar -x -C /tmp/before

The design: :func:`afgehaakt.survey.synthetic.generate_survey` with 200,000 respondents (seed 20240611) in the
352 municipalities of ``example_municipal_table(352, seed=2021)``; the model is the cross-level model M3 (eight
predictors and a random municipal intercept) fitted by ML with 10-point adaptive Gauss-Hermite quadrature.

Every fit runs in a fresh Python subprocess (``--worker``): the survey is generated first, then the fit is timed
alone. Wall time is ``time.perf_counter`` around the fit; CPU time is ``time.process_time`` (all threads of the
process, so BLAS threads that spin without adding speed show up as CPU above wall). Each fit runs twice: with the
BLAS thread pool as the library leaves it (OpenBLAS: one thread per core) and limited to one thread by
``threadpoolctl``. The load average before each fit is stored with it (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
ROWS = 200_000
DATA_SEED = 20_240_611
NODES = 10


def _survey(rows: int):
    from afgehaakt.survey.synthetic import SurveyDesign, example_municipal_table, generate_survey

    municipalities = example_municipal_table(352, seed=2021)
    design = SurveyDesign(n_respondents=rows, min_per_municipality=8, seed=DATA_SEED)
    return generate_survey(municipalities, design=design).respondents


def worker(rows: int, threads: str) -> dict:
    import numpy as np
    from threadpoolctl import threadpool_info, threadpool_limits

    import afgehaakt
    from afgehaakt.models.multilevel import default_sequence, fit_logistic_mixed_model

    survey = _survey(rows)
    spec = {s.name: s for s in default_sequence()}["M3_cross_level"]
    load = os.getloadavg()
    wall, cpu = time.perf_counter(), time.process_time()
    if threads == "1":
        with threadpool_limits(limits=1, user_api="blas"):
            fit = fit_logistic_mixed_model(survey, spec, outcome="turnout", n_quadrature=NODES)
    else:
        fit = fit_logistic_mixed_model(survey, spec, outcome="turnout", n_quadrature=NODES)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "package": str(Path(afgehaakt.__file__).parent),
        "blas_threads_outside_fit": threads,
        "blas": [{k: info[k] for k in ("internal_api", "num_threads", "version")} for info in threadpool_info()],
        "loadavg_before": load,
        "wall_s": wall,
        "cpu_s": cpu,
        "fixed_effects": dict(zip(fit.fixed_names, map(float, fit.fixed_effects), strict=True)),
        "se": dict(zip(fit.fixed_names, map(float, np.sqrt(np.diag(fit.fixed_cov))), strict=True)),
        "intercept_variance": float(fit.random_cov[0, 0]),
        "loglik": float(fit.loglik),
        "converged": bool(fit.converged),
        "status": getattr(fit, "status", "(no status before issue 20)"),
        "gradient_norm": float(fit.gradient_norm),
    }


def _run_worker(rows: int, threads: str) -> dict:
    output = subprocess.run([sys.executable, __file__, "--worker", "--rows", str(rows), "--threads", threads],
                            check=True, capture_output=True, text=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def _run_r(rows: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        csv, result = Path(folder) / "survey.csv", Path(folder) / "lme4.json"
        _survey(rows).to_csv(csv, index=False)
        load = os.getloadavg()
        subprocess.run(["Rscript", str(HERE / "glmm_agq.R"), str(csv), str(result)], check=True)
        return json.loads(result.read_text()) | {"loadavg_before": load}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="after", help="name of the code version measured (before, after)")
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--r", action="store_true", help="also time lme4 glmer(nAGQ = 10)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--threads", default="default", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.rows, args.threads)))
        return
    record = {
        "rows": args.rows, "nodes": NODES, "data_seed": DATA_SEED, "nproc": os.cpu_count(),
        "python": platform.python_version(), "started_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        "fits": {threads: _run_worker(args.rows, threads) for threads in ("default", "1")},
    }
    if args.r:
        record["lme4"] = _run_r(args.rows)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"glmm_agq_{args.label}.json"
    path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
