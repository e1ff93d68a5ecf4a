# Stage 4, models: the survey side (synthetic survey with known truth, or real microdata) and its multilevel
# models; the municipal panel across elections.


rule survey_respondents:
    input:
        features=rules.municipal_features.output.parquet,
        stacked=rules.stacked_disadvantage.output.table,
        boundaries=rules.boundaries.output.parquet,
    output:
        respondents=SURVEY_RESPONDENTS,
        record=SURVEY_RECORD,
    log:
        f"{LOGS}/survey_respondents.log",
    benchmark:
        f"{LOGS}/benchmarks/survey_respondents.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        code=code_of("scripts/synthetic_survey.py"),
        survey=config["survey"],
    script:
        "../scripts/synthetic_survey.py"


rule multilevel:
    input:
        respondents=rules.survey_respondents.output.respondents,
        record=rules.survey_respondents.output.record,
        boundaries=rules.boundaries.output.parquet,
    output:
        fixed_effects=f"{SURVEY_TABLES}/{SURVEY_STEM}{{outcome}}_fixed_effects.csv",
        variance_components=f"{SURVEY_TABLES}/{SURVEY_STEM}{{outcome}}_variance_components.csv",
        comparison=report(
            f"{SURVEY_TABLES}/{SURVEY_STEM}{{outcome}}_model_comparison.csv",
            caption="../workflow/report/multilevel_comparison.rst",
            category=SURVEY_CATEGORY,
            subcategory="Model comparison",
        ),
    log:
        f"{LOGS}/multilevel/{{outcome}}.log",
    benchmark:
        f"{LOGS}/benchmarks/multilevel/{{outcome}}.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        code=code_of("scripts/multilevel.py"),
        models=config["multilevel"],
    script:
        "../scripts/multilevel.py"


# Methods demonstration: the synthetic survey redrawn and refitted, to show what the default draw's misplaced
# regional effect is and which model recovers it.
rule synthetic_recovery:
    input:
        features=rules.municipal_features.output.parquet,
        stacked=rules.stacked_disadvantage.output.table,
        boundaries=rules.boundaries.output.parquet,
        respondents=rules.survey_respondents.output.respondents,
        record=rules.survey_respondents.output.record,
    output:
        replicates=f"{SURVEY_TABLES}/synthetic_recovery_replicates.csv",
        summary=report(
            f"{SURVEY_TABLES}/synthetic_recovery_summary.csv",
            caption="../workflow/report/synthetic_recovery.rst",
            category="Methods demonstration: synthetic survey",
            subcategory="Recovery study",
        ),
        draw=f"{SURVEY_TABLES}/synthetic_recovery_draw.csv",
    log:
        f"{LOGS}/synthetic_recovery.log",
    benchmark:
        f"{LOGS}/benchmarks/synthetic_recovery.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=60,  # measured 22 min wall (193 s CPU) under load 14
    params:
        code=code_of("scripts/synthetic_recovery.py"),
        survey=config["survey"],
    script:
        "../scripts/synthetic_recovery.py"


rule panel:
    input:
        features=rules.municipal_features.output.parquet,
        edges=rules.contiguity_weights.output.edges,
    output:
        panel=f"{RESULTS}/tables/panel/panel_long.csv",
        coefficients=f"{RESULTS}/tables/panel/coefficients.csv",
        info=f"{RESULTS}/tables/panel/models.csv",
        gradient=f"{RESULTS}/tables/panel/education_gradient.csv",
        tests=f"{RESULTS}/tables/panel/tests.csv",
        moran=f"{RESULTS}/tables/panel/moran.csv",
        markdown=f"{RESULTS}/tables/panel/regression_table.md",
        latex=f"{RESULTS}/tables/panel/regression_table.tex",
    log:
        f"{LOGS}/panel.log",
    benchmark:
        f"{LOGS}/benchmarks/panel.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        code=code_of("scripts/panel.py"),
        panel=config["panel"],
        turnout_above_one=config["indicators"]["turnout_above_one"],
        island_policy=config["weights"]["island_policy"]["method"],
        alternative=config["moran"]["alternative"],
    script:
        "../scripts/panel.py"


rule panel_figures:
    input:
        features=rules.municipal_features.output.parquet,
        gradient=rules.panel.output.gradient,
        boundaries=rules.boundaries.output.parquet,
    output:
        gradient_png=report(
            f"{RESULTS}/figures/panel/education_gradient_{{panel_outcome}}.png",
            caption="../workflow/report/panel_gradient.rst",
            category="Panel across elections",
            subcategory="Education gradient",
        ),
        gradient_pdf=f"{RESULTS}/figures/panel/education_gradient_{{panel_outcome}}.pdf",
        change_png=report(
            f"{RESULTS}/figures/panel/change_{{panel_outcome}}.png",
            caption="../workflow/report/panel_change.rst",
            category="Panel across elections",
            subcategory="Change maps",
        ),
        change_pdf=f"{RESULTS}/figures/panel/change_{{panel_outcome}}.pdf",
    log:
        f"{LOGS}/panel_figures/{{panel_outcome}}.log",
    benchmark:
        f"{LOGS}/benchmarks/panel_figures/{{panel_outcome}}.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code_of("scripts/panel_figures.py"),
        language=config["outputs"]["language"],
        provenance=RUN,
        panel=config["panel"],
        turnout_above_one=config["indicators"]["turnout_above_one"],
    script:
        "../scripts/panel_figures.py"


# Power of the follow-up survey. The default run makes a small PREVIEW, scatter-gather: each part simulates an
# interleaved share of the grid cells; a cell's draws come from (seed, J, term), so the gathered table is the same
# for any number of parts. The planning grid is its own target (`make power`, rule power_planning), not in the
# default run.
rule power_simulation:
    input:
        stacked=rules.stacked_disadvantage.output.table,
    output:
        part=temp(f"{RESULTS}/interim/power/{{scatteritem}}.parquet"),
    log:
        f"{LOGS}/power_simulation/{{scatteritem}}.log",
    benchmark:
        f"{LOGS}/benchmarks/power_simulation/{{scatteritem}}.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code_of("scripts/power_simulation.py"),
        power=config["power"],
        design="preview",
    script:
        "../scripts/power_simulation.py"


rule power_analysis:
    input:
        parts=gather.power(f"{RESULTS}/interim/power/{{scatteritem}}.parquet"),
    output:
        table=report(
            f"{RESULTS}/tables/power/power_preview.csv",
            caption="../workflow/report/power_table.rst",
            category="Survey design",
            subcategory="Power analysis (preview)",
        ),
    log:
        f"{LOGS}/power_analysis.log",
    benchmark:
        f"{LOGS}/benchmarks/power_analysis.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code_of("scripts/power_analysis.py"),
        power=config["power"],
        design="preview",
    script:
        "../scripts/power_analysis.py"


# Measured on this machine (2 cores shared by 8 jobs): 216 cells x 10,000 replicates take 41 s of CPU.
rule power_planning:
    input:
        stacked=rules.stacked_disadvantage.output.table,
    output:
        table=f"{RESULTS}/tables/power/planning/power_planning.csv",
        recommended=f"{RESULTS}/tables/power/planning/recommended_design.csv",
    log:
        f"{LOGS}/power_planning.log",
    benchmark:
        f"{LOGS}/benchmarks/power_planning.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=30,
    params:
        code=code_of("scripts/power_planning.py"),
        power=config["power"],
    script:
        "../scripts/power_planning.py"
