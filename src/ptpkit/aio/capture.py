"""Capturing a picture and waiting for the objects it adds."""

from __future__ import annotations

from ptpkit.aio.listing import Listing
from ptpkit.aio.models import CameraObject, EventsDropped
from ptpkit.errors import PtpResponseError, PtpTimeoutError
from ptpkit.proto.codes import TID_NONE, EventCode, OperationCode, ResponseCode


class Capture(Listing):
    """Capture, on top of the operations, the events and the listing (for the new
    objects' paths)."""

    async def capture(
        self, timeout: float = 30.0, *, storage_id: int = 0, object_format: int = 0
    ) -> list[CameraObject]:
        """InitiateCapture, then wait for ObjectAdded and CaptureComplete; the new objects.

        Cameras that do not list CaptureComplete among their events are taken to be done
        at the first ObjectAdded. StoreFull raises :class:`PtpResponseError`.
        """
        stream = self._subscribe()
        try:
            tid = await self.initiate_capture(storage_id, object_format)
            added: list[int] = []
            waits_for_complete = (
                EventCode.CaptureComplete in self.device_info.events_supported
                or not self.device_info.events_supported
            )
            assert self._loop is not None
            deadline = self._loop.time() + timeout
            while True:
                left = deadline - self._loop.time()
                if left <= 0:
                    raise PtpTimeoutError(f"the capture did not complete within {timeout:g} s")
                try:
                    event = await stream.get(left)
                except PtpTimeoutError:
                    raise PtpTimeoutError(
                        f"the capture did not complete within {timeout:g} s"
                    ) from None
                if isinstance(event, EventsDropped):
                    continue
                if event.transaction_id not in (tid, TID_NONE):
                    continue
                if event.code == EventCode.ObjectAdded and event.params:
                    added.append(event.params[0])
                    if not waits_for_complete:
                        break
                elif event.code == EventCode.CaptureComplete:
                    break
                elif event.code == EventCode.StoreFull:
                    raise PtpResponseError(
                        ResponseCode.StoreFull, operation=OperationCode.InitiateCapture
                    )
        finally:
            stream.close()
        objects = [await self._object(handle) for handle in dict.fromkeys(added)]
        return [obj for obj in objects if not obj.is_folder]
