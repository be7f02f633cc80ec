"""Capturing a picture: what the camera's dialect does for it (:mod:`ptpkit.dialects`),
and the standard way, which the generic dialect uses (:meth:`Capture._standard_capture`).

The camera announces the new objects with ObjectAdded (and CaptureComplete). A camera
that sends no events is not waited on in vain: the handles taken before InitiateCapture
are compared with the camera's handles after it (polled once a second after a short
grace), and the new files are the capture. Only files count: a camera announces a new
folder (DCIM/101XXXXX) with ObjectAdded too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from ptpkit.aio.listing import Listing
from ptpkit.aio.models import CameraObject, EventsDropped
from ptpkit.errors import CaptureTimeoutError, PtpResponseError, PtpTimeoutError
from ptpkit.proto.codes import ALL, TID_NONE, EventCode, OperationCode, ResponseCode

_EVENT_GRACE = 2.0  # without an ObjectAdded this long, the handles are compared too
_POLL = 1.0  # then once a second
_SETTLE = 0.5  # new handles found: look once more for a second file (RAW + JPEG)


class Capture(Listing):
    """Capture, on top of the operations, the events and the listing (for the new
    objects' paths)."""

    async def capture(
        self, timeout: float = 30.0, *, storage_id: int = 0, object_format: int = 0
    ) -> list[CameraObject]:
        """Take a picture; the objects it added (with their paths).

        Generic cameras: InitiateCapture, then ObjectAdded and CaptureComplete, or the
        handles compared when the camera sends no events. A vendor's dialect may return
        an object that lives only in the camera's memory (Nikon's 0xFFFF0001):
        :meth:`download` fetches it like any other, and then frees the camera's memory.
        StoreFull raises :class:`~ptpkit.errors.PtpResponseError`; nothing new within
        ``timeout`` seconds, :class:`~ptpkit.errors.CaptureTimeoutError`.
        """
        return await self.dialect.capture(
            timeout, storage_id=storage_id, object_format=object_format
        )

    async def _standard_capture(
        self, timeout: float, *, storage_id: int = 0, object_format: int = 0
    ) -> list[CameraObject]:
        """InitiateCapture, then wait for ObjectAdded and CaptureComplete; the new files.

        Cameras that do not list CaptureComplete among their events are taken to be done
        at the first file's ObjectAdded; cameras that send no events at all, by comparing
        their handles before and after. StoreFull raises :class:`PtpResponseError`;
        nothing new within ``timeout`` raises :class:`CaptureTimeoutError`.
        """
        stream = self._subscribe()
        try:
            events = self.device_info.events_supported
            before = await self._capture_handles()
            tid = await self.initiate_capture(storage_id, object_format)
            tids = {tid, self._last_request_tid, TID_NONE}  # the camera's id, and ours
            found: dict[int, CameraObject] = {}
            waits_for_complete = EventCode.CaptureComplete in events or not events
            assert self._loop is not None
            start = self._loop.time()
            deadline = start + timeout
            # A camera that lists no ObjectAdded is compared from the start.
            grace = min(_EVENT_GRACE, timeout / 3)
            poll_at = start + (grace if EventCode.ObjectAdded in events or not events else 0)
            while True:
                now = self._loop.time()
                if now >= deadline:
                    raise CaptureTimeoutError(
                        f"the capture did not complete within {timeout:g} s "
                        "(no new object appeared)"
                    )
                if before is not None and now >= poll_at:
                    await self._add_files(found, await self._new_handles(before))
                    if found:
                        break
                    poll_at = self._loop.time() + _POLL
                wait = deadline - now
                if before is not None:
                    wait = min(wait, max(poll_at - now, 0.0))
                try:
                    event = await stream.get(wait)
                except PtpTimeoutError:
                    continue  # a poll is due, or the deadline passed
                if isinstance(event, EventsDropped):
                    continue
                if event.transaction_id not in tids:
                    continue
                if event.code == EventCode.ObjectAdded and event.params:
                    # A new folder (DCIM/101XXXXX) is announced too: only files count.
                    await self._add_files(found, event.params[:1])
                    if found and not waits_for_complete:
                        break
                elif event.code == EventCode.CaptureComplete:
                    if not found and before is not None:
                        await self._add_files(found, await self._new_handles(before))
                    break
                elif event.code == EventCode.StoreFull:
                    raise PtpResponseError(
                        ResponseCode.StoreFull, operation=OperationCode.InitiateCapture
                    )
        finally:
            stream.close()
        return list(found.values())

    async def _add_files(self, found: dict[int, CameraObject], handles: Sequence[int]) -> None:
        for handle in handles:
            if handle in found:
                continue
            try:
                obj = await self._object(handle)
            except PtpResponseError:
                continue  # already gone again
            if not obj.is_folder:
                found[handle] = obj

    async def _capture_handles(self) -> frozenset[int] | None:
        """Every handle before a capture (None: the camera cannot list them all)."""
        try:
            return frozenset(await self.get_object_handles(ALL, 0, 0))
        except PtpResponseError:
            return None

    async def _new_handles(self, before: frozenset[int]) -> list[int]:
        """Handles that were not there before the capture; once some show up, a moment
        later again (a camera that stores a RAW and a JPEG writes them one by one)."""
        try:
            new = [h for h in await self.get_object_handles(ALL, 0, 0) if h not in before]
            if new:
                await asyncio.sleep(_SETTLE)
                more = await self.get_object_handles(ALL, 0, 0)
                new += [h for h in more if h not in before and h not in new]
        except PtpResponseError:
            return []
        return sorted(new)
