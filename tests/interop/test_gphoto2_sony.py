"""Debian's gphoto2 against ``ptpkit serve --persona sony`` (issue 15, "Done when").

gphoto2 2.5.30 must take its Sony path (the DeviceInfo's 0xFFFFFFFF and "Sony
Corporation" become Sony, the SDIO handshake runs, properties come from the 0x9209 blob;
``--debug`` shows it) and succeed at ``--summary``, ``--capture-image-and-download`` (a
JPEG Pillow opens), ``--get-config``/``--set-config`` on exposure properties (read back),
``--list-config``, and, with a folder served as the card, ``--list-files`` and
``--get-all-files`` (byte-identical). Each command is timed: the wall time is printed and
must stay well under gphoto2's 2.5 s I/O timeout. Every session is captured with tcpdump;
tshark must find no malformed packet in it, and ``ptpkit dissect`` must decode the Sony
datasets (0x9202, 0x9209) without an error.

Two bodies: one in remote mode (no folder, no storage) and one serving a card. A third
plays the Sony habit of an Init Command Ack without a version field (``--quirk
no-ack-version``): gphoto2 takes it in stride; Wireshark 4.0's dissector calls exactly
those acks malformed (it reads a version field that is not there), ptpkit's decodes them.

The harness (processes, tcpdump, the timed gphoto2 runner) is gphoto2_harness.py's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from conftest import require_program
from gphoto2_harness import (
    PTPIP_TYPES,
    Rig,
    dissect_json,
    jpeg,
    packet_types,
    parse_listing,
    serve_command,
    serve_rig,
    tshark_ptpip,
    valid_jpeg,
    write_card,
)

pytestmark = [pytest.mark.interop, pytest.mark.timeout(240)]

#: "Well under" gphoto2's 2.5 s I/O timeout: the bound every command's wall time must meet.
WALL_LIMIT = 2.0


# -- the bodies ----------------------------------------------------------------------------------
def make_card(root: Path) -> dict[str, Path]:
    return write_card(
        root,
        {
            "DCIM/100MSDCF/DSC00001.JPG": jpeg((200, 30, 30), (640, 427)),
            "DCIM/100MSDCF/DSC00002.JPG": jpeg((30, 200, 30), (1600, 1067)),
            "DCIM/101MSDCF/DSC00101.JPG": jpeg((30, 30, 200), (320, 213)),
        },
    )


def sony_rig(base: Path, card: Path | None, label: str, *extra: str) -> AbstractContextManager[Rig]:
    """``ptpkit serve --persona sony [CARD]``, tcpdump on its port, every command's wall time
    held to WALL_LIMIT."""
    command = serve_command(card, "--persona", "sony", "--packet-per-write", *extra)
    files = {} if card is None else {p.name: p for p in card.rglob("*.JPG")}
    title = f"the Sony persona ({label})"
    return serve_rig(base, command, card=card, files=files, title=title, limit=WALL_LIMIT)


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    """A body in remote mode: no folder, no storage."""
    require_program("gphoto2")
    with sony_rig(tmp_path_factory.mktemp("sony-remote"), None, "remote mode") as rig:
        yield rig


@pytest.fixture(scope="module")
def card(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    """A body serving a card (contents transfer)."""
    require_program("gphoto2")
    base = tmp_path_factory.mktemp("sony-card")
    make_card(base / "card")
    with sony_rig(base, base / "card", "with a card") as rig:
        yield rig


# -- remote mode ------------------------------------------------------------------------------
def test_gphoto2_takes_its_sony_path(remote: Rig) -> None:
    log = remote.gphoto2_debug("--summary")
    assert "Sending PTP_OC 0x9201 (SDIOConnect) (0x1,0x0,0x0)" in log
    assert "Sending PTP_OC 0x9202 (GetSDIOGetExtDeviceInfo) (0xc8)" in log
    assert "sony code: 9209" in log  # the ext-device-info codes, merged
    assert "_ptp_sony_getalldevicepropdesc" in log  # properties from the blob
    assert "Sending PTP_OC 0x9280" in log and "Sending PTP_OC 0x9281" in log


def test_summary(remote: Rig) -> None:
    out = remote.gphoto2("--summary")
    assert "Manufacturer: Sony Corporation" in out
    assert "Model: ILCE-7M3" in out
    assert "Vendor Extension ID: 0x11" in out  # 0xFFFFFFFF became Sony (rule i)
    assert "Sony Capture" in out
    assert re.search(r"ISO\(0xd21e\).*value: 16777215", out), out
    assert re.search(r"Battery Level\(0xd218\)", out), out


def test_capture_image_and_download(remote: Rig, tmp_path: Path) -> None:
    out = remote.gphoto2("--capture-image-and-download", "--force-overwrite", cwd=tmp_path)
    assert "New file is in location /capt0000.jpg on the camera" in out, out
    assert valid_jpeg(tmp_path / "capt0000.jpg") == (1920, 1280)


@pytest.mark.parametrize(
    ("name", "value", "label"),
    [
        ("iso", "800", "ISO Speed"),
        ("shutterspeed", "1/1000", "Shutter Speed"),
        ("f-number", "f/8", "F-Number"),
        ("whitebalance", "Daylight", "WhiteBalance"),
        ("expprogram", "M", "Exposure Program"),
    ],
)
def test_get_and_set_config(remote: Rig, name: str, value: str, label: str) -> None:
    before = remote.gphoto2("--get-config", name)
    assert f"Label: {label}" in before
    assert f"Current: {value}" not in before
    remote.gphoto2("--set-config", f"{name}={value}")
    assert f"Current: {value}" in remote.gphoto2("--get-config", name)


def test_battery_level(remote: Rig) -> None:
    assert "Current: 80%" in remote.gphoto2("--get-config", "batterylevel")


def test_list_config(remote: Rig) -> None:
    out = remote.gphoto2("--list-config")
    for entry in (
        "/main/status/batterylevel",
        "/main/imgsettings/iso",
        "/main/capturesettings/shutterspeed",
        "/main/capturesettings/f-number",
        "/main/capturesettings/expprogram",
        "/main/actions/capture",
    ):
        assert entry in out, entry


def test_remote_mode_lists_no_storage(remote: Rig) -> None:
    out = remote.gphoto2("--summary")
    assert "store_" not in out


# -- with a card -------------------------------------------------------------------------------
def test_list_files(card: Rig) -> None:
    entries = parse_listing(card.gphoto2("--list-files"))
    listed = {name: folder for folder, _, name, _ in entries}
    assert sorted(listed) == sorted(card.files)
    assert listed["DSC00101.JPG"] == "/store_00010001/DCIM/101MSDCF"


def test_get_all_files_byte_identical(card: Rig, tmp_path: Path) -> None:
    card.gphoto2("--get-all-files", "--force-overwrite", cwd=tmp_path)
    for name, path in card.files.items():
        assert (tmp_path / name).read_bytes() == path.read_bytes(), name


def test_capture_with_a_card(card: Rig, tmp_path: Path) -> None:
    out = card.gphoto2("--capture-image-and-download", "--force-overwrite", cwd=tmp_path)
    assert "New file is in location /capt0000.jpg on the camera" in out
    valid_jpeg(tmp_path / "capt0000.jpg")


# -- the captures ------------------------------------------------------------------------------
def dissected(rig: Rig) -> list[dict[str, Any]]:
    records = dissect_json(rig.pcap, rig.port)
    assert [r for r in records if "error" in r or "dataset_error" in r] == []
    return records


def check_sony_datasets(records: list[dict[str, Any]]) -> None:
    kinds = {r["dataset"]["type"] for r in records if "dataset" in r}
    assert {"DeviceInfo", "SonyExtDeviceInfo", "SonyPropertyBlob", "ObjectInfo"} <= kinds
    names = {r.get("code_name") for r in records if r.get("type") == 6}
    assert {"SDIOConnect", "GetAllDevicePropData", "SetControlDeviceB"} <= names


@pytest.mark.parametrize("rig_name", ["remote", "card"])
def test_tshark_finds_no_malformed_packet(rig_name: str, request: pytest.FixtureRequest) -> None:
    rig: Rig = request.getfixturevalue(rig_name)
    if not rig.times:  # run on its own: capture at least one session
        rig.gphoto2("--summary")
        rig.gphoto2("--capture-image-and-download", "--force-overwrite")
    rows, malformed = tshark_ptpip(rig)
    types = packet_types(rows)
    assert types >= PTPIP_TYPES, types
    assert malformed == []
    check_sony_datasets(dissected(rig))


def test_an_ack_without_version(tmp_path: Path) -> None:
    """Sony's Init Command Ack without its version field: gphoto2 and ptpkit's dissector
    take it; Wireshark 4.0 calls those acks, and only those, malformed."""
    require_program("gphoto2")
    with sony_rig(tmp_path / "body", None, "no-ack-version", "--quirk", "no-ack-version") as rig:
        assert "Manufacturer: Sony Corporation" in rig.gphoto2("--summary")
        rig.gphoto2("--capture-image-and-download", "--force-overwrite", cwd=tmp_path)
        valid_jpeg(tmp_path / "capt0000.jpg")
        _, malformed = tshark_ptpip(rig)
        assert malformed and all("Init Command Ack" in line for line in malformed), malformed
        records = dissected(rig)
        acks = [r for r in records if r["type"] == 2]
        assert len(acks) == len(malformed) == 2
        assert all(r["protocol_version"] is None and r["length"] == 36 + 2 * 5 for r in acks)
        check_sony_datasets(records)
