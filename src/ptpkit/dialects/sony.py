"""The Sony dialect: Alpha bodies in "PC remote" mode (dialects.md §4).

A Sony body answers little until the initiator has run its SDIO handshake, keeps its
properties in one blob, takes pictures when its buttons are pressed and leaves them in
memory. This dialect speaks it the way libgphoto2 does (2.5.30, and 2.5.34 where that is
newer), over ptpkit's client:

* **Start** (:meth:`SonyDialect.start`): SDIOConnect 0x9201 with 1 and 2,
  GetSDIOGetExtDeviceInfo 0x9202 asking for protocol version 300 (a body that knows
  only 200 answers with 200: the version it offers is :attr:`SonyDialect.version`), the
  operations and events it lists are added to ``camera.device_info`` (as gphoto2 merges
  them) and its properties to :meth:`~SonyDialect.property_codes`; then 0x9201 with 3,
  PriorityMode 0xD25A = 1 (the application has priority) with SetControlDeviceA 0x9205,
  and, when the body lists both 0x9280 and 0x9281, the "Sending…" notices (§4.4; and
  again at :meth:`~SonyDialect.stop`).
* **Properties**: read from GetAllDevicePropData 0x9209 (one blob for all, read again
  when older than :attr:`SonyDialect.blob_max_age`), named as gphoto2 names its config
  entries (``iso``, ``shutterspeed``, ``f-number``/``aperture``, ``expprogram``/
  ``exposuremode``, ``whitebalance``, ``focusmode``, ``exposurecompensation``,
  ``imagequality``, ``batterylevel``...), shown and parsed in words
  (:func:`~ptpkit.proto.vendors.sony.sony_value_name`,
  :func:`~ptpkit.proto.vendors.sony.sony_parse_value`). Shutter speed, ISO, aperture and
  exposure compensation are set as the body's dials turn: SetControlDeviceB 0x9207 with a
  signed number of steps, reading the blob back until the value is reached; the others
  with SetControlDeviceA 0x9205; the buttons (AutoFocus 0xD2C1, Capture 0xD2C2) are pressed
  with 0x9207.
* **Capture** (:meth:`SonyDialect.capture`): half press, full press, (with autofocus: wait
  up to :attr:`~SonyDialect.focus_wait` seconds for FocusFound 0xD213), release both, then
  wait for ObjectAdded 0xC201 on the event channel or ObjectInMemory 0xD215 ≥ 0x8000 in
  the blob. The picture is the in-memory object 0xFFFFC001, which ``download()`` fetches.
* **No storage**: a body in remote mode lists none; listing it raises
  :class:`~ptpkit.errors.NotFoundError` saying so (:meth:`SonyDialect.no_storage_hint`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import replace
from fractions import Fraction
from types import MappingProxyType
from typing import TYPE_CHECKING, ClassVar

from ptpkit.aio.events import EventStream
from ptpkit.aio.models import CameraEvent, CameraObject, EventsDropped, _norm
from ptpkit.dialects.base import capture_timed_out
from ptpkit.dialects.generic import GenericDialect
from ptpkit.errors import NotFoundError, PtpResponseError, PtpTimeoutError
from ptpkit.proto.codes import DataType, DevicePropCode, EventCode, GetSet
from ptpkit.proto.datasets import (
    DeviceInfo,
    DevicePropDesc,
    PropEnum,
    PropRange,
    PtpValue,
    encode_value,
)
from ptpkit.proto.vendors import sony
from ptpkit.proto.vendors.sony import (
    CAPTURE_OBJECT,
    NOTICE_EXIT,
    NOTICE_INIT,
    NOTICE_PARAM,
    SONY_PROTOCOL_300,
    SonyDevicePropCode,
    SonyEventCode,
    SonyExtDeviceInfo,
    SonyNotice,
    SonyOperationCode,
    SonyPropertyBlob,
    SonyPropertyEntry,
)

if TYPE_CHECKING:
    from ptpkit.aio.client import Camera

__all__ = ["SONY_PROPERTY_NAMES", "SonyDialect"]

_log = logging.getLogger("ptpkit.dialects.sony")

_Op = SonyOperationCode
_D = SonyDevicePropCode
_S = DevicePropCode

#: Sony bodies over PTP/IP report MTP's VendorExtensionID with this exact Manufacturer.
_MTP_ID = 0xFFFFFFFF
_MANUFACTURER = "Sony Corporation"

#: Set by stepping with SetControlDeviceB (the dials), as gphoto2 2.5.30 does.
_STEPPED = frozenset({_D.ShutterSpeed, _D.ISO, _S.FNumber, _S.ExposureBiasCompensation})
#: Buttons, pressed (2) and released (1) with SetControlDeviceB.
_CONTROLS = frozenset({_D.AutoFocus, _D.Capture, _D.RequestOneShooting, _D.MovieRecButtonHold})
_PRESS, _RELEASE = 2, 1
_IN_MEMORY = 0x8000  # ObjectInMemory at or above: a picture waits at 0xFFFFC001

#: Property names, as gphoto2 names its config entries (normalised: lower case, letters
#: and digits only), with a few plain-English aliases.
SONY_PROPERTY_NAMES: Mapping[str, int] = MappingProxyType(
    {
        **{_norm(member.name): int(member) for member in SonyDevicePropCode},
        "imagequality": _S.CompressionSetting,
        "whitebalance": _S.WhiteBalance,
        "fnumber": _S.FNumber,
        "aperture": _S.FNumber,
        "focusmode": _S.FocusMode,
        "expprogram": _S.ExposureProgramMode,
        "exposuremode": _S.ExposureProgramMode,
        "exposurecompensation": _S.ExposureBiasCompensation,
        "imagesize": _D.ImageSize,
        "shutterspeed": _D.ShutterSpeed,
        "iso": _D.ISO,
        "batterylevel": _D.BatteryLevel,
        "capturetarget": _D.StillImageSaveDestination,
        "prioritymode": _D.PriorityMode,
        "autofocus": _D.AutoFocus,
        "capture": _D.Capture,
    }
)


class SonyDialect(GenericDialect):
    """Sony Alpha bodies (see the module documentation)."""

    name: ClassVar[str] = "sony"
    summary: ClassVar[str] = (
        "Sony Alpha (PC remote): SDIO handshake, the 0x9209 property blob, "
        "SetControlDevice presses, captures at 0xFFFFC001"
    )
    vendor = sony.VENDOR
    #: How long a GetAllDevicePropData blob answers describe/get before it is read again.
    blob_max_age: ClassVar[float] = 0.5
    #: The 0x9202 version asked for (the body answers with the one it offers).
    asked_version: ClassVar[int] = SONY_PROTOCOL_300
    #: With autofocus, how long the shutter stays half pressed waiting for focus.
    focus_wait: ClassVar[float] = 1.0
    #: Seconds between two blob reads while waiting for a capture or a dial.
    blob_poll: ClassVar[float] = 0.05

    def __init__(self, camera: Camera) -> None:
        super().__init__(camera)
        #: The answer to 0x9202 (None: not asked, or an empty answer).
        self.ext_info: SonyExtDeviceInfo | None = None
        #: The protocol version the body offers (0xC8 = 200, 0x12C = 300), once started.
        self.version: int | None = None
        #: Whether the 0x9280/0x9281 notices were sent at start.
        self.noticed = False
        self._vendor_props: tuple[int, ...] = ()
        self._blob: SonyPropertyBlob | None = None
        self._blob_at = 0.0

    @classmethod
    def matches(cls, info: DeviceInfo) -> bool:
        """Sony's VendorExtensionID 0x11, or MTP's with Manufacturer exactly "Sony
        Corporation" (gphoto2's rule i, dialects.md §1.2)."""
        if info.vendor_extension_id == sony.VENDOR.extension_id:
            return True
        return info.vendor_extension_id == _MTP_ID and info.manufacturer == _MANUFACTURER

    # -- the session ----------------------------------------------------------------------
    def _has(self, operation: int) -> bool:
        return self.camera.supports(operation)

    async def start(self) -> None:
        camera = self.camera
        if not self._has(_Op.GetSDIOGetExtDeviceInfo):
            _log.info("no GetSDIOGetExtDeviceInfo: a Sony body without the SDIO handshake")
            return
        await self.sdio_connect(1)
        await self.sdio_connect(2)
        try:
            ext = await self.get_ext_device_info(self.asked_version)
        except PtpResponseError as exc:  # a body that knows no version 300 may refuse it
            _log.info("0x9202(0x%X) refused (%s): asking for 200", self.asked_version, exc)
            ext = None
        if ext is None and self.asked_version != sony.SONY_PROTOCOL_200:
            ext = await self.get_ext_device_info(sony.SONY_PROTOCOL_200)
        self.ext_info = ext
        if ext is not None:
            self.version = ext.version
            camera.device_info = _merged(camera.device_info, ext)
            self._vendor_props = ext.properties
        await self.sdio_connect(3)
        try:
            await self.set_control_a(_D.PriorityMode, DataType.INT8, 1)
        except PtpResponseError as exc:  # gphoto2 only logs it too
            _log.info("PriorityMode could not be set: %s", exc)
        if self._has(_Op.Notice) and self._has(_Op.NoticeReply):
            try:
                await self.notice(NOTICE_INIT)
                self.noticed = True
            except PtpResponseError as exc:
                _log.warning("the 0x9280/0x9281 notices were refused: %s", exc)

    async def stop(self) -> None:
        if self.noticed:
            await self.notice(NOTICE_EXIT)

    def no_storage_hint(self) -> str | None:
        return (
            "the camera offers no storage: a Sony body in remote mode ('PC remote') "
            "only takes pictures, which `capture --download` fetches from its memory; to "
            "list and download the card, choose 'Contents transfer' (or 'Send to "
            "Computer') on the camera instead"
        )

    # -- Sony operations --------------------------------------------------------------------
    async def sdio_connect(self, phase: int) -> None:
        """SDIOConnect 0x9201(phase, 0, 0); its data is ignored."""
        await self.camera.transaction(_Op.SDIOConnect, (phase, 0, 0))

    async def get_ext_device_info(self, version: int) -> SonyExtDeviceInfo | None:
        """GetSDIOGetExtDeviceInfo 0x9202 asking for ``version``; None for an empty
        answer."""
        params = (version, 1) if version == SONY_PROTOCOL_300 else (version,)
        data = (await self.camera.transaction(_Op.GetSDIOGetExtDeviceInfo, params)).data
        return SonyExtDeviceInfo.decode(data) if data else None

    async def get_all_device_prop_data(self) -> SonyPropertyBlob:
        """GetAllDevicePropData 0x9209: every property."""
        data = (await self.camera.transaction(_Op.GetAllDevicePropData)).data
        blob = SonyPropertyBlob.decode(data)
        self._blob, self._blob_at = blob, self._now()
        return blob

    async def set_control_a(self, code: int, data_type: DataType, value: PtpValue) -> None:
        """SetControlDeviceA 0x9205: set property ``code`` to ``value``."""
        self._blob = None
        await self.camera.transaction(
            _Op.SetControlDeviceA, (code,), data=encode_value(data_type, value)
        )

    async def set_control_b(self, code: int, data: bytes) -> None:
        """SetControlDeviceB 0x9207: a button (UINT16 2 press, 1 release) or a dial turned
        by a signed number of steps (one byte)."""
        self._blob = None
        await self.camera.transaction(_Op.SetControlDeviceB, (code,), data=data)

    async def press(self, control: int, value: int = _PRESS) -> None:
        """Press (2) or release (1) a button: AutoFocus 0xD2C1, Capture 0xD2C2..."""
        await self.set_control_b(control, encode_value(DataType.UINT16, value))

    async def notice(self, notice: SonyNotice) -> None:
        """The "Sending…" notice: 0x9280(4) with ``notice``, then 0x9281(4)."""
        await self.camera.transaction(_Op.Notice, (NOTICE_PARAM,), data=notice.encode())
        await self.camera.transaction(_Op.NoticeReply, (NOTICE_PARAM,))

    # -- properties -------------------------------------------------------------------------
    async def blob(self, *, fresh: bool = False) -> SonyPropertyBlob:
        """The property blob, read again when ``fresh`` or older than blob_max_age."""
        blob = self._blob
        if blob is None or fresh or self._now() - self._blob_at > self.blob_max_age:
            blob = await self.get_all_device_prop_data()
        return blob

    def _uses_blob(self) -> bool:
        return self._has(_Op.GetAllDevicePropData)

    async def _entry(self, code: int, *, fresh: bool = False) -> SonyPropertyEntry | None:
        return (await self.blob(fresh=fresh)).get(code) if self._uses_blob() else None

    def property_codes(self) -> tuple[int, ...]:
        codes = self.camera.device_info.device_properties_supported
        return tuple(dict.fromkeys((*codes, *self._vendor_props)))

    async def describe(self, code: int) -> DevicePropDesc:
        entry = await self._entry(code)
        if entry is None:
            if code in self.camera.device_info.device_properties_supported:
                return await super().describe(code)
            raise NotFoundError(f"the camera has no property 0x{code:04X}")
        desc = entry.as_desc()
        writable = entry.get_set == 1 and (self.version != SONY_PROTOCOL_300 or entry.is_enabled)
        return replace(desc, get_set=GetSet.GetSet if writable else GetSet.Get)

    async def get(self, code: int) -> PtpValue:
        return (await self.describe(code)).current_value

    async def set(self, code: int, value: PtpValue | str) -> None:
        entry = await self._entry(code, fresh=True)
        if entry is None:
            await super().set(code, value)
            return
        desc = await self.describe(code)
        if isinstance(value, str):
            parsed = self.parse_value(code, value)
            value = self.read_value(desc, value) if parsed is None else parsed
        held = _in_form(code, entry, value)
        if held is None:  # refused before anything is sent, as every dialect refuses
            raise self.refuse(desc, self.value_words(code, value))
        value = held
        if code in _CONTROLS and isinstance(value, int):
            await self.press(code, value)
        elif code in _STEPPED and self._has(_Op.SetControlDeviceB) and entry.form is not None:
            await self._turn(code, value)
        else:
            await self.set_control_a(code, entry.data_type, value)

    async def _turn(self, code: int, target: PtpValue, timeout: float = 5.0) -> None:
        """Turn a dial (0x9207 steps) until ``code`` reads ``target``: the whole way at
        first, then step by step, reading the blob back after each turn."""
        first = True
        for _ in range(100):
            entry = await self._entry(code, fresh=True)
            assert entry is not None
            current = entry.current_value
            if current == target:
                return
            steps = _steps(entry, current, target)
            if not steps:
                break
            if not first:
                steps = 1 if steps > 0 else -1
            first = False
            await self.set_control_b(
                code, max(-128, min(127, steps)).to_bytes(1, "little", signed=True)
            )
            if not await self._changed(code, current, timeout):
                break
        entry = await self._entry(code, fresh=True)
        if entry is None or entry.current_value != target:
            now = None if entry is None else entry.current_value
            raise ValueError(
                f"the camera did not turn {self.code_name('property', code)} to "
                f"{self.format_value(code, target) or target} (it reads "
                f"{self.format_value(code, now) if now is not None else now})"
            )

    async def _changed(self, code: int, before: PtpValue, timeout: float) -> bool:
        """Wait until ``code`` reads anything but ``before``; False after ``timeout``."""
        deadline = self._now() + timeout
        while True:
            entry = await self._entry(code, fresh=True)
            if entry is not None and entry.current_value != before:
                return True
            if self._now() >= deadline:
                return False
            await asyncio.sleep(self.blob_poll)

    def accepts_channel_event(self, event: CameraEvent) -> bool:
        """Every event; PropertyChanged also makes the next read fetch the blob again, so
        that whoever reads the property on this event gets its new value."""
        if event.code == SonyEventCode.PropertyChanged:
            self._blob = None
        return True

    def standard_event(self, code: int) -> int:
        return _STANDARD_EVENTS.get(code, code)

    def property_names(self) -> Mapping[str, int]:
        return {**super().property_names(), **SONY_PROPERTY_NAMES}

    def format_value(self, code: int, value: PtpValue) -> str | None:
        form = None
        if self._blob is not None:
            entry = self._blob.get(code)
            form = None if entry is None else entry.form
        return sony.sony_value_name(code, value, form)

    def parse_value(self, code: int, text: str) -> PtpValue | None:
        return sony.sony_parse_value(code, text)

    # -- capture ----------------------------------------------------------------------------
    async def capture(
        self, timeout: float, *, storage_id: int = 0, object_format: int = 0
    ) -> list[CameraObject]:
        """Press the shutter as a Sony body expects and wait for the picture; it is the
        in-memory object 0xFFFFC001 (``download()`` fetches it)."""
        camera = self.camera
        stream = camera._subscribe()
        try:
            blob = await self.blob(fresh=True)
            focus = blob.get(_S.FocusMode)
            manual = focus is not None and focus.current_value == 1
            waiting = blob.get(_D.ObjectInMemory)
            before = None if waiting is None else waiting.current_value
            handle: int | None = None
            pressed: list[int] = []
            try:
                for control in (_D.AutoFocus, _D.Capture):
                    await self.press(control, _PRESS)
                    pressed.append(control)
                if not manual:  # hold the half press until the body has focused
                    handle = await self._wait(stream, self.focus_wait, before, focus=True)
            finally:
                for button in reversed(pressed):
                    await self.press(button, _RELEASE)
            if handle is None:
                handle = await self._wait(stream, timeout, before, focus=False)
            if handle is None:
                raise capture_timed_out(timeout)
        finally:
            stream.close()
        return [await camera._object(handle)]

    async def _wait(
        self, stream: EventStream, timeout: float, before: PtpValue | None, *, focus: bool
    ) -> int | None:
        """Wait for the picture: ObjectAdded 0xC201, or ObjectInMemory 0xD215 at 0x8000
        or more (and not ``before``, a picture that was already waiting). With ``focus``,
        also stop once the body has focused (0xC203 for FocusFound, or 0xD213 reading 2
        or 3). The picture's handle, or None (focused, or ``timeout`` passed)."""
        deadline = self._now() + timeout
        while True:
            while stream.pending():
                done, handle = _seen(await stream.get(), focus)
                if done:
                    return handle
            blob = await self.blob(fresh=True)
            waiting = blob.get(_D.ObjectInMemory)
            if waiting is not None:
                count = waiting.current_value
                if isinstance(count, int) and count >= _IN_MEMORY and count != before:
                    return CAPTURE_OBJECT
            found = blob.get(_D.FocusFound)
            if focus and found is not None and found.current_value in (2, 3):
                return None
            left = deadline - self._now()
            if left <= 0:
                return None
            try:
                event = await stream.get(min(self.blob_poll * 2, left))
            except PtpTimeoutError:
                continue
            done, handle = _seen(event, focus)
            if done:
                return handle

    async def after_download(self, obj: CameraObject) -> None:
        if obj.handle == CAPTURE_OBJECT:
            self._blob = None  # ObjectInMemory has gone down


def _seen(event: CameraEvent | EventsDropped, focus: bool) -> tuple[bool, int | None]:
    """What an event tells a capture: (done, the picture's handle)."""
    if not isinstance(event, CameraEvent):
        return False, None
    if event.code == SonyEventCode.ObjectAdded and event.params:
        return True, event.params[0]
    if focus and event.code == SonyEventCode.PropertyChanged:
        return event.params[:1] == (_D.FocusFound,), None
    return False, None


def _merged(info: DeviceInfo, ext: SonyExtDeviceInfo) -> DeviceInfo:
    """DeviceInfo with 0x9202's operations and events added (as gphoto2 merges them)."""
    ops = tuple(dict.fromkeys((*info.operations_supported, *ext.operations)))
    events = tuple(dict.fromkeys((*info.events_supported, *ext.events)))
    return replace(info, operations_supported=ops, events_supported=events)


def _steps(entry: SonyPropertyEntry, current: PtpValue, target: PtpValue) -> int:
    """How many steps of the dial from ``current`` to ``target`` (0: cannot tell)."""
    form = entry.form
    if isinstance(form, PropEnum):
        if current in form.values and target in form.values:
            return form.values.index(target) - form.values.index(current)
        return 0
    if isinstance(form, PropRange) and isinstance(current, int) and isinstance(target, int):
        step = form.step_size if isinstance(form.step_size, int) and form.step_size > 0 else 1
        return (target - current) // step or (1 if target > current else -1)
    return 0


def _in_form(code: int, entry: SonyPropertyEntry, value: PtpValue) -> PtpValue | None:
    """``value`` as the property holds it: a shutter speed equal to one of the entry's
    (30/1 is 300/10); None when the form does not allow it."""
    form = entry.form
    if not isinstance(form, PropEnum) or value in form.values:
        return value
    if code in (_D.ShutterSpeed, _D.ShutterSpeed2) and isinstance(value, int):
        wanted = _seconds(value)
        for candidate in form.values:
            if isinstance(candidate, int) and _seconds(candidate) == wanted:
                return candidate
    return None


def _seconds(value: int) -> Fraction | None:
    numerator, denominator = value >> 16, value & 0xFFFF
    return Fraction(numerator, denominator) if denominator else None


#: Sony's events by the standard ones they mean.
_STANDARD_EVENTS: Mapping[int, int] = MappingProxyType(
    {
        SonyEventCode.ObjectAdded: EventCode.ObjectAdded,
        SonyEventCode.ObjectRemoved: EventCode.ObjectRemoved,
        SonyEventCode.PropertyChanged: EventCode.DevicePropChanged,
    }
)
