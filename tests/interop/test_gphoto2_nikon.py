"""Debian's gphoto2 drives ``ptpkit serve --persona nikon --writable`` (issue 13, "Done when" 2).

gphoto2 (2.5.30 library) must take its Nikon path (the ``--debug`` log shows VendorExtensionID
0xA and GetVendorPropCodes, and the capture goes through InitiateCaptureRecInMedia,
DeviceReady and GetEvent), and succeed at ``--summary``, ``--list-files``,
``--get-all-files`` (byte-identical), ``--capture-image-and-download`` (the SDRAM picture,
then DeleteObject of 0xFFFF0001), ``--wait-event=5s`` while ``ptpkit capture`` takes a
picture (the new file is reported, through GetEvent), ``--get-config`` / ``--set-config``
on a standard and a vendor property, and ``--capture-preview`` (live view, EndLiveView at
exit). Every command's wall time is printed and must stay well under gphoto2's 2.5 s I/O
timeout (``--wait-event=5s`` waits 5 s by definition: there the time from the capture to
gphoto2's report is bounded instead). The last test asks tshark for malformed packets in
the loopback capture of all of it.

The harness (emulator process, tcpdump, isolated ``HOME``, the gphoto2 runner) is
test_gphoto2.py's.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import require_program
from test_gphoto2 import (  # the generic persona's harness
    Rig,
    _kb,
    _read_address,
    _valid_jpeg,
    make_card,
    parse_listing,
    stop,
)

pytestmark = [pytest.mark.interop, pytest.mark.timeout(180)]

STORE = "/store_00010001"
LIMIT = 2.5  # gphoto2's I/O timeout: every command must stay well under it


def emulator_command(folder: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "ptpkit",
        "serve",
        str(folder),
        "--persona",
        "nikon",
        "--writable",
        "--port",
        "0",
        "--packet-per-write",  # one PTP/IP packet per segment: tshark sees each one
    ]


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    require_program("gphoto2")
    tcpdump_program = require_program("tcpdump")
    base = tmp_path_factory.mktemp("gphoto2-nikon")
    card = base / "card"
    card.mkdir()
    files = make_card(card)
    home = base / "home"
    home.mkdir()
    emulator_log = base / "emulator.log"
    with emulator_log.open("wb") as out:
        emulator = subprocess.Popen(emulator_command(card), stdout=out, stderr=subprocess.STDOUT)
    tcpdump: subprocess.Popen[bytes] | None = None
    try:
        port = _read_address(emulator, emulator_log)
        pcap = base / "gphoto2-nikon.pcap"
        tcpdump_log = base / "tcpdump.log"
        with tcpdump_log.open("wb") as err:
            tcpdump = subprocess.Popen(
                [
                    tcpdump_program,
                    "-B",
                    "65536",
                    "-i",
                    "lo",
                    "-U",
                    "-n",
                    "-w",
                    str(pcap),
                    "tcp",
                    "port",
                    str(port),
                ],
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        deadline = time.monotonic() + 15
        while "listening on" not in tcpdump_log.read_text(errors="replace"):
            if tcpdump.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"tcpdump did not start:\n{tcpdump_log.read_text(errors='replace')}")
            time.sleep(0.05)
        rig = Rig(card, files, home, port, pcap, emulator, tcpdump, tcpdump_log, emulator_log)
        yield rig
        if rig.times:
            print("\n\ngphoto2 wall times against the nikon persona (I/O timeout 2.5 s):")
            for label, wall in rig.times.items():
                print(f"  {wall:6.3f} s  {label}")
    finally:
        if tcpdump is not None:
            stop(tcpdump, signal.SIGINT)
        code = stop(emulator)
        assert code == 0, f"the emulator exited {code}:\n{emulator_log.read_text()}"


def gphoto2(rig: Rig, *args: str, cwd: Path | None = None) -> str:
    """Run gphoto2 (it must succeed), and check its wall time against the limit."""
    out = rig.gphoto2(*args, cwd=cwd)
    wall = rig.times["gphoto2 " + " ".join(args)]
    assert wall < LIMIT, f"gphoto2 {' '.join(args)} took {wall:.3f} s"
    return out


def gphoto2_debug(rig: Rig, *args: str) -> str:
    program = require_program("gphoto2")
    env = {**os.environ, "HOME": str(rig.home), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    argv = [program, "--port", f"ptpip:127.0.0.1:{rig.port}:{rig.port}", "--debug", *args]
    result = subprocess.run(
        argv, capture_output=True, text=True, env=env, cwd=rig.home, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


# -- the Done-when commands ------------------------------------------------------------------------
def test_debug_log_shows_the_nikon_path(rig: Rig) -> None:
    log = gphoto2_debug(rig, "--summary")
    assert "Vendor extension ID: 0x0000000a" in log
    assert "Sending PTP_OC 0x90ca (GetVendorPropCodes)" in log
    assert "0x90c7 (GetEvent)" in log and "0x9207 (InitiateCaptureRecInMedia)" in log
    # the vendor properties from 0x90CA are described too
    assert re.search(r"Sending PTP_OC 0x1014 .*\(0xd032\)", log), "ColorSpace not read"


def test_summary(rig: Rig) -> None:
    out = gphoto2(rig, "--summary")
    assert "Manufacturer: Nikon Corporation" in out
    assert "Model: Z 6" in out
    assert "Vendor Extension ID: 0xa" in out
    assert "Nikon Capture" in out
    assert "Color Space(0xd032)" in out and "Recording Media(0xd10b)" in out
    assert "store_00010001" in out


def test_list_files(rig: Rig) -> None:
    entries = parse_listing(gphoto2(rig, "--list-files"))
    listed = {name: (folder, kb) for folder, _, name, kb in entries}
    assert sorted(listed) == sorted(rig.files)
    for name, path in rig.files.items():
        folder, kb = listed[name]
        rel = path.parent.relative_to(rig.card).as_posix()
        assert folder == (STORE if rel == "." else f"{STORE}/{rel}"), name
        assert kb == _kb(path.stat().st_size), name


def test_get_all_files(rig: Rig, tmp_path: Path) -> None:
    out = gphoto2(rig, "--get-all-files", "--force-overwrite", cwd=tmp_path)
    for name, path in rig.files.items():
        assert f"Saving file as {name}" in out
        got = tmp_path / name
        assert got.is_file(), f"{name} was not downloaded:\n{out}"
        assert (
            hashlib.sha256(got.read_bytes()).digest() == hashlib.sha256(path.read_bytes()).digest()
        )


def test_capture_image_and_download(rig: Rig, tmp_path: Path) -> None:
    before = set(rig.card.rglob("*"))
    out = gphoto2(rig, "--capture-image-and-download", "--force-overwrite", cwd=tmp_path)
    # the picture came from SDRAM (object 0xFFFF0001, parent 0): gphoto2 calls it capt0000
    assert "New file is in location /capt0000.jpg on the camera" in out, out
    assert "Saving file as capt0000.jpg" in out
    assert "Deleting file /capt0000.jpg on the camera" in out
    assert _valid_jpeg(tmp_path / "capt0000.jpg") == (1920, 1080)
    assert set(rig.card.rglob("*")) == before  # nothing was written to the card


def test_capture_goes_through_the_nikon_operations(rig: Rig) -> None:
    log = gphoto2_debug(rig, "--capture-image")
    order = [
        "0x9207 (InitiateCaptureRecInMedia) (0xffffffff,0x1)",
        "0x90c8 (DeviceReady)",
        "0x90c7 (GetEvent)",
        "0x1008 (Get object info) (0xffff0001)",
    ]
    positions = [log.find(f"Sending PTP_OC {op}") for op in order]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), positions
    assert "event.Code is c101 / param ffff0001" in log
    assert "result=0x2019" in log  # DeviceReady answered busy before it answered OK
    assert "Sending PTP_OC 0x9202 (EndLiveView)" in log  # at exit, since live view is listed


def test_wait_event_reports_a_picture_taken_meanwhile(rig: Rig) -> None:
    program = require_program("gphoto2")
    env = {**os.environ, "HOME": str(rig.home), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    argv = [program, "--port", f"ptpip:127.0.0.1:{rig.port}:{rig.port}", "--wait-event=5s"]
    start = time.perf_counter()
    waiting = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=rig.home
    )
    try:
        time.sleep(1.0)  # gphoto2 is connected and polling GetEvent
        shot = subprocess.run(
            [sys.executable, "-m", "ptpkit", "capture", "-H", "127.0.0.1", "-p", str(rig.port)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        captured_at = time.perf_counter()
        assert shot.returncode == 0, shot.stdout + shot.stderr
        found = re.search(r"captured (/store_00010001/\S+/(\S+))", shot.stdout)
        assert found, shot.stdout
        folder, name = found.group(1).rsplit("/", 1)[0], found.group(2)
        out, _ = waiting.communicate(timeout=30)
    finally:
        if waiting.poll() is None:
            stop(waiting)
    wall = time.perf_counter() - start
    rig.times["gphoto2 --wait-event=5s (ptpkit capture meanwhile)"] = wall
    print(f"\ngphoto2 --wait-event=5s: {wall:.3f} s (waits 5 s by definition)", flush=True)
    assert waiting.returncode == 0, out
    assert f"FILEADDED {name} {folder}" in out, out
    assert "ERROR" not in out, out
    assert wall - (captured_at - start) < 5.0 + LIMIT, "gphoto2 hung after the wait"


def test_wait_event_until_the_file_is_added(rig: Rig) -> None:
    """The same with ``--wait-event=FILEADDED``: gphoto2 stops at the report, so the time
    from the start of the capture to the report is measured."""
    program = require_program("gphoto2")
    env = {**os.environ, "HOME": str(rig.home), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    argv = [program, "--port", f"ptpip:127.0.0.1:{rig.port}:{rig.port}", "--wait-event=FILEADDED"]
    waiting = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=rig.home
    )
    ended: list[float] = []
    watcher = threading.Thread(
        target=lambda: ended.append(waiting.wait() * 0 + time.perf_counter())
    )
    try:
        time.sleep(1.0)
        capture_start = time.perf_counter()
        watcher.start()
        shot = subprocess.run(
            [sys.executable, "-m", "ptpkit", "capture", "-H", "127.0.0.1", "-p", str(rig.port)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert shot.returncode == 0, shot.stdout + shot.stderr
        out, _ = waiting.communicate(timeout=30)
        watcher.join(timeout=30)
    finally:
        if waiting.poll() is None:
            stop(waiting)
    reported = ended[0] - capture_start
    rig.times["gphoto2 --wait-event=FILEADDED, from the start of ptpkit capture"] = reported
    print(
        f"\ngphoto2 --wait-event=FILEADDED: {reported:.3f} s from the capture's start", flush=True
    )
    assert "FILEADDED" in out and "event found, stopping wait!" in out, out
    assert reported < LIMIT


def test_get_and_set_config(rig: Rig) -> None:
    out = gphoto2(rig, "--get-config", "iso")
    assert "Label: ISO Speed" in out and "Current: 200" in out
    gphoto2(rig, "--set-config", "iso=800")
    assert "Current: 800" in gphoto2(rig, "--get-config", "iso")
    # a vendor property, found through GetVendorPropCodes
    out = gphoto2(rig, "--get-config", "colorspace")
    assert "Label: Color Space" in out and "Current: sRGB" in out
    gphoto2(rig, "--set-config", "colorspace=AdobeRGB")
    assert "Current: AdobeRGB" in gphoto2(rig, "--get-config", "colorspace")
    assert "Current: 76%" in gphoto2(rig, "--get-config", "batterylevel")


def test_capture_preview(rig: Rig, tmp_path: Path) -> None:
    out = gphoto2(rig, "--capture-preview", "--force-overwrite", cwd=tmp_path)
    assert "Saving file as capture_preview.jpg" in out
    assert _valid_jpeg(tmp_path / "capture_preview.jpg") == (320, 240)


# -- the capture of all of the above -----------------------------------------------------------
def test_tshark_finds_no_malformed_packet(rig: Rig) -> None:
    tshark = require_program("tshark")
    if not rig.times:  # run on its own: capture at least one session
        gphoto2(rig, "--summary")
    stats = rig.stop_capture()
    assert re.search(r"^0 packets dropped by kernel", stats, re.MULTILINE), stats
    base = [tshark, "-r", str(rig.pcap), "-n", "-d", f"tcp.port=={rig.port},ptpip"]
    decoded = subprocess.run(
        [*base, "-Y", "ptpip", "-T", "fields", "-e", "ptpip.pktType", "-e", "ptpip.opcode"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    types = {int(line.split()[0], 0) for line in decoded.stdout.splitlines() if line.strip()}
    assert {1, 2, 3, 4, 6, 7, 9, 12} <= types, types  # the dissector did see PTP/IP
    opcodes = {
        int(code, 0)
        for line in decoded.stdout.splitlines()
        for code in line.split()[1:2]
        if code.startswith("0x")
    }
    assert {0x90C7, 0x90C8, 0x9207} <= opcodes, sorted(hex(c) for c in opcodes)
    malformed = subprocess.run(
        [*base, "-Y", "_ws.malformed"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert malformed.stdout.strip() == "", malformed.stdout
