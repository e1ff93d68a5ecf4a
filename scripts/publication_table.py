"""Rules publication_table and synthetic_survey_table: one result table formatted for publication, as CSV, Markdown
and LaTeX (the latter marked as a methods demonstration on synthetic data)."""

import json
from pathlib import Path

import pandas as pd

from afgehaakt.labels import Labels
from afgehaakt.logs import step_log
from afgehaakt.tables import build, demonstration, of_outcome, write_publication_table


def _read(path):
    return json.loads(Path(path).read_text(encoding="utf-8")) if path.endswith(".json") else pd.read_csv(path)


with step_log(snakemake.log[0], "publication_table") as log:
    frames = of_outcome({name: _read(path) for name, path in snakemake.input.items()}, snakemake.params.outcome)
    labels = Labels(snakemake.params.language)
    table = build(snakemake.params.builder, frames, labels, snakemake.wildcards.table)
    if snakemake.params.demonstration:  # rule synthetic_survey_table: the methods demonstration
        table = demonstration(table, labels)
    written = write_publication_table(table, Path(snakemake.output.csv).with_suffix(""))
    log.info("wrote %s (%d rows, language %s)", ", ".join(map(str, written)), len(table.rows),
             snakemake.params.language)
