"""Rule panel_figures: the education gradient per election, and maps of change between the first and last election."""

import geopandas as gpd
import pandas as pd

from afgehaakt import catalogue
from afgehaakt.labels import Labels
from afgehaakt.logs import step_log
from afgehaakt.manifest import script_job_provenance
from afgehaakt.models.panel import build_panel
from afgehaakt.plotting.panel import change_map, gradient_plot
from afgehaakt.plotting.style import embedded_provenance

with step_log(snakemake.log[0], "panel_figures"), embedded_provenance(script_job_provenance(snakemake, __file__)):
    labels = Labels(snakemake.params.language)
    settings = snakemake.params.panel
    outcome = snakemake.wildcards.panel_outcome
    gradient = pd.read_csv(snakemake.input.gradient)
    chosen = gradient[gradient["outcome"] == outcome]
    source = labels.source(f"{'; '.join(catalogue.election(e).attribution for e in settings['elections'])}.")
    gradient_plot(chosen[chosen["quantity"] == "change_since_reference"].drop(columns="outcome"),
                  levels=chosen[chosen["quantity"] == "level"].drop(columns="outcome"), variable=outcome,
                  source_line=source, paths=[snakemake.output.gradient_png, snakemake.output.gradient_pdf],
                  labels=labels)
    panel = build_panel(pd.read_parquet(snakemake.input.features), elections=tuple(settings["elections"]),
                        include_ep=settings["include_ep"], covariates=(settings["covariate"],),
                        above_one=snakemake.params.turnout_above_one)
    change_map(gpd.read_parquet(snakemake.input.boundaries), panel, outcome, settings["elections"][0],
               settings["elections"][-1], source_line=source,
               paths=[snakemake.output.change_png, snakemake.output.change_pdf], labels=labels)
