"""Write the two data sets on which reference.R fits the nested model with lme4 (fixed seed; rerun gives the same bytes).

    .venv/bin/python tests/reference/lme4/nested/make_data.py

Respondents in 240 municipalities in 12 regions, municipal sizes 5 to 40. ``with_upper_variance.csv`` has a region
SD of 0.5 (clearly away from zero); ``without_upper_variance.csv`` has none, so the maximum of the likelihood lies on
the boundary (region variance 0) and the fit must recognise it as a maximum there. Invented numbers, not real data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SEED = 20261208
N_REGIONS, MUNICIPALITIES_PER_REGION = 12, 20
REGION_SD = {"with_upper_variance": 0.5, "without_upper_variance": 0.0}
MUNICIPAL_SD, RESIDUAL_SD = 0.3, 1.0


def nested_data(region_sd: float, rng: np.random.Generator) -> pd.DataFrame:
    n_municipalities = N_REGIONS * MUNICIPALITIES_PER_REGION
    sizes = rng.integers(5, 41, size=n_municipalities)
    municipality = np.repeat(np.arange(n_municipalities), sizes)
    region = municipality // MUNICIPALITIES_PER_REGION
    n = len(municipality)
    x = rng.normal(size=n)
    d = rng.integers(0, 2, size=n)
    y = (1.0 + 0.5 * x - 0.3 * d + region_sd * rng.normal(size=N_REGIONS)[region]
         + MUNICIPAL_SD * rng.normal(size=n_municipalities)[municipality] + RESIDUAL_SD * rng.normal(size=n))
    return pd.DataFrame({"y": y, "x": x, "d": d, "municipality": [f"m{m:03d}" for m in municipality],
                         "region": [f"r{r:02d}" for r in region]})


def main() -> None:
    rng = np.random.default_rng(SEED)
    for name, region_sd in REGION_SD.items():
        nested_data(region_sd, rng).to_csv(HERE / f"{name}.csv", index=False, float_format="%.10g",
                                           lineterminator="\n")


if __name__ == "__main__":
    main()
