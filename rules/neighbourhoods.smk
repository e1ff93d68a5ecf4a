# Sub-municipal scale on real geometry (issues 9 and 22): the TK2025 values of the postcode areas (PC4) from the
# pc4 stage, the heavy permutation workload, with Snakemake benchmarks (wall time, peak memory) of every heavy job.
# Enabled by neighbourhoods.enabled (config/scenarios/neighbourhoods.yaml); off in the default run.

NEIGHBOURHOODS = config["neighbourhoods"]


rule neighbourhood_areas:
    input:
        areas=rules.pc4_areas.output.areas,
    output:
        areas=f"{RESULTS}/interim/neighbourhoods/areas.parquet",
        excluded=f"{RESULTS}/tables/neighbourhoods/excluded_areas.csv",
    log:
        f"{LOGS}/neighbourhood_areas.log",
    benchmark:
        f"{RESULTS}/benchmarks/neighbourhood_areas.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=5,
    params:
        code=code_of("scripts/neighbourhood_areas.py"),
        variables=NEIGHBOURHOODS["variables"],
    script:
        "../scripts/neighbourhood_areas.py"


rule neighbourhood_weights:
    input:
        areas=rules.neighbourhood_areas.output.areas,
    output:
        units=f"{RESULTS}/interim/neighbourhoods/units_{{units}}.parquet",
        edges=f"{RESULTS}/weights/neighbourhoods/queen_{{units}}_edges.parquet",
        summary=f"{RESULTS}/weights/neighbourhoods/queen_{{units}}_summary.json",
    log:
        f"{LOGS}/neighbourhood_weights/{{units}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/neighbourhood_weights/{{units}}.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=15,
    params:
        code=code_of("scripts/neighbourhood_weights.py"),
        centre=NEIGHBOURHOODS["centre_rd"],
        island_policy=config["weights"]["island_policy"],
    script:
        "../scripts/neighbourhood_weights.py"


rule neighbourhood_moran:
    input:
        units=rules.neighbourhood_weights.output.units,
        edges=rules.neighbourhood_weights.output.edges,
    output:
        table=f"{RESULTS}/tables/neighbourhoods/global_moran_{{units}}_p{{permutations}}.csv",
    log:
        f"{LOGS}/neighbourhood_moran/{{units}}_p{{permutations}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/neighbourhood_moran/{{units}}_p{{permutations}}.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=60,
    params:
        code=code_of("scripts/neighbourhood_moran.py"),
        variables=NEIGHBOURHOODS["variables"],
        seed=NEIGHBOURHOODS["seed"],
        alternative=NEIGHBOURHOODS["alternative"],
    script:
        "../scripts/neighbourhood_moran.py"


rule neighbourhood_lisa_part:
    input:
        units=rules.neighbourhood_weights.output.units,
        edges=rules.neighbourhood_weights.output.edges,
    output:
        part=temp(
            f"{RESULTS}/interim/neighbourhoods/lisa_{{units}}_p{{permutations}}/{{scatteritem}}.parquet"
        ),
    log:
        f"{LOGS}/neighbourhood_lisa_part/{{units}}_p{{permutations}}/{{scatteritem}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/neighbourhood_lisa_part/{{units}}_p{{permutations}}/{{scatteritem}}.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 2
    resources:
        mem_mb=3000,
        runtime=60,
    params:
        code=code_of("scripts/neighbourhood_lisa_part.py"),
        variables=NEIGHBOURHOODS["variables"],
        seed=NEIGHBOURHOODS["seed"],
        alpha=NEIGHBOURHOODS["alpha"],
    script:
        "../scripts/neighbourhood_lisa_part.py"


# The gather: FDR labels over all areas (the same script as the municipal LISA's gather).
rule neighbourhood_lisa:
    input:
        parts=gather.lisa(
            f"{RESULTS}/interim/neighbourhoods/lisa_{{{{units}}}}_p{{{{permutations}}}}/{{scatteritem}}.parquet"
        ),
    output:
        table=f"{RESULTS}/tables/neighbourhoods/lisa_{{units}}_p{{permutations}}.csv",
    log:
        f"{LOGS}/neighbourhood_lisa/{{units}}_p{{permutations}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/neighbourhood_lisa/{{units}}_p{{permutations}}.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code_of("scripts/lisa.py"),
    script:
        "../scripts/lisa.py"


rule neighbourhood_benchmarks:
    input:
        weights=expand(rules.neighbourhood_weights.benchmark, units=NEIGHBOURHOOD_SIZES),
        moran=expand(rules.neighbourhood_moran.benchmark, **NEIGHBOURHOOD_RUNS),
        lisa=expand(rules.neighbourhood_lisa.benchmark, **NEIGHBOURHOOD_RUNS),
        lisa_parts=expand(
            rules.neighbourhood_lisa_part.benchmark,
            scatteritem=NEIGHBOURHOOD_SCATTER,
            **NEIGHBOURHOOD_RUNS,
        ),
        summaries=expand(
            rules.neighbourhood_weights.output.summary, units=NEIGHBOURHOOD_SIZES
        ),
    output:
        table=f"{RESULTS}/tables/neighbourhoods/benchmarks.csv",
    log:
        f"{LOGS}/neighbourhood_benchmarks.log",
    benchmark:
        f"{LOGS}/benchmarks/neighbourhood_benchmarks.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        code=code_of("scripts/neighbourhood_benchmarks.py"),
    script:
        "../scripts/neighbourhood_benchmarks.py"


rule neighbourhoods:
    input:
        [path for paths in neighbourhood_outputs().values() for path in paths],
