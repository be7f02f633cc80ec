"""The Sony persona on loopback, driven operation by operation with raw transactions
(dialects.md §4 and §10.3): the SDIO handshake, 0x9202, the 0x9209 blob, SetControlDeviceA/B
(values, steps, presses), the capture into 0xFFFFC001 with 0xD215 and 0xC201, the
0x9280/0x9281 notices, remote mode (no storage) and the Init Command Ack without a
version field."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import run
from PIL import Image

import ptpkit
from ptpkit import Camera, CameraEvent, PtpResponseError
from ptpkit.emulator.faults import Faults
from ptpkit.emulator.folder_store import FolderStore
from ptpkit.emulator.no_storage import NoStorage
from ptpkit.emulator.personas.sony import SonyCamera
from ptpkit.emulator.personas.sony_props import SHUTTER_SPEEDS
from ptpkit.emulator.serve import serve
from ptpkit.proto.codes import ObjectFormat, OperationCode, ResponseCode
from ptpkit.proto.datasets import ObjectInfo, decode_u32_array
from ptpkit.proto.packets import InitCommandAck, InitCommandRequest, decode_packet
from ptpkit.proto.vendors.sony import (
    CAPTURE_OBJECT,
    NOTICE_EXIT,
    NOTICE_INIT,
    SONY_ISO_AUTO,
    SonyExtDeviceInfo,
    SonyPropertyBlob,
    sony_shutter_value,
)

SDIO, EXT_INFO, SET_A, SET_B, ALL_PROPS = 0x9201, 0x9202, 0x9205, 0x9207, 0x9209
NOTICE, NOTICE_REPLY = 0x9280, 0x9281


@asynccontextmanager
async def sony(folder: Path | None = None) -> AsyncIterator[tuple[SonyCamera, Camera]]:
    """``serve(persona="sony")`` and a client speaking the generic dialect (raw transactions
    only: the persona is tested here, not the Sony dialect)."""
    # the Init Command Ack without a version field, as real bodies send it
    faults = Faults(quirks={"no-ack-version"})
    server = serve([] if folder is None else [folder], persona="sony", faults=faults)
    body = server.camera
    assert isinstance(body, SonyCamera)
    assert isinstance(server.store, NoStorage if folder is None else FolderStore)
    async with (
        server,
        ptpkit.connect(server.host, server.port, probe_interval=None, dialect="generic") as camera,
    ):
        yield body, camera


async def blob(camera: Camera) -> SonyPropertyBlob:
    return SonyPropertyBlob.decode((await camera.transaction(ALL_PROPS)).data)


async def value(camera: Camera, code: int) -> object:
    entry = (await blob(camera)).get(code)
    assert entry is not None
    return entry.current_value


async def next_event(stream: Any, code: int, timeout: float = 5.0) -> CameraEvent:
    while True:
        event = await stream.get(timeout)
        if isinstance(event, CameraEvent) and event.code == code:
            return event


def test_device_info_says_sony_over_ptpip() -> None:
    async def main() -> None:
        async with sony() as (_, camera):
            info = camera.device_info
            assert (info.vendor_extension_id, info.manufacturer) == (
                0xFFFFFFFF,
                "Sony Corporation",
            )
            assert info.model == "ILCE-7M3"
            assert {SDIO, EXT_INFO} <= set(info.operations_supported)
            assert not {SET_A, SET_B, ALL_PROPS} & set(info.operations_supported)
            assert OperationCode.InitiateCapture not in info.operations_supported
            assert info.device_properties_supported == ()
            # The Init Command Ack came without a version field, and that was fine.
            assert camera.connection_number is not None

    run(main())


def test_sdio_handshake_and_ext_device_info() -> None:
    async def main() -> None:
        async with sony() as (body, camera):
            for phase in (1, 2):
                response = await camera.transaction(SDIO, (phase, 0, 0))
                assert (response.code, response.data) == (ResponseCode.OK, b"")
            for asked in (0xC8, 0x12C):
                data = (await camera.transaction(EXT_INFO, (asked,))).data
                ext = SonyExtDeviceInfo.decode(data)
                assert ext.version == asked
            assert set(ext.operations) == {SET_A, SET_B, ALL_PROPS, NOTICE, NOTICE_REPLY}
            assert ext.events == (0xC201, 0xC202, 0xC203)
            assert {0x5004, 0x500A, 0xD213, 0xD215, 0xD218, 0xD25A, 0xD21E} <= set(ext.properties)
            assert ext.controls == (0xD2C1, 0xD2C2)
            await camera.transaction(SDIO, (3, 0, 0))
            assert body.sdio_steps == [1, 2, 3]
            with pytest.raises(PtpResponseError) as err:
                await camera.transaction(SDIO, (4, 0, 0))
            assert err.value.code == ResponseCode.InvalidParameter

    run(main())


def test_blob_holds_what_gphoto2_needs() -> None:
    async def main() -> None:
        async with sony() as (_, camera):
            props = await blob(camera)
            codes = [entry.code for entry in props.entries]
            for needed in (0x5004, 0x500A, 0xD213, 0xD215, 0xD218, 0xD25A):
                assert needed in codes
            assert await value(camera, 0x500A) == 1  # manual focus: no focus wait
            assert await value(camera, 0xD215) == 0
            assert await value(camera, 0xD21E) == SONY_ISO_AUTO
            battery = props.get(0xD218)
            assert battery is not None and battery.get_set == 0

    run(main())


def test_set_control_device_a() -> None:
    async def main() -> None:
        async with sony() as (_, camera):
            stream = camera.events()
            await camera.transaction(SET_A, (0xD25A,), data=b"\x01")  # INT8 1, §4.1 step 4
            assert await value(camera, 0xD25A) == 1
            await camera.transaction(SET_A, (0x5005,), data=(4).to_bytes(2, "little"))
            assert await value(camera, 0x5005) == 4
            event = await next_event(stream, 0xC203)
            assert event.params[0] in (0xD25A, 0x5005)
            for code, data, expected in (
                (0x5005, (99).to_bytes(2, "little"), ResponseCode.InvalidDevicePropValue),
                (0x5005, b"\x04", ResponseCode.InvalidDevicePropFormat),
                (0xD218, b"\x05", ResponseCode.AccessDenied),
                (0xD2FF, b"\x01", ResponseCode.DevicePropNotSupported),
            ):
                response = await camera.transaction(SET_A, (code,), data=data, check=False)
                assert response.code == expected, hex(code)
            # A stepped property ignores a value it does not have (gphoto2 sends one).
            await camera.transaction(SET_A, (0xD20D,), data=bytes(4))
            assert await value(camera, 0xD20D) == sony_shutter_value(1, 250)

    run(main())


def test_set_control_device_b_steps() -> None:
    async def main() -> None:
        async with sony() as (_, camera):
            await camera.transaction(SET_B, (0xD21E,), data=b"\x04")  # AUTO, 50, 64, 80, 100
            assert await value(camera, 0xD21E) == 100
            await camera.transaction(SET_B, (0xD21E,), data=b"\xff")  # -1
            assert await value(camera, 0xD21E) == 80
            await camera.transaction(SET_B, (0x5007,), data=b"\x02")
            assert await value(camera, 0x5007) == 710
            start = SHUTTER_SPEEDS.index(sony_shutter_value(1, 250))
            await camera.transaction(SET_B, (0xD20D,), data=b"\x03")  # +3: shorter
            assert await value(camera, 0xD20D) == SHUTTER_SPEEDS[start + 3]
            await camera.transaction(SET_B, (0xD20D,), data=b"\x80")  # -128: the longest
            assert await value(camera, 0xD20D) == SHUTTER_SPEEDS[0]
            response = await camera.transaction(SET_B, (0xD21E,), data=b"\x01\x00", check=False)
            assert response.code == ResponseCode.InvalidDevicePropFormat

    run(main())


def test_capture_into_memory() -> None:
    async def main() -> None:
        async with sony() as (body, camera):
            response = await camera.transaction(
                OperationCode.GetObjectInfo, (CAPTURE_OBJECT,), check=False
            )
            assert response.code == ResponseCode.InvalidObjectHandle
            stream = camera.events()
            press, release = (2).to_bytes(2, "little"), (1).to_bytes(2, "little")
            await camera.transaction(SET_B, (0xD2C1,), data=press)
            await camera.transaction(SET_B, (0xD2C2,), data=press)
            event = await next_event(stream, 0xC201)
            assert event.params == (CAPTURE_OBJECT,)
            await camera.transaction(SET_B, (0xD2C2,), data=release)
            await camera.transaction(SET_B, (0xD2C1,), data=release)
            assert await value(camera, 0xD215) == 0x8001
            info = ObjectInfo.decode(
                (await camera.transaction(OperationCode.GetObjectInfo, (CAPTURE_OBJECT,))).data
            )
            assert info.object_format == ObjectFormat.EXIF_JPEG
            data = (await camera.transaction(OperationCode.GetObject, (CAPTURE_OBJECT,))).data
            assert len(data) == info.object_compressed_size
            with Image.open(io.BytesIO(data)) as image:
                assert image.format == "JPEG"
                assert image.size == (info.image_pix_width, info.image_pix_height)
            await asyncio.sleep(0.05)  # the download's after-step runs once OK is written
            assert await value(camera, 0xD215) == 0
            part = await camera.transaction(OperationCode.GetPartialObject, (CAPTURE_OBJECT, 2, 5))
            assert (part.params, part.data) == ((5,), data[2:7])
            assert body.pictures == 1

    run(main())


def test_autofocus_half_press_finds_focus() -> None:
    async def main() -> None:
        async with sony() as (_, camera):
            await camera.transaction(SET_A, (0x500A,), data=(2).to_bytes(2, "little"))  # AF-S
            stream = camera.events()
            await camera.transaction(SET_B, (0xD2C1,), data=(2).to_bytes(2, "little"))
            assert await value(camera, 0xD213) == 2
            while (await next_event(stream, 0xC203)).params[0] != 0xD213:
                pass
            await camera.transaction(SET_B, (0xD2C1,), data=(1).to_bytes(2, "little"))
            assert await value(camera, 0xD213) == 1

    run(main())


def test_notices() -> None:
    async def main() -> None:
        async with sony() as (body, camera):
            await camera.transaction(NOTICE, (4,), data=NOTICE_INIT.encode())
            reply = await camera.transaction(NOTICE_REPLY, (4,))
            assert reply.data == b""
            await camera.transaction(NOTICE, (4,), data=NOTICE_EXIT.encode())
            assert body.notices == [NOTICE_INIT, NOTICE_EXIT]
            response = await camera.transaction(NOTICE, (4,), data=b"\x01\x02", check=False)
            assert response.code == ResponseCode.InvalidDataSet

    run(main())


def test_remote_mode_has_no_storage() -> None:
    async def main() -> None:
        async with sony() as (_, camera):
            assert await camera.get_storage_ids() == ()
            response = await camera.transaction(
                OperationCode.GetStorageInfo, (0x00010001,), check=False
            )
            assert response.code == ResponseCode.StoreNotAvailable

    run(main())


def test_contents_transfer_mode_lists_the_card(tmp_path: Path) -> None:
    folder = tmp_path / "card" / "DCIM" / "100MSDCF"
    folder.mkdir(parents=True)
    Image.new("RGB", (64, 48), (10, 20, 30)).save(folder / "DSC00001.JPG", "JPEG")

    async def main() -> None:
        async with sony(tmp_path / "card") as (_, camera):
            assert await camera.get_storage_ids() == (0x00010001,)
            handles = decode_u32_array(
                (await camera.transaction(OperationCode.GetObjectHandles, (0x00010001, 0, 0))).data
            )
            assert handles  # DCIM
            names = [obj.name async for obj in camera.walk()]
            assert "DSC00001.JPG" in names

    run(main())


@pytest.mark.parametrize("quirks", [(), ("no-ack-version",)], ids=["default", "no-ack-version"])
def test_init_command_ack_with_and_without_version(quirks: tuple[str, ...]) -> None:
    async def main() -> bytes:
        server = serve([], persona="sony", faults=Faults(quirks=set(quirks)), name="cam")
        async with server:
            reader, writer = await asyncio.open_connection(server.host, server.port)
            try:
                writer.write(InitCommandRequest(bytes(16), "vm").encode())
                head = await reader.readexactly(8)
                return head + await reader.readexactly(int.from_bytes(head[:4], "little") - 8)
            finally:
                writer.close()
                await writer.wait_closed()

    ack = run(main())
    # 8 length/type, 4 connection number, 16 GUID, "cam" + NUL in UTF-16LE, then the version
    assert len(ack) == (36 if quirks else 40)
    assert ack[28:36] == "cam\0".encode("utf-16-le")
    decoded = decode_packet(ack)
    assert isinstance(decoded, InitCommandAck)
    assert decoded.protocol_version == (None if quirks else 0x00010000)
