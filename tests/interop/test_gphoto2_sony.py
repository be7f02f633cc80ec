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

The harness (processes, tcpdump, the timed gphoto2 runner) is test_gphoto2.py's.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import require_program
from PIL import Image
from test_gphoto2 import Rig, _read_address, _valid_jpeg, parse_listing, stop

pytestmark = [pytest.mark.interop, pytest.mark.timeout(240)]

#: "Well under" gphoto2's 2.5 s I/O timeout: the bound every command's wall time must meet.
WALL_LIMIT = 2.0


# -- the bodies ----------------------------------------------------------------------------------
def _jpeg(path: Path, colour: tuple[int, int, int], size: tuple[int, int]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path, "JPEG", quality=90)


def make_card(root: Path) -> dict[str, Path]:
    files = {
        "DCIM/100MSDCF/DSC00001.JPG": ((200, 30, 30), (640, 427)),
        "DCIM/100MSDCF/DSC00002.JPG": ((30, 200, 30), (1600, 1067)),
        "DCIM/101MSDCF/DSC00101.JPG": ((30, 30, 200), (320, 213)),
    }
    paths = {}
    for rel, (colour, size) in files.items():
        _jpeg(root / rel, colour, size)
        paths[Path(rel).name] = root / rel
    return paths


def start_rig(base: Path, card: Path | None, *extra: str) -> Rig:
    """``ptpkit serve --persona sony [CARD]`` and tcpdump on its port."""
    tcpdump_program = require_program("tcpdump")
    home = base / "home"
    home.mkdir(parents=True)
    emulator_log = base / "emulator.log"
    command = [sys.executable, "-m", "ptpkit", "serve", "--persona", "sony", "--port", "0"]
    command += [*([str(card)] if card is not None else []), "--packet-per-write", *extra]
    with emulator_log.open("wb") as out:
        emulator = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        port = _read_address(emulator, emulator_log)
        pcap = base / "sony.pcap"
        tcpdump_log = base / "tcpdump.log"
        with tcpdump_log.open("wb") as err:
            argv = [tcpdump_program, "-B", "65536", "-i", "lo", "-U", "-n", "-w", str(pcap)]
            tcpdump = subprocess.Popen(
                [*argv, "tcp", "port", str(port)],
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        deadline = time.monotonic() + 15
        while "listening on" not in tcpdump_log.read_text(errors="replace"):
            if tcpdump.poll() is not None or time.monotonic() > deadline:
                stop(tcpdump, signal.SIGINT)
                pytest.fail(f"tcpdump did not start:\n{tcpdump_log.read_text(errors='replace')}")
            time.sleep(0.05)
    except BaseException:
        stop(emulator)
        raise
    files = {} if card is None else {p.name: p for p in card.rglob("*.JPG")}
    return Rig(card or base, files, home, port, pcap, emulator, tcpdump, tcpdump_log, emulator_log)


def finish_rig(rig: Rig, label: str) -> None:
    if rig.times:
        print(f"\n\ngphoto2 wall times against the Sony persona ({label}):")
        for command, wall in rig.times.items():
            print(f"  {wall:6.3f} s  {command}")
    stop(rig.tcpdump, signal.SIGINT)
    code = stop(rig.emulator)
    assert code == 0, f"the emulator exited {code}:\n{rig.emulator_log.read_text()}"


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    """A body in remote mode: no folder, no storage."""
    require_program("gphoto2")
    rig = start_rig(tmp_path_factory.mktemp("sony-remote"), None)
    yield rig
    finish_rig(rig, "remote mode")


@pytest.fixture(scope="module")
def card(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    """A body serving a card (contents transfer)."""
    require_program("gphoto2")
    base = tmp_path_factory.mktemp("sony-card")
    make_card(base / "card")
    rig = start_rig(base, base / "card")
    yield rig
    finish_rig(rig, "with a card")


def timed(rig: Rig, *args: str, cwd: Path | None = None) -> str:
    """gphoto2 with ``args`` (checked, timed, printed); the wall time must be well under
    2.5 s."""
    out = rig.gphoto2(*args, cwd=cwd)
    label = "gphoto2 " + " ".join(args)
    wall = rig.times[label]
    assert wall < WALL_LIMIT, f"{label} took {wall:.3f} s"
    return out


def gphoto2_debug(rig: Rig, *args: str) -> str:
    """gphoto2 --debug (its log is full of words like 'error'; only the exit is checked)."""
    program = require_program("gphoto2")
    env = {**os.environ, "HOME": str(rig.home), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    argv = [program, "--debug", "--port", f"ptpip:127.0.0.1:{rig.port}:{rig.port}", *args]
    result = subprocess.run(
        argv, capture_output=True, text=True, env=env, cwd=rig.home, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


# -- remote mode ------------------------------------------------------------------------------
def test_gphoto2_takes_its_sony_path(remote: Rig) -> None:
    log = gphoto2_debug(remote, "--summary")
    assert "Sending PTP_OC 0x9201 (SDIOConnect) (0x1,0x0,0x0)" in log
    assert "Sending PTP_OC 0x9202 (GetSDIOGetExtDeviceInfo) (0xc8)" in log
    assert "sony code: 9209" in log  # the ext-device-info codes, merged
    assert "_ptp_sony_getalldevicepropdesc" in log  # properties from the blob
    assert "Sending PTP_OC 0x9280" in log and "Sending PTP_OC 0x9281" in log


def test_summary(remote: Rig) -> None:
    out = timed(remote, "--summary")
    assert "Manufacturer: Sony Corporation" in out
    assert "Model: ILCE-7M3" in out
    assert "Vendor Extension ID: 0x11" in out  # 0xFFFFFFFF became Sony (rule i)
    assert "Sony Capture" in out
    assert re.search(r"ISO\(0xd21e\).*value: 16777215", out), out
    assert re.search(r"Battery Level\(0xd218\)", out), out


def test_capture_image_and_download(remote: Rig, tmp_path: Path) -> None:
    out = timed(remote, "--capture-image-and-download", "--force-overwrite", cwd=tmp_path)
    assert "New file is in location /capt0000.jpg on the camera" in out, out
    assert _valid_jpeg(tmp_path / "capt0000.jpg") == (1920, 1280)


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
    before = timed(remote, "--get-config", name)
    assert f"Label: {label}" in before
    assert f"Current: {value}" not in before
    timed(remote, "--set-config", f"{name}={value}")
    assert f"Current: {value}" in timed(remote, "--get-config", name)


def test_battery_level(remote: Rig) -> None:
    assert "Current: 80%" in timed(remote, "--get-config", "batterylevel")


def test_list_config(remote: Rig) -> None:
    out = timed(remote, "--list-config")
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
    out = timed(remote, "--summary")
    assert "store_" not in out


# -- with a card -------------------------------------------------------------------------------
def test_list_files(card: Rig) -> None:
    entries = parse_listing(timed(card, "--list-files"))
    listed = {name: folder for folder, _, name, _ in entries}
    assert sorted(listed) == sorted(card.files)
    assert listed["DSC00101.JPG"] == "/store_00010001/DCIM/101MSDCF"


def test_get_all_files_byte_identical(card: Rig, tmp_path: Path) -> None:
    timed(card, "--get-all-files", "--force-overwrite", cwd=tmp_path)
    for name, path in card.files.items():
        assert (tmp_path / name).read_bytes() == path.read_bytes(), name


def test_capture_with_a_card(card: Rig, tmp_path: Path) -> None:
    out = timed(card, "--capture-image-and-download", "--force-overwrite", cwd=tmp_path)
    assert "New file is in location /capt0000.jpg on the camera" in out
    _valid_jpeg(tmp_path / "capt0000.jpg")


# -- the captures ------------------------------------------------------------------------------
def tshark_malformed(rig: Rig) -> tuple[set[int], list[str]]:
    """The PTP/IP packet types tshark decoded, and its malformed packets."""
    tshark = require_program("tshark")
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
    malformed = subprocess.run(
        [*base, "-Y", "_ws.malformed"], capture_output=True, text=True, timeout=120, check=True
    )
    return types, malformed.stdout.strip().splitlines()


def dissected(rig: Rig) -> list[dict[str, Any]]:
    argv = [sys.executable, "-m", "ptpkit", "dissect", str(rig.pcap), "--json"]
    result = subprocess.run(
        [*argv, "--port", str(rig.port)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
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
        timed(rig, "--summary")
        timed(rig, "--capture-image-and-download", "--force-overwrite")
    types, malformed = tshark_malformed(rig)
    assert {1, 2, 3, 4, 6, 7, 9, 12} <= types, types
    assert malformed == []
    check_sony_datasets(dissected(rig))


def test_an_ack_without_version(tmp_path: Path) -> None:
    """Sony's Init Command Ack without its version field: gphoto2 and ptpkit's dissector
    take it; Wireshark 4.0 calls those acks, and only those, malformed."""
    require_program("gphoto2")
    rig = start_rig(tmp_path, None, "--quirk", "no-ack-version")
    try:
        assert "Manufacturer: Sony Corporation" in timed(rig, "--summary")
        timed(rig, "--capture-image-and-download", "--force-overwrite", cwd=tmp_path)
        _valid_jpeg(tmp_path / "capt0000.jpg")
        _, malformed = tshark_malformed(rig)
        assert malformed and all("Init Command Ack" in line for line in malformed), malformed
        records = dissected(rig)
        acks = [r for r in records if r["type"] == 2]
        assert len(acks) == len(malformed) == 2
        assert all(r["protocol_version"] is None and r["length"] == 36 + 2 * 5 for r in acks)
        check_sony_datasets(records)
    finally:
        finish_rig(rig, "no-ack-version")
