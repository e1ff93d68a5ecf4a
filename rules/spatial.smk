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
    benchmark:
        f"{LOGS}/benchmarks/global_moran/{{election}}.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        code=code_of("scripts/global_moran.py"),
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
    benchmark:
        f"{LOGS}/benchmarks/global_statistics.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        code=code_of("scripts/global_statistics.py"),
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


# Scatter-gather: the permutation inference of each chunk of units is one job; the gather adds the FDR labels
# over all units. Every unit's draws depend on (seed, unit) only, so any number of parts gives the same table.
rule lisa_part:
    input:
        features=rules.municipal_features.output.parquet,
        stacked=rules.stacked_disadvantage.output.table,
        edges=rules.contiguity_weights.output.edges,
    output:
        part=temp(f"{RESULTS}/interim/lisa/{{scatteritem}}.parquet"),
    log:
        f"{LOGS}/lisa_part/{{scatteritem}}.log",
    benchmark:
        f"{LOGS}/benchmarks/lisa_part/{{scatteritem}}.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        code=code_of("scripts/lisa_part.py"),
        focus_election=config["spatial"]["focus_election"],
        lisa=config["spatial"]["lisa"],
    script:
        "../scripts/lisa_part.py"


rule lisa:
    input:
        parts=gather.lisa(f"{RESULTS}/interim/lisa/{{scatteritem}}.parquet"),
    output:
        table=f"{RESULTS}/tables/spatial/lisa.csv",
    log:
        f"{LOGS}/lisa.log",
    benchmark:
        f"{LOGS}/benchmarks/lisa.tsv"
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


rule burgerschapszone:
    input:
        features=rules.municipal_features.output.parquet,
        measures=rules.candidate_measures.output.measures,
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
        turnout_policies=report(
            f"{RESULTS}/tables/burgerschapszone/turnout_policy_robustness.csv",
            caption="../workflow/report/turnout_policy_robustness.rst",
            category="Burgerschapszone",
            subcategory="Turnout above 100%",
        ),
    log:
        f"{LOGS}/burgerschapszone.log",
    benchmark:
        f"{LOGS}/benchmarks/burgerschapszone.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        code=code_of("scripts/burgerschapszone.py"),
        zone=config["burgerschapszone"],
        focus_election=config["spatial"]["focus_election"],
        lisa=config["spatial"]["lisa"],
        island_policy=config["weights"]["island_policy"],
        alternative=config["moran"]["alternative"],
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
        impacts=f"{RESULTS}/tables/spatial/regression_lag_impacts.csv",
    log:
        f"{LOGS}/spatial_regression.log",
    benchmark:
        f"{LOGS}/benchmarks/spatial_regression.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        code=code_of("scripts/spatial_regression.py"),
        focus_election=config["spatial"]["focus_election"],
        covariates=config["burgerschapszone"]["covariates"],
    script:
        "../scripts/spatial_regression.py"


rule mgwr:
    input:
        features=rules.municipal_features.output.parquet,
        stacked=rules.stacked_disadvantage.output.table,
        edges=rules.contiguity_weights.output.edges,
        boundaries=rules.boundaries.output.parquet,
    output:
        bandwidths=f"{RESULTS}/tables/mgwr/bandwidths.csv",
        local=f"{RESULTS}/tables/mgwr/local_estimates.csv",
        comparison=f"{RESULTS}/tables/mgwr/model_comparison.csv",
    log:
        f"{LOGS}/mgwr.log",
    benchmark:
        f"{LOGS}/benchmarks/mgwr.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=90,
    params:
        code=code_of("scripts/mgwr.py"),
        focus_election=config["spatial"]["focus_election"],
        mgwr=config["spatial"]["mgwr"],
        covariates=config["burgerschapszone"]["covariates"],
        turnout_policy=config["burgerschapszone"]["turnout_policy"],
        island_policy=config["weights"]["island_policy"],
    script:
        "../scripts/mgwr.py"
