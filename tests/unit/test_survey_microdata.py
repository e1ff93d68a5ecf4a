"""The microdata adapter: column map from config, validation errors naming file/field/row, counted exclusions."""

from __future__ import annotations

import pandas as pd
import pytest

from afgehaakt.errors import ConfigError, InputDataError
from afgehaakt.survey.microdata import column_map_from_config, read_microdata

CONFIG = {
    "municipality": {"source": "gemcode", "missing": ["0"]},
    "weight": {"source": "weegfactor"},
    "variables": {
        "trust": {"source": "vertrouwen", "missing": [99, -1], "range": [0, 10]},
        "turnout": {"source": "gestemd", "recode": {"1": 1, "2": 0}, "missing": [8]},
        "education": {"source": "opleiding", "recode": {1: "low", 2: "low", 3: "middle", 4: "high"}, "missing": [9]},
        "female": {"source": "geslacht", "recode": {1: 0, 2: 1}},
        "age": {"source": "leeftijd", "range": [18, 110]},
        "poor_health": {"source": "gezondheid", "recode": {1: 0, 2: 1}, "missing": [9], "required": False},
    },
}

ROWS = [
    # gemcode, vertrouwen, gestemd, opleiding, geslacht, leeftijd, gezondheid, weegfactor
    ("GM0014", "7", "1", "1", "2", "45", "1", "0.8"),
    ("G0014", "5", "2", "3", "1", "67", "9", "1.2"),
    ("14", "99", "1", "4", "1", "30", "2", "1.0"),  # trust missing -> excluded
    ("0363", "6", "8", "2", "2", "52", "1", "1.1"),  # turnout missing -> excluded
    ("363", "8", "1", "9", "1", "81", "2", "0.9"),  # education missing -> excluded
    ("0", "4", "1", "3", "2", "23", "1", "1.0"),  # municipality missing -> excluded
    ("GM0363", "3", "2", "4", "1", "38", "", "1.3"),
    ("GM0599", "6.5", "1", "3", "2", "60", "1", ""),  # weight missing -> excluded
]
HEADER = "gemcode;vertrouwen;gestemd;opleiding;geslacht;leeftijd;gezondheid;weegfactor"


def write_csv(tmp_path, rows, header=HEADER):
    path = tmp_path / "survey.csv"
    path.write_text("\n".join([header] + [";".join(row) for row in rows]) + "\n", encoding="utf-8")
    return path


def test_harmonises_codes_recodes_and_counts_every_exclusion(tmp_path):
    path = write_csv(tmp_path, ROWS)
    result = read_microdata(path, column_map_from_config(CONFIG))
    assert result.n_read == 8
    assert result.n_kept == 3
    assert list(result.table["municipality"]) == ["0014", "0014", "0363"]
    assert list(result.table["group"]) == ["0014", "0014", "0363"]
    assert list(result.table["education"]) == ["low", "middle", "high"]
    assert list(result.table["edu_low"]) == [1, 0, 0]
    assert list(result.table["turnout"]) == [1, 0, 0]
    assert list(result.table["female"]) == [1, 0, 0]
    assert result.table["age10"].tolist() == pytest.approx([-0.5, 1.7, -1.2])
    assert result.table["design_weight"].tolist() == pytest.approx([0.8, 1.2, 1.3])
    # Not required: missing poor health (code 9 or empty) stays as NA instead of excluding the respondent.
    assert result.table["poor_health"].isna().tolist() == [False, True, True]
    # File lines: header is line 1, so the third data row is line 4.
    reasons = dict(zip(result.exclusions["row"], zip(result.exclusions["reason"], result.exclusions["field"])))
    assert reasons == {
        4: ("missing value", "vertrouwen"),
        5: ("missing value", "gestemd"),
        6: ("missing value", "opleiding"),
        7: ("missing municipality", "gemcode"),
        9: ("missing design weight", "weegfactor"),
    }
    assert result.exclusion_counts()["count"].sum() == result.n_read - result.n_kept


def test_region_level_uses_the_membership_table(tmp_path):
    path = write_csv(tmp_path, ROWS[:2] + ROWS[6:7])
    membership = pd.DataFrame({"municipality": ["GM0014", "GM0363"], "region": ["PV20", "PV27"]})
    result = read_microdata(path, column_map_from_config(CONFIG), level="province", membership=membership)
    assert list(result.table["group"]) == ["PV20", "PV20", "PV27"]
    assert set(result.table["level"]) == {"province"}


def test_municipality_outside_the_membership_table_names_the_row(tmp_path):
    path = write_csv(tmp_path, ROWS[:2] + ROWS[7:8])
    membership = pd.DataFrame({"municipality": ["0014"], "region": ["CR01"]})
    # Line 4 (GM0599) would also be excluded for its missing weight, but an unknown municipality is a data error.
    with pytest.raises(InputDataError, match=r"field 'gemcode', row 4: municipality 0599 is not") as error:
        read_microdata(path, column_map_from_config(CONFIG), level="corop", membership=membership)
    assert error.value.path == str(path)


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (("GM0014", "11", "1", "1", "2", "45", "1", "1"), "vertrouwen", "outside the valid range"),
        (("GM0014", "veel", "1", "1", "2", "45", "1", "1"), "vertrouwen", "not a number"),
        (("GM0014", "7", "3", "1", "2", "45", "1", "1"), "gestemd", "neither recoded nor a missing-value code"),
        (("GMX14", "7", "1", "1", "2", "45", "1", "1"), "gemcode", "unreadable municipality code"),
        (("GM0014", "7", "1", "1", "2", "45", "1", "-2"), "weegfactor", "not positive"),
        (("GM0014", "7", "1", "1", "2", "12", "1", "1"), "leeftijd", "outside the valid range"),
    ],
)
def test_invalid_values_raise_naming_file_field_and_row(tmp_path, row, field, message):
    path = write_csv(tmp_path, [ROWS[0], row])
    with pytest.raises(InputDataError, match=message) as error:
        read_microdata(path, column_map_from_config(CONFIG))
    assert (error.value.path, error.value.field, error.value.row) == (str(path), field, 3)


def test_parquet_rows_are_counted_from_one(tmp_path):
    frame = pd.DataFrame([row for row in ROWS[:3]], columns=HEADER.split(";"))
    frame["vertrouwen"] = [7, 5, 99]
    frame["leeftijd"] = [45.0, 67.0, 30.0]
    path = tmp_path / "survey.parquet"
    frame.to_parquet(path)
    result = read_microdata(path, column_map_from_config(CONFIG))
    assert result.n_kept == 2
    assert result.exclusions["row"].tolist() == [3]
    assert result.table["trust"].tolist() == [7.0, 5.0]


def test_missing_column_and_config_mistakes_are_reported(tmp_path):
    path = write_csv(tmp_path, [ROWS[0]], header=HEADER.replace("vertrouwen", "trust_score"))
    with pytest.raises(InputDataError, match="missing column") as error:
        read_microdata(path, column_map_from_config(CONFIG))
    assert error.value.field == "vertrouwen"
    with pytest.raises(ConfigError, match="microdata.variables.trust.rnage"):
        column_map_from_config({**CONFIG, "variables": {"trust": {"source": "v", "rnage": [0, 10]}}})
    with pytest.raises(ConfigError, match="unknown standard variable"):
        column_map_from_config({**CONFIG, "variables": {"happiness": {"source": "v"}}})
    with pytest.raises(ConfigError, match="needs a membership table"):
        read_microdata(write_csv(tmp_path, [ROWS[0]]), column_map_from_config(CONFIG), level="corop")


def test_read_microdata_feeds_the_models_like_the_original_table(tmp_path):
    """Round trip: a synthetic survey written in a publisher's layout, read back through a column map, fits the
    same model as the table it came from."""
    from afgehaakt.models.multilevel import ModelSpec, fit_linear_mixed
    from afgehaakt.survey.synthetic import SurveyDesign, example_municipal_table, generate_survey

    original = generate_survey(example_municipal_table(30, seed=5),
                               design=SurveyDesign(n_respondents=1500, seed=9)).respondents
    published = pd.DataFrame({
        "gemcode": "GM" + original["municipality"],
        "vertrouwen": original["trust"],
        "opleiding": original["education"].map({"low": 1, "middle": 3, "high": 4}),
        "leeftijd": original["age"],
        "weegfactor": original["design_weight"],
    })
    path = tmp_path / "published.csv"
    published.to_csv(path, index=False, sep=";")
    config = {
        "municipality": {"source": "gemcode"},
        "weight": {"source": "weegfactor"},
        "variables": {key: CONFIG["variables"][key] for key in ("trust", "education", "age")},
    }
    result = read_microdata(path, column_map_from_config(config))
    assert result.n_kept == result.n_read == 1500 and result.exclusions.empty
    spec = ModelSpec("individual", ("edu_low", "edu_middle", "age10"))
    from_file = fit_linear_mixed(result.table, spec, outcome="trust", group="group")
    direct = fit_linear_mixed(original, spec, outcome="trust")
    assert from_file.fixed_effects == pytest.approx(direct.fixed_effects, rel=1e-9)
    assert from_file.loglik == pytest.approx(direct.loglik, abs=1e-8)
    assert result.table["design_weight"].to_numpy() == pytest.approx(original["design_weight"].to_numpy())
