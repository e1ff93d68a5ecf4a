"""Reading delimited text the way Dutch publishers write it.

Files come with or without a UTF-8 byte-order mark, in UTF-8 or Windows-1252, separated by ``;`` or ``,``,
with numbers padded by spaces, written with a decimal comma, or replaced by CBS's ``.`` marker for
"unknown". These helpers read everything as text first so that no value is guessed silently.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from afgehaakt.errors import InputDataError

CBS_MISSING_MARKERS = frozenset({"", ".", "x", "-", "?"})
"""Cells that CBS StatLine and Kiesraad exports use for "no value"; ``.`` is CBS's "unknown"."""


_WIDE_BOMS = {b"\xff\xfe\x00\x00": "UTF-32", b"\x00\x00\xfe\xff": "UTF-32", b"\xff\xfe": "UTF-16",
              b"\xfe\xff": "UTF-16"}


def decode_published_text(path: str | Path) -> tuple[str, str]:
    """Return (text, encoding name): UTF-8 with or without BOM, else Windows-1252.

    Publishers write UTF-8 or Windows-1252. A UTF-16 or UTF-32 file (or one with NUL bytes) was re-saved by
    hand and is refused, as is a file that starts with a UTF-8 BOM but holds bytes of another encoding.
    """
    return decode_published_bytes(Path(path).read_bytes(), path)


def decode_published_bytes(raw: bytes, path: str | Path) -> tuple[str, str]:
    """:func:`decode_published_text` for bytes already read (e.g. a member of a published zip archive)."""
    for bom, name in _WIDE_BOMS.items():
        if raw.startswith(bom):
            raise InputDataError(path, f"{name} byte-order mark: the file was re-saved in {name}", row=1,
                                 expected="UTF-8 or Windows-1252 as published")
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise InputDataError(path, "NUL bytes (a UTF-16 or binary file?)", row=line,
                             expected="UTF-8 or Windows-1252 text as published")
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as error:
            line = raw[: 3 + error.start].count(b"\n") + 1
            raise InputDataError(path, "not UTF-8 although the file starts with a UTF-8 byte-order mark",
                                 row=line, expected="one encoding per file") from None
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252"), "cp1252"


def read_delimited(path: str | Path, *, separators: str = ";,") -> pd.DataFrame:
    """Read a delimited file into a frame of stripped strings, detecting encoding and separator.

    The separator is the candidate that occurs most often in the header line. Every cell is kept as text;
    conversion to numbers happens in :func:`parse_numbers`, which knows which cells may be empty. The index is
    the line number in the file (the header is line 1; blank lines are skipped but keep their numbers), so every
    later error can name the line.
    """
    text, _ = decode_published_text(path)
    return parse_delimited(text, path=path, separators=separators)


def parse_delimited(text: str, *, path: str | Path, separators: str = ";,") -> pd.DataFrame:
    """:func:`read_delimited` for text already decoded; ``path`` names the source in error messages."""
    if not text.strip():
        raise InputDataError(path, "the file is empty", expected="a header line and data rows")
    header = text.splitlines()[0]
    # A header without any candidate separator is a one-column file; a file written with another separator
    # then shows up as one oddly named column, which require_columns reports by name.
    separator = max(separators, key=header.count)
    reader = csv.reader(io.StringIO(text), delimiter=separator)
    columns = [name.strip() for name in next(reader)]
    duplicated = sorted({name for name in columns if columns.count(name) > 1})
    if duplicated:
        raise InputDataError(path, f"duplicate column names {duplicated}", row=1, expected="unique column names")
    body, line_numbers = [], []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(columns):
            raise InputDataError(
                path,
                f"the row has {len(row)} cells but the header has {len(columns)}",
                row=reader.line_num,
                expected=f"{len(columns)} cells separated by {separator!r}",
            )
        body.append(row)
        line_numbers.append(reader.line_num)
    frame = pd.DataFrame(body, columns=columns, dtype=object, index=pd.Index(line_numbers, name="file_line"))
    return frame.apply(lambda column: column.str.strip())


def read_zip_member(path: str | Path, member: str, *, separators: str = ";,") -> pd.DataFrame:
    """One delimited member of a published zip archive (e.g. the Kiesraad's ``TK2025_CSV.zip``), read as
    :func:`read_delimited` reads a file; errors name it ``archive.zip!member``."""
    with zipfile.ZipFile(path) as archive:
        if member not in archive.namelist():
            raise InputDataError(path, f"no member {member!r} in the archive", expected=f"{archive.namelist()}")
        raw = archive.read(member)
    label = f"{path}!{member}"
    text, _ = decode_published_bytes(raw, label)
    return parse_delimited(text, path=label, separators=separators)


def require_columns(frame: pd.DataFrame, required: list[str], *, path: str | Path) -> None:
    """Raise naming the first missing column and the columns that are there."""
    missing = [name for name in required if name not in frame.columns]
    if missing:
        raise InputDataError(
            path,
            f"missing column(s) {missing}; the file has {list(frame.columns)[:12]}...",
            field=missing[0],
            row=1,
            expected="the columns of the published layout",
        )


def parse_numbers(
    column: pd.Series,
    *,
    path: str | Path,
    field: str,
    integer: bool,
    allow_missing: bool,
) -> pd.Series:
    """Parse a text column into numbers; CBS missing markers become NA only where ``allow_missing``.

    Decimal commas are read as decimal points. A cell that is not a number raises
    :class:`InputDataError` naming its row (the series index, as set by :func:`read_delimited`).
    """
    values = np.full(len(column), np.nan)
    for offset, (row, cell) in enumerate(column.items()):
        text = "" if cell is None else str(cell).strip()
        if text in CBS_MISSING_MARKERS:
            if not allow_missing:
                raise InputDataError(
                    path, f"missing value {text!r}", field=field, row=row, expected="a number"
                )
            continue
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            raise InputDataError(
                path, f"not a number: {text!r}", field=field, row=row, expected="a number"
            ) from None
        if integer and not number.is_integer():
            raise InputDataError(
                path, f"not a whole number: {text!r}", field=field, row=row, expected="a count"
            )
        values[offset] = number
    if integer:
        return pd.Series(pd.array([None if np.isnan(v) else int(v) for v in values], dtype="Int64"), index=column.index)
    return pd.Series(values, index=column.index, dtype="float64")
