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
gphoto2_harness.py's; so is the card (the generic persona's).
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import require_program
from gphoto2_harness import (
    PTPIP_TYPES,
    Rig,
    check_get_all_files,
    check_list_files,
    make_card,
    packet_types,
    serve_command,
    serve_rig,
    stop,
    tshark_ptpip,
    valid_jpeg,
)

pytestmark = [pytest.mark.interop, pytest.mark.timeout(180)]

LIMIT = 2.5  # gphoto2's I/O timeout: every command must stay well under it


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    require_program("gphoto2")
    base = tmp_path_factory.mktemp("gphoto2-nikon")
    card = base / "card"
    card.mkdir()
    files = make_card(card)
    # --packet-per-write: one PTP/IP packet per segment, tshark sees each one
    command = serve_command(card, "--persona", "nikon", "--writable", "--packet-per-write")
    with serve_rig(
        base, command, card=card, files=files, title="the nikon persona", limit=LIMIT
    ) as rig:
        yield rig


# -- the Done-when commands ------------------------------------------------------------------------
def test_debug_log_shows_the_nikon_path(rig: Rig) -> None:
    log = rig.gphoto2_debug("--summary")
    assert "Vendor extension ID: 0x0000000a" in log
    assert "Sending PTP_OC 0x90ca (GetVendorPropCodes)" in log
    assert "0x90c7 (GetEvent)" in log and "0x9207 (InitiateCaptureRecInMedia)" in log
    # the vendor properties from 0x90CA are described too
    assert re.search(r"Sending PTP_OC 0x1014 .*\(0xd032\)", log), "ColorSpace not read"


def test_summary(rig: Rig) -> None:
    out = rig.gphoto2("--summary")
    assert "Manufacturer: Nikon Corporation" in out
    assert "Model: Z 6" in out
    assert "Vendor Extension ID: 0xa" in out
    assert "Nikon Capture" in out
    assert "Color Space(0xd032)" in out and "Recording Media(0xd10b)" in out
    assert "store_00010001" in out


def test_list_files(rig: Rig) -> None:
    check_list_files(rig)


def test_get_all_files(rig: Rig, tmp_path: Path) -> None:
    check_get_all_files(rig, tmp_path)


def test_capture_image_and_download(rig: Rig, tmp_path: Path) -> None:
    before = set(rig.card.rglob("*"))
    out = rig.gphoto2("--capture-image-and-download", "--force-overwrite", cwd=tmp_path)
    # the picture came from SDRAM (object 0xFFFF0001, parent 0): gphoto2 calls it capt0000
    assert "New file is in location /capt0000.jpg on the camera" in out, out
    assert "Saving file as capt0000.jpg" in out
    assert "Deleting file /capt0000.jpg on the camera" in out
    assert valid_jpeg(tmp_path / "capt0000.jpg") == (1920, 1080)
    assert set(rig.card.rglob("*")) == before  # nothing was written to the card


def test_capture_goes_through_the_nikon_operations(rig: Rig) -> None:
    log = rig.gphoto2_debug("--capture-image")
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
    start = time.perf_counter()
    waiting = rig.start_gphoto2("--wait-event=5s")
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
    waiting = rig.start_gphoto2("--wait-event=FILEADDED")
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
    out = rig.gphoto2("--get-config", "iso")
    assert "Label: ISO Speed" in out and "Current: 200" in out
    rig.gphoto2("--set-config", "iso=800")
    assert "Current: 800" in rig.gphoto2("--get-config", "iso")
    # a vendor property, found through GetVendorPropCodes
    out = rig.gphoto2("--get-config", "colorspace")
    assert "Label: Color Space" in out and "Current: sRGB" in out
    rig.gphoto2("--set-config", "colorspace=AdobeRGB")
    assert "Current: AdobeRGB" in rig.gphoto2("--get-config", "colorspace")
    assert "Current: 76%" in rig.gphoto2("--get-config", "batterylevel")


def test_capture_preview(rig: Rig, tmp_path: Path) -> None:
    out = rig.gphoto2("--capture-preview", "--force-overwrite", cwd=tmp_path)
    assert "Saving file as capture_preview.jpg" in out
    assert valid_jpeg(tmp_path / "capture_preview.jpg") == (320, 240)


# -- the capture of all of the above -----------------------------------------------------------
def test_tshark_finds_no_malformed_packet(rig: Rig) -> None:
    if not rig.times:  # run on its own: capture at least one session
        rig.gphoto2("--summary")
    rows, malformed = tshark_ptpip(rig, "ptpip.opcode")
    types = packet_types(rows)
    assert types >= PTPIP_TYPES, types  # the dissector did see PTP/IP
    opcodes = {int(code, 0) for row in rows for code in row[1:2] if code.startswith("0x")}
    assert {0x90C7, 0x90C8, 0x9207} <= opcodes, sorted(hex(c) for c in opcodes)
    assert malformed == [], malformed
