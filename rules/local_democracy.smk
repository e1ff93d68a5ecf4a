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
        "../envs/geo.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=CODE_SHA256,
        parties=config["parties"],
        settings=config["local_democracy"],
        target_year=BOUNDARY_YEAR,
    script:
        "../scripts/local_democracy.py"
