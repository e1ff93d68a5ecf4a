"""The committed snapshot is what data/SHA256SUMS says it is, and every file in it is documented."""

import hashlib

import pytest


def _pinned(repo):
    lines = (repo / "data/SHA256SUMS").read_text(encoding="utf-8").splitlines()
    return [tuple(line.split(maxsplit=1)) for line in lines if line.strip()]


def test_every_pinned_file_has_its_checksum(repo):
    pinned = _pinned(repo)
    assert pinned
    for digest, name in pinned:
        assert hashlib.sha256((repo / "data" / name).read_bytes()).hexdigest() == digest, name


def test_every_data_file_is_pinned_and_documented(repo):
    data = repo / "data"
    files = {p.relative_to(data).as_posix() for p in data.rglob("*") if p.is_file()}
    files -= {"SHA256SUMS", "SOURCES.md", "crosswalk/LICENSE.md"}
    pinned = {name for _, name in _pinned(repo)}
    assert files == pinned
    sources = (data / "SOURCES.md").read_text(encoding="utf-8")
    for name in files:
        folder_entry = f"`{name.rsplit('/', 1)[0]}/"
        assert f"`{name}`" in sources or folder_entry in sources, f"{name} is not described in data/SOURCES.md"


def test_the_non_commercial_crosswalk_keeps_its_licence_beside_it(repo):
    licence = (repo / "data/crosswalk/LICENSE.md").read_text(encoding="utf-8")
    assert "CC BY-NC-SA 4.0" in licence and "Weda" in licence


@pytest.mark.parametrize("attribution", ["CC BY 4.0", "CC BY-NC-SA 4.0", "Kiesraad", "CBS / PDOK", "RIVM"])
def test_licence_attribution_is_stated(repo, attribution):
    assert attribution in (repo / "data/SOURCES.md").read_text(encoding="utf-8")
