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
    params:
        code=CODE_SHA256,
        maps=config["maps"],
        boundary_year=BOUNDARY_YEAR,
    log:
        "logs/choropleth/{election}_{indicator}.log",
    conda:
        "../envs/plot.yaml"
    resources:
        mem_mb=2000,
        runtime=5,
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
    params:
        code=CODE_SHA256,
        transformation=config["weights"]["transformation"],
        turnout_above_one=config["indicators"]["turnout_above_one"],
    log:
        "logs/moran_scatterplot/{election}_{indicator}.log",
    conda:
        "../envs/plot.yaml"
    resources:
        mem_mb=2000,
        runtime=5,
    script:
        "../scripts/moran_scatterplot.py"


def outputs_by_rule():
    """Every final output, keyed by the rule that writes it: the one list that `all` and the manifest share."""
    per_election = dict(election=ELECTIONS)
    per_indicator = dict(election=ELECTIONS, indicator=INDICATORS)
    producers = {
        "boundaries": list(rules.boundaries.output),
        "election_results": expand(rules.election_results.output, **per_election),
        "election_indicators": expand(rules.election_indicators.output, **per_election),
        "contiguity_weights": list(rules.contiguity_weights.output),
        "global_moran": expand(rules.global_moran.output, **per_election),
        "choropleth": expand(rules.choropleth.output, **per_indicator),
        "moran_scatterplot": expand(rules.moran_scatterplot.output, **per_indicator),
    }
    # Plain strings: rule outputs carry flags (report, ...) that cannot be passed to a script job.
    return {rule: [str(path) for path in paths] for rule, paths in producers.items()}


def all_outputs():
    return [path for paths in outputs_by_rule().values() for path in paths]


rule manifest:
    input:
        all_outputs(),
    output:
        manifest="results/manifest.tsv",
    params:
        code=CODE_SHA256,
        producers=outputs_by_rule(),
        config_sha256=CONFIG_SHA256,
    log:
        "logs/manifest.log",
    conda:
        "../envs/geo.yaml"
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "../scripts/manifest.py"
