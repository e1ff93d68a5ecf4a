"""Rule pc4_maps: the outsider share per postcode area and its LISA clusters for the country, and the inset
municipalities of the Atlas, with areas without a polling station shown as missing."""

import geopandas as gpd
import pandas as pd

from afgehaakt import catalogue
from afgehaakt.labels import Labels
from afgehaakt.logs import step_log
from afgehaakt.manifest import script_job_provenance
from afgehaakt.pc4.analysis import OUTCOME
from afgehaakt.plotting.pc4 import country_maps, inset_maps
from afgehaakt.plotting.style import embedded_provenance

with step_log(snakemake.log[0], "pc4_maps"), embedded_provenance(script_job_provenance(snakemake, __file__)):
    labels = Labels(snakemake.params.language)
    areas = gpd.read_parquet(snakemake.input.areas)
    lisa = pd.read_csv(snakemake.input.lisa, dtype={"code": str})
    municipalities = gpd.read_parquet(snakemake.input.boundaries)
    source_line = labels.source(f"Kiesraad TK2025 per stembureau; CBS PC4 2020 (CC BY 4.0); "
                                f"{catalogue.boundaries(snakemake.params.boundary_year).attribution}.")
    shared = dict(column=OUTCOME, source_line=source_line, labels=labels, **snakemake.params.maps)
    country_maps(areas, lisa, municipalities, paths=[snakemake.output.country_png, snakemake.output.country_pdf],
                 **shared)
    inset_maps(areas, lisa, list(snakemake.params.insets),
               paths=[snakemake.output.insets_png, snakemake.output.insets_pdf], **shared)
