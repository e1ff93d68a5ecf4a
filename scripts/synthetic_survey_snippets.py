"""Rule synthetic_survey_snippets: the numbers of the methods demonstration on the synthetic survey, under their
own names (synthetic_...), as Markdown, LaTeX and JSON; never among the headline numbers."""

from pathlib import Path

import pandas as pd

from afgehaakt.logs import step_log
from afgehaakt.outputs import atomic_path, write_json
from afgehaakt.snippets import Headline, as_records, icc_headlines, latex, markdown

QUALIFIER = "SYNTHETIC survey, methods demonstration, not a finding"

with step_log(snakemake.log[0], "synthetic_survey_snippets") as log:
    results_dir = Path(snakemake.output.json).parents[1]
    source = {name: Path(path).relative_to(results_dir).as_posix() for name, path in snakemake.input.items()}
    comparisons = {name: pd.read_csv(snakemake.input[name]).set_index("model") for name in ("trust", "turnout")}
    headlines = icc_headlines(comparisons, source, prefix="synthetic_", qualifier=QUALIFIER)
    fixed = pd.read_csv(snakemake.input.trust_fixed).set_index(["model", "term"])
    for model in [m for m in fixed.index.get_level_values("model").unique() if m.startswith("M3")]:
        row = fixed.loc[(model, "stacked_disadvantage")]
        stem = f"synthetic_{model.lower()}_regional_effect"
        headlines += [
            Headline(stem, row["estimate"], 2, source["trust_fixed"],
                     f"{model}: effect of stacked disadvantage on trust ({QUALIFIER})"),
            Headline(f"{stem}_ci_low", row["ci_low"], 2, source["trust_fixed"], f"its 95% interval, lower bound"),
            Headline(f"{stem}_ci_high", row["ci_high"], 2, source["trust_fixed"], f"its 95% interval, upper bound"),
        ]
        if "true_value" in row.index:
            headlines.append(Headline(f"{stem}_true", row["true_value"], 2, source["trust_fixed"],
                                      "the true value the synthetic survey was drawn with"))
    log.info("%d demonstration numbers", len(headlines))
    for path, text in ((snakemake.output.markdown, markdown(headlines)), (snakemake.output.latex, latex(headlines))):
        with atomic_path(path) as temporary:
            temporary.write_text(text, encoding="utf-8")
    write_json({"synthetic": True, "headlines": as_records(headlines)}, snakemake.output.json)
