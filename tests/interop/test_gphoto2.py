"""Debian's gphoto2 drives ``ptpkit serve --writable`` (issue 3, "Done when").

One emulator process serves a card with nested DCIM folders, non-ASCII file names and
files above 1 MiB; tcpdump captures everything on lo; gphoto2 (isolated ``HOME``, port
given as ``ptpip:127.0.0.1:PORT:PORT``) runs --summary, --list-files, --get-all-files,
--get-thumbnail, --upload-file, --delete-file, --capture-image-and-download,
--get-config/--set-config and --list-config; each must succeed and be correct. Every
command's wall time is printed (the target is well under gphoto2's 2.5 s I/O timeout;
times are reported, not asserted). The last test stops the capture and asserts that
tshark finds no malformed packet in it.

gphoto2 exits 0 even when a capture fails, so outputs are checked, not only exit codes.
gphoto2 refuses to download objects of format Undefined (0x3000) from a non-MTP camera,
so every served file here has a recognisable format.
"""

from __future__ import annotations

import os
import re
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
    make_card,
    packet_types,
    parse_listing,
    serve_command,
    serve_rig,
    tshark_ptpip,
    valid_jpeg,
)

pytestmark = [pytest.mark.interop, pytest.mark.timeout(120)]



@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    require_program("gphoto2")
    base = tmp_path_factory.mktemp("gphoto2")
    card = base / "card"
    card.mkdir()
    files = make_card(card)
    with serve_rig(
        base, serve_command(card, "--writable"), card=card, files=files, title="the generic persona"
    ) as rig:
        yield rig


# -- the Done-when commands --------------------------------------------------------------------
def test_summary(rig: Rig) -> None:
    out = rig.gphoto2("--summary")
    assert "Manufacturer: ptpkit" in out
    assert "Model: Emulated Camera" in out
    assert "store_00010001" in out
    assert "Battery Level" in out


def test_list_files(rig: Rig) -> None:
    check_list_files(rig)


def test_get_all_files(rig: Rig, tmp_path: Path) -> None:
    check_get_all_files(rig, tmp_path)


def test_get_thumbnail(rig: Rig, tmp_path: Path) -> None:
    entries = parse_listing(rig.gphoto2("--list-files"))
    number = next(n for _, n, name, _ in entries if name == "IMG_0001.JPG")
    out = rig.gphoto2("--get-thumbnail", str(number), cwd=tmp_path)
    assert "thumb_IMG_0001.jpg" in out
    width, height = valid_jpeg(tmp_path / "thumb_IMG_0001.jpg")
    assert max(width, height) <= 160


def test_upload_file(rig: Rig, tmp_path: Path) -> None:
    source = tmp_path / "Übertragung ✓.bin.txt"
    source.write_bytes(os.urandom(1_500_000))  # above 1 MiB, and not a whole number of chunks
    folder = f"{STORE}/DCIM/100TEST"
    rig.gphoto2("--folder", folder, "--upload-file", str(source), cwd=tmp_path)
    landed = rig.card / "DCIM" / "100TEST" / source.name
    assert landed.is_file()
    assert landed.read_bytes() == source.read_bytes()
    assert not list(rig.card.rglob(".ptpkit-upload-*"))
    listed = parse_listing(rig.gphoto2("--folder", folder, "--list-files"))
    assert source.name in [name for _, _, name, _ in listed]


def test_delete_file(rig: Rig) -> None:
    victim = rig.card / "notes.txt"
    assert victim.exists()
    entries = parse_listing(rig.gphoto2("--folder", STORE, "--list-files"))
    in_root = [name for folder, _, name, _ in entries if folder == STORE]
    number = in_root.index("notes.txt") + 1  # --delete-file counts within --folder
    rig.gphoto2("--folder", STORE, "--delete-file", str(number))
    assert not victim.exists()
    after = parse_listing(rig.gphoto2("--list-files"))
    assert "notes.txt" not in [name for _, _, name, _ in after]


def test_capture_image_and_download(rig: Rig, tmp_path: Path) -> None:
    out = rig.gphoto2("--capture-image-and-download", "--force-overwrite", cwd=tmp_path)
    found = re.search(r"New file is in location (\S+) on the camera", out)
    assert found, out
    location = found.group(1)
    assert location.startswith(f"{STORE}/DCIM/")
    name = location.rsplit("/", 1)[1]
    assert f"Saving file as {name}" in out
    valid_jpeg(tmp_path / name)


def test_get_and_set_config(rig: Rig) -> None:
    out = rig.gphoto2("--get-config", "imagesize")
    assert "Label: Image Size" in out
    assert "Choice: 0 640x480" in out
    assert "Current: 1920x1080" in out
    rig.gphoto2("--set-config", "imagesize=640x480")
    assert "Current: 640x480" in rig.gphoto2("--get-config", "imagesize")
    battery = rig.gphoto2("--get-config", "batterylevel")
    assert "Current: 87%" in battery
    # the setting shows in captures
    out = rig.gphoto2("--capture-image-and-download", "--force-overwrite")
    name = re.search(r"Saving file as (\S+)", out)
    assert name, out
    assert valid_jpeg(rig.home / name.group(1)) == (640, 480)


def test_list_config(rig: Rig) -> None:
    out = rig.gphoto2("--list-config")
    for entry in (
        "/main/status/batterylevel",
        "/main/status/manufacturer",
        "/main/imgsettings/imagesize",
        "/main/settings/datetime",
    ):
        assert entry in out


# -- the capture of all of the above -----------------------------------------------------------
def test_tshark_finds_no_malformed_packet(rig: Rig) -> None:
    if not rig.times:  # run on its own: capture at least one session
        rig.gphoto2("--summary")
    rows, malformed = tshark_ptpip(rig)
    types = packet_types(rows)
    assert types >= PTPIP_TYPES, types  # the dissector did see PTP/IP
    assert malformed == [], malformed
