"""The forms of device-property values in words: how one property's raw values read
(:class:`ValueForm`), for :mod:`ptpkit.proto.propvalues`' tables.

:class:`Choices` (named values), :class:`Named` (names from a function, e.g. a vendor
module's), :class:`Units` (a scaled number with a unit), and the forms of FNumber,
ExposureTime, ExposureBiasCompensation, DateTime and ImageSize. Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Protocol

from ptpkit.proto.datasets import PtpValue, format_ptp_datetime, parse_ptp_datetime

__all__ = [
    "Candidate",
    "Choices",
    "DateTimeForm",
    "ExposureBiasForm",
    "ExposureTimeForm",
    "FNumberForm",
    "ImageSizeForm",
    "Named",
    "Units",
    "ValueForm",
    "norm",
]

#: A number the user typed, as a raw value (a float when the words fall between two).
Candidate = int | float


class ValueForm(Protocol):
    """How one property's values read in words."""

    def show(self, value: PtpValue) -> str | None:
        """``value`` in words, or None when this form has no words for it."""

    def read(self, text: str, now: datetime | None) -> list[Candidate | str]:
        """The raw values ``text`` may mean, most likely first (empty: not these words)."""


def norm(text: str) -> str:
    """Words compared without case, spaces, ``_``, or ``-`` between letters (numbers keep
    their signs and points)."""
    return re.sub(r"[\s_]+|(?<=[a-z])-(?=[a-z])", "", text.strip().lower())


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def _number(text: str) -> float | None:
    text = text.strip()
    return float(text) if _NUMBER.fullmatch(text) else None


def _fraction(text: str) -> float | None:
    """``1/250``, ``-1/3``, ``+2/3``, ``1 1/3`` (a whole and a fraction), or a decimal."""
    text = text.strip()
    match = re.fullmatch(r"([+-]?)\s*(?:(\d+)\s+)?(\d+)\s*/\s*(\d+)", text)
    if match is None:
        return _number(text)
    sign, whole, num, den = match.groups()
    if int(den) == 0:
        return None
    value = int(whole or 0) + int(num) / int(den)
    return -value if sign == "-" else value


def _trim(number: float, digits: int = 2) -> str:
    """``5.6``, ``11``, ``0.3``: at most ``digits`` decimals, no trailing zeros."""
    text = f"{number:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# -- the forms ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Choices:
    """Named values (an enumeration): ``names`` shows them, ``aliases`` are more words
    read (gphoto2's short names, for instance)."""

    names: Mapping[int, str]
    aliases: Mapping[str, int] = field(default_factory=dict)

    def show(self, value: PtpValue) -> str | None:
        return self.names.get(value) if isinstance(value, int) else None

    def read(self, text: str, now: datetime | None) -> list[Candidate | str]:
        key = norm(text)
        found = [code for code, name in self.names.items() if norm(name) == key]
        found += [code for alias, code in self.aliases.items() if norm(alias) == key]
        return list(dict.fromkeys(found))


@dataclass(frozen=True, slots=True)
class Named:
    """Names given by a function, e.g. a vendor module's ``value_name(code, value)``
    (``Named(lambda v: nikon_value_name(0xD01C, v))``). They are read back by matching
    the allowed values' names, which :func:`parse_value` does for every form."""

    name_of: Callable[[PtpValue], str | None]

    def show(self, value: PtpValue) -> str | None:
        return self.name_of(value)

    def read(self, text: str, now: datetime | None) -> list[Candidate | str]:
        return []


@dataclass(frozen=True, slots=True)
class Units:
    """A number in units: the raw value is the quantity times ``scale`` (FocalLength is
    mm x 100: ``Units(100, "mm")``). ``special`` names raw values of their own (0xFFFF:
    infinity); ``other_units`` are more unit words read, with their factor to ``unit``
    (``{"s": 1000}`` for milliseconds)."""

    scale: int
    unit: str
    special: Mapping[int, str] = field(default_factory=dict)
    other_units: Mapping[str, float] = field(default_factory=dict)
    space: bool = True

    def show(self, value: PtpValue) -> str | None:
        if not isinstance(value, int):
            return None
        if value in self.special:
            return self.special[value]
        sep = " " if self.space else ""
        return f"{_trim(value / self.scale)}{sep}{self.unit}"

    def read(self, text: str, now: datetime | None) -> list[Candidate | str]:
        key = norm(text)
        for raw, name in self.special.items():
            if norm(name) == key:
                return [raw]
        body = text.strip().lower()
        factor = 1.0
        units = {self.unit.lower(): 1.0, **{u.lower(): f for u, f in self.other_units.items()}}
        for unit in sorted(units, key=len, reverse=True):  # "ms" before "s"
            if unit and body.endswith(unit):
                body, factor = body[: -len(unit)], units[unit]
                break
        number = _number(body)
        return [] if number is None else [number * factor * self.scale]


@dataclass(frozen=True, slots=True)
class FNumberForm:
    """FNumber (f-number x 100): ``f/5.6``; reads ``f/5.6``, ``F5.6`` and ``5.6``."""

    def show(self, value: PtpValue) -> str | None:
        if not isinstance(value, int) or value <= 0:
            return None
        return f"f/{_trim(value / 100, 1 if value % 10 == 0 else 2)}"

    def read(self, text: str, now: datetime | None) -> list[Candidate | str]:
        body = re.sub(r"^f\s*/?\s*", "", text.strip().lower())
        number = _number(body)
        return [] if number is None or number <= 0 else [number * 100]


@dataclass(frozen=True, slots=True)
class ExposureTimeForm:
    """ExposureTime (seconds x 10000): ``1/250``, ``0.6s``, ``2s``. Reads those, ``0.004``
    and a bare number of seconds (``30``), as gphoto2 shows them."""

    def show(self, value: PtpValue) -> str | None:
        if not isinstance(value, int) or value <= 0:
            return None
        if value < 10000:
            per_second = 10000 / value
            whole = round(per_second)
            if whole >= 2 and abs(whole - per_second) <= 0.05 * per_second:
                return f"1/{whole}"
        return f"{_trim(value / 10000, 4)}s"

    def read(self, text: str, now: datetime | None) -> list[Candidate | str]:
        body = text.strip().lower().replace('"', "s")
        if body.endswith("sec"):
            body = body[:-3]
        body = body.rstrip("s ").strip()
        seconds = _fraction(body)
        return [] if seconds is None or seconds <= 0 else [seconds * 10000]


@dataclass(frozen=True, slots=True)
class ExposureBiasForm:
    """ExposureBiasCompensation (stops x 1000): ``+0.7``, ``-1.3``, ``0``; reads those,
    ``+2/3``, ``-1 1/3`` and ``+1 EV``."""

    def show(self, value: PtpValue) -> str | None:
        if not isinstance(value, int):
            return None
        if value == 0:
            return "0"
        stops = _trim(abs(value) / 1000, 1)
        if stops == "0":  # less than a twentieth of a stop
            stops = _trim(abs(value) / 1000, 3)
        return f"{'+' if value > 0 else '-'}{stops}"

    def read(self, text: str, now: datetime | None) -> list[Candidate | str]:
        body = re.sub(r"\s*ev$", "", text.strip().lower())
        stops = _fraction(body)
        return [] if stops is None else [stops * 1000]


_ISO_DATETIME = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?",
    re.IGNORECASE,
)


def _iso_datetime(text: str) -> datetime | None:
    """``2024-05-01``, ``2024-05-01 12:00``, ``2024-05-01T12:00:00.5+02:00``, ``...Z``."""
    match = _ISO_DATETIME.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    tz: timezone | None = None
    if zone is not None:
        digits = zone.replace(":", "")
        if zone.upper() == "Z":
            tz = timezone.utc
        else:
            offset = timedelta(hours=int(digits[1:3]), minutes=int(digits[3:5]))
            if offset >= timedelta(hours=24) or int(digits[3:5]) >= 60:
                return None
            tz = timezone(-offset if digits[0] == "-" else offset)
    try:
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            0,
            tz,
        )
    except ValueError:  # month 13, hour 25 ...
        return None


@dataclass(frozen=True, slots=True)
class DateTimeForm:
    """DateTime (a PTP date-time string): shown ``2024-05-01 12:00:00``; reads ``now``,
    ISO 8601 (``2024-05-01 12:00``, ``2024-05-01T12:00:00+02:00``) and the PTP form."""

    def show(self, value: PtpValue) -> str | None:
        if not isinstance(value, str):
            return None
        parsed = parse_ptp_datetime(value)
        if parsed is None:
            return None
        text = parsed.strftime("%Y-%m-%d %H:%M:%S")
        offset = parsed.strftime("%z")
        return text + (f" {offset[:3]}:{offset[3:]}" if offset else "")

    def read(self, text: str, now: datetime | None) -> list[Candidate | str]:
        body = text.strip()
        if body.lower() == "now":
            return [] if now is None else [format_ptp_datetime(now.replace(microsecond=0))]
        if parse_ptp_datetime(body) is not None:
            return [body]
        when = _iso_datetime(body)
        return [] if when is None else [format_ptp_datetime(when)]


@dataclass(frozen=True, slots=True)
class ImageSizeForm:
    """ImageSize (``"WxH"``): reads ``1920x1080``, ``1920 X 1080`` and ``1920*1080``."""

    def show(self, value: PtpValue) -> str | None:
        return value if isinstance(value, str) else None

    def read(self, text: str, now: datetime | None) -> list[Candidate | str]:
        match = re.fullmatch(r"\s*(\d+)\s*[x\u00d7*]\s*(\d+)\s*", text.lower())
        return [] if match is None else [f"{int(match.group(1))}x{int(match.group(2))}"]
