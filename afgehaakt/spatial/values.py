"""Values aligned with a weights graph: one place that refuses missing units and non-finite values."""

from __future__ import annotations

import numpy as np
import pandas as pd
from libpysal.graph import Graph


def aligned_values(values: pd.Series, graph: Graph) -> np.ndarray:
    """``values`` (indexed by unit code) as a float array in the order of ``graph.unique_ids``."""
    ids = pd.Index(graph.unique_ids)
    missing = ids.difference(values.index)
    if len(missing):
        raise ValueError(f"{values.name}: no value for {len(missing)} units of the weights, e.g. {list(missing[:3])}")
    y = values.reindex(ids).to_numpy(dtype=float)
    if not np.isfinite(y).all():
        bad = ids[~np.isfinite(y)]
        raise ValueError(f"{values.name}: missing or infinite values for {list(bad[:5])}")
    return y


def aligned_frame(frame: pd.DataFrame, graph: Graph) -> pd.DataFrame:
    """The columns of ``frame`` (indexed by unit code) as floats in graph order, refusing gaps the same way."""
    ids = pd.Index(graph.unique_ids)
    columns = {column: aligned_values(frame[column].rename(column), graph) for column in frame.columns}
    return pd.DataFrame(columns, index=ids)
