# Stage 5, outputs: figures, and the manifest that lists every output with its hash and the rule behind it.


rule choropleth:
    input:
        boundaries=rules.boundaries.output.parquet,
        indicators=rules.election_indicators.output.parquet,
    output:
        png=report(
            f"{RESULTS}/figures/maps/{{election}}_{{indicator}}.png",
            caption="../workflow/report/choropleth.rst",
            category="Turnout and outsider vote",
            subcategory="Maps",
        ),
        pdf=f"{RESULTS}/figures/maps/{{election}}_{{indicator}}.pdf",
    log:
        f"{LOGS}/choropleth/{{election}}_{{indicator}}.log",
    benchmark:
        f"{LOGS}/benchmarks/choropleth/{{election}}_{{indicator}}.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=5,
    params:
        code=code_of("scripts/choropleth.py"),
        language=config["outputs"]["language"],
        provenance=RUN,
        maps=config["maps"],
        boundary_year=BOUNDARY_YEAR,
    script:
        "../scripts/choropleth.py"


rule election_series:
    input:
        boundaries=rules.boundaries.output.parquet,
        indicators=expand(rules.election_indicators.output.parquet, election=SERIES),
        moran=expand(rules.global_moran.output.table, election=SERIES),
    output:
        table=f"{RESULTS}/tables/elections/series_municipal_{BOUNDARY_YEAR}.csv",
        national=f"{RESULTS}/tables/elections/series_national.csv",
        moran=f"{RESULTS}/tables/spatial/series_global_moran.csv",
        turnout_png=report(
            f"{RESULTS}/figures/maps/series_turnout.png",
            caption="../workflow/report/election_series.rst",
            category="Turnout and outsider vote",
            subcategory="Series 1998-2025",
        ),
        turnout_pdf=f"{RESULTS}/figures/maps/series_turnout.pdf",
        outsider_png=report(
            f"{RESULTS}/figures/maps/series_outsider_share.png",
            caption="../workflow/report/election_series.rst",
            category="Turnout and outsider vote",
            subcategory="Series 1998-2025",
        ),
        outsider_pdf=f"{RESULTS}/figures/maps/series_outsider_share.pdf",
    log:
        f"{LOGS}/election_series.log",
    benchmark:
        f"{LOGS}/benchmarks/election_series.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        code=code_of("scripts/election_series.py"),
        elections=SERIES,
        language=config["outputs"]["language"],
        provenance=RUN,
        maps=config["maps"],
        boundary_year=BOUNDARY_YEAR,
    script:
        "../scripts/election_series.py"


rule moran_scatterplot:
    input:
        indicators=rules.election_indicators.output.parquet,
        edges=rules.contiguity_weights.output.edges,
        moran=rules.global_moran.output.table,
    output:
        png=report(
            f"{RESULTS}/figures/moran/{{election}}_{{indicator}}_scatter.png",
            caption="../workflow/report/moran_scatterplot.rst",
            category="Spatial autocorrelation",
            subcategory="Moran scatterplots",
        ),
        pdf=f"{RESULTS}/figures/moran/{{election}}_{{indicator}}_scatter.pdf",
    log:
        f"{LOGS}/moran_scatterplot/{{election}}_{{indicator}}.log",
    benchmark:
        f"{LOGS}/benchmarks/moran_scatterplot/{{election}}_{{indicator}}.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=5,
    params:
        code=code_of("scripts/moran_scatterplot.py"),
        language=config["outputs"]["language"],
        provenance=RUN,
        weights=config["weights"],
        turnout_above_one=config["indicators"]["turnout_above_one"],
    script:
        "../scripts/moran_scatterplot.py"


rule indicator_maps:
    input:
        boundaries=rules.boundaries.output.parquet,
        features=rules.municipal_features.output.parquet,
        stacked=rules.stacked_disadvantage.output.table,
    output:
        png=report(
            f"{RESULTS}/figures/features/indicator_maps_{BOUNDARY_YEAR}.png",
            caption="../workflow/report/indicator_maps.rst",
            category="Stacked disadvantage",
            subcategory="Maps",
        ),
        pdf=f"{RESULTS}/figures/features/indicator_maps_{BOUNDARY_YEAR}.pdf",
    log:
        f"{LOGS}/indicator_maps.log",
    benchmark:
        f"{LOGS}/benchmarks/indicator_maps.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=5,
    params:
        code=code_of("scripts/indicator_maps.py"),
        language=config["outputs"]["language"],
        provenance=RUN,
        maps=config["maps"],
        boundary_year=BOUNDARY_YEAR,
    script:
        "../scripts/indicator_maps.py"


rule correlation_heatmap:
    input:
        table=rules.correlations.output.table,
    output:
        png=report(
            f"{RESULTS}/figures/features/correlations_{{election}}.png",
            caption="../workflow/report/correlation_heatmap.rst",
            category="Stacked disadvantage",
            subcategory="Correlations",
        ),
        pdf=f"{RESULTS}/figures/features/correlations_{{election}}.pdf",
    log:
        f"{LOGS}/correlation_heatmap/{{election}}.log",
    benchmark:
        f"{LOGS}/benchmarks/correlation_heatmap/{{election}}.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code_of("scripts/correlation_heatmap.py"),
        language=config["outputs"]["language"],
        provenance=RUN,
        boundary_year=BOUNDARY_YEAR,
    script:
        "../scripts/correlation_heatmap.py"


rule cluster_maps:
    input:
        boundaries=rules.boundaries.output.parquet,
        lisa=rules.lisa.output.table,
    output:
        png=report(
            f"{RESULTS}/figures/spatial/lisa_{{statistic}}_{{variable}}.png",
            caption="../workflow/report/cluster_maps.rst",
            category="Spatial autocorrelation",
            subcategory="LISA cluster maps",
        ),
        pdf=f"{RESULTS}/figures/spatial/lisa_{{statistic}}_{{variable}}.pdf",
    log:
        f"{LOGS}/cluster_maps/{{statistic}}_{{variable}}.log",
    benchmark:
        f"{LOGS}/benchmarks/cluster_maps/{{statistic}}_{{variable}}.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code_of("scripts/cluster_maps.py"),
        language=config["outputs"]["language"],
        provenance=RUN,
        boundary_year=BOUNDARY_YEAR,
    script:
        "../scripts/cluster_maps.py"


rule zone_map:
    input:
        boundaries=rules.boundaries.output.parquet,
        residuals=rules.burgerschapszone.output.residuals,
        axis=rules.burgerschapszone.output.axis,
    output:
        png=report(
            f"{RESULTS}/figures/burgerschapszone/residuals_{{outcome}}.png",
            caption="../workflow/report/zone_map.rst",
            category="Burgerschapszone",
            subcategory="Residual maps",
        ),
        pdf=f"{RESULTS}/figures/burgerschapszone/residuals_{{outcome}}.pdf",
    log:
        f"{LOGS}/zone_map/{{outcome}}.log",
    benchmark:
        f"{LOGS}/benchmarks/zone_map/{{outcome}}.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code_of("scripts/zone_map.py"),
        language=config["outputs"]["language"],
        provenance=RUN,
        boundary_year=BOUNDARY_YEAR,
        covariates=config["burgerschapszone"]["covariates"],
    script:
        "../scripts/zone_map.py"


rule mgwr_maps:
    input:
        bandwidths=rules.mgwr.output.bandwidths,
        local=rules.mgwr.output.local,
        boundaries=rules.boundaries.output.parquet,
    output:
        png=report(
            f"{RESULTS}/figures/mgwr/coefficients_{{outcome}}.png",
            caption="../workflow/report/mgwr_maps.rst",
            category="Burgerschapszone",
            subcategory="Multiscale GWR",
        ),
        pdf=f"{RESULTS}/figures/mgwr/coefficients_{{outcome}}.pdf",
    log:
        f"{LOGS}/mgwr_maps/{{outcome}}.log",
    benchmark:
        f"{LOGS}/benchmarks/mgwr_maps/{{outcome}}.tsv"
    wildcard_constraints:
        outcome="turnout|outsider_share",
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code_of("scripts/mgwr_maps.py"),
        language=config["outputs"]["language"],
        provenance=RUN,
        boundary_year=BOUNDARY_YEAR,
    script:
        "../scripts/mgwr_maps.py"


rule power_curve:
    input:
        table=rules.power_analysis.output.table,
    output:
        png=report(
            f"{RESULTS}/figures/power/power_preview.png",
            caption="../workflow/report/power_curve.rst",
            category="Survey design",
            subcategory="Power analysis (preview)",
        ),
        pdf=f"{RESULTS}/figures/power/power_preview.pdf",
    log:
        f"{LOGS}/power_curve.log",
    benchmark:
        f"{LOGS}/benchmarks/power_curve.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code_of("scripts/power_curve.py"),
        language=config["outputs"]["language"],
        provenance=RUN,
        icc=config["power"]["preview"]["icc"][0],
    script:
        "../scripts/power_curve.py"


# Not in the default run: `make power` (target rule power).
rule power_planning_curve:
    input:
        table=rules.power_planning.output.table,
    output:
        png=f"{RESULTS}/figures/power/planning/power_planning.png",
        pdf=f"{RESULTS}/figures/power/planning/power_planning.pdf",
    log:
        f"{LOGS}/power_planning_curve.log",
    benchmark:
        f"{LOGS}/benchmarks/power_planning_curve.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code_of("scripts/power_curve.py"),
        language=config["outputs"]["language"],
        provenance=RUN,
        icc=config["power"]["recommend"]["icc"],
    script:
        "../scripts/power_curve.py"


rule power:
    input:
        rules.power_planning.output,
        rules.power_planning_curve.output,


# Publication tables: name -> the builder in afgehaakt.tables, its input tables, and its report category.
_FOCUS = config["spatial"]["focus_election"]
PUBLICATION_TABLES = {
    "global_statistics": dict(
        builder="global_statistics",
        inputs=dict(table=rules.global_statistics.output.table),
        category="Spatial autocorrelation",
    ),
    "spatial_regression": dict(
        builder="spatial_regression",
        inputs=dict(
            coefficients=rules.spatial_regression.output.coefficients,
            models=rules.spatial_regression.output.statistics,
            impacts=rules.spatial_regression.output.impacts,
        ),
        category="Spatial autocorrelation",
    ),
    "zone_orientation_test": dict(
        builder="zone_orientation_test",
        inputs=dict(table=rules.burgerschapszone.output.axis),
        category="Burgerschapszone",
    ),
    **{
        f"correlations_{election}": dict(
            builder="correlations",
            inputs=dict(table=f"{RESULTS}/tables/features/correlations_{election}.csv"),
            category="Stacked disadvantage",
        )
        for election in ELECTIONS
    },
    "amalgamation": dict(
        builder="amalgamation",
        inputs={
            outcome: rules.amalgamation.output.estimates.format(panel_outcome=outcome)
            for outcome in config["amalgamation"]["outcomes"]
        },
        category="Amalgamations",
    ),
    "stacked_disadvantage": dict(
        builder="stacked_disadvantage",
        inputs=dict(
            loadings=rules.stacked_disadvantage.output.loadings,
            summary=rules.stacked_disadvantage.output.summary,
        ),
        category="Stacked disadvantage",
    ),
} | {
    f"zone_candidate_explanations_{outcome}": dict(
        builder="zone_candidate_explanations",
        inputs=dict(table=rules.burgerschapszone.output.candidates),
        category="Burgerschapszone",
        outcome=outcome,
    )
    for outcome in ZONE_OUTCOMES
}
# The multilevel tables: findings when they come from real microdata; from the synthetic survey they are the methods
# demonstration (rule synthetic_survey_table), never in tables/publication/.
SURVEY_PUBLICATION_TABLES = {
    f"multilevel_{outcome}_{kind}": dict(
        builder=f"multilevel_{kind}",
        inputs=dict(table=f"{SURVEY_TABLES}/{SURVEY_STEM}{outcome}_{kind}.csv"),
        category=SURVEY_CATEGORY,
    )
    for outcome in MULTILEVEL_OUTCOMES
    for kind in ("fixed_effects", "variance_components", "model_comparison")
}
if not SURVEY_SYNTHETIC:
    PUBLICATION_TABLES |= SURVEY_PUBLICATION_TABLES
else:
    SURVEY_PUBLICATION_TABLES["recovery"] = dict(
        builder="synthetic_recovery",
        inputs=dict(table=rules.synthetic_recovery.output.summary),
        category=SURVEY_CATEGORY,
    )


rule publication_table:
    input:
        unpack(lambda wildcards: PUBLICATION_TABLES[wildcards.table]["inputs"]),
    output:
        csv=report(
            f"{RESULTS}/tables/publication/{{table}}.csv",
            caption="../workflow/report/publication_table.rst",
            category=lambda wildcards: PUBLICATION_TABLES[wildcards.table]["category"],
            subcategory="Publication tables",
        ),
        markdown=f"{RESULTS}/tables/publication/{{table}}.md",
        latex=f"{RESULTS}/tables/publication/{{table}}.tex",
    log:
        f"{LOGS}/publication_table/{{table}}.log",
    benchmark:
        f"{LOGS}/benchmarks/publication_table/{{table}}.tsv"
    wildcard_constraints:
        table="|".join(PUBLICATION_TABLES),
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        code=code_of("scripts/publication_table.py"),
        language=config["outputs"]["language"],
        builder=lambda wildcards: PUBLICATION_TABLES[wildcards.table]["builder"],
        demonstration=False,
        outcome=lambda wildcards: PUBLICATION_TABLES[wildcards.table].get("outcome", ""),
    script:
        "../scripts/publication_table.py"


# The same tables from the synthetic survey: "synthetic" in every file name and caption, in their own folder.
rule synthetic_survey_table:
    input:
        unpack(lambda wildcards: SURVEY_PUBLICATION_TABLES[wildcards.table]["inputs"]),
    output:
        csv=report(
            f"{RESULTS}/tables/synthetic_survey/publication/synthetic_{{table}}.csv",
            caption="../workflow/report/synthetic_survey_table.rst",
            category="Methods demonstration: synthetic survey",
            subcategory="Tables",
        ),
        markdown=f"{RESULTS}/tables/synthetic_survey/publication/synthetic_{{table}}.md",
        latex=f"{RESULTS}/tables/synthetic_survey/publication/synthetic_{{table}}.tex",
    log:
        f"{LOGS}/synthetic_survey_table/{{table}}.log",
    benchmark:
        f"{LOGS}/benchmarks/synthetic_survey_table/{{table}}.tsv"
    wildcard_constraints:
        table="|".join(SURVEY_PUBLICATION_TABLES),
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        code=code_of("scripts/publication_table.py"),
        language=config["outputs"]["language"],
        builder=lambda wildcards: SURVEY_PUBLICATION_TABLES[wildcards.table]["builder"],
        demonstration=True,
        outcome="",
    script:
        "../scripts/publication_table.py"


rule headline_numbers:
    input:
        unpack(lambda wildcards: {} if SURVEY_SYNTHETIC else survey_comparisons()),
        moran=f"{RESULTS}/tables/spatial/{config['spatial']['focus_election']}_global_moran.csv",
        stacked=rules.stacked_disadvantage.output.summary,
        axis=rules.burgerschapszone.output.axis,
        series_national=rules.election_series.output.national,
        series_moran=rules.election_series.output.moran,
        pc4_moran=rules.pc4_analysis.output.moran,
        pc4_variance=rules.pc4_analysis.output.variance,
        pc4_reconciliation=rules.pc4_areas.output.reconciliation,
    output:
        markdown=f"{RESULTS}/snippets/headline_numbers.md",
        latex=f"{RESULTS}/snippets/headline_numbers.tex",
        json=f"{RESULTS}/snippets/headline_numbers.json",
    log:
        f"{LOGS}/headline_numbers.log",
    benchmark:
        f"{LOGS}/benchmarks/headline_numbers.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        code=code_of("scripts/headline_numbers.py"),
        focus_election=config["spatial"]["focus_election"],
    script:
        "../scripts/headline_numbers.py"


# The numbers of the methods demonstration, under their own names (synthetic_...), never among the headlines.
rule synthetic_survey_snippets:
    input:
        unpack(survey_comparisons),
        trust_fixed=f"{SURVEY_TABLES}/{SURVEY_STEM}trust_fixed_effects.csv",
    output:
        markdown=f"{RESULTS}/snippets/synthetic_survey_demonstration.md",
        latex=f"{RESULTS}/snippets/synthetic_survey_demonstration.tex",
        json=f"{RESULTS}/snippets/synthetic_survey_demonstration.json",
    log:
        f"{LOGS}/synthetic_survey_snippets.log",
    benchmark:
        f"{LOGS}/benchmarks/synthetic_survey_snippets.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        code=code_of("scripts/synthetic_survey_snippets.py"),
    script:
        "../scripts/synthetic_survey_snippets.py"


# Last: the manifest lists the outputs of every rule above.
rule manifest:
    input:
        all_outputs(),
    output:
        table=report(
            f"{RESULTS}/manifest.tsv",
            caption="../workflow/report/provenance.rst",
            category="Provenance",
        ),
        document=f"{RESULTS}/manifest.json",
    log:
        f"{LOGS}/manifest.log",
    benchmark:
        f"{LOGS}/benchmarks/manifest.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        code=code_of("scripts/manifest.py"),
        producers=outputs_by_rule(),
        config_sha256=CONFIG_SHA256,
        data_checksums=DATA_CHECKSUMS,
        jobs=job_records(),
        run=RUN,
        results_dir=lambda wildcards, output: os.path.dirname(output.document),
    script:
        "../scripts/manifest.py"


# After the manifest: every output is scanned for small cells and respondent-level records.
rule disclosure_check:
    input:
        all_outputs(),
        manifest=rules.manifest.output.table,
    output:
        report=f"{RESULTS}/disclosure_check.json",
    log:
        f"{LOGS}/disclosure_check.log",
    benchmark:
        f"{LOGS}/benchmarks/disclosure_check.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code_of("scripts/disclosure_check.py"),
        results_dir=lambda wildcards, output: os.path.dirname(output.report),
        threshold=config["disclosure"]["min_respondents"],
        microdata_rules=(
            ["multilevel", "publication_table"]
            if config["survey"]["source"] == "microdata"
            else []
        ),
        allow_individual_level=[
            "interim/synthetic_survey/synthetic_respondents.parquet"
        ],
    script:
        "../scripts/disclosure_check.py"
