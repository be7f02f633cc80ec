"""``make soak`` in short (bench/soak.py): 20 s of two initiators against a camera that
restarts every few seconds with random faults and quirks. Nothing may be lost or
corrupted, and nothing half-written may be left under a final name. (Errors the client
raises meanwhile are expected; the full soak also judges them, and fds and RSS.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(420)]


def test_a_short_soak_loses_nothing(tmp_path: Path) -> None:
    figures = tmp_path / "soak.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.soak",
            "--seconds",
            "20",
            "--initiators",
            "2",
            "--cameras",
            "1",
            "--seed",
            "12",
            "--restart-every",
            "2,5",
            "--op-bound",
            "60",
            "--tmp",
            str(tmp_path),
            "--json",
            str(figures),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=400,
        check=False,
    )
    assert figures.exists(), result.stdout + result.stderr
    report = json.loads(figures.read_text())
    assert report["problems"] == [], result.stdout
    done = sum(
        counts.get("ok", 0) for worker in report["reports"] for counts in worker["ops"].values()
    )
    assert done >= 50, result.stdout  # it did work
    assert sum(report["faults"].values()) >= 3, result.stdout  # and faults were injected
    verified = sum(sum(worker["bytes"].values()) for worker in report["reports"])
    assert verified > 10 << 20, result.stdout
