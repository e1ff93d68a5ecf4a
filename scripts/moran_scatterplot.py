"""Rule moran_scatterplot: standardised indicator against its spatial lag, annotated with the test result."""

import pandas as pd

from afgehaakt import catalogue
from afgehaakt.elections import analysis_values
from afgehaakt.labels import Labels
from afgehaakt.logs import step_log
from afgehaakt.manifest import script_job_provenance
from afgehaakt.plotting.scatter import moran_scatterplot
from afgehaakt.spatial.weights import graph_from_edges
from afgehaakt.plotting.style import embedded_provenance

with step_log(snakemake.log[0], "moran_scatterplot"), embedded_provenance(script_job_provenance(snakemake, __file__)):
    election = catalogue.election(snakemake.wildcards.election)
    name = snakemake.wildcards.indicator
    table = pd.read_parquet(snakemake.input.indicators)
    values, _ = analysis_values(table, name, above_one=snakemake.params.turnout_above_one)
    test = pd.read_csv(snakemake.input.moran).set_index("variable").loc[name]
    flagged = table.loc[table["turnout_above_one"], ["code", "name"]] if name == "turnout" else None
    moran_scatterplot(
        values.rename(name),
        graph_from_edges(pd.read_parquet(snakemake.input.edges), tuple(sorted(table["code"]))),
        transformation=snakemake.params.weights["transformation"],
        election=election.label,
        test=test,
        label_units=None if flagged is None else flagged.set_index("code")["name"],
        paths=[snakemake.output.png, snakemake.output.pdf],
        labels=Labels(snakemake.params.language),
    )
