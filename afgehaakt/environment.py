"""The workflow's one conda environment, generated from ``requirements.lock`` so that it cannot drift from it.

Every rule declares ``conda: "../envs/afgehaakt.yaml"`` (Snakemake's ``--sdm conda`` route, e.g. on a cluster
without the virtualenv). The file pins exactly the versions of the lock, installed by pip inside a conda Python
3.11, and installs the ``afgehaakt`` package itself from the checkout, because every script imports it. Hashes
are not carried over: pip refuses an editable install in hash-checking mode, and the package must be installed.

The tested route is the locked ``.venv`` (``make install``): conda cannot be reached from the machines that test
this project, so :func:`conda_environment` is what a test compares the committed file with, not a solved and
installed environment (README, "Environments").

    python -m afgehaakt.environment requirements.lock envs/afgehaakt.yaml    # what `make envs` runs
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

PYTHON = "3.11"
PACKAGE_FROM_CONDA_PREFIX = "../.."
"""The checkout, seen from where conda runs pip: Snakemake copies the environment file into its conda prefix,
``.snakemake/conda/`` in the working directory (the default ``--conda-prefix``), and conda runs pip in the
directory of that copy."""

_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s\\;]+)")

HEADER = """\
# Generated from requirements.lock by `make envs` (afgehaakt/environment.py); do not edit by hand.
# The one software environment of every rule, for `snakemake --sdm conda`: a conda Python {python} with exactly
# the lock's versions installed by pip, and the afgehaakt package from this checkout ({package}, relative to
# Snakemake's copy of this file under the default --conda-prefix .snakemake/conda). The tested route is the
# locked .venv (`make install`); this file is checked against the lock, not solved (README, "Environments").
"""


def locked_pins(lock_text: str) -> list[str]:
    """``name==version`` of every package in a ``uv pip compile`` lock file, in the lock's order."""
    pins = [f"{m['name']}=={m['version']}" for line in lock_text.splitlines() if (m := _PIN.match(line))]
    if not pins:
        raise ValueError("requirements.lock: no 'name==version' lines found; expected uv pip compile output")
    return pins


def conda_environment(lock_text: str) -> str:
    """The text of ``envs/afgehaakt.yaml`` for this lock file."""
    lines = [HEADER.format(python=PYTHON, package=PACKAGE_FROM_CONDA_PREFIX).rstrip("\n"), "channels:", "  - conda-forge",
             "  - nodefaults", "dependencies:", f"  - python={PYTHON}", "  - pip", "  - pip:"]
    lines += [f"      - {pin}" for pin in locked_pins(lock_text)]
    lines.append(f"      - --editable {PACKAGE_FROM_CONDA_PREFIX}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> None:
    lock, environment = (Path(argument) for argument in argv)
    environment.write_text(conda_environment(lock.read_text(encoding="utf-8")), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
