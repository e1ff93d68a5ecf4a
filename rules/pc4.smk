# Within municipalities (issue 22): TK2025 polling-station results on the real postcode areas (PC4) - stations
# placed by postcode and reconciled with the municipal result, weights among the areas with a value, Moran's I,
# LISA, the between/within-municipality split, regressions on the area covariates, a sensitivity run without
# special stations, and maps of the country and of five municipalities. Part of the default run.

PC4 = config["pc4"]
# The party groups (outsider under each named classification, orthodox-Protestant) this stage counts: the one
# place it reads the classification (config parties, checked in common.smk).
PC4_PARTY_GROUPS = PARTY_CLASSIFICATION.groups()


rule pc4_areas:
    input:
        election_zip=snapshot(PC4["election_zip"]),
        polygons=snapshot(PC4["polygons"]),
        centroids=snapshot(PC4["centroids"]),
        population_by_age=snapshot(PC4["population_by_age"]),
        woz_urbanity=snapshot(PC4["woz_urbanity"]),
    output:
        areas=f"{RESULTS}/interim/pc4/areas.parquet",
        sensitivity=f"{RESULTS}/interim/pc4/areas_without_special_stations.parquet",
        table=f"{RESULTS}/tables/pc4/areas.csv",
        stations=f"{RESULTS}/tables/pc4/stations.csv",
        reconciliation=report(
            f"{RESULTS}/tables/pc4/reconciliation.csv",
            caption="../workflow/report/pc4_reconciliation.rst",
            category="Within municipalities (PC4)",
            subcategory="Polling stations",
        ),
        excluded=f"{RESULTS}/tables/pc4/excluded_areas.csv",
    log:
        f"{LOGS}/pc4_areas.log",
    benchmark:
        f"{LOGS}/benchmarks/pc4_areas.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=5,
    params:
        code=code_of("scripts/pc4_areas.py"),
        party_groups=PC4_PARTY_GROUPS,
        special_stations=PC4["special_stations"],
    script:
        "../scripts/pc4_areas.py"


rule pc4_weights:
    input:
        areas=rules.pc4_areas.output.areas,
    output:
        layer=f"{RESULTS}/weights/pc4/layer_contiguity_edges.parquet",
        queen=f"{RESULTS}/weights/pc4/queen_edges.parquet",
        knn=f"{RESULTS}/weights/pc4/knn_edges.parquet",
        summary=f"{RESULTS}/weights/pc4/summary.json",
    log:
        f"{LOGS}/pc4_weights.log",
    benchmark:
        f"{LOGS}/benchmarks/pc4_weights.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=5,
    params:
        code=code_of("scripts/pc4_weights.py"),
        island_policy=config["weights"]["island_policy"],
        k=PC4["knn_k"],
    script:
        "../scripts/pc4_weights.py"


rule pc4_analysis:
    input:
        areas=rules.pc4_areas.output.areas,
        sensitivity=rules.pc4_areas.output.sensitivity,
        layer=rules.pc4_weights.output.layer,
        queen=rules.pc4_weights.output.queen,
        knn=rules.pc4_weights.output.knn,
        stations=rules.pc4_areas.output.stations,
        reconciliation=rules.pc4_areas.output.reconciliation,
    output:
        moran=report(
            f"{RESULTS}/tables/pc4/global_moran.csv",
            caption="../workflow/report/pc4_moran.rst",
            category="Within municipalities (PC4)",
            subcategory="Spatial autocorrelation",
        ),
        lisa=f"{RESULTS}/tables/pc4/lisa.csv",
        variance=f"{RESULTS}/tables/pc4/variance_split.csv",
        coefficients=f"{RESULTS}/tables/pc4/regression_coefficients.csv",
        models=f"{RESULTS}/tables/pc4/regression_models.csv",
        excluded=f"{RESULTS}/tables/pc4/regression_excluded.csv",
        residual_lisa=f"{RESULTS}/tables/pc4/residual_lisa.csv",
        insets=f"{RESULTS}/tables/pc4/insets.csv",
        sensitivity=f"{RESULTS}/tables/pc4/sensitivity.csv",
        report=f"{RESULTS}/reports/pc4.md",
    log:
        f"{LOGS}/pc4_analysis.log",
    benchmark:
        f"{LOGS}/benchmarks/pc4_analysis.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=10,
    params:
        code=code_of("scripts/pc4_analysis.py"),
        island_policy=config["weights"]["island_policy"],
        k=PC4["knn_k"],
        moran_permutations=PC4["moran_permutations"],
        lisa_permutations=PC4["lisa_permutations"],
        seed=PC4["seed"],
        alpha=PC4["alpha"],
        alternative=PC4["alternative"],
        insets=PC4["insets"],
        special_stations=PC4["special_stations"],
    script:
        "../scripts/pc4_analysis.py"


rule pc4_maps:
    input:
        areas=rules.pc4_areas.output.areas,
        lisa=rules.pc4_analysis.output.lisa,
        boundaries=rules.boundaries.output.parquet,
    output:
        country_png=report(
            f"{RESULTS}/figures/pc4/outsider_share.png",
            caption="../workflow/report/pc4_maps.rst",
            category="Within municipalities (PC4)",
            subcategory="Maps",
        ),
        country_pdf=f"{RESULTS}/figures/pc4/outsider_share.pdf",
        insets_png=report(
            f"{RESULTS}/figures/pc4/insets.png",
            caption="../workflow/report/pc4_maps.rst",
            category="Within municipalities (PC4)",
            subcategory="Maps",
        ),
        insets_pdf=f"{RESULTS}/figures/pc4/insets.pdf",
    log:
        f"{LOGS}/pc4_maps.log",
    benchmark:
        f"{LOGS}/benchmarks/pc4_maps.tsv"
    conda:
        "../envs/afgehaakt.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=5,
    params:
        code=code_of("scripts/pc4_maps.py"),
        language=config["outputs"]["language"],
        provenance=RUN,
        boundary_year=BOUNDARY_YEAR,
        maps=config["maps"],
        insets=PC4["insets"],
    script:
        "../scripts/pc4_maps.py"
