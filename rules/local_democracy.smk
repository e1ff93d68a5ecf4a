# Stage: local democracy (municipal council elections GR2022 and GR2026) on the configured boundary year.


rule local_democracy:
    input:
        council=[snapshot(path) for path in catalogue.COUNCIL_ELECTION_FILES.values()],
        turnout=snapshot(catalogue.COUNCIL_TURNOUT_2022),
        merger_events=snapshot(catalogue.MERGER_HISTORY["events"]),
        merger_lists=snapshot(catalogue.MERGER_HISTORY["municipalities"]),
        merger_addresses=snapshot(catalogue.MERGER_HISTORY["addresses"]),
        municipalities=rules.municipalities.output.parquet,
        national=expand(
            rules.election_indicators.output.parquet,
            election=config["local_democracy"]["turnout_comparison"]["gr2022"],
        ),
    output:
        lists=f"{RESULTS}/tables/local_democracy/council_lists.csv",
        native=f"{RESULTS}/tables/local_democracy/local_party_share_as_published.csv",
        local=f"{RESULTS}/tables/local_democracy/local_party_share_{BOUNDARY_YEAR}.csv",
        gap=f"{RESULTS}/tables/local_democracy/gr2022_turnout_gap_{BOUNDARY_YEAR}.csv",
        unmapped=f"{RESULTS}/tables/local_democracy/not_mapped.csv",
        share_summary=f"{RESULTS}/tables/local_democracy/local_party_share_summary.csv",
        gap_summary=f"{RESULTS}/tables/local_democracy/turnout_gap_summary.csv",
    log:
        f"{LOGS}/local_democracy.log",
    benchmark:
        f"{LOGS}/benchmarks/local_democracy.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code_of("scripts/local_democracy.py"),
        parties=config["parties"],
        settings=config["local_democracy"],
        target_year=BOUNDARY_YEAR,
    script:
        "../scripts/local_democracy.py"


rule letter_groups:
    input:
        features=rules.municipal_features.output.parquet,
        stacked=rules.stacked_disadvantage.output.table,
        edges=rules.contiguity_weights.output.edges,
        boundaries=rules.boundaries.output.parquet,
        series=expand(rules.election_indicators.output.parquet, election=SERIES),
    output:
        classes=f"{RESULTS}/tables/letter_groups/size_classes.csv",
        class_means=f"{RESULTS}/tables/letter_groups/size_class_means.csv",
        interaction_coefficients=f"{RESULTS}/tables/letter_groups/size_interaction_coefficients.csv",
        interaction_models=f"{RESULTS}/tables/letter_groups/size_interaction_models.csv",
        middle_correlations=f"{RESULTS}/tables/letter_groups/middle_groups_correlations.csv",
        middle_coefficients=f"{RESULTS}/tables/letter_groups/middle_groups_coefficients.csv",
        middle_models=f"{RESULTS}/tables/letter_groups/middle_groups_models.csv",
        figure_png=report(
            f"{RESULTS}/figures/letter_groups/size_class_series.png",
            caption="../workflow/report/size_class_series.rst",
            category="Letter groups",
        ),
        figure_pdf=f"{RESULTS}/figures/letter_groups/size_class_series.pdf",
    log:
        f"{LOGS}/letter_groups.log",
    benchmark:
        f"{LOGS}/benchmarks/letter_groups.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        code=code_of("scripts/letter_groups.py"),
        settings=config["letter_groups"],
        series=SERIES,
        elections=ELECTIONS,
        language=config["outputs"]["language"],
        provenance=RUN,
    script:
        "../scripts/letter_groups.py"
