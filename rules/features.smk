# Stage 2, features: indicators per municipality on the configured boundary year.


rule election_indicators:
    input:
        totals=rules.election_results.output.totals,
        party_votes=rules.election_results.output.party_votes,
    output:
        parquet="results/interim/elections/{election}_indicators.parquet",
        csv="results/tables/elections/{election}_indicators.csv",
        parties="results/tables/elections/{election}_party_classification.csv",
    log:
        "logs/election_indicators/{election}.log",
    conda:
        "../envs/geo.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=CODE_SHA256,
        outsider=config["parties"]["outsider"],
    script:
        "../scripts/election_indicators.py"
