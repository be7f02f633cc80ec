"""Operation handlers: device properties (descriptions, values, set and reset)."""

from __future__ import annotations

from ptpkit.aio.responder_app import Reply
from ptpkit.emulator.camera_core import CameraCore, OperationTable
from ptpkit.emulator.operations import BufferSink, Initiator, Request, Result, operation
from ptpkit.emulator.properties import PropertyError
from ptpkit.proto.codes import EventCode, OperationCode

__all__ = ["HANDLERS"]

Op = OperationCode
Ev = EventCode


#: This group's operations, in the order DeviceInfo lists them.
HANDLERS: OperationTable = {}


@operation(HANDLERS, Op.GetDevicePropDesc, "in")
def _get_device_prop_desc(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    return Reply(data=cam.properties.desc(req.p(0)).encode())


@operation(HANDLERS, Op.GetDevicePropValue, "in")
def _get_device_prop_value(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    return Reply(data=cam.properties.encoded_value(req.p(0)))


@operation(HANDLERS, Op.SetDevicePropValue, "out")
def _set_device_prop_value(cam: CameraCore, who: Initiator, req: Request) -> Result:
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

    return BufferSink(complete, limit=4096)


@operation(HANDLERS, Op.ResetDevicePropValue)
def _reset_device_prop_value(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    for code in cam.properties.reset(req.p(0)):
        cam.broadcast(Ev.DevicePropChanged, (code,))
    return Reply()
