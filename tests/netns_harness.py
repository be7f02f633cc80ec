"""Two network namespaces joined by a veth pair, made by the test itself, for what sends
multicast (discovery, ``serve --advertise``): tests/interop/test_discovery_netns.py and
tests/interop/test_readme_discovery_examples.py.

Layout: namespace "cam" holds the advertisers (10.99.0.1/24 and 10.99.0.3/24), namespace
"host" the browsers (10.99.0.2/24). The veth ends are made inside the namespaces, and every
process runs through ``timeout -s KILL N ip netns exec NS ...`` in its own process group, so
no multicast leaves them and the machine's own namespace is never touched.
:meth:`NetPair.stop_all` ends what was started (then whatever still runs in the two
namespaces); :func:`network_pair` deletes the namespaces, on failure too.

avahi-daemon ignores loopback and needs a system bus (dialects.md §7.3): ``AVAHI_SCRIPT``
runs under ``unshare -m`` with tmpfs on /run/dbus and /run/avahi-daemon, starts
``dbus-daemon --system`` and ``avahi-daemon --no-chroot`` in the foreground of its own
process group, then ``avahi-browse``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import pytest
from conftest import REPO_ROOT, in_ci, require_program

CAM_IP = "10.99.0.1"
CAM_IP2 = "10.99.0.3"
HOST_IP = "10.99.0.2"
CANON_ST = "urn:schemas-canon-com:service:ICPO-WFTEOSSystemService:1"
SONY_ST = "urn:microsoft-com:service:MtpNullService:1"
#: What every namespace test needs; avahi's programs only where avahi-browse runs.
PROGRAMS = ("ip", "unshare", "timeout")
AVAHI_PROGRAMS = ("avahi-browse", "avahi-daemon", "dbus-daemon")

AVAHI_SCRIPT = r"""
set -u
mount -t tmpfs tmpfs /run/dbus
mkdir -p /run/avahi-daemon && mount -t tmpfs tmpfs /run/avahi-daemon
dbus-daemon --system --nofork --nopidfile 2>/dev/null &
for _ in $(seq 50); do [ -S /run/dbus/system_bus_socket ] && break; sleep 0.1; done
avahi-daemon --no-chroot --no-rlimits -f /etc/avahi/avahi-daemon.conf 2>/dev/null &
for _ in $(seq 50); do avahi-daemon -c && break; sleep 0.1; done
echo "avahi: ready"
exec avahi-browse -rp _ptp._tcp
"""


def fail_or_skip(message: str) -> NoReturn:
    if in_ci():
        pytest.fail(f"CI: {message}", pytrace=False)
    pytest.skip(message)


@dataclass
class Lines:
    """A process's stdout, read line by line in a thread, so reads have deadlines."""

    process: subprocess.Popen[str]
    seen: list[str] = field(default_factory=list)
    ended: bool = False  # the output closed, as a read saw
    _queue: queue.Queue[str | None] = field(default_factory=queue.Queue)

    def __post_init__(self) -> None:
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, pattern: str, timeout: float = 20.0) -> str:
        """The first line (seen before or arriving within ``timeout``) matching."""
        regex = re.compile(pattern)
        for line in self.seen:
            if regex.search(line):
                return line
        deadline = time.monotonic() + timeout
        while not self.ended and (left := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                self.ended = True
                break
            self.seen.append(line)
            if regex.search(line):
                return line
        raise AssertionError(f"no line matching {pattern!r} in {self.seen!r}")

    def rest(self, timeout: float = 15.0) -> list[str]:
        """Every line, once the process has closed its output (within ``timeout``)."""
        deadline = time.monotonic() + timeout
        while not self.ended and (left := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                self.ended = True
                break
            self.seen.append(line)
        assert self.ended, f"output still open after {timeout} s: {self.seen!r}"
        return self.seen


@dataclass
class NetPair:
    cam: str
    host: str
    cam_if: str
    host_if: str
    processes: list[subprocess.Popen[str]] = field(default_factory=list)

    @staticmethod
    def ip(*args: str) -> None:
        subprocess.run(["ip", *args], check=True, timeout=15, capture_output=True, text=True)

    def env(self) -> dict[str, str]:
        """This interpreter's ``ptpkit`` first on PATH, discovery 2 s, no camera address."""
        env = dict(os.environ)
        env["PYTHONPATH"] = str(REPO_ROOT / "src")
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        env["PTPKIT_DISCOVER_TIMEOUT"] = "2"
        env.pop("PTPKIT_HOST", None)
        env.pop("PTPKIT_PORT", None)
        return env

    def argv(self, ns: str, argv: list[str], limit: float) -> list[str]:
        return ["timeout", "-s", "KILL", str(limit), "ip", "netns", "exec", ns, *argv]

    def run(
        self, ns: str, argv: list[str], limit: float = 30, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.argv(ns, argv, limit),
            check=False,
            capture_output=True,
            text=True,
            timeout=limit + 10,
            env=self.env(),
            cwd=cwd,
            start_new_session=True,
        )

    def start(self, ns: str, argv: list[str], limit: float = 60, cwd: Path | None = None) -> Lines:
        process = subprocess.Popen(
            self.argv(ns, argv, limit),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=self.env(),
            cwd=cwd,
            start_new_session=True,  # its own process group: ended as a whole
        )
        self.processes.append(process)
        return Lines(process)

    def stop(self, process: subprocess.Popen[str], signum: int = signal.SIGTERM) -> int:
        """``signum`` to a process started here (``timeout`` passes it on to the command and
        its process group, as a terminal's Ctrl-C would); its exit code. Its process group
        is killed if it does not end in 15 s."""
        if process.poll() is None:
            process.send_signal(signum)
        try:
            return process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            return process.wait(timeout=15)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                self.stop(process)
        self.processes.clear()
        for ns in (self.cam, self.host):  # what they left (only ever processes of ours)
            result = subprocess.run(
                ["ip", "netns", "pids", ns], check=False, capture_output=True, text=True, timeout=15
            )
            for pid in result.stdout.split():
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), signal.SIGKILL)


def _delete_namespace(ns: str) -> None:
    subprocess.run(["ip", "netns", "del", ns], check=False, capture_output=True, timeout=15)


_pairs = itertools.count()


@contextlib.contextmanager
def network_pair(programs: Iterable[str] = PROGRAMS) -> Iterator[NetPair]:
    """Two fresh namespaces joined by a veth pair (skipped, or failed in CI, where that is
    impossible); every process and both namespaces are gone afterwards."""
    if sys.platform != "linux" or os.geteuid() != 0:
        fail_or_skip("network namespaces need root on Linux")
    for program in (*PROGRAMS, *programs):
        require_program(program)
    tag = f"pk{os.getpid() % 100000}{next(_pairs) % 10}"
    pair = NetPair(cam=f"{tag}cam", host=f"{tag}host", cam_if=f"{tag}c", host_if=f"{tag}h")
    made: list[str] = []
    try:
        for ns in (pair.cam, pair.host):
            NetPair.ip("netns", "add", ns)
            made.append(ns)
        # The veth ends are made inside the namespaces: the host namespace never has them.
        NetPair.ip(
            "link", "add", pair.cam_if, "netns", pair.cam, "type", "veth",
            "peer", "name", pair.host_if, "netns", pair.host,
        )  # fmt: skip
        NetPair.ip("-n", pair.cam, "addr", "add", f"{CAM_IP}/24", "dev", pair.cam_if)
        NetPair.ip("-n", pair.cam, "addr", "add", f"{CAM_IP2}/24", "dev", pair.cam_if)
        NetPair.ip("-n", pair.host, "addr", "add", f"{HOST_IP}/24", "dev", pair.host_if)
        for ns, link in ((pair.cam, pair.cam_if), (pair.host, pair.host_if)):
            NetPair.ip("-n", ns, "link", "set", "lo", "up")
            NetPair.ip("-n", ns, "link", "set", link, "up")
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        for ns in made:
            _delete_namespace(ns)
        stderr = getattr(exc, "stderr", "") or ""
        fail_or_skip(f"cannot make network namespaces: {stderr.strip() or exc}")
    try:
        yield pair
    finally:
        pair.stop_all()
        for ns in (pair.cam, pair.host):
            _delete_namespace(ns)


@dataclass(frozen=True)
class Persona:
    name: str
    port: int
    vendor: str
    via: str


PERSONAS = {
    "generic": Persona("generic", 15740, "ptpkit", "dns-sd"),
    "nikon": Persona("nikon", 15741, "nikon", "dns-sd"),
    "canon-eos": Persona("canon-eos", 15740, "canon", "ssdp"),
    "sony": Persona("sony", 15750, "sony", "ssdp"),
}


def start_emulator(
    net: NetPair, card: Path, persona: Persona, guid: bytes, host: str = CAM_IP
) -> Lines:
    """``ptpkit serve --advertise`` as ``persona`` on ``host`` in the camera namespace,
    once it says it advertises."""
    argv = [
        sys.executable, "-m", "ptpkit", "serve", str(card),
        "--host", host, "--port", str(persona.port),
        "--name", f"Test {persona.name}", "--model", f"Model {persona.name}",
        "--guid", guid.hex(), "--advertise", "--persona", persona.name,
    ]  # fmt: skip
    lines = net.start(net.cam, argv, limit=120)
    lines.wait_for(r"  advertising: ", timeout=30)
    return lines


def discover_json(net: NetPair, timeout: float = 3.0) -> list[dict[str, object]]:
    """What ``ptpkit discover --json`` finds from the host namespace."""
    argv = [sys.executable, "-m", "ptpkit", "discover", "--json", "--timeout", str(timeout)]
    result = net.run(net.host, argv, limit=timeout + 30)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
