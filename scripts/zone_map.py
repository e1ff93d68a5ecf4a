"""Rule zone_map: residuals of one outcome with the high-residual clusters and their principal axis."""

import geopandas as gpd
import pandas as pd

from afgehaakt import catalogue
from afgehaakt.logs import step_log
from afgehaakt.manifest import script_job_provenance
from afgehaakt.plotting.clusters import zone_map
from afgehaakt.spatial.analyses import principal_axis_of
from afgehaakt.plotting.style import embedded_provenance

with step_log(snakemake.log[0], "zone_map"), embedded_provenance(script_job_provenance(snakemake, __file__)):
    residuals = pd.read_csv(snakemake.input.residuals, dtype={"code": str})
    outcome = residuals[residuals["outcome"].str.startswith(snakemake.wildcards.outcome)]
    axis = pd.read_csv(snakemake.input.axis)
    axis = axis[(axis["outcome"] == outcome["outcome"].iloc[0]) & (axis["clusters"] == "unadjusted")].iloc[0]
    boundaries = gpd.read_parquet(snakemake.input.boundaries)
    high = outcome.loc[outcome["cluster"] == "HH", "code"].tolist()
    angle, centre = (None, None)
    if len(high) >= 3:
        principal, mean = principal_axis_of(boundaries, high)
        angle, centre = principal.angle_degrees, (float(mean["x"]), float(mean["y"]))
    caption = (f"Residuals of {outcome['outcome'].iloc[0]} given the covariates; outlined: municipalities in "
               f"significant high-residual (HH) LISA clusters ({len(high)}). ")
    if len(high) >= 3:
        caption += (f"Principal axis {axis['angle_degrees']:.0f} deg (SW-NE = 45), elongation "
                    f"{axis['elongation']:.2f}; random connected clusters of the same sizes at least as close to "
                    f"45 deg and as elongated: p = {axis['p_both']:.3f} ({int(axis['draws'])} draws, seed "
                    f"{int(axis['seed'])}).")
    zone_map(boundaries, outcome.set_index("code")["residual"], high, axis_angle_degrees=angle,
             axis_centre=centre,
             residual_label=("residual: + = better than predicted"
                             if outcome["orientation"].iloc[0] == "as observed"
                             else "residual, sign reversed: + = lower than predicted (better)"),
             title=f"Burgerschapszone: where {outcome['outcome'].iloc[0]} beats its prediction",
             caption=caption,
             source_line=f"Source: {catalogue.FEATURE_ATTRIBUTION}; Kiesraad; "
             f"{catalogue.boundaries(snakemake.params.boundary_year).attribution}.",
             paths=[snakemake.output.png, snakemake.output.pdf])
