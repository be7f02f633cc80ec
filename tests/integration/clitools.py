"""Helpers of the command-line tests (test_cli*.py): a card of pictures, the emulator in a
thread, running ``ptpkit`` in-process (CliRunner) or as a subprocess."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from PIL import Image

from ptpkit.cli.demo import EmulatorThread
from ptpkit.cli.main import main

MiB = 1 << 20
#: A fixed camera GUID: the same emulated camera (serial number) in every test that
#: restarts it.
CAMERA_GUID = bytes(range(16))


def jpeg(path: Path, colour: tuple[int, int, int], size: tuple[int, int] = (320, 200)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path, "JPEG", quality=85)


def make_card(root: Path) -> Path:
    """DCIM/100TEST/IMG_0001.JPG, IMG_0002.JPG; DCIM/101TEST/IMG_0101.JPG, CLIP.MOV (5 MiB);
    misc/deep/deeper/notes.txt; misc/empty.dat (0 bytes)."""
    jpeg(root / "DCIM" / "100TEST" / "IMG_0001.JPG", (200, 10, 10))
    jpeg(root / "DCIM" / "100TEST" / "IMG_0002.JPG", (10, 200, 10))
    jpeg(root / "DCIM" / "101TEST" / "IMG_0101.JPG", (10, 10, 200))
    (root / "DCIM" / "101TEST" / "CLIP.MOV").write_bytes(random.Random(1).randbytes(5 * MiB + 3))
    (root / "misc" / "deep" / "deeper").mkdir(parents=True)
    (root / "misc" / "deep" / "deeper" / "notes.txt").write_text("deep\n")
    (root / "misc" / "empty.dat").write_bytes(b"")
    return root


def address(emu: EmulatorThread) -> list[str]:
    return ["-H", emu.host, "-p", str(emu.port)]


def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False, input=input, env=env)


def tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


def wait_for(predicate: Callable[[], object], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


class Process:
    """``python -m ptpkit ARGS`` in the background, its output read line by line."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ptpkit", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        )
        self.out: list[str] = []
        self.err: list[str] = []
        self._threads = [
            self._pump(self.proc.stdout, self.out),
            self._pump(self.proc.stderr, self.err),
        ]

    @staticmethod
    def _pump(stream: Any, lines: list[str]) -> threading.Thread:
        def pump() -> None:
            for line in stream:
                lines.append(line)

        thread = threading.Thread(target=pump, daemon=True)
        thread.start()
        return thread

    def wait_for_line(
        self, pattern: str, timeout: float = 30.0, *, stderr: bool = False
    ) -> re.Match[str]:
        found: list[re.Match[str]] = []
        lines = self.err if stderr else self.out

        def seen() -> bool:
            for line in list(lines):
                match = re.search(pattern, line)
                if match:
                    found.append(match)
                    return True
            return False

        assert wait_for(seen, timeout), (self.out, self.err)
        return found[0]

    def interrupt(self, timeout: float = 20.0) -> int:
        """Ctrl-C, as a user would; the exit status."""
        self.proc.send_signal(signal.SIGINT)
        try:
            code = self.proc.wait(timeout)
        finally:
            self.kill()
        for thread in self._threads:
            thread.join(5)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@contextmanager
def emulator_for(dirs: list[Path], **options: Any) -> Iterator[EmulatorThread]:
    options.setdefault("rescan_interval", None)
    options.setdefault("writable", True)
    with EmulatorThread(dirs, **options) as emu:
        yield emu
