"""The workflow end to end on the test scenario (config/scenarios/test.yaml): the checks on the one shared run.

Checks real content: the 352 municipalities, the totals of the source file, the flagged turnout above 1, the
weights' components, Moran's I recomputed from the saved weights, the manifest and the provenance it and the
figures carry, a no-op rerun, the HTML report in a browser, and a bad input that fails cleanly. Two runs of the
default config, byte-identical and equal to the committed expected manifest, are the reproduction step
(test_reproduction.py, `make reproduce`).
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from afgehaakt.plotting.style import PROVENANCE_KEY
from afgehaakt.provenance import REMOVED_TEMPORARY

REPO = Path(__file__).resolve().parents[2]


def test_352_municipalities(results):
    table = pd.read_csv(results / "tables/elections/tk2021_indicators.csv", dtype={"code": str})
    assert len(table) == 352 and table["code"].is_unique


def test_totals_equal_the_sums_of_the_source_file(results):
    with open(REPO / "data/elections/tk2021_gemeente.csv", encoding="utf-8-sig", newline="") as handle:
        rows = [row for row in csv.DictReader(handle, delimiter=";") if row["RegioCode"].startswith("G")]
    table = pd.read_csv(results / "tables/elections/tk2021_indicators.csv")
    assert table["eligible"].sum() == sum(int(row["Kiesgerechtigden"]) for row in rows)
    assert table["votes_cast"].sum() == sum(int(row["Opkomst"]) for row in rows)


def test_schiermonnikoog_turnout_above_one_is_flagged(results):
    table = pd.read_csv(results / "tables/elections/tk2021_indicators.csv").set_index("name")
    assert table.loc["Schiermonnikoog", "turnout"] > 1
    assert bool(table.loc["Schiermonnikoog", "turnout_above_one"])
    moran = pd.read_csv(results / "tables/spatial/tk2021_global_moran.csv").set_index("variable")
    assert "Schiermonnikoog (0088)" in moran.loc["turnout", "flagged"]


def test_seven_components_before_linking_one_after(results):
    summary = json.loads((results / "weights/queen_summary.json").read_text(encoding="utf-8"))
    assert summary["components_before"] == 7 and summary["components_after"] == 1
    assert len(summary["links_added"]) == 6


def test_reported_moran_equals_a_direct_computation_on_the_saved_weights(results, test_config):
    edges = pd.read_parquet(results / "weights/queen_edges.parquet")
    table = pd.read_csv(results / "tables/elections/tk2021_indicators.csv", dtype={"code": str}).set_index("code")
    codes = sorted(table.index)
    position = {code: k for k, code in enumerate(codes)}
    w = np.zeros((len(codes), len(codes)))
    w[edges["focal"].map(position), edges["neighbor"].map(position)] = edges["weight"]
    w = w / w.sum(axis=1, keepdims=True)
    moran = pd.read_csv(results / "tables/spatial/tk2021_global_moran.csv").set_index("variable")
    for variable in ("turnout", "outsider_share"):
        z = table.loc[codes, variable].to_numpy() - table.loc[codes, variable].mean()
        direct = len(z) / w.sum() * (z @ w @ z) / (z @ z)
        assert moran.loc[variable, "statistic"] == pytest.approx(direct, abs=1e-10)
        assert moran.loc[variable, "permutations"] == test_config["moran"]["permutations"]
        assert moran.loc[variable, "alternative"] == "greater"
        assert moran.loc[variable, "seed"] == 20210317


def test_results_lie_in_one_version_folder_named_after_release_config_and_data(test_scenario, results, manifest):
    assert [p.name for p in (test_scenario.directory / "results").iterdir() if p.is_dir()] == [results.name]
    release, config, data = results.name.split("_")
    assert release[0].isdigit() and config.startswith("config-")
    assert data.startswith("data-") and all(len(part.split("-")[1]) == 8 for part in (config, data))
    # Code is recorded per output: the digest of its script and of the package modules it imports.
    moran = manifest["outputs"]["tables/spatial/tk2021_global_moran.csv"]
    assert "afgehaakt.spatial.moran" in moran["modules"] and len(moran["code_sha256"]) == 64


def test_manifest_lists_every_output_with_its_hash_and_rule(results, manifest, sha256):
    table = pd.read_csv(results / "manifest.tsv", sep="\t")
    on_disk = {p.relative_to(results).as_posix() for p in results.rglob("*") if p.is_file()}
    # The disclosure check runs after the manifest, over everything in it; config.yaml and invocations.yaml
    # record how the folder was made (afgehaakt/runs.py) and are no rule's outputs.
    assert set(table["path"]) == set(manifest["outputs"]) == on_disk - {
        "manifest.tsv", "manifest.json", "disclosure_check.json", "config.yaml", "invocations.yaml"}
    for row in table.itertuples():
        assert row.sha256 == sha256(results / row.path) == manifest["outputs"][row.path]["sha256"]
    assert table["config_sha256"].unique().tolist() == [manifest["config_sha256"]]
    assert set(table["rule"]) >= {"boundaries", "global_moran", "choropleth", "moran_scatterplot", "lisa",
                                  "burgerschapszone", "multilevel", "panel", "headline_numbers"}
    check = json.loads((results / "disclosure_check.json").read_text(encoding="utf-8"))
    assert check["ok"] and check["findings"] == []


def test_manifest_gives_the_provenance_of_every_output(test_scenario, results, manifest, sha256):
    run = test_scenario.directory
    assert manifest["version"] == results.name and manifest["git"] == {"commit": "unknown", "dirty": None}
    assert manifest["config_sha256"][:8] in results.name and manifest["data_sha256"][:8] in results.name
    assert {"python", "snakemake", "pandas", "numpy", "esda", "statsmodels", "matplotlib"} <= set(
        manifest["packages"])
    for path, entry in manifest["outputs"].items():
        assert (run / entry["script"]).is_file(), path
        assert entry["inputs"], path
        for source, digest in entry["inputs"].items():
            if digest == REMOVED_TEMPORARY:  # a scatter part: temp(), deleted once gathered
                assert not (run / source).exists() and "/interim/" in source, (path, source)
                continue
            assert sha256(run / source) == digest, (path, source)
    lisa = manifest["outputs"]["tables/spatial/lisa.csv"]["inputs"]
    assert set(lisa.values()) == {REMOVED_TEMPORARY} and all("/interim/lisa/" in source for source in lisa)
    moran = manifest["outputs"]["tables/spatial/tk2021_global_moran.csv"]
    assert moran["rule"] == "global_moran" and moran["script"] == "scripts/global_moran.py"
    assert moran["seeds"] == {"moran.seed": 20210317}
    assert any(source.startswith("data/elections/") for source in
               manifest["outputs"]["interim/elections/tk2021_totals.parquet"]["inputs"])


def test_no_finding_derives_from_the_synthetic_survey(results, manifest):
    """Follow the provenance recorded in the manifest (inputs of every output, transitively), not the file names:
    no headline snippet or publication table may derive from synthetic data."""
    from afgehaakt.manifest import findings_from_synthetic, synthetic_lineage

    assert "interim/synthetic_survey/synthetic_survey_record.json" in manifest["synthetic_sources"]
    lineage = synthetic_lineage(manifest)
    assert "tables/synthetic_survey/synthetic_trust_fixed_effects.csv" in lineage
    assert "snippets/synthetic_survey_demonstration.json" in lineage
    findings = [path for path in manifest["outputs"] if path.startswith(("snippets/headline_numbers",
                                                                        "tables/publication/"))]
    assert findings and findings_from_synthetic(manifest) == []
    assert all(not manifest["outputs"][path]["derived_from_synthetic"] for path in findings)
    headline = json.loads((results / "snippets/headline_numbers.json").read_text(encoding="utf-8"))
    assert not any("icc" in record["name"] for record in headline["headlines"])


def test_figures_carry_the_provenance_of_their_job(results, manifest):
    entry = manifest["outputs"]["figures/maps/tk2021_turnout.png"]
    with Image.open(results / "figures/maps/tk2021_turnout.png") as image:
        embedded = json.loads(image.text[PROVENANCE_KEY])
    assert embedded["rule"] == "choropleth" and embedded["script"] == entry["script"] == "scripts/choropleth.py"
    assert embedded["inputs"] == entry["inputs"]
    assert embedded["version"] == results.name and embedded["git"] == manifest["git"]
    assert embedded["packages"] == manifest["packages"]
    pdf = (results / "figures/maps/tk2021_turnout.pdf").read_bytes()
    assert f"/Subject ({PROVENANCE_KEY} ".encode() in pdf and results.name.encode() in pdf


def test_another_config_goes_to_another_folder(test_scenario, test_config, results, tmp_path):
    """Another seed plans a complete run in another folder and leaves this one alone."""
    override = tmp_path / "other_seed.yaml"
    other_seed = {"permutations": test_config["moran"]["permutations"], "seed": 1, "alternative": "greater"}
    override.write_text(json.dumps({"moran": other_seed}), encoding="utf-8")
    completed = test_scenario.snakemake("--dry-run", configfiles=(*test_scenario.configfiles, str(override)))
    assert completed.returncode == 0, completed.stdout[-4000:]
    planned = completed.stdout + completed.stderr
    assert "Nothing to be done" not in planned and f"results/{results.name}/" not in planned
    assert f"results/{results.name.rsplit('_config-', 1)[0]}_config-" in planned


@pytest.mark.parametrize("election", ["tk2017", "ep2019", "tk2021", "tk2023"])
def test_harmonisation_to_2021_conserves_national_totals(results, election):
    before = pd.read_parquet(results / f"interim/elections/{election}_totals.parquet")
    after = pd.read_csv(results / f"tables/elections/{election}_indicators.csv", dtype={"code": str})
    assert len(after) == 352
    for column in ("eligible", "votes_cast", "valid"):
        assert after[column].sum() == pytest.approx(float(before[column].sum()), rel=1e-12)


def test_features_codebook_and_data_quality(results):
    features = pd.read_csv(results / "tables/features/municipal_indicators_2021.csv", dtype={"code": str})
    codebook = pd.read_csv(results / "tables/features/codebook.csv")
    assert len(features) == 352
    assert set(codebook["name"]) <= set(features.columns)
    assert {"name", "definition", "source", "source_columns", "year", "unit"} <= set(codebook.columns)
    report = (results / "reports/data_quality.md").read_text(encoding="utf-8")
    for municipality in ("Schiermonnikoog", "Vlieland", "Rozendaal"):
        assert municipality in report
    assert "## Turnout above 100%" in report and "## Municipalities merged, split or recoded" in report


def test_stacked_disadvantage_variants_and_statistics(results):
    summary = json.loads((results / "tables/features/stacked_disadvantage_summary.json").read_text(encoding="utf-8"))
    assert summary["domains"] == ["education", "income", "health"]
    assert 0 < summary["cronbach_alpha"] < 1 and 1 / 3 < summary["pc1_explained_variance_ratio"] < 1
    assert summary["spearman"]["mean_z~pc1"] > 0.9
    table = pd.read_csv(results / "tables/features/stacked_disadvantage.csv")
    assert len(table) == 352 and table["domains_worst_quartile"].between(0, 3).all()


def test_every_rule_wrote_its_log_beside_the_results_version(test_scenario, results):
    logs = {p.name for p in (test_scenario.directory / "logs" / results.name).rglob("*.log")}
    assert {"boundaries.log", "contiguity_weights.log", "manifest.log", "tk2021.log"} <= logs


def test_a_rerun_has_nothing_to_do(test_scenario):
    completed = test_scenario.snakemake("--dry-run")
    assert completed.returncode == 0
    assert "Nothing to be done" in completed.stdout + completed.stderr


def test_bad_input_fails_with_a_named_error_and_no_partial_output(new_workflow, tmp_path):
    """A copy of its own with one negative count: the run stops at the first job that reads the file."""
    broken = new_workflow(tmp_path / "broken")
    directory = broken.directory
    source = directory / "data/elections/tk2021_gemeente.csv"
    lines = source.read_text(encoding="utf-8-sig").splitlines()
    lines[3] = lines[3].replace(";K7;21386;", ";K7;-21386;")
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # The changed file is caught before any job by data/SHA256SUMS; accepted as a local change, by its reader.
    refused = broken.snakemake()
    assert refused.returncode != 0 and "elections/tk2021_gemeente.csv" in refused.stdout + refused.stderr
    assert not list(directory.glob("logs/*/election_results/tk2021.log"))
    completed = broken.snakemake("--config", "accept_changed_data=true")
    assert completed.returncode != 0
    [log] = directory.glob("logs/*/election_results/tk2021.log")
    text = log.read_text(encoding="utf-8")
    assert "tk2021_gemeente.csv" in text and "field 'Kiesgerechtigden', row 4: negative count" in text
    assert not list(directory.glob("results/*/interim/elections/tk2021_totals.parquet"))
    assert not list((directory / "results").rglob("*.part"))
    assert not (directory / "results/LATEST").exists()


# --- the HTML report, opened in a real browser ------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium): report not opened"
)
# Injected into a copy of the report: once the app has rendered, decode every embedded PNG figure in the
# browser, open the first figure the way a click on it does, and write what happened into the page.
PROBE = """<script>
window.addEventListener("load", function () { setTimeout(function () {
  var figures = Object.keys(results).filter(function (p) { return results[p].mime_type === "image/png"; });
  var outcome = {figures: figures.length, loaded: [], failed: []};
  var pending = figures.length;
  figures.forEach(function (path) {
    var image = new Image();
    image.onload = function () { outcome.loaded.push(path); finish(); };
    image.onerror = function () { outcome.failed.push(path); finish(); };
    image.src = results[path].data_uri;
  });
  function finish() {
    if (--pending > 0) return;
    var pre = document.createElement("pre");
    pre.id = "afgehaakt-probe";
    pre.textContent = JSON.stringify(outcome);
    document.body.appendChild(pre);
  }
  var first = figures.filter(function (p) { return p.indexOf("lisa_local_moran_turnout") >= 0; })[0] || figures[0];
  app.showResultInfo(first);
  app.setView({content: "img", contentPath: results[first].data_uri, resultPath: first});
}, 1000); });
</script>"""


def _chromium(*arguments: str) -> subprocess.CompletedProcess:
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-dev-shm-usage", "--hide-scrollbars", "--virtual-time-budget=20000", *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def report(test_scenario):
    """`snakemake --report` on the shared run: a self-contained HTML file (a .zip name would give a zip archive)."""
    test_scenario.run("--report", "report.html")
    return test_scenario.directory / "report.html"


def test_report_is_self_contained_with_captions_categories_and_provenance(report, results):
    html = report.read_text(encoding="utf-8")
    manifest = pd.read_csv(results / "manifest.tsv", sep="\t")
    # Nothing is fetched at view time: every figure and table is a data URI inside the file.
    assert not re.search(r"<(script|img|link|iframe)\b[^>]*\b(src|href)=\\?[\"']?https?:", html)
    assert '"data_uri": "data:image/png;charset=utf8;filename=lisa_local_moran_turnout.png;base64,' in html
    for category in ("Turnout and outsider vote", "Spatial autocorrelation", "Stacked disadvantage",
                     "Burgerschapszone", "Methods demonstration: synthetic survey", "Panel across elections",
                     "Provenance"):
        assert json.dumps(category)[1:-1] in html, category
    assert "Provenance of this run" in html
    assert manifest["config_sha256"].iloc[0] in html
    for figure in ("lisa_local_moran_turnout.png", "global_statistics.csv",
                   "synthetic_multilevel_trust_model_comparison.csv"):
        assert figure in html


@needs_chromium
def test_report_opens_in_chromium_and_its_figures_load(report, tmp_path):
    probed = tmp_path / "report_probe.html"
    # Before the page's own closing tag: the embedded libraries hold "</body>" in string literals too.
    head, tag, tail = report.read_text(encoding="utf-8").rpartition("</body>")
    probed.write_text(head + PROBE + "\n" + tag + tail, encoding="utf-8")
    completed = _chromium("--dump-dom", probed.as_uri())
    assert completed.returncode == 0, completed.stderr[-2000:]
    dom = completed.stdout
    assert "afgehaakt: political disengagement in the Netherlands" in dom  # the landing page rendered
    assert "Provenance of this run" in dom and "Config hash" in dom
    assert "Burgerschapszone" in dom and "Spatial autocorrelation" in dom  # the menu of categories
    outcome = json.loads(dom.split('<pre id="afgehaakt-probe">', 1)[1].split("</pre>", 1)[0])
    assert outcome["figures"] >= 20 and outcome["failed"] == []
    assert len(outcome["loaded"]) == outcome["figures"]
    assert '<img src="data:image/png;charset=utf8;filename=lisa_local_moran_turnout.png;base64,' in dom  # opened

    # The landing page as a reader first sees it (unmodified report), and the report showing a figure.
    for page, name in ((report, "report_screenshot.png"), (probed, "report_figure_screenshot.png")):
        screenshot = tmp_path / name
        completed = _chromium(f"--screenshot={screenshot}", "--window-size=1400,1300", page.as_uri())
        assert completed.returncode == 0, completed.stderr[-2000:]
        _assert_a_real_picture(screenshot)
        if os.environ.get("AFGEHAAKT_REPORT_SCREENSHOTS"):
            shutil.copy(screenshot, Path(os.environ["AFGEHAAKT_REPORT_SCREENSHOTS"]) / name)


def _assert_a_real_picture(path: Path) -> None:
    """A PNG of the window's size that is not one flat colour."""
    import matplotlib.image

    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = matplotlib.image.imread(path)
    assert pixels.shape[:2] == (1300, 1400)
    colours = np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)
    assert len(colours) > 50, f"{path} is nearly blank ({len(colours)} colours)"
