"""Fujifilm properties in words: their names (as gphoto2 spells its config entries where
it has one), and the values of the enumerated ones as text both ways (FilmSimulation 2
is ``"Velvia/Vivid"``, PriorityMode 2 is ``"USB"``).

What a client or a CLI needs to show and set Fujifilm properties by name and value.
Re-exported by :mod:`ptpkit.proto.vendors.fuji`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ptpkit.proto.vendors.fuji_codes import (
    FujiAFStatus,
    FujiCameraAction,
    FujiDevicePropCode,
    FujiPriorityMode,
)

__all__ = [
    "FILM_SIMULATIONS",
    "FUJI_PROPERTY_NAMES",
    "FUJI_VALUE_NAMES",
    "format_fuji_value",
    "parse_fuji_value",
]

_P = FujiDevicePropCode

#: Property names by code: gphoto2's config names where it has one ("filmsimulation",
#: "prioritymode", "imageformat", "capturemode", "aperture"), else the ptp.h name in
#: lower case.
FUJI_PROPERTY_NAMES: Mapping[str, int] = MappingProxyType(
    {
        "filmsimulation": _P.FilmSimulation,
        "imageformat": _P.Quality,
        "capturemode": _P.ReleaseMode,
        "prioritymode": _P.PriorityMode,
        "cameraaction": _P.CameraAction,
        "afstatus": _P.AFStatus,
        "devicename": _P.DeviceName,
        "currentstate": _P.CurrentState,
        "copyright": _P.Copyright,
        "aperture": _P.Aperture,
        "liveviewsize": _P.LiveViewImageSize,
        "capturesremaining": _P.CaptureRemaining,
        "pcmode": _P.LensZoomPosCaps,  # gphoto2's comment: 1 = "PC Mode"
        "initsequence": _P.InitSequence,
        "appversion": _P.AppVersion,
    }
)

#: FilmSimulation 0xD001 (the names on the camera's menu, as gphoto2 lists them).
FILM_SIMULATIONS: Mapping[int, str] = MappingProxyType(
    {
        1: "PROVIA/Standard",
        2: "Velvia/Vivid",
        3: "ASTIA/Soft",
        4: "PRO Neg.Hi",
        5: "PRO Neg.Std",
        6: "Black & White",
        7: "Black & White+Ye Filter",
        8: "Black & White+R Filter",
        9: "Black & White+G Filter",
        10: "Sepia",
        11: "Classic Chrome",
        12: "ACROS",
        13: "ACROS+Ye Filter",
        14: "ACROS+R Filter",
        15: "ACROS+G Filter",
        16: "ETERNA/Cinema",
        17: "Classic Neg",
        18: "ETERNA BLEACH BYPASS",
    }
)

#: Values in words, by property code.
FUJI_VALUE_NAMES: Mapping[int, Mapping[int, str]] = MappingProxyType(
    {
        _P.FilmSimulation: FILM_SIMULATIONS,
        _P.PriorityMode: {m.value: m.name for m in FujiPriorityMode},
        _P.CameraAction: {a.value: a.name for a in FujiCameraAction},
        _P.AFStatus: {s.value: s.name for s in FujiAFStatus},
    }
)


def _key(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def format_fuji_value(code: int, value: object) -> str | None:
    """``value`` of property ``code`` in words, or None when it has no name."""
    names = FUJI_VALUE_NAMES.get(code)
    if names is None or not isinstance(value, int):
        return None
    return names.get(value)


def parse_fuji_value(code: int, text: str) -> int | None:
    """Text naming a value of property ``code`` (any case and punctuation: ``"velvia"``
    is not enough, ``"Velvia/Vivid"`` and ``"velviavivid"`` are), or None."""
    names = FUJI_VALUE_NAMES.get(code)
    if names is None:
        return None
    wanted = _key(text)
    for value, name in names.items():
        if _key(name) == wanted:
            return value
    return None
