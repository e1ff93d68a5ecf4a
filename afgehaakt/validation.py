"""Checks that tables describe exactly the municipalities of the boundary year."""

from __future__ import annotations

import pandas as pd

from afgehaakt.schemas import SchemaError


def require_same_municipalities(table: pd.DataFrame, reference: pd.DataFrame, *, left: str, right: str) -> None:
    """Raise :class:`SchemaError` naming the codes that one table has and the other lacks."""
    mine, theirs = set(table["code"]), set(reference["code"])
    if mine != theirs:
        raise SchemaError(
            left,
            f"municipalities differ from {right}: only in {left}: {sorted(mine - theirs)[:5]}, "
            f"only in {right}: {sorted(theirs - mine)[:5]}",
            column="code",
        )
