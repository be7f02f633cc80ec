"""The generic dialect: a standard PTP camera (ISO 15740), as ptpkit always spoke to one.

Nothing runs after OpenSession or before CloseSession; events come from the PTP/IP
event channel only; a capture is InitiateCapture followed by ObjectAdded and
CaptureComplete (or, from a camera that sends no events, the handles compared);
properties are DeviceInfo's, read and written with GetDevicePropDesc, GetDevicePropValue
and SetDevicePropValue, their values in words by :mod:`ptpkit.proto.propvalues`' tables
(the standard ones, and those a vendor registers under its name with
:func:`~ptpkit.proto.propvalues.register_forms`). Vendor dialects extend this class.
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
)
from ptpkit.aio.models import property_code as standard_property_code
from ptpkit.dialects.base import Dialect
from ptpkit.proto.datasets import DeviceInfo, DevicePropDesc, PtpValue

__all__ = ["GenericDialect", "vendor_property_names"]

_names: Mapping[str, int] | None = None


def _standard_names() -> Mapping[str, int]:
    """The standard names, and gphoto2's (``shutterspeed``, ``iso``, ``f-number``); the
    value tables are loaded on first use (a command that names no property skips them)."""
    global _names
    if _names is None:
        from ptpkit.proto.propvalues import PROPERTY_ALIASES

        aliases = {_norm(alias): code for alias, code in PROPERTY_ALIASES.items()}
        _names = MappingProxyType({**_PROP_NAMES, **aliases})
    return _names


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
        """Text is read by :meth:`parse_value` (a vendor's own forms), else in words by
        the property tables, and checked against the allowed values before anything is
        sent (:class:`~ptpkit.errors.BadValueError`, listing them); a raw value is sent
        as it is."""
        camera = self.camera
        if not isinstance(value, str):
            data_type = await camera._prop_type(code, None)
            await camera.set_device_prop_value(code, value, data_type)
            return
        desc = await self.describe(code)
        await camera.set_device_prop_value(code, self.read_value(desc, value), desc.data_type)

    @property
    def vendor_name(self) -> str | None:
        """The vendor whose property tables apply (None: the standard ones only)."""
        return None if self.vendor is None else self.vendor.name

    def property_names(self) -> Mapping[str, int]:
        return _standard_names()

    def property_code(self, prop: str | int) -> int:
        """A name in the dialect's table, else a standard name or gphoto2 alias
        (``iso``, ``shutterspeed``). Where the vendor's table and the standard disagree
        (Fujifilm's ``ExposureIndex`` 0xD02A against the standard 0x500F), the one the
        camera offers wins, so that every name ``config`` lists can be read back."""
        if isinstance(prop, str):
            key = _norm(prop)
            code = self.property_names().get(key)
            standard = _standard_names().get(key)
            if standard is not None and code != standard:
                offered = self.property_codes()
                if code is None or (code not in offered and standard in offered):
                    code = standard
            if code is not None:
                return code
        return standard_property_code(prop)

    def format_value(self, code: int, value: PtpValue) -> str | None:
        from ptpkit.proto.propvalues import form_for

        form = form_for(code, self.vendor_name)
        return None if form is None else form.show(value)

    def parse_value(self, code: int, text: str) -> PtpValue | None:
        return None
