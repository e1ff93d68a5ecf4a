"""afgehaakt.schemas: each kind of violation is caught and named by table, column and row."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from afgehaakt.schemas import Column, SchemaError, TableSchema

SCHEMA = TableSchema(
    name="people",
    key=("code", "year"),
    columns=(
        Column("code", "string", "municipality", pattern=r"\d{4}"),
        Column("year", "Int64", "year", minimum=2000, maximum=2030),
        Column("count", "Int64", "persons", minimum=0),
        Column("share", "float64", "fraction", nullable=True, minimum=0, maximum=1),
    ),
)


def frame(**changes) -> pd.DataFrame:
    data = {
        "code": pd.array(["0014", "0363"], dtype="string"),
        "year": pd.array([2021, 2021], dtype="Int64"),
        "count": pd.array([10, 20], dtype="Int64"),
        "share": pd.Series([0.5, None], dtype="float64"),
    }
    data.update(changes)
    return pd.DataFrame(data)


def test_a_valid_frame_is_returned_unchanged():
    valid = frame()
    assert SCHEMA.validate(valid) is valid


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"count": pd.array([10, None], dtype="Int64")},
            re.escape("table 'people', column 'count', row 1 (code=0363, year=2021): missing value"),
        ),
        (
            {"count": pd.array([10, -1], dtype="Int64")},
            re.escape("column 'count', row 1 (code=0363, year=2021): value -1 below the minimum 0"),
        ),
        (
            {"share": pd.Series([1.5, None])},
            re.escape("column 'share', row 0 (code=0014, year=2021): value 1.5 above the maximum 1"),
        ),
        (
            {"code": pd.array(["0014", "GM0363"], dtype="string")},
            "column 'code', row 1 .*value 'GM0363' does not match the pattern",
        ),
        ({"count": pd.Series([10, 20], dtype="int64")}, "column 'count': dtype int64, expected Int64"),
        ({"code": pd.array(["0014", "0014"], dtype="string")}, r"the key \['code', 'year'\] is not unique"),
    ],
)
def test_violations_name_table_column_and_row(changes, message):
    with pytest.raises(SchemaError, match=message):
        SCHEMA.validate(frame(**changes))


def test_missing_extra_and_reordered_columns_are_named():
    with pytest.raises(SchemaError, match=r"missing columns \['share'\], unexpected columns \['extra'\]"):
        SCHEMA.validate(frame().drop(columns="share").assign(extra=1))
    with pytest.raises(SchemaError, match="columns in the order"):
        SCHEMA.validate(frame()[["year", "code", "count", "share"]])


def test_a_unique_column_is_checked():
    schema = TableSchema("t", (Column("id", "Int64", "identifier", unique=True),))
    with pytest.raises(SchemaError, match="column 'id', row 2: value 1 appears more than once"):
        schema.validate(pd.DataFrame({"id": pd.array([1, 2, 1], dtype="Int64")}))


def test_a_key_must_name_declared_columns():
    with pytest.raises(ValueError, match="key column"):
        TableSchema("t", (Column("a", "Int64", "a"),), key=("b",))
