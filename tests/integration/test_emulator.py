"""The camera emulator driven in-process over loopback TCP by a minimal asyncio initiator.

The initiator below is deliberately small and written on top of the sans-IO
:class:`~ptpkit.proto.initiator.InitiatorSession` only (not the ptpkit client), so that
these tests check the emulator and the server adapter, and nothing else.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import io
import os
import struct
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

import ptpkit.emulator
from ptpkit.emulator import Faults
from ptpkit.emulator.faults import CaptureMode
from ptpkit.emulator.serve import EmulatorServer
from ptpkit.errors import DecodeError
from ptpkit.proto.codes import (
    ALL,
    MTP_OBJECT_PROP_TYPES,
    ROOT,
    DataType,
    DevicePropCode,
    EventCode,
    MtpObjectPropCode,
    MtpOperationCode,
    MtpResponseCode,
    ObjectFormat,
    OperationCode,
    ResponseCode,
    VendorOperationCode,
)
from ptpkit.proto.datasets import (
    DeviceInfo,
    DevicePropDesc,
    ObjectInfo,
    ObjectPropList,
    PropEnum,
    StorageInfo,
    decode_u16_array,
    decode_u32_array,
    decode_value,
    encode_value,
)
from ptpkit.proto.events import (
    Channel,
    CommandAckReceived,
    ConnectionClosed,
    DataReceived,
    EventReceived,
    HandshakeCompleted,
    InitFailed,
    ResponseReceived,
    TimedOut,
)
from ptpkit.proto.initiator import InitiatorSession

pytestmark = pytest.mark.timeout(60)

Op = OperationCode
RC = ResponseCode
GUID_A = bytes(range(16))
GUID_B = bytes(range(16, 32))
SID = 0x00010001


# -- a minimal asyncio initiator ---------------------------------------------------------------
class Closed(Exception):
    pass


@dataclass
class Result:
    code: int
    params: tuple[int, ...]
    data: bytes = b""


@dataclass
class _Pending:
    future: asyncio.Future[Result]
    data: bytearray = field(default_factory=bytearray)
    on_data: Callable[[int], None] | None = None


class MiniInitiator:
    """One PTP/IP initiator: two asyncio stream connections around an InitiatorSession."""

    def __init__(self, guid: bytes = GUID_A, name: str = "pytest") -> None:
        self.session = InitiatorSession(guid, name, handshake_timeout=5.0)
        self.events: asyncio.Queue[EventReceived] = asyncio.Queue()
        self.closed = asyncio.Event()
        self._writers: dict[Channel, asyncio.StreamWriter] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._handshake: asyncio.Future[HandshakeCompleted] | None = None
        self._pending: _Pending | None = None
        self._host = ""
        self._port = 0

    async def connect(self, host: str, port: int) -> HandshakeCompleted:
        loop = asyncio.get_running_loop()
        self._host, self._port = host, port
        self._handshake = loop.create_future()
        reader, writer = await asyncio.open_connection(host, port)
        self._writers[Channel.COMMAND] = writer
        self._tasks.append(loop.create_task(self._read(Channel.COMMAND, reader)))
        self.session.start(loop.time())
        await self._flush()
        return await asyncio.wait_for(self._handshake, 5)

    async def _open_event_channel(self) -> None:
        reader, writer = await asyncio.open_connection(self._host, self._port)
        self._writers[Channel.EVENT] = writer
        loop = asyncio.get_running_loop()
        self._tasks.append(loop.create_task(self._read(Channel.EVENT, reader)))
        await self._flush()

    async def _read(self, channel: Channel, reader: asyncio.StreamReader) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                data = await reader.read(1 << 20)
            except ConnectionError:
                data = b""
            self.session.receive_data(channel, data, loop.time())
            await self._pump()
            if not data:
                self._fail(Closed(f"{channel.value} connection closed"))
                return

    def _fail(self, exc: Exception) -> None:
        self.closed.set()
        if self._handshake is not None and not self._handshake.done():
            self._handshake.set_exception(exc)
        if self._pending is not None and not self._pending.future.done():
            self._pending.future.set_exception(exc)

    async def _pump(self) -> None:
        try:
            while (event := self.session.next_event()) is not None:
                if isinstance(event, CommandAckReceived):
                    await self._open_event_channel()
                elif isinstance(event, HandshakeCompleted):
                    assert self._handshake is not None
                    self._handshake.set_result(event)
                elif isinstance(event, InitFailed):
                    self._fail(InitFail(event.reason))
                elif isinstance(event, EventReceived):
                    self.events.put_nowait(event)
                elif isinstance(event, DataReceived):
                    if self._pending is not None:
                        self._pending.data += event.data
                        if self._pending.on_data is not None:
                            self._pending.on_data(len(self._pending.data))
                elif isinstance(event, ResponseReceived):
                    pending, self._pending = self._pending, None
                    if pending is not None and not pending.future.done():
                        pending.future.set_result(
                            Result(event.code, event.params, bytes(pending.data))
                        )
                elif isinstance(event, (ConnectionClosed, TimedOut)):
                    self._fail(Closed(str(event)))
        except Exception as exc:  # a protocol error by the emulator fails the test
            self._fail(exc)
        await self._flush()

    async def _flush(self) -> None:
        for channel, data in self.session.data_to_send():
            writer = self._writers.get(channel)
            if writer is not None and not writer.is_closing():
                writer.write(data)
        for writer in list(self._writers.values()):
            if not writer.is_closing():
                try:
                    await writer.drain()
                except ConnectionError:
                    pass

    async def request(
        self,
        code: int,
        *params: int,
        data: bytes | None = None,
        on_data: Callable[[int], None] | None = None,
        timeout: float = 10.0,
    ) -> Result:
        loop = asyncio.get_running_loop()
        pending = _Pending(loop.create_future(), on_data=on_data)
        self._pending = pending
        self.session.send_request(
            code, params, data_out_length=None if data is None else len(data), now=loop.time()
        )
        if data:
            view = memoryview(data)
            for start in range(0, len(view), 65536):
                self.session.send_data(view[start : start + 65536], loop.time())
        await self._flush()
        return await asyncio.wait_for(pending.future, timeout)

    async def ok(self, code: int, *params: int, data: bytes | None = None) -> Result:
        result = await self.request(code, *params, data=data)
        assert result.code == RC.OK, f"0x{code:04X} answered {RC(result.code).name}"
        return result

    async def cancel(self) -> None:
        self.session.cancel(asyncio.get_running_loop().time())
        await self._flush()

    async def next_event(self, timeout: float = 5.0) -> EventReceived:
        return await asyncio.wait_for(self.events.get(), timeout)

    async def open(self) -> None:
        await self.ok(Op.OpenSession, 1)

    async def close(self) -> None:
        for writer in self._writers.values():
            writer.close()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass
        for writer in self._writers.values():
            try:
                await writer.wait_closed()
            except (ConnectionError, OSError):
                pass


class InitFail(Exception):
    def __init__(self, reason: int) -> None:
        super().__init__(f"Init Fail {reason}")
        self.reason = reason


@asynccontextmanager
async def initiator(
    server: EmulatorServer, *, guid: bytes = GUID_A, open_session: bool = True
) -> AsyncIterator[MiniInitiator]:
    client = MiniInitiator(guid)
    try:
        await client.connect(server.host, server.port)
        if open_session:
            await client.open()
        yield client
    finally:
        await client.close()


# -- fixtures ----------------------------------------------------------------------------------
def _jpeg(width: int, height: int, color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "JPEG", quality=90)
    return out.getvalue()


@pytest.fixture
def card(tmp_path: Path) -> Path:
    root = tmp_path / "card"
    (root / "DCIM" / "100TEST").mkdir(parents=True)
    (root / "DCIM" / "101TEST").mkdir()
    (root / "DCIM" / "100TEST" / "IMG_0001.JPG").write_bytes(_jpeg(320, 240, (200, 10, 10)))
    (root / "DCIM" / "100TEST" / "Été ☀ 02.jpg").write_bytes(_jpeg(64, 48, (10, 200, 10)))
    (root / "DCIM" / "101TEST" / "clip.mov").write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    (root / "notes.txt").write_text("hello camera\n", encoding="utf-8")
    return root


@asynccontextmanager
async def emulator(root: Path, **kwargs: Any) -> AsyncIterator[EmulatorServer]:
    kwargs.setdefault("rescan_interval", None)
    async with ptpkit.emulator.serve([root], **kwargs) as server:
        yield server


async def _find(client: MiniInitiator, name: str) -> int:
    handles = decode_u32_array((await client.ok(Op.GetObjectHandles, ALL, 0, 0)).data)
    for handle in handles:
        info = ObjectInfo.decode((await client.ok(Op.GetObjectInfo, handle)).data)
        if info.filename == name:
            return handle
    raise AssertionError(f"{name} not found")


async def _capture_event(client: MiniInitiator) -> EventReceived:
    """The next event that belongs to a transaction (skips folder announcements)."""
    while True:
        event = await client.next_event()
        if event.transaction_id != 0xFFFFFFFF:
            return event


# -- handshake, device and storage -------------------------------------------------------------
async def test_handshake_and_device_info(card: Path) -> None:
    async with (
        emulator(card, name="Test Cam") as server,
        initiator(server, open_session=False) as client,
    ):
        assert client.session.responder_name == "Test Cam"
        assert client.session.responder_guid == server.guid
        assert server.sessions == 1
        info = DeviceInfo.decode((await client.ok(Op.GetDeviceInfo)).data)
        assert info.vendor_extension_id == 0
        assert info.manufacturer == "ptpkit"
        assert info.model == "Emulated Camera"
        assert Op.GetPartialObject in info.operations_supported
        # read-only by default: nothing that changes the storage is listed
        for op in (
            Op.DeleteObject,
            Op.SendObjectInfo,
            Op.SendObject,
            Op.InitiateCapture,
            Op.FormatStore,
            Op.MoveObject,
            Op.CopyObject,
        ):
            assert op not in info.operations_supported
        assert not any(0x9800 <= op <= 0x98FF for op in info.operations_supported)
        assert DevicePropCode.BatteryLevel in info.device_properties_supported
        # everything but GetDeviceInfo and OpenSession needs a session
        assert (await client.request(Op.GetStorageIDs)).code == RC.SessionNotOpen
        await client.open()
        again = await client.request(Op.OpenSession, 7)
        assert again.code == RC.SessionAlreadyOpen and again.params == (1,)
        ids = decode_u32_array((await client.ok(Op.GetStorageIDs)).data)
        assert ids == (SID,)
        sinfo = StorageInfo.decode((await client.ok(Op.GetStorageInfo, SID)).data)
        assert sinfo.max_capacity > 0 and sinfo.access_capability == 1
        assert (await client.request(Op.GetStorageInfo, 0x00090001)).code == RC.InvalidStorageID
        await client.ok(Op.CloseSession)
        assert (await client.request(Op.GetStorageIDs)).code == RC.SessionNotOpen


async def test_writable_lists_write_operations(card: Path) -> None:
    async with (
        emulator(card, writable=True, allow_format=True) as server,
        initiator(server) as client,
    ):
        info = DeviceInfo.decode((await client.ok(Op.GetDeviceInfo)).data)
        for op in (
            Op.DeleteObject,
            Op.SendObjectInfo,
            Op.SendObject,
            Op.InitiateCapture,
            Op.FormatStore,
            Op.MoveObject,
            Op.CopyObject,
            Op.SetObjectProtection,
        ):
            assert op in info.operations_supported
        sinfo = StorageInfo.decode((await client.ok(Op.GetStorageInfo, SID)).data)
        assert sinfo.access_capability == 0


async def test_unknown_operation_and_read_only_refusals(card: Path) -> None:
    async with emulator(card) as server, initiator(server) as client:
        assert (await client.request(0x1FFF)).code == RC.OperationNotSupported
        assert (await client.request(0x9123, 1, 2)).code == RC.OperationNotSupported
        handle = await _find(client, "notes.txt")
        assert (await client.request(Op.DeleteObject, handle, 0)).code == RC.StoreReadOnly
        assert (await client.request(Op.InitiateCapture, 0, 0)).code == RC.StoreReadOnly
        assert (await client.request(Op.FormatStore, SID)).code == RC.OperationNotSupported
        # a data-out operation refused up front still has its data read first
        info = ObjectInfo(filename="x.txt", object_compressed_size=3)
        result = await client.request(Op.SendObjectInfo, SID, ROOT, data=info.encode())
        assert result.code == RC.StoreReadOnly
        # and the session is still in step
        await client.ok(Op.GetStorageIDs)


# -- listing -----------------------------------------------------------------------------------
async def test_listing_filters(card: Path) -> None:
    async with emulator(card) as server, initiator(server) as client:
        everything = decode_u32_array((await client.ok(Op.GetObjectHandles, ALL, 0, 0)).data)
        infos = {
            h: ObjectInfo.decode((await client.ok(Op.GetObjectInfo, h)).data) for h in everything
        }
        names = sorted(i.filename for i in infos.values())
        assert names == sorted(
            ["DCIM", "100TEST", "101TEST", "IMG_0001.JPG", "Été ☀ 02.jpg", "clip.mov", "notes.txt"]
        )
        root = decode_u32_array((await client.ok(Op.GetObjectHandles, SID, 0, ROOT)).data)
        assert sorted(infos[h].filename for h in root) == ["DCIM", "notes.txt"]
        dcim = next(h for h in root if infos[h].filename == "DCIM")
        assert infos[dcim].object_format == ObjectFormat.Association
        assert infos[dcim].association_type == 1
        sub = decode_u32_array((await client.ok(Op.GetObjectHandles, SID, 0, dcim)).data)
        assert sorted(infos[h].filename for h in sub) == ["100TEST", "101TEST"]
        jpegs = decode_u32_array(
            (await client.ok(Op.GetObjectHandles, ALL, ObjectFormat.EXIF_JPEG, 0)).data
        )
        assert sorted(infos[h].filename for h in jpegs) == ["IMG_0001.JPG", "Été ☀ 02.jpg"]
        images = decode_u32_array((await client.ok(Op.GetObjectHandles, ALL, ALL, 0)).data)
        assert sorted(images) == sorted(jpegs)
        count = await client.ok(Op.GetNumObjects, ALL, 0, 0)
        assert count.params == (len(everything),)
        count = await client.ok(Op.GetNumObjects, SID, 0, ROOT)
        assert count.params == (2,)
        # bad parameters
        bad = await client.request(Op.GetObjectHandles, 0x00050001, 0, 0)
        assert bad.code == RC.InvalidStorageID
        notes = next(h for h in root if infos[h].filename == "notes.txt")
        assert (await client.request(Op.GetObjectHandles, SID, 0, notes)).code == (
            RC.InvalidParentObject
        )
        assert (await client.request(Op.GetObjectHandles, SID, 0, 0xBEEF)).code == (
            RC.InvalidParentObject
        )
        assert (await client.request(Op.GetObjectInfo, 0xBEEF)).code == RC.InvalidObjectHandle
        assert (await client.request(Op.GetNumObjects, 0x00070001, 0, 0)).code == (
            RC.InvalidStorageID
        )
        # sizes and parents
        img = next(h for h in everything if infos[h].filename == "IMG_0001.JPG")
        path = card / "DCIM" / "100TEST" / "IMG_0001.JPG"
        assert infos[img].object_compressed_size == path.stat().st_size
        assert infos[img].image_pix_width == 320 and infos[img].image_pix_height == 240
        assert infos[infos[img].parent_object].filename == "100TEST"
        assert infos[notes].parent_object == 0


async def test_object_info_follows_changes_to_the_file(card: Path) -> None:
    async with emulator(card, writable=True) as server, initiator(server) as client:
        notes = await _find(client, "notes.txt")
        path = card / "notes.txt"

        async def info() -> ObjectInfo:
            return ObjectInfo.decode((await client.ok(Op.GetObjectInfo, notes)).data)

        assert (await info()).object_compressed_size == path.stat().st_size
        first = await info()
        path.write_text("hello camera, and more\n")
        assert (await info()).object_compressed_size == path.stat().st_size
        os.utime(path, ns=(0, 1_000_000_000))  # same size, another time
        assert (await info()).modification_date != first.modification_date
        await client.ok(Op.SetObjectProtection, notes, 1)
        assert (await info()).protection_status == 1
        folder = await _find(client, "101TEST")
        await client.ok(Op.SetObjectProtection, notes, 0)
        await client.ok(Op.MoveObject, notes, SID, folder)
        assert (await info()).parent_object == folder
        await client.ok(Op.DeleteObject, notes, 0)
        assert (await client.request(Op.GetObjectInfo, notes)).code == RC.InvalidObjectHandle


async def test_files_added_while_nobody_was_connected_appear_at_once(card: Path) -> None:
    async with emulator(card, rescan_interval=3600) as server:
        async with initiator(server) as client:
            names = await _names(client)
            assert "late.txt" not in names
        (card / "late.txt").write_text("added while nobody looked\n")
        (card / "notes.txt").unlink()
        async with initiator(server) as client:
            names = await _names(client)
            assert "late.txt" in names and "notes.txt" not in names


async def _names(client: MiniInitiator) -> set[str]:
    handles = decode_u32_array((await client.ok(Op.GetObjectHandles, ALL, 0, 0)).data)
    infos = [ObjectInfo.decode((await client.ok(Op.GetObjectInfo, h)).data) for h in handles]
    return {i.filename for i in infos}


# -- MTP object properties ---------------------------------------------------------------------
Mtp = MtpOperationCode
OPC = MtpObjectPropCode


async def _prop_list(client: MiniInitiator, *params: int) -> ObjectPropList:
    return ObjectPropList.decode((await client.ok(Mtp.GetObjectPropList, *params)).data)


async def test_mtp_operations_are_offered_only_with_mtp(card: Path) -> None:
    async with emulator(card) as server, initiator(server) as client:
        info = DeviceInfo.decode((await client.ok(Op.GetDeviceInfo)).data)
        assert not any(0x9800 <= op <= 0x98FF for op in info.operations_supported)
        refused = await client.request(Mtp.GetObjectPropList, ALL, 0, ALL, 0, 0)
        assert refused.code == RC.OperationNotSupported
        assert (await client.request(Mtp.GetObjectPropsSupported, 0)).code == (
            RC.OperationNotSupported
        )
    async with emulator(card, mtp=True) as server, initiator(server) as client:
        info = DeviceInfo.decode((await client.ok(Op.GetDeviceInfo)).data)
        assert {Mtp.GetObjectPropList, Mtp.GetObjectPropsSupported} <= set(
            info.operations_supported
        )
        assert info.vendor_extension_id == 0  # still a generic PTP camera


async def test_get_object_prop_list_of_everything_matches_object_info(card: Path) -> None:
    async with emulator(card, mtp=True) as server, initiator(server) as client:
        handles = decode_u32_array((await client.ok(Op.GetObjectHandles, ALL, 0, 0)).data)
        infos = {h: ObjectInfo.decode((await client.ok(Op.GetObjectInfo, h)).data) for h in handles}
        plist = await _prop_list(client, ALL, 0, ALL, 0, 0)
        for element in plist:
            assert element.data_type is MTP_OBJECT_PROP_TYPES[element.prop_code]
        objects = plist.by_object()
        assert set(objects) == set(handles)
        for handle, props in objects.items():
            info = infos[handle]
            assert props[OPC.StorageID] == info.storage_id == SID
            assert props[OPC.ObjectFormat] == info.object_format
            assert props[OPC.ProtectionStatus] == info.protection_status
            assert props[OPC.AssociationType] == info.association_type
            assert props[OPC.ObjectFileName] == info.filename
            assert props[OPC.DateCreated] == info.capture_date
            assert props[OPC.DateModified] == info.modification_date
            assert props[OPC.ParentObject] == info.parent_object
            assert props[OPC.PersistentUniqueObjectIdentifier] == handle
            folder = info.object_format == ObjectFormat.Association
            assert props[OPC.ObjectSize] == (0 if folder else info.object_compressed_size)
            if 0x3800 <= info.object_format <= 0x38FF:
                assert props[OPC.Width] == info.image_pix_width
                assert props[OPC.Height] == info.image_pix_height
        big = next(h for h, i in infos.items() if i.filename == "clip.mov")
        assert objects[big][OPC.ObjectSize] == (card / "DCIM/101TEST/clip.mov").stat().st_size
        supported = decode_u16_array((await client.ok(Mtp.GetObjectPropsSupported, 0)).data)
        assert {e.prop_code for e in plist} == set(supported)
        text_only = decode_u16_array(
            (await client.ok(Mtp.GetObjectPropsSupported, ObjectFormat.Text)).data
        )
        assert OPC.Width not in text_only and OPC.ObjectFileName in text_only


async def test_get_object_prop_list_selects_objects(card: Path) -> None:
    async with emulator(card, mtp=True) as server, initiator(server) as client:
        handles = decode_u32_array((await client.ok(Op.GetObjectHandles, ALL, 0, 0)).data)
        name = {
            h: ObjectInfo.decode((await client.ok(Op.GetObjectInfo, h)).data).filename
            for h in handles
        }
        by_name = {n: h for h, n in name.items()}

        async def names(*params: int) -> list[str]:
            plist = await _prop_list(client, *params)
            return sorted(name[h] for h in plist.by_object())

        img, dcim = by_name["IMG_0001.JPG"], by_name["DCIM"]
        assert await names(img, 0, ALL, 0, 0) == ["IMG_0001.JPG"]
        assert await names(dcim, 0, ALL, 0, 1) == ["100TEST", "101TEST"]
        assert await names(dcim, 0, ALL, 0, 0xFFFFFFFF) == sorted(
            ["100TEST", "101TEST", "IMG_0001.JPG", "Été ☀ 02.jpg", "clip.mov"]
        )
        assert await names(dcim, 0, ALL, 0, 2) == await names(dcim, 0, ALL, 0, 0xFFFFFFFF)
        assert await names(0, 0, ALL, 0, 1) == ["DCIM", "notes.txt"]  # 0: the root
        assert await names(0, 0, ALL, 0, 0) == []
        assert await names(img, 0, ALL, 0, 1) == []  # nothing below a file
        assert await names(ALL, ObjectFormat.EXIF_JPEG, ALL, 0, 0) == [
            "IMG_0001.JPG",
            "Été ☀ 02.jpg",
        ]
        only_names = await _prop_list(client, ALL, 0, OPC.ObjectFileName, 0, 0)
        assert len(only_names.elements) == len(handles)
        assert {e.prop_code for e in only_names} == {OPC.ObjectFileName}
        assert {e.value for e in only_names} == set(name.values())
        # what is not supported
        for params, code in (
            ((ALL, 0, 0, 0, 0), RC.ParameterNotSupported),
            ((ALL, 0, 0, 1, 0), MtpResponseCode.SpecificationByGroupUnsupported),
            ((ALL, 0, 0xDC99, 0, 0), MtpResponseCode.ObjectPropNotSupported),
            ((0xBEEF, 0, ALL, 0, 0), RC.InvalidObjectHandle),
        ):
            assert (await client.request(Mtp.GetObjectPropList, *params)).code == code
        await client.ok(Op.GetStorageIDs)  # and the session is still in step


# -- reading objects ---------------------------------------------------------------------------
async def test_get_object_is_byte_identical(card: Path) -> None:
    async with emulator(card, data_chunk_size=256 * 1024) as server, initiator(server) as client:
        for rel in ("DCIM/101TEST/clip.mov", "DCIM/100TEST/Été ☀ 02.jpg", "notes.txt"):
            path = card / rel
            handle = await _find(client, path.name)
            result = await client.ok(Op.GetObject, handle)
            assert (
                hashlib.sha256(result.data).digest() == hashlib.sha256(path.read_bytes()).digest()
            )
        # a folder has no data
        dcim = await _find(client, "DCIM")
        assert (await client.request(Op.GetObject, dcim)).code == RC.AccessDenied
        assert (await client.request(Op.GetObject, 0xBEEF)).code == RC.InvalidObjectHandle


async def test_empty_file(card: Path) -> None:
    (card / "empty.bin").write_bytes(b"")
    async with emulator(card) as server, initiator(server) as client:
        handle = await _find(client, "empty.bin")
        result = await client.ok(Op.GetObject, handle)
        assert result.data == b""
        await client.ok(Op.GetStorageIDs)


async def test_get_partial_object(card: Path) -> None:
    data = (card / "DCIM" / "101TEST" / "clip.mov").read_bytes()
    async with emulator(card) as server, initiator(server) as client:
        handle = await _find(client, "clip.mov")
        part = await client.ok(Op.GetPartialObject, handle, 1000, 5000)
        assert part.params == (5000,) and part.data == data[1000:6000]
        # gphoto2 style: 1 MiB chunks, advancing by what came back
        got = bytearray()
        while len(got) < len(data):
            piece = await client.ok(Op.GetPartialObject, handle, len(got), 1 << 20)
            assert piece.params == (len(piece.data),)
            got += piece.data
        assert bytes(got) == data
        tail = await client.ok(Op.GetPartialObject, handle, len(data) - 10, 0xFFFFFFFF)
        assert tail.params == (10,) and tail.data == data[-10:]
        end = await client.ok(Op.GetPartialObject, handle, len(data), 100)
        assert end.params == (0,) and end.data == b""
        beyond = await client.request(Op.GetPartialObject, handle, len(data) + 1, 100)
        assert beyond.code == RC.InvalidParameter
        wide = await client.ok(VendorOperationCode.AndroidGetPartialObject64, handle, 7, 0, 11)
        assert wide.params == (11,) and wide.data == data[7:18]


async def test_get_thumb(card: Path) -> None:
    async with emulator(card) as server, initiator(server) as client:
        handle = await _find(client, "IMG_0001.JPG")
        info = ObjectInfo.decode((await client.ok(Op.GetObjectInfo, handle)).data)
        thumb = await client.ok(Op.GetThumb, handle)
        assert len(thumb.data) == info.thumb_compressed_size > 0
        with Image.open(io.BytesIO(thumb.data)) as im:
            assert im.format == "JPEG"
            assert im.size == (info.thumb_pix_width, info.thumb_pix_height)
        notes = await _find(client, "notes.txt")
        assert (await client.request(Op.GetThumb, notes)).code == RC.NoThumbnailPresent


# -- changing the storage ----------------------------------------------------------------------
async def test_upload(card: Path) -> None:
    payload = os.urandom(300_000)
    async with emulator(card, writable=True) as server, initiator(server) as client:
        # no ObjectInfo yet
        assert (await client.request(Op.SendObject, data=b"abc")).code == RC.NoValidObjectInfo
        folder = await _find(client, "101TEST")
        info = ObjectInfo(
            storage_id=SID,
            object_format=ObjectFormat.Undefined,
            object_compressed_size=len(payload),
            parent_object=folder,
            filename="upload ü.bin",
        )
        result = await client.ok(Op.SendObjectInfo, SID, folder, data=info.encode())
        assert len(result.params) == 3
        storage, parent, handle = result.params
        assert (storage, parent) == (SID, folder)
        target = card / "DCIM" / "101TEST" / "upload ü.bin"
        assert not target.exists()  # nothing under the final name before the data
        await client.ok(Op.SendObject, data=payload)
        assert target.read_bytes() == payload
        got = await client.ok(Op.GetObject, handle)
        assert got.data == payload
        # to the root, the way gphoto2 does it (parent 0xFFFFFFFF)
        info = ObjectInfo(object_compressed_size=5, parent_object=ROOT, filename="root.txt")
        result = await client.ok(Op.SendObjectInfo, SID, ROOT, data=info.encode())
        assert result.params[:2] == (SID, ROOT)
        await client.ok(Op.SendObject, data=b"12345")
        assert (card / "root.txt").read_bytes() == b"12345"
        # wrong length: refused, nothing lands, the ObjectInfo stays for a retry
        info = ObjectInfo(object_compressed_size=10, filename="short.bin")
        await client.ok(Op.SendObjectInfo, SID, ROOT, data=info.encode())
        short = await client.request(Op.SendObject, data=b"123")
        assert short.code == RC.IncompleteTransfer
        assert not (card / "short.bin").exists()
        await client.ok(Op.SendObject, data=b"0123456789")
        assert (card / "short.bin").read_bytes() == b"0123456789"
        # path traversal in the name is refused
        evil = ObjectInfo(object_compressed_size=1, filename="../evil.txt")
        refused = await client.request(Op.SendObjectInfo, SID, ROOT, data=evil.encode())
        assert refused.code == RC.InvalidParameter
        bad_parent = await client.request(Op.SendObjectInfo, SID, 0xBEEF, data=info.encode())
        assert bad_parent.code == RC.InvalidParentObject
        bad_storage = await client.request(Op.SendObjectInfo, 0x00090001, 0, data=info.encode())
        assert bad_storage.code == RC.InvalidStorageID
        garbage = await client.request(Op.SendObjectInfo, SID, 0, data=b"\x01\x02")
        assert garbage.code == RC.InvalidDataSet
        # a folder
        folder_info = ObjectInfo(
            object_format=ObjectFormat.Association, association_type=1, filename="NEWDIR"
        )
        made = await client.ok(Op.SendObjectInfo, SID, ROOT, data=folder_info.encode())
        assert (card / "NEWDIR").is_dir()
        assert made.params[2] in decode_u32_array(
            (await client.ok(Op.GetObjectHandles, SID, 0, ROOT)).data
        )
    assert not list(card.rglob(".ptpkit-upload-*"))


async def test_a_data_out_phase_in_many_reads_reaches_a_keeping_sink_intact(card: Path) -> None:
    """The emulator reads every connection into one shared buffer: a sink that keeps what
    it is given (SendObjectInfo collects its dataset) must get copies, not views that the
    next read overwrites."""
    name = "pieces-" + "x" * 100 + ".bin"
    dataset = ObjectInfo(object_compressed_size=3, filename=name).encode()
    async with emulator(card, writable=True) as server, initiator(server) as client:
        loop = asyncio.get_running_loop()
        pending = _Pending(loop.create_future())
        client._pending = pending
        client.session.send_request(
            Op.SendObjectInfo, (SID, ROOT), data_out_length=len(dataset), now=loop.time()
        )
        for start in range(0, len(dataset), 16):  # small Data packets, apart in time
            client.session.send_data(dataset[start : start + 16], loop.time())
            await client._flush()
            await asyncio.sleep(0.01)
        result = await asyncio.wait_for(pending.future, 5)
        assert result.code == RC.OK
        await client.ok(Op.SendObject, data=b"abc")
    assert (card / name).read_bytes() == b"abc"


async def test_broken_upload_leaves_nothing(card: Path) -> None:
    async with emulator(card, writable=True) as server:
        async with initiator(server) as client:
            info = ObjectInfo(object_compressed_size=1_000_000, filename="broken.bin")
            await client.ok(Op.SendObjectInfo, SID, ROOT, data=info.encode())
            # announce 1 MB, send 100 kB, then vanish
            loop = asyncio.get_running_loop()
            client.session.send_request(
                Op.SendObject, (), data_out_length=1_000_000, now=loop.time()
            )
            client.session.send_data(os.urandom(100_000), loop.time())
            await client._flush()
            await asyncio.sleep(0.1)
        for _ in range(50):
            if server.sessions == 0:
                break
            await asyncio.sleep(0.02)
        assert server.sessions == 0
    assert not (card / "broken.bin").exists()
    assert not list(card.rglob(".ptpkit-upload-*"))


async def test_cancel_mid_upload_keeps_object_info(card: Path) -> None:
    async with emulator(card, writable=True) as server, initiator(server) as client:
        info = ObjectInfo(object_compressed_size=2_000_000, filename="cancelled.bin")
        await client.ok(Op.SendObjectInfo, SID, ROOT, data=info.encode())
        loop = asyncio.get_running_loop()
        pending = _Pending(loop.create_future())
        client._pending = pending
        client.session.send_request(Op.SendObject, (), data_out_length=2_000_000, now=loop.time())
        client.session.send_data(os.urandom(300_000), loop.time())
        client.session.cancel(loop.time())
        await client._flush()
        result = await asyncio.wait_for(pending.future, 5)
        assert result.code == RC.TransactionCancelled
        assert not (card / "cancelled.bin").exists()
        # the ObjectInfo stays: SendObject again, completely this time
        payload = os.urandom(2_000_000)
        await client.ok(Op.SendObject, data=payload)
        assert (card / "cancelled.bin").read_bytes() == payload
    assert not list(card.rglob(".ptpkit-upload-*"))


async def test_many_initiators_download_at_once(card: Path) -> None:
    data = (card / "DCIM" / "101TEST" / "clip.mov").read_bytes()
    guids = [bytes([n]) * 16 for n in range(8)]
    async with emulator(card, data_chunk_size=256 << 10) as server:
        clients = [MiniInitiator(guid) for guid in guids]
        try:
            await asyncio.gather(*(c.connect(server.host, server.port) for c in clients))
            await asyncio.gather(*(c.open() for c in clients))
            assert server.sessions == len(clients)
            handles = await asyncio.gather(*(_find(c, "clip.mov") for c in clients))
            results = await asyncio.gather(
                *(c.ok(Op.GetObject, h) for c, h in zip(clients, handles, strict=True))
            )
            assert all(r.data == data for r in results)
        finally:
            await asyncio.gather(*(c.close() for c in clients))


async def test_delete_move_copy_protect(card: Path) -> None:
    async with (
        emulator(card, writable=True) as server,
        initiator(server) as client,
        initiator(server, guid=GUID_B) as other,
    ):
        notes = await _find(client, "notes.txt")
        folder = await _find(client, "101TEST")
        # DeleteObject(handle, format) with a format is not allowed
        bad = await client.request(Op.DeleteObject, notes, ObjectFormat.Text)
        assert bad.code == RC.SpecificationByFormatUnsupported
        assert (await client.request(Op.DeleteObject, 0xBEEF, 0)).code == (RC.InvalidObjectHandle)
        # copy into a folder
        copied = await client.ok(Op.CopyObject, notes, SID, folder)
        (new,) = copied.params
        assert (card / "DCIM" / "101TEST" / "notes.txt").read_text() == "hello camera\n"
        event = await other.next_event()
        assert (event.code, event.params) == (EventCode.ObjectAdded, (new,))
        # move the copy to the root: taken name → "notes (1).txt"
        await client.ok(Op.MoveObject, new, SID, 0)
        assert (card / "notes (1).txt").exists()
        event = await other.next_event()
        assert (event.code, event.params) == (EventCode.ObjectInfoChanged, (new,))
        bad = await client.request(Op.MoveObject, new, SID, notes)
        assert bad.code == RC.InvalidParentObject
        # protection
        await client.ok(Op.SetObjectProtection, new, 1)
        assert (await other.next_event()).code == EventCode.ObjectInfoChanged
        protected = await client.request(Op.DeleteObject, new, 0)
        assert protected.code == RC.ObjectWriteProtected
        assert (await client.request(Op.SetObjectProtection, new, 7)).code == (RC.InvalidParameter)
        await client.ok(Op.SetObjectProtection, new, 0)
        assert (await other.next_event()).code == EventCode.ObjectInfoChanged
        # delete a file, then a folder with its contents
        await client.ok(Op.DeleteObject, new, 0)
        assert not (card / "notes (1).txt").exists()
        event = await other.next_event()
        assert (event.code, event.params) == (EventCode.ObjectRemoved, (new,))
        await client.ok(Op.DeleteObject, folder, 0)
        assert not (card / "DCIM" / "101TEST").exists()
        removed = {(await other.next_event()).params[0] for _ in range(2)}
        assert folder in removed
        assert (await client.request(Op.GetObjectInfo, folder)).code == (RC.InvalidObjectHandle)
        assert client.events.empty()  # the initiator that changed things hears nothing


# -- properties --------------------------------------------------------------------------------
async def test_properties(card: Path) -> None:
    async with emulator(card, writable=True) as server, initiator(server) as client:
        battery = DevicePropDesc.decode(
            (await client.ok(Op.GetDevicePropDesc, DevicePropCode.BatteryLevel)).data
        )
        assert battery.data_type == DataType.UINT8 and battery.get_set == 0
        assert 0 <= int(battery.current_value) <= 100  # type: ignore[arg-type]
        size = DevicePropDesc.decode(
            (await client.ok(Op.GetDevicePropDesc, DevicePropCode.ImageSize)).data
        )
        assert isinstance(size.form, PropEnum) and "640x480" in size.form.values
        value = await client.ok(Op.GetDevicePropValue, DevicePropCode.ImageSize)
        assert decode_value(DataType.STR, value.data) == size.current_value
        # set → DevicePropChanged
        await client.ok(
            Op.SetDevicePropValue,
            DevicePropCode.ImageSize,
            data=encode_value(DataType.STR, "640x480"),
        )
        event = await client.next_event()
        assert (event.code, event.params) == (EventCode.DevicePropChanged, (0x5003,))
        value = await client.ok(Op.GetDevicePropValue, DevicePropCode.ImageSize)
        assert decode_value(DataType.STR, value.data) == "640x480"
        # bad values and formats
        bad = await client.request(
            Op.SetDevicePropValue, DevicePropCode.ImageSize, data=encode_value(DataType.STR, "7x7")
        )
        assert bad.code == RC.InvalidDevicePropValue
        bad = await client.request(
            Op.SetDevicePropValue, DevicePropCode.FNumber, data=b"\x01\x02\x03"
        )
        assert bad.code == RC.InvalidDevicePropFormat
        bad = await client.request(Op.SetDevicePropValue, DevicePropCode.BatteryLevel, data=b"\x10")
        assert bad.code == RC.AccessDenied
        bad = await client.request(Op.SetDevicePropValue, 0x5099, data=b"\x10")
        assert bad.code == RC.DevicePropNotSupported
        assert (await client.request(Op.GetDevicePropDesc, 0xD123)).code == (
            RC.DevicePropNotSupported
        )
        # DateTime (STR, no form) can be set and keeps ticking from there
        await client.ok(
            Op.SetDevicePropValue,
            DevicePropCode.DateTime,
            data=encode_value(DataType.STR, "20200102T030405"),
        )
        when = decode_value(
            DataType.STR, (await client.ok(Op.GetDevicePropValue, DevicePropCode.DateTime)).data
        )
        assert isinstance(when, str) and when.startswith("20200102T0304")
        # reset
        await client.ok(Op.ResetDevicePropValue, DevicePropCode.ImageSize)
        value = await client.ok(Op.GetDevicePropValue, DevicePropCode.ImageSize)
        assert decode_value(DataType.STR, value.data) == size.factory_default_value


# -- capture -----------------------------------------------------------------------------------
async def test_capture_events_in_order(card: Path) -> None:
    async with emulator(card, writable=True) as server, initiator(server) as client:
        await client.ok(
            Op.SetDevicePropValue,
            DevicePropCode.ImageSize,
            data=encode_value(DataType.STR, "640x480"),
        )
        assert (await client.next_event()).code == EventCode.DevicePropChanged
        await client.ok(Op.InitiateCapture, 0, 0)
        # the new DCIM/100PTPKT folder is announced first (no transaction id), then
        # ObjectAdded(file) and CaptureComplete, both with the capture's transaction id
        folder = await client.next_event()
        assert folder.code == EventCode.ObjectAdded and folder.transaction_id == 0xFFFFFFFF
        folder_info = ObjectInfo.decode((await client.ok(Op.GetObjectInfo, *folder.params)).data)
        assert folder_info.object_format == ObjectFormat.Association
        first = await client.next_event()
        second = await client.next_event()
        assert first.code == EventCode.ObjectAdded
        assert second.code == EventCode.CaptureComplete
        assert first.transaction_id == second.transaction_id
        assert first.transaction_id not in (0, 0xFFFFFFFF)
        (handle,) = first.params
        info = ObjectInfo.decode((await client.ok(Op.GetObjectInfo, handle)).data)
        assert info.object_format == ObjectFormat.EXIF_JPEG
        data = (await client.ok(Op.GetObject, handle)).data
        with Image.open(io.BytesIO(data)) as im:
            assert im.format == "JPEG" and im.size == (640, 480)
        assert info.filename.endswith(".JPG")
        assert list(card.rglob(info.filename))
        # a second capture gets the next tid
        await client.ok(Op.InitiateCapture, SID, ObjectFormat.EXIF_JPEG)
        added = await client.next_event()
        complete = await client.next_event()
        assert complete.transaction_id == added.transaction_id > first.transaction_id
        bad = await client.request(Op.InitiateCapture, 0, ObjectFormat.PNG)
        assert bad.code == RC.InvalidObjectFormatCode
        bad = await client.request(Op.InitiateCapture, 0x00090001, 0)
        assert bad.code == RC.InvalidStorageID


async def test_open_capture(card: Path) -> None:
    async with emulator(card, writable=True) as server, initiator(server) as client:
        server.camera.open_capture_interval = 0.05
        await client.ok(Op.InitiateOpenCapture, 0, 0)
        first = await _capture_event(client)
        tid = first.transaction_id
        assert first.code == EventCode.ObjectAdded
        busy = await client.request(Op.InitiateCapture, 0, 0)
        assert busy.code == RC.DeviceBusy
        second = await _capture_event(client)  # captures keep coming, with the same tid
        assert second.code == EventCode.ObjectAdded and second.transaction_id == tid
        assert second.params != first.params
        wrong = await client.request(Op.TerminateOpenCapture, tid + 100)
        assert wrong.code == RC.InvalidTransactionID
        await client.ok(Op.TerminateOpenCapture, tid)
        again = await client.request(Op.TerminateOpenCapture, tid)
        assert again.code == RC.CaptureAlreadyTerminated


# -- transport ---------------------------------------------------------------------------------
async def test_cancel_mid_get_object_keeps_session(tmp_path: Path) -> None:
    root = tmp_path / "big"
    root.mkdir()
    with (root / "big.bin").open("wb") as f:
        f.truncate(256 << 20)  # sparse
    async with emulator(root, data_chunk_size=64 << 10) as server, initiator(server) as client:
        handle = await _find(client, "big.bin")
        loop = asyncio.get_running_loop()
        cancelled = asyncio.Event()
        flushes: list[asyncio.Task[None]] = []

        def on_data(received: int) -> None:
            if not cancelled.is_set():
                cancelled.set()
                client.session.cancel(loop.time())
                flushes.append(loop.create_task(client._flush()))

        result = await client.request(Op.GetObject, handle, on_data=on_data, timeout=30)
        assert result.code == RC.TransactionCancelled
        assert len(result.data) < 256 << 20
        # the session goes on
        ids = decode_u32_array((await client.ok(Op.GetStorageIDs)).data)
        assert ids == (SID,)
        part = await client.ok(Op.GetPartialObject, handle, 0, 1000)
        assert part.data == bytes(1000)


async def test_two_initiators_at_once(card: Path) -> None:
    data = (card / "DCIM" / "101TEST" / "clip.mov").read_bytes()
    async with (
        emulator(card) as server,
        initiator(server, guid=GUID_A) as a,
        initiator(server, guid=GUID_B) as b,
    ):
        assert server.sessions == 2
        ha, hb = await asyncio.gather(_find(a, "clip.mov"), _find(b, "clip.mov"))
        ra, rb = await asyncio.gather(a.ok(Op.GetObject, ha), b.ok(Op.GetObject, hb))
        assert ra.data == data and rb.data == data
        # each has its own PTP session
        await a.ok(Op.CloseSession)
        assert (await a.request(Op.GetStorageIDs)).code == RC.SessionNotOpen
        await b.ok(Op.GetStorageIDs)


async def test_malformed_packet_closes_only_that_connection(card: Path) -> None:
    async with emulator(card) as server, initiator(server) as good:
        bad = MiniInitiator(GUID_B)
        await bad.connect(server.host, server.port)
        await bad.open()
        assert server.sessions == 2
        # a packet whose length field is below the 8-byte header
        bad._writers[Channel.COMMAND].write(struct.pack("<II", 4, 6))
        await asyncio.wait_for(bad.closed.wait(), 5)
        await bad.close()
        # garbage as the very first bytes of a connection
        reader, writer = await asyncio.open_connection(server.host, server.port)
        writer.write(b"GET / HTTP/1.1\r\n\r\n")
        assert await asyncio.wait_for(reader.read(), 5) == b""
        writer.close()
        # an Operation Request before any handshake
        reader, writer = await asyncio.open_connection(server.host, server.port)
        writer.write(struct.pack("<IIIHI", 18, 6, 1, Op.GetDeviceInfo, 0))
        assert await asyncio.wait_for(reader.read(), 5) == b""
        writer.close()
        # an Init Event Request for a connection that does not exist
        reader, writer = await asyncio.open_connection(server.host, server.port)
        writer.write(struct.pack("<III", 12, 3, 999))
        reply = await asyncio.wait_for(reader.read(), 5)
        assert reply[:8] == struct.pack("<II", 12, 5)
        writer.close()
        # the good initiator never noticed
        for _ in range(50):
            if server.sessions == 1:
                break
            await asyncio.sleep(0.02)
        assert server.sessions == 1
        await good.ok(Op.GetStorageIDs)
        assert not good.closed.is_set()


async def test_init_fail_allow_guids(card: Path) -> None:
    async with emulator(card, allow_guids=[GUID_A]) as server:
        async with initiator(server, guid=GUID_A) as allowed:
            await allowed.ok(Op.GetStorageIDs)
        stranger = MiniInitiator(GUID_B)
        with pytest.raises(InitFail) as info:
            await stranger.connect(server.host, server.port)
        assert info.value.reason == 1
        await stranger.close()


async def test_init_fail_max_sessions(card: Path) -> None:
    async with emulator(card, max_sessions=1) as server, initiator(server) as first:
        second = MiniInitiator(GUID_B)
        with pytest.raises(InitFail) as info:
            await second.connect(server.host, server.port)
        assert info.value.reason == 2
        await second.close()
        await first.ok(Op.GetStorageIDs)


async def test_fault_drop_connection_during_data(card: Path) -> None:
    faults = Faults(drop_after_bytes=100_000)
    async with emulator(card, faults=faults, data_chunk_size=64 << 10) as server:
        async with initiator(server) as client:
            handle = await _find(client, "clip.mov")
            with pytest.raises((Closed, DecodeError)):  # EOF in the middle of a packet
                await client.request(Op.GetObject, handle)
        # the server lives on: a new initiator is served (small objects fit below the limit)
        async with initiator(server) as again:
            await again.ok(Op.GetStorageIDs)


async def test_fault_fail_and_delay(card: Path) -> None:
    faults = Faults(fail={Op.GetStorageIDs: RC.DeviceBusy}, delay={Op.GetStorageInfo: 0.3})
    async with emulator(card, faults=faults) as server, initiator(server) as client:
        assert (await client.request(Op.GetStorageIDs)).code == RC.DeviceBusy
        loop = asyncio.get_running_loop()
        start = loop.time()
        await client.ok(Op.GetStorageInfo, SID)
        assert loop.time() - start >= 0.29


async def test_fault_init_fail_and_withheld_ack(card: Path) -> None:
    async with emulator(card, faults=Faults(init_fail=3)) as server:
        client = MiniInitiator()
        with pytest.raises(InitFail) as info:
            await client.connect(server.host, server.port)
        assert info.value.reason == 3
        await client.close()
    async with emulator(card, faults=Faults(withhold_event_ack=True)) as server:
        client = MiniInitiator()
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(client.connect(server.host, server.port), 0.5)
        await client.close()


@pytest.mark.parametrize("faults", [Faults(split_writes=5), Faults(coalesce=True)])
async def test_fault_split_and_coalesce(card: Path, faults: Faults) -> None:
    data = (card / "DCIM" / "100TEST" / "IMG_0001.JPG").read_bytes()
    async with emulator(card, faults=faults) as server, initiator(server) as client:
        handle = await _find(client, "IMG_0001.JPG")
        assert (await client.ok(Op.GetObject, handle)).data == data


@pytest.mark.parametrize(("join", "writes"), [(False, 3), (True, 1), (None, 1)])
async def test_join_writes(card: Path, join: bool | None, writes: int, monkeypatch: Any) -> None:
    from ptpkit.aio import responder_io

    counted: list[int] = []
    real_write = responder_io._Connection.write

    def write(self: Any, data: Any) -> None:
        counted.append(len(data))
        real_write(self, data)

    monkeypatch.setattr(responder_io._Connection, "write", write)
    data = (card / "DCIM" / "100TEST" / "IMG_0001.JPG").read_bytes()
    options = {} if join is None else {"join_writes": join}  # None: the default, joined
    async with emulator(card, **options) as server, initiator(server) as client:
        handle = await _find(client, "IMG_0001.JPG")
        counted.clear()
        info = await client.ok(Op.GetObjectInfo, handle)
        assert ObjectInfo.decode(info.data).filename == "IMG_0001.JPG"
        # Start Data, End Data, Response: one write each, or all three in one
        assert len(counted) == writes
        assert sum(counted) == 20 + 12 + len(info.data) + 14
        assert (await client.ok(Op.GetObject, handle)).data == data


async def test_probes_never_drop_a_silent_initiator(card: Path) -> None:
    async with emulator(card, probe_interval=0.05) as server:
        # a raw initiator that never answers probes (like gphoto2)
        cmd_reader, cmd_writer = await asyncio.open_connection(server.host, server.port)
        name = "raw".encode("utf-16-le") + b"\0\0"
        body = GUID_B + name + struct.pack("<I", 0x00010000)
        cmd_writer.write(struct.pack("<II", 8 + len(body), 1) + body)
        length, ptype = struct.unpack("<II", await cmd_reader.readexactly(8))
        assert ptype == 2
        ack = await cmd_reader.readexactly(length - 8)
        number = struct.unpack_from("<I", ack, 0)[0]
        evt_reader, evt_writer = await asyncio.open_connection(server.host, server.port)
        evt_writer.write(struct.pack("<III", 12, 3, number))
        assert await evt_reader.readexactly(8) == struct.pack("<II", 8, 4)
        for _ in range(3):  # Probe Requests keep coming, unanswered
            packet = await asyncio.wait_for(evt_reader.readexactly(8), 2)
            assert packet == struct.pack("<II", 8, 13)
        assert server.sessions == 1
        # and the silent initiator is still served
        request = struct.pack("<IIIHII", 22, 6, 1, Op.OpenSession, 0, 1)
        cmd_writer.write(request)
        length, ptype = struct.unpack("<II", await cmd_reader.readexactly(8))
        assert ptype == 7
        response = await cmd_reader.readexactly(length - 8)
        assert struct.unpack_from("<H", response)[0] == RC.OK
        for writer in (cmd_writer, evt_writer):
            writer.close()


async def test_inject_event(card: Path) -> None:
    async with emulator(card) as server, initiator(server) as client:
        server.inject_event(EventCode.StoreFull, (SID,), 42)
        event = await client.next_event()
        assert (event.code, event.params, event.transaction_id) == (EventCode.StoreFull, (SID,), 42)
        server.inject_event(EventCode.DeviceInfoChanged)
        event = await client.next_event()
        assert event.code == EventCode.DeviceInfoChanged and event.transaction_id == 0xFFFFFFFF


async def test_outside_changes_fire_events(card: Path) -> None:
    async with emulator(card, rescan_interval=0.05) as server, initiator(server) as client:
        (card / "new.txt").write_text("new")
        event = await client.next_event()
        assert event.code == EventCode.ObjectAdded
        (handle,) = event.params
        info = ObjectInfo.decode((await client.ok(Op.GetObjectInfo, handle)).data)
        assert info.filename == "new.txt"
        (card / "new.txt").unlink()
        event = await client.next_event()
        assert (event.code, event.params) == (EventCode.ObjectRemoved, (handle,))


async def test_capture_mode_events_first(card: Path) -> None:
    faults = Faults(capture=CaptureMode.EVENTS_FIRST)
    async with emulator(card, writable=True, faults=faults) as server, initiator(server) as client:
        await client.ok(Op.InitiateCapture, 0, 0)
        # the events were written before the response (the first announces DCIM/100PTPKT)
        assert client.events.qsize() == 3
        assert (await _capture_event(client)).code == EventCode.ObjectAdded
        assert (await _capture_event(client)).code == EventCode.CaptureComplete


# -- run the coroutine tests (no pytest-asyncio needed) ----------------------------------------
def _run_in_loop(test: Callable[..., Any]) -> Callable[..., None]:
    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        async def main() -> None:
            await asyncio.wait_for(test(*args, **kwargs), 50)

        asyncio.run(main())

    return wrapper


for _name, _test in list(globals().items()):
    if _name.startswith("test_") and asyncio.iscoroutinefunction(_test):
        globals()[_name] = _run_in_loop(_test)
