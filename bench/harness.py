"""What every benchmark case shares: sizes, the temp dir, emulators, workers, gphoto2.

The emulator always runs as ``python -m ptpkit serve DIR --port 0`` in a process of its
own; the client side runs in :mod:`bench.worker` processes; gphoto2 runs with a HOME of
its own. Every child is bounded by a timeout and reaped with ``os.wait4`` so that its
peak RSS is known.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench import procs

KiB = 1 << 10
MiB = 1 << 20
GiB = 1 << 30
GB = 1e9


# -- sizes ----------------------------------------------------------------------------------
@dataclass
class Sizes:
    """How big each case is, and how often it is repeated."""

    transfer: int  # the large download/upload
    listing_objects: int
    per_folder: int
    memory: int  # the sparse object of the memory case
    concurrent_each: int  # per initiator / per camera in the concurrency cases
    initiators: int
    cameras: int
    reps: int
    memory_reps: int
    pingpong_rounds: int

    @classmethod
    def full(cls) -> Sizes:
        return cls(
            transfer=1 * GiB,
            listing_objects=5000,
            per_folder=250,
            memory=4 * GiB,
            concurrent_each=64 * MiB,
            initiators=32,
            cameras=16,
            reps=5,
            memory_reps=2,
            pingpong_rounds=30_000,
        )

    @classmethod
    def quick(cls) -> Sizes:
        return cls(
            transfer=256 * MiB,
            listing_objects=1000,
            per_folder=100,
            memory=1 * GiB,
            concurrent_each=32 * MiB,
            initiators=32,
            cameras=16,
            reps=5,
            memory_reps=1,
            pingpong_rounds=10_000,
        )

    def disk_needed(self) -> int:
        """Peak bytes on disk: sources plus the largest set of copies alive at once."""
        sources = self.transfer + self.concurrent_each + self.listing_objects * 8 * KiB
        copies = max(
            self.transfer,  # one download or upload copy at a time
            self.memory,  # the 4 GiB object, downloaded (real blocks) or uploaded
            self.initiators * self.concurrent_each,
            self.cameras * self.concurrent_each,
        )
        return sources + copies

    def shrink_to(self, free: int, margin: int) -> list[str]:
        """Halve the big sizes until they fit in ``free - margin``; what was changed."""
        notes: list[str] = []
        while self.disk_needed() + margin > free:
            if self.transfer <= 16 * MiB and self.memory <= 16 * MiB:
                raise SystemExit(
                    f"bench: only {free / GiB:.1f} GiB free in the temp dir; "
                    f"not enough for even the smallest sizes"
                )
            self.transfer = max(16 * MiB, self.transfer // 2)
            self.memory = max(16 * MiB, self.memory // 2)
            self.concurrent_each = max(4 * MiB, self.concurrent_each // 2)
            notes.append(
                f"shrunk to transfer {self.transfer // MiB} MiB, memory object "
                f"{self.memory // MiB} MiB, {self.concurrent_each // MiB} MiB per initiator "
                f"(only {free / GiB:.1f} GiB free)"
            )
        return notes


# -- statistics -----------------------------------------------------------------------------
def summary(values: Sequence[float], digits: int = 4) -> dict[str, Any] | None:
    """median, min, max (and the values) of the repetitions; None when there are none."""
    vals = [v for v in values if v is not None]
    if not vals:
        return None
    return {
        "median": round(statistics.median(vals), digits),
        "min": round(min(vals), digits),
        "max": round(max(vals), digits),
        "n": len(vals),
        "values": [round(v, digits) for v in vals],
    }


def med(stats: dict[str, Any] | None) -> float | None:
    return None if stats is None else float(stats["median"])


def ratio(a: float | None, b: float | None, digits: int = 3) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return round(a / b, digits)


# -- the run's context ----------------------------------------------------------------------
@dataclass
class Context:
    root: Path  # the temp dir: fixtures, downloads, logs
    sizes: Sizes
    #: "auto": as ptpkit ships (its commands and the workers take uvloop when installed);
    #: "asyncio" or "uvloop": that loop for the workers, `ptpkit ls` and the emulator.
    loop: str = "auto"
    profile_dir: Path | None = None
    notes: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    gphoto2: str | None = None
    gphoto2_missing: str | None = None
    _tags: dict[str, int] = field(default_factory=dict)
    _serve_help: str | None = None

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def tag(self, base: str) -> str:
        n = self._tags.get(base, 0) + 1
        self._tags[base] = n
        return f"{base}-{n}"

    def path(self, *parts: str) -> Path:
        p = self.root.joinpath(*parts)
        p.mkdir(parents=True, exist_ok=True)
        return p

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PTPKIT_CONFIG_DIR"] = str(self.path("ptpkit-config"))
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.setdefault("LC_ALL", "C.UTF-8")
        # the workers import bench/ from the repository
        repo = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = repo + os.pathsep + env.get("PYTHONPATH", "")
        return env

    # -- the emulator ---------------------------------------------------------------------
    def emulator(
        self,
        dirs: Iterable[Path],
        *,
        writable: bool = False,
        tag: str = "emulator",
        profile: str | None = None,
        extra: Sequence[str] = (),
    ) -> Emulator:
        argv = [sys.executable]
        if profile:
            argv += ["-m", "cProfile", "-o", profile]
        argv += [
            "-m",
            *self.ptpkit_module(),
            "serve",
            *map(str, dirs),
            "--port",
            "0",
            "--rescan-interval",
            "0",
        ]
        if writable:
            argv.append("--writable")
        argv += extra
        child = procs.start(argv, logdir=self.logs, tag=self.tag(tag), env=self.env())
        line = procs.wait_for_line(child, "listening on", timeout=60)
        port = int(re.search(r":(\d+)\s*$", line.strip()).group(1))  # type: ignore[union-attr]
        return Emulator(child, port)

    def emulator_has(self, option: str) -> bool:
        """Whether ``ptpkit serve`` has ``option`` (features arrive while we measure)."""
        if self._serve_help is None:
            try:
                self._serve_help = subprocess.run(
                    [sys.executable, "-m", "ptpkit", "serve", "--help"],
                    capture_output=True,
                    text=True,
                    timeout=60,
                    env=self.env(),
                    check=False,
                ).stdout
            except (subprocess.SubprocessError, OSError):
                self._serve_help = ""
        return option in self._serve_help

    # -- workers --------------------------------------------------------------------------
    def worker_argv(self, spec: dict[str, Any]) -> list[str]:
        spec = {"loop": self.loop, **spec}  # the worker sets its loop before asyncio.run
        return [sys.executable, "-m", "bench.worker", json.dumps(spec)]

    def worker(self, spec: dict[str, Any], timeout: float) -> tuple[dict[str, Any], procs.Finished]:
        """Run one worker to the end: its (last) JSON result and how it finished."""
        done = procs.run(
            self.worker_argv(spec),
            timeout=timeout,
            logdir=self.logs,
            tag=self.tag(f"worker-{spec['case']}"),
            env=self.env(),
        ).check()
        lines = done.json_lines()
        if not lines:
            raise procs.ChildError(f"worker {spec['case']} printed no result:\n{done.stderr}")
        return lines[-1], done

    def start_worker(self, spec: dict[str, Any]) -> procs.Child:
        return procs.start(
            self.worker_argv(spec),
            logdir=self.logs,
            tag=self.tag(f"worker-{spec['case']}"),
            env=self.env(),
            stdin=True,
        )

    # -- commands ---------------------------------------------------------------------------
    def ptpkit_module(self) -> list[str]:
        """How to run the ``ptpkit`` command with ``python -m`` on the chosen loop."""
        return ["ptpkit"] if self.loop == "auto" else ["bench.loop_run", self.loop]

    def ptpkit_argv(self, *args: str) -> list[str]:
        if self.loop != "auto":
            return [sys.executable, "-m", *self.ptpkit_module(), *args]
        script = Path(sys.executable).with_name("ptpkit")
        head = [str(script)] if script.exists() else [sys.executable, "-m", "ptpkit"]
        return [*head, *args]

    def command(
        self,
        argv: Sequence[str],
        *,
        tag: str,
        timeout: float,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> procs.Finished:
        return procs.run(
            argv,
            timeout=timeout,
            logdir=self.logs,
            tag=self.tag(tag),
            cwd=cwd,
            env=env or self.env(),
        ).check()

    def gphoto2_env(self) -> dict[str, str]:
        env = self.env()
        env["HOME"] = str(self.path("gphoto2-home"))
        env["LANG"] = env["LC_ALL"] = "C"
        return env

    def gphoto2_cmd(
        self, port: int, *args: str, tag: str, timeout: float, cwd: Path | None = None
    ) -> procs.Finished:
        assert self.gphoto2 is not None
        argv = [self.gphoto2, "--port", f"ptpip:127.0.0.1:{port}:{port}", *args]
        return self.command(argv, tag=tag, timeout=timeout, cwd=cwd, env=self.gphoto2_env())


@dataclass
class Emulator:
    child: procs.Child
    port: int
    finished: procs.Finished | None = None

    def stop(self) -> procs.Finished:
        if self.finished is None:
            self.finished = self.child.terminate(timeout=30)
        return self.finished

    @property
    def peak_rss_mib(self) -> float:
        return self.stop().maxrss_mib


# -- sync workers ------------------------------------------------------------------------
def results_of(child: procs.Child) -> list[dict[str, Any]]:
    lines = [line for line in child.output().splitlines() if line.startswith("{")]
    return [r for r in map(json.loads, lines) if "ready" not in r]


def wait_ready(children: Sequence[procs.Child], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    for child in children:
        while '"ready"' not in child.output():
            if procs.exited(child):
                done = child.wait(1)
                raise procs.ChildError(f"a worker died before it was ready:\n{done.stderr}")
            if time.monotonic() > deadline:
                raise procs.ChildError(f"workers not ready within {timeout:g} s")
            time.sleep(0.01)


def wait_results(children: Sequence[procs.Child], count: int, timeout: float) -> None:
    """Until each child has printed ``count`` results."""
    deadline = time.monotonic() + timeout
    for child in children:
        while len(results_of(child)) < count:
            if procs.exited(child):
                done = child.wait(1)
                raise procs.ChildError(f"a worker died:\n{done.stderr[-3000:]}")
            if time.monotonic() > deadline:
                raise procs.ChildError(f"no result within {timeout:g} s")
            time.sleep(0.002)


# -- gphoto2 ------------------------------------------------------------------------------
def find_gphoto2(install: bool) -> tuple[str | None, str | None]:
    """(path, None), or (None, why not) — installing it with apt-get as root, like .ci/run."""
    path = shutil.which("gphoto2")
    if path:
        return path, None
    if not install:
        return None, "gphoto2 is not installed (--no-install)"
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None, "gphoto2 is not installed and apt-get cannot be run here (not root)"
    print("bench: installing gphoto2 (apt-get install -y gphoto2)", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        subprocess.run(["apt-get", "update", "-qq"], env=env, timeout=600, check=False)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "gphoto2"],
            env=env,
            timeout=900,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        return None, f"installing gphoto2 failed: {exc}"
    path = shutil.which("gphoto2")
    return (path, None) if path else (None, "gphoto2 still missing after apt-get install")


def gphoto2_version(path: str | None) -> dict[str, str] | None:
    if path is None:
        return None
    try:
        out = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=20, check=False
        ).stdout
    except (subprocess.SubprocessError, OSError):
        return None
    versions = {}
    for name in ("gphoto2", "libgphoto2", "libgphoto2_port"):
        m = re.search(rf"^{name}\s+(\S+)", out, re.MULTILINE)
        if m:
            versions[name] = m.group(1)
    return versions


def sizes_dict(sizes: Sizes) -> dict[str, Any]:
    return asdict(sizes)
