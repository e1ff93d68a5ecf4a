"""The results folder's name: one per release, config and data (code is recorded per output); the git facts."""

import subprocess

import pytest

from afgehaakt.provenance import tree_digest
from afgehaakt.versioning import (
    LATEST,
    git_state,
    mark_latest,
    package_versions,
    release_name,
    results_version,
)

A, B, C = "a" * 64, "b" * 64, "c" * 64


def test_the_name_joins_release_and_the_first_eight_digits_of_config_and_data():
    name = results_version(release="0.1.0", config_sha256="1a2b3c4d" + B[8:], data_sha256=C)
    assert name == "0.1.0_config-1a2b3c4d_data-cccccccc"


@pytest.mark.parametrize("part", ["config_sha256", "data_sha256"])
def test_another_digest_gives_another_folder(part):
    digests = dict(config_sha256=B, data_sha256=C)
    changed = {**digests, part: "d" * 64}
    assert results_version(release="0.1.0", **digests) != results_version(release="0.1.0", **changed)


@pytest.mark.parametrize("release, digest", [("0.1/..", A), ("", A), ("0.1.0", "xyz"), ("0.1.0", A.upper())])
def test_a_name_that_could_escape_the_folder_or_hide_a_digest_is_refused(release, digest):
    with pytest.raises(ValueError):
        results_version(release=release, config_sha256=digest, data_sha256=C)


def test_the_data_digest_sees_contents_and_names(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x.csv").write_text("1\n", encoding="utf-8")
    before = tree_digest(tmp_path / "d")
    (tmp_path / "d" / "x.csv").write_text("2\n", encoding="utf-8")
    changed = tree_digest(tmp_path / "d")
    (tmp_path / "d" / "x.csv").rename(tmp_path / "d" / "y.csv")
    assert len({before, changed, tree_digest(tmp_path / "d")}) == 3


def test_package_versions_name_python_and_the_key_stack():
    versions = package_versions()
    assert versions["python"].startswith("3.11")
    assert {"snakemake", "pandas", "numpy", "esda", "statsmodels", "linearmodels", "matplotlib"} <= set(versions)
    assert versions["numpy"][0].isdigit()


def _git(directory, *arguments):
    subprocess.run(["git", "-C", str(directory), *arguments], check=True, capture_output=True)


@pytest.fixture
def repository(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q")
    (root / "a.txt").write_text("a\n", encoding="utf-8")
    _git(root, "add", "a.txt")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "first")
    return root


def test_git_state_gives_the_commit_and_sees_a_dirty_tree(repository):
    state = git_state(repository)
    assert len(state["commit"]) == 40 and state["dirty"] is False
    (repository / "a.txt").write_text("b\n", encoding="utf-8")
    assert git_state(repository)["dirty"] is True


def test_a_copy_without_git_and_a_folder_inside_another_repository_are_unknown(tmp_path, repository):
    assert git_state(tmp_path / "copy") == {"commit": "unknown", "dirty": None}
    (repository / "inner").mkdir()
    assert git_state(repository / "inner") == {"commit": "unknown", "dirty": None}


def test_the_release_is_the_tag_on_head_else_the_package_version(repository, tmp_path):
    assert release_name(repository, "0.1.0") == "0.1.0"
    _git(repository, "tag", "v0.2.0")
    assert release_name(repository, "0.1.0") == "0.2.0"
    assert release_name(tmp_path / "copy", "0.1.0") == "0.1.0"


def test_latest_names_the_folder_of_the_last_complete_run(tmp_path):
    path = mark_latest(tmp_path / "results", "0.1.0_config-2_data-3")
    assert path == tmp_path / "results" / LATEST
    assert path.read_text(encoding="utf-8") == "0.1.0_config-2_data-3\n"
    assert [p.name for p in (tmp_path / "results").iterdir()] == [LATEST]


def test_a_removed_temporary_input_is_listed_as_removed_and_any_other_missing_input_is_an_error(tmp_path):
    from afgehaakt.provenance import REMOVED_TEMPORARY, input_digests, sha256_file

    kept, part = tmp_path / "kept.csv", tmp_path / "1-of-2.parquet"
    kept.write_text("a\n1\n", encoding="utf-8")
    digests = input_digests([kept, part], temporaries=[part])
    assert digests == {str(kept): sha256_file(kept), str(part): REMOVED_TEMPORARY}
    part.write_bytes(b"still here")
    assert input_digests([part], temporaries=[part]) == {str(part): sha256_file(part)}
    with pytest.raises(FileNotFoundError):
        input_digests([tmp_path / "gone.csv"])
