"""Rule letter_groups: mid-sized municipalities (size classes, block-bootstrap intervals, stacked x size models)
and the middle income groups (ecological correlations and models)."""

import geopandas as gpd
import pandas as pd

from afgehaakt import catalogue
from afgehaakt.labels import Labels
from afgehaakt.logs import step_log
from afgehaakt.manifest import script_job_provenance
from afgehaakt.models.letter_groups import SIZE_SOURCE, letter_group_tables
from afgehaakt.outputs import write_table
from afgehaakt.plotting.letter_groups import size_class_series
from afgehaakt.plotting.style import embedded_provenance
from afgehaakt.spatial.analyses import analysis_table, graphs_from_edges

with step_log(snakemake.log[0], "letter_groups") as log, embedded_provenance(script_job_provenance(snakemake, __file__)):
    table = analysis_table(pd.read_parquet(snakemake.input.features),
                           pd.read_csv(snakemake.input.stacked, dtype={"code": str}))
    graph = graphs_from_edges({"queen": pd.read_parquet(snakemake.input.edges)}, list(table.index))["queen"]
    boundaries = gpd.read_parquet(snakemake.input.boundaries)
    points = boundaries.geometry.representative_point()
    centroids = pd.DataFrame({"code": boundaries["code"].astype(str), "x": points.x, "y": points.y})
    series = {election: pd.read_parquet(path).astype({"code": str})
              for election, path in zip(snakemake.params.series, snakemake.input.series)}
    tables = letter_group_tables(table, series, centroids, graph, snakemake.params.settings,
                                 snakemake.params.elections)
    log.info("size classes: %s", tables.classes["size_class"].value_counts(sort=False).to_dict())
    log.info("interaction models:\n%s", tables.interaction_models.to_string())
    log.info("middle groups:\n%s", tables.middle_correlations[["outcome", "predictor", "r", "ci_low", "ci_high"]]
             .to_string())
    for name in ("classes", "class_means", "interaction_coefficients", "interaction_models", "middle_correlations",
                 "middle_coefficients", "middle_models"):
        write_table(getattr(tables, name), getattr(snakemake.output, name))
    labels = Labels(snakemake.params.language)
    sources = "; ".join([SIZE_SOURCE, *(catalogue.election(e).attribution for e in snakemake.params.series)])
    size_class_series(tables.class_means[tables.class_means["election"] != ""], variables=("turnout", "outsider_share"),
                      source_line=labels.source(sources + "."), paths=[snakemake.output.figure_png,
                                                                       snakemake.output.figure_pdf], labels=labels)
