"""Shared test plumbing.

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


def shared_dir() -> Path:
    """``../shared`` beside the repository, or $PTPKIT_SHARED."""
    env = os.environ.get("PTPKIT_SHARED")
    return Path(env) if env else REPO_ROOT.parent / "shared"


def fixture_path(name: str) -> Path:
    """A real-camera fixture from shared/fixtures; skip (fail in CI) when absent."""
    path = shared_dir() / "fixtures" / name
    if not path.is_file():
        if in_ci():
            pytest.fail(f"CI: fixture {path} is missing", pytrace=False)
        pytest.skip(f"fixture {path} is missing")
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
