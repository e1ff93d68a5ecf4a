"""Comparing two results folders: the check behind `make slurm-test`."""

from __future__ import annotations

from afgehaakt.compare import compare_results


def _tree(root, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_identical_trees_agree_and_run_records_are_ignored(tmp_path):
    files = {"tables/a.csv": "x,y\n1,2\n", "weights/w.json": "{}"}
    first = _tree(tmp_path / "one", {**files, "benchmarks/b.tsv": "s\n1.0\n"})
    second = _tree(tmp_path / "two", {**files, "benchmarks/b.tsv": "s\n9.0\n"})
    verdicts = {c.path: c.verdict for c in compare_results(first, second)}
    assert verdicts == {"tables/a.csv": "identical", "weights/w.json": "identical"}


def test_last_digit_differences_in_a_table_are_within_tolerance_but_values_are_not(tmp_path):
    first = _tree(tmp_path / "one", {"t.csv": "code,i\n0014,0.123456789012\n"})
    close = _tree(tmp_path / "two", {"t.csv": "code,i\n0014,0.123456789013\n"})
    far = _tree(tmp_path / "three", {"t.csv": "code,i\n0014,0.1235\n"})
    [within] = compare_results(first, close)
    assert within.verdict == "equal within tolerance" and within.agrees
    [different] = compare_results(first, far)
    assert different.verdict == "different" and not different.agrees and "column 'i'" in different.detail


def test_a_text_cell_or_a_missing_file_is_a_difference(tmp_path):
    first = _tree(tmp_path / "one", {"t.csv": "code,label\n0014,HH\n", "only_here.json": "{}"})
    second = _tree(tmp_path / "two", {"t.csv": "code,label\n0014,LL\n"})
    verdicts = {c.path: c for c in compare_results(first, second)}
    assert verdicts["t.csv"].verdict == "different" and "column 'label': text" in verdicts["t.csv"].detail
    assert verdicts["only_here.json"].verdict == "missing on one side"


def test_an_iterative_estimate_is_compared_with_its_declared_tolerance(tmp_path):
    path = "tables/spatial/regression_models.csv"
    first = _tree(tmp_path / "one", {path: "model,spatial_estimate,log_likelihood\nlag,0.290000,653.4913766\n"})
    noise = _tree(tmp_path / "two", {path: "model,spatial_estimate,log_likelihood\nlag,0.290000174,653.4913768\n"})
    optimum = _tree(tmp_path / "three", {path: "model,spatial_estimate,log_likelihood\nlag,0.290000174,653.4\n"})
    [within] = compare_results(first, noise)
    assert within.verdict == "equal within tolerance"
    [other] = compare_results(first, optimum)
    assert other.verdict == "different" and "log_likelihood" in other.detail
