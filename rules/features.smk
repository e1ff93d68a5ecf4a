# Stage 2, features: indicators per municipality on the configured boundary year.


rule harmonise_election:
    input:
        totals=rules.election_results.output.totals,
        party_votes=rules.election_results.output.party_votes,
        municipalities=rules.municipalities.output.parquet,
        merger_events=snapshot(catalogue.MERGER_HISTORY["events"]),
        merger_lists=snapshot(catalogue.MERGER_HISTORY["municipalities"]),
        merger_addresses=snapshot(catalogue.MERGER_HISTORY["addresses"]),
    output:
        totals=f"{RESULTS}/interim/elections/{{election}}_totals_{BOUNDARY_YEAR}.parquet",
        party_votes=f"{RESULTS}/interim/elections/{{election}}_party_votes_{BOUNDARY_YEAR}.parquet",
        conversions=f"{RESULTS}/tables/harmonisation/{{election}}_conversions.csv",
    log:
        f"{LOGS}/harmonise_election/{{election}}.log",
    benchmark:
        f"{LOGS}/benchmarks/harmonise_election/{{election}}.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code_of("scripts/harmonise_election.py"),
        source_year=lambda wildcards: catalogue.election(
            wildcards.election
        ).boundary_year,
        election_date=lambda wildcards: catalogue.election(wildcards.election).date,
        target_year=BOUNDARY_YEAR,
    script:
        "../scripts/harmonise_election.py"


rule election_indicators:
    input:
        totals=rules.harmonise_election.output.totals,
        party_votes=rules.harmonise_election.output.party_votes,
    output:
        parquet=f"{RESULTS}/interim/elections/{{election}}_indicators.parquet",
        csv=f"{RESULTS}/tables/elections/{{election}}_indicators.csv",
        parties=f"{RESULTS}/tables/elections/{{election}}_party_classification.csv",
    log:
        f"{LOGS}/election_indicators/{{election}}.log",
    benchmark:
        f"{LOGS}/benchmarks/election_indicators/{{election}}.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code_of("scripts/election_indicators.py"),
        parties=config["parties"],
    script:
        "../scripts/election_indicators.py"


rule municipal_features:
    input:
        kwb2020=rules.statline_table.output.parquet.format(dataset="kwb2020"),
        kwb2021=rules.statline_table.output.parquet.format(dataset="kwb2021"),
        population2021=rules.statline_table.output.parquet.format(
            dataset="population2021"
        ),
        health2020=rules.statline_table.output.parquet.format(dataset="health2020"),
        health2016=rules.statline_table.output.parquet.format(dataset="health2016"),
        crosswalk2020=snapshot(catalogue.crosswalk(2020, BOUNDARY_YEAR)),
        municipalities=rules.municipalities.output.parquet,
        edges=rules.contiguity_weights.output.edges,
        elections=expand(rules.election_indicators.output.parquet, election=ELECTIONS),
    output:
        parquet=f"{RESULTS}/interim/features/municipal_{BOUNDARY_YEAR}.parquet",
        csv=f"{RESULTS}/tables/features/municipal_indicators_{BOUNDARY_YEAR}.csv",
        imputed=f"{RESULTS}/tables/quality/imputed_values.csv",
        conversions=f"{RESULTS}/tables/harmonisation/statline_conversions.csv",
        codebook=f"{RESULTS}/tables/features/codebook.csv",
    log:
        f"{LOGS}/municipal_features.log",
    benchmark:
        f"{LOGS}/benchmarks/municipal_features.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code_of("scripts/municipal_features.py"),
        elections=ELECTIONS,
        missing_values=config["features"]["missing_values"],
    script:
        "../scripts/municipal_features.py"


rule stacked_disadvantage:
    input:
        features=rules.municipal_features.output.parquet,
    output:
        table=f"{RESULTS}/tables/features/stacked_disadvantage.csv",
        loadings=f"{RESULTS}/tables/features/stacked_disadvantage_pc1_loadings.csv",
        summary=f"{RESULTS}/tables/features/stacked_disadvantage_summary.json",
    log:
        f"{LOGS}/stacked_disadvantage.log",
    benchmark:
        f"{LOGS}/benchmarks/stacked_disadvantage.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code_of("scripts/stacked_disadvantage.py"),
        settings=config["stacked_disadvantage"],
    script:
        "../scripts/stacked_disadvantage.py"


rule correlations:
    input:
        features=rules.municipal_features.output.parquet,
        stacked=rules.stacked_disadvantage.output.table,
        boundaries=rules.boundaries.output.parquet,
    output:
        table=f"{RESULTS}/tables/features/correlations_{{election}}.csv",
    log:
        f"{LOGS}/correlations/{{election}}.log",
    benchmark:
        f"{LOGS}/benchmarks/correlations/{{election}}.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code_of("scripts/correlations.py"),
        outcomes=INDICATORS,
    script:
        "../scripts/correlations.py"


rule data_quality:
    input:
        features=rules.municipal_features.output.parquet,
        imputed=rules.municipal_features.output.imputed,
        statline_conversions=rules.municipal_features.output.conversions,
        election_conversions=expand(
            rules.harmonise_election.output.conversions, election=ELECTIONS
        ),
        elections=expand(rules.election_indicators.output.parquet, election=ELECTIONS),
        excluded=expand(rules.election_results.output.excluded, election=ELECTIONS),
        stacked=rules.stacked_disadvantage.output.table,
        series=expand(rules.election_indicators.output.parquet, election=SERIES),
    output:
        report=f"{RESULTS}/reports/data_quality.md",
        missing=f"{RESULTS}/tables/quality/missing_values.csv",
        extremes=f"{RESULTS}/tables/quality/extreme_values.csv",
        turnout=f"{RESULTS}/tables/quality/turnout_above_one.csv",
        converted=f"{RESULTS}/tables/quality/converted_municipalities.csv",
        changes=f"{RESULTS}/tables/quality/anomalous_changes.csv",
    log:
        f"{LOGS}/data_quality.log",
    benchmark:
        f"{LOGS}/benchmarks/data_quality.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code_of("scripts/data_quality.py"),
        elections=ELECTIONS,
        series=SERIES,
        target_year=BOUNDARY_YEAR,
        missing_values=config["features"]["missing_values"],
    script:
        "../scripts/data_quality.py"


rule classification_robustness:
    input:
        elections=expand(rules.election_indicators.output.parquet, election=ELECTIONS),
        stacked=rules.stacked_disadvantage.output.table,
        edges=rules.contiguity_weights.output.edges,
        weights_summary=rules.contiguity_weights.output.summary,
    output:
        table=f"{RESULTS}/tables/elections/classification_robustness.csv",
    log:
        f"{LOGS}/classification_robustness.log",
    benchmark:
        f"{LOGS}/benchmarks/classification_robustness.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        code=code_of("scripts/classification_robustness.py"),
        elections=ELECTIONS,
        parties=config["parties"],
        moran=config["moran"],
        weights=config["weights"],
        turnout_above_one=config["indicators"]["turnout_above_one"],
    script:
        "../scripts/classification_robustness.py"
