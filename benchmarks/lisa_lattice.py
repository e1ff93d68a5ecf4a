"""Benchmark: local Moran with conditional permutation on an n x n queen lattice (GitHub issue 5, item 7).

Usage (from the repository root, with the project's virtual environment):

    .venv/bin/python benchmarks/lisa_lattice.py            # full run, writes benchmarks/results/lisa_lattice.json
    .venv/bin/python benchmarks/lisa_lattice.py --quick    # smaller grid, for a smoke test (writes *_quick.json)
    .venv/bin/python benchmarks/lisa_lattice.py --r        # also time R spdep::localmoran_perm via Rscript

Every measurement runs in a fresh Python subprocess (``--worker``), so imports, JIT compilation and memory do not
leak from one method into another. Inside a worker the data are built and the method is warmed up (one call with
99 permutations: numba compilation or loading from numba's on-disk cache, esda's kernels compiled), then the
timed call is repeated; wall time is ``time.perf_counter`` around the call only (no import, no JIT) and the
reported figure is the median of the repeats.

Memory is the resident set size of the worker process, read from /proc/self/status: ``VmHWM`` (peak RSS) after
resetting it with ``/proc/self/clear_refs`` just before the timed calls, so the peak covers the computation plus
what the process already held (interpreter, libraries, data: ``baseline_rss_mb``); ``peak_extra_mb`` is the
difference. This counts every allocation (NumPy, numba's runtime, R), unlike tracemalloc, which misses numba's.

Start-up cost is measured in fresh processes too: the import, then the first call on a tiny lattice, with an
empty ``NUMBA_CACHE_DIR`` (cold: numba compiles and writes its cache) and again with that directory filled
(warm: numba loads the compiled kernel). esda's kernels are not cached by esda, so its first call always compiles.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SEED = 20_240_507
DATA_SEED = 42
KERNEL_METHODS = ("kernel", "local_moran", "kernel_esda", "local_moran_esda")


# --------------------------------------------------------------------------------------------------------------
# helpers run inside workers
# --------------------------------------------------------------------------------------------------------------


def _status(field: str) -> float:
    """A field of /proc/self/status in MB (VmRSS, VmHWM)."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
        return True
    except OSError:
        return False


def _lattice_inputs(side: int, planted: bool = False):
    import numpy as np
    from libpysal.weights import lat2W

    from afgehaakt.spatial.conditional_permutation import rows_from_sparse

    w = lat2W(side, side, rook=False)
    w.transform = "r"
    y = np.random.default_rng(DATA_SEED).normal(size=side * side)
    if planted:
        grid = y.reshape(side, side)
        grid[side // 4 : side // 4 + side // 8, side // 4 : side // 4 + side // 8] += 1.5
        grid[side // 2 : side // 2 + side // 8, side // 2 : side // 2 + side // 8] -= 1.5
        y = grid.ravel()
    rows = rows_from_sparse(w.sparse)
    return w, y, rows


def _moran_inputs(y, rows):
    import numpy as np
    from scipy import sparse

    z = y - y.mean()
    m2 = (z * z).mean()
    n = len(z)
    lag = sparse.csr_matrix((rows.weights, rows.indices, rows.indptr), shape=(n, n)) @ z
    return z * lag / m2, z / m2, np.zeros(n), z


def _run(method: str, side: int, permutations: int, repeats: int) -> dict:
    """Warm up ``method`` and time ``repeats`` calls; returns times and memory."""
    setup_start = time.perf_counter()
    w, y, rows = _lattice_inputs(side)
    if method in KERNEL_METHODS:
        import numba
        import pandas as pd
        from libpysal.graph import Graph

        from afgehaakt.spatial.conditional_permutation import conditional_reference
        from afgehaakt.spatial.local import local_moran

        inputs = _moran_inputs(y, rows)
        graph = Graph.from_W(w)
        series = pd.Series(y, index=graph.unique_ids, name="y")

        draws = "esda" if method.endswith("_esda") else "independent"

        def call(p):
            if method.startswith("kernel"):
                return conditional_reference(
                    *inputs, rows, permutations=p, seed=SEED, alternative="two-sided", draws=draws
                )
            return local_moran(series, graph, weights_name="queen", permutations=p, seed=SEED, draws=draws)

        extra = {"threads": numba.get_num_threads(), "threading_layer": None, "draws": draws}
    elif method.startswith("esda"):
        import warnings

        import esda

        warnings.simplefilter("ignore")
        keep = method == "esda_default"

        def call(p):
            return esda.Moran_Local(y, w, transformation="r", permutations=p, seed=SEED, keep_simulations=keep)

        extra = {"keep_simulations": keep, "n_jobs": 1}
    else:
        raise ValueError(method)
    setup = time.perf_counter() - setup_start
    warm_start = time.perf_counter()
    call(99)
    warm_up = time.perf_counter() - warm_start
    if method in KERNEL_METHODS:
        import numba

        extra["threading_layer"] = numba.threading_layer()
    baseline = _status("VmRSS")
    reset = _reset_peak()
    load_before = os.getloadavg()
    times, cpu = [], []
    for _ in range(repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        result = call(permutations)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - cpu_start)
        del result
    peak = _status("VmHWM")
    return {
        "method": method,
        "units": side * side,
        "permutations": permutations,
        "neighbour_lookups": int(rows.indptr[-1]) * permutations,
        "wall_s": times,
        "wall_median_s": statistics.median(times),
        "cpu_s": cpu,
        "cpu_median_s": statistics.median(cpu),
        "loadavg_before": load_before,
        "setup_s": setup,
        "warm_up_s": warm_up,
        "baseline_rss_mb": baseline,
        "peak_rss_mb": peak,
        "peak_extra_mb": peak - baseline,
        "peak_reset": reset,
        "loadavg_after": os.getloadavg(),
        **extra,
    }


def _startup() -> dict:
    """Import and first call on a tiny lattice, as one Snakemake job would pay it."""
    start = time.perf_counter()
    import numpy as np  # noqa: F401

    from afgehaakt.spatial.conditional_permutation import conditional_reference

    imported = time.perf_counter() - start
    _, y, rows = _lattice_inputs(5)
    inputs = _moran_inputs(y, rows)
    start = time.perf_counter()
    conditional_reference(*inputs, rows, permutations=9, seed=1, alternative="two-sided")
    first = time.perf_counter() - start
    start = time.perf_counter()
    conditional_reference(*inputs, rows, permutations=9, seed=1, alternative="two-sided")
    second = time.perf_counter() - start
    return {"import_s": imported, "first_call_s": first, "second_call_s": second}


def _startup_esda() -> dict:
    start = time.perf_counter()
    import warnings

    import esda

    imported = time.perf_counter() - start
    warnings.simplefilter("ignore")
    w, y, _ = _lattice_inputs(5)
    start = time.perf_counter()
    esda.Moran_Local(y, w, permutations=9, seed=1)
    first = time.perf_counter() - start
    start = time.perf_counter()
    esda.Moran_Local(y, w, permutations=9, seed=1)
    second = time.perf_counter() - start
    return {"import_s": imported, "first_call_s": first, "second_call_s": second}


def _equivalence(side: int, permutations: int) -> dict:
    """Our two-sided p against esda's (2 x its directed p_sim) on null and planted-cluster data, same lattice."""
    import warnings

    import esda
    import numpy as np
    from scipy import stats

    from afgehaakt.spatial.conditional_permutation import conditional_reference

    warnings.simplefilter("ignore")
    out = {"units": side * side, "permutations": permutations}
    for label, planted in (("null", False), ("planted", True)):
        w, y, rows = _lattice_inputs(side, planted=planted)
        ours = conditional_reference(
            *_moran_inputs(y, rows), rows, permutations=permutations, seed=SEED, alternative="two-sided"
        ).p_value
        theirs_directed = esda.Moran_Local(
            y, w, transformation="r", permutations=permutations, seed=SEED, keep_simulations=False
        ).p_sim.astype(float)
        theirs = np.minimum(1.0, 2.0 * theirs_directed)
        with_esda_draws = conditional_reference(
            *_moran_inputs(y, rows), rows, permutations=permutations, seed=SEED, alternative="two-sided", draws="esda"
        ).p_value
        q = np.clip((ours + theirs) / 4.0, 1.0 / (permutations + 1), 0.5)
        sd_difference = 2.0 * np.sqrt(2.0 * q * (1.0 - q) / permutations)
        standardised = (ours - theirs) / sd_difference
        n = len(ours)
        out[label] = {
            "share_p_below_0.05_ours": float((ours <= 0.05).mean()),
            "share_p_below_0.05_esda_two_sided": float((theirs <= 0.05).mean()),
            "share_p_below_0.05_esda_directed": float((theirs_directed <= 0.05).mean()),
            "binomial_sd_of_share_if_independent": float(np.sqrt(0.05 * 0.95 / n)),
            "classification_agreement_0.05": float(((ours < 0.05) == (theirs < 0.05)).mean()),
            "significant_ours": int((ours < 0.05).sum()),
            "significant_esda_two_sided": int((theirs < 0.05).sum()),
            "mean_difference": float((ours - theirs).mean()),
            "mean_standardised_difference": float(standardised.mean()),
            "sd_standardised_difference": float(standardised.std()),
            "max_abs_standardised_difference": float(np.abs(standardised).max()),
            "ks_two_sample_p": float(stats.ks_2samp(ours, theirs).pvalue),
            # esda's p_sim is float32 when keep_simulations=False: compare at that precision
            "esda_draws_units_equal_to_esda": int(
                (with_esda_draws.astype(np.float32) == theirs.astype(np.float32)).sum()
            ),
            "esda_draws_units": n,
        }
    # esda's draws are shared by all units, so its Monte Carlo errors move together and the mean difference
    # wanders from seed to seed far more than between two of our (independent-draw) runs: show both spreads.
    w, y, rows = _lattice_inputs(side, planted=True)
    inputs = _moran_inputs(y, rows)

    def ours_p(seed):
        return conditional_reference(*inputs, rows, permutations=permutations, seed=seed, alternative="two-sided")

    def esda_p(seed):
        directed = esda.Moran_Local(y, w, permutations=permutations, seed=seed, keep_simulations=False).p_sim
        return np.minimum(1.0, 2.0 * directed.astype(float))

    def mean_standardised(a, b):
        q = np.clip((a + b) / 4.0, 1.0 / (permutations + 1), 0.5)
        return float(((a - b) / (2.0 * np.sqrt(2.0 * q * (1.0 - q) / permutations))).mean())

    reference = ours_p(SEED).p_value
    seeds = range(1, 4)
    out["planted_seed_spread"] = {
        "what": "mean standardised difference from our run with the benchmark seed, for other seeds",
        "ours_other_seeds": [mean_standardised(reference, ours_p(s).p_value) for s in seeds],
        "esda_seeds": [mean_standardised(reference, esda_p(s)) for s in seeds],
        "se_if_units_were_independent": float(1.0 / np.sqrt(len(y))),
    }
    return out


R_SCRIPT = r"""
suppressPackageStartupMessages(library(spdep))
args <- commandArgs(trailingOnly = TRUE)
side <- as.integer(args[1]); nsim <- as.integer(args[2]); repeats <- as.integer(args[3])
status <- function(field) {
  line <- grep(paste0("^", field, ":"), readLines("/proc/self/status"), value = TRUE)
  as.numeric(strsplit(trimws(sub(paste0(field, ":"), "", line)), " +")[[1]][1]) / 1024
}
lw <- nb2listw(cell2nb(side, side, type = "queen"), style = "W")
set.seed(42); y <- rnorm(side * side)
invisible(localmoran_perm(y, lw, nsim = 99, iseed = 1))
baseline <- status("VmRSS")
try(cat("5", file = "/proc/self/clear_refs"), silent = TRUE)
times <- numeric(repeats); cpu <- numeric(repeats)
for (r in seq_len(repeats)) {
  timing <- system.time(localmoran_perm(y, lw, nsim = nsim, iseed = 1, alternative = "two.sided"))
  times[r] <- timing[["elapsed"]]; cpu[r] <- timing[["user.self"]] + timing[["sys.self"]]
}
cat(sprintf('{"wall_s": [%s], "cpu_s": [%s], "baseline_rss_mb": %f, "peak_rss_mb": %f, "spdep": "%s", "R": "%s"}\n',
            paste(times, collapse = ", "), paste(cpu, collapse = ", "), baseline, status("VmHWM"),
            packageVersion("spdep"),
            paste(R.version$major, R.version$minor, sep = ".")))
"""


# --------------------------------------------------------------------------------------------------------------
# driver
# --------------------------------------------------------------------------------------------------------------


def _worker(args: list[str], env: dict | None = None, timeout: float = 3600) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", *args]
    done = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, **(env or {})}, cwd=REPO, timeout=timeout
    )
    if done.returncode != 0:
        raise RuntimeError(f"worker {args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _timed_process(args: list[str], env: dict) -> dict:
    start = time.perf_counter()
    result = _worker(args, env)
    result["process_wall_s"] = time.perf_counter() - start
    return result


def _machine() -> dict:
    model = "unknown"
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    import esda
    import numba
    import numpy

    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "numba": numba.__version__,
        "esda": esda.__version__,
        "platform": platform.platform(),
        "loadavg": os.getloadavg(),
    }


def _log(message: str) -> None:
    print(time.strftime("%H:%M:%S"), message, file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    parser.add_argument("--r", action="store_true", help="also time R spdep::localmoran_perm (needs Rscript)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", type=Path)
    parser.add_argument(
        "--parts",
        default="startup,main,scaling,equivalence",
        help="comma-separated subset of startup,main,r,scaling,equivalence; results are merged into --output",
    )
    args = parser.parse_args()

    if args.worker:
        kind, *rest = args.worker
        if kind == "run":
            result = _run(rest[0], int(rest[1]), int(rest[2]), int(rest[3]))
        elif kind == "startup":
            result = _startup()
        elif kind == "startup_esda":
            result = _startup_esda()
        elif kind == "equivalence":
            result = _equivalence(int(rest[0]), int(rest[1]))
        else:
            raise ValueError(kind)
        print(json.dumps(result))
        return

    side, permutations = (40, 999) if args.quick else (120, 9999)
    repeats = args.repeats
    parts = set(args.parts.split(","))
    if args.r:
        parts.add("r")
    output = args.output or HERE / "results" / ("lisa_lattice_quick.json" if args.quick else "lisa_lattice.json")
    results: dict = json.loads(output.read_text()) if output.exists() else {}
    results.update({"seed": SEED, "data_seed": DATA_SEED, "lattice": "queen, row-standardised"})
    results.setdefault("machine", {})[time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())] = _machine() | {
        "parts": sorted(parts)
    }

    if "startup" in parts:
        _log("start-up (cold and warm numba cache, fresh processes)")
        with tempfile.TemporaryDirectory() as cache:
            env = {"NUMBA_CACHE_DIR": cache}
            startup = {"afgehaakt_cold_cache": [_timed_process(["startup"], env)]}
            startup["afgehaakt_warm_cache"] = [_timed_process(["startup"], env) for _ in range(repeats)]
        with tempfile.TemporaryDirectory() as cache:  # a second cold start, for the spread
            startup["afgehaakt_cold_cache"].append(_timed_process(["startup"], {"NUMBA_CACHE_DIR": cache}))
        startup["esda_no_cache"] = _timed_process(["startup_esda"], {})
        results["startup"] = startup

    main_runs = results.setdefault("main", {"units": side * side, "permutations": permutations, "runs": {}})["runs"]
    if "main" in parts:
        _log("main case")
        for kernel in ("kernel", "kernel_esda"):
            for threads in (2, 1):
                name = f"{kernel}_threads_{threads}"
                main_runs[name] = _worker(
                    ["run", kernel, str(side), str(permutations), str(repeats)], {"NUMBA_NUM_THREADS": str(threads)}
                )
                _log(f"{name}: {main_runs[name]['wall_median_s']:.2f} s")
        for method in ("local_moran", "local_moran_esda"):
            main_runs[f"{method}_threads_2"] = _worker(["run", method, str(side), str(permutations), str(repeats)])
        for method in ("esda_keep_false", "esda_default"):
            main_runs[method] = _worker(["run", method, str(side), str(permutations), str(repeats)])
            _log(f"{method}: {main_runs[method]['wall_median_s']:.2f} s")
    if "r" in parts:
        with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as handle:
            handle.write(R_SCRIPT)
        r_repeats = 1 if not args.quick else repeats
        load_before = os.getloadavg()
        done = subprocess.run(
            ["Rscript", handle.name, str(side), str(permutations), str(r_repeats)],
            capture_output=True,
            text=True,
            check=True,
        )
        os.unlink(handle.name)
        r_result = json.loads(done.stdout.strip().splitlines()[-1])
        r_result["wall_median_s"] = statistics.median(r_result["wall_s"])
        r_result["cpu_median_s"] = statistics.median(r_result["cpu_s"])
        r_result["peak_extra_mb"] = r_result["peak_rss_mb"] - r_result["baseline_rss_mb"]
        r_result["loadavg_before"] = load_before
        r_result["loadavg_after"] = os.getloadavg()
        main_runs["r_spdep_localmoran_perm"] = r_result
        _log(f"R: {r_result['wall_median_s']:.1f} s")

    if "scaling" in parts:
        _log("scaling")
        sides = (20, 40, 80) if args.quick else (60, 120, 240)
        scaling = []
        for s in sides:
            for p in (999, 9999):
                run = _worker(["run", "kernel", str(s), str(p), str(repeats)])
                scaling.append(run)
                _log(f"kernel {s * s} units, {p} permutations: {run['wall_median_s']:.2f} s")
        results["scaling"] = scaling

    if "equivalence" in parts:
        _log("equivalence with esda")
        results["equivalence"] = _worker(["equivalence", str(side), str(permutations)])
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2) + "\n")
    _log(f"wrote {output}")
    print(summary(results))


def summary(results: dict) -> str:
    """A Markdown table of the main case."""
    main = results["main"]
    lines = [
        f"{main['units']} units, {main['permutations']} permutations",
        "",
        "| method | wall (median, s) | CPU (median, s) | peak RSS (MB) | extra over baseline (MB) |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, run in main["runs"].items():
        cpu = run.get("cpu_median_s", float("nan"))
        lines.append(
            f"| {name} | {run['wall_median_s']:.2f} | {cpu:.2f} | {run['peak_rss_mb']:.0f} | "
            f"{run['peak_extra_mb']:.0f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
