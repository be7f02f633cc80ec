"""The ``canon-eos`` dialect: Canon EOS bodies over Wi-Fi and Ethernet (dialects.md §2).

Chosen for a DeviceInfo with Canon's VendorExtensionID 0xB (or Microsoft's/MTP's id and
"Canon" in Manufacturer) that lists RemoteRelease 0x910F or RemoteReleaseOn 0x9128, as
gphoto2 chooses its EOS path.

- **Session**: SetRemoteMode(1) and SetEventMode(1) after OpenSession, then GetEvent until
  the camera has told everything (its properties); SetEventMode(0) and SetRemoteMode(0)
  before CloseSession, and TransferComplete for any capture left in the camera's memory.
- **Events**: an EOS camera does not use the PTP/IP event channel; the client polls
  GetEvent 0x9116 (:meth:`CanonEosDialect.poll_events`) while anyone listens: ten times a
  second while the camera has news, backing off to twice a second, then once a second,
  once it has been quiet for a while. The records become the events of ``events()``
  (:mod:`~ptpkit.dialects.canon_cache`).
- **Properties**: the EOS properties the records reported, with gphoto2's names (``iso``,
  ``aperture``, ``shutterspeed``, ``whitebalance``, ``drivemode``, ``imageformat``,
  ``batterylevel``, ``availableshots``, ``capturetarget``...) and values in words both
  ways; set with SetDevicePropValueEx 0x9110. DeviceInfo's standard properties as usual.
- **Capture**: RemoteRelease 0x910F; or, when the body lists RemoteReleaseOn/Off, a half
  press (0x9128 1), focus (up to 2 s), full press and release (0x9128 2, 0x9129 2, 0x9129
  1). Then GetEvent until the picture is announced: ObjectAddedEx (it is on the card) or
  RequestObjectTransfer (it waits in the camera's memory: CaptureDestination 4). A picture
  in memory comes back as a :class:`~ptpkit.aio.models.CameraObject` in no storage, which
  :meth:`~ptpkit.aio.client.Camera.download` reads with GetPartialObject in 1 MiB pieces
  (as gphoto2 does), then TransferComplete 0x9117 frees the camera's memory.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar, Union

from ptpkit.aio.models import CameraEvent, CameraObject
from ptpkit.dialects.base import CaptureTarget, capture_timed_out
from ptpkit.dialects.canon_cache import EosCache, MemoryCapture
from ptpkit.dialects.generic import GenericDialect, vendor_property_names
from ptpkit.errors import PtpResponseError
from ptpkit.proto.codes import ResponseCode
from ptpkit.proto.codes.vendor import GENERIC_EXTENSION_IDS
from ptpkit.proto.datasets import DeviceInfo, DevicePropDesc, ObjectInfo, PtpValue
from ptpkit.proto.vendors.canon import (
    CAPTURE_DESTINATION_CARD,
    CAPTURE_DESTINATION_HOST,
    EOS_PROPERTY_NAMES,
    IMAGE_FORMAT_PROPS,
    VENDOR,
    CameraStatusChanged,
    CanonDevicePropCode,
    CanonOperationCode,
    EosImageFormat,
    EosRecord,
    EosValue,
    ObjectAddedEx,
    ObjectAddedEx64,
    OLCInfoChanged,
    PropValueChanged,
    RequestObjectTransfer,
    RequestObjectTransfer64,
    SetPropValueEx,
    decode_events,
    eos_data_type,
    format_eos_value,
    parse_eos_value,
)

if TYPE_CHECKING:
    from ptpkit.aio.client import Camera

__all__ = ["MEMORY_PIECE", "CanonEosDialect", "ReleaseFailed"]

_log = logging.getLogger("ptpkit.client")

Eos = CanonOperationCode
_P = CanonDevicePropCode

#: GetEvent answers read in a row until one is empty, at most (start, refresh).
_DRAIN_LIMIT = 50
#: Pieces of a capture in the camera's memory (gphoto2 reads 1 MiB at a time).
MEMORY_PIECE = 1 << 20
#: Capture: the first GetEvent this soon after the release, then less often, at most.
_CAPTURE_POLL_FIRST = 0.05
_CAPTURE_POLL_MAX = 0.2
#: Half press: wait this long at most for the camera to report focus.
_FOCUS_TIMEOUT = 2.0
#: After the first picture of a release, wait this long at most for the others
#: (RAW + JPEG) and the camera's return to idle.
_SETTLE = 1.0
#: Properties are read again from GetEvent when the cache is older than this.
_FRESH = 0.5
#: Idle back-off: after this many empty polls in a row, poll only every n-th time.
_BACKOFF = ((300, 10), (50, 5), (10, 2))
#: What RemoteRelease's first response parameter means when it is not 0.
_RELEASE_FAILURES = {1: "no focus", 3: "mirror up", 7: "no card or card full", 8: "card locked"}
#: Focus mode "manual": a half press does not wait for focus.
_MANUAL_FOCUS = 3
_HALF, _FULL = 1, 2
_FOLDER = 0x3001

_NAMES = vendor_property_names(CanonDevicePropCode, EOS_PROPERTY_NAMES)


class ReleaseFailed(PtpResponseError):
    """RemoteRelease answered OK with a non-zero result: the shutter was not released."""

    def __init__(self, result: int) -> None:
        super().__init__(ResponseCode.GeneralError, operation=Eos.RemoteRelease, params=(result,))
        why = _RELEASE_FAILURES.get(result, f"result {result}")
        self.args = (f"the camera did not release the shutter ({why})",)


class CanonEosDialect(GenericDialect):
    """Canon EOS (see the module documentation)."""

    name: ClassVar[str] = "canon-eos"
    summary: ClassVar[str] = "Canon EOS: GetEvent polling, RemoteRelease, EOS properties (0x9110)"
    vendor = VENDOR
    polls_events = True
    poll_interval = 0.1

    def __init__(self, camera: Camera) -> None:
        super().__init__(camera)
        #: What the camera's GetEvent records said (properties, status, memory).
        self.cache = EosCache()
        self._quiet = 0  # polls in a row that found nothing
        self._skipped = 0
        self._collectors: list[list[EosRecord]] = []
        self._refreshed: float | None = None
        self._target: CaptureTarget | None = None

    @property
    def capture_target(self) -> CaptureTarget:
        """Where captures go: the camera's CaptureDestination 0xD11C, which capture sets
        first once this is assigned (as ``ptpkit capture --target`` does)."""
        if self._target is not None:
            return self._target
        card = self.cache.values.get(_P.CaptureDestination) == CAPTURE_DESTINATION_CARD
        return "card" if card else "memory"

    @capture_target.setter
    def capture_target(self, target: CaptureTarget) -> None:
        self._target = target

    @classmethod
    def matches(cls, info: DeviceInfo) -> bool:
        """Canon's extension id (or Microsoft's/MTP's and "Canon" in Manufacturer), and
        RemoteRelease or RemoteReleaseOn listed: what gphoto2's EOS path needs."""
        generic = info.vendor_extension_id in GENERIC_EXTENSION_IDS
        if not VENDOR.matches(info.vendor_extension_id, info.manufacturer, generic=generic):
            return False
        ops = info.operations_supported
        return Eos.RemoteRelease in ops or Eos.RemoteReleaseOn in ops

    def _supports(self, code: int) -> bool:
        return code in self.camera.device_info.operations_supported

    # -- vendor operations ------------------------------------------------------------------
    async def set_remote_mode(self, mode: int) -> None:
        await self.camera.transaction(Eos.SetRemoteMode, (mode,))

    async def set_event_mode(self, mode: int) -> None:
        await self.camera.transaction(Eos.SetEventMode, (mode,))

    async def get_event(self) -> list[EosRecord]:
        """GetEvent 0x9116 once: the records (read as gphoto2 reads them)."""
        response = await self.camera.transaction(Eos.GetEvent)
        return decode_events(response.data, lenient=True)

    async def remote_release(self) -> None:
        """RemoteRelease 0x910F; a non-zero result (no focus, mirror up...) raises."""
        response = await self.camera.transaction(Eos.RemoteRelease)
        result = response.params[0] if response.params else 0
        if result:
            raise ReleaseFailed(result)

    async def transfer_complete(self, handle: int) -> None:
        await self.camera.transaction(Eos.TransferComplete, (handle,))

    async def set_eos_property(self, code: int, value: EosValue) -> None:
        """SetDevicePropValueEx 0x9110 (the camera reports the change in GetEvent)."""
        await self.camera.transaction(
            Eos.SetDevicePropValueEx, data=SetPropValueEx(code, value).encode()
        )

    # -- the session ----------------------------------------------------------------------
    async def start(self) -> None:
        if self._supports(Eos.SetRemoteMode):
            await self.set_remote_mode(1)
        if self._supports(Eos.SetEventMode):
            await self.set_event_mode(1)
        await self._drain(publish=False)

    async def stop(self) -> None:
        for handle in list(self.cache.memory):
            try:
                await self.transfer_complete(handle)  # the camera's memory is freed
            except PtpResponseError:
                pass
            self.cache.memory.pop(handle, None)
        if self._supports(Eos.SetEventMode):
            await self.set_event_mode(0)
        if self._supports(Eos.SetRemoteMode):
            await self.set_remote_mode(0)

    # -- events -------------------------------------------------------------------------
    async def _fetch(self) -> tuple[int, list[CameraEvent]]:
        """One GetEvent: the cache takes the records in, capture waits see them; how
        many records came, and the events they mean."""
        records = await self.get_event()
        for collector in self._collectors:
            collector.extend(records)
        self._refreshed = self._now()
        return len(records), self.cache.apply(records)

    async def _drain(self, *, publish: bool = True) -> None:
        """GetEvent until an answer is empty (bounded); the events go to the streams."""
        for _ in range(_DRAIN_LIMIT):
            count, events = await self._fetch()
            if publish:
                self._publish(events)
            if not count:
                break

    def _publish(self, events: list[CameraEvent]) -> None:
        for event in events:
            self.camera._on_camera_event(event)

    async def poll_events(self) -> list[CameraEvent]:
        """One GetEvent (the camera's poll task calls this every :attr:`poll_interval`),
        skipped now and then once the camera has been quiet for a while."""
        every = next((n for quiet, n in _BACKOFF if self._quiet >= quiet), 1)
        self._skipped += 1
        if self._skipped < every:
            return []
        self._skipped = 0
        count, events = await self._fetch()
        self._quiet = 0 if count else self._quiet + 1
        return events

    def accepts_channel_event(self, event: CameraEvent) -> bool:
        return True  # EOS bodies send nothing there; anything that does come is shown

    async def _refresh(self) -> None:
        """Read the camera's news when what we know is older than :data:`_FRESH`."""
        if self._refreshed is None or self._now() - self._refreshed > _FRESH:
            await self._drain()

    # -- capture --------------------------------------------------------------------------
    async def capture(
        self, timeout: float, *, storage_id: int = 0, object_format: int = 0
    ) -> list[CameraObject]:
        """Release the shutter and wait for the picture(s) (module documentation)."""
        deadline = self._now() + timeout
        seen: list[EosRecord] = []
        self._collectors.append(seen)
        try:
            await self._drain()
            if self.cache.status == 1:
                raise PtpResponseError(ResponseCode.DeviceBusy, operation=Eos.RemoteRelease)
            await self._choose_destination()
            seen.clear()
            if self._supports(Eos.RemoteReleaseOn) and self._supports(Eos.RemoteReleaseOff):
                await self._press(seen, deadline)
            else:
                await self.remote_release()
            records = await self._wait_for_pictures(seen, deadline, timeout)
        finally:
            self._collectors.remove(seen)
        objects: list[CameraObject] = []
        for record in records:
            if isinstance(record, (RequestObjectTransfer, RequestObjectTransfer64)):
                held = MemoryCapture(record.handle, record.ofc, record.size, record.filename)
                self.cache.memory.setdefault(record.handle, held)
                objects.append(_memory_object(held))
            else:
                found = await self.camera._object(record.handle)
                if not found.is_folder:
                    objects.append(found)
        return objects

    async def _choose_destination(self) -> None:
        """Set CaptureDestination to the :attr:`capture_target` assigned, if any."""
        if self._target is None or _P.CaptureDestination not in self.cache.values:
            return
        card = self._target == "card"
        wanted = CAPTURE_DESTINATION_CARD if card else CAPTURE_DESTINATION_HOST
        if self.cache.values.get(_P.CaptureDestination) != wanted:
            await self.set(_P.CaptureDestination, wanted)
            await self._drain()

    async def _press(self, seen: list[EosRecord], deadline: float) -> None:
        """Half press, wait for focus (unless focus is manual), full press, release."""
        camera = self.camera
        await camera.transaction(Eos.RemoteReleaseOn, (_HALF, 0))
        manual = self.cache.values.get(_P.FocusMode) == _MANUAL_FOCUS
        until = min(deadline, self._now() + _FOCUS_TIMEOUT)
        pause = _CAPTURE_POLL_FIRST
        while self._now() < until:
            self._publish((await self._fetch())[1])
            if manual or any(_is_focus(r) for r in seen):
                break
            await asyncio.sleep(pause)
            pause = min(pause * 2, _CAPTURE_POLL_MAX)
        else:
            _log.debug("no focus reported within %g s: releasing anyway", _FOCUS_TIMEOUT)
        await camera.transaction(Eos.RemoteReleaseOn, (_FULL, 0))
        await camera.transaction(Eos.RemoteReleaseOff, (_FULL,))
        await camera.transaction(Eos.RemoteReleaseOff, (_HALF,))

    async def _wait_for_pictures(
        self, seen: list[EosRecord], deadline: float, timeout: float
    ) -> list[_Picture]:
        """GetEvent until the release's pictures are announced (and the camera is idle
        again, or :data:`_SETTLE` passed)."""
        pause = _CAPTURE_POLL_FIRST
        settle: float | None = None
        while True:
            self._publish((await self._fetch())[1])
            pictures = _pictures(seen)
            now = self._now()
            if pictures:
                if settle is None:
                    settle = now + _SETTLE
                after = seen[seen.index(pictures[-1]) :]
                idle = any(isinstance(r, CameraStatusChanged) and r.status == 0 for r in after)
                if idle or now >= settle:
                    return pictures
            elif now >= deadline:
                raise capture_timed_out(timeout)
            await asyncio.sleep(pause)
            pause = min(pause * 2, _CAPTURE_POLL_MAX)

    async def after_download(self, obj: CameraObject) -> None:
        """A picture from the camera's memory: TransferComplete frees the memory."""
        if obj.handle in self.cache.memory and obj.storage_id == 0:
            await self.transfer_complete(obj.handle)
            del self.cache.memory[obj.handle]

    def partial_read_size(self, obj: CameraObject) -> int | None:
        """Pictures in the camera's memory are read with GetPartialObject, 1 MiB at a
        time (gphoto2's way; EOS bodies may refuse GetObject for them)."""
        if obj.storage_id == 0 and obj.handle in self.cache.memory:
            return MEMORY_PIECE
        return None

    # -- properties -------------------------------------------------------------------------
    def _is_eos(self, code: int) -> bool:
        return self.cache.knows(code) or (eos_data_type(code) is not None and code >= 0xD100)

    def property_codes(self) -> tuple[int, ...]:
        standard = tuple(self.camera.device_info.device_properties_supported)
        return standard + tuple(c for c in self.cache.codes() if c not in standard)

    async def describe(self, code: int) -> DevicePropDesc:
        if not self._is_eos(code):
            return await super().describe(code)
        await self._refresh()
        try:
            return self.cache.describe(code)
        except KeyError:
            raise PtpResponseError(ResponseCode.DevicePropNotSupported) from None

    async def get(self, code: int) -> PtpValue:
        if not self._is_eos(code):
            return await super().get(code)
        await self._refresh()
        try:
            return self.cache.plain(code)
        except KeyError:
            raise PtpResponseError(ResponseCode.DevicePropNotSupported) from None

    async def set(self, code: int, value: PtpValue | str) -> None:
        if not self._is_eos(code):
            await super().set(code, value)
            return
        await self._refresh()
        if not self.cache.knows(code):  # gphoto2 too sets only what the camera reported
            raise PtpResponseError(ResponseCode.DevicePropNotSupported)
        allowed = self.cache.allowed.get(code, ())
        try:
            wanted = self._eos_value(code, value)
        except ValueError:  # refused as every dialect refuses, before anything is sent
            shown = value if isinstance(value, str) else str(value)
            raise self.refuse(self.cache.describe(code), shown, "is not a value of") from None
        if allowed and wanted not in allowed:
            shown = format_eos_value(code, wanted)
            raise self.refuse(self.cache.describe(code), shown)
        await self.set_eos_property(code, wanted)
        self.cache.values[code] = wanted
        await self._drain()  # the camera's report of the change (and what followed it)

    def _eos_value(self, code: int, value: PtpValue | str) -> EosValue:
        allowed = self.cache.allowed.get(code, ())
        if isinstance(value, str):
            return parse_eos_value(code, value, allowed)
        if code in IMAGE_FORMAT_PROPS and isinstance(value, int):
            for choice in allowed:
                if isinstance(choice, EosImageFormat) and choice.gphoto2_code == value:
                    return choice
            return EosImageFormat.from_gphoto2_code(value)
        if isinstance(value, tuple):
            raise ValueError(f"property 0x{code:04X} takes one value, not {value!r}")
        return value

    def property_names(self) -> Mapping[str, int]:
        return _NAMES

    def format_value(self, code: int, value: PtpValue) -> str | None:
        if not self._is_eos(code) or isinstance(value, tuple):
            return None
        return format_eos_value(code, value)

    def parse_value(self, code: int, text: str) -> PtpValue | None:
        if not self._is_eos(code):
            return None
        try:
            parsed = parse_eos_value(code, text, self.cache.allowed.get(code, ()))
        except ValueError:
            return None
        if isinstance(parsed, EosImageFormat):
            return parsed.gphoto2_code
        return None if isinstance(parsed, bytes) else parsed


_Picture = Union[ObjectAddedEx, ObjectAddedEx64, RequestObjectTransfer, RequestObjectTransfer64]


def _pictures(records: list[EosRecord]) -> list[_Picture]:
    """The records that announce a picture: in memory, or on the card (not a folder)."""
    found: list[_Picture] = []
    for record in records:
        if isinstance(record, (RequestObjectTransfer, RequestObjectTransfer64)) or (
            isinstance(record, (ObjectAddedEx, ObjectAddedEx64)) and record.ofc != _FOLDER
        ):
            found.append(record)
    return found


def _is_focus(record: EosRecord) -> bool:
    """Focus reported after a half press: FocusInfoEx, or OLCInfoChanged's focus bit."""
    if isinstance(record, PropValueChanged):
        return record.prop == _P.FocusInfoEx
    if isinstance(record, OLCInfoChanged):
        mask = record.mask
        return mask is not None and bool(mask & 0x0100)
    return False


def _memory_object(held: MemoryCapture) -> CameraObject:
    info = ObjectInfo(
        storage_id=0,
        object_format=held.ofc,
        object_compressed_size=held.size,
        parent_object=0,
        filename=held.filename,
    )
    return CameraObject(held.handle, info, f"/{held.filename}", held.size)
