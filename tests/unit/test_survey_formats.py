"""Real survey files through the adapter: ESS Netherlands as SPSS .sav, Stata .dta and CSV, written here by the
tests in each exact format (real variable names, value labels and missing codes; made-up values), the group level
the file supports, population-weighted context, and the companion models of the model tables."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pyreadstat
import pytest
import yaml

from afgehaakt.errors import InputDataError
from afgehaakt.models.design_based import (
    FEW_GROUPS,
    aggregate_context,
    cluster_robust_glm,
    companion_models,
    few_groups_warning,
)
from afgehaakt.survey.microdata import NUTS2_PROVINCES, column_map_from_config, read_microdata
from afgehaakt.survey.municipal_inputs import attach_context

ESS_MAP = yaml.safe_load(open("config/scenarios/ess_nl.yaml", encoding="utf-8"))["survey"]["microdata"]["columns"]
TRUST_ITEMS = ("trstprl", "trstplt", "trstprt", "trstlgl")
MISSING_LABELS = {77: "Refusal", 88: "Don't know", 99: "No answer"}
SHORT_MISSING = {7: "Refusal", 8: "Don't know", 9: "No answer"}


def ess_frame(n: int = 240, seed: int = 1) -> pd.DataFrame:
    """Made-up ESS rows in the ESS layout; the first rows carry the missing codes whose handling is tested."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "idno": np.arange(1, n + 1), "cntry": "NL",
        **{item: rng.integers(0, 11, n).astype(float) for item in TRUST_ITEMS},
        "vote": rng.choice([1.0, 2.0], n, p=[0.8, 0.2]), "eisced": rng.integers(1, 8, n).astype(float),
        "edulvlb": rng.choice([113.0, 213.0, 313.0, 423.0, 610.0, 720.0], n),
        "hinctnta": rng.integers(1, 11, n).astype(float), "health": rng.integers(1, 6, n).astype(float),
        "agea": rng.integers(15, 91, n).astype(float), "gndr": rng.integers(1, 3, n).astype(float),
        "region": rng.choice(sorted(NUTS2_PROVINCES), n),
        "anweight": rng.uniform(0.3, 3.0, n), "pspwght": rng.uniform(0.5, 2.0, n), "dweight": rng.uniform(0.8, 1.2, n),
    })
    frame.loc[0, "trstprl"] = 77  # refusal
    frame.loc[1, "trstplt"] = 88  # don't know
    frame.loc[2, "vote"] = 3  # not eligible
    frame.loc[3, "eisced"] = 55  # other
    frame.loc[4, "agea"] = 999  # not available
    frame.loc[5, "gndr"] = 9  # no answer
    frame.loc[6, "hinctnta"] = 99  # no answer
    return frame


def value_labels() -> dict:
    labels = {item: {0: "No trust at all", 10: "Complete trust", **MISSING_LABELS} for item in TRUST_ITEMS}
    labels.update({
        "vote": {1: "Yes", 2: "No", 3: "Not eligible to vote", **SHORT_MISSING},
        "eisced": {1: "ES-ISCED I", 2: "ES-ISCED II", 3: "ES-ISCED IIIb", 4: "ES-ISCED IIIa", 5: "ES-ISCED IV",
                   6: "ES-ISCED V1", 7: "ES-ISCED V2", 55: "Other", **MISSING_LABELS},
        "hinctnta": {1: "J - 1st decile", 10: "H - 10th decile", **MISSING_LABELS},
        "health": {1: "Very good", 2: "Good", 3: "Fair", 4: "Bad", 5: "Very bad", **SHORT_MISSING},
        "agea": {999: "Not available"},
        "gndr": {1: "Male", 2: "Female", 9: "No answer"},
    })
    return labels


@pytest.fixture(scope="module")
def ess_files(tmp_path_factory):
    directory = tmp_path_factory.mktemp("ess")
    frame = ess_frame()
    missing_ranges = {item: [77, 88, 99] for item in TRUST_ITEMS} | {"vote": [7, 8, 9], "health": [7, 8, 9],
                                                                     "gndr": [9], "agea": [999],
                                                                     # SPSS: a range plus one discrete code
                                                                     "eisced": [{"lo": 77, "hi": 99}, 55],
                                                                     "hinctnta": [77, 88, 99]}
    pyreadstat.write_sav(frame, directory / "ESS10NL.sav", variable_value_labels=value_labels(),
                         missing_ranges=missing_ranges)
    pyreadstat.write_dta(frame, directory / "ESS10NL.dta", variable_value_labels=value_labels())
    frame.to_csv(directory / "ESS10NL.csv", index=False)
    return directory, frame


@pytest.mark.parametrize("suffix", [".sav", ".dta", ".csv"])
def test_every_format_gives_the_same_respondents_and_exclusions(ess_files, suffix):
    directory, frame = ess_files
    data = read_microdata(directory / f"ESS10NL{suffix}", column_map_from_config(ESS_MAP))
    assert data.n_read == len(frame) and data.n_kept == len(frame) - 7
    assert data.level == "province" and set(data.table["group"]) <= set(NUTS2_PROVINCES.values())
    # Rows as a researcher counts them: records from 1 in .sav/.dta, file lines (header = line 1) in a CSV.
    first = 2 if suffix == ".csv" else 1
    reasons = dict(zip(data.exclusions["row"] - first, data.exclusions["reason"]))
    assert reasons == {0: "missing value: refusal", 1: "missing value: dont_know", 2: "missing value: not_eligible",
                       3: "missing value: other", 4: "missing value: not_available", 5: "missing value: no_answer",
                       6: "missing value: no_answer"}
    kept = frame.iloc[7:].reset_index(drop=True)
    expected_trust = kept[list(TRUST_ITEMS)].mean(axis=1)
    assert data.table["trust"].to_numpy() == pytest.approx(expected_trust.to_numpy())
    assert data.table["design_weight"].to_numpy() == pytest.approx(kept["anweight"].to_numpy())
    assert list(data.table["turnout"]) == [1 if v == 1 else 0 for v in kept["vote"]]
    assert list(data.table["low_income"]) == [1 if v <= 2 else 0 for v in kept["hinctnta"]]
    assert list(data.table["poor_health"]) == [1 if v >= 3 else 0 for v in kept["health"]]
    assert list(data.table["group"]) == [NUTS2_PROVINCES[code] for code in kept["region"]]


def test_user_missing_values_declared_in_the_sav_file_are_honoured_without_the_map(ess_files):
    """The map lists no missing codes for trust: the .sav file's own declaration excludes 77 and 88, and its value
    labels name the reason; the same map on the CSV (no declaration) fails on 77 as outside the range."""
    directory, _ = ess_files
    bare = copy.deepcopy(ESS_MAP)
    bare["variables"]["trust"].pop("missing")
    data = read_microdata(directory / "ESS10NL.sav", column_map_from_config(bare))
    reasons = dict(zip(data.exclusions["row"], data.exclusions["reason"]))
    assert reasons[1] == "missing value: Refusal" and reasons[2] == "missing value: Don't know"
    assert data.n_kept == 240 - 7
    with pytest.raises(InputDataError, match="outside the valid range") as error:
        read_microdata(directory / "ESS10NL.csv", column_map_from_config(bare))
    assert error.value.field == "trstprl"


def test_an_unknown_region_code_is_named_with_its_row(tmp_path):
    frame = ess_frame(20)
    frame.loc[3, "region"] = "BE10"
    frame.to_csv(tmp_path / "ess.csv", index=False)
    with pytest.raises(InputDataError, match="unknown region 'BE10'") as error:
        read_microdata(tmp_path / "ess.csv", column_map_from_config(ESS_MAP))
    assert error.value.field == "region"


def test_nuts3_codes_are_read_by_their_nuts2_prefix(tmp_path):
    frame = ess_frame(30)
    frame["region"] = "NL333"
    frame.to_csv(tmp_path / "ess.csv", index=False)
    data = read_microdata(tmp_path / "ess.csv", column_map_from_config(ESS_MAP))
    assert set(data.table["group"]) == {"Zuid-Holland"}


def _municipal():
    return pd.DataFrame({"code": ["0001", "0002", "0003", "0004"], "population": [100.0, 300.0, 50.0, 50.0],
                         "province": ["Groningen", "Groningen", "Drenthe", "Drenthe"],
                         "stacked_disadvantage": [1.0, -1.0, 2.0, 0.0], "low_education_share": [0.3, 0.1, 0.4, 0.2],
                         "low_income_share": [0.1, 0.1, 0.2, 0.2], "poor_health_share": [0.2, 0.2, 0.3, 0.1]})


def test_context_is_the_population_weighted_mean_over_the_group():
    context = aggregate_context(_municipal(), _municipal().set_index("code")["province"], ("stacked_disadvantage",))
    assert context.loc["Groningen", "stacked_disadvantage"] == pytest.approx((100 - 300) / 400)
    assert context.loc["Drenthe", "stacked_disadvantage"] == pytest.approx(1.0)
    assert context.loc["Groningen", "municipalities"] == 2 and context.loc["Drenthe", "population"] == 100


def test_province_respondents_get_their_province_context(tmp_path):
    frame = ess_frame(40)
    frame["region"] = np.where(np.arange(40) % 2 == 0, "NL11", "NL13")
    frame.to_csv(tmp_path / "ess.csv", index=False)
    data = read_microdata(tmp_path / "ess.csv", column_map_from_config(ESS_MAP))
    joined = attach_context(data, _municipal())
    groningen = joined[joined["group"] == "Groningen"]
    assert groningen["stacked_disadvantage"].unique().tolist() == [pytest.approx(-0.5)]
    assert "population-weighted" in joined["context_aggregation"].iloc[0]


def test_few_groups_add_the_cluster_robust_model_and_weights_the_design_based_one(ess_files):
    directory, _ = ess_files
    data = read_microdata(directory / "ESS10NL.sav", column_map_from_config(ESS_MAP))
    table = data.table.assign(stacked_disadvantage=data.table["group"].map(
        {name: k / 10 for k, name in enumerate(sorted(NUTS2_PROVINCES.values()))}))
    n_groups = table["group"].nunique()
    assert n_groups < FEW_GROUPS and "fewer than 30" in few_groups_warning(n_groups)
    assert few_groups_warning(FEW_GROUPS) == ""
    terms = ("edu_low", "edu_middle", "low_income", "poor_health", "age10", "female", "stacked_disadvantage")
    companions = companion_models(table, outcome="trust", family="gaussian", terms=terms, group="group",
                                  n_groups=n_groups, weights_supplied=True)
    assert set(companions["model"]) == {"S1_cluster_robust", "S2_design_weighted"}
    assert (companions["status"] == "ok").all()
    assert companions.groupby("model")["weights_used"].first().to_dict() == {"S1_cluster_robust": False,
                                                                              "S2_design_weighted": True}
    turnout = companion_models(table, outcome="turnout", family="binomial", terms=terms, group="group",
                               n_groups=40, weights_supplied=True)
    assert set(turnout["model"]) == {"S2_design_weighted"} and turnout["odds_ratio"].notna().all()


def test_design_based_standard_errors_are_the_cr1_sandwich():
    """Gold standard: weighted least squares with the CR1 cluster sandwich computed by hand."""
    rng = np.random.default_rng(4)
    n, groups = 300, 12
    data = pd.DataFrame({"x": rng.normal(size=n), "group": rng.integers(0, groups, n),
                         "design_weight": rng.uniform(0.5, 2.0, n)})
    data["y"] = 1.0 + 0.5 * data["x"] + rng.normal(size=groups)[data["group"]] + rng.normal(size=n)
    rows = cluster_robust_glm(data, outcome="y", family="gaussian", terms=("x",), group="group",
                              weights="design_weight", model="S2_design_weighted")
    X = np.column_stack([np.ones(n), data["x"]])
    w = data["design_weight"].to_numpy()
    bread = np.linalg.inv(X.T @ (w[:, None] * X))
    beta = bread @ X.T @ (w * data["y"].to_numpy())
    residual = data["y"].to_numpy() - X @ beta
    meat = np.zeros((2, 2))
    for g in range(groups):
        members = data["group"].to_numpy() == g
        score = X[members].T @ (w[members] * residual[members])
        meat += np.outer(score, score)
    factor = groups / (groups - 1) * (n - 1) / (n - 2)
    se = np.sqrt(np.diag(factor * bread @ meat @ bread))
    assert rows["estimate"].to_numpy() == pytest.approx(beta, rel=1e-10)
    assert rows["se"].to_numpy() == pytest.approx(se, rel=1e-8)
    assert rows["weights_used"].all() and "CR1" in rows["estimator"].iloc[0]


def test_no_respondent_level_file_is_committed():
    import subprocess

    tracked = subprocess.run(["git", "ls-files"], capture_output=True, text=True, check=True).stdout.split()
    assert not [path for path in tracked if path.lower().endswith((".sav", ".zsav", ".dta", ".por"))]


def test_weighted_logistic_standard_errors_are_the_cr1_sandwich():
    """statsmodels warns that cluster covariances are 'not fully supported' with var_weights; for the weighted
    logit the result is checked here against the pseudo-likelihood sandwich computed by hand."""
    rng = np.random.default_rng(8)
    n, groups = 400, 15
    data = pd.DataFrame({"x": rng.normal(size=n), "group": rng.integers(0, groups, n),
                         "design_weight": rng.uniform(0.5, 2.0, n)})
    data["y"] = (rng.random(n) < 1 / (1 + np.exp(-(0.3 + 0.8 * data["x"])))).astype(int)
    rows = cluster_robust_glm(data, outcome="y", family="binomial", terms=("x",), group="group",
                              weights="design_weight", model="S2_design_weighted")
    X = np.column_stack([np.ones(n), data["x"]])
    w, y = data["design_weight"].to_numpy(), data["y"].to_numpy()
    beta = rows["estimate"].to_numpy()
    p = 1 / (1 + np.exp(-X @ beta))
    assert np.abs(X.T @ (w * (y - p))).max() < 1e-8  # the weighted score equations hold
    bread = np.linalg.inv(X.T @ ((w * p * (1 - p))[:, None] * X))
    meat = np.zeros((2, 2))
    for g in range(groups):
        members = data["group"].to_numpy() == g
        score = X[members].T @ (w[members] * (y[members] - p[members]))
        meat += np.outer(score, score)
    factor = groups / (groups - 1) * (n - 1) / (n - 2)
    assert rows["se"].to_numpy() == pytest.approx(np.sqrt(np.diag(factor * bread @ meat @ bread)), rel=1e-6)


@pytest.mark.parametrize("scenario", ["ess_nl", "dpes"])
def test_the_survey_maps_are_config_validated_by_the_schema(scenario):
    import jsonschema
    from snakemake.utils import update_config

    config = yaml.safe_load(open("config/config.yaml", encoding="utf-8"))
    schema = yaml.safe_load(open("workflow/schemas/config.schema.yaml", encoding="utf-8"))
    update_config(config, yaml.safe_load(open(f"config/scenarios/{scenario}.yaml", encoding="utf-8")))
    jsonschema.validate(config, schema)
    column_map = column_map_from_config(config["survey"]["microdata"]["columns"], key="survey.microdata.columns")
    assert column_map.variables and (column_map.municipality or column_map.region)
    broken = copy.deepcopy(config)
    broken["survey"]["microdata"]["columns"]["variables"]["trust"]["missing"] = "77"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)
