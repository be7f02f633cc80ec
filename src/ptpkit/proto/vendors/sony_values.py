"""Sony property values in words: ISO, shutter speed, aperture, battery and the named
values of exposure mode, focus mode, white balance and the controls (as gphoto2 and
Sony's menus write them). Import them from :mod:`ptpkit.proto.vendors.sony`."""

from __future__ import annotations

import re
from collections.abc import Mapping

from ptpkit.proto.codes import DevicePropCode
from ptpkit.proto.datasets import PropEnum, PropRange
from ptpkit.proto.vendors._wire import check_uint
from ptpkit.proto.vendors.sony_codes import SonyDevicePropCode

__all__ = [
    "SONY_ISO_AUTO", "SONY_VALUE_NAMES", "sony_aperture_name", "sony_battery_name",
    "sony_exposure_compensation_name", "sony_iso_name", "sony_parse_value",
    "sony_shutter_name", "sony_shutter_value", "sony_value_name",
]  # fmt: skip

_S = DevicePropCode
_D = SonyDevicePropCode


# -- human values ---------------------------------------------------------------------------

SONY_ISO_AUTO = 0x00FFFFFF
"""The ISO value (low 24 bits of 0xD21E) that means AUTO."""

_ISO_NOISE_REDUCTION = {1: "Multi Frame NR", 2: "Multi Frame NR High"}


def sony_iso_name(value: int) -> str:
    """0xD21E ISO: the low 24 bits are the ISO (0xFFFFFF = AUTO), the high byte selects
    multi-frame noise reduction (1 standard, 2 high)."""
    base = value & SONY_ISO_AUTO
    text = "AUTO" if base == SONY_ISO_AUTO else str(base)
    mode = value >> 24 & 0xFF
    if mode:
        text += " " + _ISO_NOISE_REDUCTION.get(mode, f"NR mode {mode}")
    return text


def sony_shutter_value(numerator: int, denominator: int) -> int:
    """The 0xD20D value of ``numerator/denominator`` seconds (``sony_shutter_value(1, 250)``)."""
    check_uint(numerator, 16, "numerator")
    check_uint(denominator, 16, "denominator")
    return numerator << 16 | denominator


def sony_shutter_name(value: int) -> str:
    """0xD20D ShutterSpeed: ``numerator << 16 | denominator`` seconds, 0 = ``"Bulb"``.
    Written as gphoto2 writes it: ``"1/250"``, ``"30"`` (300/10 counts as 30), ``"8/10"``."""
    if value == 0:
        return "Bulb"
    numerator, denominator = value >> 16 & 0xFFFF, value & 0xFFFF
    if denominator == 10 and numerator % 10 == 0:
        numerator, denominator = numerator // 10, 1
    return str(numerator) if denominator == 1 else f"{numerator}/{denominator}"


def sony_aperture_name(value: int) -> str:
    """FNumber 0x5007: the f-number times 100 (560 is ``"f/5.6"``)."""
    return f"f/{value / 100:g}"


def sony_exposure_compensation_name(value: int) -> str:
    """ExposureBiasCompensation 0x5010 (INT16, thousandths of a stop): ``"+0.7"``,
    ``"-1.3"``, ``"0"`` (one decimal, as the camera's menus show it)."""
    if value == 0:
        return "0"
    return f"{value / 1000:+.1f}"


def sony_battery_name(value: int, minimum: int | None = None, maximum: int | None = None) -> str:
    """0xD218 BatteryLevel (INT8). With the range of the entry's form, a percentage as gphoto2
    computes it (a minimum of -1 counts as 0); without, the value is a percentage; -1 is
    unknown."""
    if minimum is not None and maximum is not None:
        start = 0 if minimum == -1 else minimum
        span = maximum - start + 1
        return "broken range" if span == 0 else f"{(value - start + 1) * 100 // span}%"
    return "Unknown" if value == -1 else f"{value}%"


SONY_VALUE_NAMES: Mapping[int, Mapping[int, str]] = {
    _S.ExposureProgramMode: {
        0x0001: "M", 0x0002: "P", 0x0003: "A", 0x0004: "S", 0x0005: "Creative",
        0x0006: "Action", 0x0007: "Portrait", 0x8000: "Intelligent Auto",
        0x8001: "Superior Auto", 0x8011: "Sports Action", 0x8012: "Sunset",
        0x8013: "Night Scene", 0x8014: "Landscape", 0x8015: "Macro",
        0x8016: "Hand-held Twilight", 0x8017: "Night Portrait", 0x8018: "Anti Motion Blur",
        0x8041: "Sweep Panorama", 0x8050: "Movie (P)", 0x8051: "Movie (A)",
        0x8052: "Movie (S)", 0x8053: "Movie (M)", 0x8054: "Movie (Scene)",
        0x8060: "Intelligent Auto Flash Off", 0x8070: "Picture Effect",
        0x8084: "S&Q Motion (P)", 0x8085: "S&Q Motion (A)", 0x8086: "S&Q Motion (S)",
        0x8087: "S&Q Motion (M)",
    },
    _S.FocusMode: {
        0x0001: "Manual", 0x0002: "AF-S", 0x0003: "Automatic Macro", 0x8004: "AF-C",
        0x8005: "AF-A", 0x8006: "DMF", 0x8007: "Manual Reverse", 0x8008: "AF-D",
        0x8009: "Preset Focus",
    },
    _S.WhiteBalance: {
        0x0001: "Manual", 0x0002: "Automatic", 0x0003: "One-push Automatic",
        0x0004: "Daylight", 0x0005: "Fluorescent", 0x0006: "Tungsten", 0x0007: "Flash",
        0x8001: "Fluorescent: Warm White", 0x8002: "Fluorescent: Cold White",
        0x8003: "Fluorescent: Day White", 0x8004: "Fluorescent: Daylight", 0x8010: "Cloudy",
        0x8011: "Shade", 0x8012: "Color Temperature", 0x8020: "Preset 1",
        0x8021: "Preset 2", 0x8022: "Preset 3", 0x8023: "Preset",
        0x8030: "Underwater: Auto",
    },
    _S.CompressionSetting: {
        0x02: "Standard", 0x03: "Fine", 0x04: "Extra Fine", 0x10: "RAW", 0x13: "RAW+JPEG",
    },
    _D.ImageSize: {1: "Large", 2: "Medium", 3: "Small"},
    _D.PriorityMode: {0: "Camera", 1: "Application"},
    _D.AutoFocus: {1: "Release", 2: "Press"},
    _D.Capture: {1: "Release", 2: "Press"},
}  # fmt: skip
"""Human names of the values of the common Sony properties, by property code. Exposure
program values of "mode 3" bodies are UINT32; their low 16 bits are looked up here."""


def sony_value_name(
    code: int, value: object, form: PropRange | PropEnum | None = None
) -> str | None:
    """The human name of ``value`` of property ``code`` on a Sony body, or None when not
    known. ``form`` (the entry's) is used for the battery level's range."""
    if not isinstance(value, int):
        return None
    if code == SonyDevicePropCode.ISO:
        return sony_iso_name(value)
    if code in (SonyDevicePropCode.ShutterSpeed, SonyDevicePropCode.ShutterSpeed2):
        return sony_shutter_name(value)
    if code == DevicePropCode.FNumber:
        return sony_aperture_name(value)
    if code in (DevicePropCode.ExposureBiasCompensation, SonyDevicePropCode.ExposureCompensation):
        return sony_exposure_compensation_name(value)
    if code == SonyDevicePropCode.BatteryLevel:
        if isinstance(form, PropRange):
            low, high = form.minimum_value, form.maximum_value
            if isinstance(low, int) and isinstance(high, int):
                return sony_battery_name(value, low, high)
        return sony_battery_name(value)
    if code == DevicePropCode.ExposureProgramMode:
        value &= 0xFFFF
    table = SONY_VALUE_NAMES.get(code)
    return None if table is None else table.get(value)


# -- text back to values ----------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def _parse_shutter(text: str) -> int | None:
    """``"1/250"``, ``"30"``, ``"0.8"``, ``"8/10"``, ``"2.5"``, ``"bulb"`` → 0xD20D's value
    (whole and tenth seconds over 10, as Sony writes them)."""
    if text == "bulb":
        return 0
    text = text.removesuffix("s").removesuffix('"').strip()
    numerator, slash, denominator = text.partition("/")
    try:
        if slash:
            n, d = int(numerator), int(denominator)
        elif "." in text:
            n, d = round(float(text) * 10), 10
        else:
            n, d = int(text) * 10, 10
    except ValueError:
        return None
    if not (0 <= n <= 0xFFFF and 0 < d <= 0xFFFF):
        return None
    return n << 16 | d


def _parse_number(text: str, scale: int) -> int | None:
    if not _NUMBER.fullmatch(text):
        return None
    return round(float(text) * scale)


def sony_parse_value(code: int, text: str) -> int | None:
    """``text`` as a Sony body writes a value of property ``code`` (:func:`sony_value_name`
    backwards, and the usual shorthands: ISO ``"auto"``/``"800"``, shutter ``"1/250"``/
    ``"30"``/``"0.8"``, aperture ``"f/8"``/``"5.6"``, exposure compensation ``"+0.7"``, a
    name of :data:`SONY_VALUE_NAMES`, case-insensitive); None when it does not know."""
    key = text.strip().lower()
    table = SONY_VALUE_NAMES.get(code)
    if table is not None:
        for value, name in table.items():
            if name.lower() == key:
                return value
    if code in (SonyDevicePropCode.ISO, SonyDevicePropCode.ISO2):
        if key in ("auto", "iso auto", "auto iso"):
            return SONY_ISO_AUTO
        key = key.removeprefix("iso").strip()
        return int(key) if key.isdigit() else None
    if code in (SonyDevicePropCode.ShutterSpeed, SonyDevicePropCode.ShutterSpeed2):
        return _parse_shutter(key)
    if code == DevicePropCode.FNumber:
        return _parse_number(key.removeprefix("f/").removeprefix("f"), 100)
    if code in (DevicePropCode.ExposureBiasCompensation, SonyDevicePropCode.ExposureCompensation):
        # menus show a third of a stop as .3 and two thirds as .7: 0.3 is 300, 0.7 is 700
        return _parse_number(key.removesuffix("ev").strip(), 1000)
    return None
