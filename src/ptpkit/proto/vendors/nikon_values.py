"""Nikon property values in words: the named values of Nikon's properties (and of the
standard ones Nikon gives vendor values) and the reasons of LiveViewProhibitCondition.
Import them from :mod:`ptpkit.proto.vendors.nikon`."""

from __future__ import annotations

from collections.abc import Mapping

from ptpkit.proto.codes import DevicePropCode
from ptpkit.proto.vendors.nikon_codes import NikonDevicePropCode

__all__ = [
    "LIVEVIEW_PROHIBIT_BITS", "NIKON_VALUE_NAMES", "liveview_prohibit_reasons",
    "nikon_value_name",
]  # fmt: skip

# -- human values ---------------------------------------------------------------------------

_OFF_ON = {0: "Off", 1: "On"}
_P = NikonDevicePropCode

NIKON_VALUE_NAMES: Mapping[int, Mapping[int, str]] = {
    **dict.fromkeys(
        (_P.LiveViewStatus, _P.ISOAuto, _P.ISO_Auto, _P.ExposureDelayMode,
         _P.ImageCommentEnable, _P.LongExposureNoiseReduction, _P.ImageRotation, _P.AFAssist,
         _P.ACPower, _P.AFLockStatus, _P.AELockStatus, _P.FlashOpen, _P.FlashCharged,
         _P.ExternalFlashAttached, _P.MirrorUpStatus),
        _OFF_ON,
    ),
    _P.RecordingMedia: {0: "Card", 1: "SDRAM"},
    _P.ColorSpace: {0: "sRGB", 1: "AdobeRGB"},
    _P.CameraOrientation: {0: "0°", 1: "270°", 2: "90°", 3: "180°"},
    _P.AutofocusMode: {0: "AF-S", 1: "AF-C", 2: "AF-A", 3: "MF (fixed)", 4: "MF (selection)"},
    DevicePropCode.WhiteBalance: {
        0x0001: "Manual", 0x0002: "Automatic", 0x0003: "One-push Automatic",
        0x0004: "Daylight", 0x0005: "Fluorescent", 0x0006: "Tungsten", 0x0007: "Flash",
        0x8010: "Cloudy", 0x8011: "Shade", 0x8012: "Color Temperature", 0x8013: "Preset",
        0x8014: "Off", 0x8015: "Flash", 0x8016: "Natural light auto",
    },
    DevicePropCode.FocusMode: {
        0x0001: "Manual", 0x0002: "Automatic", 0x0003: "Automatic Macro",
        0x8010: "AF-S", 0x8011: "AF-C", 0x8012: "AF-A", 0x8013: "AF-F",
    },
    DevicePropCode.ExposureProgramMode: {
        0x0001: "M", 0x0002: "P", 0x0003: "A", 0x0004: "S", 0x0005: "Creative",
        0x0006: "Action", 0x0007: "Portrait", 0x8010: "Auto", 0x8011: "Portrait",
        0x8012: "Landscape", 0x8013: "Macro", 0x8014: "Sports", 0x8015: "Night Portrait",
        0x8016: "Night Landscape", 0x8017: "Children", 0x8018: "Automatic (No Flash)",
        0x8050: "U1", 0x8051: "U2", 0x8052: "U3",
    },
}  # fmt: skip
"""Human names of the values of the Nikon properties whose meaning is known, by property
code (Nikon vendor values of standard properties included)."""

LIVEVIEW_PROHIBIT_BITS: Mapping[int, str] = {
    2: "Sequence error",
    4: "Fully pressed button",
    5: "Minimum aperture warning",
    8: "Battery exhausted",
    9: "TTL error",
    12: "Pending unretrieved SDRAM image",
    14: "Recording destination card, but no card or card protected",
    15: "Processing of shooting operation",
    17: "Temperature too high",
    18: "Card protected",
    19: "Card error",
    20: "Card unformatted",
    21: "Bulb warning",
    22: "In mirror-up operation",
    24: "Lens is retracting",
    31: "Exposure program mode is not P/A/S/M",
}
"""Meaning of each bit of LiveViewProhibitCondition 0xD1A4 (UINT32); 0 means live view may
start."""


def liveview_prohibit_reasons(value: int) -> list[str]:
    """The reasons set in a LiveViewProhibitCondition value, lowest bit first; unknown bits
    come out as ``"bit N"``."""
    return [
        LIVEVIEW_PROHIBIT_BITS.get(bit, f"bit {bit}")
        for bit in range(value.bit_length())
        if value >> bit & 1
    ]


def nikon_value_name(code: int, value: object) -> str | None:
    """The human name of ``value`` of property ``code`` on a Nikon body, or None when not
    known."""
    if code == NikonDevicePropCode.LiveViewProhibitCondition and isinstance(value, int):
        reasons = liveview_prohibit_reasons(value)
        return ", ".join(reasons) if reasons else "Live view allowed"
    table = NIKON_VALUE_NAMES.get(code)
    if table is None or not isinstance(value, int):
        return None
    return table.get(value)
