# Stage: real measures of the burgerschapszone's candidate explanations (religion, facilities, home ownership,
# shrinkage, local-party share) on the configured boundary year.


rule candidate_measures:
    input:
        religion=snapshot(catalogue.CANDIDATE_MEASURE_FILES["religion"]),
        population_series=snapshot(
            catalogue.CANDIDATE_MEASURE_FILES["population_series"]
        ),
        kwb2020=snapshot(catalogue.STATLINE_FILES["kwb2020"]),
        kwb2021=snapshot(catalogue.STATLINE_FILES["kwb2021"]),
        merger_events=snapshot(catalogue.MERGER_HISTORY["events"]),
        merger_lists=snapshot(catalogue.MERGER_HISTORY["municipalities"]),
        merger_addresses=snapshot(catalogue.MERGER_HISTORY["addresses"]),
        local_share=rules.local_democracy.output.local,
    output:
        measures=f"{RESULTS}/tables/features/candidate_measures_{BOUNDARY_YEAR}.csv",
        suppressed=f"{RESULTS}/tables/quality/religion_suppressed.csv",
        codebook=f"{RESULTS}/tables/features/candidate_measures_codebook.csv",
    log:
        f"{LOGS}/candidate_measures.log",
    benchmark:
        f"{LOGS}/benchmarks/candidate_measures.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code_of("scripts/candidate_measures.py"),
        target_year=BOUNDARY_YEAR,
    script:
        "../scripts/candidate_measures.py"
