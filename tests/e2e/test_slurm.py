"""The real SLURM test (`make slurm-test`) as an opt-in test: it installs packages and starts daemons as root,
so it runs only when AFGEHAAKT_SLURM_TEST=1 (in a CI job of its own; about 10 minutes on 2 cores)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("AFGEHAAKT_SLURM_TEST") != "1", reason="set AFGEHAAKT_SLURM_TEST=1 to run"),
]

REPO = Path(__file__).resolve().parents[2]


def test_a_slurm_run_reproduces_the_local_run(tmp_path):
    assert os.geteuid() == 0, "the SLURM test needs root (apt-get, munged, slurmd)"
    completed = subprocess.run(["bash", str(REPO / "workflow/slurm/slurm_test.sh")], capture_output=True, text=True,
                               timeout=2400, env={**os.environ, "SLURM_TEST_DIR": str(tmp_path / "slurm")})
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    assert "0 differ" in completed.stdout and "PASS" in completed.stdout
