"""Child processes for the benchmarks: bounded by timeouts, reaped with ``os.wait4`` (so
that each one's peak RSS is known), and killed, with their process group, on exit.

Every child is started in a session of its own; :func:`kill_all` (run at exit and on
SIGINT/SIGTERM) kills exactly those groups, by id.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

_LIVE: dict[int, subprocess.Popen[bytes]] = {}
_LOCK = threading.Lock()


class ChildError(RuntimeError):
    """A child process failed, timed out or printed something unexpected."""


def _register(proc: subprocess.Popen[bytes]) -> None:
    with _LOCK:
        _LIVE[proc.pid] = proc


def _forget(pid: int) -> None:
    with _LOCK:
        _LIVE.pop(pid, None)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)  # the child leads its own group (start_new_session)


def kill_all() -> None:
    """Kill every child still running (and its group), then reap them."""
    with _LOCK:
        procs = list(_LIVE.values())
        _LIVE.clear()
    for proc in procs:
        _kill_group(proc.pid)
    for proc in procs:
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(proc.pid, 0)
        proc.returncode = proc.returncode if proc.returncode is not None else -9


def _on_signal(signum: int, frame: object) -> None:
    kill_all()
    raise SystemExit(128 + signum)


def install_cleanup() -> None:
    """Kill the children at exit, on Ctrl-C and on SIGTERM."""
    atexit.register(kill_all)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _on_signal)


@dataclass
class Finished:
    """What a child left behind: exit status, wall time, peak RSS and its output."""

    argv: list[str]
    returncode: int
    wall: float
    maxrss_kib: int
    stdout: str
    stderr: str
    timed_out: bool = False

    @property
    def maxrss_mib(self) -> float:
        return self.maxrss_kib / 1024

    def check(self) -> Finished:
        if self.timed_out:
            raise ChildError(f"timed out: {' '.join(self.argv)}\n{self.stderr[-2000:]}")
        if self.returncode != 0:
            raise ChildError(
                f"exit {self.returncode}: {' '.join(self.argv)}\n"
                f"{self.stdout[-1000:]}\n{self.stderr[-3000:]}"
            )
        return self

    def json_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.startswith("{")]


def _status(status: int) -> int:
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status)
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return -1  # pragma: no cover


@dataclass
class Child:
    """A started child whose stdout and stderr go to files (never a pipe that could fill)."""

    argv: list[str]
    proc: subprocess.Popen[bytes]
    out_path: Path
    err_path: Path
    started: float
    stdin: IO[bytes] | None = None
    _reaped: Finished | None = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def output(self) -> str:
        return self.out_path.read_text(errors="replace")

    def errors(self) -> str:
        return self.err_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self._reaped is None

    def send(self, line: str) -> None:
        assert self.stdin is not None
        self.stdin.write(line.encode() + b"\n")
        self.stdin.flush()

    def wait(self, timeout: float) -> Finished:
        """Reap the child with ``os.wait4`` (killing its group after ``timeout`` s)."""
        if self._reaped is not None:
            return self._reaped
        timed_out = threading.Event()

        def expire() -> None:
            timed_out.set()
            _kill_group(self.pid)

        timer = threading.Timer(timeout, expire)
        timer.daemon = True
        timer.start()
        try:
            while True:
                try:
                    _, status, usage = os.wait4(self.pid, 0)
                    break
                except InterruptedError:  # pragma: no cover - PEP 475 retries for us
                    continue
        finally:
            timer.cancel()
        wall = time.perf_counter() - self.started
        _forget(self.pid)
        _kill_group(self.pid)  # anything the child left behind in its group
        self.proc.returncode = _status(status)
        if self.stdin is not None:
            with contextlib.suppress(OSError):
                self.stdin.close()
        self._reaped = Finished(
            self.argv,
            self.proc.returncode,
            wall,
            int(usage.ru_maxrss),
            self.output(),
            self.errors(),
            timed_out.is_set(),
        )
        return self._reaped

    def terminate(self, timeout: float = 15.0) -> Finished:
        """SIGTERM (a clean shutdown), then SIGKILL after ``timeout``."""
        if self._reaped is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)
        return self.wait(timeout)


def start(
    argv: Sequence[str],
    *,
    logdir: Path,
    tag: str,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    stdin: bool = False,
) -> Child:
    """Start ``argv`` in a session of its own; output to ``logdir/tag.{out,err}``."""
    logdir.mkdir(parents=True, exist_ok=True)
    out_path = logdir / f"{tag}.out"
    err_path = logdir / f"{tag}.err"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            start_new_session=True,
        )
    _register(proc)
    return Child(list(argv), proc, out_path, err_path, started, proc.stdin)


def run(
    argv: Sequence[str],
    *,
    timeout: float,
    logdir: Path,
    tag: str,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Finished:
    """Run ``argv`` to the end (at most ``timeout`` s): wall time, peak RSS, output."""
    return start(argv, logdir=logdir, tag=tag, cwd=cwd, env=env).wait(timeout)


def exited(child: Child) -> bool:
    """Whether the child has exited (without reaping it: wait4 still gets its usage)."""
    if not child.alive():
        return True
    return os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None


def wait_for_line(child: Child, needle: str, timeout: float) -> str:
    """Poll the child's stdout until a line contains ``needle``; that line."""
    deadline = time.monotonic() + timeout
    while True:
        for line in child.output().splitlines():
            if needle in line:
                return line
        if exited(child):
            done = child.wait(1.0)
            raise ChildError(
                f"{' '.join(child.argv)} exited {done.returncode} before {needle!r}:\n"
                f"{done.stdout[-1000:]}\n{done.stderr[-3000:]}"
            )
        if time.monotonic() > deadline:
            _kill_group(child.pid)
            done = child.wait(5.0)
            raise ChildError(
                f"no {needle!r} from {' '.join(child.argv)} within {timeout:g} s\n"
                f"{done.stderr[-2000:]}"
            )
        time.sleep(0.005)


def python() -> str:
    return sys.executable
