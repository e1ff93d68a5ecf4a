"""Atomic writes and the clean-up of temporaries left by killed jobs."""

import pytest

from afgehaakt.outputs import atomic_path, remove_stale_temporaries


def test_a_failed_block_leaves_neither_target_nor_temporary(tmp_path):
    target = tmp_path / "table.csv"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as temporary:
            temporary.write_text("half", encoding="utf-8")
            raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_stale_temporaries_are_removed_and_named(tmp_path):
    (tmp_path / "tables").mkdir()
    stale = tmp_path / "tables" / ".table.csv.abc123.part"
    stale.write_text("half", encoding="utf-8")
    kept = tmp_path / "tables" / "table.csv"
    kept.write_text("whole", encoding="utf-8")
    assert remove_stale_temporaries(tmp_path) == [stale.as_posix()]
    assert not stale.exists() and kept.exists()
    assert remove_stale_temporaries(tmp_path / "missing") == []
