"""Operation handlers: device information and sessions."""

from __future__ import annotations

from ptpkit.aio.responder_app import Reply
from ptpkit.emulator.camera_core import CameraCore, OperationTable
from ptpkit.emulator.operations import Initiator, Request, operation
from ptpkit.proto.codes import OperationCode, ResponseCode

__all__ = ["HANDLERS"]

Op = OperationCode


#: This group's operations, in the order DeviceInfo lists them.
HANDLERS: OperationTable = {}


@operation(HANDLERS, Op.GetDeviceInfo, "in", session=False)
def _get_device_info(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    if cam._device_info is None:
        cam._device_info = cam.device_info().encode()
    return Reply(data=cam._device_info)


@operation(HANDLERS, Op.OpenSession, session=False)
def _open_session(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    session_id = req.p(0)
    if who.session_id is not None:
        return Reply(ResponseCode.SessionAlreadyOpen, (who.session_id,))
    if session_id == 0:
        return Reply(ResponseCode.InvalidParameter)
    who.session_id = session_id
    return Reply()


@operation(HANDLERS, Op.CloseSession)
def _close_session(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    cam._end_session(who)
    return Reply()
