# afgehaakt: regenerate every result from the committed snapshot of public data.
# Thin on purpose: configuration, validation, the rule files of each stage, and the final target.

from snakemake.caching.rule import RuleCache
from snakemake.io import is_flagged
from snakemake.utils import min_version, validate

from afgehaakt.configuration import checked_config, default_config
from afgehaakt.reuse import CACHE_VARIABLE, cache_location, reusable_rules
from afgehaakt.runs import describe_commit, record_invocation, write_index
from afgehaakt.versioning import git_state, package_versions

min_version("9.0")


configfile: "config/config.yaml"


# Values nested in --config arrive as strings: typed by the schema first, then checked with one line per key path
# (afgehaakt/configuration.py); Snakemake's validate then fills in the defaults.
config.update(checked_config(config, "workflow/schemas/config.schema.yaml"))
validate(config, "workflow/schemas/config.schema.yaml")


report: "workflow/report/workflow.rst"


include: "rules/common.smk"


# Heavy steps run as scatter-gather jobs; the number of parts changes the jobs, never the results.
scattergather:
    lisa=config["scatter"]["lisa"],
    power=config["scatter"]["power"],


wildcard_constraints:
    election="|".join(ANY_ELECTION),
    indicator="|".join(INDICATORS),
    weights="|".join(DISTANCE_WEIGHTS),
    statistic="local_moran|local_gi_star",
    variable="|".join(LISA_VARIABLES),
    outcome="|".join(ZONE_OUTCOMES + MULTILEVEL_OUTCOMES),
    panel_outcome="turnout|outsider_share",
    dataset="|".join(STATLINE_DOWNLOADS),
    scatteritem=r"\d+-of-\d+",
    units="all|[0-9]+",
    permutations="[0-9]+",


include: "rules/acquisition.smk"
include: "rules/weights.smk"
include: "rules/features.smk"
include: "rules/local_democracy.smk"
include: "rules/candidate_measures.smk"
include: "rules/spatial.smk"
include: "rules/models.smk"
include: "rules/amalgamation.smk"
include: "rules/pc4.smk"
include: "rules/neighbourhoods.smk"
include: "rules/outputs.smk"


# Reuse across results folders (opt-in: --cache, see README "Reusing results across configs"): every rule whose
# outputs carry neither labels nor the run's identity may be fetched from Snakemake's output cache, keyed by its
# script, params, raw inputs and the keys of the jobs before it (afgehaakt/reuse.py).
os.environ.setdefault(
    CACHE_VARIABLE, str(cache_location(workflow.basedir, package_versions()))
)
if workflow.workflow_settings.cache is not None:
    os.makedirs(os.environ[CACHE_VARIABLE], exist_ok=True)
    for reusable in reusable_rules(workflow.rules, is_temporary=has_temporary_output):
        # Snakemake cannot fill a benchmark for an output it fetches, so cached rules keep none in such runs.
        reusable._benchmark = None
        reusable.cache = RuleCache.from_rule(reusable, True)


onstart:
    print(f"results of this run: {RESULTS}/ (logs: {LOGS}/)")
    # The folder says how it was made (config.yaml, invocations.yaml); results/INDEX.tsv lists every folder.
    record_invocation(
        RESULTS,
        config=config,
        overrides=workflow.config_settings.overwrite_config,
        configfiles=[str(path) for path in workflow.overwrite_configfiles or []],
        command=sys.argv,
        commit=describe_commit(git_state(workflow.basedir)),
    )
    print(
        f"index of all results folders: {write_index('results', default_config(workflow.basedir))}"
    )
    for stale in remove_stale_temporaries(RESULTS):
        print(f"removed a temporary left by an interrupted job: {stale}")


# Only a complete run (its manifest exists) becomes the one that results/LATEST names.
onsuccess:
    if os.path.exists(rules.manifest.output.document):
        print(
            f"results of this run: {RESULTS}/ (named in {mark_latest('results', RUN['version'])})"
        )


rule all:
    default_target: True
    input:
        all_outputs(),
        rules.manifest.output,
        rules.disclosure_check.output.report,
