# Stage 3a, spatial weights: who neighbours whom, with the island policy made explicit.


rule contiguity_weights:
    input:
        boundaries=rules.boundaries.output.parquet,
    output:
        edges=f"{RESULTS}/weights/queen_edges.parquet",
        summary=f"{RESULTS}/weights/queen_summary.json",
    log:
        f"{LOGS}/contiguity_weights.log",
    benchmark:
        f"{LOGS}/benchmarks/contiguity_weights.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=5,
    params:
        code=code_of("scripts/contiguity_weights.py"),
        island_policy=config["weights"]["island_policy"],
    script:
        "../scripts/contiguity_weights.py"


rule spatial_weights:
    input:
        boundaries=rules.boundaries.output.parquet,
    output:
        edges=f"{RESULTS}/weights/{{weights}}_edges.parquet",
        summary=f"{RESULTS}/weights/{{weights}}_summary.json",
    log:
        f"{LOGS}/spatial_weights/{{weights}}.log",
    benchmark:
        f"{LOGS}/benchmarks/spatial_weights/{{weights}}.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code_of("scripts/spatial_weights.py"),
        settings=lambda wildcards: config["spatial"][wildcards.weights],
    script:
        "../scripts/spatial_weights.py"
