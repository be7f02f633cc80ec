"""Debian's gphoto2 drives ``ptpkit serve --persona fujifilm`` (issue 16, "Done when").

gphoto2 takes its Fujifilm transport for the model "Fuji X (WLAN)" (dialects.md §5):
``--camera "Fuji X (WLAN)" --port ptpip:127.0.0.1:PORT:EVENTPORT``, where the third field
is the event port (it does not follow a custom command port; the live-view port is the
event port + 1, as the persona's is). Each command must succeed, be correct and take
well under gphoto2's 2.5 s I/O timeout (asserted with a wide margin, and printed).

Two personas: one serves a card with files (summary, listing, downloads, config); the
capture runs against a second one with an empty card, because gphoto2 2.5.30's event
wait after a Fujifilm capture takes every object it has not looked at in the run for a
new one, and ``--capture-image-and-download`` would download and then delete them all
(see the persona's documentation). tcpdump records the first persona's traffic: the
double Init Command Request is checked on the wire, and ``ptpkit dissect`` decodes the
whole capture as Fujifilm sessions.

Before it connects the event socket, gphoto2 reads it for events and prints "read
fujiptpip generic: Transport endpoint is not connected" (its own, harmless).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import require_program
from PIL import Image

pytestmark = [pytest.mark.interop, pytest.mark.timeout(180)]

STORE = "/store_00010001"
CAMERA = "Fuji X (WLAN)"
#: gphoto2's I/O timeout is 2.5 s; every command must stay well below it.
LIMIT = 2.5
_HARMLESS = "read fujiptpip generic: Transport endpoint is not connected"


def _noise_jpeg(width: int, height: int, seed: int) -> bytes:
    raw = random.Random(seed).randbytes(width * height * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), raw).save(out, "JPEG", quality=95)
    return out.getvalue()


def _small_jpeg(color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), color).save(out, "JPEG", quality=90)
    return out.getvalue()


def make_card(root: Path) -> dict[str, Path]:
    files = {
        "DCIM/100_FUJI/DSCF0001.JPG": _small_jpeg((200, 30, 30)),
        "DCIM/100_FUJI/DSCF0002.JPG": _noise_jpeg(1200, 900, 2),  # above 1 MiB: partial reads
        "DCIM/101_FUJI/DSCF0103.JPG": _small_jpeg((30, 30, 200)),
    }
    paths = {}
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        paths[path.name] = path
    assert (root / "DCIM/100_FUJI/DSCF0002.JPG").stat().st_size > 1 << 20
    return paths


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 10) -> int:
    """Signal a process we started, by its id, and reap it."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)
    return proc.returncode


def start_persona(card: Path, log: Path) -> tuple[subprocess.Popen[bytes], int, int]:
    """``ptpkit serve --persona fujifilm``; its command and event ports."""
    argv = [sys.executable, "-m", "ptpkit", "serve", "--persona", "fujifilm"]
    argv += [str(card), "--writable", "--port", "0", "--rescan-interval", "0"]
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        found = re.search(r"listening on 127\.0\.0\.1:(\d+) \(events (\d+)", text)
        if found:
            return proc, int(found.group(1)), int(found.group(2))
        if proc.poll() is not None:
            pytest.fail(f"the persona exited with {proc.returncode}:\n{text}")
        time.sleep(0.05)
    stop(proc)
    pytest.fail(f"the persona printed no address:\n{log.read_text(errors='replace')}")


@dataclass
class Persona:
    card: Path
    files: dict[str, Path]
    home: Path
    port: int
    event_port: int
    proc: subprocess.Popen[bytes]
    log: Path
    times: dict[str, float] = field(default_factory=dict)

    def gphoto2(self, *args: str, cwd: Path | None = None) -> str:
        program = require_program("gphoto2")
        env = {**os.environ, "HOME": str(self.home), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
        port = f"ptpip:127.0.0.1:{self.port}:{self.event_port}"
        argv = [program, "--camera", CAMERA, "--port", port, *args]
        start = time.perf_counter()
        result = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            env=env,
            cwd=cwd or self.home,
            timeout=60,
            check=False,
        )
        wall = time.perf_counter() - start
        label = "gphoto2 " + " ".join(args)
        self.times[label] = wall
        print(f"\n{label}: {wall:.3f} s", flush=True)
        output = result.stdout + result.stderr.replace(_HARMLESS, "")
        assert result.returncode == 0, f"{label} exited {result.returncode}:\n{output}"
        assert "*** Error" not in output and "ERROR" not in output, f"{label}:\n{output}"
        assert wall < LIMIT, f"{label} took {wall:.3f} s"
        return result.stdout


def _open(base: Path, name: str, files_on_card: bool) -> Persona:
    card = base / f"{name}-card"
    card.mkdir()
    files = make_card(card) if files_on_card else {}
    home = base / f"{name}-home"
    home.mkdir()
    log = base / f"{name}.log"
    proc, port, event_port = start_persona(card, log)
    return Persona(card, files, home, port, event_port, proc, log)


def _close(persona: Persona) -> None:
    code = stop(persona.proc)
    if persona.times:
        print(f"\n\ngphoto2 wall times against the fujifilm persona (limit {LIMIT} s):")
        for label, wall in persona.times.items():
            print(f"  {wall:6.3f} s  {label}")
    assert code == 0, f"the persona exited {code}:\n{persona.log.read_text()}"


@dataclass
class Capture:
    pcap: Path
    log: Path
    proc: subprocess.Popen[bytes]
    stopped: bool = False

    def finish(self) -> str:
        if not self.stopped:
            self.stopped = True
            time.sleep(1.0)  # let the last packets reach the file
            stop(self.proc, signal.SIGINT)
        return self.log.read_text(errors="replace")


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Persona, Capture]]:
    require_program("gphoto2")
    tcpdump = require_program("tcpdump")
    base = tmp_path_factory.mktemp("fuji")
    persona = _open(base, "main", files_on_card=True)
    pcap, log = base / "fuji.pcap", base / "tcpdump.log"
    ports = f"tcp portrange {persona.port}-{persona.port + 2}"
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [tcpdump, "-B", "65536", "-i", "lo", "-U", "-n", "-w", str(pcap), *ports.split()],
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    capture = Capture(pcap, log, proc)
    try:
        deadline = time.monotonic() + 15
        while "listening on" not in log.read_text(errors="replace"):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"tcpdump did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.05)
        yield persona, capture
    finally:
        capture.finish()
        _close(persona)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Persona]:
    require_program("gphoto2")
    persona = _open(tmp_path_factory.mktemp("fuji-fresh"), "fresh", files_on_card=False)
    try:
        yield persona
    finally:
        _close(persona)


_LISTING_LINE = re.compile(r"^#(\d+)\s+(.+?)\s+rd?w?\s+(\d+) KB", re.MULTILINE)
_FOLDER_LINE = re.compile(r"in folder '([^']*)'")


def parse_listing(output: str) -> list[tuple[str, str, int]]:
    """(folder, name, KB) for each file of ``gphoto2 --list-files``."""
    entries = []
    folder = ""
    for line in output.splitlines():
        header = _FOLDER_LINE.search(line)
        if header:
            folder = header.group(1)
            continue
        entry = _LISTING_LINE.match(line)
        if entry:
            entries.append((folder, entry.group(2), int(entry.group(3))))
    return entries


# -- the Done-when commands ------------------------------------------------------------------
def test_summary(rig: tuple[Persona, Capture]) -> None:
    persona, _ = rig
    out = persona.gphoto2("--summary")
    assert "Manufacturer: FUJIFILM" in out
    assert "Model: X-T3" in out
    assert "store_00010001" in out
    # the property list is the persona's 0x902B answer
    assert "Film Simulation(0xd001)" in out and "PriorityMode(0xd207)" in out


def test_list_files(rig: tuple[Persona, Capture]) -> None:
    persona, _ = rig
    entries = parse_listing(persona.gphoto2("--list-files"))
    listed = {name: folder for folder, name, _ in entries}
    assert sorted(listed) == sorted(persona.files)
    for name, path in persona.files.items():
        rel = path.parent.relative_to(persona.card).as_posix()
        assert listed[name] == f"{STORE}/{rel}"


def test_get_all_files(rig: tuple[Persona, Capture], tmp_path: Path) -> None:
    persona, _ = rig
    out = persona.gphoto2("--get-all-files", "--force-overwrite", cwd=tmp_path)
    for name, path in persona.files.items():
        assert f"Saving file as {name}" in out
        got = tmp_path / name
        assert (
            hashlib.sha256(got.read_bytes()).digest() == hashlib.sha256(path.read_bytes()).digest()
        ), name


def test_get_and_set_config(rig: tuple[Persona, Capture]) -> None:
    persona, _ = rig
    out = persona.gphoto2("--get-config", "filmsimulation")
    assert "Label: Film Simulation" in out
    assert "Current: PROVIA/Standard" in out
    assert "Classic Chrome" in out
    persona.gphoto2("--set-config", "filmsimulation=Classic Chrome")
    assert "Current: Classic Chrome" in persona.gphoto2("--get-config", "filmsimulation")


def test_capture_image_and_download(fresh: Persona, tmp_path: Path) -> None:
    for _ in range(2):
        out = fresh.gphoto2("--capture-image-and-download", "--force-overwrite", cwd=tmp_path)
        found = re.search(r"New file is in location (\S+) on the camera", out)
        assert found, out
        location = found.group(1)
        assert location.startswith(f"{STORE}/DCIM/100_FUJI/DSCF")
        name = location.rsplit("/", 1)[1]
        assert f"Saving file as {name}" in out
        assert f"Deleting file {location}" in out
        with Image.open(tmp_path / name) as image:
            assert image.format == "JPEG"
        assert not (fresh.card / location.removeprefix(f"{STORE}/")).exists()


# -- the wire ----------------------------------------------------------------------------------
def test_the_double_init_on_the_wire_and_dissect(rig: tuple[Persona, Capture]) -> None:
    """Every gphoto2 run sent its 82-byte Init Command Request twice on one connection,
    the second after the first Ack; ``ptpkit dissect`` decodes all of it, and tshark finds
    nothing wrong with the TCP under it."""
    persona, capture = rig
    if not persona.times:
        persona.gphoto2("--summary")
    stats = capture.finish()
    assert re.search(r"^0 packets dropped by kernel", stats, re.MULTILINE), stats
    result = subprocess.run(
        [
            *(sys.executable, "-m", "ptpkit", "dissect", str(capture.pcap)),
            *("--port", str(persona.port), "--json"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert records and not [r for r in records if r.get("error")]
    by_stream: dict[int, list[str]] = {}
    for record in records:
        by_stream.setdefault(record["stream"], []).append(record.get("type_name", ""))
    handshakes = [
        names[:4] for names in by_stream.values() if names and names[0] == "InitCommandRequest"
    ]
    assert handshakes, by_stream
    for names in handshakes:
        assert names == [
            "InitCommandRequest",
            "InitCommandAck",
            "InitCommandRequest",
            "InitCommandAck",
        ]
    # tshark has no dissector for the variant: the TCP it carries is all it can judge.
    tshark = require_program("tshark")
    malformed = subprocess.run(
        [
            tshark,
            "-r",
            str(capture.pcap),
            "-n",
            "-Y",
            "_ws.malformed || _ws.expert.severity >= error",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert malformed.stdout.strip() == "", malformed.stdout
