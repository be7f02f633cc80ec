"""Canon EOS properties in words: their names (as gphoto2 spells its config entries), which
ones a camera only reports, the PTP data type they are shown as, and their values as text
both ways (``"ISO 100"`` is ``0x48``, ``"f/4"`` is ``0x28``, ``"1/60"`` is ``0x68``).

What a client or a CLI needs to show and set EOS properties by value; the wire packing is
in :mod:`ptpkit.proto.vendors.canon_values`. ImageFormat values (a structure on the wire)
are shown as the u16 gphoto2 folds them into (:attr:`EosImageFormat.gphoto2_code`), so
that every EOS property value is a plain PTP value. Re-exported by
:mod:`ptpkit.proto.vendors.canon`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ptpkit.errors import LocalProtocolError
from ptpkit.proto.codes import DataType
from ptpkit.proto.vendors.canon_codes import CanonDevicePropCode
from ptpkit.proto.vendors.canon_values import (
    EOS_VALUE_NAMES,
    IMAGE_FORMAT_PROPS,
    EosImageFormat,
    EosImageFormatEntry,
    EosPropType,
    EosValue,
    eos_prop_type,
)

__all__ = [
    "CAPTURE_DESTINATION_CARD",
    "CAPTURE_DESTINATION_HOST",
    "EOS_PROPERTY_NAMES",
    "EOS_READ_ONLY",
    "eos_data_type",
    "format_eos_value",
    "parse_eos_value",
    "plain_eos_value",
]

_P = CanonDevicePropCode

#: CaptureDestination 0xD11C: pictures go to the memory card, or stay in the camera's
#: memory (SDRAM) for the computer to fetch (gphoto2's "sdram" target).
CAPTURE_DESTINATION_CARD = 2
CAPTURE_DESTINATION_HOST = 4

#: Property names as gphoto2 spells its config entries (``--get-config iso``), by code.
EOS_PROPERTY_NAMES: dict[str, int] = {
    "iso": _P.ISOSpeed,
    "aperture": _P.Aperture,
    "shutterspeed": _P.ShutterSpeed,
    "exposurecompensation": _P.ExpCompensation,
    "autoexposuremode": _P.AutoExposureMode,
    "autoexposuremodedial": _P.AEModeDial,
    "drivemode": _P.DriveMode,
    "meteringmode": _P.MeteringMode,
    "focusmode": _P.FocusMode,
    "whitebalance": _P.WhiteBalance,
    "colortemperature": _P.ColorTemperature,
    "picturestyle": _P.PictureStyle,
    "imageformat": _P.ImageFormat,
    "imageformatsd": _P.ImageFormatSD,
    "imageformatcf": _P.ImageFormatCF,
    "batterylevel": _P.BatteryPower,
    "availableshots": _P.AvailableShots,
    "capturetarget": _P.CaptureDestination,
    "evfmode": _P.EVFMode,
    "output": _P.EVFOutputDevice,
    "eosserialnumber": _P.SerialNumber,
    "lensname": _P.LensName,
    "ownername": _P.Owner,
    "artist": _P.Artist,
    "copyright": _P.Copyright,
    "shuttercounter": _P.ShutterCounter,
}

#: Properties a camera reports but does not let an initiator set.
EOS_READ_ONLY = frozenset(
    {
        _P.BatteryPower,
        _P.AvailableShots,
        _P.SerialNumber,
        _P.LensName,
        _P.ShutterCounter,
        _P.ModelID,
        _P.LensID,
        _P.AEModeDial,
        _P.FocusMode,  # a switch on the lens
    }
)

_CAPTURE_DESTINATIONS = {
    CAPTURE_DESTINATION_CARD: "Memory card",
    CAPTURE_DESTINATION_HOST: "Internal RAM",
}
_DESTINATION_WORDS = {
    "card": CAPTURE_DESTINATION_CARD,
    "memorycard": CAPTURE_DESTINATION_CARD,
    "sdram": CAPTURE_DESTINATION_HOST,
    "ram": CAPTURE_DESTINATION_HOST,
    "internalram": CAPTURE_DESTINATION_HOST,
    "host": CAPTURE_DESTINATION_HOST,
    "pc": CAPTURE_DESTINATION_HOST,
}

_DATA_TYPES = {
    EosPropType.U8: DataType.UINT8,
    EosPropType.U16: DataType.UINT16,
    EosPropType.U32: DataType.UINT32,
    EosPropType.I32: DataType.INT32,
    EosPropType.STRING: DataType.STR,
    EosPropType.IMAGE_FORMAT: DataType.UINT16,  # gphoto2's folded code
}


def _common_image_formats() -> tuple[EosImageFormat, ...]:
    """Every JPEG and RAW choice EOS bodies offer, alone and as RAW + JPEG."""
    jpegs = [
        EosImageFormatEntry(1, size, quality)
        for size in (0, 1, 2, 0xE, 0xF, 0x10)
        for quality in (3, 2)
    ]
    raws = [EosImageFormatEntry(6, size, 4) for size in (0, 1, 2)]
    raws.append(EosImageFormatEntry(6, 0, 3))  # cRAW
    single = [EosImageFormat((entry,)) for entry in (*jpegs, *raws)]
    pairs = [EosImageFormat((raw, jpeg)) for raw in raws for jpeg in jpegs]
    return (*single, *pairs)


_IMAGE_FORMATS = _common_image_formats()


def eos_data_type(code: int) -> DataType | None:
    """The PTP data type ``code``'s value is shown as (None: no type known, as in gphoto2,
    which cannot use such a property either)."""
    return _DATA_TYPES.get(eos_prop_type(code))


def plain_eos_value(code: int, value: EosValue) -> int | str | bytes:
    """A value as a plain PTP value: an ImageFormat structure becomes gphoto2's u16."""
    if isinstance(value, EosImageFormat):
        return value.gphoto2_code
    return value


def format_eos_value(code: int, value: EosValue) -> str:
    """``value`` of property ``code`` in words, as gphoto2's menus show it (``"100"`` for
    ISO 0x48, ``"f/4"``, ``"1/60"``, ``"Large Fine JPEG"``, ``"Internal RAM"``); numbers
    of properties without a table as they are, the hex code when a table lacks it."""
    if isinstance(value, EosImageFormat):
        return value.name
    if isinstance(value, bytes):
        return value.hex() or "(empty)"
    if isinstance(value, str):
        return value
    if code in IMAGE_FORMAT_PROPS:
        try:
            return EosImageFormat.from_gphoto2_code(value).name
        except LocalProtocolError:
            return f"0x{value:04X}"
    if code == _P.CaptureDestination and value in _CAPTURE_DESTINATIONS:
        return _CAPTURE_DESTINATIONS[value]
    table = EOS_VALUE_NAMES.get(code)
    if table is not None and value in table:
        return table[value]
    if table is None and eos_prop_type(code) is not EosPropType.I32:
        return str(value)
    return f"0x{value:X}"


def _as_image_format(value: object) -> EosImageFormat | None:
    if isinstance(value, EosImageFormat):
        return value
    if isinstance(value, int):
        try:
            return EosImageFormat.from_gphoto2_code(value)
        except LocalProtocolError:
            return None
    return None


def _key(text: str) -> str:
    """Loose comparison form: lower case, no spaces, no "iso"/"f/" prefix, no unit."""
    key = re.sub(r"\s+", "", text.lower())
    for prefix in ("iso", "f/", "f"):
        if key.startswith(prefix) and len(key) > len(prefix) and key[len(prefix)] in "0123456789.":
            key = key[len(prefix) :]
            break
    return key.removesuffix("sec").removesuffix("s") if re.search(r"\d", key) else key


def parse_eos_value(code: int, text: str, allowed: Iterable[EosValue] = ()) -> EosValue:
    """The value of property ``code`` that ``text`` names: a label of its value table
    (``"100"``, ``"ISO 100"``, ``"f/4"``, ``"4"``, ``"1/60"``, ``"Large Fine JPEG"``,
    ``"card"``/``"sdram"``), or a number: a code in hex (``"0x48"``) for a property whose
    values have names (decimal ``"123"`` is no ISO speed), any number otherwise (for
    ImageFormat gphoto2's u16).
    ``allowed`` (the camera's allowed values, if known) is preferred where two values
    share a name, and gives the exact ImageFormat structures. Raises ValueError."""
    kind = eos_prop_type(code)
    if kind is EosPropType.STRING:
        return text
    if kind is EosPropType.RAW:
        raise ValueError(f"property 0x{code:04X} has no known data type")
    wanted = _key(text)
    if kind is EosPropType.IMAGE_FORMAT:
        choices = [_as_image_format(value) for value in allowed]
        for value in (*(c for c in choices if c is not None), *_IMAGE_FORMATS):
            if _key(value.name) == wanted:
                return value
        try:
            number = int(text, 0)
        except ValueError:
            raise ValueError(f"no image format named {text!r}") from None
        return EosImageFormat.from_gphoto2_code(number)
    if code == _P.CaptureDestination and wanted in _DESTINATION_WORDS:
        return _DESTINATION_WORDS[wanted]
    table = EOS_VALUE_NAMES.get(code, {})
    matches = [value for value, label in table.items() if _key(label) == wanted]
    allowed_ints = [v for v in allowed if isinstance(v, int)]
    if matches:
        preferred = [v for v in matches if v in allowed_ints]
        return (preferred or matches)[0]
    raw = text.strip()
    if table and not raw.lower().startswith(("0x", "-0x")):
        # "123" for ISO is no ISO speed: a raw code of a property with names is hex
        raise ValueError(f"{text!r} is not a value of property 0x{code:04X}")
    try:
        return int(raw, 0)
    except ValueError:
        pass
    raise ValueError(f"{text!r} is not a value of property 0x{code:04X}")
