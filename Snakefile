# afgehaakt: regenerate every result from the committed snapshot of public data.
# Thin on purpose: configuration, validation, the rule files of each stage, and the final target.

from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config/config.yaml"


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
include: "rules/spatial.smk"
include: "rules/models.smk"
include: "rules/pc4.smk"
include: "rules/neighbourhoods.smk"
include: "rules/outputs.smk"


onstart:
    print(f"results of this run: {RESULTS}/ (logs: {LOGS}/)")
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
