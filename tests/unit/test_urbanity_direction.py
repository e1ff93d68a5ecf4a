"""``urbanity`` reads the right way round: higher is more urban (CBS's class runs the other way)."""

import numpy as np
import pandas as pd

from afgehaakt.features.codebook import MUNICIPAL_INDICATORS
from afgehaakt.features.municipal import urbanity_from_cbs_class
from afgehaakt.io.statline import KWB_2021, read_municipal_table

AMSTERDAM, SCHIERMONNIKOOG = "0363", "0088"


def test_cbs_class_is_reversed():
    cbs = pd.DataFrame({"code": ["a", "b", "c"], "urbanity": [1, 3, 5]})
    assert urbanity_from_cbs_class(cbs)["urbanity"].tolist() == [5, 3, 1]


def test_on_the_real_table_the_most_urban_municipalities_score_highest(repo):
    kwb = urbanity_from_cbs_class(read_municipal_table(repo / "data/cbs/kwb2021_gemeente_wonen_stedelijkheid.csv",
                                                       KWB_2021)).set_index("code")
    assert kwb.loc[AMSTERDAM, "urbanity"] == 5 and kwb.loc[SCHIERMONNIKOOG, "urbanity"] == 1
    density = kwb["population_density"].astype(float)
    assert np.corrcoef(kwb["urbanity"].astype(float), np.log(density))[0, 1] > 0.7


def test_the_codebook_says_which_way_it_runs():
    definition = next(d for d in MUNICIPAL_INDICATORS if d.name == "urbanity")
    assert "higher is more urban" in definition.definition
