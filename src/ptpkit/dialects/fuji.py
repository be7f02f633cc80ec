"""The Fujifilm dialect (``fujifilm``): Fujifilm X bodies over Wi-Fi (dialects.md §5).

Fujifilm bodies speak their own variant of PTP/IP, so this dialect is chosen before
connecting (``connect(dialect="fujifilm")``, ``ptpkit --dialect fujifilm``, port 55740,
or a body's Init Fail 0x201D to the standard request) and names its transport
(:attr:`FujiDialect.transport`): the connection is then a
:class:`~ptpkit.aio.client.FujiCamera`, which also runs the init sequence after
OpenSession (:mod:`ptpkit.aio.fuji_transport`). Once connected, it is chosen from
DeviceInfo like any other (VendorExtensionID 0xE, or "FUJIFILM" with Microsoft's).

What it does besides the generic dialect:

* **Capture** (§5.4, as gphoto2's ``camera_fuji_capture``): CameraAction 0xD208 =
  0x0200 (half-press) and InitiateCapture, AFStatus 0xD209 read while it is 1
  (focusing; 3 means the focus failed), CameraAction = 0x0304 (full press) and
  InitiateCapture, then the new objects: ObjectAdded (0x4002, or Fujifilm's 0xC004) on
  the event connection, and for bodies that send none, every second CurrentState
  0xD212 (as gphoto2 reads it) and the object handles compared with those from before.
  A body without CameraAction gets a plain InitiateCapture.
* **Properties** by Fujifilm's names (``filmsimulation``, ``prioritymode``,
  ``imageformat``...) besides the standard ones, with values in words both ways
  (``"Velvia/Vivid"``): :mod:`ptpkit.proto.vendors.fuji_props`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import ClassVar

from ptpkit.aio.events import EventStream
from ptpkit.aio.models import CameraObject, EventsDropped
from ptpkit.dialects.base import Transport, capture_timed_out
from ptpkit.dialects.generic import GenericDialect, vendor_property_names
from ptpkit.errors import CameraStateError, DecodeError, PtpResponseError, PtpTimeoutError
from ptpkit.proto.codes import ALL, DataType, EventCode, OperationCode, ResponseCode
from ptpkit.proto.codes.vendor import GENERIC_EXTENSION_IDS
from ptpkit.proto.datasets import DeviceInfo, PtpValue
from ptpkit.proto.vendors.base import Vendor
from ptpkit.proto.vendors.fuji import (
    FUJI_PROPERTY_NAMES,
    VENDOR,
    FujiAFStatus,
    FujiCameraAction,
    FujiCurrentState,
    FujiDevicePropCode,
    FujiEventCode,
    format_fuji_value,
    parse_fuji_value,
)

__all__ = ["FujiDialect"]

_P = FujiDevicePropCode
_U16 = DataType.UINT16
_ADDED = (EventCode.ObjectAdded, FujiEventCode.ObjectAdded)
_FOCUS_POLL = 0.02  # between two reads of AFStatus while focusing
_EVENT_SLICE = 0.25  # waiting for ObjectAdded: look at the events this often
_CHECK_EVERY = 4  # ... and at CurrentState and the handles every this many slices
_MORE_OBJECTS = 0.3  # after the first new object: how long a second one (RAW+JPEG) may take


class FujiDialect(GenericDialect):
    """Fujifilm X bodies: their transport, focus-and-shoot capture, vendor properties."""

    name: ClassVar[str] = "fujifilm"
    summary: ClassVar[str] = (
        "Fujifilm X over Wi-Fi: its own PTP/IP variant (port 55740), focus-and-shoot capture"
    )
    vendor: ClassVar[Vendor | None] = VENDOR
    transport: ClassVar[Transport] = "fuji"

    @classmethod
    def matches(cls, info: DeviceInfo) -> bool:
        generic = info.vendor_extension_id in GENERIC_EXTENSION_IDS
        return VENDOR.matches(info.vendor_extension_id, info.manufacturer, generic=generic)

    # -- capture --------------------------------------------------------------------------
    async def capture(
        self, timeout: float, *, storage_id: int = 0, object_format: int = 0
    ) -> list[CameraObject]:
        """Focus, shoot, and wait for the new objects (see the module documentation)."""
        camera = self.camera
        deadline = self._now() + timeout
        stream = camera._subscribe()
        try:
            before = set(await camera.get_object_handles(ALL, 0, 0))
            if _P.CameraAction in camera.device_info.device_properties_supported:
                await camera.set_device_prop_value(_P.CameraAction, FujiCameraAction.ShootS1, _U16)
                await camera.initiate_capture(storage_id, object_format)
                await self._wait_focus(deadline)
                await camera.set_device_prop_value(
                    _P.CameraAction, FujiCameraAction.ShootS2toS0, _U16
                )
            await camera.initiate_capture(storage_id, object_format)
            return await self._wait_objects(stream, before, deadline, timeout)
        finally:
            stream.close()

    async def _wait_focus(self, deadline: float) -> None:
        camera = self.camera
        if _P.AFStatus not in camera.device_info.device_properties_supported:
            return
        while True:
            status = await camera.get_device_prop_value(_P.AFStatus, _U16)
            if status == FujiAFStatus.Failed:
                raise CameraStateError(
                    ResponseCode.DeviceBusy,
                    "the camera could not focus (AFStatus 3); point it at something with "
                    "contrast, or switch it to manual focus",
                    operation=OperationCode.InitiateCapture,
                )
            if status != FujiAFStatus.Focusing or self._now() >= deadline:
                return
            await asyncio.sleep(_FOCUS_POLL)

    async def _wait_objects(
        self, stream: EventStream, before: set[int], deadline: float, timeout: float
    ) -> list[CameraObject]:
        camera = self.camera
        found: dict[int, CameraObject] = {}
        slices = 0
        while True:
            now = self._now()
            if found:
                wait = _MORE_OBJECTS
            elif now >= deadline:
                raise capture_timed_out(timeout)
            else:
                wait = min(_EVENT_SLICE, deadline - now)
            try:
                event = await stream.get(wait)
            except PtpTimeoutError:
                if found:
                    return list(found.values())
                slices += 1
                if slices % _CHECK_EVERY == 0:
                    await self._check_new_objects(before, found)
                continue
            if isinstance(event, EventsDropped):
                continue
            if event.code in _ADDED and event.params and event.params[0] not in found:
                obj = await camera._object(event.params[0])
                if not obj.is_folder:
                    found[obj.handle] = obj

    async def _check_new_objects(self, before: set[int], found: dict[int, CameraObject]) -> None:
        """For bodies that send no ObjectAdded: CurrentState (as gphoto2 reads it), then
        the handles that were not there before."""
        camera = self.camera
        if _P.CurrentState in camera.device_info.device_properties_supported:
            try:
                await self.current_state()
            except (PtpResponseError, DecodeError):
                pass
        for handle in await camera.get_object_handles(ALL, 0, 0):
            if handle not in before and handle not in found:
                obj = await camera._object(handle)
                if not obj.is_folder:
                    found[handle] = obj

    async def current_state(self) -> FujiCurrentState:
        """CurrentState 0xD212: the properties that changed since the last read."""
        response = await self.camera.transaction(
            OperationCode.GetDevicePropValue, (_P.CurrentState,)
        )
        return FujiCurrentState.decode(response.data)

    # -- properties -------------------------------------------------------------------------
    def property_names(self) -> Mapping[str, int]:
        return _NAMES

    def format_value(self, code: int, value: PtpValue) -> str | None:
        return format_fuji_value(code, value)

    def parse_value(self, code: int, text: str) -> PtpValue | None:
        return parse_fuji_value(code, text)


#: The standard property names, and Fujifilm's.
_NAMES = vendor_property_names(FujiDevicePropCode, FUJI_PROPERTY_NAMES)
