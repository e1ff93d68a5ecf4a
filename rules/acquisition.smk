# Stage 1, acquisition: the input files, from the committed snapshot or downloaded from the publishers
# (acquisition.source), read as published into tidy validated tables. Only the reading steps' inputs differ
# between the two routes; their outputs, and every rule after them, are the same.

RAW = config["acquisition"]["raw_dir"]
HTTP_SETTINGS = config["acquisition"]["http"]


rule download_statline:
    output:
        directory=directory(f"{RAW}/statline/{{dataset}}"),
    log:
        f"{LOGS}/download_statline/{{dataset}}.log",
    benchmark:
        f"{LOGS}/benchmarks/download_statline/{{dataset}}.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=30,
        http_connections=1,
    params:
        code=code_of("scripts/download_statline.py"),
        table=lambda wildcards: config["acquisition"]["statline"]["tables"][
            wildcards.dataset
        ],
        page_size=config["acquisition"]["statline"]["page_size"],
        max_pages=config["acquisition"]["statline"]["max_pages"],
        http=HTTP_SETTINGS,
    script:
        "../scripts/download_statline.py"


rule download_kiesraad:
    output:
        csv=f"{RAW}/kiesraad/{{election}}_gemeente.csv",
    log:
        f"{LOGS}/download_kiesraad/{{election}}.log",
    benchmark:
        f"{LOGS}/benchmarks/download_kiesraad/{{election}}.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
        http_connections=1,
    params:
        code=code_of("scripts/download_kiesraad.py"),
        download=lambda wildcards: config["acquisition"]["kiesraad"]["elections"][
            wildcards.election
        ],
        kind="results",
        http=HTTP_SETTINGS,
    script:
        "../scripts/download_kiesraad.py"


rule download_kiesraad_count_file:
    output:
        csv=f"{RAW}/kiesraad/{{election}}_osv4-3/{{count_file}}",
    log:
        f"{LOGS}/download_kiesraad_count_file/{{election}}/{{count_file}}.log",
    benchmark:
        f"{LOGS}/benchmarks/download_kiesraad_count_file/{{election}}/{{count_file}}.tsv"
    wildcard_constraints:
        count_file=r"[^/]+\.csv",
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
        http_connections=1,
    params:
        code=code_of("scripts/download_kiesraad.py"),
        download=lambda wildcards: config["acquisition"]["kiesraad"]["count_files"][
            wildcards.election
        ][wildcards.count_file],
        kind="count_file",
        http=HTTP_SETTINGS,
    script:
        "../scripts/download_kiesraad.py"


rule download_boundaries:
    output:
        geojson=f"{RAW}/pdok/gemeente_{BOUNDARY_YEAR}.geojson",
    log:
        f"{LOGS}/download_boundaries.log",
    benchmark:
        f"{LOGS}/benchmarks/download_boundaries.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
        http_connections=1,
    params:
        code=code_of("scripts/download_boundaries.py"),
        year=BOUNDARY_YEAR,
        pdok=config["acquisition"]["pdok"],
        http=HTTP_SETTINGS,
    script:
        "../scripts/download_boundaries.py"


rule statline_table:
    input:
        source=statline_source,
        # What the reader checks the table's municipalities against (those of the year it describes).
        municipalities=membership_source,
        crosswalk=statline_crosswalk,
    output:
        parquet=f"{RESULTS}/interim/statline/{{dataset}}.parquet",
    log:
        f"{LOGS}/statline_table/{{dataset}}.log",
    benchmark:
        f"{LOGS}/benchmarks/statline_table/{{dataset}}.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        code=code_of("scripts/statline_table.py"),
        route=route("statline"),
        year=lambda wildcards: STATLINE_DATASETS[wildcards.dataset].municipalities_year,
        boundary_year=BOUNDARY_YEAR,
    script:
        "../scripts/statline_table.py"


rule boundaries:
    input:
        source=boundaries_source,
    output:
        parquet=f"{RESULTS}/interim/boundaries/gemeenten_{BOUNDARY_YEAR}.parquet",
    log:
        f"{LOGS}/boundaries.log",
    benchmark:
        f"{LOGS}/benchmarks/boundaries.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code_of("scripts/boundaries.py"),
        route=route("pdok"),
        object_name=catalogue.boundaries(BOUNDARY_YEAR).object_name,
        crs=catalogue.boundaries(BOUNDARY_YEAR).crs,
    script:
        "../scripts/boundaries.py"


rule municipalities:
    input:
        source=membership_source,
        boundaries=rules.boundaries.output.parquet,
    output:
        parquet=f"{RESULTS}/interim/municipalities_{BOUNDARY_YEAR}.parquet",
    log:
        f"{LOGS}/municipalities.log",
    benchmark:
        f"{LOGS}/benchmarks/municipalities.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        code=code_of("scripts/municipalities.py"),
        route=route("statline"),
        boundaries_file=boundaries_source,
        year=BOUNDARY_YEAR,
    script:
        "../scripts/municipalities.py"


rule election_results:
    input:
        files=election_files,
        # What the reader checks the election's municipalities against (those of its own boundary year, or of its
        # date in the merger history where no crosswalk reaches that year).
        municipalities=membership_source,
        crosswalk=election_crosswalk,
        merger_events=snapshot(catalogue.MERGER_HISTORY["events"]),
        merger_lists=snapshot(catalogue.MERGER_HISTORY["municipalities"]),
    output:
        totals=f"{RESULTS}/interim/elections/{{election}}_totals.parquet",
        party_votes=f"{RESULTS}/interim/elections/{{election}}_party_votes.parquet",
        excluded=f"{RESULTS}/tables/elections/{{election}}_excluded_rows.csv",
    log:
        f"{LOGS}/election_results/{{election}}.log",
    benchmark:
        f"{LOGS}/benchmarks/election_results/{{election}}.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code_of("scripts/election_results.py"),
        format=lambda wildcards: catalogue.election(wildcards.election).format,
        expected_above_one=config["indicators"]["expected_above_one"],
        route=route("statline"),
        source_year=lambda wildcards: catalogue.election(
            wildcards.election
        ).boundary_year,
        election_date=lambda wildcards: catalogue.election(wildcards.election).date,
        boundary_year=BOUNDARY_YEAR,
    script:
        "../scripts/election_results.py"
