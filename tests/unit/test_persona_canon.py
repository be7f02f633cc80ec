"""The ``canon-eos`` persona's handlers, driven directly (no sockets): GetEvent queues,
property dump and changes, captures to memory and to the card, GetObjectInfoEx, and the
EOS operations gphoto2 2.5.30 needs (dialects.md §2, §10.1)."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PIL import Image

from ptpkit.aio.responder_app import InitiatorLink, Reply
from ptpkit.emulator.folder_store import FolderStore
from ptpkit.emulator.operations import BufferSink, Initiator
from ptpkit.emulator.personas import canon
from ptpkit.emulator.personas.canon_camera import MAX_QUEUED_RECORDS, EosCamera
from ptpkit.proto.codes import ObjectFormat, ResponseCode
from ptpkit.proto.datasets import DeviceInfo, ObjectInfo, StorageInfo, decode_u32_array
from ptpkit.proto.events import OperationRequested
from ptpkit.proto.vendors.canon import (
    EVENT_TERMINATOR,
    AvailListChanged,
    CameraStatusChanged,
    DeviceInfoEx,
    EosImageFormat,
    EosImageFormatEntry,
    EosRecord,
    ObjectAddedEx,
    ObjectRemoved,
    PropValueChanged,
    RequestObjectTransfer,
    SetPropValueEx,
    decode_events,
    decode_object_info_ex,
)

RC = ResponseCode
T = TypeVar("T")


class FakeLink(InitiatorLink):
    """An initiator without sockets: records what would go on the event channel."""

    def __init__(self, number: int) -> None:
        self.connection_number = number
        self.sent: list[tuple[int, tuple[int, ...]]] = []

    @property
    def friendly_name(self) -> str:
        return f"fake {self.connection_number}"

    def send_event(self, code: int, params: tuple[int, ...] = (), transaction_id: int = 0) -> None:
        self.sent.append((code, params))


def jpeg(color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(out, "JPEG")
    return out.getvalue()


def make_card(root: Path) -> Path:
    folder = root / "DCIM" / "100CANON"
    folder.mkdir(parents=True)
    (folder / "IMG_0001.JPG").write_bytes(jpeg((200, 0, 0)))
    (folder / "MVI_0002.MOV").write_bytes(bytes(range(256)) * 40)
    return root


class Rig:
    def __init__(self, root: Path, *, writable: bool = True, press: bool = False) -> None:
        self.store = FolderStore([str(root)], writable=writable, **canon.STORE_OPTIONS)
        self.cam = canon.make_camera(
            self.store, writable=writable, rescan_interval=None, press=press
        )
        self.tid = 0

    def join(self, number: int = 1) -> Initiator:
        who = self.cam.connect(FakeLink(number))
        assert self.call(who, 0x1002, 1).code == RC.OK  # OpenSession
        return who

    def call(self, who: Initiator, code: int, *params: int, data: bytes | None = None) -> Reply:
        self.tid += 1
        request = OperationRequested(code, self.tid, params, 2 if data else 1, data is not None)
        result = self.cam.dispatch(who, request)
        if isinstance(result, BufferSink):
            assert data is not None
            result.write(data)
            return result.finish()
        assert isinstance(result, Reply), result
        return result

    async def acall(self, who: Initiator, code: int, *params: int) -> Reply:
        """An operation the camera may answer later (a coroutine: deletions)."""
        self.tid += 1
        result = self.cam.dispatch(who, OperationRequested(code, self.tid, params, 1, False))
        if isinstance(result, Coroutine):
            return await result
        assert isinstance(result, Reply)
        return result

    def data(self, who: Initiator, code: int, *params: int) -> bytes:
        reply = self.call(who, code, *params)
        assert reply.code == RC.OK, hex(reply.code)
        assert isinstance(reply.data, bytes), "every data-in answer has a data phase"
        return reply.data

    def events(self, who: Initiator) -> list[EosRecord]:
        return decode_events(self.data(who, 0x9116))

    async def release(self, who: Initiator, code: int = 0x910F, *params: int) -> Reply:
        reply = self.call(who, code, *params)
        if reply.after is not None:
            await reply.after()
        return reply


def run(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(factory())


def in_loop(test: Callable[[Rig], Awaitable[None]], root: Path, **options: Any) -> None:
    async def body() -> None:
        rig = Rig(root, **options)
        try:
            await test(rig)
        finally:
            await rig.cam.aclose()
            rig.store.close()

    asyncio.run(body())


# -- DeviceInfo ------------------------------------------------------------------------------
def test_device_info_selects_gphoto2s_eos_path(tmp_path: Path) -> None:
    async def test(rig: Rig) -> None:
        who = rig.join()
        info = DeviceInfo.decode(rig.data(who, 0x1001))
        assert info.vendor_extension_id == 0xB
        assert info.manufacturer == "Canon Inc."
        assert info.model == "Canon EOS 5D Mark IV"
        ops = set(info.operations_supported)
        # dialects.md §10.1: the ops gphoto2 needs, 0x910F but not 0x9128, no PowerShot ops
        assert {0x9114, 0x9115, 0x9116, 0x910F, 0x9101, 0x9102, 0x9117, 0x9110, 0x101B} <= ops
        assert {0x9109, 0x9108, 0x911D} <= ops
        assert not ops & {0x9128, 0x9008, 0x901A, 0x900B, 0x9999, 0x100E, 0x95C1}
        assert tuple(info.device_properties_supported) == (0x5011,)

    in_loop(test, make_card(tmp_path))


# -- GetEvent --------------------------------------------------------------------------------
def test_getevent_dumps_each_record_once_then_only_the_terminator(tmp_path: Path) -> None:
    async def test(rig: Rig) -> None:
        who = rig.join()
        assert rig.call(who, 0x9114, 1).code == RC.OK
        assert rig.call(who, 0x9115, 1).code == RC.OK
        first = rig.events(who)
        assert rig.data(who, 0x9116) == EVENT_TERMINATOR  # nothing new: the terminator only
        values = {r.prop: r.value for r in first if isinstance(r, PropValueChanged)}
        lists = {r.prop: r.values for r in first if isinstance(r, AvailListChanged)}
        # what keeps gphoto2 out of its loops (dialects.md §2.3)
        assert first[0] == PropValueChanged(0xD1B0, 1)
        assert values[0xD11C] == 4
        assert isinstance(values[0xD11B], int) and values[0xD11B] > 0
        assert values[0xD103] == 0x48 and 0x58 in lists[0xD103]
        assert values[0xD111] == 2
        assert values[0xD120] == EosImageFormat((EosImageFormatEntry(1, 0, 3),))
        for prop in (0xD101, 0xD102, 0xD109, 0xD106):
            assert prop in values and prop in lists
        # every allowed-value list comes after every value (gphoto2 ignores it otherwise)
        kinds = [type(r) for r in first]
        assert kinds.index(AvailListChanged) > max(
            i for i, k in enumerate(kinds) if k is PropValueChanged
        )
        assert who.link.sent == []  # nothing on the PTP/IP event channel

    in_loop(test, make_card(tmp_path))


def test_getevent_without_set_event_mode_still_starts_with_the_dump(tmp_path: Path) -> None:
    async def test(rig: Rig) -> None:
        who = rig.join()
        records = rig.events(who)
        assert any(isinstance(r, PropValueChanged) and r.prop == 0xD103 for r in records)
        assert rig.events(who) == []

    in_loop(test, make_card(tmp_path))


def test_a_set_property_is_checked_and_reported_to_every_listener(tmp_path: Path) -> None:
    async def test(rig: Rig) -> None:
        a, b = rig.join(1), rig.join(2)
        rig.events(a), rig.events(b)
        assert rig.call(a, 0x9110, data=SetPropValueEx(0xD103, 0x58).encode()).code == RC.OK
        assert rig.events(a) == [PropValueChanged(0xD103, 0x58)]
        assert rig.events(b) == [PropValueChanged(0xD103, 0x58)]
        refused = [
            (SetPropValueEx(0xD103, 0x47), RC.InvalidDevicePropValue),  # not in the list
            (SetPropValueEx(0xD11B, 5), RC.AccessDenied),  # available shots: read-only
            (SetPropValueEx(0xD1A0, b"\x01"), RC.DevicePropNotSupported),
        ]
        for value, code in refused:
            assert rig.call(a, 0x9110, data=value.encode()).code == code
        assert rig.call(a, 0x9110, data=b"\x01\x02").code == RC.InvalidDevicePropFormat
        assert rig.events(a) == []
        # the same value again is no change
        assert rig.call(a, 0x9110, data=SetPropValueEx(0xD103, 0x58).encode()).code == RC.OK
        assert rig.events(b) == []

    in_loop(test, make_card(tmp_path))


def test_a_silent_initiator_keeps_a_bounded_queue(tmp_path: Path) -> None:
    async def test(rig: Rig) -> None:
        who = rig.join()
        rig.events(who)
        for index in range(MAX_QUEUED_RECORDS + 10):
            rig.cam.queue([CameraStatusChanged(index % 2)])
        link = rig.cam.link(who)
        assert len(link.records) == MAX_QUEUED_RECORDS and link.dropped == 10
        total = 0
        while records := rig.events(who):  # answers are bounded too; all of it comes out
            total += len(records)
        assert total == MAX_QUEUED_RECORDS

    in_loop(test, make_card(tmp_path))


# -- captures --------------------------------------------------------------------------------
def test_capture_to_memory_then_partial_reads_and_transfer_complete(tmp_path: Path) -> None:
    async def test(rig: Rig) -> None:
        who, other = rig.join(1), rig.join(2)
        rig.events(who), rig.events(other)
        reply = await rig.release(who)
        assert reply.code == RC.OK and reply.params == ()
        records = rig.events(who)
        assert records[0] == CameraStatusChanged(1) and records[-1] == CameraStatusChanged(0)
        transfer = next(r for r in records if isinstance(r, RequestObjectTransfer))
        assert transfer.ofc == ObjectFormat.EXIF_JPEG
        assert transfer.filename == "IMG_0001.JPG"
        # only the initiator that released gets the picture
        assert not any(isinstance(r, RequestObjectTransfer) for r in rig.events(other))
        handle, size = transfer.handle, transfer.size
        pieces = []
        for offset in range(0, size, 100_000):  # gphoto2 reads in slices (1 MiB)
            reply = rig.call(who, 0x101B, handle, offset, 100_000)
            assert reply.code == RC.OK and isinstance(reply.data, bytes)
            assert reply.params == (len(reply.data),)
            pieces.append(reply.data)
        data = b"".join(pieces)
        assert len(data) == size
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == "JPEG" and image.size == (3360, 2240)
        info = ObjectInfo.decode(rig.data(who, 0x1008, handle))
        assert (info.storage_id, info.filename, info.object_compressed_size) == (
            0,
            "IMG_0001.JPG",
            size,
        )
        assert rig.call(who, 0x9117, handle).code == RC.OK
        assert rig.call(who, 0x101B, handle, 0, 10).code == RC.InvalidObjectHandle
        assert rig.call(who, 0x9117, handle).code == RC.InvalidObjectHandle
        assert not list((tmp_path / "DCIM").rglob("IMG_0002*"))  # nothing on the card

    in_loop(test, make_card(tmp_path))


def test_capture_to_the_card_announces_the_file_to_everyone(tmp_path: Path) -> None:
    async def test(rig: Rig) -> None:
        who, other = rig.join(1), rig.join(2)
        rig.events(who), rig.events(other)
        rig.call(who, 0x9110, data=SetPropValueEx(0xD11C, 2).encode())
        assert rig.call(who, 0x9110, data=SetPropValueEx(0xD120, EosImageFormat(
            (EosImageFormatEntry(1, 0xF, 3),))).encode()).code == RC.OK  # fmt: skip
        rig.events(who), rig.events(other)
        assert (await rig.release(who)).code == RC.OK
        for records in (rig.events(who), rig.events(other)):
            added = [r for r in records if isinstance(r, ObjectAddedEx)]
            assert [a.filename for a in added] == ["IMG_0002.JPG"]
            assert records[-1] == CameraStatusChanged(0)
            counter = [r for r in records if isinstance(r, PropValueChanged)]
            assert PropValueChanged(0xD1AC, 12001) in counter
        path = tmp_path / "DCIM" / "100CANON" / "IMG_0002.JPG"
        with Image.open(path) as image:
            assert image.size == (960, 640)  # the ImageFormat's size (S2)
        handle = added[0].handle
        assert ObjectInfo.decode(rig.data(who, 0x1008, handle)).filename == "IMG_0002.JPG"
        assert (await rig.acall(who, 0x100B, handle, 0)).code == RC.OK
        assert rig.events(other) == [ObjectRemoved(handle)]
        assert rig.events(who) == []  # it knows what it did

    in_loop(test, make_card(tmp_path))


def test_release_while_busy_or_read_only(tmp_path: Path) -> None:
    async def test(rig: Rig) -> None:
        who = rig.join()
        first = rig.call(who, 0x910F)
        assert first.code == RC.OK
        assert rig.call(who, 0x910F).code == RC.DeviceBusy
        assert first.after is not None
        await first.after()
        rig.call(who, 0x9110, data=SetPropValueEx(0xD11C, 2).encode())
        assert rig.call(who, 0x910F).code == RC.StoreReadOnly

    in_loop(test, make_card(tmp_path), writable=False)


def test_half_and_full_press(tmp_path: Path) -> None:
    async def test(rig: Rig) -> None:
        who = rig.join()
        info = DeviceInfo.decode(rig.data(who, 0x1001))
        assert {0x9128, 0x9129} <= set(info.operations_supported)
        rig.events(who)
        assert rig.call(who, 0x9128, 1, 0).code == RC.OK
        assert [r.prop for r in rig.events(who) if isinstance(r, PropValueChanged)] == [0xD1D3]
        assert (await rig.release(who, 0x9128, 2, 0)).code == RC.OK
        assert rig.call(who, 0x9129, 2).code == RC.OK
        assert rig.call(who, 0x9129, 1).code == RC.OK
        assert any(isinstance(r, RequestObjectTransfer) for r in rig.events(who))

    in_loop(test, make_card(tmp_path), press=True)


# -- listing and the other EOS operations ------------------------------------------------------
def test_storage_operations_and_device_info_ex(tmp_path: Path) -> None:
    async def test(rig: Rig) -> None:
        who = rig.join()
        assert decode_u32_array(rig.data(who, 0x9101)) == (0x00010001,)
        StorageInfo.decode(rig.data(who, 0x9102, 0x00010001))
        assert rig.call(who, 0x9102, 0x00020001).code == RC.InvalidStorageID
        ex = DeviceInfoEx.decode(rig.data(who, 0x9108))
        assert ex.events and ex.properties and ex.unknown  # gphoto2 needs all three
        assert 0xD103 in ex.properties and 0xC189 in ex.events
        for code, params in ((0x911A, (0x0FFFFFFF, 0x1000, 1)), (0x911B, ()), (0x911C, ())):
            assert rig.call(who, code, *params).code == RC.OK
        assert rig.call(who, 0x911D).code == RC.OK

    in_loop(test, make_card(tmp_path))


def test_get_object_info_ex_lists_one_folder_level(tmp_path: Path) -> None:
    async def test(rig: Rig) -> None:
        who = rig.join()
        root = decode_object_info_ex(rig.data(who, 0x9109, 0x00010001, 0xFFFFFFFF, 0x100000))
        assert [(e.filename, e.ofc) for e in root] == [("DCIM", 0x3001)]
        dcim = decode_object_info_ex(rig.data(who, 0x9109, 0x00010001, root[0].handle, 0x100000))
        assert [e.filename for e in dcim] == ["100CANON"]
        files = decode_object_info_ex(rig.data(who, 0x9109, 0x00010001, dcim[0].handle, 0x100000))
        assert {(e.filename, e.size, e.flags) for e in files} == {
            ("IMG_0001.JPG", (tmp_path / "DCIM/100CANON/IMG_0001.JPG").stat().st_size, 0),
            ("MVI_0002.MOV", 10240, 0),
        }
        mtime = int((tmp_path / "DCIM/100CANON/IMG_0001.JPG").stat().st_mtime)
        assert next(e.time for e in files if e.filename == "IMG_0001.JPG") == mtime
        assert rig.call(who, 0x9109, 0, 0xFFFFFFFF, 0x100000).code == RC.InvalidStorageID

    in_loop(test, make_card(tmp_path))


def test_get_object_info_ex_gives_long_names_a_short_one(tmp_path: Path) -> None:
    make_card(tmp_path)
    (tmp_path / "a photo with a long name.jpg").write_bytes(jpeg((0, 0, 200)))
    (tmp_path / "APHOTO~1.JPG").write_bytes(jpeg((0, 0, 100)))  # the first short name is taken

    async def test(rig: Rig) -> None:
        who = rig.join()
        root = decode_object_info_ex(rig.data(who, 0x9109, 0x00010001, 0xFFFFFFFF, 0x100000))
        assert sorted(e.filename for e in root) == ["APHOTO~1.JPG", "APHOTO~2.JPG", "DCIM"]
        long_one = next(e for e in root if e.filename == "APHOTO~2.JPG")
        info = ObjectInfo.decode(rig.data(who, 0x1008, long_one.handle))
        assert info.filename == "a photo with a long name.jpg"  # GetObjectInfo: the whole name

    in_loop(test, tmp_path)


def test_short_names() -> None:
    assert canon.short_names(
        ["IMG_0001.JPG", "Été à Genève ☀.jpg", "notes", "x" * 20 + ".jpeg"]
    ) == [
        "IMG_0001.JPG",
        "TGENVE~1.JPG",
        "notes",
        "XXXXXX~1.JPE",
    ]
    many = canon.short_names([f"long file name {n}.txt" for n in range(12)])
    assert len(set(many)) == 12 and all(len(n) <= 12 for n in many)
    assert many[9:] == ["LONGF~10.TXT", "LONGF~11.TXT", "LONGF~12.TXT"]


def test_card_changes_become_records(tmp_path: Path) -> None:
    async def test(rig: Rig) -> None:
        who = rig.join()
        rig.events(who)
        (tmp_path / "DCIM/100CANON/IMG_0003.JPG").write_bytes(jpeg((0, 200, 0)))
        (tmp_path / "DCIM/100CANON/MVI_0002.MOV").unlink()
        await rig.cam._rescan_soon()
        records = rig.events(who)
        added = [r for r in records if isinstance(r, ObjectAddedEx)]
        assert [a.filename for a in added] == ["IMG_0003.JPG"]
        assert any(isinstance(r, ObjectRemoved) for r in records)
        assert who.link.sent == []

    in_loop(test, make_card(tmp_path))


def test_the_session_end_forgets_the_modes_and_the_pictures_in_memory(tmp_path: Path) -> None:
    async def test(rig: Rig) -> None:
        who = rig.join()
        rig.call(who, 0x9115, 1)
        await rig.release(who)
        assert rig.cam.memory
        assert rig.call(who, 0x1003).code == RC.OK
        assert not rig.cam.memory
        assert not rig.cam.link(who).listening

    in_loop(test, make_card(tmp_path))


def test_the_handlers_refuse_another_camera() -> None:
    from ptpkit.emulator.personas.canon_camera import eos_camera
    from ptpkit.errors import PropertyError

    with pytest.raises(PropertyError):
        eos_camera(object())  # type: ignore[arg-type]
    assert issubclass(canon.EosCamera, EosCamera)
