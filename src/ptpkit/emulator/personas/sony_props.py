"""The Sony persona's properties: what its GetAllDevicePropData 0x9209 blob holds, and how
SetControlDeviceA 0x9205 and SetControlDeviceB 0x9207 change it.

A Sony body keeps every property in one blob (dialects.md §4.3). :class:`SonyProperties` is
the emulator's :class:`~ptpkit.emulator.properties.DeviceProperties` over Sony's property
codes and types (mode 2, :data:`~ptpkit.proto.vendors.sony.SONY_PROPERTY_TYPES`), and adds:

* :meth:`SonyProperties.blob`: the 0x9209 data, one entry per property, in order;
* :meth:`SonyProperties.step`: what 0x9207 with a one-byte value does to a property: the
  byte is a signed number of steps through the property's enumeration (or range). gphoto2
  2.5.30 sets ISO, shutter speed, aperture and exposure compensation this way (first the
  whole jump, then single steps, reading the blob back after each);
* :meth:`SonyProperties.force`: the body's own state (FocusFound, ObjectInMemory), which
  no initiator may set.

The values are those of an ILCE-7M3-like body in its default state: exposure mode P, ISO
AUTO, 1/250 s, f/5.6, white balance Auto, manual focus (so that gphoto2's capture does not
wait for focus), JPEG Fine, battery 80 %.
"""

from __future__ import annotations

from ptpkit.emulator.properties import DeviceProperties, PropertySpec
from ptpkit.errors import PropertyError
from ptpkit.proto.codes import DataType, DevicePropCode, ResponseCode
from ptpkit.proto.datasets import PropEnum, PropRange, PtpValue
from ptpkit.proto.vendors.sony import (
    SONY_ISO_AUTO,
    SonyDevicePropCode,
    SonyPropertyBlob,
    SonyPropertyEntry,
    sony_shutter_value,
)

__all__ = [
    "CONTROLS",
    "SHUTTER_SPEEDS",
    "SONY_IMAGE_SIZES",
    "STEPPED",
    "SonyProperties",
    "sony_property_specs",
]

_S = DevicePropCode
_D = SonyDevicePropCode
_T = DataType

#: Shutter speeds from 30 s to 1/8000 s in third stops, longest first: the order of
#: gphoto2's ``sony_shuttertable``, in which one step of 0x9207 moves (+1: shorter).
#: Sony writes whole and tenth seconds over 10 (30 s is 300/10, 0.8 s is 8/10).
SHUTTER_SPEEDS: tuple[int, ...] = tuple(
    sony_shutter_value(n, d)
    for n, d in (
        (300, 10), (250, 10), (200, 10), (150, 10), (130, 10), (100, 10), (80, 10),
        (60, 10), (50, 10), (40, 10), (32, 10), (25, 10), (20, 10), (16, 10), (13, 10),
        (10, 10), (8, 10), (6, 10), (5, 10), (4, 10), (1, 3), (1, 4), (1, 5), (1, 6),
        (1, 8), (1, 10), (1, 13), (1, 15), (1, 20), (1, 25), (1, 30), (1, 40), (1, 50),
        (1, 60), (1, 80), (1, 100), (1, 125), (1, 160), (1, 200), (1, 250), (1, 320),
        (1, 400), (1, 500), (1, 640), (1, 800), (1, 1000), (1, 1250), (1, 1600), (1, 2000),
        (1, 2500), (1, 3200), (1, 4000), (1, 5000), (1, 6400), (1, 8000),
    )
)  # fmt: skip

_ISO: tuple[int, ...] = (
    SONY_ISO_AUTO, 50, 64, 80, 100, 125, 160, 200, 250, 320, 400, 500, 640, 800, 1000,
    1250, 1600, 2000, 2500, 3200, 4000, 5000, 6400, 8000, 10000, 12800, 16000, 20000, 25600,
    32000, 40000, 51200,
)  # fmt: skip
_APERTURES: tuple[int, ...] = (
    280, 320, 350, 400, 450, 500, 560, 630, 710, 800, 900, 1000, 1100, 1300, 1400, 1600,
    1800, 2000, 2200,
)  # fmt: skip
_WHITE_BALANCE: tuple[int, ...] = (
    2, 4, 0x8011, 0x8010, 6, 0x8001, 0x8002, 0x8003, 0x8004, 7, 0x8012, 0x8020, 0x8021, 0x8022,
)  # fmt: skip
_EXPOSURE_BIAS: tuple[int, ...] = (
    -3000, -2700, -2300, -2000, -1700, -1300, -1000, -700, -300, 0, 300, 700, 1000, 1300,
    1700, 2000, 2300, 2700, 3000,
)  # fmt: skip

#: ImageSize 0xD203 (1 L, 2 M, 3 S) → the size of the persona's captures (3:2, kept small
#: so that a capture is generated in a few tens of milliseconds).
SONY_IMAGE_SIZES: dict[int, tuple[int, int]] = {1: (1920, 1280), 2: (1440, 960), 3: (960, 640)}

#: Properties that SetControlDeviceB 0x9207 steps with a one-byte value.
STEPPED: frozenset[int] = frozenset(
    {_D.ShutterSpeed, _D.ISO, _S.FNumber, _S.ExposureBiasCompensation}
)
#: Controls (buttons) that 0x9207 presses (2) and releases (1) with a UINT16.
CONTROLS: frozenset[int] = frozenset({_D.AutoFocus, _D.Capture})

_PRESS = PropEnum((1, 2))


def sony_property_specs(battery_level: int = 80) -> tuple[PropertySpec, ...]:
    """The persona's properties, in the order of its blob."""
    spec = PropertySpec
    return (
        # 2 standard, 3 fine, 4 extra fine, 0x10 RAW, 0x13 RAW+JPEG
        spec(_S.CompressionSetting, _T.UINT8, 3, PropEnum((2, 3, 4, 0x10, 0x13))),
        spec(_S.WhiteBalance, _T.UINT16, 2, PropEnum(_WHITE_BALANCE)),
        spec(_S.FNumber, _T.UINT16, 560, PropEnum(_APERTURES)),
        spec(_S.FocusMode, _T.UINT16, 1, PropEnum((1, 2, 0x8004, 0x8005, 0x8006))),
        spec(_S.ExposureProgramMode, _T.UINT16, 2, PropEnum((1, 2, 3, 4, 0x8000, 0x8001))),
        spec(_S.ExposureBiasCompensation, _T.INT16, 0, PropEnum(_EXPOSURE_BIAS)),
        spec(_D.ImageSize, _T.UINT8, 1, PropEnum(tuple(SONY_IMAGE_SIZES))),
        spec(_D.ShutterSpeed, _T.UINT32, sony_shutter_value(1, 250), PropEnum(SHUTTER_SPEEDS)),
        spec(_D.FocusFound, _T.UINT8, 1, settable=False),
        spec(_D.ObjectInMemory, _T.UINT16, 0, settable=False),
        spec(_D.BatteryLevel, _T.INT8, battery_level, PropRange(-1, 100, 1), settable=False),
        spec(_D.ISO, _T.UINT32, SONY_ISO_AUTO, PropEnum(_ISO)),
        # 1 PC only, 0x10 camera only, 0x11 PC and camera
        spec(_D.StillImageSaveDestination, _T.UINT16, 1, PropEnum((1, 0x10, 0x11))),
        spec(_D.PriorityMode, _T.INT8, 0, PropEnum((0, 1))),
        spec(_D.AutoFocus, _T.UINT16, 1, _PRESS),
        spec(_D.Capture, _T.UINT16, 1, _PRESS),
    )


class SonyProperties(DeviceProperties):
    """The persona's property values, as a Sony body's blob (see the module documentation)."""

    def __init__(self, specs: tuple[PropertySpec, ...] | None = None) -> None:
        super().__init__(specs if specs is not None else sony_property_specs())

    def entry(self, code: int) -> SonyPropertyEntry:
        spec = self.spec(code)
        return SonyPropertyEntry(
            code=code,
            data_type=spec.data_type,
            get_set=1 if spec.settable else 0,
            is_enabled=1,
            factory_default_value=spec.default,
            current_value=self.get(code),
            form=spec.form,
        )

    def blob(self) -> SonyPropertyBlob:
        """The data of GetAllDevicePropData 0x9209."""
        return SonyPropertyBlob(tuple(self.entry(code) for code in self.codes))

    def force(self, code: int, value: PtpValue) -> bool:
        """Set the body's own state (even a get-only property); True when it changed."""
        self.spec(code)
        changed = self._values[code] != value
        self._values[code] = value
        return changed

    def step(self, code: int, delta: int) -> bool:
        """Move ``code`` ``delta`` steps through its enumeration (or range), stopping at
        the ends; True when the value changed."""
        spec = self.spec(code)
        if not spec.settable:
            raise PropertyError(ResponseCode.AccessDenied, f"property 0x{code:04X} is get-only")
        current = self.get(code)
        form = spec.form
        if isinstance(form, PropEnum) and current in form.values:
            index = form.values.index(current) + delta
            value = form.values[max(0, min(len(form.values) - 1, index))]
        elif isinstance(form, PropRange) and all(
            isinstance(v, int) for v in (current, form.minimum_value, form.maximum_value)
        ):
            assert isinstance(current, int)
            step = form.step_size if isinstance(form.step_size, int) and form.step_size else 1
            low, high = form.minimum_value, form.maximum_value
            assert isinstance(low, int) and isinstance(high, int)
            value = max(low, min(high, current + delta * step))
        else:
            raise PropertyError(
                ResponseCode.InvalidDevicePropValue, f"property 0x{code:04X} cannot be stepped"
            )
        return self.force(code, value)

    @property
    def image_size(self) -> tuple[int, int]:
        """The size of the next capture, from ImageSize 0xD203."""
        value = self.get(_D.ImageSize)
        return SONY_IMAGE_SIZES.get(value if isinstance(value, int) else 1, SONY_IMAGE_SIZES[1])
