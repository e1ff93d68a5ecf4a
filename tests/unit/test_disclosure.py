"""Disclosure control: small cells suppressed and flagged; the results scan catches planted violations."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from afgehaakt.disclosure.scanner import SURVEY_ANSWER_COLUMNS, DisclosureError, scan_results
from afgehaakt.disclosure.suppression import DEFAULT_THRESHOLD, suppress_small_cells, threshold_from_config
from afgehaakt.errors import ConfigError
from afgehaakt.outputs import write_json, write_table


def _cells() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": ["0014", "0034", "0088", "0096"],
            "n_respondents": [120, 9, 3, 10],
            "mean_trust": [5.5, 6.1, 4.0, 5.0],
            "turnout": [0.8, 0.7, 1.0, 0.9],
            "n_voters": [96, 6, 3, 9],
        }
    )


# ----------------------------------------------------------------------------------------------------------------
# suppress_small_cells


def test_cells_below_the_threshold_are_blanked_flagged_and_counted():
    table = _cells()
    result = suppress_small_cells(table, "n_respondents", 10, ["mean_trust", "turnout", "n_voters"])
    out = result.table
    assert out["suppressed"].tolist() == [False, True, True, False]
    assert out.loc[[1, 2], ["mean_trust", "turnout"]].isna().all().all()
    assert out.loc[[1, 2], "n_voters"].isna().all() and str(out["n_voters"].dtype) == "Int64"
    assert out.loc[[1, 2], "n_respondents"].isna().all()  # the small count itself is not shown
    assert out.loc[[0, 3], "mean_trust"].tolist() == [5.5, 5.0] and out.loc[3, "n_respondents"] == 10
    assert result.suppressed_rows == 2 and result.suppressed_values == 8
    assert (result.threshold, result.count_column) == (10, "n_respondents")
    assert table["n_respondents"].tolist() == [120, 9, 3, 10]  # the input is left alone


def test_default_threshold_is_ten_and_value_columns_default_to_the_numeric_ones():
    result = suppress_small_cells(_cells(), "n_respondents")
    assert DEFAULT_THRESHOLD == 10 and result.threshold == 10
    assert result.value_columns == ("mean_trust", "turnout", "n_voters")
    assert result.table["code"].tolist() == ["0014", "0034", "0088", "0096"]  # keys kept


def test_a_missing_count_is_suppressed_and_the_count_can_be_kept():
    table = _cells().astype({"n_respondents": "Int64"})
    table.loc[0, "n_respondents"] = pd.NA
    result = suppress_small_cells(table, "n_respondents", 5, ["mean_trust"], blank_count=False)
    assert result.table["suppressed"].tolist() == [True, False, True, False]
    assert result.table.loc[2, "n_respondents"] == 3
    assert result.suppressed_rows == 2 and result.suppressed_values == 2


def test_applying_twice_changes_nothing():
    once = suppress_small_cells(_cells(), "n_respondents", 10, ["mean_trust", "turnout"])
    twice = suppress_small_cells(once.table, "n_respondents", 10, ["mean_trust", "turnout"])
    pd.testing.assert_frame_equal(once.table, twice.table)
    assert twice.suppressed_rows == 0 and twice.suppressed_values == 0


@pytest.mark.parametrize("threshold", [0, -1, 2.5, True])
def test_a_bad_threshold_is_refused(threshold):
    with pytest.raises(ValueError, match="threshold"):
        suppress_small_cells(_cells(), "n_respondents", threshold)


def test_bad_columns_and_negative_counts_are_refused():
    with pytest.raises(KeyError, match="no respondent-count column 'n'"):
        suppress_small_cells(_cells(), "n")
    with pytest.raises(KeyError, match=r"\['trust'\]"):
        suppress_small_cells(_cells(), "n_respondents", 10, ["trust"])
    negative = _cells()
    negative.loc[2, "n_respondents"] = -3
    with pytest.raises(ValueError, match="negative respondent count -3 in column 'n_respondents', row 2"):
        suppress_small_cells(negative, "n_respondents")


def test_threshold_from_config():
    assert threshold_from_config({}) == 10
    assert threshold_from_config({"disclosure": {"min_respondents": 25}}) == 25
    with pytest.raises(ConfigError, match="disclosure.min_respondents"):
        threshold_from_config({"disclosure": {"min_respondents": 0}})


# ----------------------------------------------------------------------------------------------------------------
# scan_results


def _respondents(n: int = 8000, *, synthetic: bool | None = None, with_id: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "municipality": rng.choice(["0014", "0034", "0088"], n),
            "trust": rng.integers(0, 11, n),
            "turnout": rng.integers(0, 2, n),
            "education": rng.choice(["low", "middle", "high"], n),
            "age": rng.integers(18, 90, n),
        }
    )
    if with_id:
        frame.insert(0, "respondent_id", np.arange(1, n + 1))
    if synthetic is not None:
        frame["synthetic"] = synthetic
    return frame


@pytest.fixture
def clean_results(tmp_path):
    """A results directory like a real run's, with properly suppressed survey tables."""
    root = tmp_path / "results"
    write_table(pd.DataFrame({"code": ["0014", "0034"], "turnout": [0.8, 0.7], "n": [2, 2]}),
                root / "tables/elections/tk2021_indicators.csv")  # 'n' is not a respondent count outside survey/
    write_table(pd.DataFrame({"focal": ["0014"], "neighbor": ["0034"], "weight": [1.0]}),
                root / "weights/queen_edges.parquet")
    suppressed = suppress_small_cells(_cells(), "n_respondents", 10, ["mean_trust", "turnout", "n_voters"]).table
    write_table(suppressed, root / "tables/survey/trust_by_municipality.csv")
    write_table(suppressed, root / "tables/survey/trust_by_municipality.parquet")
    write_table(pd.DataFrame({"term": ["intercept", "education_low"], "estimate": [5.1, -0.4]}),
                root / "tables/models/fixed_effects.csv")
    write_json({"groups": [{"code": "0014", "n_respondents": 120}], "icc": 0.03}, root / "tables/survey/icc.json")
    (root / "figures").mkdir(parents=True)
    (root / "figures/map.png").write_bytes(b"\x89PNG")
    write_table(pd.DataFrame({"path": ["results/tables/survey/trust_by_municipality.csv"], "rule": ["survey_tables"]}),
                root / "manifest.tsv")
    return root


def test_a_clean_directory_passes_and_the_report_lists_what_was_scanned(clean_results):
    report = scan_results(clean_results, threshold=10, microdata_derived=["tables/survey/*", "tables/models/*"])
    assert report.ok and report.errors == ()
    assert set(report.scanned) == {
        "tables/elections/tk2021_indicators.csv", "weights/queen_edges.parquet",
        "tables/survey/trust_by_municipality.csv", "tables/survey/trust_by_municipality.parquet",
        "tables/models/fixed_effects.csv", "tables/survey/icc.json", "manifest.tsv",
    }
    assert report.skipped == ("figures/map.png",)
    assert "tables/survey/trust_by_municipality.parquet" in report.microdata_derived
    assert "tables/elections/tk2021_indicators.csv" not in report.microdata_derived
    # The model table has no counts: reported, but not an error.
    assert [(w.path, w.rule) for w in report.warnings] == [("tables/models/fixed_effects.csv", "unverifiable")]
    assert json.loads(report.to_json())["ok"] is True


def test_microdata_derived_files_can_come_from_the_manifest(clean_results):
    report = scan_results(clean_results, microdata_rules=["survey_tables"])
    assert report.microdata_derived == ("tables/survey/trust_by_municipality.csv",)


def test_a_small_cell_in_a_csv_is_found_with_file_line_and_column(clean_results):
    write_table(_cells(), clean_results / "tables/survey/turnout_by_education.csv")
    with pytest.raises(DisclosureError, match=r"tables/survey/turnout_by_education\.csv, line 3, column "
                                              r"'n_respondents': \[small_cell\] respondent count 9 below the "
                                              r"threshold 10") as caught:
        scan_results(clean_results, threshold=10, microdata_derived=["tables/survey/*"])
    errors = caught.value.report.errors
    assert [(e.path, e.row, e.column) for e in errors] == [
        ("tables/survey/turnout_by_education.csv", "line 3", "n_respondents"),
        ("tables/survey/turnout_by_education.csv", "line 4", "n_respondents"),
    ]


def test_a_small_cell_in_a_parquet_is_found_even_outside_the_declared_files(clean_results):
    table = _cells().rename(columns={"n_respondents": "respondents"})
    write_table(table, clean_results / "interim/trust.parquet")
    report = scan_results(clean_results, threshold=10, raise_on_error=False)
    assert not report.ok
    assert [(e.path, e.rule, e.row, e.column) for e in report.errors] == [
        ("interim/trust.parquet", "small_cell", "row 1", "respondents"),
        ("interim/trust.parquet", "small_cell", "row 2", "respondents"),
    ]


def test_a_generic_count_column_counts_respondents_only_in_microdata_derived_files(clean_results):
    table = _cells().rename(columns={"n_respondents": "n"})
    write_table(table, clean_results / "tables/models/random_effects.csv")
    assert scan_results(clean_results, raise_on_error=False).ok
    report = scan_results(clean_results, microdata_derived=["tables/models/*"], raise_on_error=False)
    assert {(e.path, e.row, e.column) for e in report.errors} == {
        ("tables/models/random_effects.csv", "line 3", "n"), ("tables/models/random_effects.csv", "line 4", "n")}


def test_a_higher_threshold_from_config_finds_more(clean_results):
    threshold = threshold_from_config({"disclosure": {"min_respondents": 15}})
    report = scan_results(clean_results, threshold=threshold, raise_on_error=False)
    # The clean tables were suppressed at 10: the row with exactly 10 respondents is now too small.
    assert {(e.path, e.row) for e in report.errors} == {
        ("tables/survey/trust_by_municipality.csv", "line 5"),
        ("tables/survey/trust_by_municipality.parquet", "row 3"),
    }


def test_a_small_cell_in_json_is_named_by_its_pointer(clean_results):
    write_json({"groups": [{"code": "0014", "n_respondents": 120}, {"code": "0088", "n_respondents": 4}]},
               clean_results / "tables/survey/icc.json")
    with pytest.raises(DisclosureError, match=r"tables/survey/icc\.json/groups, /groups/1, column 'n_respondents'"):
        scan_results(clean_results)


def test_a_respondent_file_is_individual_level_in_csv_and_parquet(clean_results):
    write_table(_respondents(200), clean_results / "interim/survey/respondents.parquet")
    write_table(_respondents(200), clean_results / "tables/extract.csv")
    report = scan_results(clean_results, raise_on_error=False)
    assert [(e.path, e.rule, e.column) for e in report.errors] == [
        ("interim/survey/respondents.parquet", "individual_level", "respondent_id"),
        ("tables/extract.csv", "individual_level", "respondent_id"),
    ]


def test_respondent_records_without_an_id_are_caught_by_their_size(clean_results):
    write_table(_respondents(8000, with_id=False), clean_results / "interim/answers.parquet")
    with pytest.raises(DisclosureError, match=r"interim/answers\.parquet: \[individual_level\] 8000 rows \(more "
                                              r"than 7040\)"):
        scan_results(clean_results)


def test_a_small_extract_without_id_or_counts_is_caught_in_microdata_derived_files(clean_results):
    write_table(_respondents(500, with_id=False), clean_results / "tables/survey/sample.csv")
    assert scan_results(clean_results, raise_on_error=False).ok  # not declared: only the size rule applies
    with pytest.raises(DisclosureError, match=r"tables/survey/sample\.csv: \[individual_level\] a microdata-derived "
                                              r"table with survey-answer columns"):
        scan_results(clean_results, microdata_derived=["tables/survey/*"])


def test_synthetic_tables_are_exempt_from_the_small_cell_rule_only(clean_results):
    small = _cells().assign(synthetic=True)
    write_table(small, clean_results / "tables/survey/synthetic_cells.csv")
    report = scan_results(clean_results, microdata_derived=["tables/survey/*"])
    assert "tables/survey/synthetic_cells.csv" in report.synthetic
    # Partly synthetic is not synthetic.
    small.loc[0, "synthetic"] = False
    write_table(small, clean_results / "tables/survey/synthetic_cells.csv")
    assert not scan_results(clean_results, raise_on_error=False).ok
    # Synthetic respondents still count as individual records unless their path is explicitly allowed ...
    write_table(small.assign(synthetic=True), clean_results / "tables/survey/synthetic_cells.csv")
    write_table(_respondents(300, synthetic=True), clean_results / "interim/survey/synthetic_respondents.parquet")
    with pytest.raises(DisclosureError, match="marked synthetic, but its path is not in allow_individual_level"):
        scan_results(clean_results)
    allowed = scan_results(clean_results, allow_individual_level=["interim/survey/synthetic_*"])
    assert "interim/survey/synthetic_respondents.parquet" in allowed.synthetic
    # ... and an allowed path holding real (unmarked) respondents still fails.
    write_table(_respondents(300), clean_results / "interim/survey/synthetic_respondents.parquet")
    with pytest.raises(DisclosureError, match="respondent identifier column"):
        scan_results(clean_results, allow_individual_level=["interim/survey/synthetic_*"])


def test_parquet_metadata_can_mark_a_table_synthetic(clean_results):
    table = pa.Table.from_pandas(_cells(), preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"synthetic": b"true"})
    pq.write_table(table, clean_results / "tables/survey/synthetic_meta.parquet")
    report = scan_results(clean_results, microdata_derived=["tables/survey/*"])
    assert "tables/survey/synthetic_meta.parquet" in report.synthetic


def test_an_unreadable_table_is_an_error(clean_results):
    (clean_results / "tables/survey/broken.parquet").write_bytes(b"PAR1 not really")
    report = scan_results(clean_results, raise_on_error=False)
    assert [(e.path, e.rule) for e in report.errors] == [("tables/survey/broken.parquet", "unreadable")]


def test_a_missing_directory_or_manifest_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no results directory"):
        scan_results(tmp_path / "nowhere")
    (tmp_path / "results").mkdir()
    with pytest.raises(FileNotFoundError, match="no manifest"):
        scan_results(tmp_path / "results", microdata_rules=["survey_tables"])


def test_survey_answer_columns_cover_the_microdata_standard_variables():
    from afgehaakt.survey.microdata import STANDARD_VARIABLES

    assert set(STANDARD_VARIABLES) <= set(SURVEY_ANSWER_COLUMNS)


def test_the_synthetic_survey_generator_output_is_recognised(tmp_path):
    """The colleague's generator marks every respondent synthetic and numbers them: allowed only by path."""
    from afgehaakt.survey.synthetic import SurveyDesign, example_municipal_table, generate_survey

    survey = generate_survey(example_municipal_table(30, seed=1), design=SurveyDesign(n_respondents=600, seed=2))
    root = tmp_path / "results"
    write_table(survey.respondents, root / "interim/survey/synthetic_respondents.parquet")
    report = scan_results(root, allow_individual_level=["interim/survey/synthetic_*"])
    assert report.synthetic == ("interim/survey/synthetic_respondents.parquet",)
    with pytest.raises(DisclosureError, match="respondent identifier"):
        scan_results(root)
