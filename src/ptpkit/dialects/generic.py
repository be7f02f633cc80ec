"""The generic dialect: a standard PTP camera (ISO 15740), as ptpkit always spoke to one.

Nothing runs after OpenSession or before CloseSession; events come from the PTP/IP
event channel only; a capture is InitiateCapture followed by ObjectAdded and
CaptureComplete (or, from a camera that sends no events, the handles compared);
properties are DeviceInfo's, read and written with GetDevicePropDesc, GetDevicePropValue
and SetDevicePropValue. Vendor dialects extend this class.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import IntEnum
from types import MappingProxyType
from typing import ClassVar

from ptpkit.aio.models import (
    _PROP_NAMES,
    CameraEvent,
    CameraObject,
    _norm,
    coerce_value,
)
from ptpkit.aio.models import property_code as standard_property_code
from ptpkit.dialects.base import Dialect
from ptpkit.proto.datasets import DeviceInfo, DevicePropDesc, PtpValue

__all__ = ["GenericDialect", "vendor_property_names"]

_STANDARD_NAMES: Mapping[str, int] = MappingProxyType(_PROP_NAMES)


def vendor_property_names(codes: Iterable[IntEnum], names: Mapping[str, int]) -> Mapping[str, int]:
    """A vendor dialect's property names (normalised: lower case, letters and digits): the
    standard names, the vendor's property codes by their enum names, and ``names``
    (gphoto2's config names), which win."""
    return MappingProxyType(
        {**_PROP_NAMES, **{_norm(member.name): int(member) for member in codes}, **names}
    )


class GenericDialect(Dialect):
    """A standard PTP camera (the dialect of every camera no vendor dialect claims)."""

    name: ClassVar[str] = "generic"
    summary: ClassVar[str] = "standard PTP (ISO 15740): the event channel, InitiateCapture"

    @classmethod
    def matches(cls, info: DeviceInfo) -> bool:
        """Every camera; a vendor dialect built on this one claims its vendor's only."""
        return cls.vendor is None or super().matches(info)

    # -- the session ----------------------------------------------------------------------
    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    # -- events -------------------------------------------------------------------------
    async def poll_events(self) -> list[CameraEvent]:
        return []

    def accepts_channel_event(self, event: CameraEvent) -> bool:
        return True

    # -- capture --------------------------------------------------------------------------
    async def capture(
        self, timeout: float, *, storage_id: int = 0, object_format: int = 0
    ) -> list[CameraObject]:
        """InitiateCapture, then ObjectAdded and CaptureComplete, or the handles compared
        when the camera sends no events (see ``Capture._standard_capture``)."""
        return await self.camera._standard_capture(
            timeout, storage_id=storage_id, object_format=object_format
        )

    async def after_download(self, obj: CameraObject) -> None:
        return None

    def partial_read_size(self, obj: CameraObject) -> int | None:
        return None

    # -- properties -------------------------------------------------------------------------
    def property_codes(self) -> tuple[int, ...]:
        return self.camera.device_info.device_properties_supported

    async def describe(self, code: int) -> DevicePropDesc:
        return await self.camera.get_device_prop_desc(code)

    async def get(self, code: int) -> PtpValue:
        return await self.camera.get_device_prop_value(code)

    async def set(self, code: int, value: PtpValue | str) -> None:
        camera = self.camera
        data_type = await camera._prop_type(code, None)
        if isinstance(value, str):
            parsed = self.parse_value(code, value)
            value = coerce_value(data_type, value) if parsed is None else parsed
        await camera.set_device_prop_value(code, value, data_type)

    def property_names(self) -> Mapping[str, int]:
        return _STANDARD_NAMES

    def property_code(self, prop: str | int) -> int:
        if isinstance(prop, str):
            code = self.property_names().get(_norm(prop))
            if code is not None:
                return code
        return standard_property_code(prop)

    def format_value(self, code: int, value: PtpValue) -> str | None:
        return None

    def parse_value(self, code: int, text: str) -> PtpValue | None:
        return None
