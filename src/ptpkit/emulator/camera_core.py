"""The camera behind the operation handlers: sessions, dispatch, events, rescans, captures.

:class:`CameraCore` is the application behind :class:`~ptpkit.aio.server.PtpipServer`
(it implements :class:`~ptpkit.aio.responder_app.ResponderApp`). It never touches a
socket: :meth:`CameraCore.dispatch` looks each operation up in the camera's operation
table (:mod:`ptpkit.emulator.operations`) and calls its handler, after the checks every
operation shares (listed at all, session open, writable, the arrival rescan done). What
the handlers need from the camera — the storage, the object cache, the properties,
events to the other initiators, rescans, the capture state — lives here; the rules the
generic camera follows are described in :mod:`ptpkit.emulator.camera`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any, TypeAlias

from ptpkit.aio.responder_app import InitiatorLink, Reply
from ptpkit.emulator.backend import Storage
from ptpkit.emulator.device import CameraIdentity, DeviceDescription, build_device_info
from ptpkit.emulator.faults import Faults
from ptpkit.emulator.imaging import generate_capture_jpeg
from ptpkit.emulator.objects import ObjectCache
from ptpkit.emulator.operations import Initiator, OperationSpec, Result, build_request
from ptpkit.emulator.properties import DeviceProperties, PropertyError
from ptpkit.emulator.store_uploads import PendingUpload
from ptpkit.errors import StoreError
from ptpkit.proto.codes import ALL, TID_NONE, EventCode, ResponseCode
from ptpkit.proto.datasets import DeviceInfo
from ptpkit.proto.events import OperationRequested

__all__ = ["CameraCore", "OperationTable"]

log = logging.getLogger("ptpkit.emulator")

Ev = EventCode


#: Operation code → how a camera answers it (see :mod:`ptpkit.emulator.operations`).
OperationTable: TypeAlias = "dict[int, OperationSpec[CameraCore]]"


class CameraCore:
    """A virtual PTP camera over a :class:`~ptpkit.emulator.backend.Storage`, answering
    the operations of ``operations`` (see the module documentation).

    :class:`~ptpkit.emulator.camera.EmulatedCamera` is this with the generic camera's
    operation table and DeviceInfo description.
    """

    def __init__(
        self,
        store: Storage,
        *,
        operations: Mapping[int, OperationSpec[CameraCore]],
        description: DeviceDescription,
        identity: CameraIdentity | None = None,
        properties: DeviceProperties | None = None,
        writable: bool = False,
        allow_format: bool = False,
        faults: Faults | None = None,
        rescan_interval: float | None = 2.0,
        open_capture_interval: float = 1.0,
        mtp: bool = False,
    ) -> None:
        self.store = store
        self.operations = operations
        self.description = description
        self.identity = (identity or CameraIdentity()).resolved()
        self.properties = properties or DeviceProperties()
        self.writable = writable
        self.allow_format = allow_format
        self.faults = faults or Faults()
        self.rescan_interval = rescan_interval
        self.open_capture_interval = open_capture_interval
        self.mtp = mtp
        self.objects = ObjectCache(store)
        self.initiators: list[Initiator] = []
        self._capturing = False
        self._open_capture: tuple[Initiator, int, asyncio.Task[None] | None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._rescan_task: asyncio.Task[None] | None = None
        self._scan: asyncio.Task[None] | None = None  # the rescan under way
        self._tasks: set[asyncio.Task[Any]] = set()
        self._device_info: bytes | None = None
        self.captures = 0

    # -- ResponderApp ---------------------------------------------------------------------
    @property
    def guid(self) -> bytes:
        guid = self.identity.guid
        assert guid is not None
        return guid

    @property
    def friendly_name(self) -> str:
        return self.identity.friendly_name

    def connect(self, link: InitiatorLink) -> Initiator:
        self._loop = asyncio.get_running_loop()
        who = Initiator(link)
        self.initiators.append(who)
        if self.rescan_interval is not None:
            # Files may have changed while nobody was looking: rescan now, not one
            # interval from now (the initiator's operations wait for it, see dispatch).
            who.arrival_scan = self._rescan_soon()
            if self._rescan_task is None:
                self._rescan_task = asyncio.get_running_loop().create_task(self._rescan_loop())
        return who

    def disconnect(self, who: Initiator) -> None:
        self._end_session(who)
        with contextlib.suppress(ValueError):
            self.initiators.remove(who)
        if not self.initiators and self._rescan_task is not None:
            self._rescan_task.cancel()
            self._rescan_task = None

    def dispatch(self, who: Initiator, request: OperationRequested) -> Result:
        """Answer one operation (the server calls this for every OperationRequested)."""
        spec = self.operations.get(request.code)
        if (
            spec is None
            or (spec.needs == "format" and not self.allow_format)
            or (spec.needs == "mtp" and not self.mtp)
        ):
            return Reply(ResponseCode.OperationNotSupported)
        if spec.session and not who.session_open:
            return Reply(ResponseCode.SessionNotOpen)
        scan = who.arrival_scan
        if scan is not None:
            if spec.session and not scan.done() and not request.data_out:
                return self._after_scan(scan, who, request)
            if scan.done():
                who.arrival_scan = None
        if spec.needs in ("writable", "format") and not self.writable:
            return Reply(ResponseCode.StoreReadOnly)
        req = build_request(request.code, request.transaction_id, request.params)
        try:
            return spec.handler(self, who, req)
        except (StoreError, PropertyError) as exc:
            return Reply(exc.code)

    async def _after_scan(
        self, scan: asyncio.Task[None], who: Initiator, request: OperationRequested
    ) -> Reply:
        """Answer ``request`` once the rescan under way is done (it never raises)."""
        await asyncio.shield(scan)
        try:
            result = self.dispatch(who, request)
            if isinstance(result, Reply):
                return result
            if isinstance(result, Coroutine):
                return await result
            return result.finish()  # a data-out operation that announced no data
        except Exception:  # as the server does for an operation answered at once
            log.exception("operation 0x%04X failed", request.code)
            return Reply(ResponseCode.GeneralError)

    async def aclose(self) -> None:
        """Stop background work (rescans, captures) and drop pending uploads."""
        for who in list(self.initiators):
            self.disconnect(who)
        tasks = [t for t in self._tasks if not t.done()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # -- identity and capabilities ----------------------------------------------------------
    def supports(self, spec: OperationSpec[CameraCore]) -> bool:
        """Whether ``spec`` is listed in OperationsSupported."""
        if spec.needs == "format":
            return self.allow_format and self.writable
        if spec.needs == "writable":
            return self.writable
        if spec.needs == "mtp":
            return self.mtp
        return True

    def device_info(self) -> DeviceInfo:
        operations = tuple(code for code, spec in self.operations.items() if self.supports(spec))
        return build_device_info(self.description, self.identity, operations, self.properties.codes)

    # -- events -----------------------------------------------------------------------------
    def deliver_event(
        self, who: Initiator, code: int, params: tuple[int, ...] = (), tid: int = TID_NONE
    ) -> None:
        """How an event reaches one initiator; every event the camera raises goes
        through here. By default it is sent on that initiator's PTP/IP event channel; a
        persona whose cameras are polled for events (Nikon GetEvent, Canon EOS
        GetEvent) overrides this to queue it for the initiator's next poll (and decides
        whether to send it on the channel too)."""
        who.send_event(code, params, tid)

    def inject_event(self, code: int, params: tuple[int, ...] = (), tid: int = TID_NONE) -> None:
        """An event for every connected initiator, delivered as the camera's own are
        (tests, ``EmulatorServer.inject_event``)."""
        for who in list(self.initiators):
            self.deliver_event(who, code, params, tid)

    def broadcast(
        self,
        code: int,
        params: tuple[int, ...] = (),
        transaction_id: int = TID_NONE,
        *,
        exclude: Initiator | None = None,
    ) -> None:
        """Send an event to every initiator (but ``exclude``)."""
        if code in (Ev.ObjectRemoved, Ev.ObjectInfoChanged) and params:
            self.objects.forget(params[:1])
        for who in list(self.initiators):
            if who is not exclude:
                self.deliver_event(who, code, params, transaction_id)

    def _later(self, action: Callable[[], None]) -> None:
        """Run ``action`` on the event loop (handlers' slow work runs in threads)."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(action)

    def _broadcast_removed_soon(self, handles: Sequence[int], exclude: Initiator | None) -> None:
        """From a worker thread: ObjectRemoved for ``handles`` to the other initiators."""
        gone = tuple(handles)

        def send() -> None:
            for handle in gone:
                self.broadcast(Ev.ObjectRemoved, (handle,), exclude=exclude)

        if gone:
            self._later(send)

    def _rescan_soon(self) -> asyncio.Task[None]:
        """Start a rescan of the folders, unless one is under way; the rescan's task."""
        scan = self._scan
        if scan is None or scan.done():
            scan = self._scan = asyncio.get_running_loop().create_task(self._rescan())
            self._tasks.add(scan)
            scan.add_done_callback(self._tasks.discard)
        return scan

    async def _rescan(self) -> None:
        """Look for outside changes to the folders and announce them (never raises)."""
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(None, self.store.rescan_detailed)
        except Exception:
            log.exception("rescan failed")
            return
        self.objects.forget((*result.removed, *result.changed))
        for handle in result.added:
            self.broadcast(Ev.ObjectAdded, (handle,))
        for handle in result.removed:
            self.broadcast(Ev.ObjectRemoved, (handle,))
        for handle in result.changed:
            self.broadcast(Ev.ObjectInfoChanged, (handle,))

    async def _rescan_loop(self) -> None:
        interval = self.rescan_interval
        assert interval is not None
        while True:
            await asyncio.sleep(interval)
            # shielded: stopping the loop (nobody connected) lets a rescan finish
            await asyncio.shield(self._rescan_soon())

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- sessions ---------------------------------------------------------------------------
    def _end_session(self, who: Initiator) -> None:
        who.session_id = None
        who.drop_pending()
        if self._open_capture is not None and self._open_capture[0] is who:
            self._stop_open_capture()

    def _retry_upload(self, who: Initiator, upload: PendingUpload) -> None:
        """A SendObject failed or was cancelled: drop its data but keep the ObjectInfo, so
        SendObject can be retried (ISO 15740). The retry may get a new handle."""
        upload.abort()
        if who.pending is not upload:
            return
        who.pending = None
        if not upload.needs_data:
            return
        try:
            who.pending = self.store.begin_upload(upload.storage_id, upload.parent, upload.info)
        except StoreError as exc:
            log.info("cannot keep the ObjectInfo for a retry: %s", exc)

    # -- captures -----------------------------------------------------------------------------
    def _capture_storage(self, storage_id: int) -> int:
        """The storage a capture goes to (0 = the first one); StoreError when unusable."""
        ids = self.store.storage_ids()
        sid = storage_id or ids[0]
        if sid not in ids:
            raise StoreError(ResponseCode.InvalidStorageID)
        if not self.store.is_writable(sid):
            raise StoreError(ResponseCode.StoreReadOnly)
        return sid

    async def render_capture(self) -> bytes:
        """A freshly generated JPEG at the ImageSize setting (counted in ``captures``)."""
        loop = asyncio.get_running_loop()
        width, height = self.properties.image_size
        self.captures += 1
        text = f"{self.identity.model} #{self.captures}"
        return await loop.run_in_executor(
            None,
            functools.partial(
                generate_capture_jpeg,
                width,
                height,
                text=text,
                when=self.properties.now(),
                make=self.identity.manufacturer,
                model=self.identity.model,
            ),
        )

    async def capture(self, storage_id: int = 0) -> int:
        """Generate a JPEG at the ImageSize setting and store it; returns its handle."""
        loop = asyncio.get_running_loop()
        data = await self.render_capture()
        before = set(self.store.handles(ALL, 0, 0))
        handle = await loop.run_in_executor(None, self.store.add_capture, storage_id, data, ".JPG")
        # Folders the capture created (DCIM/100PTPKT): every initiator hears of them.
        for folder in sorted(set(self.store.handles(ALL, 0, 0)) - before - {handle}):
            if self.store.is_association(folder):
                self.broadcast(Ev.ObjectAdded, (folder,))
        return handle

    def _stop_open_capture(self) -> None:
        if self._open_capture is not None:
            _, _, task = self._open_capture
            self._open_capture = None
            if task is not None:
                task.cancel()
