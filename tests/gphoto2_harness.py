"""The harness the gphoto2 interop tests share (tests/interop/test_gphoto2*.py).

One ``ptpkit serve`` process (``serve_rig``), tcpdump on its port(s), an isolated ``HOME``
and a gphoto2 runner that checks the exit and the output, times every command (printed,
and held to the rig's limit when it has one). After the commands: tshark over the capture
(``tshark_ptpip``) and ``ptpkit dissect --json`` (``dissect_json``). Each vendor's test
file keeps only its card and its own cases.
"""

from __future__ import annotations

import io
import json
import math
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import require_program
from PIL import Image

#: The packet types every gphoto2 session over PTP/IP shows tshark.
PTPIP_TYPES = {1, 2, 3, 4, 6, 7, 9, 12}
#: How the emulator says where it listens; a Fujifilm persona adds its event port.
ADDRESS = r"listening on 127\.0\.0\.1:(\d+)"
FUJI_ADDRESS = r"listening on 127\.0\.0\.1:(\d+) \(events (\d+)"


# -- the served card ---------------------------------------------------------------------------
def jpeg(color: tuple[int, int, int], size: tuple[int, int] = (320, 240)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=90)
    return out.getvalue()


def noise_jpeg(width: int, height: int, seed: int) -> bytes:
    """A JPEG that does not compress well (random noise), so it is large."""
    raw = random.Random(seed).randbytes(width * height * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), raw).save(out, "JPEG", quality=95)
    return out.getvalue()


def write_card(root: Path, files: dict[str, bytes]) -> dict[str, Path]:
    """Write ``files`` (relative path → bytes) below ``root``; every file by its name
    (names are unique across folders)."""
    paths = {}
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        paths[path.name] = path
    return paths


def make_card(root: Path) -> dict[str, Path]:
    """The card of the generic and the nikon persona: nested DCIM folders, non-ASCII
    names, files above 1 MiB; returns every file by name (names are unique across folders)."""
    paths = write_card(
        root,
        {
            "DCIM/100TEST/IMG_0001.JPG": jpeg((200, 30, 30)),
            "DCIM/100TEST/Été à Genève ☀.jpg": jpeg((30, 200, 30)),
            "DCIM/101TEST/BIG_0003.JPG": noise_jpeg(1200, 900, 3),  # about 1.8 MB
            "DCIM/101TEST/Vidéo_ünïcödé.MOV": os.urandom(2 * 1024 * 1024 + 12345),
            "DCIM/101TEST/sub/deeper/DSC_0005.JPG": jpeg((30, 30, 200)),
            "notes.txt": b"camera notes\n",
        },
    )
    assert (root / "DCIM/101TEST/BIG_0003.JPG").stat().st_size > 1 << 20
    return paths


def valid_jpeg(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        assert image.format == "JPEG"
        image.load()
        return image.size


def size_kb(size: int) -> int:
    """A size as gphoto2 --list-files shows it."""
    return max(1, math.ceil(size / 1024))


_LISTING_LINE = re.compile(r"^#(\d+)\s+(.+?)\s+rd?w?\s+(\d+) KB", re.MULTILINE)
_FOLDER_LINE = re.compile(r"in folder '([^']*)'")


def parse_listing(output: str) -> list[tuple[str, int, str, int]]:
    """(folder, number, name, KB) for each file of ``gphoto2 --list-files``."""
    entries = []
    folder = ""
    for line in output.splitlines():
        header = _FOLDER_LINE.search(line)
        if header:
            folder = header.group(1)
            continue
        entry = _LISTING_LINE.match(line)
        if entry:
            entries.append((folder, int(entry.group(1)), entry.group(2), int(entry.group(3))))
    return entries


#: The folder gphoto2 shows a persona's first storage under.
STORE = "/store_00010001"


def _same_name(name: str) -> str:
    return name


def check_list_files(rig: Rig, listed_as: Callable[[str], str] = _same_name) -> None:
    """``gphoto2 --list-files`` shows every file of the card, in its folder, with its size
    (``listed_as``: the name a persona shows a file under, e.g. a FAT short name)."""
    entries = parse_listing(rig.gphoto2("--list-files"))
    listed = {name: (folder, kb) for folder, _, name, kb in entries}
    assert sorted(listed) == sorted(listed_as(name) for name in rig.files)
    for name, path in rig.files.items():
        folder, kb = listed[listed_as(name)]
        rel = path.parent.relative_to(rig.card).as_posix()
        assert folder == (STORE if rel == "." else f"{STORE}/{rel}"), name
        assert kb == size_kb(path.stat().st_size), name


def check_get_all_files(
    rig: Rig, directory: Path, listed_as: Callable[[str], str] = _same_name
) -> None:
    """``gphoto2 --get-all-files`` saves every file of the card, byte-identical."""
    out = rig.gphoto2("--get-all-files", "--force-overwrite", cwd=directory)
    for name, path in rig.files.items():
        saved = listed_as(name)
        assert f"Saving file as {saved}" in out
        got = directory / saved
        assert got.is_file(), f"{name} was not downloaded:\n{out}"
        assert got.read_bytes() == path.read_bytes(), name


# -- processes ---------------------------------------------------------------------------------
def stop(proc: subprocess.Popen[Any], sig: int = signal.SIGTERM, timeout: float = 10) -> int:
    """Signal a process we started, by its id, and reap it (kill it if it lingers)."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)
    return proc.returncode


def start_emulator(
    argv: Sequence[str], log: Path, address: str = ADDRESS
) -> tuple[subprocess.Popen[bytes], tuple[int, ...]]:
    """Start ``argv`` (a ``ptpkit serve``) with its output in ``log``; the process and the
    port(s) it prints (the groups of ``address``). It is stopped again if it prints none."""
    with log.open("wb") as out:
        proc = subprocess.Popen(list(argv), stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        found = re.search(address, text)
        if found:
            return proc, tuple(int(port) for port in found.groups())
        if proc.poll() is not None:
            pytest.fail(f"the emulator exited with {proc.returncode}:\n{text}")
        time.sleep(0.05)
    stop(proc)
    pytest.fail(f"the emulator printed no address:\n{log.read_text(errors='replace')}")


def serve_command(folder: Path | None, *options: str) -> list[str]:
    """``python -m ptpkit serve [FOLDER] --port 0 OPTIONS``."""
    return [sys.executable, "-m", "ptpkit", "serve", *([str(folder)] if folder else []),
            "--port", "0", *options]  # fmt: skip


@dataclass
class Capture:
    """tcpdump writing the loopback traffic of some ports to ``pcap``."""

    pcap: Path
    log: Path
    proc: subprocess.Popen[bytes]
    stopped: bool = False

    @classmethod
    def start(cls, pcap: Path, log: Path, *expression: str) -> Capture:
        """tcpdump with the filter ``expression``, once it says it is listening."""
        tcpdump = require_program("tcpdump")
        argv = [tcpdump, "-B", "65536", "-i", "lo", "-U", "-n", "-w", str(pcap), *expression]
        # -B: KiB of kernel buffer, so that no packet of the big transfers is dropped
        with log.open("wb") as err:
            proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.monotonic() + 15
        while "listening on" not in log.read_text(errors="replace"):
            if proc.poll() is not None or time.monotonic() > deadline:
                stop(proc, signal.SIGINT)
                pytest.fail(f"tcpdump did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.05)
        return cls(pcap, log, proc)

    def finish(self) -> str:
        """Stop tcpdump once the last packets reached the file; its statistics."""
        if not self.stopped:
            self.stopped = True
            time.sleep(1.5)  # let the last packets reach the file (gphoto2-interop.md)
            stop(self.proc, signal.SIGINT)
        return self.log.read_text(errors="replace")


@dataclass
class Rig:
    """A served persona, its capture and a gphoto2 runner, shared by a module's tests.

    ``limit``: the bound on every command's wall time (None: printed, not asserted).
    ``event_port`` and ``camera``: gphoto2's ``--port ptpip:HOST:PORT:EVENTPORT`` and
    ``--camera`` (Fujifilm's transport). ``merged``: gphoto2's output is stdout and stderr
    (else stdout; both are checked for errors). ``harmless``: a message gphoto2 prints that
    is not an error.
    """

    card: Path
    files: dict[str, Path]
    home: Path
    port: int
    emulator: subprocess.Popen[bytes]
    emulator_log: Path
    capture: Capture | None = None
    limit: float | None = None
    event_port: int | None = None
    camera: str | None = None
    merged: bool = False
    harmless: str = ""
    times: dict[str, float] = field(default_factory=dict)

    @property
    def pcap(self) -> Path:
        assert self.capture is not None
        return self.capture.pcap

    def stop_capture(self) -> str:
        assert self.capture is not None
        return self.capture.finish()

    def argv(self, *args: str) -> list[str]:
        program = require_program("gphoto2")
        camera = ["--camera", self.camera] if self.camera else []
        port = f"ptpip:127.0.0.1:{self.port}:{self.event_port or self.port}"
        return [program, *camera, "--port", port, *args]

    def env(self, home: Path | None = None) -> dict[str, str]:
        return {
            **os.environ,
            "HOME": str(home or self.home),
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
        }

    def start_gphoto2(
        self, *args: str, cwd: Path | None = None, home: Path | None = None
    ) -> subprocess.Popen[str]:
        """gphoto2 running on (stdout and stderr in one pipe), for a test that acts
        meanwhile."""
        return subprocess.Popen(
            self.argv(*args),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=self.env(home),
            cwd=cwd or self.home,
        )

    def record(self, label: str, wall: float, note: str = "") -> None:
        self.times[label] = wall
        print(f"\n{label}: {wall:.3f} s{note}", flush=True)

    def gphoto2(
        self,
        *args: str,
        cwd: Path | None = None,
        home: Path | None = None,
        limit: float | None = None,
    ) -> str:
        """Run gphoto2 (it must exit 0 and print no error), timed against the limit."""
        label = "gphoto2 " + " ".join(args)
        start = time.perf_counter()
        result = subprocess.run(
            self.argv(*args),
            capture_output=True,
            text=True,
            env=self.env(home),
            cwd=cwd or self.home,
            timeout=60,
            check=False,
        )
        wall = time.perf_counter() - start
        self.record(label, wall)
        output = result.stdout + result.stderr.replace(self.harmless, "")
        assert result.returncode == 0, f"{label} exited {result.returncode}:\n{output}"
        assert "*** Error" not in output and "ERROR" not in output, f"{label}:\n{output}"
        limit = self.limit if limit is None else limit
        if limit is not None:
            assert wall < limit, f"{label} took {wall:.3f} s (limit {limit} s)"
        return result.stdout + result.stderr if self.merged else result.stdout

    def gphoto2_debug(self, *args: str) -> str:
        """gphoto2 --debug, its log (full of words like 'error': only the exit is checked)."""
        result = subprocess.run(
            self.argv("--debug", *args),
            capture_output=True,
            text=True,
            env=self.env(),
            cwd=self.home,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout + result.stderr


@contextmanager
def serve_rig(
    base: Path,
    command: Sequence[str],
    *,
    card: Path | None,
    files: dict[str, Path],
    title: str,
    address: str = ADDRESS,
    capture: Callable[[int], str] | None = "tcp port {}".format,
    **options: Any,
) -> Iterator[Rig]:
    """``command`` (a ``ptpkit serve``) served, with an isolated HOME in ``base``, tcpdump
    with the filter ``capture(port)`` (None: no capture), and a
    :class:`Rig` for it (``options`` are its fields). On the way out: the wall times
    printed, tcpdump and the emulator stopped, and the emulator must have exited 0."""
    home = base / "home"
    home.mkdir(parents=True)
    log = base / "emulator.log"
    emulator, ports = start_emulator(command, log, address)
    rig = Rig(card or base, files, home, ports[0], emulator, log, **options)
    if len(ports) > 1:
        rig.event_port = ports[1]
    try:
        if capture is not None:
            expression = capture(rig.port).split()
            rig.capture = Capture.start(base / "gphoto2.pcap", base / "tcpdump.log", *expression)
        yield rig
    finally:
        if rig.times:
            limit = "not asserted" if rig.limit is None else f"limit {rig.limit} s"
            print(f"\n\ngphoto2 wall times against {title} ({limit}):")
            for label, wall in rig.times.items():
                print(f"  {wall:6.3f} s  {label}")
        if rig.capture is not None:
            stop(rig.capture.proc, signal.SIGINT)
        code = stop(emulator)
        assert code == 0, f"the emulator exited {code}:\n{log.read_text()}"


# -- after the commands ------------------------------------------------------------------------
def tshark_ptpip(rig: Rig, *fields: str) -> tuple[list[list[str]], list[str]]:
    """Stop the capture (no packet may have been dropped) and read it with tshark's PTP/IP
    dissector: for each PTP/IP packet the values of ``ptpip.pktType`` and ``fields``, and
    the lines of the malformed packets."""
    tshark = require_program("tshark")
    stats = rig.stop_capture()
    assert re.search(r"^0 packets dropped by kernel", stats, re.MULTILINE), stats
    base = [tshark, "-r", str(rig.pcap), "-n", "-d", f"tcp.port=={rig.port},ptpip"]
    columns = [arg for name in ("ptpip.pktType", *fields) for arg in ("-e", name)]
    decoded = subprocess.run(
        [*base, "-Y", "ptpip", "-T", "fields", *columns],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    malformed = subprocess.run(
        [*base, "-Y", "_ws.malformed"], capture_output=True, text=True, timeout=120, check=True
    )
    rows = [line.split() for line in decoded.stdout.splitlines() if line.strip()]
    return rows, malformed.stdout.strip().splitlines()


def packet_types(rows: list[list[str]]) -> set[int]:
    """The PTP/IP packet types of :func:`tshark_ptpip`'s rows."""
    return {int(row[0], 0) for row in rows}


def dissect_json(pcap: Path, port: int) -> list[dict[str, Any]]:
    """``ptpkit dissect PCAP --port PORT --json`` (it must succeed): its records."""
    result = subprocess.run(
        [sys.executable, "-m", "ptpkit", "dissect", str(pcap), "--port", str(port), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
