"""Errors that name the file, the field or row, and what was expected."""

from __future__ import annotations

from pathlib import Path


class InputDataError(ValueError):
    """Raised when an input file does not hold what the pipeline expects.

    The message always names the file; where known also the field (column) and the row, so that a
    researcher can open the file and find the offending cell.
    """

    def __init__(
        self,
        path: str | Path | None,
        problem: str,
        *,
        field: str | None = None,
        row: int | str | None = None,
        expected: str | None = None,
    ) -> None:
        self.path = None if path is None else str(path)
        self.field = field
        self.row = row
        self.problem = problem
        self.expected = expected
        where = [f"file {self.path!r}" if self.path else "input"]
        if field is not None:
            where.append(f"field {field!r}")
        if row is not None:
            where.append(f"row {row}")
        message = f"{', '.join(where)}: {problem}"
        if expected:
            message += f" (expected {expected})"
        super().__init__(message)


class ConfigError(ValueError):
    """Raised when the configuration is well-formed but refers to something that does not exist."""

    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        super().__init__(f"config key {key!r}: {problem}")


class InvalidConfigError(ValueError):
    """Raised when the configuration breaks its schema; ``problems`` holds one line per key path."""

    def __init__(self, source: str, problems: list[str], *, shown: int = 10) -> None:
        self.problems = problems
        listing = "\n  ".join(problems[:shown])
        if len(problems) > shown:
            listing += f"\n  ... and {len(problems) - shown} more"
        super().__init__(f"invalid configuration ({source}): {len(problems)} problem(s)\n  {listing}")
