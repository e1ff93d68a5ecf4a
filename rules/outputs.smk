# Stage 5, outputs: figures, and the manifest that lists every output with its hash and the rule behind it.


rule choropleth:
    input:
        boundaries=rules.boundaries.output.parquet,
        indicators=rules.election_indicators.output.parquet,
    output:
        png=report(
            "results/figures/maps/{election}_{indicator}.png",
            caption="../workflow/report/choropleth.rst",
            category="Turnout and outsider vote",
            subcategory="Maps",
        ),
        pdf="results/figures/maps/{election}_{indicator}.pdf",
    log:
        "logs/choropleth/{election}_{indicator}.log",
    conda:
        "../envs/plot.yaml"
    resources:
        mem_mb=2000,
        runtime=5,
    params:
        code=CODE_SHA256,
        maps=config["maps"],
        boundary_year=BOUNDARY_YEAR,
    script:
        "../scripts/choropleth.py"


rule moran_scatterplot:
    input:
        indicators=rules.election_indicators.output.parquet,
        edges=rules.contiguity_weights.output.edges,
        moran=rules.global_moran.output.table,
    output:
        png=report(
            "results/figures/moran/{election}_{indicator}_scatter.png",
            caption="../workflow/report/moran_scatterplot.rst",
            category="Spatial autocorrelation",
            subcategory="Moran scatterplots",
        ),
        pdf="results/figures/moran/{election}_{indicator}_scatter.pdf",
    log:
        "logs/moran_scatterplot/{election}_{indicator}.log",
    conda:
        "../envs/plot.yaml"
    resources:
        mem_mb=2000,
        runtime=5,
    params:
        code=CODE_SHA256,
        weights=config["weights"],
        turnout_above_one=config["indicators"]["turnout_above_one"],
    script:
        "../scripts/moran_scatterplot.py"


rule manifest:
    input:
        all_outputs(),
    output:
        manifest="results/manifest.tsv",
    log:
        "logs/manifest.log",
    conda:
        "../envs/geo.yaml"
    resources:
        mem_mb=500,
        runtime=5,
    params:
        code=CODE_SHA256,
        producers=outputs_by_rule(),
        config_sha256=CONFIG_SHA256,
    script:
        "../scripts/manifest.py"
