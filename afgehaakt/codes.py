"""Municipality codes as CBS, PDOK and the Kiesraad write them, normalised to one form.

The same municipality appears as ``GM0014`` (CBS, PDOK), ``G0014`` (Kiesraad ``RegioCode``), ``0014`` or ``14``
(plain numbers, without leading zeros in one TK2023 count file). Everything inside the pipeline uses the
four-digit string (``"0014"``); :func:`to_cbs` gives back the ``GM`` form for output tables.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from afgehaakt.errors import InputDataError

_CODE = re.compile(r"^\s*(?:GM|G)?(\d{1,4})\s*$", re.IGNORECASE)


def normalise_code(value: object) -> str:
    """Return the four-digit municipality code for any of the published spellings.

    >>> normalise_code("G0014"), normalise_code("GM0014"), normalise_code("14"), normalise_code(14)
    ('0014', '0014', '0014', '0014')
    """
    if isinstance(value, bool):
        raise ValueError(f"not a municipality code: {value!r}")
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"not a municipality code: {value!r}")
    match = _CODE.match(value)
    if match is None or int(match.group(1)) == 0:
        raise ValueError(f"not a municipality code: {value!r}")
    return match.group(1).zfill(4)


def normalise_codes(values: pd.Series, *, path: str | Path, field: str) -> pd.Series:
    """Normalise a column of codes; a bad code raises :class:`InputDataError` naming its row.

    The series index is taken to be the row as a reader of the file would count it (see
    :func:`afgehaakt.io.text.read_delimited`).
    """
    normalised = []
    for row, value in values.items():
        try:
            normalised.append(normalise_code(value))
        except ValueError:
            raise InputDataError(
                path,
                f"unreadable municipality code {value!r}",
                field=field,
                row=row,
                expected="GM0014, G0014, 0014 or 14",
            ) from None
    return pd.Series(normalised, index=values.index, name=values.name, dtype="string")


def to_cbs(code: str) -> str:
    """The CBS form of a four-digit code: ``"0014"`` becomes ``"GM0014"``."""
    return f"GM{normalise_code(code)}"
