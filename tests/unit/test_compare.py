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
    assert different.verdict == "different" and not different.agrees and "column 'i', row 1" in different.detail


def test_a_text_cell_or_a_missing_file_is_a_difference(tmp_path):
    first = _tree(tmp_path / "one", {"t.csv": "code,label\n0014,HH\n", "only_here.json": "{}"})
    second = _tree(tmp_path / "two", {"t.csv": "code,label\n0014,LL\n"})
    verdicts = {c.path: c for c in compare_results(first, second)}
    assert verdicts["t.csv"].verdict == "different" and "'HH' vs 'LL'" in verdicts["t.csv"].detail
    assert verdicts["only_here.json"].verdict == "missing on one side"
