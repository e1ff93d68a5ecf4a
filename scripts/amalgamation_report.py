"""Rule amalgamation_report: the written report of the amalgamation study from its estimate tables."""

import pandas as pd

from afgehaakt.logs import step_log
from afgehaakt.models.staggered.report import amalgamation_report
from afgehaakt.outputs import atomic_path

with step_log(snakemake.log[0], "amalgamation_report"):
    outcomes = snakemake.params.amalgamation["outcomes"]
    estimates = {o: pd.read_csv(p) for o, p in zip(outcomes, snakemake.input.estimates, strict=True)}
    placebos = {o: pd.read_csv(p).iloc[0] for o, p in zip(outcomes, snakemake.input.placebo_summary, strict=True)}
    text = amalgamation_report(estimates, placebos, pd.read_csv(snakemake.input.units, dtype={"code": str}))
    with atomic_path(snakemake.output.report) as temporary:
        temporary.write_text(text, encoding="utf-8")
