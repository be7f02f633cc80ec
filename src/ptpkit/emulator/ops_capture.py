"""Operation handlers: InitiateCapture and open capture, and the event sequences that
follow a capture (ObjectAdded, CaptureComplete, as
:class:`~ptpkit.emulator.faults.CaptureMode` says)."""

from __future__ import annotations

import asyncio
import logging

from ptpkit.aio.responder_app import Reply
from ptpkit.emulator.camera_core import CameraCore, OperationTable
from ptpkit.emulator.faults import CaptureMode
from ptpkit.emulator.operations import Initiator, Request, operation
from ptpkit.errors import StoreError
from ptpkit.proto.codes import EventCode, ObjectFormat, OperationCode, ResponseCode

__all__ = ["HANDLERS"]

log = logging.getLogger("ptpkit.emulator")

Op = OperationCode
Ev = EventCode


#: This group's operations, in the order DeviceInfo lists them.
HANDLERS: OperationTable = {}


_CAPTURE_FORMATS = (0, ObjectFormat.EXIF_JPEG)


@operation(HANDLERS, Op.InitiateCapture, needs="writable")
def _initiate_capture(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    storage_id, fmt = req.p(0), req.p(1)
    if fmt not in _CAPTURE_FORMATS:
        return Reply(ResponseCode.InvalidObjectFormatCode)
    sid = cam._capture_storage(storage_id)
    if cam._capturing or cam._open_capture is not None:
        return Reply(ResponseCode.DeviceBusy)
    cam._capturing = True
    tid = req.transaction_id

    async def run() -> None:
        await _capture_with_events(cam, who, tid, sid)

    if cam.faults.capture is CaptureMode.EVENTS_FIRST:
        return Reply(before=run)
    return Reply(after=run)


@operation(HANDLERS, Op.InitiateOpenCapture, needs="writable")
def _initiate_open_capture(cam: CameraCore, who: Initiator, req: Request) -> Reply:
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
        task = asyncio.get_running_loop().create_task(_open_capture_loop(cam, who, tid, sid))
        cam._open_capture = (who, tid, task)
        cam._tasks.add(task)
        task.add_done_callback(cam._tasks.discard)

    cam._open_capture = (who, tid, None)  # the task starts once OK is written
    return Reply(after=start)


@operation(HANDLERS, Op.TerminateOpenCapture)
def _terminate_open_capture(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    current = cam._open_capture
    if current is None or current[0] is not who:
        return Reply(ResponseCode.CaptureAlreadyTerminated)
    if req.p(0) != current[1]:
        return Reply(ResponseCode.InvalidTransactionID)
    cam._stop_open_capture()
    return Reply()


async def _capture_with_events(cam: CameraCore, who: Initiator, tid: int, storage_id: int) -> None:
    mode = cam.faults.capture
    try:
        if cam.faults.event_delay:
            await asyncio.sleep(cam.faults.event_delay)
        try:
            handle = await cam.capture(storage_id)
        except StoreError as exc:
            log.info("capture failed: %s", exc)
            if exc.code == ResponseCode.StoreFull:
                cam.deliver_event(who, Ev.StoreFull, (storage_id,), tid)
            else:  # never leave gphoto2 waiting for CaptureComplete forever
                cam.deliver_event(who, Ev.CaptureComplete, (), tid)
            return
        if mode in (
            CaptureMode.NORMAL,
            CaptureMode.EVENTS_FIRST,
            CaptureMode.NO_CAPTURE_COMPLETE,
        ):
            cam.deliver_event(who, Ev.ObjectAdded, (handle,), tid)
        if mode is not CaptureMode.NO_EVENTS:
            cam.broadcast(Ev.ObjectAdded, (handle,), exclude=who)
        if mode in (CaptureMode.NORMAL, CaptureMode.EVENTS_FIRST, CaptureMode.NO_OBJECT_ADDED):
            cam.deliver_event(who, Ev.CaptureComplete, (), tid)
    finally:
        cam._capturing = False


async def _open_capture_loop(cam: CameraCore, who: Initiator, tid: int, storage_id: int) -> None:
    try:
        while True:
            try:
                handle = await cam.capture(storage_id)
            except StoreError as exc:
                if exc.code == ResponseCode.StoreFull:
                    cam.deliver_event(who, Ev.StoreFull, (storage_id,), tid)
                    return
                log.info("open capture failed: %s", exc)
            else:
                cam.deliver_event(who, Ev.ObjectAdded, (handle,), tid)
                cam.broadcast(Ev.ObjectAdded, (handle,), exclude=who)
            await asyncio.sleep(cam.open_capture_interval)
    finally:
        if cam._open_capture is not None and cam._open_capture[1] == tid:
            cam._open_capture = None
