"""Device-property values in words, both ways: ``560`` is ``f/5.6``, ``4`` is ``Daylight``.

A table maps a property code to a :class:`ValueForm`, which shows a raw value in words
(:meth:`ValueForm.show`) and reads the words back as candidate raw values
(:meth:`ValueForm.read`). :data:`STANDARD_FORMS` covers the ISO 15740 properties with a
known meaning; a vendor dialect adds its own table with :func:`register_forms` (vendor
property codes overlap between vendors, so each table is kept under its vendor's name).

:func:`parse_value` turns what a user typed into the value to send, checked against the
property's DevicePropDesc first: a name or any text an allowed value shows as, the words
the form reads (``5.6``, ``f/5.6``, ``1/250``, ``0.004``, ``2s``, ``+0.7``, ``now``), the raw
number (``560``, ``0x230``) and gphoto2's ``Choice: N`` (the Nth allowed value, from 0).
Anything else, or a value outside the allowed ones, raises
:class:`~ptpkit.errors.BadValueError` listing the allowed values in words.

Pure tables and functions: no I/O and no clock (``now`` is passed in).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from ptpkit.errors import BadValueError
from ptpkit.proto.codes import DataType, DevicePropCode, code_name
from ptpkit.proto.datasets import DevicePropDesc, PropEnum, PropRange, PtpValue
from ptpkit.proto.propforms import (
    Candidate,
    Choices,
    DateTimeForm,
    ExposureBiasForm,
    ExposureTimeForm,
    FNumberForm,
    ImageSizeForm,
    Named,
    Units,
    ValueForm,
    norm,
)

__all__ = [
    "PROPERTY_ALIASES",
    "STANDARD_FORMS",
    "Choices",
    "DateTimeForm",
    "ExposureBiasForm",
    "ExposureTimeForm",
    "FNumberForm",
    "ImageSizeForm",
    "Named",
    "Units",
    "ValueForm",
    "alias_code",
    "allowed_in_words",
    "check_allowed",
    "describe_choices",
    "form_for",
    "parse_value",
    "refuse",
    "register_forms",
    "show_value",
]

# -- the standard tables (ISO 15740 §13.5; gphoto2's short names as aliases) ---------------
_P = DevicePropCode

STANDARD_FORMS: dict[int, ValueForm] = {
    _P.BatteryLevel: Units(1, "%", space=False),
    _P.FunctionalMode: Choices({0: "Standard", 1: "Sleep"}),
    _P.ImageSize: ImageSizeForm(),
    _P.WhiteBalance: Choices(
        {
            1: "Manual",
            2: "Automatic",
            3: "One-push Automatic",
            4: "Daylight",
            5: "Fluorescent",
            6: "Tungsten",
            7: "Flash",
        },
        {"Auto": 2, "AWB": 2, "Incandescent": 6, "One Push": 3},
    ),
    _P.FNumber: FNumberForm(),
    _P.FocalLength: Units(100, "mm"),
    _P.FocusDistance: Units(1, "mm", {0xFFFF: "infinity"}, {"cm": 10, "m": 1000}),
    _P.FocusMode: Choices(
        {1: "Manual", 2: "Automatic", 3: "Automatic Macro"},
        {"MF": 1, "AF": 2, "Auto": 2, "Macro": 3},
    ),
    _P.ExposureMeteringMode: Choices(
        {1: "Average", 2: "Center-weighted Average", 3: "Multi-spot", 4: "Center-spot"},
        {"Center Weighted": 2, "Centre Weighted": 2, "Multi Spot": 3, "Center Spot": 4},
    ),
    _P.FlashMode: Choices(
        {
            1: "Automatic Flash",
            2: "Flash Off",
            3: "Fill Flash",
            4: "Red-eye Automatic",
            5: "Red-eye Fill",
            6: "External Sync",
        },
        {"Auto": 1, "Off": 2, "Fill": 3, "On": 3},
    ),
    _P.ExposureTime: ExposureTimeForm(),
    _P.ExposureProgramMode: Choices(
        {
            1: "Manual",
            2: "Automatic",
            3: "Aperture Priority",
            4: "Shutter Priority",
            5: "Program Creative",
            6: "Program Action",
            7: "Portrait",
        },
        {"M": 1, "P": 2, "Program": 2, "A": 3, "Av": 3, "S": 4, "Tv": 4},
    ),
    _P.ExposureIndex: Units(1, "", {0xFFFF: "Auto"}, space=False),
    _P.ExposureBiasCompensation: ExposureBiasForm(),
    _P.DateTime: DateTimeForm(),
    _P.CaptureDelay: Units(1, "ms", other_units={"s": 1000}),
    _P.StillCaptureMode: Choices(
        {1: "Single Shot", 2: "Burst", 3: "Timelapse"}, {"Normal": 1, "Single": 1}
    ),
    _P.DigitalZoom: Units(10, "x", space=False),
    _P.EffectMode: Choices(
        {1: "Standard", 2: "Black & White", 3: "Sepia"},
        {"Color": 1, "Colour": 1, "BW": 2, "Monochrome": 2},
    ),
    _P.BurstInterval: Units(1, "ms", other_units={"s": 1000}),
    _P.TimelapseInterval: Units(1, "ms", other_units={"s": 1000}),
    _P.FocusMeteringMode: Choices(
        {1: "Center-spot", 2: "Multi-spot"}, {"Centre-spot": 1, "Center Spot": 1}
    ),
}

#: gphoto2's names of the standard properties (``--get-config f-number``), compared
#: without case or punctuation.
PROPERTY_ALIASES: dict[str, int] = {
    "f-number": _P.FNumber,
    "aperture": _P.FNumber,
    "shutterspeed": _P.ExposureTime,
    "iso": _P.ExposureIndex,
    "exposurecompensation": _P.ExposureBiasCompensation,
    "expprogram": _P.ExposureProgramMode,
    "exposuremetermode": _P.ExposureMeteringMode,
    "focusmetermode": _P.FocusMeteringMode,
    "capturemode": _P.StillCaptureMode,
    "compression": _P.CompressionSetting,
    "copyright": _P.CopyrightInfo,
    "battery": _P.BatteryLevel,
}


def alias_code(name: str) -> int | None:
    """The property a gphoto2 name stands for (``shutterspeed``), or None."""
    key = re.sub(r"[^0-9a-z]", "", name.lower())
    for alias, code in PROPERTY_ALIASES.items():
        if re.sub(r"[^0-9a-z]", "", alias) == key:
            return code
    return None


_VENDOR_FORMS: dict[str, dict[int, ValueForm]] = {}


def register_forms(vendor: str, forms: Mapping[int, ValueForm]) -> None:
    """Add (or replace) ``vendor``'s forms, asked before the standard ones for a camera
    of that vendor (``vendor`` is the :class:`~ptpkit.proto.vendors.base.Vendor`'s name)."""
    _VENDOR_FORMS.setdefault(vendor, {}).update(forms)


def form_for(code: int, vendor: str | None = None) -> ValueForm | None:
    """The form of property ``code`` on a camera of ``vendor`` (None: raw numbers only)."""
    if vendor is not None:
        found = _VENDOR_FORMS.get(vendor, {}).get(code)
        if found is not None:
            return found
    if code >= 0xD000:  # vendor codes mean nothing without their vendor
        return None
    return STANDARD_FORMS.get(code)


def _raw_text(value: PtpValue) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return value if isinstance(value, str) else str(value)


def show_value(code: int, value: PtpValue, vendor: str | None = None) -> str:
    """``value`` of property ``code`` in words (``f/5.6``, ``Daylight``), or as it is."""
    form = form_for(code, vendor)
    shown = None if form is None else form.show(value)
    return _raw_text(value) if shown is None else shown


#: How a dialect shows a value of a property in words (``(code, value) -> text``).
Shower = Callable[[int, PtpValue], str]


def allowed_in_words(
    desc: DevicePropDesc, vendor: str | None = None, show: Shower | None = None
) -> list[str]:
    """The allowed values in words: each of an enumeration, or one ``min..max`` text;
    shown by ``show`` (a dialect's words) when given, else by the tables of ``vendor``."""
    code, form = desc.device_prop_code, desc.form
    words: Shower = show or (lambda c, v: show_value(c, v, vendor))
    if isinstance(form, PropEnum):
        return [words(code, v) for v in form.values]
    if isinstance(form, PropRange):
        low = words(code, form.minimum_value)
        high = words(code, form.maximum_value)
        step = form.step_size
        return [f"{low}..{high}" + (f" in steps of {step}" if step not in (0, 1) else "")]
    return []


# -- reading what the user typed --------------------------------------------------------------
_BITS = {
    DataType.INT8: (8, True),
    DataType.UINT8: (8, False),
    DataType.INT16: (16, True),
    DataType.UINT16: (16, False),
    DataType.INT32: (32, True),
    DataType.UINT32: (32, False),
    DataType.INT64: (64, True),
    DataType.UINT64: (64, False),
    DataType.INT128: (128, True),
    DataType.UINT128: (128, False),
}

_CHOICE = re.compile(r"choice\s*:?\s*(\d+)(\s.*)?", re.IGNORECASE | re.DOTALL)


def _bounds(data_type: DataType) -> tuple[int, int]:
    bits, signed = _BITS.get(data_type.element_type, (64, False))
    if signed:
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return 0, (1 << bits) - 1


def _raw_number(text: str) -> int | None:
    try:
        return int(text.strip(), 0)
    except ValueError:
        return None


def _in_range(value: int, form: PropRange) -> bool:
    low, high, step = form.minimum_value, form.maximum_value, form.step_size
    if not (isinstance(low, int) and isinstance(high, int)):
        return True
    if not low <= value <= high:
        return False
    return not (isinstance(step, int) and step > 0 and (value - low) % step)


def _snap(candidate: Candidate, desc: DevicePropDesc) -> int | None:
    """An allowed raw value for a number: the nearest enumerated value within 5 % (the
    words are rounded: ``+0.7`` is 667, ``1/4000`` is 2.5), else the number rounded."""
    form = desc.form
    if isinstance(form, PropEnum):
        ints = [v for v in form.values if isinstance(v, int)]
        if candidate in ints:
            return int(candidate)
        if not ints or isinstance(candidate, int):
            return None
        best = min(ints, key=lambda v: abs(v - candidate))
        return best if abs(best - candidate) <= max(0.5, 0.05 * abs(candidate)) else None
    value = round(candidate)
    low, high = _bounds(desc.data_type)
    if not low <= value <= high:
        bound = low if value < low else high  # words rounded past the type's end
        if isinstance(candidate, int) or abs(bound - candidate) > 0.05 * abs(candidate):
            return None
        value = bound
    if isinstance(form, PropRange) and not _in_range(value, form):
        return None
    return value


def refuse(
    desc: DevicePropDesc,
    text: str,
    why: str = "is not an allowed value of",
    *,
    vendor: str | None = None,
    name: str | None = None,
    show: Shower | None = None,
) -> BadValueError:
    """The one refusal of a value: ``'TEXT' WHY NAME: allowed A, B, C``, the allowed values
    in words (by ``show``, a dialect's words, else the tables of ``vendor``); ``name`` is
    the property's name as ``config`` lists it (default: its standard name)."""
    name = name or code_name("property", desc.device_prop_code)
    allowed = allowed_in_words(desc, vendor, show)
    message = f"{text!r} {why} {name}"
    if allowed:
        message += ": allowed " + ", ".join(allowed)
    return BadValueError(message, allowed)


class _Refuser:
    """:func:`refuse` with the property's words and name fixed, for the parsers below."""

    def __init__(
        self, desc: DevicePropDesc, vendor: str | None, name: str | None, show: Shower | None
    ) -> None:
        self.desc, self.vendor, self.name, self.show = desc, vendor, name, show

    def __call__(self, text: str, why: str) -> BadValueError:
        return refuse(self.desc, text, why, vendor=self.vendor, name=self.name, show=self.show)


def parse_value(
    desc: DevicePropDesc,
    text: str,
    *,
    now: datetime | None = None,
    vendor: str | None = None,
    name: str | None = None,
    show: Shower | None = None,
) -> PtpValue:
    """The raw value ``text`` stands for, checked against ``desc`` (see the module
    docstring); :class:`~ptpkit.errors.BadValueError` when there is none (:func:`refuse`:
    the property named ``name``, its allowed values in words by ``show`` or ``vendor``'s
    tables). ``show``'s words of an allowed value are read back too."""
    return _parse(desc, text, now, _Refuser(desc, vendor, name, show))


def check_allowed(
    desc: DevicePropDesc,
    value: PtpValue,
    vendor: str | None = None,
    name: str | None = None,
    show: Shower | None = None,
) -> PtpValue:
    """``value`` if the property's form allows it (a value read some other way, e.g. by a
    dialect's own parser); :class:`~ptpkit.errors.BadValueError` otherwise."""
    form = desc.form
    allowed = True
    if isinstance(form, PropEnum):
        allowed = value in form.values
    elif isinstance(form, PropRange) and isinstance(value, int):
        allowed = _in_range(value, form)
    if not allowed:
        code = desc.device_prop_code
        text = show(code, value) if show is not None else show_value(code, value, vendor)
        raise refuse(desc, text, vendor=vendor, name=name, show=show)
    return value


def _parse(
    desc: DevicePropDesc,
    text: str,
    now: datetime | None,
    refused: _Refuser,
) -> PtpValue:
    code, form = desc.device_prop_code, desc.form
    words, show = form_for(code, refused.vendor), refused.show
    choice = _CHOICE.fullmatch(text.strip())
    if choice is not None and isinstance(form, PropEnum):
        index = int(choice.group(1))
        if index >= len(form.values):
            raise refused(text, f"is past the {len(form.values)} choices of")
        return form.values[index]
    if desc.data_type is DataType.STR:
        return _parse_text(desc, text, now, words, refused)
    if desc.data_type.is_array:
        return _parse_array(desc, text, refused)
    if isinstance(form, PropEnum):  # the words of an allowed value
        key = norm(text)
        for value in form.values:
            shown = [None if words is None else words.show(value)]
            if show is not None:
                shown.append(show(code, value))
            if any(s is not None and norm(s) == key for s in shown):
                return value
    candidates: list[Candidate] = []
    if words is not None:
        candidates += [c for c in words.read(text, now) if not isinstance(c, str)]
    raw = _raw_number(text)
    if raw is not None:
        candidates.append(raw)
    if not candidates:
        raise refused(text, "is not a value of")
    for candidate in candidates:
        snapped = _snap(candidate, desc)
        if snapped is not None:
            return snapped
    raise refused(text, "is not an allowed value of")


def _parse_text(
    desc: DevicePropDesc,
    text: str,
    now: datetime | None,
    words: ValueForm | None,
    refused: _Refuser,
) -> str:
    form = desc.form
    read = [] if words is None else [c for c in words.read(text, now) if isinstance(c, str)]
    strict = isinstance(words, (DateTimeForm, ImageSizeForm))
    if strict and not read and not isinstance(form, PropEnum):
        raise refused(text, "is not a value of")
    candidates = [*read, text]
    if isinstance(form, PropEnum):
        allowed = [v for v in form.values if isinstance(v, str)]
        for candidate in candidates:
            for value in allowed:
                if value == candidate or norm(value) == norm(candidate):
                    return value
        raise refused(text, "is not an allowed value of")
    return candidates[0]


def _parse_array(desc: DevicePropDesc, text: str, refused: _Refuser) -> tuple[int, ...]:
    parts = [p for p in re.split(r"[,\s]+", text.strip().strip("[]")) if p]
    values = [_raw_number(p) for p in parts]
    low, high = _bounds(desc.data_type)
    if any(v is None or not low <= v <= high for v in values):
        raise refused(text, "is not a value of")
    result = tuple(v for v in values if v is not None)
    if isinstance(desc.form, PropEnum) and result not in desc.form.values:
        raise refused(text, "is not an allowed value of")
    return result


def describe_choices(desc: DevicePropDesc, vendor: str | None = None) -> Sequence[str]:
    """gphoto2's way of listing an enumeration: ``Choice: 0 Manual``, one per value."""
    form = desc.form
    if not isinstance(form, PropEnum):
        return []
    return [
        f"Choice: {i} {show_value(desc.device_prop_code, v, vendor)}"
        for i, v in enumerate(form.values)
    ]
