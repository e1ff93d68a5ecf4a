"""Rule zone_map: residuals of one outcome with the high-residual clusters and, where tested, their principal axis."""

import geopandas as gpd
import pandas as pd

from afgehaakt import catalogue
from afgehaakt.labels import Labels
from afgehaakt.logs import step_log
from afgehaakt.manifest import script_job_provenance
from afgehaakt.plotting.clusters import zone_map
from afgehaakt.spatial.analyses import principal_axis_of
from afgehaakt.plotting.style import embedded_provenance

with step_log(snakemake.log[0], "zone_map"), embedded_provenance(script_job_provenance(snakemake, __file__)):
    labels = Labels(snakemake.params.language)
    residuals = pd.read_csv(snakemake.input.residuals, dtype={"code": str})
    outcome = residuals[residuals["outcome"].str.startswith(snakemake.wildcards.outcome)]
    axis = pd.read_csv(snakemake.input.axis)
    axis = axis[(axis["outcome"] == outcome["outcome"].iloc[0]) & (axis["clusters"] == "unadjusted")].iloc[0]
    tested = pd.notna(axis.get("angle_degrees"))  # the orientation test ran: enough units for an axis
    boundaries = gpd.read_parquet(snakemake.input.boundaries)
    high = outcome.loc[outcome["cluster"] == "HH", "code"].tolist()
    angle, centre = (None, None)
    if tested:
        principal, mean = principal_axis_of(boundaries, high)
        angle, centre = principal.angle_degrees, (float(mean["x"]), float(mean["y"]))
    zone_map(boundaries, outcome.set_index("code")["residual"], high, outcome=outcome["outcome"].iloc[0],
             orientation=outcome["orientation"].iloc[0], covariates=snakemake.params.covariates,
             axis=axis if tested else None, axis_angle_degrees=angle, axis_centre=centre,
             source_line=labels.source(f"{catalogue.FEATURE_ATTRIBUTION}; Kiesraad; "
                                       f"{catalogue.boundaries(snakemake.params.boundary_year).attribution}."),
             paths=[snakemake.output.png, snakemake.output.pdf], labels=labels)
