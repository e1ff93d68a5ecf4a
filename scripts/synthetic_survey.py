"""Rule survey_respondents: the synthetic survey with known truth, or real microdata through the adapter."""

import geopandas as gpd
import pandas as pd

from afgehaakt.logs import step_log
from afgehaakt.outputs import write_json, write_table
from afgehaakt.survey.microdata import column_map_from_config, read_microdata
from afgehaakt.survey.municipal_inputs import (
    attach_context,
    individual_stacked_disadvantage,
    municipal_survey_table,
)
from afgehaakt.survey.synthetic import SurveyDesign, generate_survey

with step_log(snakemake.log[0], "survey_respondents") as log:
    municipal = municipal_survey_table(pd.read_parquet(snakemake.input.features),
                                       pd.read_csv(snakemake.input.stacked, dtype={"code": str}),
                                       gpd.read_parquet(snakemake.input.boundaries))
    settings = snakemake.params.survey
    if settings["source"] == "synthetic":
        synthetic = settings["synthetic"]
        survey = generate_survey(municipal, design=SurveyDesign(
            n_respondents=synthetic["respondents"], min_per_municipality=synthetic["min_per_municipality"],
            seed=synthetic["seed"]), source=snakemake.input.features)
        respondents, record = survey.respondents, survey.truth
        log.info("synthetic survey: %d respondents in %d municipalities", len(respondents),
                 respondents["municipality"].nunique())
    else:
        microdata = settings["microdata"]
        membership = None if not microdata.get("membership") else pd.read_csv(microdata["membership"], dtype=str)
        data = read_microdata(microdata["file"], column_map_from_config(microdata["columns"],
                                                                        key="survey.microdata.columns"),
                              level=microdata.get("level"), membership=membership)
        respondents = attach_context(data, municipal, membership)
        record = {"synthetic": False, "source": str(microdata["file"]), "rows_read": data.n_read,
                  "rows_kept": data.n_kept, "exclusions": data.exclusion_counts().to_dict("records"),
                  "level": data.level, "groups": int(respondents["group"].nunique()),
                  "design_weights_supplied": data.weights_supplied}
        log.info("microdata: %d of %d rows kept, %d %s groups; exclusions %s", data.n_kept, data.n_read,
                 record["groups"], data.level, record["exclusions"])
    domains = individual_stacked_disadvantage(respondents)
    respondents = respondents.assign(disadvantaged_domains=domains)
    record = {**record, "individual_domains": domains.attrs["domains"],
              "individual_domains_missing": domains.attrs["missing_domains"]}
    write_table(respondents, snakemake.output.respondents)
    write_json(record, snakemake.output.record)
