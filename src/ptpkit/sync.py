"""A blocking facade over the asyncio client, for scripts and the REPL.

``ptpkit.sync.connect(host)`` starts a private event loop in a daemon thread, connects
the asyncio :class:`ptpkit.aio.client.Camera` there, and returns a :class:`Camera` whose
methods are the asyncio camera's, run to completion. It is a wrapper, not a second
implementation: every method below is one call into the async client.

    >>> with ptpkit.sync.connect("192.168.1.10") as camera:  # doctest: +SKIP
    ...     for obj in camera.list_objects(object_format="jpeg"):
    ...         camera.download(obj, "photos/")

Ctrl-C during a call cancels the transaction under way (PTP/IP Cancel), waits for the
camera's answer so the session stays usable, then raises :class:`KeyboardInterrupt`.
Progress callbacks run in the loop's thread.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Coroutine, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, BinaryIO, Literal, TypeVar, overload

from ptpkit.aio import client as _aio
from ptpkit.aio.client import (
    DEFAULT_PORT,
    CameraEvent,
    CameraObject,
    EventsDropped,
    Response,
    Sink,
    Storage,
)
from ptpkit.aio.download import Notify
from ptpkit.aio.transfer import ProgressCallback
from ptpkit.localfiles import Existing
from ptpkit.proto.codes import ALL, ROOT
from ptpkit.proto.datasets import (
    DeviceInfo,
    DevicePropDesc,
    ObjectInfo,
    ObjectPropList,
    PtpValue,
    StorageInfo,
)

if TYPE_CHECKING:
    from ptpkit.dialects.base import Dialect

__all__ = ["Camera", "EventIterator", "connect"]

T = TypeVar("T")


class _LoopThread:
    """An event loop running in a daemon thread; ``run`` blocks on a coroutine there."""

    def __init__(self, cancel_timeout: float) -> None:
        self.loop = asyncio.new_event_loop()
        self._cancel_timeout = cancel_timeout
        self._thread = threading.Thread(target=self._main, name="ptpkit-sync", daemon=True)
        self._thread.start()

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("a blocking ptpkit call from inside its own event loop thread")
        finished = threading.Event()

        async def wrapper() -> T:
            try:
                return await coro
            finally:
                finished.set()

        future = asyncio.run_coroutine_threadsafe(wrapper(), self.loop)
        try:
            return future.result()
        except KeyboardInterrupt:
            future.cancel()  # cancels the task: the client sends Cancel and waits
            finished.wait(self._cancel_timeout + 5.0)
            raise

    def call_soon(self, func: Any, *args: Any) -> None:
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(func, *args)

    def stop(self) -> None:
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5.0)
        if not self._thread.is_alive():
            self.loop.close()


class EventIterator:
    """Blocking iterator over the camera's events (subscribed when created).

    With ``timeout``, iteration ends after that many seconds without an event. The
    iterator also ends when the camera is closed, and raises if the link failed.
    """

    def __init__(self, runner: _LoopThread, stream: _aio.EventStream, timeout: float | None):
        self._runner = runner
        self._stream = stream
        self._timeout = timeout

    def __iter__(self) -> EventIterator:
        return self

    def __next__(self) -> CameraEvent | EventsDropped:
        item = self._runner.run(_next_event(self._stream, self._timeout))
        if item is None:
            raise StopIteration
        return item

    def close(self) -> None:
        self._runner.call_soon(self._stream.close)

    def __enter__(self) -> EventIterator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


async def _next_event(
    stream: _aio.EventStream, timeout: float | None
) -> CameraEvent | EventsDropped | None:
    try:
        return await asyncio.wait_for(stream.__anext__(), timeout)
    except (StopAsyncIteration, asyncio.TimeoutError):
        return None


async def _make_stream(camera: _aio.Camera, maxsize: int | None) -> _aio.EventStream:
    return camera.events(maxsize)


class Camera:
    """A connected camera with blocking methods; see :class:`ptpkit.aio.client.Camera`
    for what each one does."""

    def __init__(self, runner: _LoopThread, camera: _aio.Camera) -> None:
        self._runner = runner
        self._camera = camera

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        return self._runner.run(coro)

    # -- connection -------------------------------------------------------------------
    @property
    def aio(self) -> _aio.Camera:
        """The asyncio camera underneath (use it only from the loop's thread)."""
        return self._camera

    @property
    def device_info(self) -> DeviceInfo:
        return self._camera.device_info

    @property
    def camera_name(self) -> str:
        return self._camera.camera_name

    @property
    def dialect(self) -> Dialect:
        """How the camera's vendor is spoken (:mod:`ptpkit.dialects`); its vendor
        operations are coroutines: run them with :attr:`aio`'s loop."""
        return self._camera.dialect

    @property
    def is_connected(self) -> bool:
        return self._camera.is_connected

    def close(self) -> None:
        """Close the session and the connections, and stop the loop thread."""
        try:
            if not self._runner.loop.is_closed():
                self._call(self._camera.close())
        finally:
            self._runner.stop()

    def __enter__(self) -> Camera:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def ping(self) -> float:
        return self._call(self._camera.ping())

    def events(self, timeout: float | None = None, maxsize: int | None = None) -> EventIterator:
        return EventIterator(self._runner, self._call(_make_stream(self._camera, maxsize)), timeout)

    def supports(self, operation: int) -> bool:
        return self._camera.supports(operation)

    def transaction(
        self,
        code: int,
        params: Sequence[int] = (),
        *,
        data: bytes | bytearray | memoryview | None = None,
        sink: Sink | None = None,
        progress: ProgressCallback | None = None,
        check: bool = True,
    ) -> Response:
        return self._call(
            self._camera.transaction(
                code, params, data=data, sink=sink, progress=progress, check=check
            )
        )

    # -- operations ---------------------------------------------------------------------
    def get_device_info(self) -> DeviceInfo:
        return self._call(self._camera.get_device_info())

    def open_session(self, session_id: int = 1) -> None:
        self._call(self._camera.open_session(session_id))

    def close_session(self) -> None:
        self._call(self._camera.close_session())

    def get_storage_ids(self) -> tuple[int, ...]:
        return self._call(self._camera.get_storage_ids())

    def get_storage_info(self, storage_id: int) -> StorageInfo:
        return self._call(self._camera.get_storage_info(storage_id))

    def get_num_objects(
        self, storage_id: int = ALL, object_format: int = 0, parent: int = 0
    ) -> int:
        return self._call(self._camera.get_num_objects(storage_id, object_format, parent))

    def get_object_handles(
        self, storage_id: int = ALL, object_format: int = 0, parent: int = 0
    ) -> tuple[int, ...]:
        return self._call(self._camera.get_object_handles(storage_id, object_format, parent))

    def get_object_info(self, handle: int) -> ObjectInfo:
        return self._call(self._camera.get_object_info(handle))

    def get_object_infos(self, handles: Sequence[int]) -> dict[int, ObjectInfo]:
        return self._call(self._camera.get_object_infos(handles))

    def get_object_props_supported(self, object_format: int = 0) -> tuple[int, ...]:
        return self._call(self._camera.get_object_props_supported(object_format))

    def get_object_prop_list(
        self,
        handle: int = ALL,
        object_format: int = 0,
        prop_code: int = ALL,
        group: int = 0,
        depth: int = 0,
    ) -> ObjectPropList:
        return self._call(
            self._camera.get_object_prop_list(handle, object_format, prop_code, group, depth)
        )

    @overload
    def get_object(self, handle: int) -> bytes: ...
    @overload
    def get_object(
        self, handle: int, sink: Sink, *, progress: ProgressCallback | None = None
    ) -> int: ...
    def get_object(
        self, handle: int, sink: Sink | None = None, *, progress: ProgressCallback | None = None
    ) -> bytes | int:
        if sink is None:
            return self._call(self._camera.get_object(handle))
        return self._call(self._camera.get_object(handle, sink, progress=progress))

    @overload
    def get_partial_object(self, handle: int, offset: int, max_bytes: int) -> bytes: ...
    @overload
    def get_partial_object(
        self,
        handle: int,
        offset: int,
        max_bytes: int,
        sink: Sink,
        *,
        progress: ProgressCallback | None = None,
    ) -> int: ...
    def get_partial_object(
        self,
        handle: int,
        offset: int,
        max_bytes: int,
        sink: Sink | None = None,
        *,
        progress: ProgressCallback | None = None,
    ) -> bytes | int:
        if sink is None:
            return self._call(self._camera.get_partial_object(handle, offset, max_bytes))
        return self._call(
            self._camera.get_partial_object(handle, offset, max_bytes, sink, progress=progress)
        )

    @overload
    def get_partial_object_64(self, handle: int, offset: int, max_bytes: int) -> bytes: ...
    @overload
    def get_partial_object_64(
        self,
        handle: int,
        offset: int,
        max_bytes: int,
        sink: Sink,
        *,
        progress: ProgressCallback | None = None,
    ) -> int: ...
    def get_partial_object_64(
        self,
        handle: int,
        offset: int,
        max_bytes: int,
        sink: Sink | None = None,
        *,
        progress: ProgressCallback | None = None,
    ) -> bytes | int:
        if sink is None:
            return self._call(self._camera.get_partial_object_64(handle, offset, max_bytes))
        return self._call(
            self._camera.get_partial_object_64(handle, offset, max_bytes, sink, progress=progress)
        )

    def get_thumb(self, handle: int) -> bytes:
        return self._call(self._camera.get_thumb(handle))

    def delete_object(self, handle: int, object_format: int = 0) -> None:
        self._call(self._camera.delete_object(handle, object_format))

    def send_object_info(
        self, info: ObjectInfo, storage_id: int = 0, parent: int = ROOT
    ) -> tuple[int, int, int]:
        return self._call(self._camera.send_object_info(info, storage_id, parent))

    def send_object(
        self,
        data: bytes | bytearray | memoryview | BinaryIO,
        *,
        size: int | None = None,
        progress: ProgressCallback | None = None,
    ) -> None:
        self._call(self._camera.send_object(data, size=size, progress=progress))

    def initiate_capture(self, storage_id: int = 0, object_format: int = 0) -> int:
        return self._call(self._camera.initiate_capture(storage_id, object_format))

    def initiate_open_capture(self, storage_id: int = 0, object_format: int = 0) -> int:
        return self._call(self._camera.initiate_open_capture(storage_id, object_format))

    def terminate_open_capture(self, transaction_id: int) -> None:
        self._call(self._camera.terminate_open_capture(transaction_id))

    def format_store(self, storage_id: int, filesystem_format: int | None = None) -> None:
        self._call(self._camera.format_store(storage_id, filesystem_format))

    def reset_device(self) -> None:
        self._call(self._camera.reset_device())

    def self_test(self, test_type: int = 0) -> None:
        self._call(self._camera.self_test(test_type))

    def set_object_protection(self, handle: int, protection_status: int) -> None:
        self._call(self._camera.set_object_protection(handle, protection_status))

    def power_down(self) -> None:
        self._call(self._camera.power_down())

    def get_device_prop_desc(self, code: int) -> DevicePropDesc:
        return self._call(self._camera.get_device_prop_desc(code))

    def get_device_prop_value(self, code: int, data_type: int | None = None) -> PtpValue:
        return self._call(self._camera.get_device_prop_value(code, data_type))

    def set_device_prop_value(
        self, code: int, value: PtpValue, data_type: int | None = None
    ) -> None:
        self._call(self._camera.set_device_prop_value(code, value, data_type))

    def reset_device_prop_value(self, code: int = ALL) -> None:
        self._call(self._camera.reset_device_prop_value(code))

    def move_object(self, handle: int, storage_id: int, parent: int = 0) -> None:
        self._call(self._camera.move_object(handle, storage_id, parent))

    def copy_object(self, handle: int, storage_id: int, parent: int = 0) -> int:
        return self._call(self._camera.copy_object(handle, storage_id, parent))

    # -- helpers --------------------------------------------------------------------------
    def storages(self) -> list[Storage]:
        return self._call(self._camera.storages())

    def object_at(self, handle: int) -> CameraObject:
        return self._call(self._camera.object_at(handle))

    def find(self, path: str) -> CameraObject:
        return self._call(self._camera.find(path))

    def list_objects(
        self,
        folder: str | None = None,
        *,
        storage: int | str | None = None,
        object_format: int | str | None = None,
        pattern: str | None = None,
        since: datetime | None = None,
        folders: bool = False,
        bulk: bool | None = None,
    ) -> list[CameraObject]:
        return self._call(
            self._camera.list_objects(
                folder,
                storage=storage,
                object_format=object_format,
                pattern=pattern,
                since=since,
                folders=folders,
                bulk=bulk,
            )
        )

    def list_objects_bulk(
        self, folder: str | None = None, *, folders: bool = True
    ) -> list[CameraObject]:
        return self._call(self._camera.list_objects_bulk(folder, folders=folders))

    def walk(
        self,
        folder: str | None = None,
        *,
        storage: int | str | None = None,
        object_format: int | str | None = None,
        pattern: str | None = None,
        since: datetime | None = None,
        folders: bool = False,
        bulk: bool | None = None,
    ) -> Iterator[CameraObject]:
        """Like the async ``walk``; the listing is read in full first."""
        return iter(
            self.list_objects(
                folder,
                storage=storage,
                object_format=object_format,
                pattern=pattern,
                since=since,
                folders=folders,
                bulk=bulk,
            )
        )

    @overload
    def download(
        self,
        obj: CameraObject | int | str,
        destination: str | os.PathLike[str],
        *,
        progress: ProgressCallback | None = None,
        resume: bool = True,
        existing: Existing | str = Existing.KEEP_BOTH,
        notify: Notify | None = None,
    ) -> Path: ...
    @overload
    def download(
        self,
        obj: list[CameraObject | int | str] | tuple[CameraObject | int | str, ...],
        destination: str | os.PathLike[str],
        *,
        progress: ProgressCallback | None = None,
        resume: bool = True,
        existing: Existing | str = Existing.KEEP_BOTH,
        notify: Notify | None = None,
    ) -> list[Path]: ...
    def download(self, obj: Any, destination: Any, **options: Any) -> Path | list[Path]:
        """:meth:`ptpkit.aio.client.Camera.download`: one object to a file or folder, or
        several into a folder; a different local file is never overwritten silently."""
        result: Path | list[Path] = self._call(self._camera.download(obj, destination, **options))
        return result

    def upload(
        self,
        path: str | os.PathLike[str],
        folder: CameraObject | str | None = None,
        *,
        name: str | None = None,
        storage: int | str | None = None,
        progress: ProgressCallback | None = None,
    ) -> CameraObject:
        return self._call(
            self._camera.upload(path, folder, name=name, storage=storage, progress=progress)
        )

    def delete(self, obj: CameraObject | int | str) -> None:
        self._call(self._camera.delete(obj))

    def mkdir(self, path: str) -> CameraObject:
        return self._call(self._camera.mkdir(path))

    def capture(
        self, timeout: float = 30.0, *, storage_id: int = 0, object_format: int = 0
    ) -> list[CameraObject]:
        return self._call(
            self._camera.capture(timeout, storage_id=storage_id, object_format=object_format)
        )

    def properties(self) -> list[DevicePropDesc]:
        return self._call(self._camera.properties())

    def describe_property(self, prop: str | int) -> DevicePropDesc:
        return self._call(self._camera.describe_property(prop))

    def get_property(self, prop: str | int) -> PtpValue:
        return self._call(self._camera.get_property(prop))

    def set_property(self, prop: str | int, value: PtpValue | str) -> None:
        self._call(self._camera.set_property(prop, value))

    def reset_property(self, prop: str | int) -> None:
        self._call(self._camera.reset_property(prop))


def connect(
    host: str,
    port: int = DEFAULT_PORT,
    *,
    guid: bytes | str | None = None,
    name: str | None = None,
    event_port: int | None = None,
    handshake_timeout: float | None = 60.0,
    response_timeout: float | None = 60.0,
    probe_interval: float | None = 15.0,
    probe_timeout: float = 10.0,
    connect_timeout: float = 10.0,
    cancel_timeout: float = 10.0,
    event_queue_size: int = 1000,
    session_id: int | Literal["connection"] = 1,
    open_session: bool = True,
    dialect: str | type[Dialect] = "auto",
    retry_session_id: bool = True,
) -> Camera:
    """Connect and open a session; a blocking :class:`Camera`. Same arguments as
    :func:`ptpkit.connect`. Use it in a ``with`` block, or call ``close()``."""
    runner = _LoopThread(cancel_timeout)

    async def open_camera() -> _aio.Camera:
        return await _aio.connect(
            host,
            port,
            guid=guid,
            name=name,
            event_port=event_port,
            handshake_timeout=handshake_timeout,
            response_timeout=response_timeout,
            probe_interval=probe_interval,
            probe_timeout=probe_timeout,
            connect_timeout=connect_timeout,
            cancel_timeout=cancel_timeout,
            event_queue_size=event_queue_size,
            session_id=session_id,
            open_session=open_session,
            dialect=dialect,
            retry_session_id=retry_session_id,
        )

    try:
        camera = runner.run(open_camera())
    except BaseException:
        runner.stop()
        raise
    return Camera(runner, camera)
