"""The nikon persona's handlers, called in-process (no sockets): the camera's dispatch with
a stand-in for the initiator's link. Expected bytes are written by hand from dialects.md
§3.3 (GetEvent: u16 count, then count x {u16 code, u32 param})."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from ptpkit.aio.responder_app import Reply
from ptpkit.emulator.folder_store import FolderStore
from ptpkit.emulator.operations import Initiator
from ptpkit.emulator.personas import PERSONAS
from ptpkit.emulator.personas.nikon import NIKON, NikonCamera
from ptpkit.proto.codes import EventCode, ResponseCode
from ptpkit.proto.datasets import DeviceInfo, ObjectInfo, decode_u16_array
from ptpkit.proto.events import OperationRequested
from ptpkit.proto.vendors.nikon import NikonLiveViewImage

OK = ResponseCode.OK
BUSY = ResponseCode.DeviceBusy


class FakeLink:
    """What the camera sees of an initiator: events sent on the channel are recorded."""

    def __init__(self, number: int = 1) -> None:
        self.connection_number = number
        self.friendly_name = "test"
        self.channel: list[tuple[int, tuple[int, ...]]] = []
        self.closed = False

    def send_event(self, code: int, params: tuple[int, ...] = (), tid: int = 0) -> None:
        self.channel.append((code, params))

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def card(tmp_path: Path) -> Path:
    root = tmp_path / "card"
    (root / "DCIM" / "100NIKON").mkdir(parents=True)
    Image.new("RGB", (64, 48), (1, 2, 3)).save(root / "DCIM" / "100NIKON" / "DSC_0001.JPG")
    return root


@pytest.fixture
def camera(card: Path) -> Iterator[NikonCamera]:
    with FolderStore([card], writable=True) as store:
        cam = NIKON.make_camera(store, writable=True, rescan_interval=None)
        assert isinstance(cam, NikonCamera)
        yield cam


class Session:
    """One initiator with an open session, and a transaction id counter."""

    def __init__(self, cam: NikonCamera, number: int = 1) -> None:
        self.cam = cam
        self.link = FakeLink(number)
        self.who = Initiator(self.link)  # type: ignore[arg-type]
        cam.initiators.append(self.who)
        self.tid = 0
        assert self.call(0x1002, 1).code == OK

    def call(self, code: int, *params: int) -> Reply:
        self.tid += 1
        request = OperationRequested(code, self.tid, params, 1, False)
        result: Any = self.cam.dispatch(self.who, request)
        if asyncio.iscoroutine(result):
            result = asyncio.get_event_loop().run_until_complete(result)
        assert isinstance(result, Reply), result
        return result

    def data(self, code: int, *params: int) -> bytes:
        reply = self.call(code, *params)
        assert reply.code == OK, hex(reply.code)
        assert isinstance(reply.data, bytes)
        return reply.data


def run_after(reply: Reply) -> None:
    """What the server does once the response is written: run ``after`` (and wait for
    the work it started)."""

    async def go() -> None:
        assert reply.after is not None
        await reply.after()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        await asyncio.gather(*tasks)

    asyncio.get_event_loop().run_until_complete(go())


@pytest.fixture(autouse=True)
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield loop
    loop.close()
    asyncio.set_event_loop(None)


# -- identity and DeviceInfo --------------------------------------------------------------------
def test_the_persona_is_registered_and_says_nikon(camera: NikonCamera) -> None:
    assert PERSONAS["nikon"] is NIKON
    info = DeviceInfo.decode(Session(camera).data(0x1001))
    assert (info.vendor_extension_id, info.manufacturer, info.model) == (
        0xA,
        "Nikon Corporation",
        "Z 6",
    )
    for op in (0x90C2, 0x90C3, 0x90C7, 0x90C8, 0x90CA, 0x9201, 0x9202, 0x9203, 0x9207):
        assert op in info.operations_supported
    assert 0x941C not in info.operations_supported  # gphoto2 would prefer it
    assert all(code < 0xD000 for code in info.device_properties_supported)
    assert 0xC101 in info.events_supported


def test_get_vendor_prop_codes_lists_the_vendor_properties(camera: NikonCamera) -> None:
    s = Session(camera)
    codes = decode_u16_array(s.data(0x90CA))
    assert 0xD10B in codes and 0xD032 in codes and 0xD1A2 in codes
    assert all(code >= 0xD000 for code in codes)
    # read and written with the standard operations
    assert s.data(0x1015, 0xD032) == b"\x00"
    assert camera.properties.set_encoded(0xD032, b"\x01")
    assert s.data(0x1015, 0xD032) == b"\x01"
    assert s.call(0x1014, 0xD1A2).code == OK


# -- GetEvent -----------------------------------------------------------------------------------
def test_get_event_always_has_a_data_phase_and_empties_the_queue(camera: NikonCamera) -> None:
    s = Session(camera)
    assert s.data(0x90C7) == bytes.fromhex("0000")
    camera.inject_event(EventCode.DevicePropChanged, (0x5001,))
    camera.inject_event(EventCode.StoreFull, (0x00010001,))
    assert s.data(0x90C7) == bytes.fromhex("0200 0640 01500000 0a40 01000100")
    assert s.data(0x90C7) == bytes.fromhex("0000")
    assert s.link.channel == []  # nothing on the event channel


def test_each_initiator_has_its_own_queue(camera: NikonCamera) -> None:
    a, b = Session(camera, 1), Session(camera, 2)
    camera.deliver_event(a.who, EventCode.ObjectAdded, (7,))
    assert b.data(0x90C7) == bytes.fromhex("0000")
    assert a.data(0x90C7) == bytes.fromhex("0100 0240 07000000")
    camera.disconnect(a.who)
    assert a.who not in camera.queues


def test_events_can_also_go_on_the_channel(camera: NikonCamera) -> None:
    s = Session(camera)
    camera.also_on_channel = True
    camera.inject_event(EventCode.StoreFull, (0x00010001,))
    assert s.link.channel == [(EventCode.StoreFull, (0x00010001,))]


# -- capture to SDRAM ---------------------------------------------------------------------------
def test_sdram_capture(camera: NikonCamera) -> None:
    s = Session(camera)
    assert s.call(0x90C2, 1).code == OK and camera.camera_mode == 1
    reply = s.call(0x9207, 0xFFFFFFFF, 1)
    assert reply.code == OK
    assert s.call(0x90C8).code == BUSY  # before the shot has even started
    assert s.call(0x9207, 0xFFFFFFFF, 1).code == BUSY
    run_after(reply)
    answers = [s.call(0x90C8).code for _ in range(camera.busy_answers + 1)]
    assert answers == [BUSY] * camera.busy_answers + [OK]
    # ObjectAddedInSDRAM(0xFFFF0001), and CaptureCompleteRecInSdram in the next answer
    assert s.data(0x90C7) == bytes.fromhex("0100 01c1 0100ffff")
    assert s.data(0x90C7) == bytes.fromhex("0100 02c1 00000000")
    assert s.data(0x90C7) == bytes.fromhex("0000")
    info = ObjectInfo.decode(s.data(0x1008, 0xFFFF0001))
    assert (info.parent_object, info.storage_id, info.object_format) == (0, 0, 0x3801)
    data = s.data(0x1009, 0xFFFF0001)
    assert data[:2] == b"\xff\xd8" and len(data) == info.object_compressed_size
    partial = s.call(0x101B, 0xFFFF0001, 10, 20)
    assert partial.params == (20,) and partial.data == data[10:30]
    assert 0xFFFF0001 not in s.cam.store.handles(0xFFFFFFFF, 0, 0)  # not on the card
    assert s.call(0x100B, 0xFFFF0001, 0).code == OK
    assert s.call(0x1008, 0xFFFF0001).code == ResponseCode.InvalidObjectHandle
    assert s.call(0x100B, 0xFFFF0001, 0).code == ResponseCode.InvalidObjectHandle


def test_del_image_sdram(camera: NikonCamera) -> None:
    s = Session(camera)
    run_after(s.call(0x9207, 0xFFFFFFFF, 1))
    assert camera.sdram is not None
    assert s.call(0x90C3, 0x1234).code == ResponseCode.InvalidObjectHandle
    assert s.call(0x90C3, 0xFFFF0001).code == OK and camera.sdram is None


# -- capture to the card ------------------------------------------------------------------------
def test_card_capture_adds_a_file_and_tells_everyone(camera: NikonCamera) -> None:
    s, other = Session(camera, 1), Session(camera, 2)
    before = set(camera.store.handles(0xFFFFFFFF, 0, 0))
    run_after(s.call(0x9207, 0xFFFFFFFF, 0))
    new = set(camera.store.handles(0xFFFFFFFF, 0, 0)) - before
    files = [h for h in new if not camera.store.is_association(h)]
    assert len(files) == 1
    mine = s.data(0x90C7)
    theirs = other.data(0x90C7)
    added = bytes.fromhex("0240") + files[0].to_bytes(4, "little")
    assert added in mine and bytes.fromhex("0d40 00000000") in mine  # + CaptureComplete
    assert added in theirs and bytes.fromhex("0d40") not in theirs
    assert camera.sdram is None


def test_card_capture_needs_a_writable_camera(card: Path) -> None:
    with FolderStore([card]) as store:
        cam = NIKON.make_camera(store, rescan_interval=None)
        assert isinstance(cam, NikonCamera)
        s = Session(cam)
        assert s.call(0x9207, 0xFFFFFFFF, 0).code == ResponseCode.StoreReadOnly
        assert s.call(0x9207, 0xFFFFFFFF, 1).code == OK  # SDRAM needs no card
        # DeleteObject is a write: refused, but DelImageSDRAM frees the SDRAM picture
        assert s.call(0x100B, 0xFFFF0001, 0).code == ResponseCode.StoreReadOnly


# -- live view ----------------------------------------------------------------------------------
def test_live_view(camera: NikonCamera) -> None:
    s = Session(camera)
    assert s.call(0x9203).code == 0xA00B  # NotLiveView
    assert s.call(0x9202).code == OK  # EndLiveView is OK in every state
    assert s.call(0x9201).code == OK
    assert s.data(0x1015, 0xD1A2) == b"\x01"
    frame = NikonLiveViewImage.decode(s.data(0x9203))
    assert len(frame.header) == 384 and b"\xff\xd8" not in frame.header
    jpeg = frame.frame()
    assert jpeg == frame.jpeg  # the first FF D9 is the end: no thumbnail inside
    assert b"Exif" not in jpeg
    assert s.call(0x9202).code == OK and s.data(0x1015, 0xD1A2) == b"\x00"
    camera.properties.update(0xD1A4, 1 << 15)
    assert s.call(0x9201).code == 0xA004  # InvalidStatus: prohibited


# -- OpenSession with the connection number -----------------------------------------------------
def test_open_session_with_another_id_hangs_up_when_asked(camera: NikonCamera) -> None:
    camera.session_id_is_connection_number = True
    link = FakeLink(3)
    who = Initiator(link)  # type: ignore[arg-type]
    reply: Any = camera.dispatch(who, OperationRequested(0x1002, 0, (1,), 1, False))
    assert isinstance(reply, Reply) and reply.before is not None
    asyncio.get_event_loop().run_until_complete(reply.before())
    assert link.closed and who.session_id is None
    reply = camera.dispatch(who, OperationRequested(0x1002, 0, (3,), 1, False))
    assert isinstance(reply, Reply) and reply.code == OK and who.session_id == 3
