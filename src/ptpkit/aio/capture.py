"""Capturing a picture: what the camera's dialect does for it (:mod:`ptpkit.dialects`),
and the standard way, which the generic dialect uses (:meth:`Capture._standard_capture`).

The camera announces the new objects with ObjectAdded (and CaptureComplete). Whose
picture is whose, when other initiators upload and capture on the same camera (or
someone presses the shutter), goes by the events' transaction ids:

* an event carrying the capture's transaction id (the InitiateCapture's: ours, or the
  camera's own counter's) is the capture's: most cameras tag ObjectAdded and
  CaptureComplete so (ISO 15740: an event carries the id of the transaction it belongs
  to, else 0xFFFFFFFF);
* an event without one (0xFFFFFFFF) is someone's: another initiator's upload or capture,
  a picture taken on the camera. It counts only from a camera that does not tag its
  capture events (it has sent no tagged ObjectAdded or CaptureComplete in this session,
  nor in this capture: a tagged one arriving makes the untagged ones strangers'), and
  only for an object that could be the picture
  (:func:`~ptpkit.aio.models.could_be_picture`: a new image, not a folder, captured
  after the capture began by the camera's clock when the camera tells its time);
* a camera that sends no events is not waited on in vain: the handles taken before
  InitiateCapture are compared with the camera's handles after it (polled once a second
  after a short grace). Only new objects that could be the picture count, less those
  whose untagged ObjectAdded a tagging camera sent (strangers'). A camera without events
  cannot tell anyone's new picture from ours: all of them are returned.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from datetime import datetime

from ptpkit.aio.listing import Listing
from ptpkit.aio.models import CameraObject, EventsDropped, could_be_picture
from ptpkit.errors import CaptureTimeoutError, PtpResponseError, PtpTimeoutError
from ptpkit.proto.codes import (
    ALL,
    TID_NONE,
    DataType,
    DevicePropCode,
    EventCode,
    OperationCode,
    ResponseCode,
)
from ptpkit.proto.datasets.values import parse_ptp_datetime

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

    #: Whether this camera tags its capture events with the capture's transaction id:
    #: once seen in a session, untagged ObjectAdded events are strangers' for good.
    _tags_capture_events = False

    async def _standard_capture(
        self, timeout: float, *, storage_id: int = 0, object_format: int = 0
    ) -> list[CameraObject]:
        """InitiateCapture, then wait for ObjectAdded and CaptureComplete; the new files
        (whose they are: the module's documentation).

        Cameras that do not list CaptureComplete among their events are taken to be done
        at the first file's ObjectAdded; cameras that send no events at all, by comparing
        their handles before and after. StoreFull raises :class:`PtpResponseError`;
        nothing new within ``timeout`` raises :class:`CaptureTimeoutError`.
        """
        stream = self._subscribe()
        found: dict[int, CameraObject] = {}  # tagged as the capture's
        untagged: dict[int, CameraObject] = {}  # untagged, could be ours: kept unless tagged
        heard: set[int] = set()  # every untagged ObjectAdded's handle
        try:
            events = self.device_info.events_supported
            before = await self._capture_handles()
            since = None if self._tags_capture_events else await self._camera_clock()
            tid = await self.initiate_capture(storage_id, object_format)
            ours = {tid, self._last_request_tid} - {TID_NONE}  # the camera's id, and ours
            waits_for_complete = EventCode.CaptureComplete in events or not events
            assert self._loop is not None
            start = self._loop.time()
            deadline = start + timeout
            # A camera that lists no ObjectAdded is compared from the start.
            grace = min(_EVENT_GRACE, timeout / 3)
            poll_at = start + (grace if EventCode.ObjectAdded in events or not events else 0)
            completed = False
            while True:
                now = self._loop.time()
                if now >= deadline:
                    raise CaptureTimeoutError(
                        f"the capture did not complete within {timeout:g} s "
                        "(no new object appeared)"
                    )
                if before is not None and now >= poll_at:
                    if found:
                        break  # announced as ours; its CaptureComplete is late or not coming
                    strangers = heard if self._tags_capture_events else ()
                    new = await self._new_handles(before, strangers)
                    await self._add_files(found, new, since, confirm=True)
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
                tagged = event.transaction_id in ours
                if not tagged and event.transaction_id != TID_NONE:
                    continue  # another transaction's
                code, params = event.code, event.params
                if tagged and code in (EventCode.ObjectAdded, EventCode.CaptureComplete):
                    self._tags_capture_events = True
                if code == EventCode.ObjectAdded and params:
                    # A new folder (DCIM/101XXXXX) is announced too: only files count.
                    if tagged:
                        await self._add_files(found, params[:1])
                    else:
                        heard.add(params[0])
                        if not self._tags_capture_events:
                            await self._add_files(untagged, params[:1], since, confirm=True)
                    if not waits_for_complete and (found or self._mine(untagged)):
                        break
                elif code == EventCode.CaptureComplete and (
                    tagged or not self._tags_capture_events
                ):
                    completed = True
                    break
                elif code == EventCode.StoreFull and (tagged or not self._tags_capture_events):
                    raise PtpResponseError(
                        ResponseCode.StoreFull, operation=OperationCode.InitiateCapture
                    )
            if not found:
                found.update(self._mine(untagged))
            if not found and completed and before is not None:
                strangers = heard if self._tags_capture_events else ()
                new = await self._new_handles(before, strangers)
                await self._add_files(found, new, since, confirm=True)
        finally:
            stream.close()
        return list(found.values())

    def _mine(self, untagged: dict[int, CameraObject]) -> dict[int, CameraObject]:
        """The untagged new pictures, which are the capture's only from a camera that
        does not tag its capture events."""
        return {} if self._tags_capture_events else untagged

    async def _camera_clock(self) -> datetime | None:
        """The camera's clock (its DateTime property), or None when it does not say."""
        if DevicePropCode.DateTime not in self.device_info.device_properties_supported:
            return None
        try:
            value = await self.get_device_prop_value(DevicePropCode.DateTime, DataType.STR)
        except PtpResponseError:
            return None
        return parse_ptp_datetime(value) if isinstance(value, str) else None

    async def _add_files(
        self,
        found: dict[int, CameraObject],
        handles: Sequence[int],
        since: datetime | None = None,
        *,
        confirm: bool = False,
    ) -> None:
        """The files among ``handles`` into ``found``; with ``confirm``, only objects that
        could be the picture (:func:`~ptpkit.aio.models.could_be_picture`)."""
        for handle in handles:
            if handle in found:
                continue
            try:
                obj = await self._object(handle)
            except PtpResponseError:
                continue  # already gone again
            if confirm and not could_be_picture(obj.info, since):
                continue
            if not obj.is_folder:
                found[handle] = obj

    async def _capture_handles(self) -> frozenset[int] | None:
        """Every handle before a capture (None: the camera cannot list them all)."""
        try:
            return frozenset(await self.get_object_handles(ALL, 0, 0))
        except PtpResponseError:
            return None

    async def _new_handles(self, before: frozenset[int], strangers: Collection[int]) -> list[int]:
        """Handles that were not there before the capture (nor announced as someone
        else's: ``strangers``); once some show up, a moment later again (a camera that
        stores a RAW and a JPEG writes them one by one)."""
        try:
            new = [
                h
                for h in await self.get_object_handles(ALL, 0, 0)
                if h not in before and h not in strangers
            ]
            if new:
                await asyncio.sleep(_SETTLE)
                more = await self.get_object_handles(ALL, 0, 0)
                new += [h for h in more if h not in before and h not in new and h not in strangers]
        except PtpResponseError:
            return []
        return sorted(new)
