"""Shared test plumbing.

``fixture_path(name)``: real-camera bytes from ``tests/fixtures`` (see its README).

``require_program(name)``: tests that drive a third-party program (gphoto2, tshark,
tcpdump) skip when it is missing on a developer's machine, but **fail** in CI
(``CI=true``), where `.ci/run` must have installed it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def require_program(name: str) -> str:
    """The full path of ``name``; skip (or fail in CI) when it is not installed."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (apt-get install {name})"
        if in_ci():
            pytest.fail(f"CI: {message}", pytrace=False)
        pytest.skip(message)
    return path


#: Real-camera bytes the tests decode, kept in the repository (provenance in its README).
FIXTURES_DIR = REPO_ROOT / "tests" / "fixtures"


def fixture_path(name: str) -> Path:
    """A real-camera fixture from tests/fixtures (part of the repository: never a skip)."""
    path = FIXTURES_DIR / name
    if not path.is_file():
        pytest.fail(f"fixture {path} is missing from the repository", pytrace=False)
    return path


@pytest.fixture(autouse=True)
def _isolated_config(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never let a test read or write the user's real ptpkit config (GUID, name)."""
    monkeypatch.setenv("PTPKIT_CONFIG_DIR", str(tmp_path_factory.mktemp("ptpkit-config")))


@pytest.fixture(autouse=True)
def _no_discovery_on_real_networks(monkeypatch: pytest.MonkeyPatch) -> None:
    """A camera command run without a host would discover, i.e. send multicast on this
    machine's networks: tests must not (the discovery tests make their own namespaces
    and set PTPKIT_DISCOVER_TIMEOUT for the processes they run there)."""
    monkeypatch.setenv("PTPKIT_DISCOVER_TIMEOUT", "0")
