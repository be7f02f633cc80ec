"""Helpers the vendor integration tests share (tests/integration/test_{nikon,canon,sony,
fuji}*.py), as test_cli.py has them: a bounded ``asyncio.run``, a JPEG on a card, the
``-H HOST -p PORT`` of an :class:`~ptpkit.cli.demo.EmulatorThread`, and the CLI run
in-process."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from click.testing import CliRunner, Result
from PIL import Image

from ptpkit.cli.demo import EmulatorThread
from ptpkit.cli.main import main

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
    """Run ``coro`` in a fresh event loop, at most ``timeout`` seconds."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


def jpeg(path: Path, colour: tuple[int, int, int], size: tuple[int, int] = (320, 200)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path, "JPEG", quality=85)


def address(emu: EmulatorThread) -> list[str]:
    return ["-H", emu.host, "-p", str(emu.port)]


def invoke(*args: str) -> Result:
    """``ptpkit ARGS`` in-process (exceptions propagate)."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)
