"""Operation handlers: reading objects (GetObject, the partial reads, GetThumb); the
data is streamed from the file by the server."""

from __future__ import annotations

from ptpkit.aio.responder_app import FileRegion, Reply
from ptpkit.emulator.camera_core import CameraCore, OperationTable
from ptpkit.emulator.operations import Initiator, Request, operation
from ptpkit.proto.codes import OperationCode, ResponseCode, VendorOperationCode

__all__ = ["HANDLERS"]

_U32_MAX = 0xFFFFFFFF

Op = OperationCode


#: This group's operations, in the order DeviceInfo lists them.
HANDLERS: OperationTable = {}


def _object_region(cam: CameraCore, handle: int, offset: int, count: int) -> FileRegion:
    file = cam.store.open_object(handle)
    return FileRegion(file, offset, count)


@operation(HANDLERS, Op.GetObject, "in")
def _get_object(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    handle = req.p(0)
    if cam.store.is_association(handle):
        return Reply(ResponseCode.AccessDenied)
    size = cam.store.object_size(handle)
    return Reply(data=_object_region(cam, handle, 0, size))


def _partial(cam: CameraCore, handle: int, offset: int, max_bytes: int) -> Reply:
    if cam.store.is_association(handle):
        return Reply(ResponseCode.AccessDenied)
    size = cam.store.object_size(handle)
    if offset > size:
        return Reply(ResponseCode.InvalidParameter)
    count = min(max_bytes, size - offset, _U32_MAX)
    if count == 0:
        return Reply(params=(0,), data=b"")
    return Reply(params=(count,), data=_object_region(cam, handle, offset, count))


@operation(HANDLERS, Op.GetPartialObject, "in")
def _get_partial_object(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    return _partial(cam, req.p(0), req.p(1), req.p(2))


@operation(HANDLERS, VendorOperationCode.AndroidGetPartialObject64, "in")
def _get_partial_object_64(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    """Handle, offset low 32 bits, offset high 32 bits, max bytes → p1 = bytes sent."""
    return _partial(cam, req.p(0), req.p(1) | (req.p(2) << 32), req.p(3))


@operation(HANDLERS, Op.GetThumb, "in")
def _get_thumb(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    return Reply(data=cam.store.thumbnail(req.p(0)))
