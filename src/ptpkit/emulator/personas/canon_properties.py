"""The Canon EOS persona's camera settings: EOS properties with values and allowed values,
as an EOS 5D Mark IV reports them in GetEvent records (PropValueChanged, AvailListChanged).

:class:`EosProperties` holds the current values; :meth:`~EosProperties.records` is the
whole set as a camera dumps it when an initiator starts listening (every value first, then
every allowed-value list: gphoto2 ignores a list that comes before its value);
:meth:`~EosProperties.set` is SetDevicePropValueEx 0x9110, checked against the allowed
values (errors are :class:`~ptpkit.errors.PropertyError` with the response code).

The values the persona reports at the start keep gphoto2 2.5.30 out of its slow and
unbounded loops (dialects.md §2.3): EVFOutputDevice 0xD1B0 is there from the first
GetEvent, CaptureDestination 0xD11C is 4 (the computer) and AvailableShots 0xD11B is
above 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ptpkit.errors import PropertyError
from ptpkit.proto.codes import ResponseCode
from ptpkit.proto.vendors.canon import (
    CAPTURE_DESTINATION_CARD,
    CAPTURE_DESTINATION_HOST,
    EOS_READ_ONLY,
    AvailListChanged,
    CanonDevicePropCode,
    EosImageFormat,
    EosImageFormatEntry,
    EosRecord,
    EosValue,
    PropValueChanged,
)
from ptpkit.proto.vendors.canon_values import EOS_SHUTTER_SPEED, check_eos_value

__all__ = [
    "CAPTURE_SIZES",
    "HOST_AVAILABLE_SHOTS",
    "EosProperties",
    "EosPropertySpec",
    "capture_size",
    "default_eos_properties",
]

_P = CanonDevicePropCode

#: AvailableShots while pictures go to the computer (what the computer said it can hold).
HOST_AVAILABLE_SHOTS = 9999

#: Pixel sizes of the generated captures by ImageFormat size (0 Large, 1 Medium, 2 Small,
#: 0xE-0x10 S1-S3): half the EOS 5D Mark IV's, so that captures stay quick to make.
CAPTURE_SIZES: dict[int, tuple[int, int]] = {
    0: (3360, 2240),
    1: (2192, 1464),
    2: (1680, 1120),
    0xE: (1680, 1120),
    0xF: (960, 640),
    0x10: (360, 240),
}


def _jpeg(size: int, quality: int) -> EosImageFormat:
    return EosImageFormat((EosImageFormatEntry(1, size, quality),))


def capture_size(image_format: EosValue) -> tuple[int, int]:
    """The pixel size of a capture at ImageFormat ``image_format`` (its JPEG entry)."""
    if isinstance(image_format, EosImageFormat):
        for entry in image_format.entries:
            if entry.kind == 1 and entry.size in CAPTURE_SIZES:
                return CAPTURE_SIZES[entry.size]
    return CAPTURE_SIZES[0]


@dataclass(frozen=True, slots=True)
class EosPropertySpec:
    """One EOS property: its default value and, if the camera reports one, the list of
    values it allows (an AvailListChanged record, form 3)."""

    code: int
    default: EosValue
    allowed: tuple[EosValue, ...] | None = None

    @property
    def settable(self) -> bool:
        return self.code not in EOS_READ_ONLY


def _thirds(first: int, last: int) -> tuple[int, ...]:
    """EOS exposure codes in third stops: 8 per stop, thirds at +3 and +5."""
    return tuple(code for code in range(first, last + 1) if code % 8 in (0, 3, 5))


_IMAGE_FORMATS = (
    _jpeg(0, 3),
    _jpeg(0, 2),
    _jpeg(1, 3),
    _jpeg(1, 2),
    _jpeg(0xE, 3),
    _jpeg(0xE, 2),
    _jpeg(0xF, 3),
    _jpeg(0x10, 3),
)
_EXPOSURE_COMPENSATION = (
    0x18, 0x15, 0x13, 0x10, 0x0D, 0x0B, 0x08, 0x05, 0x03, 0x00,
    0xFD, 0xFB, 0xF8, 0xF5, 0xF3, 0xF0, 0xED, 0xEB, 0xE8,
)  # fmt: skip


def default_eos_properties(serial_number: str = "") -> tuple[EosPropertySpec, ...]:
    """An EOS 5D Mark IV with an EF 24-105mm f/4L lens, in manual exposure."""
    spec = EosPropertySpec
    return (
        # reported first: gphoto2 retries GetEvent until it knows EVFOutputDevice
        spec(_P.EVFOutputDevice, 1),  # 1: the camera's screen
        spec(_P.EVFMode, 0),
        spec(_P.CaptureDestination, CAPTURE_DESTINATION_HOST,
             (CAPTURE_DESTINATION_CARD, CAPTURE_DESTINATION_HOST)),
        spec(_P.AvailableShots, HOST_AVAILABLE_SHOTS),
        spec(_P.ISOSpeed, 0x48, (0x00, *_thirds(0x48, 0x8B))),  # ISO 100; Auto, 100-32000
        spec(_P.Aperture, 0x28, _thirds(0x28, 0x50)),  # f/4; f/4-f/22
        spec(_P.ShutterSpeed, 0x68,  # 1/60; bulb, 30 s - 1/8000
             tuple(c for c in (0x0C, *_thirds(0x10, 0xA0)) if c in EOS_SHUTTER_SPEED)),
        spec(_P.ExpCompensation, 0x00, _EXPOSURE_COMPENSATION),
        spec(_P.AutoExposureMode, 3, (0, 1, 2, 3, 4)),  # Manual; P, Tv, Av, M, Bulb
        spec(_P.AEModeDial, 3),
        spec(_P.DriveMode, 0x00, (0x00, 0x01, 0x04, 0x05, 0x10, 0x11, 0x13, 0x14)),
        spec(_P.MeteringMode, 3, (3, 4, 1, 5)),
        spec(_P.FocusMode, 0),  # One Shot (the lens's AF switch)
        spec(_P.WhiteBalance, 0, (0x00, 0x17, 0x01, 0x08, 0x02, 0x03, 0x04, 0x05, 0x06, 0x09)),
        spec(_P.ColorTemperature, 5200),
        spec(_P.PictureStyle, 0x87, (0x87, 0x81, 0x82, 0x83, 0x88, 0x84, 0x85, 0x86)),
        spec(_P.ImageFormat, _IMAGE_FORMATS[0], _IMAGE_FORMATS),
        spec(_P.BatteryPower, 2),  # 100 %
        spec(_P.ShutterCounter, 12000),
        spec(_P.SerialNumber, serial_number),
        spec(_P.LensName, "EF24-105mm f/4L IS USM"),
        spec(_P.Owner, ""),
        spec(_P.Artist, ""),
        spec(_P.Copyright, ""),
    )  # fmt: skip


class EosProperties:
    """Current values of the persona's EOS properties (see the module documentation)."""

    def __init__(self, specs: Iterable[EosPropertySpec]) -> None:
        self._specs = {spec.code: spec for spec in specs}
        for spec in self._specs.values():
            check_eos_value(spec.code, spec.default)
        self._values: dict[int, EosValue] = {c: s.default for c, s in self._specs.items()}

    @property
    def codes(self) -> tuple[int, ...]:
        return tuple(self._specs)

    def __contains__(self, code: object) -> bool:
        return code in self._specs

    def get(self, code: int) -> EosValue:
        if code not in self._values:
            raise PropertyError(ResponseCode.DevicePropNotSupported, f"no property 0x{code:04X}")
        return self._values[code]

    def spec(self, code: int) -> EosPropertySpec:
        spec = self._specs.get(code)
        if spec is None:
            raise PropertyError(ResponseCode.DevicePropNotSupported, f"no property 0x{code:04X}")
        return spec

    def value_record(self, code: int) -> PropValueChanged:
        return PropValueChanged(code, self.get(code))

    def records(self) -> list[EosRecord]:
        """Every value (PropValueChanged), then every allowed-value list (AvailListChanged)."""
        records: list[EosRecord] = [self.value_record(code) for code in self._specs]
        for spec in self._specs.values():
            if spec.allowed is not None:
                records.append(_avail_list(spec.code, spec.allowed))
        return records

    def set(self, code: int, value: EosValue) -> bool:
        """SetDevicePropValueEx: check and store ``value``; True when it changed."""
        spec = self.spec(code)
        if not spec.settable:
            raise PropertyError(ResponseCode.AccessDenied, f"0x{code:04X} cannot be set")
        if spec.allowed is not None and value not in spec.allowed:
            raise PropertyError(
                ResponseCode.InvalidDevicePropValue, f"{value!r} is not allowed for 0x{code:04X}"
            )
        return self.update(code, value)

    def update(self, code: int, value: EosValue) -> bool:
        """Change a value the camera itself decides (shots left, counters); True if changed."""
        self.spec(code)
        check_eos_value(code, value)
        changed = self._values[code] != value
        self._values[code] = value
        return changed


def _avail_list(code: int, allowed: tuple[EosValue, ...]) -> AvailListChanged:
    formats = tuple(v for v in allowed if isinstance(v, EosImageFormat))
    if formats:
        return AvailListChanged(code, formats)
    return AvailListChanged(code, tuple(v for v in allowed if isinstance(v, int)))
