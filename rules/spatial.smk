# Stage 3, spatial statistics: weights and global autocorrelation, with their inference recorded.


rule global_moran:
    input:
        indicators=rules.election_indicators.output.parquet,
        edges=rules.contiguity_weights.output.edges,
        weights_summary=rules.contiguity_weights.output.summary,
    output:
        table=report(
            f"{RESULTS}/tables/spatial/{{election}}_global_moran.csv",
            caption="../workflow/report/global_moran.rst",
            category="Spatial autocorrelation",
            subcategory="Global Moran's I",
        ),
    log:
        f"{LOGS}/global_moran/{{election}}.log",
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


rule global_statistics:
    input:
        features=rules.municipal_features.output.parquet,
        stacked=rules.stacked_disadvantage.output.table,
        edges=[rules.contiguity_weights.output.edges]
        + expand(rules.spatial_weights.output.edges, weights=DISTANCE_WEIGHTS),
    output:
        table=f"{RESULTS}/tables/spatial/global_statistics.csv",
    log:
        f"{LOGS}/global_statistics.log",
    conda:
        "../envs/geo.yaml"
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        code=CODE_SHA256,
        weights_names=["queen", *DISTANCE_WEIGHTS],
        variables=config["spatial"]["global_variables"],
        elections=ELECTIONS,
        focus_election=config["spatial"]["focus_election"],
        covariates=config["burgerschapszone"]["covariates"],
        permutations=config["spatial"]["robustness_permutations"],
        seed=config["moran"]["seed"],
        alternative=config["moran"]["alternative"],
    script:
        "../scripts/global_statistics.py"


rule lisa:
    input:
        features=rules.municipal_features.output.parquet,
        stacked=rules.stacked_disadvantage.output.table,
        edges=rules.contiguity_weights.output.edges,
    output:
        table=f"{RESULTS}/tables/spatial/lisa.csv",
    log:
        f"{LOGS}/lisa.log",
    conda:
        "../envs/geo.yaml"
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        code=CODE_SHA256,
        focus_election=config["spatial"]["focus_election"],
        lisa=config["spatial"]["lisa"],
    script:
        "../scripts/lisa.py"


rule burgerschapszone:
    input:
        features=rules.municipal_features.output.parquet,
        stacked=rules.stacked_disadvantage.output.table,
        edges=rules.contiguity_weights.output.edges,
        boundaries=rules.boundaries.output.parquet,
    output:
        residuals=f"{RESULTS}/tables/burgerschapszone/residual_lisa.csv",
        axis=report(
            f"{RESULTS}/tables/burgerschapszone/orientation_test.csv",
            caption="../workflow/report/orientation_test.rst",
            category="Burgerschapszone",
            subcategory="Orientation test",
        ),
        candidates=f"{RESULTS}/tables/burgerschapszone/candidate_explanations.csv",
        coefficients=f"{RESULTS}/tables/burgerschapszone/ols_coefficients.csv",
    log:
        f"{LOGS}/burgerschapszone.log",
    conda:
        "../envs/geo.yaml"
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        code=CODE_SHA256,
        zone=config["burgerschapszone"],
        focus_election=config["spatial"]["focus_election"],
        lisa=config["spatial"]["lisa"],
    script:
        "../scripts/burgerschapszone.py"


rule spatial_regression:
    input:
        features=rules.municipal_features.output.parquet,
        stacked=rules.stacked_disadvantage.output.table,
        edges=rules.contiguity_weights.output.edges,
    output:
        coefficients=f"{RESULTS}/tables/spatial/regression_coefficients.csv",
        statistics=f"{RESULTS}/tables/spatial/regression_models.csv",
        lagrange_multiplier=f"{RESULTS}/tables/spatial/regression_lm_tests.csv",
    log:
        f"{LOGS}/spatial_regression.log",
    conda:
        "../envs/geo.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        code=CODE_SHA256,
        focus_election=config["spatial"]["focus_election"],
        covariates=config["burgerschapszone"]["covariates"],
    script:
        "../scripts/spatial_regression.py"
