# Stage 3, spatial statistics: weights and global autocorrelation, with their inference recorded.


rule global_moran:
    input:
        indicators=rules.election_indicators.output.parquet,
        edges=rules.contiguity_weights.output.edges,
        weights_summary=rules.contiguity_weights.output.summary,
    output:
        table="results/tables/spatial/{election}_global_moran.csv",
    log:
        "logs/global_moran/{election}.log",
    conda:
        "../envs/geo.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        code=CODE_SHA256,
        indicators=INDICATORS,
        moran=config["moran"],
        weights=config["weights"],
        turnout_above_one=config["indicators"]["turnout_above_one"],
    script:
        "../scripts/global_moran.py"
