"""The emulated camera's device properties (ISO 15740 §13, reference §2.6).

:class:`DeviceProperties` holds the current values and answers the four property
operations without any I/O:

* :meth:`~DeviceProperties.desc` → the DevicePropDesc of GetDevicePropDesc;
* :meth:`~DeviceProperties.get` → the value of GetDevicePropValue;
* :meth:`~DeviceProperties.set_encoded` → SetDevicePropValue (from the raw data phase);
* :meth:`~DeviceProperties.reset` → ResetDevicePropValue (one code or ``0xFFFFFFFF``).

Errors are :class:`PropertyError` carrying the response code to answer with:
DevicePropNotSupported, InvalidDevicePropFormat (data that does not decode as the
property's type), InvalidDevicePropValue (outside the Range or Enumeration) or
AccessDenied (a get-only property such as BatteryLevel).

DateTime keeps ticking: setting it stores an offset from the host clock, so that later
reads (and the captures' EXIF dates) follow the time the initiator set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ptpkit.errors import DecodeError, PropertyError
from ptpkit.proto.codes import ALL, DataType, DevicePropCode, GetSet, ResponseCode
from ptpkit.proto.datasets import (
    DevicePropDesc,
    PropEnum,
    PropRange,
    PtpValue,
    decode_value,
    encode_value,
    format_ptp_datetime,
    parse_ptp_datetime,
)

__all__ = [
    "DEFAULT_IMAGE_SIZE",
    "IMAGE_SIZES",
    "DeviceProperties",
    "PropertyError",
    "PropertySpec",
    "default_property_specs",
    "parse_image_size",
]

_P = DevicePropCode

#: Image sizes offered by the ImageSize property ("WxH"); captures are generated at it.
IMAGE_SIZES: tuple[str, ...] = ("640x480", "1280x720", "1920x1080", "3000x2000", "4000x3000")
DEFAULT_IMAGE_SIZE = "1920x1080"


@dataclass(frozen=True, slots=True)
class PropertySpec:
    """One property: its type, whether it can be set, its factory default and its form."""

    code: int
    data_type: DataType
    default: PtpValue
    form: PropRange | PropEnum | None = None
    settable: bool = True

    def allows(self, value: PtpValue) -> bool:
        """True when ``value`` lies within the Range or Enumeration (any value without)."""
        form = self.form
        if isinstance(form, PropEnum):
            return value in form.values
        if isinstance(form, PropRange):
            lo, hi, step = form.minimum_value, form.maximum_value, form.step_size
            if not (isinstance(value, int) and isinstance(lo, int) and isinstance(hi, int)):
                return False
            if not lo <= value <= hi:
                return False
            return not (isinstance(step, int) and step > 0 and (value - lo) % step)
        return True


def parse_image_size(text: str) -> tuple[int, int] | None:
    """``"1920x1080"`` → ``(1920, 1080)``; None when it is not ``WxH`` with positive sides."""
    width, sep, height = text.lower().partition("x")
    if not sep or not width.isdigit() or not height.isdigit():
        return None
    w, h = int(width), int(height)
    return (w, h) if w > 0 and h > 0 else None


def default_property_specs(battery_level: int = 87) -> tuple[PropertySpec, ...]:
    """The properties every emulated camera has (the values are those of a typical body)."""
    return (
        PropertySpec(
            _P.BatteryLevel,
            DataType.UINT8,
            battery_level,
            PropRange(0, 100, 1),
            settable=False,
        ),
        PropertySpec(_P.DateTime, DataType.STR, ""),  # current value: the (offset) clock
        PropertySpec(_P.ImageSize, DataType.STR, DEFAULT_IMAGE_SIZE, PropEnum(IMAGE_SIZES)),
        # 1 manual, 2 automatic, 3 one-push automatic, 4 daylight, 5 fluorescent,
        # 6 tungsten, 7 flash
        PropertySpec(_P.WhiteBalance, DataType.UINT16, 2, PropEnum((1, 2, 3, 4, 5, 6, 7))),
        # f-number x 100
        PropertySpec(
            _P.FNumber,
            DataType.UINT16,
            400,
            PropEnum((180, 280, 400, 560, 800, 1100, 1600, 2200)),
        ),
        # seconds x 10000: 1/4000 (rounded up) ... 1 s
        PropertySpec(
            _P.ExposureTime,
            DataType.UINT32,
            80,
            PropEnum((3, 5, 10, 20, 40, 80, 166, 333, 666, 1250, 2500, 5000, 10000)),
        ),
        # ISO speed
        PropertySpec(
            _P.ExposureIndex,
            DataType.UINT16,
            200,
            PropEnum((100, 200, 400, 800, 1600, 3200, 6400)),
        ),
        # 1 manual, 2 automatic, 3 automatic macro
        PropertySpec(_P.FocusMode, DataType.UINT16, 2, PropEnum((1, 2, 3))),
        # 1 normal, 2 burst, 3 timelapse
        PropertySpec(_P.StillCaptureMode, DataType.UINT16, 1, PropEnum((1, 2, 3))),
    )


class DeviceProperties:
    """Current values of the emulated camera's device properties."""

    def __init__(
        self,
        specs: Iterable[PropertySpec] | None = None,
        *,
        clock: Callable[[], datetime] = datetime.now,
    ) -> None:
        self._specs: dict[int, PropertySpec] = {
            spec.code: spec for spec in (specs if specs is not None else default_property_specs())
        }
        self._values: dict[int, PtpValue] = {c: s.default for c, s in self._specs.items()}
        self._clock = clock
        self._clock_offset = timedelta(0)

    @property
    def codes(self) -> tuple[int, ...]:
        """Every supported property code (DevicePropertiesSupported), in order."""
        return tuple(self._specs)

    def spec(self, code: int) -> PropertySpec:
        spec = self._specs.get(code)
        if spec is None:
            raise PropertyError(
                ResponseCode.DevicePropNotSupported, f"property 0x{code:04X} is not supported"
            )
        return spec

    def now(self) -> datetime:
        """The camera's clock: the host's, shifted by whatever DateTime was set to."""
        return self._clock() + self._clock_offset

    def get(self, code: int) -> PtpValue:
        spec = self.spec(code)
        if code == _P.DateTime:
            return format_ptp_datetime(self.now().replace(microsecond=0))
        return self._values[spec.code]

    def desc(self, code: int) -> DevicePropDesc:
        spec = self.spec(code)
        default = spec.default
        if code == _P.DateTime:
            default = format_ptp_datetime(self._clock().replace(microsecond=0))
        return DevicePropDesc(
            device_prop_code=code,
            data_type=spec.data_type,
            get_set=GetSet.GetSet if spec.settable else GetSet.Get,
            factory_default_value=default,
            current_value=self.get(code),
            form=spec.form,
        )

    def encoded_value(self, code: int) -> bytes:
        """The data of GetDevicePropValue."""
        return encode_value(self.spec(code).data_type, self.get(code))

    def set_encoded(self, code: int, data: bytes) -> bool:
        """SetDevicePropValue with the raw data phase; True when the value changed."""
        spec = self.spec(code)
        try:
            value = decode_value(spec.data_type, data)
        except DecodeError as exc:
            raise PropertyError(
                ResponseCode.InvalidDevicePropFormat,
                f"data does not decode as {spec.data_type.name}: {exc}",
            ) from None
        return self.set(code, value)

    def set(self, code: int, value: PtpValue) -> bool:
        """Set a value (checked against the form); True when it changed."""
        spec = self.spec(code)
        if not spec.settable:
            raise PropertyError(ResponseCode.AccessDenied, f"property 0x{code:04X} is get-only")
        if code == _P.DateTime:
            return self._set_datetime(value)
        if code == _P.ImageSize and (not isinstance(value, str) or not parse_image_size(value)):
            raise PropertyError(ResponseCode.InvalidDevicePropValue, f"bad image size {value!r}")
        if not spec.allows(value):
            raise PropertyError(
                ResponseCode.InvalidDevicePropValue,
                f"{value!r} is not allowed for property 0x{code:04X}",
            )
        changed = self._values[code] != value
        self._values[code] = value
        return changed

    def update(self, code: int, value: PtpValue) -> bool:
        """The camera's own change of a value (get-only properties included: live view
        status, a battery draining); True when it changed."""
        spec = self.spec(code)
        changed = self._values[spec.code] != value
        self._values[spec.code] = value
        return changed

    def _set_datetime(self, value: PtpValue) -> bool:
        parsed = parse_ptp_datetime(value) if isinstance(value, str) else None
        if parsed is None:
            raise PropertyError(
                ResponseCode.InvalidDevicePropValue, f"not a PTP DateTime: {value!r}"
            )
        if parsed.tzinfo is not None:  # the camera clock is local time
            parsed = parsed.astimezone().replace(tzinfo=None)
        self._clock_offset = parsed - self._clock()
        return True

    def reset(self, code: int) -> list[int]:
        """ResetDevicePropValue (``0xFFFFFFFF`` = all); the codes whose value changed."""
        if code == ALL:
            codes = [c for c, s in self._specs.items() if s.settable]
        else:
            spec = self.spec(code)
            if not spec.settable:
                raise PropertyError(ResponseCode.AccessDenied, f"property 0x{code:04X} is get-only")
            codes = [code]
        changed = []
        for c in codes:
            if c == _P.DateTime:
                if self._clock_offset:
                    self._clock_offset = timedelta(0)
                    changed.append(c)
            elif self._values[c] != self._specs[c].default:
                self._values[c] = self._specs[c].default
                changed.append(c)
        return changed

    @property
    def image_size(self) -> tuple[int, int]:
        """The ImageSize setting as (width, height): the size of the next capture."""
        value = self._values.get(_P.ImageSize, DEFAULT_IMAGE_SIZE)
        return parse_image_size(value if isinstance(value, str) else "") or (1920, 1080)
