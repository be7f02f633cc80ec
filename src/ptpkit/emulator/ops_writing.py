"""Operation handlers that change the storage: delete, upload (SendObjectInfo and
SendObject), move, copy, protection and FormatStore. Listed only when the camera is
writable; the slow work runs in a thread (:func:`~ptpkit.emulator.operations.in_executor`)."""

from __future__ import annotations

from ptpkit.aio.responder_app import DataSink, Reply
from ptpkit.emulator.camera_core import CameraCore, OperationTable
from ptpkit.emulator.operations import (
    BufferSink,
    Initiator,
    Request,
    Result,
    in_executor,
    operation,
)
from ptpkit.emulator.store_uploads import PendingUpload
from ptpkit.errors import DecodeError, StoreError
from ptpkit.proto.codes import ALL, ROOT, EventCode, OperationCode, ResponseCode
from ptpkit.proto.datasets import ObjectInfo

__all__ = ["HANDLERS"]

Op = OperationCode
Ev = EventCode


#: This group's operations, in the order DeviceInfo lists them.
HANDLERS: OperationTable = {}


class _UploadSink:
    """SendObject: streams the data phase into the pending upload's temporary file."""

    #: Each piece is written to the file before write() returns: the server may pass views
    #: of its receive buffer (no copy on the way to the disk).
    takes_views = True

    def __init__(self, camera: CameraCore, who: Initiator, upload: PendingUpload) -> None:
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


@operation(HANDLERS, Op.DeleteObject, needs="writable")
def _delete_object(cam: CameraCore, who: Initiator, req: Request) -> Result:
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

    return in_executor(work)


@operation(HANDLERS, Op.SendObjectInfo, "out", needs="writable")
def _send_object_info(cam: CameraCore, who: Initiator, req: Request) -> DataSink:
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

    return BufferSink(complete)


@operation(HANDLERS, Op.SendObject, "out", needs="writable")
def _send_object(cam: CameraCore, who: Initiator, req: Request) -> Result:
    upload = who.pending
    if upload is None or upload.state == "aborted":
        return Reply(ResponseCode.NoValidObjectInfo)
    return _UploadSink(cam, who, upload)


@operation(HANDLERS, Op.MoveObject, needs="writable")
def _move_object(cam: CameraCore, who: Initiator, req: Request) -> Result:
    handle, storage_id, parent = req.p(0), req.p(1), req.p(2)

    def work() -> Reply:
        cam.store.move(handle, storage_id, parent)
        cam.objects.forget((handle,))
        cam._later(lambda: cam.broadcast(Ev.ObjectInfoChanged, (handle,), exclude=who))
        return Reply()

    return in_executor(work)


@operation(HANDLERS, Op.CopyObject, needs="writable")
def _copy_object(cam: CameraCore, who: Initiator, req: Request) -> Result:
    handle, storage_id, parent = req.p(0), req.p(1), req.p(2)

    def work() -> Reply:
        new = cam.store.copy(handle, storage_id, parent)
        cam._later(lambda: cam.broadcast(Ev.ObjectAdded, (new,), exclude=who))
        return Reply(params=(new,))

    return in_executor(work)


@operation(HANDLERS, Op.SetObjectProtection, needs="writable")
def _set_object_protection(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    handle, status = req.p(0), req.p(1)
    cam.store.set_protection(handle, status)
    cam.objects.forget((handle,))
    cam.broadcast(Ev.ObjectInfoChanged, (handle,), exclude=who)
    return Reply()


@operation(HANDLERS, Op.FormatStore, needs="format")
def _format_store(cam: CameraCore, who: Initiator, req: Request) -> Result:
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

    return in_executor(work)
