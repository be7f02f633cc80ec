"""Debian's gphoto2 drives ``ptpkit serve --persona canon-eos --writable`` (issue 14, "Done
when").

gphoto2 2.5.30 must take its Canon EOS path (SetRemoteMode, SetEventMode, GetEvent polling,
GetObjectInfoEx listing, RemoteRelease; ``--debug`` shows the EOS operations) and succeed at
``--summary``, ``--list-files``, ``--get-all-files`` (byte-identical, a file above 1 MiB
read in GetPartialObject pieces), ``--capture-image-and-download`` (a JPEG Pillow opens,
fetched from the camera's memory), ``--wait-event=5s`` while another initiator takes a
picture (it reports the new file), ``--get-config iso`` / ``--set-config iso=...`` (read
back), and ``--list-config`` (EOS properties). Every command's wall time is printed and must
be well under gphoto2's 2.5 s I/O timeout (``--wait-event=5s`` waits 5 s by design: its
bound is 5 s more). tcpdump captures everything; tshark must find no malformed packet, and
``ptpkit dissect`` decodes the GetEvent answers record by record.

The card holds DCF names in DCIM/100CANON, and one long name at the root: GetObjectInfoEx,
gphoto2's EOS listing, has 12 characters per name, so gphoto2 sees that file by its FAT
short name (``NOTESF~1.TXT``) and downloads it under that name, byte for byte.
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
from test_gphoto2 import parse_listing, stop

import ptpkit.sync

pytestmark = [pytest.mark.interop, pytest.mark.timeout(180)]

STORE = "/store_00010001"
#: gphoto2's read timeout: every command must finish well within it.
LIMIT = 2.5


def _jpeg(color: tuple[int, int, int], size: tuple[int, int] = (320, 240)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=90)
    return out.getvalue()


def make_card(root: Path) -> dict[str, Path]:
    files = {
        "DCIM/100CANON/IMG_0001.JPG": _jpeg((200, 30, 30)),
        "DCIM/100CANON/IMG_0002.JPG": _jpeg((30, 200, 30), (640, 480)),
        "DCIM/100CANON/MVI_0003.MOV": random.Random(3).randbytes(2 * 1024 * 1024 + 777),
        "Notes from the shoot.txt": b"light was good\n",
    }
    paths = {}
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        paths[path.name] = path
    return paths


#: How gphoto2's EOS listing (GetObjectInfoEx, 12 characters a name) shows each file.
LISTED = {"Notes from the shoot.txt": "NOTESF~1.TXT"}


def listed_name(name: str) -> str:
    return LISTED.get(name, name)


@dataclass
class Rig:
    card: Path
    files: dict[str, Path]
    home: Path
    port: int
    pcap: Path
    emulator: subprocess.Popen[bytes]
    tcpdump: subprocess.Popen[bytes]
    tcpdump_log: Path
    times: dict[str, float] = field(default_factory=dict)
    capture_stopped: bool = False

    def start_gphoto2(
        self, *args: str, cwd: Path | None = None, home: Path | None = None
    ) -> subprocess.Popen[str]:
        program = require_program("gphoto2")
        env = {
            **os.environ,
            "HOME": str(home or self.home),
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
        }
        argv = [program, "--port", f"ptpip:127.0.0.1:{self.port}:{self.port}", *args]
        return subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd=cwd or self.home,
        )

    def gphoto2(
        self, *args: str, cwd: Path | None = None, home: Path | None = None, limit: float = LIMIT
    ) -> str:
        label = "gphoto2 " + " ".join(args)
        start = time.perf_counter()
        proc = self.start_gphoto2(*args, cwd=cwd, home=home)
        try:
            output, _ = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        wall = time.perf_counter() - start
        self.times[label] = wall
        print(f"\n{label}: {wall:.3f} s", flush=True)
        assert proc.returncode == 0, f"{label} exited {proc.returncode}:\n{output}"
        assert "*** Error" not in output and "ERROR" not in output, f"{label}:\n{output}"
        assert wall < limit, f"{label} took {wall:.3f} s (limit {limit} s)"
        return output

    def stop_capture(self) -> str:
        if not self.capture_stopped:
            self.capture_stopped = True
            time.sleep(1.5)  # let the last packets reach the file (gphoto2-interop.md)
            stop(self.tcpdump, signal.SIGINT)
        return self.tcpdump_log.read_text(errors="replace")


def _read_port(proc: subprocess.Popen[bytes], log: Path) -> int:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        found = re.search(r"listening on 127\.0\.0\.1:(\d+)", text)
        if found:
            return int(found.group(1))
        if proc.poll() is not None:
            pytest.fail(f"the emulator exited with {proc.returncode}:\n{text}")
        time.sleep(0.05)
    pytest.fail(f"the emulator printed no address:\n{log.read_text(errors='replace')}")


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    require_program("gphoto2")
    tcpdump_program = require_program("tcpdump")
    base = tmp_path_factory.mktemp("gphoto2-canon")
    card = base / "card"
    files = make_card(card)
    home = base / "home"
    home.mkdir()
    log = base / "emulator.log"
    command = [
        sys.executable,
        "-m",
        "ptpkit",
        "serve",
        str(card),
        "--persona",
        "canon-eos",
        "--writable",
        "--port",
        "0",
        "--packet-per-write",  # one PTP/IP packet per TCP segment: tshark sees each
    ]
    with log.open("wb") as out:
        emulator = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    tcpdump: subprocess.Popen[bytes] | None = None
    try:
        port = _read_port(emulator, log)
        pcap = base / "gphoto2-canon.pcap"
        tcpdump_log = base / "tcpdump.log"
        with tcpdump_log.open("wb") as err:
            tcpdump = subprocess.Popen(
                [tcpdump_program, "-B", "65536", "-i", "lo", "-U", "-n", "-w", str(pcap),
                 "tcp", "port", str(port)],
                stdout=subprocess.DEVNULL,
                stderr=err,
            )  # fmt: skip
        deadline = time.monotonic() + 15
        while "listening on" not in tcpdump_log.read_text(errors="replace"):
            if tcpdump.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"tcpdump did not start:\n{tcpdump_log.read_text(errors='replace')}")
            time.sleep(0.05)
        rig = Rig(card, files, home, port, pcap, emulator, tcpdump, tcpdump_log)
        yield rig
        if rig.times:
            print(f"\n\ngphoto2 wall times against the canon-eos persona (limit {LIMIT} s):")
            for label, wall in rig.times.items():
                print(f"  {wall:6.3f} s  {label}")
    finally:
        if tcpdump is not None:
            stop(tcpdump, signal.SIGINT)
        code = stop(emulator)
        assert code == 0, f"the emulator exited {code}:\n{log.read_text()}"


def _valid_jpeg(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        assert image.format == "JPEG"
        image.load()
        return image.size


# -- the Done-when commands ------------------------------------------------------------------
def test_summary(rig: Rig) -> None:
    out = rig.gphoto2("--summary")
    assert "Manufacturer: Canon Inc." in out
    assert "Model: Canon EOS 5D Mark IV" in out
    assert "Vendor Extension ID: 0xb" in out
    assert "Canon EOS Capture" in out  # the capability gphoto2 gives EOS bodies only
    assert "store_00010001" in out


def test_gphoto2_takes_its_eos_path(rig: Rig) -> None:
    debug = rig.home / "debug.txt"
    rig.gphoto2("--debug", f"--debug-logfile={debug}", "--get-config", "iso")
    sent = re.findall(r"Sending PTP_OC 0x([0-9a-f]{4}) \(([^)]*)\)", debug.read_text())
    names = {name for _, name in sent}
    for name in ("EOS_SetRemoteMode", "EOS_SetEventMode", "EOS_GetEvent", "EOS_GetObjectInfoEx"):
        assert name in names, sorted(names)
    assert "EOS_GetStorageIDs" in names and "EOS_GetDeviceInfoEx" in names


def test_list_files(rig: Rig) -> None:
    entries = parse_listing(rig.gphoto2("--list-files"))
    listed = {name: (folder, kb) for folder, _, name, kb in entries}
    assert sorted(listed) == sorted(listed_name(name) for name in rig.files)
    for name, path in rig.files.items():
        folder, kb = listed[listed_name(name)]
        rel = path.parent.relative_to(rig.card).as_posix()
        assert folder == (STORE if rel == "." else f"{STORE}/{rel}"), name
        assert kb == max(1, -(-path.stat().st_size // 1024)), name


def test_get_all_files(rig: Rig, tmp_path: Path) -> None:
    out = rig.gphoto2("--get-all-files", "--force-overwrite", cwd=tmp_path)
    for name, path in rig.files.items():
        assert f"Saving file as {listed_name(name)}" in out
        got = tmp_path / listed_name(name)
        assert got.is_file(), f"{name} was not downloaded:\n{out}"
        digest = hashlib.sha256(got.read_bytes()).digest()
        assert digest == hashlib.sha256(path.read_bytes()).digest(), name


def test_capture_image_and_download(rig: Rig, tmp_path: Path) -> None:
    out = rig.gphoto2("--capture-image-and-download", "--force-overwrite", cwd=tmp_path)
    found = re.search(r"New file is in location (\S+) on the camera", out)
    assert found, out
    assert found.group(1) == "/capt0000.jpg"  # from the camera's memory (SDRAM)
    assert "Saving file as capt0000.jpg" in out
    assert _valid_jpeg(tmp_path / "capt0000.jpg") == (3360, 2240)
    before = {p.name for p in rig.card.rglob("*")}
    assert "IMG_0004.JPG" not in before  # nothing was written to the card


def test_wait_event_reports_a_new_picture(rig: Rig) -> None:
    label = "gphoto2 --wait-event=5s"
    start = time.perf_counter()
    proc = rig.start_gphoto2("--wait-event=5s")
    try:
        time.sleep(1.0)  # gphoto2 is connected and polling
        with ptpkit.sync.connect("127.0.0.1", rig.port) as other:
            other.set_property("capturetarget", "card")
            (shot,) = other.capture(timeout=10)
        output, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    wall = time.perf_counter() - start
    rig.times[label] = wall
    print(f"\n{label}: {wall:.3f} s", flush=True)
    assert proc.returncode == 0, output
    assert f"FILEADDED {shot.name} {STORE}/DCIM/100CANON" in output, output
    assert "CAPTURECOMPLETE" in output, output
    assert wall < 5 + LIMIT


def test_get_and_set_config_iso(rig: Rig) -> None:
    out = rig.gphoto2("--get-config", "iso")
    assert "Label: ISO Speed" in out and "Type: RADIO" in out
    assert "Current: 100" in out and "Choice: 0 Auto" in out and "Choice: 7 400" in out
    rig.gphoto2("--set-config", "iso=400")
    assert "Current: 400" in rig.gphoto2("--get-config", "iso")
    rig.gphoto2("--set-config-value", "iso=1600")
    assert "Current: 1600" in rig.gphoto2("--get-config", "iso")


def test_list_config_shows_eos_properties(rig: Rig) -> None:
    out = rig.gphoto2("--list-config")
    for entry in (
        "/main/imgsettings/iso",
        "/main/imgsettings/whitebalance",
        "/main/imgsettings/imageformat",
        "/main/capturesettings/aperture",
        "/main/capturesettings/shutterspeed",
        "/main/capturesettings/drivemode",
        "/main/status/batterylevel",
        "/main/status/availableshots",
        "/main/settings/capturetarget",
    ):
        assert entry in out, out
    assert out.count("/main/status/batterylevel") == 1


def test_capture_to_the_card(rig: Rig, tmp_path: Path) -> None:
    """gphoto2's "Memory card" capture target: ObjectAddedEx, then GetObjectInfo, GetObject
    and DeleteObject (its own settings file remembers the target: a HOME of its own)."""
    home = tmp_path / "home"
    home.mkdir()
    rig.gphoto2("--set-config", "capturetarget=1", home=home)
    assert "Current: Memory card" in rig.gphoto2("--get-config", "capturetarget", home=home)
    out = rig.gphoto2("--capture-image-and-download", cwd=tmp_path, home=home)
    found = re.search(rf"New file is in location {STORE}/DCIM/100CANON/(IMG_\d{{4}}.JPG)", out)
    assert found, out
    name = found.group(1)
    _valid_jpeg(tmp_path / name)
    assert f"Deleting file {STORE}/DCIM/100CANON/{name}" in out
    assert not (rig.card / "DCIM" / "100CANON" / name).exists()


# -- the capture of all of the above ---------------------------------------------------------------
def test_tshark_finds_no_malformed_packet_and_ptpkit_decodes_getevent(rig: Rig) -> None:
    tshark = require_program("tshark")
    if not rig.times:  # run on its own: capture at least one session
        rig.gphoto2("--get-config", "iso")
    stats = rig.stop_capture()
    assert re.search(r"^0 packets dropped by kernel", stats, re.MULTILINE), stats
    base = [tshark, "-r", str(rig.pcap), "-n", "-d", f"tcp.port=={rig.port},ptpip"]
    decoded = subprocess.run(
        [*base, "-Y", "ptpip", "-T", "fields", "-e", "ptpip.pktType"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    types = {int(v, 0) for v in decoded.stdout.split()}
    assert {1, 2, 3, 4, 6, 7, 9, 12} <= types, types
    malformed = subprocess.run(
        [*base, "-Y", "_ws.malformed"], capture_output=True, text=True, timeout=120, check=True
    )
    assert malformed.stdout.strip() == "", malformed.stdout
    dissected = subprocess.run(
        [sys.executable, "-m", "ptpkit", "dissect", str(rig.pcap), "--port", str(rig.port),
         "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )  # fmt: skip
    assert dissected.returncode == 0, dissected.stderr
    records = [json.loads(line) for line in dissected.stdout.splitlines()]
    events = [r["dataset"] for r in records if r.get("dataset", {}).get("type") == "GetEvent"]
    assert events and not [r for r in records if "dataset_error" in r]
    kinds = {item["record_name"] for answer in events for item in answer["value"]}
    assert {"PropValueChanged", "AvailListChanged", "RequestObjectTransfer"} <= kinds
    names = {r.get("code_name") for r in records}
    assert {"SetRemoteMode", "GetEvent", "RemoteRelease", "TransferComplete"} <= names
