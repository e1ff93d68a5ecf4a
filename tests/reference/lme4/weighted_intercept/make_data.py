"""Writes data.csv: a vote-weighted random-intercept design like the PC4 one (unbalanced groups, weights spread
over two orders of magnitude, residual variance inversely proportional to the weight). Seeded; run once."""

import numpy as np
import pandas as pd

rng = np.random.default_rng(20251029)
sizes = rng.integers(1, 25, size=40)
group = np.repeat([f"g{k:02d}" for k in range(len(sizes))], sizes)
n = len(group)
votes = rng.integers(50, 5000, size=n).astype(float)
x = rng.normal(size=n)
urban = (rng.uniform(size=n) < 0.3).astype(float)
u = rng.normal(scale=0.06, size=len(sizes))[pd.factorize(group)[0]]
y = 0.4 + 0.05 * x - 0.03 * urban + u + rng.normal(size=n) * 0.08 / np.sqrt(votes / votes.mean())
pd.DataFrame({"group": group, "votes": votes, "x": x, "urban": urban, "y": y}).to_csv("data.csv", index=False,
                                                                                         float_format="%.12g")
