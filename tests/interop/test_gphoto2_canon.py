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

import random
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import require_program
from gphoto2_harness import (
    PTPIP_TYPES,
    STORE,
    Rig,
    check_get_all_files,
    check_list_files,
    dissect_json,
    jpeg,
    packet_types,
    serve_command,
    serve_rig,
    tshark_ptpip,
    valid_jpeg,
    write_card,
)

import ptpkit.sync

pytestmark = [pytest.mark.interop, pytest.mark.timeout(180)]

#: gphoto2's read timeout: every command must finish well within it.
LIMIT = 2.5


def make_card(root: Path) -> dict[str, Path]:
    return write_card(
        root,
        {
            "DCIM/100CANON/IMG_0001.JPG": jpeg((200, 30, 30)),
            "DCIM/100CANON/IMG_0002.JPG": jpeg((30, 200, 30), (640, 480)),
            "DCIM/100CANON/MVI_0003.MOV": random.Random(3).randbytes(2 * 1024 * 1024 + 777),
            "Notes from the shoot.txt": b"light was good\n",
        },
    )


#: How gphoto2's EOS listing (GetObjectInfoEx, 12 characters a name) shows each file.
LISTED = {"Notes from the shoot.txt": "NOTESF~1.TXT"}


def listed_name(name: str) -> str:
    return LISTED.get(name, name)


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    """The persona; gphoto2's output is stdout and stderr together."""
    require_program("gphoto2")
    base = tmp_path_factory.mktemp("gphoto2-canon")
    card = base / "card"
    files = make_card(card)
    # --packet-per-write: one PTP/IP packet per TCP segment, tshark sees each
    command = serve_command(card, "--persona", "canon-eos", "--writable", "--packet-per-write")
    with serve_rig(
        base, command, card=card, files=files, title="the canon-eos persona", limit=LIMIT,
        merged=True,
    ) as rig:  # fmt: skip
        yield rig


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
    check_list_files(rig, listed_name)


def test_get_all_files(rig: Rig, tmp_path: Path) -> None:
    check_get_all_files(rig, tmp_path, listed_name)


def test_capture_image_and_download(rig: Rig, tmp_path: Path) -> None:
    out = rig.gphoto2("--capture-image-and-download", "--force-overwrite", cwd=tmp_path)
    found = re.search(r"New file is in location (\S+) on the camera", out)
    assert found, out
    assert found.group(1) == "/capt0000.jpg"  # from the camera's memory (SDRAM)
    assert "Saving file as capt0000.jpg" in out
    assert valid_jpeg(tmp_path / "capt0000.jpg") == (3360, 2240)
    before = {p.name for p in rig.card.rglob("*")}
    assert "IMG_0004.JPG" not in before  # nothing was written to the card


def test_wait_event_reports_a_new_picture(rig: Rig) -> None:
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
    rig.record("gphoto2 --wait-event=5s", wall)
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
    valid_jpeg(tmp_path / name)
    assert f"Deleting file {STORE}/DCIM/100CANON/{name}" in out
    assert not (rig.card / "DCIM" / "100CANON" / name).exists()


# -- the capture of all of the above ---------------------------------------------------------------
def test_tshark_finds_no_malformed_packet_and_ptpkit_decodes_getevent(rig: Rig) -> None:
    if not rig.times:  # run on its own: capture at least one session
        rig.gphoto2("--get-config", "iso")
    rows, malformed = tshark_ptpip(rig)
    types = packet_types(rows)
    assert types >= PTPIP_TYPES, types
    assert malformed == [], malformed
    records = dissect_json(rig.pcap, rig.port)
    events = [r["dataset"] for r in records if r.get("dataset", {}).get("type") == "GetEvent"]
    assert events and not [r for r in records if "dataset_error" in r]
    kinds = {item["record_name"] for answer in events for item in answer["value"]}
    assert {"PropValueChanged", "AvailListChanged", "RequestObjectTransfer"} <= kinds
    names = {r.get("code_name") for r in records}
    assert {"SetRemoteMode", "GetEvent", "RemoteRelease", "TransferComplete"} <= names
