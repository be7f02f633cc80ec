"""What the first five-minute ``make soak`` found (issue 12, point 7), each reproduced
without the soak: an upload that hung when the link failed part way through a sendfile,
listings that failed when another initiator deleted an object, and captures that claimed
other initiators' objects. Each test failed (hung, raised, or claimed a stranger's object)
before its fix.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
from fakecam import FakeCamera
from PIL import Image

import ptpkit
from ptpkit.aio.client import Camera
from ptpkit.aio.models import Storage
from ptpkit.emulator import CaptureMode, Faults, serve
from ptpkit.errors import ConnectionLost, PtpResponseError, PtpTimeoutError
from ptpkit.proto.codes import (
    DataType,
    DevicePropCode,
    EventCode,
    OperationCode,
    ResponseCode,
)
from ptpkit.proto.datasets import DeviceInfo, ObjectInfo, encode_u32_array, encode_value
from ptpkit.proto.events import Channel, OperationRequested

T = TypeVar("T")
Op = OperationCode
MiB = 1 << 20


def _loop_factory(kind: str) -> Callable[[], asyncio.AbstractEventLoop]:
    if kind == "uvloop":
        uvloop = pytest.importorskip("uvloop")
        return uvloop.new_event_loop  # type: ignore[no-any-return]
    return asyncio.new_event_loop


def run_or_hang(coro: Coroutine[Any, Any, T], timeout: float, loop: str = "asyncio") -> T:
    """Run ``coro``; fail the test (without waiting on a task that cannot be cancelled)
    when it has not ended within ``timeout``, or when the loop reported an error of its
    own (asyncio's "Exception in callback ... InvalidStateError")."""
    event_loop = _loop_factory(loop)()
    reported: list[str] = []
    event_loop.set_exception_handler(lambda _, context: reported.append(context["message"]))
    try:
        task = event_loop.create_task(coro)
        event_loop.run_until_complete(asyncio.wait({task}, timeout=timeout))
        if not task.done():
            pytest.fail(f"still running after {timeout} s: hung")
        result = task.result()
        event_loop.run_until_complete(asyncio.sleep(0.1))  # what the close left to do
    finally:
        event_loop.close()
    assert reported == []
    return result


# -- 1. an upload whose link fails part way through the data-out phase ----------------------
@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
@pytest.mark.parametrize("how", ["data-timeout", "event-connection-closed"])
def test_an_upload_ends_when_the_link_fails_during_its_sendfile(
    tmp_path: Any, loop: str, how: str
) -> None:
    """The camera stops reading part way through SendObject's data (the socket fills, the
    sendfile waits for room); then the data phase's no-progress deadline fires, or the
    camera closes its event connection. Either ends the link, and the upload must end with
    it: on asyncio's loop, closing the transport took away the sendfile's wait for room,
    and the upload hung for ever (issue 12's soak)."""
    source = tmp_path / "big.bin"
    source.write_bytes(bytes(48 * MiB))

    async def send_info(cam: FakeCamera, request: OperationRequested) -> None:
        await cam.ok((0x00010001, 0xFFFFFFFF, 5))
        command = cam.writers[Channel.COMMAND].transport
        command.pause_reading()  # and never again: SendObject's data piles up
        if how == "event-connection-closed":
            await asyncio.sleep(0.5)  # the sockets fill; the sendfile waits for room
            cam.writers[Channel.EVENT].close()

    async def body() -> None:
        ops = (Op.SendObjectInfo, Op.SendObject)
        async with FakeCamera({Op.SendObjectInfo: send_info}, operations=ops) as fake:
            options: dict[str, Any] = {"response_timeout": 30.0, "probe_interval": None}
            if how == "data-timeout":
                options["data_timeout"] = 1.0
            async with ptpkit.connect("127.0.0.1", fake.port, **options) as camera:
                info = ObjectInfo(filename="big.bin", object_compressed_size=48 * MiB)
                await camera.send_object_info(info)
                with pytest.raises((ConnectionLost, PtpTimeoutError)), source.open("rb") as file:
                    await camera.send_object(file)
                assert not camera.is_connected

    run_or_hang(body(), 20, loop)


# -- 2. a listing while another initiator deletes ---------------------------------------------
def _card(root: Path, count: int = 6) -> Path:
    folder = root / "card" / "DCIM" / "100TEST"
    folder.mkdir(parents=True)
    for number in range(count):
        (folder / f"IMG_{number:04d}.JPG").write_bytes(bytes([number]) * 1000)
    return root / "card"


@asynccontextmanager
async def _two_initiators(card: Path, **serve_kw: Any) -> AsyncIterator[tuple[Camera, Camera]]:
    """Two initiators on one emulated camera: the one that lists, and one that deletes."""
    async with serve([card], writable=True, rescan_interval=None, **serve_kw) as server:  # noqa: SIM117
        async with ptpkit.connect(server.host, server.port, guid="11" * 16) as lister:
            async with ptpkit.connect(server.host, server.port, guid="22" * 16) as deleter:
                yield lister, deleter


def _delete_during_listing(lister: Camera, deleter: Camera, names: set[str]) -> list[int]:
    """Make ``deleter`` delete the objects called ``names`` right after the lister's
    GetObjectHandles has listed them (between their handles and their ObjectInfo, as in
    the soak); a folder of those names that the lister is about to open is deleted just
    before its GetObjectHandles."""
    real = lister.get_object_handles
    deleted: list[int] = []

    async def delete(handle: int) -> None:
        if handle in deleted:
            return
        try:
            info = await deleter.get_object_info(handle)
        except PtpResponseError:
            return
        if info.filename in names:
            await deleter.delete_object(handle)
            deleted.append(handle)

    async def handles_then_delete(
        storage_id: int = 0xFFFFFFFF, object_format: int = 0, parent: int = 0
    ) -> tuple[int, ...]:
        if parent not in (0, 0xFFFFFFFF):
            await delete(parent)
        handles = await real(storage_id, object_format, parent)
        for handle in handles:
            await delete(handle)
        return handles

    lister.get_object_handles = handles_then_delete  # type: ignore[method-assign]
    return deleted


@pytest.mark.parametrize("how", ["list_objects", "walk", "find", "by-folder", "folder-opened"])
def test_objects_deleted_during_a_listing_are_skipped(tmp_path: Path, how: str) -> None:
    """Another initiator deletes two pictures between the lister's GetObjectHandles and
    its GetObjectInfo (or a folder just before the lister opens it): the listing leaves
    them out (and counts them) instead of failing with InvalidObjectHandle, as a quarter
    of the soak's listings did."""
    card = _card(tmp_path)
    (card / "DCIM" / "101TEST").mkdir()
    (card / "DCIM" / "101TEST" / "OTHER.JPG").write_bytes(b"x" * 100)
    pictures = {f"IMG_{n:04d}.JPG" for n in range(6)}
    gone = {"IMG_0001.JPG", "IMG_0004.JPG"}
    kept = pictures - gone | {"OTHER.JPG"}
    if how == "folder-opened":
        gone, kept = {"101TEST"}, pictures

    async def body() -> None:
        async with _two_initiators(card) as (lister, deleter):
            if how in ("by-folder", "folder-opened"):  # a camera listed folder by folder

                async def by_folder(store: Storage) -> dict[int, ObjectInfo]:
                    return await lister._list_by_folder(store.storage_id)

                lister._list_infos = by_folder  # type: ignore[method-assign]
            deleted = _delete_during_listing(lister, deleter, gone)
            if how == "find":
                obj = await lister.find("DCIM/100TEST/IMG_0005.JPG")
                assert obj.name == "IMG_0005.JPG"
                assert len(deleted) == 2  # both in 100TEST, listed before IMG_0005
            else:
                if how == "walk":
                    names = {obj.name async for obj in lister.walk()}
                else:
                    names = {obj.name for obj in await lister.list_objects(bulk=False)}
                assert names == kept
                assert len(deleted) == len(gone)
            assert lister.vanished_objects == len(gone)
            assert lister.is_connected

    run_or_hang(body(), 30)


def test_get_object_infos_still_says_when_a_handle_is_wrong(tmp_path: Path) -> None:
    """Skipping is for listings: asked for a handle that does not exist, get_object_infos
    raises as before (unless told to skip)."""
    card = _card(tmp_path, 2)

    async def body() -> None:
        async with _two_initiators(card) as (camera, _):
            handles = await camera.get_object_handles(0xFFFFFFFF, 0, 0)
            with pytest.raises(PtpResponseError) as caught:
                await camera.get_object_infos([*handles, 0x7777])
            assert caught.value.code == ResponseCode.InvalidObjectHandle
            infos = await camera.get_object_infos([0x7777, *handles], skip_vanished=True)
            assert sorted(infos) == sorted(handles)
            assert camera.vanished_objects == 1
            assert camera.is_connected

    run_or_hang(body(), 30)


# -- 3. a capture while others upload and capture ---------------------------------------------
def _others_add_after_initiate(camera: Camera, action: Callable[[], Awaitable[None]]) -> None:
    """Run ``action`` (another initiator adding objects) right after ``camera``'s
    InitiateCapture was answered, while its capture waits for its picture."""
    real = camera.initiate_capture

    async def initiate_then(storage_id: int = 0, object_format: int = 0) -> int:
        tid = await real(storage_id, object_format)
        await action()
        return tid

    camera.initiate_capture = initiate_then  # type: ignore[method-assign]


@pytest.mark.parametrize(
    "mode", [CaptureMode.NORMAL, CaptureMode.NO_CAPTURE_COMPLETE, CaptureMode.NO_EVENTS]
)
def test_a_capture_returns_its_own_picture_only(tmp_path: Path, mode: CaptureMode) -> None:
    """While A captures (its events come 0.3 s after the OK), B uploads a file and a
    picture (as its own captures, they are announced to A with untagged ObjectAdded
    events), before A's own tagged ObjectAdded. A's capture returns its own picture only;
    the soak saw capture() claim strangers' objects 258 times in five minutes.

    NO_CAPTURE_COMPLETE: A polls the handles after its grace, and must not add B's new
    objects to the one announced as its. NO_EVENTS: only the handles tell; B's file is
    no picture (a picture of B's cannot be told from A's: no event says whose)."""
    card = _card(tmp_path, 1)
    picture = tmp_path / "theirs.jpg"
    picture.write_bytes(_jpeg_bytes())
    document = tmp_path / "theirs.bin"
    document.write_bytes(b"not a picture" * 100)
    faults = Faults(event_delay=0.3, capture=mode)

    async def body() -> None:
        async with _two_initiators(card, faults=faults) as (camera, other):
            theirs: list[int] = []

            async def others_add() -> None:
                theirs.append((await other.upload(document, "/DCIM/100TEST")).handle)
                if mode is not CaptureMode.NO_EVENTS:
                    theirs.append((await other.upload(picture, "/DCIM/100TEST")).handle)

            _others_add_after_initiate(camera, others_add)
            shots = await camera.capture(10)
            assert len(theirs) in (1, 2)
            assert [s.handle for s in shots if s.handle in theirs] == []
            assert len(shots) == 1 and shots[0].name.upper().endswith(".JPG")
            if mode is CaptureMode.NORMAL:
                assert camera._tags_capture_events
                _others_add_after_initiate(camera, others_add)  # and once known to tag
                theirs.clear()
                shots = await camera.capture(10)
                assert len(shots) == 1 and shots[0].handle not in theirs

    run_or_hang(body(), 60)


def _jpeg_bytes() -> bytes:
    image = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(image, "JPEG")
    return image.getvalue()


def test_a_camera_that_does_not_tag_its_capture_events() -> None:
    """A camera that sends every event as 0xFFFFFFFF: an untagged ObjectAdded is the
    capture's only when it could be the picture: a file that is no image, and a picture
    captured before the capture began (by the camera's clock), are someone else's."""
    clock = "20260102T030405"
    objects = {
        0x21: ObjectInfo(filename="notes.bin", object_format=0x3000, storage_id=0x00010001),
        0x22: ObjectInfo(
            filename="OLD_0001.JPG",
            object_format=0x3801,
            storage_id=0x00010001,
            capture_date="20010101T000000",
        ),
        0x23: ObjectInfo(
            filename="IMG_0002.JPG",
            object_format=0x3801,
            storage_id=0x00010001,
            capture_date="20260102T030406",
        ),
    }
    stored: list[int] = []

    async def device_info(cam: FakeCamera, request: OperationRequested) -> None:
        info = DeviceInfo(
            operations_supported=tuple(ops),
            events_supported=(EventCode.ObjectAdded, EventCode.CaptureComplete),
            device_properties_supported=(DevicePropCode.DateTime,),
            model="Untagged",
        )
        await cam.ok(data=info.encode())

    async def handles(cam: FakeCamera, request: OperationRequested) -> None:
        await cam.ok(data=encode_u32_array(tuple(stored)))

    async def object_info(cam: FakeCamera, request: OperationRequested) -> None:
        await cam.ok(data=objects[request.params[0]].encode())

    async def prop_value(cam: FakeCamera, request: OperationRequested) -> None:
        await cam.ok(data=encode_value(DataType.STR, clock))

    async def initiate(cam: FakeCamera, request: OperationRequested) -> None:
        await cam.ok()
        for handle in objects:  # a stranger's file, an old picture, then ours
            stored.append(handle)
            cam.session.send_event(EventCode.ObjectAdded, (handle,))
        cam.session.send_event(EventCode.CaptureComplete)
        await cam.flush()

    answers = {
        Op.GetDeviceInfo: device_info,
        Op.GetObjectHandles: handles,
        Op.GetObjectInfo: object_info,
        Op.GetDevicePropValue: prop_value,
        Op.InitiateCapture: initiate,
    }
    ops = (*answers, Op.OpenSession, Op.GetStorageIDs)

    async def body() -> None:
        async with FakeCamera(answers) as fake:  # noqa: SIM117
            async with ptpkit.connect("127.0.0.1", fake.port, probe_interval=None) as camera:
                shots = await camera.capture(10)
                assert [shot.handle for shot in shots] == [0x23]
                assert not camera._tags_capture_events

    run_or_hang(body(), 30)
