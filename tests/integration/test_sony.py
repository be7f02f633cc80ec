"""``ptpkit info | capture --download | config | events`` (and ``ls``) against ``serve
--persona sony`` through the Sony dialect (issue 15), and the dialect's steps seen from the
persona: the SDIO handshake with the version the body offers, PriorityMode, the notices,
properties set with SetControlDeviceA or by turning dials, and the capture."""

from __future__ import annotations

import dataclasses
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import address, invoke, run
from PIL import Image

import ptpkit
from ptpkit.aio.responder_app import Reply
from ptpkit.cli.common import EXIT_CAMERA
from ptpkit.cli.demo import EmulatorThread
from ptpkit.dialects.sony import SonyDialect
from ptpkit.emulator import serve
from ptpkit.emulator.camera_core import CameraCore
from ptpkit.emulator.operations import Initiator, Request, operation
from ptpkit.emulator.operations import Result as Handled
from ptpkit.emulator.personas.sony import SONY, SONY_OPERATIONS, SonyCamera
from ptpkit.errors import NotFoundError
from ptpkit.proto.codes import ResponseCode
from ptpkit.proto.vendors.sony import (
    CAPTURE_OBJECT,
    NOTICE_EXIT,
    NOTICE_INIT,
    SONY_ISO_AUTO,
    sony_shutter_value,
)


@pytest.fixture
def body() -> Iterator[EmulatorThread]:
    """The Sony persona in remote mode (no folder), in a thread of its own."""
    with EmulatorThread([], persona="sony", rescan_interval=None) as emu:
        yield emu


def camera_of(emu: EmulatorThread) -> SonyCamera:
    camera = emu.server.camera
    assert isinstance(camera, SonyCamera)
    return camera


# -- the command line --------------------------------------------------------------------------
def test_info_names_the_sony_dialect(body: EmulatorThread) -> None:
    result = invoke("info", *address(body))
    assert result.exit_code == 0, result.output
    assert "Sony Corporation" in result.stdout and "ILCE-7M3" in result.stdout
    assert re.search(r"Dialect\s+sony:", result.stdout)
    data = json.loads(invoke("info", "--json", *address(body)).stdout)
    assert data["dialect"] == "sony"
    # 0x9202's operations, events and properties, named as Sony names them
    assert {"SetControlDeviceB", "GetAllDevicePropData"} <= set(data["operations"])
    assert "PropertyChanged" in data["events"]
    assert {"ISO", "ShutterSpeed", "ObjectInMemory"} <= set(data["properties"])
    assert data["storages"] == []
    generic = json.loads(invoke("--dialect", "generic", "info", "--json", *address(body)).stdout)
    assert generic["dialect"] == "generic"


def test_capture_download_fetches_the_picture_in_memory(
    body: EmulatorThread, tmp_path: Path
) -> None:
    shots = tmp_path / "shots"
    result = invoke("capture", "--download", str(shots), "--count", "2", *address(body))
    assert result.exit_code == 0, result.output
    files = sorted(shots.iterdir())
    assert [f.name for f in files] == ["DSC00001.JPG", "DSC00002.JPG"]
    for file in files:
        with Image.open(file) as image:
            assert image.format == "JPEG"
            image.load()
    assert result.stdout.count("captured ") == 2
    assert camera_of(body).pictures == 2


def test_config_lists_gets_and_sets_in_words(body: EmulatorThread) -> None:
    listing = invoke("config", *address(body))
    assert listing.exit_code == 0, listing.output
    for text in ("ISO", "AUTO", "ShutterSpeed", "1/250", "f/5.6", "ExposureProgramMode", "80%"):
        assert text in listing.stdout, text
    for name, value, shown in (
        ("iso", "800", "ISO = 800"),
        ("shutterspeed", "1/1000", "ShutterSpeed = 1/1000"),
        ("aperture", "f/8", "FNumber = f/8"),
        ("f-number", "5.6", "FNumber = f/5.6"),
        ("exposurecompensation", "+0.7", "ExposureBiasCompensation = +0.7"),
        ("whitebalance", "Daylight", "WhiteBalance = Daylight"),
        ("exposuremode", "M", "ExposureProgramMode = M"),
        ("focusmode", "AF-S", "FocusMode = AF-S"),
    ):
        result = invoke("config", name, value, *address(body))
        assert result.exit_code == 0, result.output
        assert shown in result.stdout, result.stdout
        assert shown in invoke("config", name, *address(body)).stdout  # read back
    data = json.loads(invoke("config", "batterylevel", "--json", *address(body)).stdout)
    assert data["code"] == 0xD218 and not data["writable"]
    wrong = invoke("config", "iso", "123", *address(body))
    assert wrong.exit_code == 2 and "is not an allowed value of ISO: allowed AUTO" in wrong.stderr


def test_events_are_named_by_sony(body: EmulatorThread) -> None:
    stop = threading.Event()
    camera = camera_of(body)

    def battery_drains() -> None:
        level = 80
        while not stop.wait(0.1):
            level -= 1
            body.call(camera.force, 0xD218, level)

    thread = threading.Thread(target=battery_drains, daemon=True)
    thread.start()
    try:
        result = invoke("events", "--json", "--count", "3", *address(body))
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 3
    # the battery, and PriorityMode (0xD25A), which the dialect's own start changed
    assert {(r["event"], r["code"], r["source"]) for r in records} == {
        ("PropertyChanged", 0xC203, "channel")
    }
    assert [0xD218] in [r["params"] for r in records]
    assert all(r["params"] in ([0xD218], [0xD25A]) for r in records)
    # named as a DevicePropChanged is: the property and its value now, in words
    battery = next(r for r in records if r["params"] == [0xD218])
    assert battery["property"] == "BatteryLevel"
    assert isinstance(battery["value"], int) and battery["value_text"]


def test_a_property_read_on_its_change_event_has_the_new_value() -> None:
    """The dialect keeps the 0x9209 blob for a moment; a PropertyChanged from the body
    makes the next read fetch it again, so the value read on the event is the new one."""

    async def main() -> None:
        async with (
            serve([], persona="sony", rescan_interval=None) as server,
            ptpkit.connect(server.host, server.port, probe_interval=None) as camera,
        ):
            body = server.camera
            assert isinstance(body, SonyCamera)
            stream = camera.events()
            assert await camera.get_property(0xD218) != 42  # the blob is now cached
            body.force(0xD218, 42)
            while True:
                event = await stream.get(5.0)
                if getattr(event, "params", None) == (0xD218,):
                    break
            assert await camera.get_property(0xD218) == 42

    run(main())


def test_listing_a_body_in_remote_mode_explains(body: EmulatorThread) -> None:
    result = invoke("ls", *address(body))
    assert result.exit_code == EXIT_CAMERA
    assert "remote mode" in result.stderr and "Contents transfer" in result.stderr


# -- the dialect, seen from the persona ----------------------------------------------------------
def test_start_and_stop_as_gphoto2_does() -> None:
    async def main() -> None:
        async with serve([], persona="sony") as server:
            body = server.camera
            assert isinstance(body, SonyCamera)
            async with ptpkit.connect(server.host, server.port, probe_interval=None) as camera:
                dialect = camera.dialect
                assert isinstance(dialect, SonyDialect)
                assert dialect.version == 0x12C  # it asked for 300 and the body offers it
                assert body.sdio_steps == [1, 2, 3]
                assert body.sony.get(0xD25A) == 1  # the application has priority
                assert body.notices == [NOTICE_INIT]
                assert camera.supports(0x9209)  # merged from 0x9202
                assert 0xD21E in dialect.property_codes()
                assert await camera.get_property("iso") == SONY_ISO_AUTO
                with pytest.raises(NotFoundError, match="remote mode"):
                    await camera.list_objects()
            assert body.notices == [NOTICE_INIT, NOTICE_EXIT]

    run(main())


def test_dials_are_turned_and_buttons_pressed() -> None:
    async def main() -> None:
        async with serve([], persona="sony") as server:
            body = server.camera
            assert isinstance(body, SonyCamera)
            async with ptpkit.connect(server.host, server.port, probe_interval=None) as camera:
                await camera.set_property("shutterspeed", "30")  # 300/10 on the body
                assert body.sony.get(0xD20D) == sony_shutter_value(300, 10)
                await camera.set_property("iso", "AUTO")
                await camera.set_property("iso", 12800)
                assert body.sony.get(0xD21E) == 12800
                await camera.set_property("focusmode", "AF-S")
                [picture] = await camera.capture(10)
                assert picture.handle == CAPTURE_OBJECT
                assert body.sony.get(0xD213) == 1  # released: no longer focused
                assert body.sony.get(0xD2C1) == body.sony.get(0xD2C2) == 1

    run(main())


def test_contents_transfer_mode(tmp_path: Path) -> None:
    card = tmp_path / "card" / "DCIM" / "100MSDCF"
    card.mkdir(parents=True)
    Image.new("RGB", (64, 48), (1, 2, 3)).save(card / "DSC09999.JPG", "JPEG")
    with EmulatorThread([tmp_path / "card"], persona="sony", rescan_interval=None) as emu:
        listing = invoke("ls", *address(emu))
        assert listing.exit_code == 0, listing.output
        assert "DSC09999.JPG" in listing.stdout
        got = invoke("get", "DSC09999.JPG", "-o", str(tmp_path / "out"), *address(emu))
        assert got.exit_code == 0, got.output
        assert (tmp_path / "out" / "DSC09999.JPG").read_bytes() == (
            card / "DSC09999.JPG"
        ).read_bytes()


@pytest.mark.parametrize("answer", ["refused", "empty", "200"])
def test_a_body_that_offers_version_200(answer: str) -> None:
    """An older body: 0x9202 with 300 refused, answered empty, or answered with 200; the
    dialect settles on 200 (asking again for 200 when it got nothing)."""
    asked: list[tuple[int, ...]] = []
    operations = dict(SONY_OPERATIONS)
    generic = operations[0x9202]

    def old_ext_info(cam: CameraCore, who: Initiator, req: Request) -> Handled:
        asked.append(req.params)
        if req.p(0) == 0x12C and answer == "refused":
            return Reply(ResponseCode.ParameterNotSupported)
        if req.p(0) == 0x12C and answer == "empty":
            return Reply(data=b"")
        return generic.handler(cam, who, Request(req.code, req.transaction_id, (0xC8,)))

    operation(operations, 0x9202, "in")(old_ext_info)
    persona = dataclasses.replace(SONY, name="old-sony", operations=operations)

    async def main() -> None:
        server = serve([], persona=persona)
        async with server, ptpkit.connect(server.host, server.port, probe_interval=None) as camera:
            dialect = camera.dialect
            assert isinstance(dialect, SonyDialect)
            assert dialect.version == 0xC8
            assert await camera.get_property("iso") == SONY_ISO_AUTO

    run(main())
    assert asked[0] == (0x12C, 1)
    assert asked[1:] == ([] if answer == "200" else [(0xC8,)])
