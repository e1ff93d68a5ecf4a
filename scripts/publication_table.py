"""Rule publication_table: one result table formatted for publication, as CSV, Markdown and LaTeX."""

import json
from pathlib import Path

import pandas as pd

from afgehaakt.labels import Labels
from afgehaakt.logs import step_log
from afgehaakt.tables import build, of_outcome, write_publication_table


def _read(path):
    return json.loads(Path(path).read_text(encoding="utf-8")) if path.endswith(".json") else pd.read_csv(path)


with step_log(snakemake.log[0], "publication_table") as log:
    frames = of_outcome({name: _read(path) for name, path in snakemake.input.items()}, snakemake.params.outcome)
    table = build(snakemake.params.builder, frames, Labels(snakemake.params.language), snakemake.wildcards.table)
    written = write_publication_table(table, Path(snakemake.output.csv).with_suffix(""))
    log.info("wrote %s (%d rows, language %s)", ", ".join(map(str, written)), len(table.rows),
             snakemake.params.language)
