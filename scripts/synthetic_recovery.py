"""Rule synthetic_recovery: the recovery study of the methods demonstration and the default draw's confounding."""

import json

import geopandas as gpd
import pandas as pd

from afgehaakt.logs import step_log
from afgehaakt.outputs import write_table
from afgehaakt.spatial.distance_weights import municipal_centroids
from afgehaakt.survey.municipal_inputs import municipal_survey_table
from afgehaakt.survey.recovery import realised_confounding, recovery_replicate, recovery_summary
from afgehaakt.survey.synthetic import SurveyDesign, TrueParameters

with step_log(snakemake.log[0], "synthetic_recovery") as log:
    boundaries = gpd.read_parquet(snakemake.input.boundaries)
    municipal = municipal_survey_table(pd.read_parquet(snakemake.input.features),
                                       pd.read_csv(snakemake.input.stacked, dtype={"code": str}), boundaries)
    centroids = municipal_centroids(boundaries, id_column="code")
    synthetic = snakemake.params.survey["synthetic"]
    design = SurveyDesign(n_respondents=synthetic["respondents"], min_per_municipality=synthetic["min_per_municipality"],
                          seed=synthetic["seed"])
    record = json.loads(open(snakemake.input.record, encoding="utf-8").read())
    draw = realised_confounding(pd.read_parquet(snakemake.input.respondents), record)
    log.info("default draw: %s", draw)
    recovery = synthetic["recovery"]
    # The survey_respondents rule draws with the default truth, so the replicates do too.
    replicates = pd.concat([recovery_replicate(municipal, centroids, design=design, parameters=TrueParameters(),
                                               replicate=r, seed=recovery["seed"])
                            for r in range(recovery["replicates"])], ignore_index=True)
    summary = recovery_summary(replicates)
    for row in summary.itertuples():
        log.info("%s %s: bias %.4f (MC SE %.4f), SD %.4f vs mean SE %.4f, coverage %.3f [%.3f, %.3f]", row.model,
                 row.term, row.bias, row.bias_mc_se, row.sd_estimate, row.mean_se, row.coverage,
                 row.coverage_ci95_low, row.coverage_ci95_high)
    write_table(replicates.assign(synthetic=True), snakemake.output.replicates)
    write_table(summary, snakemake.output.summary)
    write_table(pd.DataFrame([draw]).assign(synthetic=True), snakemake.output.draw)
