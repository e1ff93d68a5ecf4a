# Shared helpers of the rule files - paths into the snapshot, the list of final outputs, and checks that need
# the package. The package is installed into .venv by `make install` (editable), so jobs import this checkout.
import os
import sys
from pathlib import Path

import afgehaakt
from afgehaakt import catalogue
from afgehaakt.acquisition.interim import STATLINE_DATASETS, STATLINE_DOWNLOADS
from afgehaakt.acquisition.membership import MEMBERSHIP_DATASET
from afgehaakt.acquisition.workflow import check_online_elections
from afgehaakt.parties import classification_from_config
from afgehaakt.features.codebook import ELECTION_OUTCOMES
from afgehaakt.outputs import remove_stale_temporaries
from afgehaakt.snapshot_check import check_snapshot
from afgehaakt.pc4.stations import SpecialStationRule
from afgehaakt.provenance import (
    checksum_list_summary,
    config_hash,
    seeds_in,
    tree_digest,
)
from afgehaakt.script_code import ScriptCode
from afgehaakt.versioning import mark_latest, release_name, results_version

# Checks that JSON schema cannot express, run before any job so that a bad value costs no computation.
PARTY_CLASSIFICATION = classification_from_config(config["parties"])
SpecialStationRule(**config["pc4"]["special_stations"])
if config["survey"]["source"] == "microdata":
    from afgehaakt.survey.microdata import column_map_from_config

    if not config["survey"]["microdata"]["file"]:
        raise ValueError(
            "config key 'survey.microdata.file': needed when survey.source is microdata"
        )
    column_map_from_config(
        config["survey"]["microdata"]["columns"] or {}, key="survey.microdata.columns"
    )
_missing_panel = sorted(set(config["panel"]["elections"]) - set(config["elections"]))
if _missing_panel:
    raise ValueError(
        f"config key 'panel.elections': {_missing_panel} are not among 'elections'"
    )
if config["spatial"]["focus_election"] not in config["elections"]:
    raise ValueError(
        f"config key 'spatial.focus_election': {config['spatial']['focus_election']!r} is not among 'elections'"
    )

# The snapshot is checked against its SHA256SUMS before any job (afgehaakt/snapshot_check.py).
ACCEPTED_DATA_CHANGES = check_snapshot(
    config["data_dir"], accept_changes=config["accept_changed_data"]
)
ELECTIONS = config["elections"]
# The long TK series 1998-2025 (its own outputs only); every id is an election of the catalogue.
SERIES = config["series"]["elections"]
ANY_ELECTION = sorted(set(ELECTIONS) | set(SERIES))
_missing_amalgamation = sorted(set(config["amalgamation"]["elections"]) - set(SERIES))
if _missing_amalgamation:
    raise ValueError(
        f"config key 'amalgamation.elections': {_missing_amalgamation} are not among 'series.elections'"
    )
BOUNDARY_YEAR = config["boundary_year"]
CONFIG_SHA256 = config_hash(config)
# The code of each job is its script and the package modules that script imports (afgehaakt/script_code.py).
SCRIPT_CODE = ScriptCode(Path(afgehaakt.__file__).parent)


def code_of(script):
    """A rule's rerun trigger (`params: code=code_of("scripts/x.py")`, the rule's own script): Snakemake reruns
    a job whose parameters changed, so a change in a module reruns exactly the rules whose scripts import it.
    """
    return SCRIPT_CODE.digest(os.path.join(workflow.basedir, script))


# What names the results folder (afgehaakt/versioning.py): release, config and data. Code is recorded per output
# in the manifest, so that a change in one module reruns only the jobs built on it, in the same folder.
RUN = {
    "release": release_name(workflow.basedir, afgehaakt.__version__),
    "config_sha256": CONFIG_SHA256,
    "data_sha256": tree_digest(config["data_dir"]),
    "accepted_data_changes": ACCEPTED_DATA_CHANGES,
}
RUN["version"] = results_version(
    release=RUN["release"],
    config_sha256=RUN["config_sha256"],
    data_sha256=RUN["data_sha256"],
)
# Every output of the workflow lives under this folder, and every log under its twin in logs/.
RESULTS = f"results/{RUN['version']}"
LOGS = f"logs/{RUN['version']}"
# On stderr, so that `make` can find the folder (Makefile: RESULTS_DIR) without spoiling --rulegraph's stdout.
print(f"results folder: {RESULTS}", file=sys.stderr)
INDICATORS = list(ELECTION_OUTCOMES)
DISTANCE_WEIGHTS = ["knn", "distance_band", "kernel"]
LISA_VARIABLES = ["turnout", "outsider_share", "stacked_disadvantage"]
# Gi* is defined for non-negative values only, so not for the z-score index of stacked disadvantage.
LISA_MAPS = [("local_moran", v) for v in LISA_VARIABLES] + [
    ("local_gi_star", v) for v in LISA_VARIABLES if v != "stacked_disadvantage"
]
ZONE_OUTCOMES = [
    outcome["variable"] for outcome in config["burgerschapszone"]["outcomes"]
]
MULTILEVEL_OUTCOMES = ["trust", "turnout"]
# Everything computed from the synthetic survey lives under its own name (folder, files, snippets, report
# section): it is a methods demonstration, never a finding. Real microdata never enter results/: their respondent
# table stays in private/ (ignored by git), in a folder of the same version so that a run with other code, config
# or data does not overwrite it either.
SURVEY_SYNTHETIC = config["survey"]["source"] == "synthetic"
if SURVEY_SYNTHETIC:
    _SURVEY_DIR = f"{RESULTS}/interim/synthetic_survey"
    SURVEY_TABLES = f"{RESULTS}/tables/synthetic_survey"
    SURVEY_STEM = "synthetic_"
    SURVEY_CATEGORY = "Methods demonstration: synthetic survey"
else:
    _SURVEY_DIR = f"private/{RUN['version']}/survey"
    SURVEY_TABLES = f"{RESULTS}/tables/multilevel"
    SURVEY_STEM = ""
    SURVEY_CATEGORY = "Multilevel models"
SURVEY_RESPONDENTS = f"{_SURVEY_DIR}/{SURVEY_STEM}respondents.parquet"
SURVEY_RECORD = f"{_SURVEY_DIR}/{SURVEY_STEM}survey_record.json"
# Neighbourhood scale: each size of region (units) runs with each permutation count.
NEIGHBOURHOOD_SIZES = [str(size) for size in config["neighbourhoods"]["sizes"]]
NEIGHBOURHOOD_RUNS = dict(
    units=NEIGHBOURHOOD_SIZES, permutations=config["neighbourhoods"]["permutations"]
)
# Its LISA jobs are split like the municipal LISA (scatter.lisa parts, each a contiguous chunk of units).
NEIGHBOURHOOD_SCATTER = [
    f"{part}-of-{config['scatter']['lisa']}"
    for part in range(1, config["scatter"]["lisa"] + 1)
]
# The data snapshot as pinned by its checksum list; shown with the config and code digests on the report's landing page.
DATA_CHECKSUMS = checksum_list_summary(os.path.join(config["data_dir"], "SHA256SUMS"))


def snapshot(relative_path):
    """A file of the committed snapshot, under the configured data directory."""
    return os.path.join(config["data_dir"], relative_path)


def election_files(wildcards):
    """The Kiesraad files of an election: the snapshot's, or their downloads on the online route."""
    source = catalogue.election(wildcards.election)
    if route("kiesraad") == "snapshot":
        return [snapshot(path) for path in source.files]
    if source.format == "kiesraad_csv":
        return [rules.download_kiesraad.output.csv.format(election=source.id)]
    return [
        rules.download_kiesraad_count_file.output.csv.format(
            election=source.id, count_file=name
        )
        for name in source.published_names
    ]


def election_crosswalk(wildcards):
    """The crosswalk between an election's boundary year and the boundary year, where the snapshot holds one; an
    election without one (TK1998-TK2012) is checked against the merger history on its date instead.
    """
    year = catalogue.election(wildcards.election).boundary_year
    if year == BOUNDARY_YEAR or not catalogue.has_crosswalk(year, BOUNDARY_YEAR):
        return []
    return [snapshot(catalogue.crosswalk(year, BOUNDARY_YEAR))]


def statline_crosswalk(wildcards):
    """The crosswalk from a StatLine table's municipalities to the boundary year (none when they are equal)."""
    path = catalogue.crosswalk(
        STATLINE_DATASETS[wildcards.dataset].municipalities_year, BOUNDARY_YEAR
    )
    return [] if path is None else [snapshot(path)]


def statline_file(name):
    return snapshot(catalogue.STATLINE_FILES[name])


def route(source):
    """snapshot or online: the source's own setting in config, else acquisition.source."""
    return config["acquisition"][source]["source"] or config["acquisition"]["source"]


def statline_source(wildcards):
    """What the reading step of a StatLine table reads: the snapshot CSV or the OData download."""
    if route("statline") == "online":
        return rules.download_statline.output.directory.format(
            dataset=wildcards.dataset
        )
    return statline_file(wildcards.dataset)


def membership_source(wildcards):
    """The municipality list: the snapshot's CBS list or the download of Gebieden in Nederland."""
    if route("statline") == "online":
        return rules.download_statline.output.directory.format(
            dataset=MEMBERSHIP_DATASET
        )
    return snapshot(catalogue.MUNICIPALITIES_2021)


def boundaries_source(wildcards):
    if route("pdok") == "online":
        return rules.download_boundaries.output.geojson
    return snapshot(catalogue.boundaries(BOUNDARY_YEAR).file)


if route("kiesraad") == "online":
    check_online_elections(ELECTIONS, config["acquisition"]["kiesraad"])


def outputs_by_rule():
    """Every final output, keyed by the name of the job that writes it; `all` and the manifest share this list."""
    per_election = dict(election=ELECTIONS)
    per_indicator = dict(election=ELECTIONS, indicator=INDICATORS)
    producers = {
        "boundaries": list(rules.boundaries.output),
        "municipalities": list(rules.municipalities.output),
        "statline_table": expand(
            rules.statline_table.output, dataset=list(STATLINE_DATASETS)
        ),
        "election_results": expand(
            rules.election_results.output, election=ANY_ELECTION
        ),
        "harmonise_election": expand(
            rules.harmonise_election.output, election=ANY_ELECTION
        ),
        "election_indicators": expand(
            rules.election_indicators.output, election=ANY_ELECTION
        ),
        "contiguity_weights": list(rules.contiguity_weights.output),
        "municipal_features": list(rules.municipal_features.output),
        "stacked_disadvantage": list(rules.stacked_disadvantage.output),
        "correlations": expand(rules.correlations.output, **per_election),
        "data_quality": list(rules.data_quality.output),
        "classification_robustness": list(rules.classification_robustness.output),
        "local_democracy": list(rules.local_democracy.output),
        "candidate_measures": list(rules.candidate_measures.output),
        "letter_groups": list(rules.letter_groups.output),
        "global_moran": expand(rules.global_moran.output, election=ANY_ELECTION),
        "election_series": list(rules.election_series.output),
        "choropleth": expand(rules.choropleth.output, **per_indicator),
        "moran_scatterplot": expand(rules.moran_scatterplot.output, **per_indicator),
        "indicator_maps": list(rules.indicator_maps.output),
        "correlation_heatmap": expand(rules.correlation_heatmap.output, **per_election),
        "spatial_weights": expand(
            rules.spatial_weights.output, weights=DISTANCE_WEIGHTS
        ),
        "global_statistics": list(rules.global_statistics.output),
        "lisa": list(rules.lisa.output),
        "burgerschapszone": list(rules.burgerschapszone.output),
        "spatial_regression": list(rules.spatial_regression.output),
        "mgwr": list(rules.mgwr.output),
        "mgwr_maps": expand(
            rules.mgwr_maps.output, outcome=config["spatial"]["mgwr"]["outcomes"]
        ),
        "cluster_maps": [
            path
            for statistic, variable in LISA_MAPS
            for path in expand(
                rules.cluster_maps.output, statistic=statistic, variable=variable
            )
        ],
        "zone_map": expand(rules.zone_map.output, outcome=ZONE_OUTCOMES),
        # Real microdata stay in private/, outside the results folder and its manifest.
        "survey_respondents": (
            list(rules.survey_respondents.output) if SURVEY_SYNTHETIC else []
        ),
        "multilevel": expand(rules.multilevel.output, outcome=MULTILEVEL_OUTCOMES),
        "panel": list(rules.panel.output),
        "headline_numbers": list(rules.headline_numbers.output),
        **synthetic_survey_outputs(),
        "panel_figures": expand(
            rules.panel_figures.output, panel_outcome=config["panel"]["outcomes"]
        ),
        "power_analysis": list(rules.power_analysis.output),
        "power_curve": list(rules.power_curve.output),
        "amalgamation_treatment": list(rules.amalgamation_treatment.output),
        "amalgamation": expand(
            rules.amalgamation.output,
            panel_outcome=config["amalgamation"]["outcomes"],
        ),
        "amalgamation_report": list(rules.amalgamation_report.output),
        "publication_table": expand(
            rules.publication_table.output, table=list(PUBLICATION_TABLES)
        ),
    }
    producers.update(pc4_outputs())
    if config["neighbourhoods"]["enabled"]:
        producers.update(neighbourhood_outputs())
    # Plain strings, since outputs carry flags (report, ...) that cannot be passed to a script job.
    return {name: [str(path) for path in paths] for name, paths in producers.items()}


def synthetic_survey_outputs():
    """The methods demonstration on the synthetic survey: its publication tables and snippets (none otherwise)."""
    if not SURVEY_SYNTHETIC:
        return {}
    return {
        "synthetic_survey_table": expand(
            rules.synthetic_survey_table.output, table=list(SURVEY_PUBLICATION_TABLES)
        ),
        "synthetic_survey_snippets": list(rules.synthetic_survey_snippets.output),
        "synthetic_recovery": list(rules.synthetic_recovery.output),
    }


def pc4_outputs():
    """The final outputs of the postcode-area stage (rules/pc4.smk), keyed by rule."""
    producers = {
        "pc4_areas": list(rules.pc4_areas.output),
        "pc4_weights": list(rules.pc4_weights.output),
        "pc4_analysis": list(rules.pc4_analysis.output),
        "pc4_maps": list(rules.pc4_maps.output),
    }
    return {name: [str(path) for path in paths] for name, paths in producers.items()}


def neighbourhood_outputs():
    """The final outputs of the neighbourhood scale (rules/neighbourhoods.smk), keyed by rule."""
    producers = {
        "neighbourhood_areas": list(rules.neighbourhood_areas.output),
        "neighbourhood_weights": expand(
            rules.neighbourhood_weights.output, units=NEIGHBOURHOOD_SIZES
        ),
        "neighbourhood_moran": expand(
            rules.neighbourhood_moran.output, **NEIGHBOURHOOD_RUNS
        ),
        "neighbourhood_lisa": expand(
            rules.neighbourhood_lisa.output, **NEIGHBOURHOOD_RUNS
        ),
        "neighbourhood_benchmarks": list(rules.neighbourhood_benchmarks.output),
    }
    return {name: [str(path) for path in paths] for name, paths in producers.items()}


def all_outputs():
    return [path for paths in outputs_by_rule().values() for path in paths]


def _script(rule):
    """The rule's script, relative to the workflow directory (rules name it relative to their own file)."""
    defined_in = os.path.dirname(str(rule.snakefile))
    return os.path.relpath(os.path.join(defined_in, rule.script), workflow.basedir)


def _is_temporary(path):
    """Whether ``path`` is declared temp() where it is written; Snakemake deletes such files after use."""
    from snakemake.io import is_flagged

    return any(
        is_flagged(output, "temp") and output.match(str(path))
        for rule in workflow.rules
        for output in rule.output
    )


def check_code_triggers():
    """Each script rule passes code=code_of(<its own script>) as a param, so that its rerun trigger follows the code
    it runs (a rule without a script runs nothing but its inputs)."""
    for step in workflow.rules:
        if step.script is None:
            continue
        script = _script(step)
        if step.params.get("code") != code_of(script):
            raise ValueError(
                f"{step.name}: params must hold code=code_of({script!r}), the digest of its own script"
            )


def job_records():
    """Script, code digest and modules (afgehaakt/script_code.py), inputs and seeds of the job behind every final
    output, for the manifest; every rule's rerun trigger is checked first (check_code_triggers).

    Inputs come from Snakemake's own resolution of the rule's input for the output's wildcards
    (Rule.get_wildcards and Rule.expand_input), so input functions are resolved as for the job itself.
    """
    from snakemake.iocontainers import Wildcards

    check_code_triggers()
    records = {}
    for name, paths in outputs_by_rule().items():
        proxy = getattr(rules, name)
        fixed = {
            key: value for key, value in proxy.params.items() if not callable(value)
        }
        script = _script(proxy.rule)
        code = SCRIPT_CODE.record(os.path.join(workflow.basedir, script))
        common = {"script": script, **code, "seeds": seeds_in(fixed)}
        for path in paths:
            wildcards = Wildcards(fromdict=proxy.rule.get_wildcards(path))
            inputs = proxy.rule.expand_input(wildcards)[0]
            records[path] = {
                **common,
                "inputs": [str(item) for item in inputs],
                "temporaries": [str(item) for item in inputs if _is_temporary(item)],
            }
    return records


def has_temporary_output(step):
    """Whether a rule writes a temp() output (such a rule is never fetched from the output cache)."""
    return any(is_flagged(output, "temp") for output in step.output)


def survey_comparisons(wildcards=None):
    """The model-comparison tables of trust and turnout: inputs of the headline numbers only from real microdata."""
    return {
        outcome: f"{SURVEY_TABLES}/{SURVEY_STEM}{outcome}_model_comparison.csv"
        for outcome in MULTILEVEL_OUTCOMES
    }
