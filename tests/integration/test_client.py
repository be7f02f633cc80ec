"""The asyncio client and its sync facade against the emulator, on loopback.

Every Camera method is exercised here; transfers are checked byte for byte.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import random
import signal
import socket
import sys
import threading
from collections.abc import AsyncIterator, Coroutine
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PIL import Image

import ptpkit
import ptpkit.sync
from ptpkit import (
    Camera,
    CameraEvent,
    ConnectError,
    ConnectionLost,
    EventsDropped,
    InitFailError,
    NotFoundError,
    PtpResponseError,
    PtpTimeoutError,
)
from ptpkit.aio.client import coerce_value, format_code, object_matcher, property_code
from ptpkit.aio.download import identity_of
from ptpkit.cli.demo import EmulatorThread
from ptpkit.emulator import Faults, serve
from ptpkit.localfiles import part_paths, write_identity
from ptpkit.proto.codes import (
    ROOT,
    DataType,
    DevicePropCode,
    EventCode,
    ObjectFormat,
    OperationCode,
    ResponseCode,
)
from ptpkit.proto.datasets import DeviceInfo, DevicePropDesc, ObjectInfo, StorageInfo
from ptpkit.proto.events import Channel

T = TypeVar("T")
MiB = 1 << 20


def run(coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
    """Run a test coroutine with a bound, so a hang fails instead of blocking CI."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


def random_bytes(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def jpeg(path: Path, colour: tuple[int, int, int]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (320, 200), colour).save(path, "JPEG", quality=80)


@pytest.fixture
def card(tmp_path: Path) -> Path:
    root = tmp_path / "card"
    jpeg(root / "DCIM" / "100TEST" / "IMG_0001.JPG", (200, 30, 30))
    jpeg(root / "DCIM" / "100TEST" / "IMG_0002.JPG", (30, 200, 30))
    jpeg(root / "DCIM" / "101TEST" / "IMG_0101.JPG", (30, 30, 200))
    (root / "DCIM" / "100TEST" / "MOV_0003.MOV").write_bytes(random_bytes(3 * MiB + 17, 1))
    (root / "notes").mkdir()
    (root / "notes" / "readme.txt").write_text("hello camera\n")
    (root / "big.bin").write_bytes(random_bytes(12 * MiB + 5, 2))
    return root


@contextlib.asynccontextmanager
async def camera_for(
    dirs: Path | list[Path], connect_kw: dict[str, Any] | None = None, **serve_kw: Any
) -> AsyncIterator[tuple[Any, Camera]]:
    serve_kw.setdefault("rescan_interval", None)
    async with serve(dirs if isinstance(dirs, list) else [dirs], **serve_kw) as server:  # noqa: SIM117
        async with ptpkit.connect(server.host, server.port, **(connect_kw or {})) as camera:
            yield server, camera


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- connecting -------------------------------------------------------------------------------
def test_connect_opens_a_session_with_the_stored_identity(card: Path):
    async def body() -> None:
        guid = ptpkit.config.get_guid() if hasattr(ptpkit, "config") else None
        async with camera_for(card) as (server, camera):
            assert camera.is_connected
            assert camera.camera_name == "ptpkit camera"
            assert camera.camera_guid == server.guid
            assert camera.connection_number is not None
            assert isinstance(camera.device_info, DeviceInfo)
            assert camera.device_info.model == "Emulated Camera"
            assert camera.supports(OperationCode.GetPartialObject)
            assert server.sessions == 1
            if guid is not None:
                assert camera.guid == guid
        assert not camera.is_connected

    run(body())


def test_the_guid_is_the_same_on_every_connect(card: Path):
    from ptpkit import config

    async def body() -> list[bytes]:
        seen = []
        async with serve([card], allow_guids=[config.get_guid()]) as server:
            for _ in range(2):
                async with ptpkit.connect(server.host, server.port) as camera:
                    seen.append(camera.guid)
        return seen

    first, second = run(body())
    assert first == second == config.get_guid()


def test_explicit_guid_and_name(card: Path):
    async def body() -> None:
        guid = bytes(range(16))
        async with serve([card], allow_guids=[guid]) as server:
            camera = await ptpkit.connect(server.host, server.port, guid=guid, name="tester")
            try:
                assert camera.guid == guid and camera.name == "tester"
                assert server.links[0].friendly_name == "tester"
            finally:
                await camera.close()
            await camera.close()  # twice is harmless

    run(body())


def test_event_connection_refused_is_retried_then_reported(
    card: Path, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG, logger="ptpkit.client")

    async def body() -> None:
        async with serve([card], rescan_interval=None) as server:
            with pytest.raises(ConnectError, match="Connection refused"):
                await ptpkit.connect(server.host, server.port, event_port=free_port())

    run(body())
    assert caplog.text.count("event connection refused; retry") == 2


def test_refused_connection_is_a_connect_error():
    async def body() -> None:
        with pytest.raises(ConnectError, match=r"cannot connect to 127\.0\.0\.1"):
            await ptpkit.connect("127.0.0.1", free_port(), connect_timeout=5)

    run(body())


@pytest.mark.parametrize(
    ("reason", "words"),
    [(1, "rejected"), (2, "busy"), (3, "unspecified")],
)
def test_init_fail_is_raised_with_its_reason_in_words(card: Path, reason: int, words: str):
    async def body() -> None:
        async with serve([card], faults=Faults(init_fail=reason)) as server:
            with pytest.raises(InitFailError, match=words) as info:
                await ptpkit.connect(server.host, server.port)
            assert info.value.reason == reason

    run(body())


def test_unknown_guid_gets_init_fail_rejected(card: Path):
    async def body() -> None:
        async with serve([card], allow_guids=[b"\x01" * 16]) as server:
            with pytest.raises(InitFailError) as info:
                await ptpkit.connect(server.host, server.port, guid=b"\x02" * 16)
            assert info.value.reason == 1

    run(body())


def test_handshake_timeout(card: Path):
    async def body() -> None:
        async with serve([card], faults=Faults(withhold_event_ack=True)) as server:
            with pytest.raises(PtpTimeoutError, match="handshake"):
                await ptpkit.connect(server.host, server.port, handshake_timeout=0.3)

    run(body())


# -- every standard operation -----------------------------------------------------------------
def test_reading_operations(card: Path):
    async def body() -> None:
        async with camera_for(card) as (_, camera):
            info = await camera.get_device_info()
            assert info == camera.device_info
            sids = await camera.get_storage_ids()
            assert len(sids) == 1
            sinfo = await camera.get_storage_info(sids[0])
            assert isinstance(sinfo, StorageInfo)
            assert sinfo.storage_description == "card"
            handles = await camera.get_object_handles(sids[0])
            assert await camera.get_num_objects(sids[0]) == len(handles)
            roots = await camera.get_object_handles(sids[0], 0, ROOT)
            assert await camera.get_num_objects(sids[0], 0, ROOT) == len(roots)
            infos = {h: await camera.get_object_info(h) for h in handles}
            assert all(isinstance(i, ObjectInfo) for i in infos.values())
            jpegs = await camera.get_object_handles(sids[0], ObjectFormat.EXIF_JPEG)
            assert len(jpegs) == 3
            names = {i.filename for i in infos.values()}
            assert {"DCIM", "100TEST", "IMG_0001.JPG", "big.bin", "readme.txt"} <= names

            by_name = {i.filename: h for h, i in infos.items()}
            big = (card / "big.bin").read_bytes()
            assert await camera.get_object(by_name["big.bin"]) == big
            chunks: list[bytes] = []
            assert await camera.get_object(by_name["big.bin"], chunks.append) == len(big)
            assert b"".join(chunks) == big
            assert max(len(c) for c in chunks) <= 2 * MiB  # streamed, not one piece
            # A callable keeps what it is given: bytes of its own, never views of the
            # reused receive buffer; a binary file gets the views, written at once.
            assert all(type(c) is bytes for c in chunks)
            via_file = card.parent / "via-file.bin"
            with via_file.open("wb") as out:
                assert await camera.get_object(by_name["big.bin"], out) == len(big)
            assert via_file.read_bytes() == big
            part = await camera.get_partial_object(by_name["big.bin"], 1000, 5000)
            assert part == big[1000:6000]
            rest = await camera.get_partial_object(by_name["big.bin"], len(big) - 10, 0xFFFFFFFF)
            assert rest == big[-10:]
            part64 = await camera.get_partial_object_64(by_name["big.bin"], 7, 100)
            assert part64 == big[7:107]
            sink: list[bytes] = []
            got = await camera.get_partial_object_64(by_name["big.bin"], MiB, MiB, sink.append)
            assert got == MiB and b"".join(sink) == big[MiB : 2 * MiB]
            thumb = await camera.get_thumb(by_name["IMG_0001.JPG"])
            assert thumb[:2] == b"\xff\xd8"
            response = await camera.transaction(OperationCode.GetStorageIDs)
            assert response.code == ResponseCode.OK and response.name == "OK"
            assert response.data_length == len(response.data) > 0

    run(body())


def test_changing_operations(card: Path, tmp_path: Path):
    async def body() -> None:
        async with camera_for(card, writable=True, allow_format=True) as (_, camera):
            (sid,) = await camera.get_storage_ids()
            payload = random_bytes(100_000, 3)
            info = ObjectInfo(
                storage_id=sid,
                object_format=ObjectFormat.Undefined,
                object_compressed_size=len(payload),
                parent_object=ROOT,
                filename="sent.bin",
            )
            got_sid, parent, handle = await camera.send_object_info(info, sid, ROOT)
            assert got_sid == sid and parent == ROOT and handle
            await camera.send_object(payload)
            assert (card / "sent.bin").read_bytes() == payload
            assert await camera.get_object(handle) == payload

            source = tmp_path / "from-file.bin"
            source.write_bytes(random_bytes(9 * MiB + 3, 4))
            info2 = ObjectInfo(
                storage_id=sid,
                object_compressed_size=source.stat().st_size,
                parent_object=ROOT,
                filename="from-file.bin",
            )
            _, _, handle2 = await camera.send_object_info(info2, sid, ROOT)
            progress: list[int] = []
            with source.open("rb") as fh:
                await camera.send_object(fh, progress=lambda done, total: progress.append(done))
            assert (card / "from-file.bin").read_bytes() == source.read_bytes()
            assert progress[-1] == source.stat().st_size

            folder = await camera.mkdir("/store_00010001/moved")
            await camera.move_object(handle, sid, folder.handle)
            assert (card / "moved" / "sent.bin").read_bytes() == payload
            copy = await camera.copy_object(handle, sid, 0)
            assert copy and (card / "sent.bin").read_bytes() == payload
            await camera.set_object_protection(copy, 1)
            assert (await camera.get_object_info(copy)).protection_status == 1
            with pytest.raises(PtpResponseError) as denied:
                await camera.delete_object(copy)
            assert denied.value.code == ResponseCode.ObjectWriteProtected
            await camera.set_object_protection(copy, 0)
            await camera.delete_object(copy)
            assert not (card / "sent.bin").exists()
            await camera.delete_object(handle2)
            assert not (card / "from-file.bin").exists()

            await camera.format_store(sid)
            assert await camera.get_num_objects(sid) == 0

    run(body())


def test_capture_operations(card: Path):
    async def body() -> None:
        async with camera_for(card, writable=True) as (_, camera):
            events = camera.events()
            tid = await camera.initiate_capture()
            seen: list[CameraEvent] = []
            while not any(e.code == EventCode.CaptureComplete for e in seen):
                event = await events.get(10)
                assert isinstance(event, CameraEvent)
                seen.append(event)
            assert all(e.transaction_id in (tid, 0xFFFFFFFF) for e in seen)
            added = [e for e in seen if e.code == EventCode.ObjectAdded and e.transaction_id == tid]
            assert added  # (a new folder may be announced too, outside the transaction)
            info = await camera.get_object_info(added[-1].params[0])
            assert info.object_format == ObjectFormat.EXIF_JPEG

            open_tid = await camera.initiate_open_capture()
            first = await events.get(10)
            assert isinstance(first, CameraEvent) and first.code == EventCode.ObjectAdded
            assert first.transaction_id == open_tid
            await camera.terminate_open_capture(open_tid)
            events.close()

            objects = await camera.capture(timeout=10)
            assert len(objects) == 1
            shot = objects[0]
            assert shot.path.startswith("/store_00010001/") and shot.name.endswith(".JPG")
            data = await camera.get_object(shot.handle)
            assert data[:2] == b"\xff\xd8" and len(data) == shot.size

    run(body())


def test_capture_without_events_finds_the_picture_by_its_handle(card: Path):
    """No ObjectAdded, no CaptureComplete: the new handle is found by comparing the
    handles before and after (issue 12; a capture that stores nothing at all raises
    CaptureTimeoutError: tests/integration/test_real_camera_habits.py)."""
    from ptpkit.emulator import CaptureMode

    async def body() -> None:
        faults = Faults(capture=CaptureMode.NO_EVENTS)
        async with camera_for(card, writable=True, faults=faults) as (_, camera):
            shots = await camera.capture(timeout=1.5)
            assert len(shots) == 1 and shots[0].size
            assert camera.is_connected
            await camera.get_device_info()

    run(body())


def test_device_properties(card: Path):
    async def body() -> None:
        async with camera_for(card) as (_, camera):
            code = DevicePropCode.WhiteBalance
            desc = await camera.get_device_prop_desc(code)
            assert isinstance(desc, DevicePropDesc) and desc.data_type is DataType.UINT16
            value = await camera.get_device_prop_value(code)
            assert value == desc.current_value
            assert await camera.get_device_prop_value(code, DataType.UINT16) == value
            allowed = [v for v in desc.form.values if v != value]  # type: ignore[union-attr]
            await camera.set_device_prop_value(code, allowed[0])
            assert await camera.get_device_prop_value(code) == allowed[0]
            await camera.reset_device_prop_value(code)
            assert await camera.get_device_prop_value(code) == desc.factory_default_value

            descs = await camera.properties()
            assert {d.device_prop_code for d in descs} == set(
                camera.device_info.device_properties_supported
            )
            battery = await camera.get_property("batterylevel")
            assert battery == await camera.get_property("BatteryLevel")
            assert battery == await camera.get_property(0x5001)
            size_desc = await camera.describe_property("imagesize")
            assert size_desc.device_prop_code == DevicePropCode.ImageSize
            await camera.set_property("image_size", "640x480")
            assert await camera.get_property("ImageSize") == "640x480"
            await camera.set_property("whitebalance", str(allowed[-1]))
            assert await camera.get_property("WhiteBalance") == allowed[-1]
            await camera.reset_property("WhiteBalance")
            with pytest.raises(PtpResponseError) as bad:
                await camera.set_property("whitebalance", 0xFFFF)
            assert bad.value.code == ResponseCode.InvalidDevicePropValue
            with pytest.raises(NotFoundError):
                await camera.get_property("no such property")

    run(body())


def test_unsupported_operations_answer_and_keep_the_session(card: Path):
    async def body() -> None:
        async with camera_for(card) as (_, camera):
            for call in (camera.reset_device, camera.self_test, camera.power_down):
                try:
                    await call()
                except PtpResponseError as exc:
                    assert exc.code == ResponseCode.OperationNotSupported
            with pytest.raises(PtpResponseError) as bad:
                await camera.get_object_info(0xDEAD)
            assert bad.value.code == ResponseCode.InvalidObjectHandle
            assert "InvalidObjectHandle" in str(bad.value)
            with pytest.raises(PtpResponseError):
                await camera.format_store(0x00010001)  # not allowed on this camera
            await camera.close_session()
            with pytest.raises(PtpResponseError) as closed:
                await camera.get_storage_ids()
            assert closed.value.code == ResponseCode.SessionNotOpen
            await camera.open_session(7)
            await camera.open_session(7)  # SessionAlreadyOpen counts as success
            assert await camera.get_storage_ids()

    run(body())


# -- listing ----------------------------------------------------------------------------------
def test_walk_gives_full_paths_and_filters(card: Path):
    async def body() -> None:
        async with camera_for(card) as (_, camera):
            everything = await camera.list_objects(folders=True)
            paths = {o.path for o in everything}
            assert "/store_00010001/DCIM/100TEST/IMG_0001.JPG" in paths
            assert "/store_00010001/DCIM/100TEST/" not in paths
            assert "/store_00010001/DCIM/100TEST" in paths
            files = await camera.list_objects()
            expected = {str(p.relative_to(card)) for p in card.rglob("*") if p.is_file()}
            assert {o.relative_path for o in files} == expected
            for obj in files:
                assert obj.size == (card / obj.relative_path).stat().st_size
                assert not obj.is_folder
            folder = await camera.list_objects("DCIM/100TEST")
            assert {o.name for o in folder} == {"IMG_0001.JPG", "IMG_0002.JPG", "MOV_0003.MOV"}
            assert await camera.list_objects("/store_00010001/DCIM/100TEST") == folder
            jpegs = await camera.list_objects(object_format="jpeg")
            assert {o.name for o in jpegs} == {"IMG_0001.JPG", "IMG_0002.JPG", "IMG_0101.JPG"}
            assert await camera.list_objects(object_format="images") == jpegs
            assert await camera.list_objects(object_format=ObjectFormat.EXIF_JPEG) == jpegs
            assert [o.name for o in await camera.list_objects(pattern="img_01*")] == [
                "IMG_0101.JPG"
            ]
            by_path = await camera.list_objects(pattern="DCIM/*/IMG_000?.JPG")
            assert len(by_path) == 2
            future = datetime.now() + timedelta(days=1)
            assert await camera.list_objects(since=future) == []
            past = datetime(2000, 1, 1)
            assert len(await camera.list_objects(since=past)) == len(files)
            assert len(await camera.list_objects(storage="store_00010001")) == len(files)
            with pytest.raises(NotFoundError):
                await camera.list_objects(storage=0x00020001)
            walked = [o async for o in camera.walk(folder="notes")]
            assert [o.name for o in walked] == ["readme.txt"]

            found = await camera.find("DCIM/101TEST/IMG_0101.JPG")
            assert found.path == "/store_00010001/DCIM/101TEST/IMG_0101.JPG"
            assert (await camera.object_at(found.handle)).path == found.path
            assert (await camera.find("/store_00010001/notes")).is_folder
            with pytest.raises(NotFoundError):
                await camera.find("DCIM/nothing.jpg")
            with pytest.raises(NotFoundError):
                await camera.find("notes/readme.txt/deeper")

    run(body())


def test_a_camera_that_lists_only_the_root_for_parent_0(card: Path):
    async def body() -> None:
        async with camera_for(card) as (server, camera):
            real = server.store.handles

            def root_only(storage_id: int, fmt: int = 0, parent: int = 0) -> list[int]:
                return real(storage_id, fmt, ROOT if parent == 0 else parent)

            server.store.handles = root_only
            files = await camera.list_objects()
            expected = {str(p.relative_to(card)) for p in card.rglob("*") if p.is_file()}
            assert {o.relative_path for o in files} == expected

    run(body())


def test_a_complete_part_file_is_only_renamed(card: Path, tmp_path: Path):
    source = card / "DCIM" / "100TEST" / "MOV_0003.MOV"
    (tmp_path / "MOV_0003.MOV.part").write_bytes(source.read_bytes())
    seen: list[int] = []

    async def body() -> None:
        async with camera_for(card) as (_, camera):
            obj = await camera.find("DCIM/100TEST/MOV_0003.MOV")
            # the record that says whose start the .part holds (a download writes it)
            write_identity(part_paths(tmp_path / obj.name)[1], identity_of(camera, obj))
            await camera.download(obj, tmp_path, progress=lambda d, t: seen.append(d))

    run(body())
    assert seen == [source.stat().st_size]  # nothing was fetched
    assert (tmp_path / "MOV_0003.MOV").read_bytes() == source.read_bytes()


def test_two_storages(card: Path, tmp_path: Path):
    second = tmp_path / "second"
    jpeg(second / "DCIM" / "X.JPG", (1, 2, 3))

    async def body() -> None:
        async with camera_for([card, second]) as (_, camera):
            stores = await camera.storages()
            assert len(stores) == 2
            assert [s.name for s in stores] == [f"store_{s.storage_id:08x}" for s in stores]
            other = stores[1].name
            objs = await camera.list_objects(storage=other)
            assert [o.path for o in objs] == [f"/{other}/DCIM/X.JPG"]
            assert (await camera.find(f"/{other}/DCIM/X.JPG")).name == "X.JPG"
            assert len(await camera.list_objects(object_format="jpeg")) == 4

    run(body())


# -- MTP bulk listing and chained GetObjectInfo ---------------------------------------------
def _listing(objects: list[ptpkit.CameraObject]) -> list[tuple[Any, ...]]:
    """What a listing says of each object (thumbnail facts aside: MTP has none)."""
    return [
        (
            o.handle,
            o.path,
            o.size,
            o.format,
            o.parent,
            o.storage_id,
            o.is_folder,
            o.captured,
            o.info.protection_status,
            o.info.image_pix_width,
            o.info.image_pix_height,
        )
        for o in objects
    ]


def test_bulk_listing_says_what_the_per_object_listing_says(card: Path, tmp_path: Path):
    second = tmp_path / "second"
    jpeg(second / "DCIM" / "X.JPG", (1, 2, 3))

    async def body() -> None:
        async with camera_for([card, second], mtp=True) as (_, camera):
            one_by_one = await camera.list_objects(folders=True, bulk=False)
            bulk = await camera.list_objects(folders=True, bulk=True)
            assert _listing(bulk) == _listing(one_by_one)
            assert _listing(await camera.list_objects_bulk()) == _listing(one_by_one)
            assert _listing(await camera.list_objects(folders=True)) == _listing(one_by_one)
            jpegs = await camera.list_objects(object_format="jpeg", bulk=True)
            assert {o.name for o in jpegs} == {
                "IMG_0001.JPG",
                "IMG_0002.JPG",
                "IMG_0101.JPG",
                "X.JPG",
            }
            assert [o.name for o in await camera.list_objects("DCIM/101TEST", bulk=True)] == [
                "IMG_0101.JPG"
            ]

    run(body())


def test_listing_uses_get_object_prop_list_when_the_camera_has_it(card: Path):
    async def body() -> None:
        async with camera_for(card, mtp=True) as (_, camera):
            calls: list[str] = []
            for name in ("get_object_prop_list", "get_object_info", "get_object_infos"):
                method = getattr(camera, name)

                def spy(*args: Any, _name: str = name, _method: Any = method, **kw: Any) -> Any:
                    calls.append(_name)
                    return _method(*args, **kw)

                setattr(camera, name, spy)
            files = await camera.list_objects()
            assert len(files) == 6
            assert calls == ["get_object_prop_list"]
            calls.clear()
            assert len(await camera.list_objects(bulk=False)) == 6
            assert calls == ["get_object_infos"]

    run(body())


def test_what_get_object_prop_list_leaves_out_is_read_one_by_one(card: Path):
    from ptpkit.proto.codes import MtpObjectPropCode as P
    from ptpkit.proto.datasets import ObjectPropList

    async def body() -> None:
        async with camera_for(card, mtp=True) as (_, camera):
            expected = _listing(await camera.list_objects(folders=True, bulk=False))
            real = camera.get_object_prop_list

            async def broken(*args: int) -> ObjectPropList:
                # like some cameras: objects missing, one without its file name
                plist = await real(*args)
                handles = sorted({e.handle for e in plist})
                gone, nameless = handles[0], handles[1]
                return ObjectPropList(
                    tuple(
                        e
                        for e in plist
                        if e.handle != gone
                        and not (e.handle == nameless and e.prop_code == P.ObjectFileName)
                    )
                )

            camera.get_object_prop_list = broken  # type: ignore[method-assign]
            assert _listing(await camera.list_objects(folders=True, bulk=True)) == expected

    run(body())


def test_bulk_listing_without_mtp(card: Path):
    async def body() -> None:
        async with camera_for(card) as (_, camera):
            assert not camera.supports(0x9805)
            with pytest.raises(PtpResponseError) as info:
                await camera.list_objects(bulk=True)
            assert info.value.code == ResponseCode.OperationNotSupported
            assert len(await camera.list_objects()) == 6  # and the session is fine

    run(body())


def test_a_failing_get_object_prop_list_falls_back_to_per_object(card: Path):
    async def body() -> None:
        faults = Faults(fail={0x9805: ResponseCode.GeneralError})
        async with camera_for(card, mtp=True, faults=faults) as (_, camera):
            assert camera.supports(0x9805)
            files = await camera.list_objects()
            assert {o.name for o in files} == {
                "IMG_0001.JPG",
                "IMG_0002.JPG",
                "IMG_0101.JPG",
                "MOV_0003.MOV",
                "readme.txt",
                "big.bin",
            }
            with pytest.raises(PtpResponseError):
                await camera.list_objects(bulk=True)

    run(body())


def test_objects_whose_properties_make_no_object_info_are_asked_for_one_by_one():
    from ptpkit.aio.listing import _listed_from_props
    from ptpkit.proto.codes import MtpObjectPropCode as P

    props: dict[int, Any] = {
        P.StorageID: 0x10001,
        P.ObjectFormat: 0x3801,
        P.ParentObject: 0,
        P.ObjectFileName: "A.JPG",
        P.ObjectSize: 5 << 32,
    }
    listed = _listed_from_props(props)
    assert listed is not None
    assert listed.size == 5 << 32 and listed.info.object_compressed_size == 0xFFFFFFFF
    assert listed.info.filename == "A.JPG" and listed.info.capture_date == ""
    for code in (P.StorageID, P.ObjectFormat, P.ParentObject, P.ObjectFileName):
        assert _listed_from_props({k: v for k, v in props.items() if k != code}) is None
    assert _listed_from_props({**props, P.ObjectFileName: 7}) is None
    assert _listed_from_props({**props, P.StorageID: "x"}) is None
    assert _listed_from_props({**props, P.ObjectSize: "big"}) is None
    assert _listed_from_props({**props, P.ObjectFormat: 0x10000}) is None


def test_chained_get_object_infos(card: Path):
    async def body() -> None:
        async with camera_for(card) as (_, camera):
            handles = await camera.get_object_handles(0xFFFFFFFF, 0, 0)
            chained = await camera.get_object_infos(handles)
            assert list(chained) == list(handles)
            for handle in handles:
                assert chained[handle] == await camera.get_object_info(handle)
            assert await camera.get_object_infos([]) == {}
            # a bad handle in the middle ends the chain with its error ...
            with pytest.raises(PtpResponseError) as info:
                await camera.get_object_infos([*handles[:2], 0xBEEF, *handles[2:]])
            assert info.value.code == ResponseCode.InvalidObjectHandle
            assert info.value.params == (0xBEEF,)
            # ... and the session goes on
            assert await camera.get_object_infos(handles[:1]) == {handles[0]: chained[handles[0]]}

            # a caller's error while the next transaction is under way
            def fail(params: tuple[int, ...], data: bytes) -> None:
                raise ValueError("no thanks")

            with pytest.raises(ValueError, match="no thanks"):
                await camera._run_chain(OperationCode.GetObjectInfo, [(h,) for h in handles], fail)
            assert await camera.get_storage_ids()

    run(body())


def test_cancelling_a_chain_leaves_the_session_usable(card: Path):
    async def body() -> None:
        async with camera_for(card, faults=Faults(delay={OperationCode.GetObjectInfo: 0.05})) as (
            _,
            camera,
        ):
            handles = await camera.get_object_handles(0xFFFFFFFF, 0, 0)
            task = asyncio.ensure_future(camera.get_object_infos(list(handles) * 4))
            await asyncio.sleep(0.12)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert camera.is_connected
            assert await camera.get_storage_ids()
            assert (await camera.get_object_info(handles[0])).filename

    run(body())


def test_a_camera_vanishing_in_the_middle_of_a_chain_ends_it_with_connection_lost(
    card: Path, caplog: pytest.LogCaptureFixture
):
    async def body() -> None:
        delay = Faults(delay={OperationCode.GetObjectInfo: 0.02})
        async with serve([card], rescan_interval=None, faults=delay) as server:
            camera = await ptpkit.connect(server.host, server.port, probe_interval=None)
            handles = await camera.get_object_handles(0xFFFFFFFF, 0, 0)
            task = asyncio.ensure_future(camera.get_object_infos(list(handles) * 20))
            await asyncio.sleep(0.1)
            assert not task.done()
            server._server.close()  # both connections go, mid-chain
            with pytest.raises(ConnectionLost):
                await asyncio.wait_for(task, 10)
            assert not camera.is_connected
            await camera.close()

    with caplog.at_level(logging.ERROR, logger="asyncio"):
        run(body())
        import gc

        gc.collect()  # an unretrieved future's exception is logged when it is collected
    assert not [r for r in caplog.records if "never retrieved" in r.getMessage()]


def test_the_client_runs_on_uvloop(card: Path):
    uvloop = pytest.importorskip("uvloop")

    async def body() -> int:
        async with camera_for(card) as (_, camera):
            return len(await camera.list_objects(folders=True))

    assert uvloop.run(asyncio.wait_for(body(), 60)) == 10


def test_the_emulator_streams_a_big_file_on_uvloop_and_leaves_no_descriptor(card: Path):
    """uvloop has no loop.sendfile: the emulator's own os.sendfile loop fills the socket
    (12 MiB against a 4 MiB send buffer) and waits for room through a duplicate of the
    socket's descriptor, which must be closed with the link."""
    uvloop = pytest.importorskip("uvloop")
    big = (card / "big.bin").read_bytes()

    def open_sockets() -> int:
        count = 0
        for fd in Path("/proc/self/fd").iterdir():
            with contextlib.suppress(OSError):
                count += str(fd.readlink()).startswith("socket:")
        return count

    async def body() -> None:
        before = open_sockets()
        async with camera_for(card) as (server, camera):
            obj = await camera.find("big.bin")
            for _ in range(2):
                assert await camera.get_object(obj.handle) == big
            assert server._server.watch_dup_fd  # the wait worked: no fallback to polling
        await asyncio.sleep(0.2)
        assert open_sockets() <= before

    uvloop.run(asyncio.wait_for(body(), 60))


def _open_sockets() -> int:
    count = 0
    for fd in Path("/proc/self/fd").iterdir():
        with contextlib.suppress(OSError):
            count += str(fd.readlink()).startswith("socket:")
    return count


def _count_sendfile(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the byte count of every os.sendfile call that moved bytes."""
    moved: list[int] = []
    real = os.sendfile

    def sendfile(out_fd: int, in_fd: int, offset: int | None, count: int) -> int:
        sent = real(out_fd, in_fd, offset, count)
        if sent:
            moved.append(sent)
        return sent

    monkeypatch.setattr(os, "sendfile", sendfile)
    return moved


def test_uploads_on_uvloop_go_out_with_sendfile_and_leave_no_descriptor(
    card: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """uvloop has no loop.sendfile: the client sends a file's data phase with its own
    os.sendfile loop (20 MiB fills the socket many times over), waiting for room through a
    duplicate of the socket's descriptor, which each packet closes."""
    uvloop = pytest.importorskip("uvloop")
    source = tmp_path / "up.bin"
    source.write_bytes(random_bytes(20 * MiB + 3, 7))
    moved = _count_sendfile(monkeypatch)

    async def body() -> None:
        before = _open_sockets()
        async with camera_for(card, writable=True) as (_, camera):
            for name in ("up.bin", "again.bin"):
                obj = await camera.upload(source, name=name)
                assert obj.size == source.stat().st_size
        await asyncio.sleep(0.2)
        assert _open_sockets() <= before

    uvloop.run(asyncio.wait_for(body(), 60))
    assert sum(moved) == 2 * source.stat().st_size  # every byte, none read and written
    assert (card / "up.bin").read_bytes() == (card / "again.bin").read_bytes()
    assert (card / "up.bin").read_bytes() == source.read_bytes()


def test_cancelling_an_upload_on_uvloop_keeps_the_session(card: Path, tmp_path: Path):
    uvloop = pytest.importorskip("uvloop")
    source = tmp_path / "up.bin"
    source.write_bytes(random_bytes(40 * MiB, 8))

    async def body() -> None:
        async with camera_for(card, writable=True) as (_, camera):
            task: asyncio.Task[Any] | None = None

            def progress(done: int, total: int | None) -> None:
                if done >= 4 * MiB and task is not None and not task.done():
                    task.cancel()

            task = asyncio.ensure_future(camera.upload(source, progress=progress))
            with pytest.raises(asyncio.CancelledError):
                await task
            assert camera.is_connected
            assert await camera.get_storage_ids()
            obj = await camera.upload(source, name="up2.bin")
            assert obj.size == source.stat().st_size

    uvloop.run(asyncio.wait_for(body(), 60))
    assert not (card / "up.bin").exists()
    assert (card / "up2.bin").read_bytes() == source.read_bytes()


def test_a_camera_vanishing_mid_upload_on_uvloop_fails_it_and_leaves_no_descriptor(
    card: Path, tmp_path: Path
):
    """The emulator drops the link 6 MiB into SendObject: os.sendfile meets a reset (or the
    wait for room meets the loss); the upload fails with ConnectionLost, it does not hang."""
    uvloop = pytest.importorskip("uvloop")
    source = tmp_path / "up.bin"
    source.write_bytes(random_bytes(24 * MiB, 9))
    faults = Faults(drop_after_bytes=6 * MiB, drop_operations=frozenset({OperationCode.SendObject}))

    async def body() -> None:
        before = _open_sockets()
        async with camera_for(card, writable=True, faults=faults) as (_, camera):
            with pytest.raises(ConnectionLost):
                await camera.upload(source)
            assert not camera.is_connected
        await asyncio.sleep(0.2)
        assert _open_sockets() <= before

    uvloop.run(asyncio.wait_for(body(), 60))
    assert not (card / "up.bin").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SO_RCVLOWAT as on Linux")
@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_a_download_asks_to_be_woken_for_big_reads_and_resets_after(card: Path, loop: str):
    """During a data-in phase the command socket's SO_RCVLOWAT asks for what the phase
    still owes (up to 256 KiB); after it, and after a cancelled one, any byte wakes us."""
    if loop == "uvloop":
        pytest.importorskip("uvloop")

    def lowat(camera: Camera) -> int:
        sock = camera._channels[Channel.COMMAND].sock
        return int(sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT))

    async def body() -> None:
        async with camera_for(card) as (_, camera):
            obj = await camera.find("big.bin")
            seen: set[int] = set()
            sink = io.BytesIO()
            await camera.get_object(obj.handle, sink, progress=lambda d, t: seen.add(lowat(camera)))
            assert sink.getvalue() == (card / "big.bin").read_bytes()
            assert max(seen) == 256 << 10
            assert lowat(camera) == 1
            task = asyncio.ensure_future(camera.get_object(obj.handle))
            while camera._rcvlowat <= 1:
                await asyncio.sleep(0.001)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert lowat(camera) == 1
            assert await camera.get_storage_ids()

    if loop == "uvloop":
        import uvloop

        uvloop.run(asyncio.wait_for(body(), 60))
    else:
        run(body())


def test_name_helpers():
    assert property_code("batterylevel") == property_code("Battery_Level") == 0x5001
    assert property_code("0x5003") == property_code(0x5003) == DevicePropCode.ImageSize
    assert property_code("D402") == 0xD402
    with pytest.raises(NotFoundError):
        property_code("bogus")
    assert format_code("jpeg") == format_code("EXIF_JPEG") == ObjectFormat.EXIF_JPEG
    assert format_code("0x3000") == 0x3000
    with pytest.raises(NotFoundError):
        format_code("bogus")
    assert coerce_value(DataType.UINT16, "0x10") == 16
    assert coerce_value(DataType.AUINT8, "1, 2,3") == (1, 2, 3)
    assert coerce_value(DataType.STR, "x") == "x"
    with pytest.raises(ValueError):
        coerce_value(DataType.UINT8, "many")
    assert object_matcher("*.JPG") is not None


# -- downloads and uploads --------------------------------------------------------------------
def test_download_streams_through_a_part_file(card: Path, tmp_path: Path):
    async def body() -> None:
        dest = tmp_path / "out"
        dest.mkdir()
        async with camera_for(card) as (_, camera):
            obj = await camera.find("big.bin")
            seen: list[tuple[int, int | None]] = []
            path = await camera.download(obj, dest, progress=lambda d, t: seen.append((d, t)))
            assert path == dest / "big.bin"
            assert path.read_bytes() == (card / "big.bin").read_bytes()
            assert not (dest / "big.bin.part").exists()
            dones = [d for d, _ in seen]
            assert dones == sorted(dones) and dones[-1] == obj.size
            assert all(t == obj.size for _, t in seen)
            assert abs(path.stat().st_mtime - (card / "big.bin").stat().st_mtime) < 2
            # by path and by handle, to a file name
            again = await camera.download("DCIM/100TEST/IMG_0002.JPG", tmp_path / "x.jpg")
            assert again.read_bytes() == (card / "DCIM/100TEST/IMG_0002.JPG").read_bytes()
            third = await camera.download(obj.handle, tmp_path / "deep" / "dir" / "b.bin")
            assert third.stat().st_size == obj.size
            with pytest.raises(NotFoundError):
                await camera.download("DCIM", tmp_path)

    run(body())


def test_download_cut_by_a_dropped_connection_resumes(card: Path, tmp_path: Path):
    async def body() -> None:
        dest = tmp_path / "big.bin"
        part = tmp_path / "big.bin.part"
        faults = Faults(
            drop_after_bytes=5 * MiB, drop_operations=frozenset({OperationCode.GetObject})
        )
        async with serve([card], faults=faults, rescan_interval=None) as server:
            async with ptpkit.connect(server.host, server.port) as camera:
                obj = await camera.find("big.bin")
                with pytest.raises(ConnectionLost):
                    await camera.download(obj, dest)
                assert not camera.is_connected
                with pytest.raises(ConnectionLost):
                    await camera.get_device_info()
            assert not dest.exists()
            cut = part.stat().st_size
            assert 0 < cut < obj.size
            async with ptpkit.connect(server.host, server.port) as camera:
                seen: list[int] = []
                await camera.download(obj, dest, progress=lambda d, t: seen.append(d))
                assert seen[0] == cut  # resumed, not started over
        assert dest.read_bytes() == (card / "big.bin").read_bytes()
        assert not part.exists()

    run(body())


def test_resume_past_4_gib_uses_get_partial_object_64(tmp_path: Path):
    card = tmp_path / "card"
    card.mkdir()
    big = card / "huge.bin"
    tail = random_bytes(MiB, 9)
    base = 4 << 30
    with big.open("wb") as fh:  # sparse: 4 GiB of holes, then 1 MiB of data
        fh.seek(base)
        fh.write(tail)
    dest = tmp_path / "out" / "huge.bin"
    dest.parent.mkdir()
    part = dest.with_name("huge.bin.part")
    with part.open("wb") as fh:
        fh.seek(base)
        fh.write(tail[: 256 * 1024])

    async def body() -> None:
        async with camera_for(card) as (_, camera):
            obj = await camera.find("huge.bin")
            assert obj.size is None  # the 32-bit ObjectCompressedSize cannot say
            write_identity(part_paths(dest)[1], identity_of(camera, obj))
            await camera.download(obj, dest)

    run(body())
    assert dest.stat().st_size == base + len(tail)
    with dest.open("rb") as fh:
        fh.seek(base)
        assert fh.read() == tail


def test_a_wrong_part_file_is_replaced(card: Path, tmp_path: Path):
    part = tmp_path / "readme.txt.part"
    part.write_bytes(b"x" * 1000)  # longer than the object: not a prefix of it

    async def body() -> None:
        async with camera_for(card) as (_, camera):
            await camera.download("notes/readme.txt", tmp_path)

    run(body())
    assert (tmp_path / "readme.txt").read_bytes() == b"hello camera\n"


def test_cancelling_a_download_sends_cancel_and_keeps_the_session(
    card: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG, logger="ptpkit.client")

    async def body() -> None:
        dest = tmp_path / "big.bin"
        async with camera_for(card, data_chunk_size=64 * 1024) as (_, camera):
            obj = await camera.find("big.bin")
            task: asyncio.Task[Path] | None = None
            cancelled = False

            def progress(done: int, total: int | None) -> None:
                nonlocal cancelled
                if done >= MiB and task is not None and not cancelled:
                    cancelled = True
                    task.cancel()  # what Ctrl-C does to the CLI's main task

            task = asyncio.ensure_future(camera.download(obj, dest, progress=progress))
            with pytest.raises(asyncio.CancelledError):
                await task
            assert camera.is_connected
            assert "cancelling transaction" in caplog.text
            assert "cancelled: TransactionCancelled" in caplog.text
            part = tmp_path / "big.bin.part"
            assert MiB <= part.stat().st_size < obj.size
            assert not dest.exists()
            # the session is usable and the .part resumes
            assert await camera.get_storage_ids()
            await camera.download(obj, dest)
        assert dest.read_bytes() == (card / "big.bin").read_bytes()

    run(body())


def test_cancelling_an_upload_keeps_the_session(card: Path, tmp_path: Path):
    source = tmp_path / "up.bin"
    source.write_bytes(random_bytes(40 * MiB, 5))

    async def body() -> None:
        async with camera_for(card, writable=True) as (_, camera):
            task: asyncio.Task[Any] | None = None
            cancelled = False

            def progress(done: int, total: int | None) -> None:
                nonlocal cancelled
                if done >= 4 * MiB and task is not None and not cancelled:
                    cancelled = True
                    task.cancel()

            task = asyncio.ensure_future(camera.upload(source, progress=progress))
            with pytest.raises(asyncio.CancelledError):
                await task
            assert camera.is_connected
            assert await camera.get_storage_ids()
            assert not (card / "up.bin").exists()  # the partial upload was thrown away
            obj = await camera.upload(source, name="up2.bin")
            assert obj.size == source.stat().st_size

    run(body())
    assert (card / "up2.bin").read_bytes() == source.read_bytes()


def test_a_failing_sink_cancels_and_keeps_the_session(card: Path):
    async def body() -> None:
        async with camera_for(card) as (_, camera):
            obj = await camera.find("big.bin")
            received = 0

            def sink(data: bytes) -> None:
                nonlocal received
                received += len(data)
                if received > MiB:
                    raise OSError(28, "No space left on device")

            with pytest.raises(OSError, match="No space"):
                await camera.get_object(obj.handle, sink)
            assert camera.is_connected
            assert await camera.get_object(obj.handle) == (card / "big.bin").read_bytes()

    run(body())


def test_upload_mkdir_and_delete(card: Path, tmp_path: Path):
    source = tmp_path / "holiday.jpg"
    jpeg(source, (9, 9, 9))

    async def body() -> None:
        async with camera_for(card, writable=True) as (_, camera):
            root_obj = await camera.upload(source)
            assert root_obj.path == "/store_00010001/holiday.jpg"
            assert root_obj.format == ObjectFormat.EXIF_JPEG
            folder = await camera.mkdir("DCIM/200NEW/sub")
            assert folder.is_folder and folder.path == "/store_00010001/DCIM/200NEW/sub"
            assert (await camera.mkdir("DCIM/200NEW/sub")).handle == folder.handle
            inside = await camera.upload(source, "DCIM/200NEW/sub", name="renamed.jpg")
            assert inside.path == "/store_00010001/DCIM/200NEW/sub/renamed.jpg"
            in_folder_obj = await camera.upload(source, folder, name="third.jpg")
            assert in_folder_obj.parent == folder.handle
            assert (await camera.upload(source, "/store_00010001/", name="r2.jpg")).name
            with pytest.raises(NotFoundError):
                await camera.upload(source, "DCIM/100TEST/IMG_0001.JPG")
            await camera.delete(inside)
            await camera.delete("holiday.jpg")
            await camera.delete(in_folder_obj.handle)
            with pytest.raises(NotFoundError):
                await camera.delete("holiday.jpg")

    run(body())
    assert (card / "DCIM/200NEW/sub").is_dir()
    assert not (card / "DCIM/200NEW/sub/renamed.jpg").exists()
    assert not (card / "holiday.jpg").exists()
    assert (card / "r2.jpg").read_bytes() == source.read_bytes()


# -- events and liveness ----------------------------------------------------------------------
def test_100_events_during_a_download_all_arrive(card: Path, tmp_path: Path):
    async def body() -> None:
        async with camera_for(card, data_chunk_size=256 * 1024) as (server, camera):
            stream = camera.events()
            obj = await camera.find("big.bin")
            fired = False

            def progress(done: int, total: int | None) -> None:
                nonlocal fired
                if not fired and done > 0:
                    fired = True
                    for i in range(100):
                        server.inject_event(EventCode.ObjectAdded, (0x1000 + i,))

            await camera.download(obj, tmp_path, progress=progress)
            assert fired
            got = []
            while len(got) < 100:
                event = await stream.get(10)
                assert isinstance(event, CameraEvent)  # nothing dropped
                if event.code == EventCode.ObjectAdded:
                    got.append(event.params[0])
            assert got == [0x1000 + i for i in range(100)]
            assert stream.dropped == 0

    run(body())
    assert (tmp_path / "big.bin").read_bytes() == (card / "big.bin").read_bytes()


def test_event_overflow_is_reported_not_silent(card: Path):
    async def body() -> None:
        async with camera_for(card, connect_kw={"event_queue_size": 10}) as (server, camera):
            stream = camera.events()
            for i in range(50):
                server.inject_event(EventCode.DevicePropChanged, (i,))
            await camera.ping()  # the probe answer comes after the 50 events
            items = [await stream.get(5) for _ in range(11)]
            assert [e.params[0] for e in items[:10] if isinstance(e, CameraEvent)] == list(
                range(10)
            )
            assert items[10] == EventsDropped(40)
            assert stream.dropped == 40 and stream.pending() == 0
            server.inject_event(EventCode.DevicePropChanged, (99,))
            later = await stream.get(5)
            assert isinstance(later, CameraEvent) and later.params == (99,)
            assert later.name == "DevicePropChanged" and later.code is EventCode.DevicePropChanged

    run(body())


def test_events_before_the_first_subscription_are_kept(card: Path):
    async def body() -> None:
        async with camera_for(card) as (server, camera):
            server.inject_event(EventCode.StoreFull, (0x00010001,))
            await camera.ping()
            first = camera.events()
            event = await first.get(5)
            assert isinstance(event, CameraEvent) and event.code == EventCode.StoreFull
            second = camera.events()  # a later subscriber starts from now
            server.inject_event(EventCode.DeviceInfoChanged)
            assert (await second.get(5)).name == "DeviceInfoChanged"
            assert (await first.get(5)).name == "DeviceInfoChanged"
            async with second:
                pass
            with pytest.raises(ConnectionLost):
                await second.get(1)

    run(body())


def test_event_stream_ends_on_close_and_raises_on_loss(card: Path):
    async def body() -> None:
        async with serve([card], rescan_interval=None) as server:
            camera = await ptpkit.connect(server.host, server.port)
            stream = camera.events()
            await camera.close()
            assert [e async for e in stream] == []
            camera = await ptpkit.connect(server.host, server.port)
            stream = camera.events()
            for link in server.links:
                link.close()  # type: ignore[attr-defined]
            with pytest.raises(ConnectionLost):
                async for _ in stream:
                    pass
            with pytest.raises(ConnectionLost):
                await camera.get_device_info()
            await camera.close()

    run(body())


def test_probes_both_ways(card: Path):
    async def body() -> None:
        faults = Faults(probe_interval=0.05)
        kw = {"probe_interval": 0.05, "probe_timeout": 2.0}
        async with camera_for(card, connect_kw=kw, faults=faults) as (_, camera):
            await asyncio.sleep(0.4)  # both sides probe the idle link several times
            assert camera.is_connected
            rtt = await camera.ping()
            assert rtt >= 0
            assert await camera.get_storage_ids()

    run(body())


def test_slow_response_times_out(card: Path):
    async def body() -> None:
        faults = Faults(delay={OperationCode.GetStorageIDs: 5.0})
        kw = {"response_timeout": 0.3, "probe_interval": None}
        async with camera_for(card, connect_kw=kw, faults=faults) as (_, camera):
            with pytest.raises(PtpTimeoutError, match="GetStorageIDs"):
                await camera.get_storage_ids()

    run(body())


# -- the blocking facade ----------------------------------------------------------------------
def test_sync_facade_listing_paths(card: Path):
    with (
        EmulatorThread([card], mtp=True, rescan_interval=None) as emu,
        ptpkit.sync.connect(emu.host, emu.port) as camera,
    ):
        per_object = camera.list_objects(folders=True, bulk=False)
        assert _listing(camera.list_objects(folders=True, bulk=True)) == _listing(per_object)
        assert _listing(camera.list_objects_bulk()) == _listing(per_object)
        assert [o.name for o in camera.walk("notes", bulk=True)] == ["readme.txt"]
        handles = [o.handle for o in per_object]
        infos = camera.get_object_infos(handles)
        assert [infos[o.handle].filename for o in per_object] == [o.name for o in per_object]
        assert 0xDC07 in camera.get_object_props_supported()
        plist = camera.get_object_prop_list(handles[0])
        assert {e.handle for e in plist} == {handles[0]}


def test_sync_facade(card: Path, tmp_path: Path):
    with EmulatorThread([card], writable=True, rescan_interval=None) as emu:
        with ptpkit.sync.connect(emu.host, emu.port) as camera:
            assert camera.is_connected and camera.camera_name == "ptpkit camera"
            assert camera.device_info.model == "Emulated Camera"
            assert isinstance(camera.aio, ptpkit.Camera)
            files = camera.list_objects()
            assert {o.relative_path for o in files} >= {"big.bin", "notes/readme.txt"}
            assert [o.name for o in camera.walk("notes")] == ["readme.txt"]
            obj = camera.find("big.bin")
            path = camera.download(obj, tmp_path)
            assert path.read_bytes() == (card / "big.bin").read_bytes()
            assert camera.get_object(camera.find("notes/readme.txt").handle) == b"hello camera\n"
            chunks: list[bytes] = []
            assert camera.get_partial_object(obj.handle, 0, 10, chunks.append) == 10
            assert camera.get_partial_object_64(obj.handle, 10, 5) == path.read_bytes()[10:15]
            events = camera.events(timeout=5)
            shots = camera.capture(timeout=10)
            assert len(shots) == 1
            assert camera.get_property("batterylevel") == camera.get_device_prop_value(0x5001)
            assert camera.ping() >= 0
            assert camera.storages()[0].name == "store_00010001"
            assert camera.get_storage_info(camera.get_storage_ids()[0]).volume_label
            assert camera.supports(OperationCode.GetObject)
            emu.call(emu.server.inject_event, EventCode.StoreFull, (1,))
            names = []
            for event in events:
                names.append(event.name)
                if event.name == "StoreFull":
                    break
            events.close()
            assert "StoreFull" in names
            quiet = camera.events(timeout=0.1)
            assert list(quiet) == []
            up = camera.upload(tmp_path / "big.bin", name="again.bin")
            assert up.size == obj.size
            camera.delete(up)
        assert not camera.is_connected
    with pytest.raises(ConnectError):
        ptpkit.sync.connect("127.0.0.1", free_port())


def test_sync_facade_ctrl_c_cancels_the_transfer(tmp_path: Path):
    card = tmp_path / "card"
    card.mkdir()
    (card / "large.bin").write_bytes(random_bytes(48 * MiB, 11))
    dest = tmp_path / "out"
    dest.mkdir()
    interrupted = threading.Event()

    def on_sigint(signum: int, frame: object) -> None:
        interrupted.set()
        raise KeyboardInterrupt

    def progress(done: int, total: int | None) -> None:
        if done >= MiB and not interrupted.is_set():
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C, delivered to the main thread
            interrupted.wait(10)

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        with EmulatorThread([card], data_chunk_size=64 * 1024, rescan_interval=None) as emu:  # noqa: SIM117
            with ptpkit.sync.connect(emu.host, emu.port) as camera:
                obj = camera.find("large.bin")
                with pytest.raises(KeyboardInterrupt):
                    camera.download(obj, dest, progress=progress)
                assert interrupted.is_set() and camera.is_connected
                part = dest / "large.bin.part"
                assert MiB <= part.stat().st_size < obj.size
                camera.download(obj, dest)  # resumes
    finally:
        signal.signal(signal.SIGINT, previous)
    assert (dest / "large.bin").read_bytes() == (card / "large.bin").read_bytes()


def test_public_names():
    for name in ("connect", "Camera", "DeviceInfo", "StorageInfo", "ObjectInfo", "DevicePropDesc"):
        assert hasattr(ptpkit, name)
    assert set(ptpkit.__all__) <= set(dir(ptpkit))
    assert os.environ.get("PTPKIT_CONFIG_DIR")  # conftest isolates the identity
