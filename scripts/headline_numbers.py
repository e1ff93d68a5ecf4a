"""Rule headline_numbers: the statistics quoted in text, from the result tables, as Markdown, LaTeX and JSON."""

import json
from pathlib import Path

import pandas as pd

from afgehaakt.logs import step_log
from afgehaakt.outputs import atomic_path, write_json
from afgehaakt.snippets import Headline, as_records, icc_headlines, latex, markdown

with step_log(snakemake.log[0], "headline_numbers") as log:
    # Sources relative to the results folder: the folder's name changes with every commit, a quoted source must not.
    results_dir = Path(snakemake.output.json).parents[1]
    source = {name: Path(path).relative_to(results_dir).as_posix() for name, path in snakemake.input.items()}
    election = snakemake.params.focus_election
    moran = pd.read_csv(snakemake.input.moran).set_index("variable")
    stacked = json.loads(open(snakemake.input.stacked, encoding="utf-8").read())
    axis = pd.read_csv(snakemake.input.axis)
    headlines = [
        Headline(f"moran_turnout_{election}", moran.loc["turnout", "statistic"], 3, source["moran"],
                 f"Moran's I of turnout ({election}), queen weights"),
        Headline(f"moran_turnout_{election}_p", moran.loc["turnout", "p_permutation"], 4, source["moran"],
                 f"its permutation p-value ({int(moran.loc['turnout', 'permutations'])} permutations)"),
        Headline(f"moran_outsider_{election}", moran.loc["outsider_share", "statistic"], 3, source["moran"],
                 f"Moran's I of the outsider share ({election}), queen weights"),
        Headline("stacked_alpha", stacked["cronbach_alpha"], 2, source["stacked"],
                 "Cronbach's alpha of the stacked-disadvantage domains"),
        Headline("stacked_pc_share", stacked["pc1_explained_variance_ratio"], 2, source["stacked"],
                 "share of variance of the first principal component"),
    ]
    national = pd.read_csv(snakemake.input.series_national).set_index("election")
    series_moran = pd.read_csv(snakemake.input.series_moran).set_index(["election", "variable"])
    latest = national.index[-1]
    headlines += [
        Headline(f"turnout_{latest}", national.loc[latest, "turnout"], 3, source["series_national"],
                 f"turnout ({latest}), municipal sums (votes from abroad and the Caribbean excluded)"),
        Headline(f"outsider_{latest}", national.loc[latest, "outsider_share"], 3, source["series_national"],
                 f"outsider share of valid votes ({latest}), classification in use"),
        Headline(f"outsider_atlas_{latest}", national.loc[latest, "outsider_atlas_share"], 3,
                 source["series_national"], f"outsider share of valid votes ({latest}), the Atlas's six parties"),
        Headline(f"moran_turnout_{latest}", series_moran.loc[(latest, "turnout"), "statistic"], 3,
                 source["series_moran"], f"Moran's I of turnout ({latest}), queen weights"),
        Headline(f"moran_outsider_{latest}", series_moran.loc[(latest, "outsider_share"), "statistic"], 3,
                 source["series_moran"], f"Moran's I of the outsider share ({latest}), queen weights"),
    ]
    # Survey ICCs are headlines only when they come from real microdata (the rule then has them as inputs); the
    # synthetic survey's are in snippets/synthetic_survey_demonstration.*. A null model whose fit is not ok is
    # reported in its tables and left out here (multilevel.failed_fit).
    surveys = {name: pd.read_csv(snakemake.input[name]).set_index("model") for name in ("trust", "turnout")
               if name in snakemake.input.keys()}
    headlines += icc_headlines(surveys, source, qualifier="survey microdata")
    for headline in headlines:
        if headline.excluded:
            log.warning("headline %s excluded: its fit's status is %s", headline.name, headline.status)
    zone = axis[(axis["clusters"] == "unadjusted") & axis["p_both"].notna()]
    for row in zone.itertuples():
        headlines.append(Headline(f"zone_axis_p_{row.outcome}", row.p_both, 3, source["axis"],
                                  f"orientation test of high-residual clusters of {row.outcome} "
                                  f"({row.angle_degrees:.0f} degrees; SW-NE = 45)"))
    pc4_moran = pd.read_csv(snakemake.input.pc4_moran).set_index(["sample", "weights"])
    pc4_split = pd.read_csv(snakemake.input.pc4_variance).set_index("sample")
    placed = pd.read_csv(snakemake.input.pc4_reconciliation).set_index("level").loc["national"]
    headlines += [
        Headline("pc4_votes_placed_share", placed["votes_assigned"] / placed["station_votes"], 3,
                 source["pc4_reconciliation"], "share of TK2025 list votes whose polling station lies in a PC4 area"),
        Headline("pc4_moran_outsider", pc4_moran.loc[("all stations", "queen"), "statistic"], 3, source["pc4_moran"],
                 "Moran's I of the TK2025 outsider share per postcode area (PC4), queen weights"),
        Headline("pc4_between_share", pc4_split.loc["all stations", "between_share"], 3, source["pc4_variance"],
                 "share of the PC4 outsider-share variance between municipalities (vote-weighted null model)"),
    ]
    log.info("%d headline numbers", len(headlines))
    for path, text in ((snakemake.output.markdown, markdown(headlines)), (snakemake.output.latex, latex(headlines))):
        with atomic_path(path) as temporary:
            temporary.write_text(text, encoding="utf-8")
    write_json({"headlines": as_records(headlines)}, snakemake.output.json)
