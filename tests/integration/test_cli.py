"""The ``ptpkit`` command line against the emulator: in-process (CliRunner, with the
emulator in a thread) and as subprocesses (``ptpkit serve``, ``sync --watch``)."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from PIL import Image

import ptpkit.sync
from ptpkit.cli.common import (
    EXIT_CAMERA,
    EXIT_CONNECT,
    EXIT_INIT_FAIL,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
)
from ptpkit.cli.demo import EmulatorThread
from ptpkit.cli.main import main
from ptpkit.emulator import Faults
from ptpkit.proto.codes import EventCode

MiB = 1 << 20


def jpeg(path: Path, colour: tuple[int, int, int], size: tuple[int, int] = (320, 200)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path, "JPEG", quality=85)


@pytest.fixture
def card(tmp_path: Path) -> Path:
    root = tmp_path / "card"
    jpeg(root / "DCIM" / "100TEST" / "IMG_0001.JPG", (200, 10, 10))
    jpeg(root / "DCIM" / "100TEST" / "IMG_0002.JPG", (10, 200, 10))
    jpeg(root / "DCIM" / "101TEST" / "IMG_0101.JPG", (10, 10, 200))
    (root / "DCIM" / "101TEST" / "CLIP.MOV").write_bytes(random.Random(1).randbytes(5 * MiB + 3))
    (root / "misc" / "deep" / "deeper").mkdir(parents=True)
    (root / "misc" / "deep" / "deeper" / "notes.txt").write_text("deep\n")
    (root / "misc" / "empty.dat").write_bytes(b"")
    return root


@pytest.fixture
def emulator(card: Path) -> Iterator[EmulatorThread]:
    with EmulatorThread([card], writable=True, rescan_interval=None) as emu:
        yield emu


def address(emu: EmulatorThread) -> list[str]:
    return ["-H", emu.host, "-p", str(emu.port)]


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


# -- basics -----------------------------------------------------------------------------------
def test_help_lists_every_command():
    result = invoke("--help")
    assert result.exit_code == 0
    for name in (
        "info",
        "ls",
        "get",
        "sync",
        "put",
        "rm",
        "capture",
        "config",
        "events",
        "ping",
        "demo",
        "identity",
        "dissect",
        "serve",
    ):
        assert re.search(rf"^\s+{name}\b", result.output, re.M), name
    assert "Exit codes" in result.output
    assert invoke("--version").output.startswith("ptpkit, version")


def test_python_dash_m_runs_the_cli():
    out = subprocess.run(
        [sys.executable, "-m", "ptpkit", "--version"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0 and "ptpkit" in out.stdout


def test_info(emulator: EmulatorThread):
    result = invoke("info", *address(emulator))
    assert result.exit_code == 0, result.output
    assert "Emulated Camera" in result.stdout and "store_00010001" in result.stdout
    data = json.loads(invoke("info", "--json", *address(emulator)).stdout)
    assert data["model"] == "Emulated Camera" and data["storages"][0]["name"] == "store_00010001"
    assert "GetObject" in data["operations"]


def test_host_and_port_from_the_environment(emulator: EmulatorThread):
    result = CliRunner().invoke(
        main,
        ["ls"],
        env={"PTPKIT_HOST": emulator.host, "PTPKIT_PORT": str(emulator.port)},
        catch_exceptions=False,
    )
    assert result.exit_code == 0
    assert "/store_00010001/misc/empty.dat" in result.stdout


def test_ls_json_lists_every_object_with_its_size(emulator: EmulatorThread, card: Path):
    result = invoke("ls", "--json", *address(emulator))
    assert result.exit_code == 0
    listing = json.loads(result.stdout)
    files = {o["path"]: o for o in listing if not o["folder"]}
    folders = {o["path"] for o in listing if o["folder"]}
    expected = {
        "/store_00010001/" + str(p.relative_to(card)): p.stat().st_size
        for p in card.rglob("*")
        if p.is_file()
    }
    assert {path: o["size"] for path, o in files.items()} == expected
    assert folders == {
        "/store_00010001/" + str(p.relative_to(card)) for p in card.rglob("*") if p.is_dir()
    }
    jpg = files["/store_00010001/DCIM/100TEST/IMG_0001.JPG"]
    assert jpg["format_name"] == "EXIF_JPEG" and jpg["name"] == "IMG_0001.JPG"
    assert jpg["handle"] > 0 and jpg["captured"]


def test_ls_plain_long_and_path(emulator: EmulatorThread):
    plain = invoke("ls", *address(emulator)).stdout.splitlines()
    assert "/store_00010001/DCIM/" in plain
    assert "/store_00010001/DCIM/100TEST/IMG_0002.JPG" in plain
    long = invoke("ls", "-l", "DCIM/101TEST", *address(emulator)).stdout.splitlines()
    assert len(long) == 2
    assert any(line.split()[0] == str(5 * MiB + 3) and "CLIP.MOV" in line for line in long)
    single = invoke("ls", "/store_00010001/misc/empty.dat", *address(emulator))
    assert single.stdout.strip() == "/store_00010001/misc/empty.dat"


# -- sync -------------------------------------------------------------------------------------
def test_sync_reproduces_the_tree_byte_for_byte(
    emulator: EmulatorThread, card: Path, tmp_path: Path
):
    dest = tmp_path / "photos"
    result = invoke("sync", str(dest), *address(emulator))
    assert result.exit_code == 0, result.output
    assert tree(dest) == tree(card)
    assert "Synced 6 file(s)" in result.stdout
    assert "DCIM/101TEST/CLIP.MOV" in result.stdout and "/s" in result.stdout
    assert not list(dest.rglob("*.part"))
    again = invoke("sync", str(dest), *address(emulator))
    assert again.exit_code == 0 and "Up to date: 6 file(s)" in again.stdout


def test_sync_overwrite_replaces_a_changed_file(
    emulator: EmulatorThread, card: Path, tmp_path: Path
):
    dest = tmp_path / "photos"
    stale = dest / "DCIM" / "100TEST" / "IMG_0001.JPG"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"truncated")
    result = invoke("sync", str(dest), "--overwrite", *address(emulator))
    assert result.exit_code == 0, result.output
    assert tree(dest) == tree(card)
    assert "IMG_0001.JPG differs: overwritten" in result.stdout


def test_sync_with_two_storages_keeps_them_apart(card: Path, tmp_path: Path):
    second = tmp_path / "second"
    jpeg(second / "X.JPG", (1, 2, 3))
    dest = tmp_path / "photos"
    with EmulatorThread([card, second], rescan_interval=None) as emu:
        result = invoke("sync", str(dest), *address(emu))
    assert result.exit_code == 0, result.output
    stores = sorted(p.name for p in dest.iterdir())
    assert len(stores) == 2 and all(s.startswith("store_") for s in stores)
    assert tree(dest / stores[0]) == tree(card)
    assert tree(dest / stores[1]) == tree(second)


def _reader(stream: object, lines: list[str]) -> threading.Thread:
    def pump() -> None:
        for line in stream:  # type: ignore[attr-defined]
            lines.append(line)

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    return thread


def _wait_for(predicate: object, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_sync_watch_downloads_captures_and_dropped_files(card: Path, tmp_path: Path):
    dest = tmp_path / "photos"
    with EmulatorThread([card], writable=True, rescan_interval=0.2) as emu:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ptpkit", "sync", str(dest), "--watch", *address(emu)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        out: list[str] = []
        err: list[str] = []
        readers = [_reader(proc.stdout, out), _reader(proc.stderr, err)]
        try:
            assert _wait_for(lambda: any("Watching" in line for line in out)), (out, err)
            assert tree(dest) == tree(card)
            # a picture taken by another initiator...
            with ptpkit.sync.connect(emu.host, emu.port) as other:
                shots = other.capture(timeout=10)
            (shot,) = shots
            captured = dest / shot.relative_path
            # ... and a file dropped into the served folder
            dropped = card / "DCIM" / "100TEST" / "DROP_001.JPG"
            staging = tmp_path / "staging.jpg"
            jpeg(staging, (123, 45, 67), (640, 480))
            staging.replace(dropped)
            assert _wait_for(
                lambda: captured.is_file() and (dest / "DCIM/100TEST/DROP_001.JPG").is_file()
            ), (out, err)
            assert _wait_for(lambda: tree(dest) == tree(card)), (out, err)
            assert captured.read_bytes()[:2] == b"\xff\xd8"
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                code = proc.wait(20)
            finally:
                if proc.poll() is None:
                    proc.kill()
        for reader in readers:
            reader.join(5)
    assert code == EXIT_INTERRUPTED, (out, err)
    assert "".join(err) == ""  # Ctrl-C is how --watch ends: quietly
    assert any("DROP_001.JPG" in line for line in out)


# -- get, put, rm -----------------------------------------------------------------------------
def test_get_patterns(emulator: EmulatorThread, card: Path, tmp_path: Path):
    out_dir = tmp_path / "got"
    result = invoke("get", "IMG_00*.JPG", "*/101TEST/*.mov", "-o", str(out_dir), *address(emulator))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out_dir.iterdir()) == ["CLIP.MOV", "IMG_0001.JPG", "IMG_0002.JPG"]
    assert (out_dir / "CLIP.MOV").read_bytes() == (card / "DCIM/101TEST/CLIP.MOV").read_bytes()
    assert "Downloaded 3 file(s)" in result.stdout


def test_put_and_rm(emulator: EmulatorThread, card: Path, tmp_path: Path):
    local = tmp_path / "upload.jpg"
    jpeg(local, (50, 60, 70))
    other = tmp_path / "data.bin"
    other.write_bytes(random.Random(3).randbytes(2 * MiB))
    result = invoke("put", str(local), str(other), "--to", "DCIM/100TEST", *address(emulator))
    assert result.exit_code == 0, result.output
    assert (card / "DCIM/100TEST/upload.jpg").read_bytes() == local.read_bytes()
    assert (card / "DCIM/100TEST/data.bin").read_bytes() == other.read_bytes()
    assert "/store_00010001/DCIM/100TEST/upload.jpg" in result.stdout
    gone = invoke(
        "rm", "--yes", "DCIM/100TEST/upload.jpg", "DCIM/100TEST/*.bin", *address(emulator)
    )
    assert gone.exit_code == 0, gone.output
    assert not (card / "DCIM/100TEST/upload.jpg").exists()
    assert not (card / "DCIM/100TEST/data.bin").exists()
    assert "deleted /store_00010001/DCIM/100TEST/data.bin" in gone.stdout
    folder = invoke("rm", "misc/deep", *address(emulator))
    assert folder.exit_code == EXIT_USAGE and "add -r" in folder.stderr
    assert (card / "misc/deep/deeper/notes.txt").exists()
    assert invoke("rm", "-r", "-y", "misc/deep", *address(emulator)).exit_code == 0
    assert not (card / "misc/deep").exists()


# -- capture, config, events, ping ------------------------------------------------------------
def test_capture_download_writes_the_new_jpeg(emulator: EmulatorThread, tmp_path: Path):
    out_dir = tmp_path / "shots"
    result = invoke("capture", "--download", str(out_dir), "--count", "2", *address(emulator))
    assert result.exit_code == 0, result.output
    shots = sorted(out_dir.iterdir())
    assert len(shots) == 2
    for shot in shots:
        with Image.open(shot) as im:
            assert im.format == "JPEG"
    assert result.stdout.count("captured /store_00010001/") == 2


def test_capture_without_download_prints_the_path(emulator: EmulatorThread):
    result = invoke("capture", *address(emulator))
    assert result.exit_code == 0
    assert re.search(r"captured /store_00010001/\S+\.JPG", result.stdout)


def test_config_lists_gets_and_sets(emulator: EmulatorThread):
    listing = invoke("config", *address(emulator))
    assert listing.exit_code == 0
    assert "BatteryLevel" in listing.stdout and "0x5001" in listing.stdout
    one = invoke("config", "imagesize", *address(emulator))
    assert one.exit_code == 0 and "ImageSize = 1920x1080" in one.stdout
    assert "allowed: 640x480, 1280x720" in one.stdout
    changed = invoke("config", "ImageSize", "640x480", *address(emulator))
    assert changed.exit_code == 0 and "ImageSize = 640x480" in changed.stdout
    data = json.loads(invoke("config", "fnumber", "--json", *address(emulator)).stdout)
    assert data["name"] == "FNumber" and data["writable"] and data["allowed"]
    new = data["allowed"][0]
    assert (
        json.loads(invoke("config", "fnumber", str(new), "--json", *address(emulator)).stdout)[
            "value"
        ]
        == new
    )
    all_json = json.loads(invoke("config", "--json", *address(emulator)).stdout)
    assert {p["name"] for p in all_json} >= {"BatteryLevel", "ImageSize", "FNumber"}
    bad = invoke("config", "nonsense", *address(emulator))
    assert bad.exit_code == EXIT_USAGE  # a mistyped name is a usage error
    assert one_line(bad.stderr).startswith("ptpkit: error: no device property")
    invalid = invoke("config", "fnumber", "12345", *address(emulator))
    assert invalid.exit_code == EXIT_USAGE  # refused before anything is sent
    assert "allowed f/1.8, f/2.8" in one_line(invalid.stderr)


def test_events_json(emulator: EmulatorThread):
    stop = threading.Event()

    def injector() -> None:
        n = 0
        while not stop.wait(0.1):
            n += 1
            emulator.call(emulator.server.inject_event, EventCode.ObjectAdded, (n,))

    thread = threading.Thread(target=injector, daemon=True)
    thread.start()
    try:
        result = invoke("events", "--json", "--count", "3", *address(emulator))
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 3
    assert all(r["event"] == "ObjectAdded" and r["code"] == 0x4002 for r in records)
    plain_stop = threading.Event()

    def one_more() -> None:
        while not plain_stop.wait(0.1):
            emulator.call(emulator.server.inject_event, EventCode.StoreFull, (1,))

    thread = threading.Thread(target=one_more, daemon=True)
    thread.start()
    try:
        plain = invoke("events", "--count", "1", *address(emulator))
    finally:
        plain_stop.set()
        thread.join()
    assert "StoreFull" in plain.stdout


def test_ping(emulator: EmulatorThread):
    result = invoke("ping", "-c", "2", "-i", "0", *address(emulator))
    assert result.exit_code == 0
    assert result.stdout.count("probe reply from") == 2
    assert "min/avg/max" in result.stdout


def test_identity(tmp_path: Path):
    shown = invoke("identity")
    assert shown.exit_code == 0 and "GUID" in shown.stdout
    result = invoke("identity", "--guid", "00112233445566778899aabbccddeeff", "--name", "studio")
    assert "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff" in result.stdout
    assert "name  studio" in result.stdout
    renewed = invoke("identity", "--new-guid", "--reset-name")
    assert "00:11:22:33" not in renewed.stdout
    bad = invoke("identity", "--guid", "xyz")
    assert bad.exit_code == 1 and one_line(bad.stderr).startswith("ptpkit: error: not a GUID")
    assert invoke("identity", "--guid", "00" * 16, "--new-guid").exit_code == EXIT_USAGE


def test_the_stored_guid_is_what_the_camera_sees(card: Path):
    from ptpkit import config

    guid = config.set_guid(None)
    with EmulatorThread([card], allow_guids=[guid], rescan_interval=None) as emu:
        assert invoke("ls", *address(emu)).exit_code == 0
        config.set_guid(None)
        refused = invoke("ls", *address(emu))
        assert refused.exit_code == EXIT_INIT_FAIL
        assert invoke("ls", "--guid", guid.hex(), *address(emu)).exit_code == 0


# -- error paths: one line, a documented exit code --------------------------------------------
def test_no_camera_listening():
    result = invoke("info", "-H", "127.0.0.1", "-p", str(free_port()))
    assert result.exit_code == EXIT_CONNECT
    line = one_line(result.stderr)
    assert line.startswith("ptpkit: error: cannot connect to 127.0.0.1:") and "refused" in line
    assert result.stdout == ""


def test_init_fail(card: Path):
    with EmulatorThread([card], faults=Faults(init_fail=1), rescan_interval=None) as emu:
        result = invoke("ls", *address(emu))
    assert result.exit_code == EXIT_INIT_FAIL
    line = one_line(result.stderr)
    assert "rejected this computer" in line and "Init Fail reason 1" in line


def test_object_not_found(emulator: EmulatorThread, tmp_path: Path):
    for args in (
        ["get", "NOPE*.JPG", "-o", str(tmp_path)],
        ["ls", "DCIM/none"],
        ["rm", "DCIM/100TEST/none.jpg"],
    ):
        result = invoke(*args, *address(emulator))
        assert result.exit_code == EXIT_CAMERA, args
        assert one_line(result.stderr).startswith("ptpkit: error: no "), result.stderr


def test_camera_error_response(card: Path):
    with EmulatorThread([card], rescan_interval=None) as emu:  # read-only camera
        result = invoke("capture", *address(emu))
    assert result.exit_code == EXIT_CAMERA
    assert "InitiateCapture" in one_line(result.stderr)


def test_missing_host_is_a_usage_error():
    result = CliRunner().invoke(main, ["ls"], env={"PTPKIT_HOST": None})
    assert result.exit_code == EXIT_USAGE
    assert "--host" in result.stderr


def test_debug_shows_the_traceback():
    result = invoke("--debug", "info", "-H", "127.0.0.1", "-p", str(free_port()))
    assert result.exit_code == EXIT_CONNECT
    assert "Traceback" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("ptpkit: error: cannot connect")


# -- demo and serve ---------------------------------------------------------------------------
def test_demo(tmp_path: Path):
    keep = tmp_path / "demo"
    result = invoke("demo", "--keep", str(keep))
    assert result.exit_code == 0, result.output
    for step in ("$ ptpkit info", "$ ptpkit ls -l", "$ ptpkit sync", "$ ptpkit capture"):
        assert step in result.stdout
    assert "Synced 8 file(s)" in result.stdout
    photos = keep / "photos"
    (shot,) = (photos / "captured").iterdir()
    on_card = tree(keep / "card" / "DCIM")
    taken = {k: v for k, v in on_card.items() if k.startswith("100PTPKT/")}
    assert list(taken.values()) == [shot.read_bytes()]
    assert tree(photos / "DCIM") == {k: v for k, v in on_card.items() if k not in taken}
    assert result.stdout.rstrip().splitlines()[-1].startswith("Done in")


def test_against_ptpkit_serve(card: Path, tmp_path: Path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "ptpkit", "serve", str(card), "--port", "0", "--writable"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        match = re.search(r"listening on ([\d.]+):(\d+)", first)
        assert match, first
        where = ["-H", match.group(1), "-p", match.group(2)]
        dest = tmp_path / "photos"
        result = invoke("sync", str(dest), *where)
        assert result.exit_code == 0, result.output
        assert tree(dest) == tree(card)
        listing = json.loads(invoke("ls", "--json", *where).stdout)
        assert sum(1 for o in listing if not o["folder"]) == len(tree(card))
        shot = invoke("capture", "--download", str(tmp_path / "shots"), *where)
        assert shot.exit_code == 0 and len(list((tmp_path / "shots").iterdir())) == 1
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        finally:
            if proc.poll() is None:
                proc.kill()


def test_ls_against_ptpkit_serve_with_mtp_and_joined_writes(card: Path):
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ptpkit",
            "serve",
            str(card),
            "--port",
            "0",
            "--mtp",
            "--join-writes",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        match = re.search(r"listening on ([\d.]+):(\d+)", first)
        assert match, first
        where = ["-H", match.group(1), "-p", match.group(2)]
        result = invoke("ls", *where)  # a bulk listing: the camera lists GetObjectPropList
        assert result.exit_code == 0, result.output
        files = {line for line in result.stdout.splitlines() if not line.endswith("/")}
        assert files == {f"/store_00010001/{name}" for name in tree(card)}
        listing = json.loads(invoke("ls", "--json", *where).stdout)
        sizes = {o["path"]: o["size"] for o in listing if not o["folder"]}
        assert sizes == {f"/store_00010001/{k}": len(v) for k, v in tree(card).items()}
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        finally:
            if proc.poll() is None:
                proc.kill()
