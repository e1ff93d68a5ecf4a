"""Rule election_series: turnout and outsider share of the long TK series on one boundary year, with Moran's I."""

import geopandas as gpd
import pandas as pd

from afgehaakt import catalogue
from afgehaakt.labels import Labels
from afgehaakt.logs import step_log
from afgehaakt.manifest import script_job_provenance
from afgehaakt.outputs import write_table
from afgehaakt.plotting.panels import series_small_multiples
from afgehaakt.plotting.style import embedded_provenance
from afgehaakt.series import election_series, national_series, series_moran

with step_log(snakemake.log[0], "election_series") as log, embedded_provenance(
        script_job_provenance(snakemake, __file__)):
    elections = list(snakemake.params.elections)
    series = election_series({e: pd.read_parquet(p) for e, p in zip(elections, snakemake.input.indicators,
                                                                    strict=True)})
    moran = series_moran({e: pd.read_csv(p) for e, p in zip(elections, snakemake.input.moran, strict=True)})
    national = national_series(series)
    for row in national.itertuples():
        log.info("%s: turnout %.4f, outsider share %.4f (atlas %.4f)", row.election, row.turnout,
                 row.outsider_share, row.outsider_atlas_share)
    for row in moran.itertuples():
        log.info("%s %s: Moran's I %.4f (p_perm %.4g)", row.election, row.variable, row.statistic, row.p_permutation)
    write_table(series, snakemake.output.table)
    write_table(national, snakemake.output.national)
    write_table(moran, snakemake.output.moran)
    labels = Labels(snakemake.params.language)
    boundaries = gpd.read_parquet(snakemake.input.boundaries)
    source_line = labels.source("; ".join(catalogue.election(e).attribution for e in (elections[0], elections[-1]))
                                + f" and the elections between; {catalogue.HARMONISATION_ATTRIBUTION}; "
                                f"{catalogue.boundaries(snakemake.params.boundary_year).attribution}.")
    for variable, png, pdf in (("turnout", snakemake.output.turnout_png, snakemake.output.turnout_pdf),
                               ("outsider_share", snakemake.output.outsider_png, snakemake.output.outsider_pdf)):
        series_small_multiples(boundaries, series, variable, scheme=snakemake.params.maps["scheme"],
                               k=snakemake.params.maps["k"], colormap=snakemake.params.maps["colormap"],
                               boundary_year=snakemake.params.boundary_year, source_line=source_line,
                               paths=[png, pdf], labels=labels)
