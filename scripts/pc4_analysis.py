"""Rule pc4_analysis: Moran's I and LISA of the outsider share per postcode area, the between/within-municipality
split, regressions on the area covariates with residual LISA, the five inset municipalities, and the same
headline numbers without the special stations (sensitivity run)."""

import geopandas as gpd
import pandas as pd

from afgehaakt.logs import step_log
from afgehaakt.outputs import atomic_path, write_table
from afgehaakt.pc4.analysis import (
    OUTCOME,
    AreaWeights,
    area_regressions,
    area_weights,
    global_moran_rows,
    inset_summary,
    lisa_table,
    regression_frame,
    sensitivity_rows,
    value_sample,
    variance_split,
)
from afgehaakt.pc4.report import pc4_report
from afgehaakt.pc4.stations import SpecialStationRule
from afgehaakt.spatial.weights import IslandPolicy

params = snakemake.params
policy = IslandPolicy(**params.island_policy)
lisa_settings = dict(permutations=params.lisa_permutations, seed=params.seed, alpha=params.alpha, draws="independent")


def weights_of(areas, sample, name):
    return area_weights(areas, sample, policy=policy, k=params.k, sample_name=name, contiguity=layer)


def headline(areas, weights, name):
    """Global Moran, the variance split and the regressions of one set of areas."""
    values = areas.set_index("pc4").loc[value_sample(areas).to_numpy(), OUTCOME]
    moran = global_moran_rows(values, weights, alternative=params.alternative, sample=name,
                              permutations=params.moran_permutations, seed=params.seed)
    frame, excluded = regression_frame(areas)
    return moran, variance_split(frame, sample=name), area_regressions(frame, sample=name), frame, excluded


with step_log(snakemake.log[0], "pc4_analysis") as log:
    layer = pd.read_parquet(snakemake.input.layer)
    areas = gpd.read_parquet(snakemake.input.areas)
    sample = value_sample(areas)
    ids = tuple(sorted(areas.loc[sample, "pc4"]))
    weights = AreaWeights(ids=ids, summaries={}, edges={"queen": pd.read_parquet(snakemake.input.queen),
                                                        "knn": pd.read_parquet(snakemake.input.knn)})
    moran, split, regressions, frame, excluded = headline(areas, weights, "all stations")
    log.info("Moran's I: %s; between-municipality share %.3f", moran.set_index("weights")["statistic"].to_dict(),
             split["between_share"])
    values = areas.set_index("pc4").loc[list(ids), OUTCOME]
    lisa = lisa_table(values, weights, **lisa_settings)
    residual_weights = weights_of(areas.set_index("pc4").loc[frame.index].reset_index(),
                                  pd.Series(True, index=frame.index), "regression sample")
    residual_lisa = lisa_table(regressions.residuals, residual_weights, **lisa_settings)
    log.info("LISA FDR clusters: %s; residual LISA: %s", lisa["cluster_fdr"].value_counts().to_dict(),
             residual_lisa["cluster_fdr"].value_counts().to_dict())
    sensitivity_areas = gpd.read_parquet(snakemake.input.sensitivity)
    sensitivity_weights = weights_of(sensitivity_areas, value_sample(sensitivity_areas), "without special stations")
    s_moran, s_split, s_regressions, _, _ = headline(sensitivity_areas, sensitivity_weights, "without special stations")
    comparison = sensitivity_rows("all stations", areas, moran, split, regressions.coefficients).merge(
        sensitivity_rows("without special stations", sensitivity_areas, s_moran, s_split, s_regressions.coefficients),
        on="quantity", how="outer", sort=False)
    moran_table = pd.concat([moran, s_moran], ignore_index=True)
    splits = pd.DataFrame([split, s_split])
    insets = inset_summary(areas, lisa, list(params.insets))
    report = pc4_report(reconciliation=pd.read_csv(snakemake.input.reconciliation, dtype={"region": str}),
                        stations=pd.read_csv(snakemake.input.stations, dtype=str, keep_default_na=False)
                        .astype({"votes": "int64"}), moran=moran_table, split=splits, sensitivity=comparison,
                        insets=insets, special_rule=SpecialStationRule(**params.special_stations).describe())
    with atomic_path(snakemake.output.report) as temporary:
        temporary.write_text(report, encoding="utf-8")
    write_table(moran_table, snakemake.output.moran)
    write_table(lisa, snakemake.output.lisa)
    write_table(splits, snakemake.output.variance)
    write_table(pd.concat([regressions.coefficients, s_regressions.coefficients], ignore_index=True),
                snakemake.output.coefficients)
    write_table(pd.concat([regressions.models, s_regressions.models], ignore_index=True), snakemake.output.models)
    write_table(excluded, snakemake.output.excluded)
    write_table(residual_lisa, snakemake.output.residual_lisa)
    write_table(insets, snakemake.output.insets)
    write_table(comparison, snakemake.output.sensitivity)
