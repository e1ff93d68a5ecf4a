# Stage 1, acquisition: the snapshot files, read as published, into tidy validated tables.


rule boundaries:
    input:
        topojson=snapshot(catalogue.boundaries(BOUNDARY_YEAR).file),
    output:
        parquet=f"{RESULTS}/interim/boundaries/gemeenten_{BOUNDARY_YEAR}.parquet",
    log:
        f"{LOGS}/boundaries.log",
    conda:
        "../envs/geo.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=CODE_SHA256,
        object_name=catalogue.boundaries(BOUNDARY_YEAR).object_name,
        crs=catalogue.boundaries(BOUNDARY_YEAR).crs,
    script:
        "../scripts/boundaries.py"


rule municipalities:
    input:
        csv=snapshot(catalogue.MUNICIPALITIES_2021),
        boundaries=rules.boundaries.output.parquet,
    output:
        parquet=f"{RESULTS}/interim/municipalities_{BOUNDARY_YEAR}.parquet",
    log:
        f"{LOGS}/municipalities.log",
    conda:
        "../envs/geo.yaml"
    resources:
        mem_mb=500,
        runtime=5,
    params:
        code=CODE_SHA256,
    script:
        "../scripts/municipalities.py"


rule election_results:
    input:
        files=election_files,
    output:
        totals=f"{RESULTS}/interim/elections/{{election}}_totals.parquet",
        party_votes=f"{RESULTS}/interim/elections/{{election}}_party_votes.parquet",
        excluded=f"{RESULTS}/tables/elections/{{election}}_excluded_rows.csv",
    log:
        f"{LOGS}/election_results/{{election}}.log",
    conda:
        "../envs/geo.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=CODE_SHA256,
        format=lambda wildcards: catalogue.election(wildcards.election).format,
        expected_above_one=config["indicators"]["expected_above_one"],
    script:
        "../scripts/election_results.py"
