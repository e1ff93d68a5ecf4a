"""Rule moran_scatterplot: standardised indicator against its spatial lag, annotated with the test result."""

import pandas as pd

from afgehaakt import catalogue
from afgehaakt.features.codebook import election_outcome_definition
from afgehaakt.elections import analysis_values
from afgehaakt.logs import step_log
from afgehaakt.manifest import script_job_provenance
from afgehaakt.plotting.scatter import moran_scatterplot
from afgehaakt.spatial.weights import graph_from_edges
from afgehaakt.plotting.style import embedded_provenance

with step_log(snakemake.log[0], "moran_scatterplot"), embedded_provenance(script_job_provenance(snakemake, __file__)):
    election = catalogue.election(snakemake.wildcards.election)
    name = snakemake.wildcards.indicator
    indicator = election_outcome_definition(election.id, name)
    table = pd.read_parquet(snakemake.input.indicators)
    values, _ = analysis_values(table, name, above_one=snakemake.params.turnout_above_one)
    test = pd.read_csv(snakemake.input.moran).set_index("variable").loc[name]
    flagged = table.loc[table["turnout_above_one"], ["code", "name"]] if name == "turnout" else None
    moran_scatterplot(
        values,
        graph_from_edges(pd.read_parquet(snakemake.input.edges), tuple(sorted(table["code"]))),
        transformation=snakemake.params.weights["transformation"],
        title=f"Moran scatterplot: {indicator.label}",
        annotation=(
            f"Moran's I = {test.statistic:.4f}, E[I] = {test.expected:.4f}, z = {test.z_randomisation:.2f}; "
            f"permutation p = {test.p_permutation:.4g} ({test.permutations} permutations, seed {test.seed}, "
            f"alternative {test.alternative}); weights {test.weights}, {test.island_policy}"
        ),
        label_units=None if flagged is None else flagged.set_index("code")["name"],
        paths=[snakemake.output.png, snakemake.output.pdf],
    )
