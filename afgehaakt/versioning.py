"""The name of a run's results folder, and the facts about the software that made it.

A run writes into ``results/<version>/`` with ``<version>`` = ``<release>_config-<8>_data-<8>``:

* ``release``: the release tag on HEAD (``v0.2.0`` -> ``0.2.0``), else the package version
  (``afgehaakt.__version__``);
* ``config``: the config hash (:func:`afgehaakt.provenance.config_hash`, after schema defaults are filled in);
* ``data``: :func:`afgehaakt.provenance.tree_digest` over every file in the data directory.

Each digest part is the first 8 hex digits of a SHA-256. A change of config or data gives a new folder, so a run
never overwrites outputs made from another config or data; the full digests are in the folder's manifest.
Code does not name the folder: a change in the code reruns, in the same folder, exactly the jobs whose scripts
import the changed module, and the manifest records per output the digest of its script and modules
(:mod:`afgehaakt.script_code`), with the commit and the library versions (:func:`package_versions`).
"""

from __future__ import annotations

import platform
import re
import subprocess
from importlib import metadata
from pathlib import Path


KEY_PACKAGES = (
    "snakemake",
    "pandas",
    "numpy",
    "scipy",
    "geopandas",
    "shapely",
    "pyogrio",
    "libpysal",
    "esda",
    "spreg",
    "statsmodels",
    "linearmodels",
    "mapclassify",
    "matplotlib",
    "pillow",
    "numba",
    "pyarrow",
)
"""The libraries whose versions can change a result; recorded in every manifest (and splitting the output cache)."""
DIGEST_LENGTH = 8
UNKNOWN = "unknown"
_TAG = re.compile(r"^v?(?P<version>\d+(\.\d+)*([.-]?[0-9A-Za-z]+)*)$")


def package_versions() -> dict[str, str]:
    """Python's version and that of each key library (``not installed`` when absent)."""
    versions = {"python": platform.python_version()}
    for name in KEY_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _git(directory: Path, *arguments: str) -> str | None:
    try:
        completed = subprocess.run(["git", "-C", str(directory), *arguments], capture_output=True, text=True,
                                   timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return completed.stdout.strip() if completed.returncode == 0 else None


def _own_repository(directory: Path) -> bool:
    """True only if ``directory`` is the top of a git checkout, not a folder inside some other repository."""
    top = _git(directory, "rev-parse", "--show-toplevel")
    return top is not None and Path(top).resolve() == directory.resolve()


def git_state(directory: str | Path) -> dict[str, object]:
    """The commit checked out in ``directory`` and whether tracked or untracked files differ from it.

    ``{"commit": "unknown", "dirty": None}`` when ``directory`` is not a git checkout (a copy, an archive).
    """
    root = Path(directory)
    if not _own_repository(root):
        return {"commit": UNKNOWN, "dirty": None}
    commit = _git(root, "rev-parse", "HEAD")
    status = _git(root, "status", "--porcelain", "--untracked-files=normal")
    return {"commit": commit or UNKNOWN, "dirty": None if status is None else bool(status)}


def release_name(directory: str | Path, package_version: str) -> str:
    """The release tag on HEAD without its ``v`` (``v0.2.0`` -> ``0.2.0``), else the package version."""
    root = Path(directory)
    tag = _git(root, "describe", "--tags", "--exact-match", "HEAD") if _own_repository(root) else None
    match = _TAG.match(tag) if tag else None
    return match["version"] if match else package_version


def results_version(*, release: str, config_sha256: str, data_sha256: str) -> str:
    """The folder name ``<release>_config-<8>_data-<8>`` (see the module docstring)."""
    if not re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z.+-]*", release):
        raise ValueError(f"release {release!r} is not a plain version (digits, letters, '.', '+', '-')")
    parts = {"config": config_sha256, "data": data_sha256}
    for name, digest in parts.items():
        if not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise ValueError(f"{name} digest {digest!r} is not a SHA-256 in hex")
    return "_".join([release, *(f"{name}-{digest[:DIGEST_LENGTH]}" for name, digest in parts.items())])


LATEST = "LATEST"
"""The file in the results root that names the folder of the last complete run."""


def mark_latest(results_root: str | Path, version: str) -> Path:
    """Write ``version`` into ``<results_root>/LATEST`` (atomically), so that users find the newest folder.

    Outside every version folder and no rule's output: it changes neither the DAG nor any manifest.
    """
    from afgehaakt.outputs import atomic_path

    path = Path(results_root) / LATEST
    with atomic_path(path) as temporary:
        temporary.write_text(version + "\n", encoding="utf-8")
    return path
