"""Small-cell suppression for tables derived from survey microdata.

:func:`suppress_small_cells` blanks the values of every row (cell of a table) that rests on fewer than ``N``
respondents and marks it in a ``suppressed`` column, so that a published table never shows an estimate for a
group that small. ``N`` comes from config (``disclosure.min_respondents``, see :func:`threshold_from_config`),
default :data:`DEFAULT_THRESHOLD` = 10.

The results scan that checks the published tables is :mod:`afgehaakt.disclosure.scanner`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from afgehaakt.errors import ConfigError

DEFAULT_THRESHOLD = 10
"""Minimum number of respondents behind a published cell (CBS's and most statistical offices' usual rule)."""
SUPPRESSED_COLUMN = "suppressed"
_TRUE_TEXT = {"true", "1", "yes", "y", "t"}


@dataclass(frozen=True)
class Suppression:
    """The table with small cells blanked and flagged, and what was done.

    ``suppressed_rows``: rows (cells of the published table) newly suppressed; ``suppressed_values``: non-missing
    values blanked in them (value columns and, with ``blank_count``, the count).
    """

    table: pd.DataFrame
    count_column: str
    threshold: int
    value_columns: tuple[str, ...]
    suppressed_rows: int
    suppressed_values: int


def suppress_small_cells(
    table: pd.DataFrame,
    count_column: str,
    threshold: int = DEFAULT_THRESHOLD,
    value_columns: Sequence[str] | None = None,
    *,
    blank_count: bool = True,
) -> Suppression:
    """Blank the values of every row based on fewer than ``threshold`` respondents and flag it ``suppressed``.

    A row is suppressed when its ``count_column`` is below ``threshold`` or missing (an unknown count is not safe
    to publish). ``value_columns`` are the estimates to blank; ``None`` means every numeric column other than the
    count and the flag. With ``blank_count`` (default) the count itself is blanked too, so the table shows only
    that the cell is below ``threshold``. Blanked integer and boolean columns become pandas' nullable types; the
    input is not changed. An existing ``suppressed`` column is kept (rows already suppressed stay so), so that
    applying the function twice changes nothing.
    """
    threshold = check_threshold(threshold)
    if count_column not in table.columns:
        raise KeyError(f"no respondent-count column {count_column!r}; the table has {list(table.columns)}")
    counts = pd.to_numeric(table[count_column], errors="raise")
    if (counts.dropna() < 0).any():
        first = counts.index[(counts < 0).fillna(False).to_numpy()][0]
        raise ValueError(f"negative respondent count {counts[first]} in column {count_column!r}, row {first}")
    if value_columns is None:
        value_columns = [
            name for name in table.columns
            if name not in (count_column, SUPPRESSED_COLUMN) and pd.api.types.is_numeric_dtype(table[name])
            and not pd.api.types.is_bool_dtype(table[name])
        ]
    unknown = [name for name in value_columns if name not in table.columns]
    if unknown:
        raise KeyError(f"value column(s) {unknown} are not in the table")
    if count_column in value_columns:
        raise ValueError(f"{count_column!r} is the count column; use blank_count to blank it")

    already = truthy(table[SUPPRESSED_COLUMN]) if SUPPRESSED_COLUMN in table.columns else pd.Series(
        False, index=table.index)
    small = (counts < threshold).fillna(True).astype(bool) | counts.isna()
    newly = small & ~already
    out = table.copy()
    blanked = [*value_columns, *([count_column] if blank_count else [])]
    values_blanked = 0
    rows = small.to_numpy()
    for name in blanked:
        values_blanked += int(out.loc[newly, name].notna().sum())
        out[name] = _nullable(out[name])
        out.loc[rows, name] = pd.NA if not pd.api.types.is_float_dtype(out[name]) else np.nan
    out[SUPPRESSED_COLUMN] = (already | small).astype(bool)
    return Suppression(
        table=out,
        count_column=count_column,
        threshold=threshold,
        value_columns=tuple(value_columns),
        suppressed_rows=int(newly.sum()),
        suppressed_values=values_blanked,
    )


def threshold_from_config(config: Mapping[str, Any], *, key: str = "disclosure") -> int:
    """``config[key]["min_respondents"]``, default :data:`DEFAULT_THRESHOLD`; a bad value is a ConfigError."""
    section = config.get(key) or {}
    value = section.get("min_respondents", DEFAULT_THRESHOLD)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{key}.min_respondents", f"must be a whole number >= 1, got {value!r}")
    return value


def check_threshold(threshold: int) -> int:
    if isinstance(threshold, bool) or not isinstance(threshold, (int, np.integer)) or threshold < 1:
        raise ValueError(f"the threshold must be a whole number >= 1, got {threshold!r}")
    return int(threshold)


def _nullable(series: pd.Series) -> pd.Series:
    """A column that can hold a missing value: ints -> Int64, bools -> boolean, others unchanged."""
    if pd.api.types.is_bool_dtype(series) and not isinstance(series.dtype, pd.BooleanDtype):
        return series.astype("boolean")
    if pd.api.types.is_integer_dtype(series) and not isinstance(series.dtype, pd.api.extensions.ExtensionDtype):
        return series.astype("Int64")
    return series


def truthy(series: pd.Series) -> pd.Series:
    def one(value: object) -> bool:
        if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
            return False
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        if isinstance(value, (int, np.integer, float, np.floating)):
            return value == 1
        return str(value).strip().lower() in _TRUE_TEXT

    return series.map(one).astype(bool)
