"""ptpkit against the ``canon-eos`` persona through the ``canon-eos`` dialect (issue 14,
"Done when"): ``info``, ``ls``, ``get``, ``capture --download`` (from the camera's memory
and from the card), ``config``, ``events`` and ``sync --watch``; events arrive by GetEvent
polling (their ``source`` says so); the session's modes, the half/full press, and the
capture's TransferComplete, seen from the camera's side."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import IO, Any, TypeVar

import pytest
from cli_helpers import address, invoke, jpeg
from click.testing import CliRunner
from PIL import Image

import ptpkit
import ptpkit.sync
from ptpkit.aio.models import CameraEvent, EventsDropped
from ptpkit.cli.common import EXIT_INTERRUPTED
from ptpkit.cli.demo import EmulatorThread
from ptpkit.cli.main import main
from ptpkit.dialects.canon import CanonEosDialect
from ptpkit.emulator import serve
from ptpkit.emulator.operations import Initiator
from ptpkit.emulator.operations import Result as HandlerResult
from ptpkit.emulator.personas import PERSONAS
from ptpkit.emulator.personas.canon import CANON_EOS, CANON_EOS_PRESS, EosCamera
from ptpkit.proto.codes import EventCode
from ptpkit.proto.events import OperationRequested

pytestmark = pytest.mark.timeout(90)

T = TypeVar("T")
MiB = 1 << 20


@pytest.fixture
def card(tmp_path: Path) -> Path:
    root = tmp_path / "card"
    jpeg(root / "DCIM" / "100CANON" / "IMG_0001.JPG", (200, 10, 10))
    jpeg(root / "DCIM" / "100CANON" / "IMG_0002.JPG", (10, 200, 10))
    (root / "DCIM" / "100CANON" / "MVI_0003.MOV").write_bytes(os.urandom(2 * MiB + 5))
    return root


class RecordingCamera(EosCamera):
    """The persona's camera, keeping every operation it was asked (code, params)."""

    calls: list[tuple[int, tuple[int, ...]]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calls = []

    def dispatch(self, who: Initiator, request: OperationRequested) -> HandlerResult:
        self.calls.append((request.code, request.params))
        return super().dispatch(who, request)


RECORDING = dataclasses.replace(CANON_EOS, camera_class=RecordingCamera)
RECORDING_PRESS = dataclasses.replace(CANON_EOS_PRESS, camera_class=RecordingCamera)


@pytest.fixture
def emulator(card: Path) -> Iterator[EmulatorThread]:
    with EmulatorThread([card], persona=RECORDING, writable=True, rescan_interval=None) as emu:
        yield emu


def calls(emu: EmulatorThread) -> list[tuple[int, tuple[int, ...]]]:
    camera = emu.server.camera
    assert isinstance(camera, RecordingCamera)
    return list(camera.calls)


def run(factory: Callable[[], Coroutine[Any, Any, T]], timeout: float = 60) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(factory(), timeout)

    return asyncio.run(bounded())


def valid_jpeg(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        assert image.format == "JPEG"
        image.load()
        return image.size


# -- the persona and the dialect find each other ----------------------------------------------
def test_the_persona_is_listed_and_chooses_the_dialect(card: Path) -> None:
    assert PERSONAS["canon-eos"] is CANON_EOS
    listed = invoke("serve", "--list-personas")
    assert "canon-eos" in listed.output and "Canon EOS 5D Mark IV" in listed.output

    async def body() -> None:
        async with serve(card, persona="canon-eos") as server:
            async with ptpkit.connect(*server.address) as camera:
                assert isinstance(camera.dialect, CanonEosDialect)
                assert camera.device_info.vendor_extension_id == 0xB
            async with ptpkit.connect(*server.address, dialect="generic") as camera:
                assert camera.dialect.name == "generic"

    run(body)


def test_info(emulator: EmulatorThread) -> None:
    result = invoke("info", *address(emulator))
    assert result.exit_code == 0, result.output
    assert "canon-eos" in result.output and "Canon EOS 5D Mark IV" in result.output
    assert "ISOSpeed" in result.output  # EOS properties, from GetEvent
    data = json.loads(invoke("info", "--json", *address(emulator)).output)
    assert data["dialect"] == "canon-eos"
    assert "GetEvent" in data["operations"] and "RemoteRelease" in data["operations"]
    assert {"ISOSpeed", "Aperture", "ShutterSpeed", "BatteryPower"} <= set(data["properties"])


def test_start_and_stop_set_and_restore_the_modes(emulator: EmulatorThread) -> None:
    assert invoke("info", *address(emulator)).exit_code == 0
    seen = calls(emulator)
    codes = [code for code, _ in seen]
    assert seen[codes.index(0x9114)] == (0x9114, (1,))  # SetRemoteMode(1) after the session
    assert seen[codes.index(0x9115)] == (0x9115, (1,))  # SetEventMode(1)
    assert codes.index(0x1002) < codes.index(0x9114) < codes.index(0x9116)
    # before CloseSession: SetEventMode(0), SetRemoteMode(0)
    assert seen[-3:] == [(0x9115, (0,)), (0x9114, (0,)), (0x1003, ())]


def test_ls_and_get(emulator: EmulatorThread, card: Path, tmp_path: Path) -> None:
    listed = json.loads(invoke("ls", "--json", *address(emulator)).output)
    paths = {entry["path"] for entry in listed}
    assert "/store_00010001/DCIM/100CANON/MVI_0003.MOV" in paths
    out = tmp_path / "got"
    result = invoke("get", "*", "-o", str(out), *address(emulator))
    assert result.exit_code == 0, result.output
    for name in ("IMG_0001.JPG", "IMG_0002.JPG", "MVI_0003.MOV"):
        assert (out / name).read_bytes() == (card / "DCIM/100CANON" / name).read_bytes()


def test_capture_download_from_the_cameras_memory(emulator: EmulatorThread, tmp_path: Path) -> None:
    before = calls(emulator)
    result = invoke("capture", "--download", str(tmp_path / "shots"), *address(emulator))
    assert result.exit_code == 0, result.output
    assert "captured /IMG_0001.JPG" in result.output
    assert valid_jpeg(tmp_path / "shots" / "IMG_0001.JPG") == (3360, 2240)
    done = calls(emulator)[len(before) :]
    codes = [code for code, _ in done]
    assert 0x910F in codes  # RemoteRelease (0x9128 is not listed)
    handle = next(params[0] for code, params in done if code == 0x9117)  # TransferComplete
    reads = [params for code, params in done if code == 0x101B]
    assert reads and all(p[0] == handle and p[2] <= MiB for p in reads)  # 1 MiB pieces
    assert 0x1009 not in codes  # no GetObject for a picture in memory
    assert emulator.server.camera.memory == {}  # freed


def test_capture_to_the_card(emulator: EmulatorThread, card: Path, tmp_path: Path) -> None:
    result = invoke("config", "capturetarget", "card", *address(emulator))
    assert result.exit_code == 0, result.output
    assert "CaptureDestination = Memory card" in result.output
    result = invoke("capture", "--download", str(tmp_path / "shots"), *address(emulator))
    assert result.exit_code == 0, result.output
    assert "captured /store_00010001/DCIM/100CANON/IMG_0003.JPG" in result.output
    got = tmp_path / "shots" / "IMG_0003.JPG"
    assert got.read_bytes() == (card / "DCIM/100CANON/IMG_0003.JPG").read_bytes()
    valid_jpeg(got)


def test_capture_target_is_heard(emulator: EmulatorThread, card: Path, tmp_path: Path) -> None:
    """CaptureDestination is the camera's memory, yet `capture` without --download keeps
    the picture (on the card, as --target says by default), and `--target` is obeyed."""
    assert "Internal RAM" in invoke("config", "capturetarget", *address(emulator)).output
    result = invoke("capture", *address(emulator))
    assert result.exit_code == 0, result.output
    assert "captured /store_00010001/DCIM/100CANON/IMG_0003.JPG" in result.output
    assert (card / "DCIM/100CANON/IMG_0003.JPG").is_file()
    shown = invoke("config", "capturetarget", *address(emulator)).output
    assert shown.startswith("CaptureDestination = Memory card"), shown
    result = invoke(
        "capture", "--target", "memory", "--download", str(tmp_path), *address(emulator)
    )
    assert result.exit_code == 0, result.output
    assert "captured /IMG_" in result.output
    assert not (card / "DCIM/100CANON/IMG_0004.JPG").exists()


def test_config(emulator: EmulatorThread) -> None:
    where = address(emulator)
    shown = invoke("config", "iso", *where)
    assert shown.exit_code == 0, shown.output
    assert shown.output.splitlines()[0] == "ISOSpeed = 100"  # words (the raw value: --json)
    assert "allowed: Auto, 100, 125" in shown.output
    assert invoke("config", "iso", "400", *where).output.splitlines()[0] == "ISOSpeed = 400"
    assert invoke("config", "iso", *where).output.splitlines()[0] == "ISOSpeed = 400"
    assert invoke("config", "aperture", "f/5.6", *where).output.startswith("Aperture = f/5.6")
    assert invoke("config", "shutterspeed", "1/250", *where).output.startswith(
        "ShutterSpeed = 1/250"
    )
    assert invoke("config", "whitebalance", "Daylight", *where).output.startswith(
        "WhiteBalance = Daylight"
    )
    assert invoke("config", "imageformat", *where).output.startswith(
        "ImageFormat = Large Fine JPEG"
    )
    refused = CliRunner().invoke(main, ["config", "iso", "123", *where])
    assert refused.exit_code == 2 and "of ISOSpeed: allowed Auto, 100" in refused.output
    refused = CliRunner().invoke(main, ["config", "iso", "0x47", *where])
    assert refused.exit_code != 0 and "'0x47' is not an allowed value of ISOSpeed" in refused.output
    read_only = CliRunner().invoke(main, ["config", "batterylevel", "1", *where])
    assert read_only.exit_code != 0
    listed = json.loads(invoke("config", "--json", *where).output)
    names = {entry["name"]: entry for entry in listed}
    assert names["BatteryPower"]["writable"] is False
    assert {"ISOSpeed", "Aperture", "ShutterSpeed", "WhiteBalance", "DriveMode"} <= set(names)
    assert {"ImageFormat", "AvailableShots", "CaptureDestination"} <= set(names)


# -- events -------------------------------------------------------------------------------
def test_events_arrive_by_getevent_polling(card: Path) -> None:
    async def body() -> None:
        async with (
            serve(card, persona=RECORDING, writable=True, rescan_interval=None) as server,
            ptpkit.connect(*server.address) as camera,
            ptpkit.connect(*server.address) as other,
        ):
            recorder = server.camera
            assert isinstance(recorder, RecordingCamera)
            await asyncio.sleep(0.3)
            polls = sum(1 for code, _ in recorder.calls if code == 0x9116)
            await asyncio.sleep(0.3)
            idle = sum(1 for code, _ in recorder.calls if code == 0x9116)
            assert idle == polls, "nobody listens: no GetEvent"
            seen: list[CameraEvent] = []
            async with camera.events() as stream:
                await other.set_property("iso", "800")
                await other.set_property("capturetarget", "card")
                (shot,) = await other.capture(10)
                while not any(e.code == EventCode.CaptureComplete for e in seen):
                    event = await stream.get(5)
                    assert not isinstance(event, EventsDropped)
                    seen.append(event)
            assert {e.source for e in seen} == {"poll"}  # none from the event channel
            details = [e.detail for e in seen]
            assert "iso = 800" in details and "capturetarget = Memory card" in details
            added = next(e for e in seen if e.code == EventCode.ObjectAdded)
            assert added.params == (shot.handle,) and added.detail == shot.name
            assert recorder.calls.count((0x9116, ())) > idle  # it polled GetEvent

    run(body)


def test_events_cli(emulator: EmulatorThread) -> None:
    stop = threading.Event()

    def setter() -> None:
        values = ("400", "800")
        n = 0
        with ptpkit.sync.connect(emulator.host, emulator.port) as other:
            while not stop.wait(0.2):
                other.set_property("iso", values[n % 2])
                n += 1

    thread = threading.Thread(target=setter, daemon=True)
    thread.start()
    try:
        result = invoke("events", "--json", "--count", "2", *address(emulator))
    finally:
        stop.set()
        thread.join(10)
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 2
    for record in records:
        assert record["event"] == "DevicePropChanged" and record["source"] == "poll"
        assert record["params"] == [0xD103] and record["detail"] in ("iso = 400", "iso = 800")


def _reader(stream: IO[str] | None, into: list[str]) -> threading.Thread:
    assert stream is not None

    def read() -> None:
        for line in stream:
            into.append(line)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def _wait_for(check: Callable[[], bool], timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def test_sync_watch_through_polling(card: Path, tmp_path: Path) -> None:
    dest = tmp_path / "photos"
    with EmulatorThread([card], persona="canon-eos", writable=True, rescan_interval=0.2) as emu:
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
            assert (dest / "DCIM/100CANON/MVI_0003.MOV").is_file()
            # a picture taken by another initiator, on the card...
            with ptpkit.sync.connect(emu.host, emu.port) as other:
                other.set_property("capturetarget", "card")
                (shot,) = other.capture(timeout=10)
            captured = dest / shot.relative_path
            # ... and a file dropped into the served folder (a rescan finds it)
            staging = tmp_path / "staging.jpg"
            jpeg(staging, (1, 2, 3))
            staging.replace(card / "DCIM" / "100CANON" / "IMG_0009.JPG")
            dropped = dest / "DCIM/100CANON/IMG_0009.JPG"
            assert _wait_for(lambda: captured.is_file() and dropped.is_file()), (out, err)
            assert captured.read_bytes() == (card / shot.relative_path).read_bytes()
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


# -- the half and full press ---------------------------------------------------------------------
def test_a_body_with_remote_release_on_gets_a_half_and_a_full_press(card: Path) -> None:
    async def body() -> None:
        async with (
            serve(card, persona=RECORDING_PRESS, writable=True, rescan_interval=None) as server,
            ptpkit.connect(*server.address) as camera,
        ):
            (shot,) = await camera.capture(10)
            path = await camera.download(shot, card.parent / "shot.jpg")
            assert valid_jpeg(path)
            recorder = server.camera
            assert isinstance(recorder, RecordingCamera)
            presses = [c for c in recorder.calls if c[0] in (0x9128, 0x9129, 0x910F)]
            assert presses == [(0x9128, (1, 0)), (0x9128, (2, 0)), (0x9129, (2,)), (0x9129, (1,))]

    run(body)


def test_a_picture_left_in_memory_is_freed_at_close(card: Path) -> None:
    async def body() -> None:
        async with serve(card, persona=RECORDING, writable=True, rescan_interval=None) as server:
            async with ptpkit.connect(*server.address) as camera:
                (shot,) = await camera.capture(10)
                assert shot.storage_id == 0 and shot.path == f"/{shot.name}"
                assert server.camera.memory
            recorder = server.camera
            assert isinstance(recorder, RecordingCamera)
            assert (0x9117, (shot.handle,)) in recorder.calls
            assert recorder.memory == {}

    run(body)


def test_pictures_and_sizes_follow_the_image_format(card: Path, tmp_path: Path) -> None:
    async def body() -> None:
        async with (
            serve(card, persona="canon-eos", writable=True, rescan_interval=None) as server,
            ptpkit.connect(*server.address) as camera,
        ):
            await camera.set_property("imageformat", "Small Fine JPEG")
            assert camera.dialect.format_value(0xD120, await camera.get_property(0xD120)) == (
                "Small Fine JPEG"
            )
            (shot,) = await camera.capture(10)
            path = await camera.download(shot, tmp_path)
            data = path.read_bytes()
            with Image.open(io.BytesIO(data)) as image:
                assert image.size == (1680, 1120)

    run(body)
