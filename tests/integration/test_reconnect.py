"""Wi-Fi drops (issue 12, point 6): ``events`` and ``sync --watch`` reconnect with backoff
when the link drops, and go on without downloading anything twice.

The camera is an emulator in a thread on a fixed port; "the Wi-Fi drops" is that
emulator going away (every connection closed) and a new one starting on the same port
(the camera waking up), as a phone app meets it. The CLI runs as a subprocess.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pytest

from ptpkit.cli.demo import EmulatorThread
from ptpkit.proto.codes import EventCode


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(predicate: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


class Cli:
    """``python -m ptpkit ARGS`` with its output read line by line as it comes."""

    def __init__(self, *args: str) -> None:
        self.out: list[str] = []
        self.err: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ptpkit", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self._readers = [
            self._pump(self.proc.stdout, self.out),
            self._pump(self.proc.stderr, self.err),
        ]

    @staticmethod
    def _pump(stream: IO[str], lines: list[str]) -> threading.Thread:
        thread = threading.Thread(target=lambda: lines.extend(stream), daemon=True)
        thread.start()
        return thread

    def said(self, text: str, where: str = "both") -> bool:
        lines = {"out": self.out, "err": self.err, "both": self.out + self.err}[where]
        return any(text in line for line in lines)

    def finish(self, timeout: float = 20.0, *, interrupt: bool = False) -> int:
        if interrupt and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            code = self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            for reader in self._readers:
                reader.join(5)
        return code

    def __repr__(self) -> str:
        return f"stdout={''.join(self.out)!r} stderr={''.join(self.err)!r}"


@contextmanager
def camera(card: Path, port: int) -> Iterator[EmulatorThread]:
    with EmulatorThread([card], port=port, writable=True, rescan_interval=None) as emu:
        yield emu


@pytest.fixture
def card(tmp_path: Path) -> Path:
    root = tmp_path / "card"
    (root / "DCIM" / "100TEST").mkdir(parents=True)
    for name in ("A.JPG", "B.JPG"):
        (root / "DCIM" / "100TEST" / name).write_bytes(os.urandom(300_000))
    return root


def test_events_reconnect_and_go_on(card: Path) -> None:
    port = free_port()
    emu = camera(card, port)
    running = emu.__enter__()
    cli = Cli("events", "-H", "127.0.0.1", "-p", str(port), "--count", "2")
    try:
        assert wait_for(lambda: cli.said("Listening to", "err")), cli
        running.call(running.server.inject_event, EventCode.DevicePropChanged, (0x5001,))
        assert wait_for(lambda: cli.said("DevicePropChanged", "out")), cli
        emu.__exit__(None, None, None)  # the camera goes away
        assert wait_for(lambda: cli.said("link lost", "err")), cli
        assert cli.proc.poll() is None, cli  # still there, waiting to reconnect
        with camera(card, port) as again:  # ... and comes back
            assert wait_for(lambda: cli.said("reconnected to", "err")), cli
            again.call(again.server.inject_event, EventCode.StoreFull, (0x10001,))
            code = cli.finish()
    finally:
        emu.__exit__(None, None, None)
        if cli.proc.poll() is None:
            cli.finish(interrupt=True)
    assert code == 0, cli
    assert sum("StoreFull" in line for line in cli.out) == 1, cli
    assert "reconnecting in 1 s" in "".join(cli.err), cli


def test_sync_watch_reconnects_and_downloads_nothing_twice(card: Path, tmp_path: Path) -> None:
    port = free_port()
    dest = tmp_path / "photos"
    emu = camera(card, port)
    emu.__enter__()
    cli = Cli("sync", str(dest), "--watch", "-H", "127.0.0.1", "-p", str(port))
    try:
        assert wait_for(lambda: cli.said("Watching", "out")), cli
        first = {p.name: p.stat() for p in (dest / "DCIM" / "100TEST").iterdir()}
        assert sorted(first) == ["A.JPG", "B.JPG"]
        emu.__exit__(None, None, None)  # out of range ...
        assert wait_for(lambda: cli.said("link lost", "err")), cli
        (card / "DCIM" / "100TEST" / "C.JPG").write_bytes(os.urandom(200_000))  # shot meanwhile
        with camera(card, port):  # ... and back
            new = dest / "DCIM" / "100TEST" / "C.JPG"
            assert wait_for(new.is_file), cli
            assert new.read_bytes() == (card / "DCIM" / "100TEST" / "C.JPG").read_bytes()
            assert wait_for(lambda: cli.said("Synced 1 file(s)", "out")), cli
            code = cli.finish(interrupt=True)
    finally:
        emu.__exit__(None, None, None)
        if cli.proc.poll() is None:
            cli.finish(interrupt=True)
    assert code == 130, cli
    for name, stat in first.items():  # the first two were not fetched again
        again = (dest / "DCIM" / "100TEST" / name).stat()
        assert (again.st_ino, again.st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns), name
    assert cli.said("Catching up: 1 file(s)", "out"), cli
    assert not cli.said("never retrieved"), cli


def test_a_camera_that_is_not_there_at_the_start_is_not_retried(tmp_path: Path) -> None:
    port = free_port()
    cli = Cli("events", "-H", "127.0.0.1", "-p", str(port))
    code = cli.finish()
    assert code == 3, cli
    assert not cli.said("reconnecting"), cli
