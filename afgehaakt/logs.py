"""Logging for one workflow step: everything, warnings and tracebacks included, goes to the step's log file."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def step_log(path: str | Path, step: str) -> Iterator[logging.Logger]:
    """Route the ``afgehaakt`` logger and Python warnings to ``path`` while the block runs.

    An exception is written to the log with its traceback and re-raised, so the job fails with the same
    message that the log shows.
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
        print(f"afgehaakt {step}: {error}", file=sys.stderr)
        raise
    finally:
        root.removeHandler(handler)
        handler.close()
