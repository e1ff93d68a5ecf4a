# Neighbourhood scale (issue 9): real RIVM health estimates per buurt on synthetic cells, the heavy permutation
# workload, with Snakemake benchmarks (wall time, peak memory) of every heavy job. Enabled by
# neighbourhoods.enabled (config/scenarios/neighbourhoods.yaml); off in the default run.

NEIGHBOURHOODS = config["neighbourhoods"]


rule neighbourhood_cells:
    input:
        health=snapshot(NEIGHBOURHOODS["file"]),
        boundaries=rules.boundaries.output.parquet,
        crosswalk=snapshot(catalogue.crosswalk(2020, BOUNDARY_YEAR)),
    output:
        cells=f"{RESULTS}/interim/neighbourhoods/cells.parquet",
        excluded=f"{RESULTS}/tables/neighbourhoods/excluded_buurten.csv",
    log:
        f"{LOGS}/neighbourhood_cells.log",
    benchmark:
        f"{RESULTS}/benchmarks/neighbourhood_cells.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=15,
    params:
        code=CODE_SHA256,
        boundary_year=BOUNDARY_YEAR,
        geometry_seed=NEIGHBOURHOODS["geometry_seed"],
    script:
        "../scripts/neighbourhood_cells.py"


rule neighbourhood_weights:
    input:
        cells=rules.neighbourhood_cells.output.cells,
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
        code=CODE_SHA256,
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
        code=CODE_SHA256,
        variables=NEIGHBOURHOODS["variables"],
        seed=NEIGHBOURHOODS["seed"],
        alternative=NEIGHBOURHOODS["alternative"],
    script:
        "../scripts/neighbourhood_moran.py"


rule neighbourhood_lisa:
    input:
        units=rules.neighbourhood_weights.output.units,
        edges=rules.neighbourhood_weights.output.edges,
    output:
        table=f"{RESULTS}/tables/neighbourhoods/lisa_{{units}}_p{{permutations}}.csv",
    log:
        f"{LOGS}/neighbourhood_lisa/{{units}}_p{{permutations}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/neighbourhood_lisa/{{units}}_p{{permutations}}.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 2
    resources:
        mem_mb=3000,
        runtime=60,
    params:
        code=CODE_SHA256,
        variables=NEIGHBOURHOODS["variables"],
        seed=NEIGHBOURHOODS["seed"],
        alpha=NEIGHBOURHOODS["alpha"],
    script:
        "../scripts/neighbourhood_lisa.py"


rule neighbourhood_benchmarks:
    input:
        weights=expand(rules.neighbourhood_weights.benchmark, units=NEIGHBOURHOOD_SIZES),
        moran=expand(rules.neighbourhood_moran.benchmark, **NEIGHBOURHOOD_RUNS),
        lisa=expand(rules.neighbourhood_lisa.benchmark, **NEIGHBOURHOOD_RUNS),
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
        code=CODE_SHA256,
    script:
        "../scripts/neighbourhood_benchmarks.py"


rule neighbourhoods:
    input:
        [path for paths in neighbourhood_outputs().values() for path in paths],
