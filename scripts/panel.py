"""Rule panel: turnout and outsider share across elections with linearmodels, and the panel's spatial checks."""

import pandas as pd

from afgehaakt.logs import step_log
from afgehaakt.models.panel import build_panel
from afgehaakt.models.panel.study import panel_analysis
from afgehaakt.outputs import atomic_path, write_table
from afgehaakt.plotting.panel import regression_table
from afgehaakt.spatial.weights import graph_from_edges

with step_log(snakemake.log[0], "panel") as log:
    settings = snakemake.params.panel
    features = pd.read_parquet(snakemake.input.features)
    panel = build_panel(features, elections=tuple(settings["elections"]), include_ep=settings["include_ep"],
                        covariates=(settings["covariate"],), time_varying=tuple(settings["time_varying"]),
                        above_one=snakemake.params.turnout_above_one)
    graph = graph_from_edges(pd.read_parquet(snakemake.input.edges), tuple(sorted(features["code"])))
    analysis = panel_analysis(panel, graph, outcomes=settings["outcomes"], covariate=settings["covariate"],
                              time_varying=settings["time_varying"], clusters=settings["clusters"],
                              weights_name="queen", island_policy=snakemake.params.island_policy,
                              permutations=settings["permutations"], seed=settings["seed"],
                              alternative=snakemake.params.alternative)
    log.info("panel: %d municipalities x %d elections; %s", panel.table["code"].nunique(), len(panel.elections),
             panel.note if hasattr(panel, "note") else "")
    write_table(panel.table, snakemake.output.panel)
    write_table(analysis.coefficients, snakemake.output.coefficients)
    write_table(analysis.info, snakemake.output.info)
    write_table(analysis.gradient, snakemake.output.gradient)
    write_table(analysis.tests, snakemake.output.tests)
    write_table(analysis.moran, snakemake.output.moran)
    results = [m for suite in analysis.suites.values()
               for m in (suite.gradient.model, suite.random_effects, suite.first_difference)]
    for path, output in ((snakemake.output.markdown, "markdown"), (snakemake.output.latex, "latex")):
        with atomic_path(path) as temporary:
            temporary.write_text(regression_table(results, output=output) + "\n", encoding="utf-8")
