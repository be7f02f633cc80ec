"""The emulated camera: identity, operation handlers, properties, captures and events.

:class:`EmulatedCamera` is the application behind :class:`~ptpkit.aio.server.PtpipServer`.
It never touches a socket: each operation is looked up in :data:`OPERATION_HANDLERS`
(operation code → :class:`OperationSpec`, which declares the data direction, whether an
open session is needed and whether the operation writes to the storage) and its handler
returns a :class:`~ptpkit.aio.server.Reply` (response code, every documented response
parameter, and the data-in phase as bytes or a file region to stream), a
:class:`~ptpkit.aio.server.DataSink` for a data-out phase, or a coroutine giving the
Reply when the work is slow (deleting trees, copying, formatting).

Rules that keep real initiators happy (reference §1.12, gphoto2-interop.md):

* VendorExtensionID 0 and a neutral manufacturer, so gphoto2 takes its generic path;
  no MTP operations are listed unless asked for (``mtp``: GetObjectPropList and
  GetObjectPropsSupported, see :mod:`ptpkit.emulator.objects`).
* Every documented response parameter is always sent (gphoto2 otherwise keeps the
  request's values): SendObjectInfo → 3, GetNumObjects → 1, GetPartialObject → 1.
* InitiateCapture answers OK at once; the JPEG is generated afterwards and announced with
  ObjectAdded(handle) and then CaptureComplete, both carrying the capture's transaction
  id (gphoto2 waits for CaptureComplete forever).
* Storage-changing operations (delete, upload, move, copy, protection, capture, format)
  are listed in OperationsSupported only when the camera is writable (and FormatStore
  only with ``allow_format``); called anyway they answer StoreReadOnly
  (OperationNotSupported for FormatStore).
* Bad parameters get their own response codes: SessionNotOpen, InvalidObjectHandle,
  InvalidStorageID, InvalidParentObject, InvalidParameter, NoValidObjectInfo,
  StoreReadOnly, ObjectWriteProtected, StoreFull, DeviceBusy, DevicePropNotSupported,
  InvalidDevicePropFormat/Value, AccessDenied, SessionAlreadyOpen (with the open session
  id as p1), OperationNotSupported for anything unknown.

Events: ObjectAdded/ObjectRemoved/ObjectInfoChanged go to the *other* initiators when an
initiator changes the storage (it knows what it did); DevicePropChanged goes to every
initiator; outside changes to the folders, found by a rescan when an initiator connects
and periodically while initiators are connected, go to everyone (a new initiator's
operations in a session wait for the rescan its arrival started, so that they see what
changed while nobody was connected).

GetObjectInfo answers come from :class:`~ptpkit.emulator.objects.ObjectCache`: kept per
(handle, size, mtime), checked against the file on every request.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import uuid
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, TypeAlias

from ptpkit import __version__
from ptpkit.aio.server import DataSink, FileRegion, InitiatorLink, Reply
from ptpkit.emulator.faults import CaptureMode, Faults
from ptpkit.emulator.folder_store import PendingUpload, ScanResult, StoreError
from ptpkit.emulator.imaging import generate_capture_jpeg
from ptpkit.emulator.objects import ObjectCache, object_props, props_for
from ptpkit.emulator.properties import DeviceProperties, PropertyError
from ptpkit.errors import DecodeError
from ptpkit.proto.codes import (
    ALL,
    ROOT,
    TID_NONE,
    EventCode,
    MtpOperationCode,
    MtpResponseCode,
    ObjectFormat,
    OperationCode,
    ResponseCode,
    VendorOperationCode,
)
from ptpkit.proto.datasets import (
    DeviceInfo,
    ObjectInfo,
    ObjectPropList,
    StorageInfo,
    encode_u16_array,
    encode_u32_array,
)
from ptpkit.proto.events import OperationRequested
from ptpkit.proto.records import unchecked_builder

__all__ = [
    "OPERATION_HANDLERS",
    "CameraIdentity",
    "EmulatedCamera",
    "Initiator",
    "OperationSpec",
    "Storage",
]

log = logging.getLogger("ptpkit.emulator")

_OK = ResponseCode.OK
_U32_MAX = 0xFFFFFFFF
_MAX_DATASET = 64 << 10  # largest ObjectInfo / property value we accept as data-out

Op = OperationCode
Ev = EventCode


# -- the storage the camera needs ---------------------------------------------------------
class Storage(Protocol):
    """The storage backend (implemented by :class:`~ptpkit.emulator.folder_store.FolderStore`).

    Failures raise :class:`~ptpkit.emulator.folder_store.StoreError` with a response code.
    """

    def storage_ids(self) -> list[int]: ...
    def is_writable(self, storage_id: int) -> bool: ...
    def storage_info(self, storage_id: int) -> StorageInfo: ...
    def handles(self, storage_id: int = ALL, format: int = 0, parent: int = 0) -> list[int]: ...
    def is_association(self, handle: int) -> bool: ...
    def object_info(self, handle: int) -> ObjectInfo: ...
    def object_size(self, handle: int) -> int: ...
    def object_path(self, handle: int) -> Path: ...
    def open_object(self, handle: int) -> Any: ...
    def thumbnail(self, handle: int) -> bytes: ...
    def begin_upload(self, storage_id: int, parent: int, info: ObjectInfo) -> PendingUpload: ...
    def delete(self, handle: int, format: int = 0) -> list[int]: ...
    def move(self, handle: int, storage_id: int, parent: int) -> None: ...
    def copy(self, handle: int, storage_id: int, parent: int) -> int: ...
    def set_protection(self, handle: int, status: int) -> None: ...
    def format_storage(self, storage_id: int) -> list[int]: ...
    def add_capture(self, storage_id: int | None, data: bytes, ext: str = ".JPG") -> int: ...
    def rescan_detailed(self, *, attempts: int = 3) -> ScanResult: ...
    def close(self) -> None: ...


# -- identity ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class CameraIdentity:
    """Who the camera says it is (Init Command Ack and DeviceInfo).

    The defaults keep gphoto2 on its generic PTP path: VendorExtensionID 0 and a
    manufacturer without a brand gphoto2 knows. ``guid`` None = a random GUID.
    """

    friendly_name: str = "ptpkit camera"
    manufacturer: str = "ptpkit"
    model: str = "Emulated Camera"
    device_version: str = __version__
    serial_number: str = ""
    guid: bytes | None = None

    def resolved(self) -> CameraIdentity:
        """The same identity with a GUID and a serial number filled in."""
        guid = self.guid if self.guid is not None else uuid.uuid4().bytes
        if len(guid) != 16:
            raise ValueError("a GUID is 16 bytes")
        serial = self.serial_number or guid.hex()[:12].upper()
        return CameraIdentity(
            friendly_name=self.friendly_name,
            manufacturer=self.manufacturer,
            model=self.model,
            device_version=self.device_version,
            serial_number=serial,
            guid=guid,
        )


# -- per-initiator state ------------------------------------------------------------------------
class Initiator:
    """One connected initiator, as the camera sees it."""

    def __init__(self, link: InitiatorLink) -> None:
        self.link = link
        self.session_id: int | None = None
        self.pending: PendingUpload | None = None
        #: the rescan this initiator's arrival started: its operations wait for it
        self.arrival_scan: asyncio.Task[None] | None = None

    @property
    def session_open(self) -> bool:
        return self.session_id is not None

    def send_event(
        self, code: int, params: tuple[int, ...] = (), transaction_id: int = TID_NONE
    ) -> None:
        self.link.send_event(code, params, transaction_id)

    def drop_pending(self) -> None:
        if self.pending is not None:
            pending, self.pending = self.pending, None
            pending.abort()

    def __repr__(self) -> str:
        return f"<Initiator {self.link.connection_number} {self.link.friendly_name!r}>"


@dataclass(frozen=True, slots=True)
class Request:
    """An operation as handlers see it; missing parameters read as 0."""

    code: int
    transaction_id: int
    params: tuple[int, ...]

    def p(self, index: int) -> int:
        return self.params[index] if index < len(self.params) else 0


# Made for every operation, from fields the session has already read off the wire.
_build_request = unchecked_builder(Request)

Result: TypeAlias = "Reply | DataSink | Coroutine[Any, Any, Reply]"
Handler: TypeAlias = "Callable[[EmulatedCamera, Initiator, Request], Result]"
Direction: TypeAlias = Literal["none", "in", "out"]
Needs: TypeAlias = Literal["", "writable", "format", "mtp"]


@dataclass(frozen=True, slots=True)
class OperationSpec:
    """One entry of :data:`OPERATION_HANDLERS`."""

    code: int
    handler: Handler
    data: Direction = "none"  # data phase: none, in (to the initiator), out (from it)
    session: bool = True  # needs an open session (else SessionNotOpen)
    needs: Needs = ""  # "writable": listed and allowed only when writable; "format": FormatStore;
    # "mtp": an MTP operation, listed and allowed only when the camera offers MTP


#: Operation code → how the camera answers it.
OPERATION_HANDLERS: dict[int, OperationSpec] = {}


def _operation(
    code: int, data: Direction = "none", *, session: bool = True, needs: Needs = ""
) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        OPERATION_HANDLERS[code] = OperationSpec(code, handler, data, session, needs)
        return handler

    return register


class _BufferSink:
    """Collects a small data-out phase (a dataset or a value) and answers at the end."""

    def __init__(self, on_complete: Callable[[bytes], Reply], limit: int = _MAX_DATASET) -> None:
        self._parts: list[bytes] = []
        self._size = 0
        self._limit = limit
        self._on_complete = on_complete

    def write(self, data: bytes) -> None:
        self._size += len(data)
        if self._size <= self._limit:
            self._parts.append(data)

    def finish(self) -> Reply:
        if self._size > self._limit:
            return Reply(ResponseCode.InvalidDataSet)
        return self._on_complete(b"".join(self._parts))

    def abort(self) -> None:
        self._parts.clear()


class _UploadSink:
    """SendObject: streams the data phase into the pending upload's temporary file."""

    #: Each piece is written to the file before write() returns: the server may pass views
    #: of its receive buffer (no copy on the way to the disk).
    takes_views = True

    def __init__(self, camera: EmulatedCamera, who: Initiator, upload: PendingUpload) -> None:
        self._camera = camera
        self._who = who
        self._upload = upload
        self._error: int | None = None
        self._received = 0

    def write(self, data: bytes | memoryview) -> None:
        self._received += len(data)
        if self._error is not None:
            return
        try:
            self._upload.write(data)
        except StoreError as exc:
            self._error = exc.code

    def finish(self) -> Reply:
        upload = self._upload
        expected = upload.expected_size
        if self._error is None and expected is not None and self._received != expected:
            self._error = ResponseCode.IncompleteTransfer
        if self._error is None and not upload.needs_data and self._received:
            self._error = ResponseCode.InvalidParameter  # data for a folder
        if self._error is not None:
            self._camera._retry_upload(self._who, upload)
            return Reply(self._error)
        try:
            handle = upload.commit()
        except StoreError as exc:
            self._camera._retry_upload(self._who, upload)
            return Reply(exc.code)
        if self._who.pending is upload:
            self._who.pending = None
        self._camera.broadcast(Ev.ObjectAdded, (handle,), exclude=self._who)
        return Reply()

    def abort(self) -> None:
        self._camera._retry_upload(self._who, self._upload)


# -- the camera ---------------------------------------------------------------------------------
class EmulatedCamera:
    """A virtual PTP camera over a :class:`Storage` (see the module documentation)."""

    def __init__(
        self,
        store: Storage,
        *,
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
        spec = OPERATION_HANDLERS.get(request.code)
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
        req = _build_request(request.code, request.transaction_id, request.params)
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
    def supports(self, spec: OperationSpec) -> bool:
        """Whether ``spec`` is listed in OperationsSupported."""
        if spec.needs == "format":
            return self.allow_format and self.writable
        if spec.needs == "writable":
            return self.writable
        if spec.needs == "mtp":
            return self.mtp
        return True

    def device_info(self) -> DeviceInfo:
        ident = self.identity
        return DeviceInfo(
            standard_version=100,
            vendor_extension_id=0,
            vendor_extension_version=0,
            vendor_extension_desc="",
            functional_mode=0,
            operations_supported=tuple(
                code for code, spec in OPERATION_HANDLERS.items() if self.supports(spec)
            ),
            events_supported=_EVENTS_SUPPORTED,
            device_properties_supported=self.properties.codes,
            capture_formats=(ObjectFormat.EXIF_JPEG,),
            image_formats=_IMAGE_FORMATS,
            manufacturer=ident.manufacturer,
            model=ident.model,
            device_version=ident.device_version,
            serial_number=ident.serial_number,
        )

    # -- events -----------------------------------------------------------------------------
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
                who.send_event(code, params, transaction_id)

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

    async def capture(self, storage_id: int = 0) -> int:
        """Generate a JPEG at the ImageSize setting and store it; returns its handle."""
        loop = asyncio.get_running_loop()
        width, height = self.properties.image_size
        self.captures += 1
        text = f"{self.identity.model} #{self.captures}"
        data = await loop.run_in_executor(
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
        before = set(self.store.handles(ALL, 0, 0))
        handle = await loop.run_in_executor(None, self.store.add_capture, storage_id, data, ".JPG")
        # Folders the capture created (DCIM/100PTPKT): every initiator hears of them.
        for folder in sorted(set(self.store.handles(ALL, 0, 0)) - before - {handle}):
            if self.store.is_association(folder):
                self.broadcast(Ev.ObjectAdded, (folder,))
        return handle

    async def _capture_with_events(self, who: Initiator, tid: int, storage_id: int) -> None:
        mode = self.faults.capture
        try:
            if self.faults.event_delay:
                await asyncio.sleep(self.faults.event_delay)
            try:
                handle = await self.capture(storage_id)
            except StoreError as exc:
                log.info("capture failed: %s", exc)
                if exc.code == ResponseCode.StoreFull:
                    who.send_event(Ev.StoreFull, (storage_id,), tid)
                else:  # never leave gphoto2 waiting for CaptureComplete forever
                    who.send_event(Ev.CaptureComplete, (), tid)
                return
            if mode in (
                CaptureMode.NORMAL,
                CaptureMode.EVENTS_FIRST,
                CaptureMode.NO_CAPTURE_COMPLETE,
            ):
                who.send_event(Ev.ObjectAdded, (handle,), tid)
            if mode is not CaptureMode.NO_EVENTS:
                self.broadcast(Ev.ObjectAdded, (handle,), exclude=who)
            if mode in (CaptureMode.NORMAL, CaptureMode.EVENTS_FIRST, CaptureMode.NO_OBJECT_ADDED):
                who.send_event(Ev.CaptureComplete, (), tid)
        finally:
            self._capturing = False

    async def _open_capture_loop(self, who: Initiator, tid: int, storage_id: int) -> None:
        try:
            while True:
                try:
                    handle = await self.capture(storage_id)
                except StoreError as exc:
                    if exc.code == ResponseCode.StoreFull:
                        who.send_event(Ev.StoreFull, (storage_id,), tid)
                        return
                    log.info("open capture failed: %s", exc)
                else:
                    who.send_event(Ev.ObjectAdded, (handle,), tid)
                    self.broadcast(Ev.ObjectAdded, (handle,), exclude=who)
                await asyncio.sleep(self.open_capture_interval)
        finally:
            if self._open_capture is not None and self._open_capture[1] == tid:
                self._open_capture = None

    def _stop_open_capture(self) -> None:
        if self._open_capture is not None:
            _, _, task = self._open_capture
            self._open_capture = None
            if task is not None:
                task.cancel()


# -- handlers: device and session --------------------------------------------------------------
@_operation(Op.GetDeviceInfo, "in", session=False)
def _get_device_info(cam: EmulatedCamera, who: Initiator, req: Request) -> Reply:
    if cam._device_info is None:
        cam._device_info = cam.device_info().encode()
    return Reply(data=cam._device_info)


@_operation(Op.OpenSession, session=False)
def _open_session(cam: EmulatedCamera, who: Initiator, req: Request) -> Reply:
    session_id = req.p(0)
    if who.session_id is not None:
        return Reply(ResponseCode.SessionAlreadyOpen, (who.session_id,))
    if session_id == 0:
        return Reply(ResponseCode.InvalidParameter)
    who.session_id = session_id
    return Reply()


@_operation(Op.CloseSession)
def _close_session(cam: EmulatedCamera, who: Initiator, req: Request) -> Reply:
    cam._end_session(who)
    return Reply()


# -- handlers: storages and listing -------------------------------------------------------------
@_operation(Op.GetStorageIDs, "in")
def _get_storage_ids(cam: EmulatedCamera, who: Initiator, req: Request) -> Reply:
    return Reply(data=encode_u32_array(cam.store.storage_ids()))


@_operation(Op.GetStorageInfo, "in")
def _get_storage_info(cam: EmulatedCamera, who: Initiator, req: Request) -> Reply:
    return Reply(data=cam.store.storage_info(req.p(0)).encode())


def _listing(cam: EmulatedCamera, req: Request) -> list[int]:
    storage_id, fmt, parent = req.p(0), req.p(1), req.p(2)
    if storage_id == 0:
        raise StoreError(ResponseCode.InvalidStorageID, "storage 0")
    return cam.store.handles(storage_id, fmt, parent)


@_operation(Op.GetNumObjects)
def _get_num_objects(cam: EmulatedCamera, who: Initiator, req: Request) -> Reply:
    return Reply(params=(len(_listing(cam, req)),))


@_operation(Op.GetObjectHandles, "in")
def _get_object_handles(cam: EmulatedCamera, who: Initiator, req: Request) -> Reply:
    return Reply(data=encode_u32_array(_listing(cam, req)))


@_operation(Op.GetObjectInfo, "in")
def _get_object_info(cam: EmulatedCamera, who: Initiator, req: Request) -> Reply:
    return cam.objects.facts(req.p(0)).info_reply


# -- handlers: MTP object properties (listed only with ``mtp``) -------------------------------
_ALL_PROPS = ALL
_DEPTH_ALL = 0xFFFFFFFF


@_operation(MtpOperationCode.GetObjectPropsSupported, "in", needs="mtp")
def _get_object_props_supported(cam: EmulatedCamera, who: Initiator, req: Request) -> Reply:
    """p1 = object format (0: any) → AUINT16 of the object property codes."""
    return Reply(data=encode_u16_array(props_for(req.p(0))))


def _prop_list_handles(cam: EmulatedCamera, handle: int, depth: int) -> list[int]:
    """The objects GetObjectPropList(handle, depth) is about, parents before children.

    ``handle`` 0xFFFFFFFF: every object (depth does not matter). Otherwise depth 0 is the
    object itself (none for 0, the root), and depth N the objects 1 … N levels below it
    (0xFFFFFFFF: every level); handle 0 stands for the root of every storage.
    """
    store = cam.store
    if handle == ALL:
        return store.handles(ALL, 0, 0)
    if handle != 0:
        store.is_association(handle)  # InvalidObjectHandle when unknown
    if depth == 0:
        return [] if handle == 0 else [handle]
    found: list[int] = []
    level = [ROOT if handle == 0 else handle]
    while level and depth > 0:
        below: list[int] = []
        for parent in level:
            if parent == ROOT or store.is_association(parent):
                below.extend(store.handles(ALL, 0, parent))
        found.extend(below)
        level = below
        depth = depth - 1 if depth != _DEPTH_ALL else depth
    return found


@_operation(MtpOperationCode.GetObjectPropList, "in", needs="mtp")
def _get_object_prop_list(cam: EmulatedCamera, who: Initiator, req: Request) -> Reply:
    """p1 handle (0xFFFFFFFF: all), p2 format (0: any), p3 property (0xFFFFFFFF: all;
    0: by group, which is not supported), p4 group, p5 depth → an ObjectPropList."""
    handle, fmt, prop, group, depth = (req.p(i) for i in range(5))
    if prop == 0:
        code = MtpResponseCode.SpecificationByGroupUnsupported if group else None
        return Reply(code or ResponseCode.ParameterNotSupported)
    if prop != _ALL_PROPS and prop not in props_for(0):
        return Reply(MtpResponseCode.ObjectPropNotSupported)
    facts = [cam.objects.facts(h) for h in _prop_list_handles(cam, handle, depth)]
    if fmt:
        facts = [f for f in facts if f.info.object_format == fmt]
    if prop == _ALL_PROPS:  # the common case: each object's elements are kept encoded
        chunks = [f.props() for f in facts]
        count = sum(n for _, n in chunks)
        data = count.to_bytes(4, "little") + b"".join(chunk for chunk, _ in chunks)
        return Reply(data=data)
    elements = [
        element
        for f in facts
        for element in object_props(f.handle, f.info, f.size)
        if element.prop_code == prop
    ]
    return Reply(data=ObjectPropList(tuple(elements)).encode())


# -- handlers: reading objects ---------------------------------------------------------------
def _object_region(cam: EmulatedCamera, handle: int, offset: int, count: int) -> FileRegion:
    file = cam.store.open_object(handle)
    return FileRegion(file, offset, count)


@_operation(Op.GetObject, "in")
def _get_object(cam: EmulatedCamera, who: Initiator, req: Request) -> Reply:
    handle = req.p(0)
    if cam.store.is_association(handle):
        return Reply(ResponseCode.AccessDenied)
    size = cam.store.object_size(handle)
    return Reply(data=_object_region(cam, handle, 0, size))


def _partial(cam: EmulatedCamera, handle: int, offset: int, max_bytes: int) -> Reply:
    if cam.store.is_association(handle):
        return Reply(ResponseCode.AccessDenied)
    size = cam.store.object_size(handle)
    if offset > size:
        return Reply(ResponseCode.InvalidParameter)
    count = min(max_bytes, size - offset, _U32_MAX)
    if count == 0:
        return Reply(params=(0,), data=b"")
    return Reply(params=(count,), data=_object_region(cam, handle, offset, count))


@_operation(Op.GetPartialObject, "in")
def _get_partial_object(cam: EmulatedCamera, who: Initiator, req: Request) -> Reply:
    return _partial(cam, req.p(0), req.p(1), req.p(2))


@_operation(VendorOperationCode.AndroidGetPartialObject64, "in")
def _get_partial_object_64(cam: EmulatedCamera, who: Initiator, req: Request) -> Reply:
    """Handle, offset low 32 bits, offset high 32 bits, max bytes → p1 = bytes sent."""
    return _partial(cam, req.p(0), req.p(1) | (req.p(2) << 32), req.p(3))


@_operation(Op.GetThumb, "in")
def _get_thumb(cam: EmulatedCamera, who: Initiator, req: Request) -> Reply:
    return Reply(data=cam.store.thumbnail(req.p(0)))


# -- handlers: changing the storage ---------------------------------------------------------
async def _in_executor(func: Callable[[], Reply]) -> Reply:
    """Run slow storage work (disk trees, copies) off the event loop."""
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(None, func)
    except (StoreError, PropertyError) as exc:
        return Reply(exc.code)


@_operation(Op.DeleteObject, needs="writable")
def _delete_object(cam: EmulatedCamera, who: Initiator, req: Request) -> Result:
    handle, fmt = req.p(0), req.p(1)
    if handle == 0:
        return Reply(ResponseCode.InvalidObjectHandle)
    if handle != ALL and fmt != 0:
        return Reply(ResponseCode.SpecificationByFormatUnsupported)

    def work() -> Reply:
        try:
            removed = cam.store.delete(handle, fmt)
        except StoreError as exc:
            if exc.handles:
                cam._broadcast_removed_soon(exc.handles, who)
            raise
        cam._broadcast_removed_soon(removed, who)
        return Reply()

    return _in_executor(work)


@_operation(Op.SendObjectInfo, "out", needs="writable")
def _send_object_info(cam: EmulatedCamera, who: Initiator, req: Request) -> DataSink:
    storage_id, parent = req.p(0), req.p(1)

    def complete(data: bytes) -> Reply:
        try:
            info = ObjectInfo.decode(data)
        except DecodeError:
            return Reply(ResponseCode.InvalidDataSet)
        if storage_id not in (0, *cam.store.storage_ids()):
            return Reply(ResponseCode.InvalidStorageID)
        who.drop_pending()  # a new SendObjectInfo replaces the pending one
        try:
            upload = cam.store.begin_upload(storage_id, parent, info)
        except StoreError as exc:
            return Reply(exc.code)
        who.pending = upload
        if not upload.needs_data:  # a folder exists as soon as its ObjectInfo is accepted
            cam.broadcast(Ev.ObjectAdded, (upload.handle,), exclude=who)
        parent_param = upload.parent if upload.parent else ROOT
        return Reply(params=(upload.storage_id, parent_param, upload.handle))

    return _BufferSink(complete)


@_operation(Op.SendObject, "out", needs="writable")
def _send_object(cam: EmulatedCamera, who: Initiator, req: Request) -> Result:
    upload = who.pending
    if upload is None or upload.state == "aborted":
        return Reply(ResponseCode.NoValidObjectInfo)
    return _UploadSink(cam, who, upload)


@_operation(Op.MoveObject, needs="writable")
def _move_object(cam: EmulatedCamera, who: Initiator, req: Request) -> Result:
    handle, storage_id, parent = req.p(0), req.p(1), req.p(2)

    def work() -> Reply:
        cam.store.move(handle, storage_id, parent)
        cam.objects.forget((handle,))
        cam._later(lambda: cam.broadcast(Ev.ObjectInfoChanged, (handle,), exclude=who))
        return Reply()

    return _in_executor(work)


@_operation(Op.CopyObject, needs="writable")
def _copy_object(cam: EmulatedCamera, who: Initiator, req: Request) -> Result:
    handle, storage_id, parent = req.p(0), req.p(1), req.p(2)

    def work() -> Reply:
        new = cam.store.copy(handle, storage_id, parent)
        cam._later(lambda: cam.broadcast(Ev.ObjectAdded, (new,), exclude=who))
        return Reply(params=(new,))

    return _in_executor(work)


@_operation(Op.SetObjectProtection, needs="writable")
def _set_object_protection(cam: EmulatedCamera, who: Initiator, req: Request) -> Reply:
    handle, status = req.p(0), req.p(1)
    cam.store.set_protection(handle, status)
    cam.objects.forget((handle,))
    cam.broadcast(Ev.ObjectInfoChanged, (handle,), exclude=who)
    return Reply()


@_operation(Op.FormatStore, needs="format")
def _format_store(cam: EmulatedCamera, who: Initiator, req: Request) -> Result:
    storage_id, fs_format = req.p(0), req.p(1)
    if storage_id not in cam.store.storage_ids():
        return Reply(ResponseCode.InvalidStorageID)
    if fs_format > 3:  # 0 default, 1 flat, 2 hierarchical, 3 DCF
        return Reply(ResponseCode.ParameterNotSupported)

    def work() -> Reply:
        try:
            removed = cam.store.format_storage(storage_id)
        except StoreError as exc:
            cam._broadcast_removed_soon(exc.handles, who)
            raise
        cam._broadcast_removed_soon(removed, who)
        cam._later(lambda: cam.broadcast(Ev.StorageInfoChanged, (storage_id,)))
        return Reply()

    return _in_executor(work)


# -- handlers: capture ---------------------------------------------------------------------
_CAPTURE_FORMATS = (0, ObjectFormat.EXIF_JPEG)


@_operation(Op.InitiateCapture, needs="writable")
def _initiate_capture(cam: EmulatedCamera, who: Initiator, req: Request) -> Reply:
    storage_id, fmt = req.p(0), req.p(1)
    if fmt not in _CAPTURE_FORMATS:
        return Reply(ResponseCode.InvalidObjectFormatCode)
    sid = cam._capture_storage(storage_id)
    if cam._capturing or cam._open_capture is not None:
        return Reply(ResponseCode.DeviceBusy)
    cam._capturing = True
    tid = req.transaction_id

    async def run() -> None:
        await cam._capture_with_events(who, tid, sid)

    if cam.faults.capture is CaptureMode.EVENTS_FIRST:
        return Reply(before=run)
    return Reply(after=run)


@_operation(Op.InitiateOpenCapture, needs="writable")
def _initiate_open_capture(cam: EmulatedCamera, who: Initiator, req: Request) -> Reply:
    storage_id, fmt = req.p(0), req.p(1)
    if fmt not in _CAPTURE_FORMATS:
        return Reply(ResponseCode.InvalidObjectFormatCode)
    sid = cam._capture_storage(storage_id)
    if cam._capturing or cam._open_capture is not None:
        return Reply(ResponseCode.DeviceBusy)
    tid = req.transaction_id

    async def start() -> None:
        if cam._open_capture is None or cam._open_capture[1] != tid:
            return  # terminated (or the session ended) before it started
        task = asyncio.get_running_loop().create_task(cam._open_capture_loop(who, tid, sid))
        cam._open_capture = (who, tid, task)
        cam._tasks.add(task)
        task.add_done_callback(cam._tasks.discard)

    cam._open_capture = (who, tid, None)  # the task starts once OK is written
    return Reply(after=start)


@_operation(Op.TerminateOpenCapture)
def _terminate_open_capture(cam: EmulatedCamera, who: Initiator, req: Request) -> Reply:
    current = cam._open_capture
    if current is None or current[0] is not who:
        return Reply(ResponseCode.CaptureAlreadyTerminated)
    if req.p(0) != current[1]:
        return Reply(ResponseCode.InvalidTransactionID)
    cam._stop_open_capture()
    return Reply()


# -- handlers: device properties ----------------------------------------------------------------
@_operation(Op.GetDevicePropDesc, "in")
def _get_device_prop_desc(cam: EmulatedCamera, who: Initiator, req: Request) -> Reply:
    return Reply(data=cam.properties.desc(req.p(0)).encode())


@_operation(Op.GetDevicePropValue, "in")
def _get_device_prop_value(cam: EmulatedCamera, who: Initiator, req: Request) -> Reply:
    return Reply(data=cam.properties.encoded_value(req.p(0)))


@_operation(Op.SetDevicePropValue, "out")
def _set_device_prop_value(cam: EmulatedCamera, who: Initiator, req: Request) -> Result:
    code = req.p(0)
    cam.properties.spec(code)  # DevicePropNotSupported before reading the data

    def complete(data: bytes) -> Reply:
        try:
            changed = cam.properties.set_encoded(code, data)
        except PropertyError as exc:
            return Reply(exc.code)
        if changed:
            cam.broadcast(Ev.DevicePropChanged, (code,))
        return Reply()

    return _BufferSink(complete, limit=4096)


@_operation(Op.ResetDevicePropValue)
def _reset_device_prop_value(cam: EmulatedCamera, who: Initiator, req: Request) -> Reply:
    for code in cam.properties.reset(req.p(0)):
        cam.broadcast(Ev.DevicePropChanged, (code,))
    return Reply()


_EVENTS_SUPPORTED: tuple[int, ...] = (
    Ev.CancelTransaction,
    Ev.ObjectAdded,
    Ev.ObjectRemoved,
    Ev.DevicePropChanged,
    Ev.ObjectInfoChanged,
    Ev.StoreFull,
    Ev.StorageInfoChanged,
    Ev.CaptureComplete,
)

_IMAGE_FORMATS: tuple[int, ...] = (
    ObjectFormat.Undefined,
    ObjectFormat.Association,
    ObjectFormat.Text,
    ObjectFormat.WAV,
    ObjectFormat.MP3,
    ObjectFormat.AVI,
    ObjectFormat.MPEG,
    ObjectFormat.QuickTime,
    ObjectFormat.UndefinedImage,
    ObjectFormat.EXIF_JPEG,
    ObjectFormat.TIFF_EP,
    ObjectFormat.BMP,
    ObjectFormat.GIF,
    ObjectFormat.PNG,
    ObjectFormat.TIFF,
    ObjectFormat.JP2,
    ObjectFormat.DNG,
    ObjectFormat.MTP_MP4,
)
