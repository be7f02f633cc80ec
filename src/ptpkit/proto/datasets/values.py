"""PTP values: strings, arrays, typed values and DateTime strings (reference §2.7, §2.8).

The codecs the datasets are built from, and the checks they share (the ``_check_*``
helpers raise :class:`~ptpkit.errors.LocalProtocolError` with the culprit's name).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from typing import NamedTuple, TypeAlias

from ptpkit.errors import BufferReadError, DecodeError, LocalProtocolError
from ptpkit.proto.buffer import Buffer, Fields
from ptpkit.proto.codes import DataType

__all__ = [
    "MAX_STRING_UNITS",
    "PtpValue",
    "decode_u16_array",
    "decode_u32_array",
    "decode_value",
    "encode_u16_array",
    "encode_u32_array",
    "encode_value",
    "format_ptp_datetime",
    "parse_ptp_datetime",
    "pull_array",
    "pull_string",
    "pull_value",
    "push_array",
    "push_string",
    "push_value",
]

#: A decoded PTP value: an integer, a string (STR), or a tuple of integers (an array type).
PtpValue: TypeAlias = int | str | tuple[int, ...]

#: Most UTF-16 units in a PTP string, counting the terminating NUL.
MAX_STRING_UNITS = 255

_U8_MAX = 0xFF
_U16_MAX = 0xFFFF
_U32_MAX = 0xFFFFFFFF
_U64_MAX = 0xFFFFFFFFFFFFFFFF

# The codec function itself: str.encode("utf-16-le") looks the codec up on every call.
_utf16_encode = codecs.utf_16_le_encode


# -- scalars ----------------------------------------------------------------------------
class _Scalar(NamedTuple):
    size: int
    minimum: int
    maximum: int
    pull: Callable[[Buffer], int]
    push: Callable[[Buffer, int], None]
    code: str  # the struct letter, for whole arrays at once ("" for 128-bit types)


def _signed(bits: int) -> tuple[int, int]:
    return -(1 << (bits - 1)), (1 << (bits - 1)) - 1


def _unsigned(bits: int) -> tuple[int, int]:
    return 0, (1 << bits) - 1


_SCALARS: dict[DataType, _Scalar] = {
    DataType.INT8: _Scalar(1, *_signed(8), Buffer.pull_i8, Buffer.push_i8, "b"),
    DataType.UINT8: _Scalar(1, *_unsigned(8), Buffer.pull_u8, Buffer.push_u8, "B"),
    DataType.INT16: _Scalar(2, *_signed(16), Buffer.pull_i16, Buffer.push_i16, "h"),
    DataType.UINT16: _Scalar(2, *_unsigned(16), Buffer.pull_u16, Buffer.push_u16, "H"),
    DataType.INT32: _Scalar(4, *_signed(32), Buffer.pull_i32, Buffer.push_i32, "i"),
    DataType.UINT32: _Scalar(4, *_unsigned(32), Buffer.pull_u32, Buffer.push_u32, "I"),
    DataType.INT64: _Scalar(8, *_signed(64), Buffer.pull_i64, Buffer.push_i64, "q"),
    DataType.UINT64: _Scalar(8, *_unsigned(64), Buffer.pull_u64, Buffer.push_u64, "Q"),
    DataType.INT128: _Scalar(16, *_signed(128), Buffer.pull_i128, Buffer.push_i128, ""),
    DataType.UINT128: _Scalar(16, *_unsigned(128), Buffer.pull_u128, Buffer.push_u128, ""),
}


def _check_int(value: object, minimum: int, maximum: int, what: str) -> int:
    if not isinstance(value, int):
        raise LocalProtocolError(f"{what} must be an int, not {type(value).__name__}")
    if not minimum <= value <= maximum:
        raise LocalProtocolError(f"{what} out of range [{minimum}, {maximum}]: {value}")
    return value


def _check_str(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise LocalProtocolError(f"{what} must be a str, not {type(value).__name__}")
    return value


def _check_ints(
    values: object, minimum: int, maximum: int, what: str, *, max_count: int = _U32_MAX
) -> tuple[int, ...]:
    if not isinstance(values, tuple):
        raise LocalProtocolError(f"{what} must be a tuple, not {type(values).__name__}")
    if len(values) > max_count:
        raise LocalProtocolError(f"{what}: {len(values)} elements, at most {max_count}")
    for value in values:
        _check_int(value, minimum, maximum, what)
    return values


# -- strings ----------------------------------------------------------------------------
def pull_string(buf: Buffer) -> str:
    """A PTP string: u8 unit count (NUL included), then UTF-16LE units.

    ``00`` and ``01 00 00`` both decode as ``""``; a missing NUL is tolerated; the text ends
    at the first NUL; lone surrogates become U+FFFD.
    """
    text = buf.pull_counted_utf16()
    nul = text.find("\x00")
    return text if nul < 0 else text[:nul]


def push_string(buf: Buffer, value: str) -> None:
    """Write a PTP string; ``""`` is the single byte ``00``."""
    _check_str(value, "PTP string")
    if not value:
        buf.push_u8(0)
        return
    if "\x00" in value:
        raise LocalProtocolError(f"PTP string contains NUL: {value!r}")
    try:
        raw = _utf16_encode(value)[0]
    except UnicodeEncodeError as exc:
        raise LocalProtocolError(f"PTP string is not valid UTF-16: {value!r}") from exc
    units = len(raw) // 2 + 1
    if units > MAX_STRING_UNITS:
        raise LocalProtocolError(
            f"PTP string too long: {units} UTF-16 units with the NUL, at most {MAX_STRING_UNITS}"
        )
    buf.push_u8(units)
    buf.push_bytes(raw)
    buf.push_bytes(b"\x00\x00")


# -- arrays -----------------------------------------------------------------------------
def pull_array(buf: Buffer, element_type: DataType) -> tuple[int, ...]:
    """A PTP array of ``element_type`` (a scalar integer type): u32 count, then the elements.

    The count is checked against the bytes left before anything is read.
    """
    spec = _SCALARS.get(element_type)
    if spec is None:
        raise DecodeError(f"not an array element type: {element_type!r}")
    count = buf.pull_u32()
    if count * spec.size > buf.remaining():
        raise BufferReadError(
            f"array of {count} x {spec.size} bytes at offset {buf.tell() - 4}, "
            f"only {buf.remaining()} bytes left"
        )
    if spec.code:
        return buf.pull_ints(spec.code, count)
    pull = spec.pull
    return tuple(pull(buf) for _ in range(count))


def push_array(buf: Buffer, element_type: DataType, values: Sequence[int]) -> None:
    """Write a PTP array; every element is checked before anything is written."""
    spec = _SCALARS.get(element_type)
    if spec is None:
        raise LocalProtocolError(f"not an array element type: {element_type!r}")
    values = tuple(values)
    if spec.code:  # packed and checked in one step; checked one by one only to say why
        try:
            data = Fields(f"{len(values)}{spec.code}").pack(*values)
        except LocalProtocolError:
            _check_ints(values, spec.minimum, spec.maximum, f"array of {element_type!r}")
            raise
        buf.push_u32(len(values))
        buf.push_bytes(data)
        return
    _check_ints(values, spec.minimum, spec.maximum, f"array of {element_type!r}")
    buf.push_u32(len(values))
    push = spec.push
    for value in values:
        push(buf, value)


def encode_u32_array(values: Sequence[int]) -> bytes:
    """The data of GetStorageIDs / GetObjectHandles: a UINT32 array."""
    buf = Buffer()
    push_array(buf, DataType.UINT32, values)
    return buf.data()


def decode_u32_array(data: bytes | bytearray | memoryview) -> tuple[int, ...]:
    buf = Buffer(data)
    values = pull_array(buf, DataType.UINT32)
    buf.check_end("UINT32 array")
    return values


def encode_u16_array(values: Sequence[int]) -> bytes:
    buf = Buffer()
    push_array(buf, DataType.UINT16, values)
    return buf.data()


def decode_u16_array(data: bytes | bytearray | memoryview) -> tuple[int, ...]:
    buf = Buffer(data)
    values = pull_array(buf, DataType.UINT16)
    buf.check_end("UINT16 array")
    return values


# -- typed values -----------------------------------------------------------------------
def _decodable(data_type: int) -> DataType:
    try:
        dt = DataType(data_type)
    except ValueError:
        raise DecodeError(f"unknown data type 0x{data_type:04X}") from None
    if dt is DataType.UNDEF:
        raise DecodeError("cannot decode a value of data type UNDEF")
    return dt


def _encodable(data_type: int) -> DataType:
    try:
        dt = DataType(data_type)
    except (ValueError, TypeError):
        raise LocalProtocolError(f"unknown data type {data_type!r}") from None
    if dt is DataType.UNDEF:
        raise LocalProtocolError("cannot encode a value of data type UNDEF")
    return dt


def _check_value(dt: DataType, value: object, what: str) -> None:
    """Check that ``value`` can be encoded as ``dt`` (a known, defined data type).

    Strings are only checked for type here; their length is checked when encoded, so that
    a decoded dataset (which may hold 255 units when the NUL was missing) always builds.
    """
    if dt is DataType.STR:
        _check_str(value, what)
    elif dt.is_array:
        spec = _SCALARS[dt.element_type]
        _check_ints(value, spec.minimum, spec.maximum, what)
    else:
        spec = _SCALARS[dt]
        _check_int(value, spec.minimum, spec.maximum, what)


def pull_value(buf: Buffer, data_type: DataType) -> PtpValue:
    """One value of ``data_type``: an int, a tuple of ints (arrays) or a str (STR)."""
    dt = _decodable(data_type)
    if dt is DataType.STR:
        return pull_string(buf)
    if dt.is_array:
        return pull_array(buf, dt.element_type)
    return _SCALARS[dt].pull(buf)


def push_value(buf: Buffer, data_type: DataType, value: PtpValue) -> None:
    """Write ``value`` as ``data_type``, checking its type and range first."""
    dt = _encodable(data_type)
    if dt is DataType.STR:
        push_string(buf, _check_str(value, "STR value"))
    elif dt.is_array:
        if not isinstance(value, (tuple, list)):
            raise LocalProtocolError(f"{dt.name} value must be a tuple, not {type(value).__name__}")
        push_array(buf, dt.element_type, value)
    else:
        spec = _SCALARS[dt]
        spec.push(buf, _check_int(value, spec.minimum, spec.maximum, f"{dt.name} value"))


def encode_value(data_type: DataType, value: PtpValue) -> bytes:
    """A bare value, e.g. the data of SetDevicePropValue."""
    buf = Buffer()
    push_value(buf, data_type, value)
    return buf.data()


def decode_value(data_type: DataType, data: bytes | bytearray | memoryview) -> PtpValue:
    """A bare value, e.g. the data of GetDevicePropValue; every byte must be used."""
    buf = Buffer(data)
    value = pull_value(buf, data_type)
    buf.check_end(f"{DataType(data_type).name} value")
    return value


# -- DateTime strings -------------------------------------------------------------------
_DATETIME = re.compile(
    r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(?:\.(\d+))?(Z|[+-]\d{4})?", re.ASCII
)


def parse_ptp_datetime(text: str) -> datetime | None:
    """``YYYYMMDDThhmmss[.s][Z|±hhmm]`` as a datetime; ``None`` when empty or invalid.

    With ``Z`` or an offset the result is aware; without, naive (time zone unknown). More
    than one fractional digit is accepted (kept to the microsecond).
    """
    match = _DATETIME.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction + "000000")[:6]) if fraction else 0
    tz: timezone | None = None
    try:
        if zone == "Z":
            tz = timezone.utc
        elif zone:
            hours, minutes = int(zone[1:3]), int(zone[3:5])
            if minutes >= 60:
                return None
            offset = timedelta(hours=hours, minutes=minutes)
            tz = timezone(-offset if zone[0] == "-" else offset)  # ValueError from 24 h
        return datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tz
        )
    except ValueError:  # day 32, hour 24, offset ≥ 24 h ...
        return None


def format_ptp_datetime(dt: datetime) -> str:
    """``YYYYMMDDThhmmss``, plus ``Z`` (offset 0) or ``±hhmm`` when ``dt`` is aware.

    Fractions of a second are dropped. An offset that is not whole minutes cannot be
    written and raises :class:`~ptpkit.errors.LocalProtocolError`.
    """
    text = f"{dt.year:04d}{dt.month:02d}{dt.day:02d}T{dt.hour:02d}{dt.minute:02d}{dt.second:02d}"
    offset = dt.utcoffset()
    if offset is None:
        return text
    if not offset:
        return text + "Z"
    if offset % timedelta(minutes=1):
        raise LocalProtocolError(f"time zone offset {offset} is not whole minutes")
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(offset) // timedelta(minutes=1)
    return f"{text}{sign}{minutes // 60:02d}{minutes % 60:02d}"


def _optional_string(buf: Buffer) -> str:
    """A string that may be missing at the very end of a dataset (→ ``""``)."""
    return "" if buf.eof() else pull_string(buf)
