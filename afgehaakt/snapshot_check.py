"""The data snapshot checked before any job: the folder is there, and every file matches data/SHA256SUMS.

An edited or missing data file stops the run with the file named. For exploration, ``accept_changed_data: true``
in config lets a run go on with changed files; :func:`check_snapshot` then returns them so that the run record
(and so every manifest) names each accepted change.
"""

from __future__ import annotations

from pathlib import Path

from afgehaakt.errors import ConfigError, InputDataError
from afgehaakt.provenance import sha256_file

CHECKSUMS = "SHA256SUMS"
ACCEPT_KEY = "accept_changed_data"


def _required_contents(listed: list[str] | None) -> str:
    if not listed:
        return (f"{CHECKSUMS} and the files it lists (the committed snapshot: boundaries/, cbs/, crosswalk/, "
                "elections/, health/, membership/)")
    folders = sorted({name.split("/", 1)[0] + "/" for name in listed if "/" in name})
    return f"{CHECKSUMS} and the {len(listed)} files it lists, in {', '.join(folders)}"


def require_data_dir(data_dir: str | Path) -> Path:
    """The checksum list of ``data_dir``; :class:`ConfigError` saying what the folder must hold if it is absent."""
    folder = Path(data_dir)
    checksums = folder / CHECKSUMS
    if not folder.is_dir():
        raise ConfigError("data_dir", f"{str(folder)!r} is not a folder; it must hold {_required_contents(None)}")
    if not checksums.is_file():
        found = sorted(p.name for p in folder.iterdir())[:10]
        raise ConfigError("data_dir", f"{str(folder)!r} has no {CHECKSUMS} (it holds {found or 'nothing'}); it must "
                                      f"hold {_required_contents(None)}")
    return checksums


def changed_files(data_dir: str | Path) -> list[str]:
    """Files listed in ``SHA256SUMS`` that are missing or whose SHA-256 differs, as ``path: what``."""
    from afgehaakt.acquisition.snapshot import read_checksums

    folder = Path(data_dir)
    changes = []
    for name, expected in sorted(read_checksums(require_data_dir(folder)).items()):
        path = folder / name
        if not path.is_file():
            changes.append(f"{name}: missing")
        elif sha256_file(path) != expected:
            changes.append(f"{name}: SHA-256 differs from {CHECKSUMS}")
    return changes


def check_snapshot(data_dir: str | Path, *, accept_changes: bool) -> list[str]:
    """Raise :class:`InputDataError` naming the first changed file (and how many there are) unless
    ``accept_changes``; return the accepted changes (empty when the snapshot is as committed)."""
    changes = changed_files(data_dir)
    if changes and not accept_changes:
        more = f" (and {len(changes) - 1} more file(s))" if len(changes) > 1 else ""
        first = changes[0].split(": ", 1)
        raise InputDataError(Path(data_dir) / first[0], f"{first[1]}{more}",
                             expected=f"the committed snapshot; to run with local changes anyway, pass "
                                      f"--config {ACCEPT_KEY}=true (every manifest then lists them)")
    return changes
