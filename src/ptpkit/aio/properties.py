"""Device properties by name or code, with values given as raw values or in words
(``"f/5.6"``, ``"Daylight"``, ``"1/250"``, ``"now"``). The camera's dialect
(:mod:`ptpkit.dialects`) says which properties there are, what they are called and how
they are read and written; the words are :mod:`ptpkit.proto.propvalues`' tables."""

from __future__ import annotations

from ptpkit.aio.operations import Operations
from ptpkit.proto.datasets import DevicePropDesc, PtpValue


class Properties(Operations):
    """The device property helpers, through the dialect (standard GetDevicePropDesc/
    Value and SetDevicePropValue for the generic camera)."""

    # -- device properties ------------------------------------------------------------
    def property_code(self, prop: str | int) -> int:
        """A property's code from its name in this camera's dialect (``"batterylevel"``,
        Nikon's ``"exposurecompensation"``...) or from a number (``"0x5001"``)."""
        return self.dialect.property_code(prop)

    async def properties(self) -> list[DevicePropDesc]:
        """The descriptor of every property the camera has (those DeviceInfo lists, and
        the vendor's that the dialect found)."""
        dialect = self.dialect
        return [await dialect.describe(code) for code in dialect.property_codes()]

    async def describe_property(self, prop: str | int) -> DevicePropDesc:
        """A property's descriptor: type, current and default value, allowed values."""
        return await self.dialect.describe(self.property_code(prop))

    async def get_property(self, prop: str | int) -> PtpValue:
        """A property's current value, by name or code (e.g. ``"batterylevel"``)."""
        return await self.dialect.get(self.property_code(prop))

    async def set_property(self, prop: str | int, value: PtpValue | str) -> None:
        """Set a property. Text is read in words as the dialect writes them (``"f/5.6"``,
        ``"Daylight"``, ``"+0.7"``, ``"now"``), as the raw number (``"0x10"``, ``"1,2,3"``
        for arrays) or as gphoto2's ``"Choice: N"``, and checked against the allowed
        values first: one the camera does not allow raises
        :class:`~ptpkit.errors.BadValueError` before anything is sent."""
        await self.dialect.set(self.property_code(prop), value)

    async def reset_property(self, prop: str | int) -> None:
        await self.reset_device_prop_value(self.property_code(prop))
