"""Device properties by name or code, with values given in words (``"f/5.6"``,
``"Daylight"``, ``"1/250"``, ``"now"``: :mod:`ptpkit.proto.propvalues`) or as raw values."""

from __future__ import annotations

from datetime import datetime

from ptpkit.aio.models import property_code
from ptpkit.aio.operations import Operations
from ptpkit.proto.datasets import DevicePropDesc, PtpValue
from ptpkit.proto.propvalues import parse_value
from ptpkit.proto.vendors.registry import find_vendor


class Properties(Operations):
    """The device property helpers above GetDevicePropDesc/Value and SetDevicePropValue."""

    # -- device properties ------------------------------------------------------------
    async def properties(self) -> list[DevicePropDesc]:
        """The descriptor of every property the camera lists in its DeviceInfo."""
        return [
            await self.get_device_prop_desc(code)
            for code in self.device_info.device_properties_supported
        ]

    async def describe_property(self, prop: str | int) -> DevicePropDesc:
        """A property's descriptor: type, current and default value, allowed values."""
        return await self.get_device_prop_desc(property_code(prop))

    async def get_property(self, prop: str | int) -> PtpValue:
        """A property's current value, by name or code (e.g. ``"batterylevel"``)."""
        return await self.get_device_prop_value(property_code(prop))

    @property
    def vendor_name(self) -> str | None:
        """The name of the camera's vendor (for its property words), when ptpkit knows it."""
        info = self.device_info
        vendor = find_vendor(info.vendor_extension_id, info.manufacturer)
        return None if vendor is None else vendor.name

    async def set_property(self, prop: str | int, value: PtpValue | str) -> None:
        """Set a property. Text is read as :func:`~ptpkit.proto.propvalues.parse_value`
        reads it (words, the raw number, ``"Choice: N"``, ``"now"``; ``"1,2,3"`` for
        arrays) and checked against the allowed values first: a value the camera does
        not allow raises :class:`~ptpkit.errors.BadValueError` before anything is sent."""
        code = property_code(prop)
        if isinstance(value, str):
            desc = await self.get_device_prop_desc(code)
            raw = parse_value(desc, value, now=datetime.now(), vendor=self.vendor_name)
            await self.set_device_prop_value(code, raw, desc.data_type)
            return
        dt = await self._prop_type(code, None)
        await self.set_device_prop_value(code, value, dt)

    async def reset_property(self, prop: str | int) -> None:
        await self.reset_device_prop_value(property_code(prop))
