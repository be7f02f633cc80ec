"""Device properties by name or code, with values given as text converted to the
property's type."""

from __future__ import annotations

from ptpkit.aio.models import coerce_value, property_code
from ptpkit.aio.operations import Operations
from ptpkit.proto.datasets import DevicePropDesc, PtpValue


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

    async def set_property(self, prop: str | int, value: PtpValue | str) -> None:
        """Set a property; text is converted to the property's type (``"0x10"``,
        ``"1,2,3"`` for arrays)."""
        code = property_code(prop)
        dt = await self._prop_type(code, None)
        await self.set_device_prop_value(code, coerce_value(dt, value), dt)

    async def reset_property(self, prop: str | int) -> None:
        await self.reset_device_prop_value(property_code(prop))
