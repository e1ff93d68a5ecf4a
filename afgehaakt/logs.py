"""Logging for one workflow step: everything, warnings and tracebacks included, goes to the step's log file."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _explained(error: BaseException) -> bool:
    """Whether ``error`` is one of the package's own errors, whose message already says what is wrong where."""
    return type(error).__module__.split(".")[0] == "afgehaakt"


@contextmanager
def step_log(path: str | Path, step: str) -> Iterator[logging.Logger]:
    """Route the ``afgehaakt`` logger and Python warnings to ``path`` while the block runs.

    An exception is written to the log with its traceback. One of the package's own errors (a data or config
    problem whose message names the file, field and row) is then printed once, as one line, and ends the job
    without a traceback on the console; any other exception is re-raised as it is, since it points to a bug.
    """
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)
    logger = logging.getLogger(f"afgehaakt.{step}")
    try:
        yield logger
    except Exception as error:
        logger.error("%s failed: %s", step, error, exc_info=True)
        if not _explained(error):
            raise
        print(f"{error}\n  (step {step}; traceback in {path})", file=sys.stderr)
        raise SystemExit(1) from None
    finally:
        root.removeHandler(handler)
        handler.close()
