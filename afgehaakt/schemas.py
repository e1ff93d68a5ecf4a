"""Table schemas: the columns, dtypes, nullability, ranges, code formats and keys a table must have.

A small stand-in for pandera (not a dependency): a :class:`TableSchema` is declared once beside the code that
builds the table and checked with :meth:`TableSchema.validate` by every route that builds it, so that two
routes cannot drift apart. Errors name the table, the column and the row (with its key values).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd


class SchemaError(ValueError):
    """A table does not match its schema; the message names the table, the column and the row."""

    def __init__(self, table: str, problem: str, *, column: str | None = None, row: str | None = None) -> None:
        self.table = table
        self.column = column
        self.row = row
        self.problem = problem
        where = [f"table {table!r}"]
        if column is not None:
            where.append(f"column {column!r}")
        if row is not None:
            where.append(f"row {row}")
        super().__init__(f"{', '.join(where)}: {problem}")


@dataclass(frozen=True)
class Column:
    """One column: its pandas dtype name (``str(series.dtype)``: ``"string"``, ``"Int64"``, ``"float64"``...)
    and the constraints on its values. ``pattern`` is a regular expression every non-missing value must match
    in full; ``minimum`` and ``maximum`` are inclusive."""

    name: str
    dtype: str
    description: str
    nullable: bool = False
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    unique: bool = False


@dataclass(frozen=True)
class TableSchema:
    """A table's columns in order and the columns that identify a row (``key``, unique together)."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    description: str = ""
    _by_name: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = [column.name for column in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"schema {self.name!r} declares a column twice")
        unknown = [name for name in self.key if name not in names]
        if unknown:
            raise ValueError(f"schema {self.name!r}: key column(s) {unknown} are not declared")
        object.__setattr__(self, "_by_name", {column.name: column for column in self.columns})

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    def __getitem__(self, name: str) -> Column:
        return self._by_name[name]

    def validate(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Return ``frame`` unchanged if it matches the schema; raise :class:`SchemaError` at the first problem."""
        expected = self.column_names
        actual = [str(name) for name in frame.columns]
        if actual != expected:
            missing = [name for name in expected if name not in actual]
            extra = [name for name in actual if name not in expected]
            if missing or extra:
                problem = f"missing columns {missing}, unexpected columns {extra}"
            else:
                problem = f"columns in the order {actual}, expected {expected}"
            raise SchemaError(self.name, problem)
        for column in self.columns:
            self._validate_column(frame, column)
        self._validate_key(frame)
        return frame

    def _row(self, frame: pd.DataFrame, label: object) -> str:
        """The row's index label and, where the key columns are readable, their values."""
        keys = [name for name in self.key if name in frame.columns]
        if not keys:
            return str(label)
        values = frame.loc[label, keys]
        if isinstance(values, pd.DataFrame):  # a duplicated index label
            values = values.iloc[0]
        return f"{label} ({', '.join(f'{name}={values[name]}' for name in keys)})"

    def _validate_column(self, frame: pd.DataFrame, column: Column) -> None:
        series = frame[column.name]
        if str(series.dtype) != column.dtype:
            raise SchemaError(self.name, f"dtype {series.dtype}, expected {column.dtype}", column=column.name)
        missing = series.isna()
        if not column.nullable and missing.any():
            label = series.index[missing.to_numpy().argmax()]
            raise SchemaError(
                self.name, "missing value where none is allowed", column=column.name, row=self._row(frame, label)
            )
        present = series[~missing]
        if column.minimum is not None:
            self._first_violation(
                frame, column, present, present < column.minimum, f"below the minimum {column.minimum}"
            )
        if column.maximum is not None:
            self._first_violation(
                frame, column, present, present > column.maximum, f"above the maximum {column.maximum}"
            )
        if column.pattern is not None:
            pattern = re.compile(column.pattern)
            matches = present.map(lambda value: pattern.fullmatch(str(value)) is not None).astype(bool)
            self._first_violation(frame, column, present, ~matches, f"does not match the pattern {column.pattern!r}")
        if column.unique:
            duplicated = present.duplicated(keep="first")
            self._first_violation(frame, column, present, duplicated, "appears more than once")

    def _first_violation(
        self, frame: pd.DataFrame, column: Column, values: pd.Series, violates: pd.Series, problem: str
    ) -> None:
        violates = violates.fillna(False).astype(bool)
        if violates.any():
            label = values.index[violates.to_numpy().argmax()]
            raise SchemaError(
                self.name, f"value {_show(values[label])} {problem}", column=column.name, row=self._row(frame, label)
            )

    def _validate_key(self, frame: pd.DataFrame) -> None:
        if not self.key:
            return
        duplicated = frame.duplicated(subset=list(self.key), keep="first")
        if duplicated.any():
            label = frame.index[duplicated.to_numpy().argmax()]
            raise SchemaError(
                self.name,
                f"the key {list(self.key)} is not unique: this row repeats an earlier one",
                row=self._row(frame, label),
            )


def _show(value: object) -> str:
    """A cell as a reader would write it: ``'GM0363'`` for text, ``-1`` for numbers (not ``np.int64(-1)``)."""
    if hasattr(value, "item"):
        value = value.item()
    return repr(value) if isinstance(value, str) else str(value)
