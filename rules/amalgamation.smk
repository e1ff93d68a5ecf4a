# Stage 5b, causal design: municipal amalgamations as a staggered natural experiment for turnout and the outsider
# vote (afgehaakt/models/staggered; config `amalgamation`).

AMALGAMATION = config["amalgamation"]


rule amalgamation_treatment:
    input:
        merger_events=snapshot(catalogue.MERGER_HISTORY["events"]),
        merger_lists=snapshot(catalogue.MERGER_HISTORY["municipalities"]),
        totals=expand(
            rules.election_results.output.totals, election=AMALGAMATION["elections"]
        ),
    output:
        units=f"{RESULTS}/tables/amalgamation/treatment.csv",
        excluded=f"{RESULTS}/tables/amalgamation/treatment_excluded.csv",
    log:
        f"{LOGS}/amalgamation_treatment.log",
    benchmark:
        f"{LOGS}/benchmarks/amalgamation_treatment.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code_of("scripts/amalgamation_treatment.py"),
        elections=AMALGAMATION["elections"],
        boundary_year=BOUNDARY_YEAR,
        unrepresentable_splits=AMALGAMATION["unrepresentable_splits"],
    script:
        "../scripts/amalgamation_treatment.py"


rule amalgamation:
    input:
        units=rules.amalgamation_treatment.output.units,
        excluded=rules.amalgamation_treatment.output.excluded,
        indicators=expand(
            rules.election_indicators.output.parquet,
            election=AMALGAMATION["elections"],
        ),
    output:
        estimates=f"{RESULTS}/tables/amalgamation/{{panel_outcome}}_estimates.csv",
        group_time=f"{RESULTS}/tables/amalgamation/{{panel_outcome}}_group_time.csv",
        placebo=f"{RESULTS}/tables/amalgamation/{{panel_outcome}}_placebo_permutations.csv",
        placebo_summary=f"{RESULTS}/tables/amalgamation/{{panel_outcome}}_placebo_summary.csv",
        excluded=f"{RESULTS}/tables/amalgamation/{{panel_outcome}}_excluded.csv",
        panel=f"{RESULTS}/tables/amalgamation/{{panel_outcome}}_panel.csv",
        event_study_png=report(
            f"{RESULTS}/figures/amalgamation/event_study_{{panel_outcome}}.png",
            caption="../workflow/report/amalgamation_event_study.rst",
            category="Amalgamations",
        ),
        event_study_pdf=f"{RESULTS}/figures/amalgamation/event_study_{{panel_outcome}}.pdf",
        placebo_png=f"{RESULTS}/figures/amalgamation/placebo_{{panel_outcome}}.png",
    log:
        f"{LOGS}/amalgamation/{{panel_outcome}}.log",
    benchmark:
        f"{LOGS}/benchmarks/amalgamation/{{panel_outcome}}.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        code=code_of("scripts/amalgamation.py"),
        amalgamation=AMALGAMATION,
        boundary_year=BOUNDARY_YEAR,
        wadden=config["indicators"]["expected_above_one"],
        turnout_above_one=config["indicators"]["turnout_above_one"],
        language=config["outputs"]["language"],
        provenance=RUN,
    script:
        "../scripts/amalgamation.py"


rule amalgamation_report:
    input:
        estimates=expand(
            rules.amalgamation.output.estimates, panel_outcome=AMALGAMATION["outcomes"]
        ),
        placebo_summary=expand(
            rules.amalgamation.output.placebo_summary,
            panel_outcome=AMALGAMATION["outcomes"],
        ),
        units=rules.amalgamation_treatment.output.units,
    output:
        report=f"{RESULTS}/reports/amalgamation.md",
    log:
        f"{LOGS}/amalgamation_report.log",
    benchmark:
        f"{LOGS}/benchmarks/amalgamation_report.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        code=code_of("scripts/amalgamation_report.py"),
        amalgamation=AMALGAMATION,
    script:
        "../scripts/amalgamation_report.py"
