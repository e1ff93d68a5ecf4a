"""The afgehaakt command: where, trace, diff and build (through python -m afgehaakt.cli, as the entry point
afgehaakt = afgehaakt.cli:main in pyproject.toml runs it)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from afgehaakt.cli import folder_difference, main, relative_output, trace_lines
from afgehaakt.provenance import content_sha256, sha256_file
from afgehaakt.verify import fingerprint, output_kind

REPO = Path(__file__).resolve().parents[2]
VERSION = "0.1.0_config-bbbbbbbb_data-cccccccc"
PREFIX = f"results/{VERSION}/"


def _entry(rule, inputs, seeds=None):
    return {"rule": rule, "script": f"scripts/{rule}.py", "inputs": inputs, "seeds": seeds or {}}


MANIFEST = {"git": {"commit": "abc"}, "outputs": {
    "interim/boundaries.parquet": _entry("boundaries", {"data/boundaries/map.topojson": "1" * 64}),
    "tables/moran.csv": _entry("global_moran", {PREFIX + "interim/boundaries.parquet": "2" * 64,
                                                "data/elections/tk2021.csv": "3" * 64}, {"moran.seed": 7}),
    "figures/map.png": _entry("choropleth", {PREFIX + "interim/boundaries.parquet": "2" * 64,
                                             PREFIX + "tables/moran.csv": "4" * 64,
                                             PREFIX + "interim/part_1.parquet": "5" * 64}),
}}


def test_trace_walks_from_an_output_to_the_raw_files_as_a_tree():
    lines = list(trace_lines("figures/map.png", MANIFEST, prefix=PREFIX,
                             pinned={"data/boundaries/map.topojson": "1" * 64, "data/elections/tk2021.csv": "9" * 64}))
    assert lines == [
        "figures/map.png  [rule choropleth, scripts/choropleth.py]",
        "├── interim/boundaries.parquet  [rule boundaries, scripts/boundaries.py]",
        f"│   └── data/boundaries/map.topojson  raw data, SHA-256 {'1' * 64}, as in SHA256SUMS",
        "├── interim/part_1.parquet  (intermediate file, not listed in the manifest)",
        "└── tables/moran.csv  [rule global_moran, scripts/global_moran.py; seeds moran.seed=7]",
        f"    ├── data/elections/tk2021.csv  raw data, SHA-256 {'3' * 64}, NOT the one in SHA256SUMS",
        "    └── interim/boundaries.parquet  [rule boundaries, scripts/boundaries.py]  (traced above)",
    ]


def test_an_output_named_without_its_folder_gets_a_suggestion(tmp_path, capsys):
    folder = tmp_path / "results" / VERSION
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps(MANIFEST))
    (tmp_path / "results/LATEST").write_text(VERSION + "\n")
    assert main(["--workflow-dir", str(tmp_path), "trace", "map.png"]) == 2
    assert "did you mean 'figures/map.png'?" in capsys.readouterr().err
    assert main(["--workflow-dir", str(tmp_path), "trace", PREFIX + "figures/map.png"]) == 0
    out = capsys.readouterr().out
    assert "2 raw data file(s): data/boundaries/map.topojson, data/elections/tk2021.csv" in out


def test_outputs_may_be_named_with_or_without_the_results_folder():
    folder = Path("results") / VERSION
    assert relative_output(f"results/{VERSION}/figures/a.png", folder) == "figures/a.png"
    assert relative_output("figures/a.png", folder) == "figures/a.png"


def _folder(root, name, moran, config, code="a" * 64):
    folder = root / "results" / name
    (folder / "tables").mkdir(parents=True)
    table = folder / "tables/moran.csv"
    pd.DataFrame({"variable": ["turnout"], "statistic": [moran]}).to_csv(table, index=False)
    (folder / "notes.md").write_text("same\n")
    outputs = {}
    for path in (table, folder / "notes.md"):
        outputs[path.relative_to(folder).as_posix()] = {
            "kind": output_kind(path), "sha256": sha256_file(path), "content_sha256": content_sha256(path),
            "fingerprint": fingerprint(path)}
    for entry in outputs.values():
        entry["code_sha256"] = code
    (folder / "manifest.json").write_text(json.dumps({"data_sha256": "b" * 64, "outputs": outputs}))
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    return folder


def test_diff_names_the_config_change_and_each_differing_output(tmp_path):
    first = _folder(tmp_path, "one", 0.41, {"outputs": {"language": "en"}})
    same = _folder(tmp_path, "two", 0.41 + 1e-13, {"outputs": {"language": "en"}})
    other = _folder(tmp_path, "three", 0.45, {"outputs": {"language": "nl"}})
    assert folder_difference(first, same) == []
    lines = folder_difference(first, other)
    assert lines[0] == "config: outputs.language=nl"
    assert lines[1].startswith("tables/moran.csv: ") and "statistic" in lines[1]
    assert len(lines) == 2
    assert main(["--workflow-dir", str(tmp_path), "diff", "one", "three"]) == 1
    assert main(["--workflow-dir", str(tmp_path), "diff", "one", "two"]) == 0


def test_diff_counts_the_outputs_made_by_other_code(tmp_path):
    first = _folder(tmp_path, "one", 0.41, {"outputs": {"language": "en"}})
    other_code = _folder(tmp_path, "two", 0.41, {"outputs": {"language": "en"}}, code="f" * 64)
    assert folder_difference(first, other_code) == [
        "code: 2 output(s) made by other code (script or the modules it imports), e.g. notes.md"]


def _cli(*arguments):
    return subprocess.run([sys.executable, "-m", "afgehaakt.cli", *arguments], cwd=REPO, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=300)


def test_where_names_the_folder_the_workflow_writes_to_and_follows_overrides():
    default = _cli("where")
    dutch = _cli("where", "--config", "outputs={language: nl}")
    assert default.returncode == dutch.returncode == 0, default.stderr + dutch.stderr
    default_folder, dutch_folder = default.stdout.strip(), dutch.stdout.strip()
    assert default_folder.startswith("results/") and "_config-" in default_folder
    assert dutch_folder != default_folder and dutch_folder.split("_config-")[0] == default_folder.split("_config-")[0]


def test_the_entry_point_is_declared():
    assert 'afgehaakt = "afgehaakt.cli:main"' in (REPO / "pyproject.toml").read_text()


@pytest.mark.parametrize("command", [["trace"], ["diff", "a"], ["frobnicate"]])
def test_a_wrong_command_line_is_refused_with_usage(command):
    assert _cli(*command).returncode == 2
