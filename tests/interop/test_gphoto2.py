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

import hashlib
import io
import math
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

pytestmark = [pytest.mark.interop, pytest.mark.timeout(120)]

STORE = "/store_00010001"


# -- the served card ---------------------------------------------------------------------------
def _noise_jpeg(width: int, height: int, seed: int) -> bytes:
    """A JPEG that does not compress well (random noise), so it is large."""
    rng = random.Random(seed)
    raw = rng.randbytes(width * height * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), raw).save(out, "JPEG", quality=95)
    return out.getvalue()


def _small_jpeg(color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), color).save(out, "JPEG", quality=90)
    return out.getvalue()


def make_card(root: Path) -> dict[str, Path]:
    """The card; returns every file by name (names are unique across folders)."""
    files = {
        "DCIM/100TEST/IMG_0001.JPG": _small_jpeg((200, 30, 30)),
        "DCIM/100TEST/Été à Genève ☀.jpg": _small_jpeg((30, 200, 30)),
        "DCIM/101TEST/BIG_0003.JPG": _noise_jpeg(1200, 900, 3),  # about 1.8 MB
        "DCIM/101TEST/Vidéo_ünïcödé.MOV": os.urandom(2 * 1024 * 1024 + 12345),
        "DCIM/101TEST/sub/deeper/DSC_0005.JPG": _small_jpeg((30, 30, 200)),
        "notes.txt": b"camera notes\n",
    }
    paths = {}
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        paths[path.name] = path
    assert (root / "DCIM/101TEST/BIG_0003.JPG").stat().st_size > 1 << 20
    return paths


# -- processes ---------------------------------------------------------------------------------
def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 10) -> int:
    """Signal a process we started, by its id, and reap it (kill it if it lingers)."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)
    return proc.returncode


def emulator_command(folder: Path) -> list[str]:
    return [sys.executable, "-m", "ptpkit", "serve", str(folder), "--writable", "--port", "0"]


@dataclass
class Rig:
    """The emulator, the capture and a gphoto2 runner, shared by this module's tests."""

    card: Path
    files: dict[str, Path]
    home: Path
    port: int
    pcap: Path
    emulator: subprocess.Popen[bytes]
    tcpdump: subprocess.Popen[bytes]
    tcpdump_log: Path
    emulator_log: Path
    times: dict[str, float] = field(default_factory=dict)
    capture_stopped: bool = False

    def gphoto2(self, *args: str, cwd: Path | None = None) -> str:
        program = require_program("gphoto2")
        env = {
            **os.environ,
            "HOME": str(self.home),
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
        }
        argv = [program, "--port", f"ptpip:127.0.0.1:{self.port}:{self.port}", *args]
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
        output = result.stdout + result.stderr
        assert result.returncode == 0, f"{label} exited {result.returncode}:\n{output}"
        assert "*** Error" not in output and "ERROR" not in output, f"{label}:\n{output}"
        return result.stdout

    def stop_capture(self) -> str:
        if not self.capture_stopped:
            self.capture_stopped = True
            time.sleep(1.5)  # let the last packets reach the file (gphoto2-interop.md)
            stop(self.tcpdump, signal.SIGINT)
        return self.tcpdump_log.read_text(errors="replace")


def _read_address(proc: subprocess.Popen[bytes], log: Path) -> int:
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
    base = tmp_path_factory.mktemp("gphoto2")
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
        pcap = base / "gphoto2.pcap"
        tcpdump_log = base / "tcpdump.log"
        with tcpdump_log.open("wb") as err:
            tcpdump = subprocess.Popen(
                [
                    tcpdump_program,
                    "-B",
                    "65536",  # KiB of kernel buffer: never drop packets of the big transfers
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
            print("\n\ngphoto2 wall times (gphoto2's I/O timeout is 2.5 s):")
            for label, wall in rig.times.items():
                print(f"  {wall:6.3f} s  {label}")
    finally:
        if tcpdump is not None:
            stop(tcpdump, signal.SIGINT)
        code = stop(emulator)
        assert code == 0, f"the emulator exited {code}:\n{emulator_log.read_text()}"


# -- listing helpers ---------------------------------------------------------------------------
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


def _kb(size: int) -> int:
    return max(1, math.ceil(size / 1024))


def _valid_jpeg(path: Path) -> tuple[int, int]:
    with Image.open(path) as im:
        assert im.format == "JPEG"
        im.load()
        return im.size


# -- the Done-when commands --------------------------------------------------------------------
def test_summary(rig: Rig) -> None:
    out = rig.gphoto2("--summary")
    assert "Manufacturer: ptpkit" in out
    assert "Model: Emulated Camera" in out
    assert "store_00010001" in out
    assert "Battery Level" in out


def test_list_files(rig: Rig) -> None:
    entries = parse_listing(rig.gphoto2("--list-files"))
    listed = {name: (folder, kb) for folder, _, name, kb in entries}
    assert sorted(listed) == sorted(rig.files)
    for name, path in rig.files.items():
        folder, kb = listed[name]
        rel = path.parent.relative_to(rig.card).as_posix()
        assert folder == (STORE if rel == "." else f"{STORE}/{rel}"), name
        assert kb == _kb(path.stat().st_size), name


def test_get_all_files(rig: Rig, tmp_path: Path) -> None:
    out = rig.gphoto2("--get-all-files", "--force-overwrite", cwd=tmp_path)
    for name, path in rig.files.items():
        assert f"Saving file as {name}" in out
        got = tmp_path / name
        assert got.is_file(), f"{name} was not downloaded:\n{out}"
        assert (
            hashlib.sha256(got.read_bytes()).digest() == hashlib.sha256(path.read_bytes()).digest()
        ), name


def test_get_thumbnail(rig: Rig, tmp_path: Path) -> None:
    entries = parse_listing(rig.gphoto2("--list-files"))
    number = next(n for _, n, name, _ in entries if name == "IMG_0001.JPG")
    out = rig.gphoto2("--get-thumbnail", str(number), cwd=tmp_path)
    assert "thumb_IMG_0001.jpg" in out
    width, height = _valid_jpeg(tmp_path / "thumb_IMG_0001.jpg")
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
    _valid_jpeg(tmp_path / name)


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
    assert _valid_jpeg(rig.home / name.group(1)) == (640, 480)


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
    tshark = require_program("tshark")
    if not rig.times:  # run on its own: capture at least one session
        rig.gphoto2("--summary")
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
    assert {1, 2, 3, 4, 6, 7, 9, 12} <= types, types  # the dissector did see PTP/IP
    malformed = subprocess.run(
        [*base, "-Y", "_ws.malformed"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert malformed.stdout.strip() == "", malformed.stdout
