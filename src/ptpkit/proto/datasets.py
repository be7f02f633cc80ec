"""PTP values and datasets: strings, arrays, typed values, DeviceInfo, StorageInfo,
ObjectInfo and DevicePropDesc (ISO 15740; reference §2.7, §2.8, §3), and MTP's
ObjectPropList.

Every wire structure is a ``pull_*``/``push_*`` pair on a :class:`~ptpkit.proto.buffer.Buffer`,
and every dataset is a frozen, slotted dataclass with ``encode() -> bytes`` and a classmethod
``decode(data)``. These are the data phases of operations, so the same code serves PTP/IP
and PTP over USB.

Decisions, made here once:

* **Errors.** Decoding raises only :class:`~ptpkit.errors.DecodeError` (or its subclass
  :class:`~ptpkit.errors.BufferReadError`); encoding, and building a dataset with values
  that cannot be encoded, raise :class:`~ptpkit.errors.LocalProtocolError`.
* **Strings** (§2.8). Encoding writes ``""`` as the single byte ``00`` and refuses strings
  over 254 UTF-16 units (255 with the NUL), strings containing NUL, and lone surrogates.
  Characters outside the BMP are written as surrogate pairs and count as two units.
  Decoding accepts both ``00`` and ``01 00 00`` for ``""``, tolerates a missing NUL, stops
  at the first NUL (what a C reader such as libgphoto2 sees), and replaces undecodable
  UTF-16 (lone surrogates) with U+FFFD instead of failing: a strange serial number or
  label must not end a session.
* **Arrays.** A count is checked against the bytes left before anything is allocated.
* **Trailing bytes.** Datasets tolerate bytes after their last field (cameras pad, and
  libgphoto2 reads by offset and ignores the rest); bare values and arrays
  (:func:`decode_value`, :func:`decode_u32_array`, ...) must use the whole buffer.
* **Short datasets.** As libgphoto2 does, trailing string fields may be missing: DeviceInfo
  after ImageFormats, StorageInfo after FreeSpaceInImages, ObjectInfo after Filename (they
  decode as ``""``); a DevicePropDesc may end after its current value (no form).
* **DateTime strings** are kept raw in ObjectInfo so that a dataset re-encodes as it came
  in; :func:`parse_ptp_datetime` and :func:`format_ptp_datetime` convert. We never write
  tenths of a second: libgphoto2 reads only the first 15 characters.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import NamedTuple, TypeAlias

from ptpkit.errors import BufferReadError, DecodeError, LocalProtocolError
from ptpkit.proto.buffer import Buffer, Fields
from ptpkit.proto.codes import DataType, FormFlag
from ptpkit.proto.records import unchecked_builder

__all__ = [
    "MAX_STRING_UNITS",
    "DeviceInfo",
    "DevicePropDesc",
    "ObjectInfo",
    "ObjectProp",
    "ObjectPropList",
    "PropEnum",
    "PropRange",
    "PtpValue",
    "StorageInfo",
    "decode_u16_array",
    "decode_u32_array",
    "decode_value",
    "encode_u16_array",
    "encode_u32_array",
    "encode_value",
    "format_ptp_datetime",
    "parse_ptp_datetime",
    "pull_array",
    "pull_device_info",
    "pull_device_prop_desc",
    "pull_object_info",
    "pull_object_prop",
    "pull_object_prop_list",
    "pull_storage_info",
    "pull_string",
    "pull_value",
    "push_array",
    "push_device_info",
    "push_device_prop_desc",
    "push_object_info",
    "push_object_prop",
    "push_object_prop_list",
    "push_storage_info",
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


# -- DeviceInfo -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceInfo:
    """The answer to GetDeviceInfo (reference §3.1)."""

    standard_version: int = 100
    vendor_extension_id: int = 0
    vendor_extension_version: int = 0
    vendor_extension_desc: str = ""
    functional_mode: int = 0
    operations_supported: tuple[int, ...] = ()
    events_supported: tuple[int, ...] = ()
    device_properties_supported: tuple[int, ...] = ()
    capture_formats: tuple[int, ...] = ()
    image_formats: tuple[int, ...] = ()
    manufacturer: str = ""
    model: str = ""
    device_version: str = ""
    serial_number: str = ""

    def __post_init__(self) -> None:
        _check_int(self.standard_version, 0, _U16_MAX, "standard_version")
        _check_int(self.vendor_extension_id, 0, _U32_MAX, "vendor_extension_id")
        _check_int(self.vendor_extension_version, 0, _U16_MAX, "vendor_extension_version")
        _check_int(self.functional_mode, 0, _U16_MAX, "functional_mode")
        _check_ints(self.operations_supported, 0, _U16_MAX, "operations_supported")
        _check_ints(self.events_supported, 0, _U16_MAX, "events_supported")
        _check_ints(self.device_properties_supported, 0, _U16_MAX, "device_properties_supported")
        _check_ints(self.capture_formats, 0, _U16_MAX, "capture_formats")
        _check_ints(self.image_formats, 0, _U16_MAX, "image_formats")
        _check_str(self.vendor_extension_desc, "vendor_extension_desc")
        _check_str(self.manufacturer, "manufacturer")
        _check_str(self.model, "model")
        _check_str(self.device_version, "device_version")
        _check_str(self.serial_number, "serial_number")

    def encode(self) -> bytes:
        buf = Buffer()
        push_device_info(buf, self)
        return buf.data()

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> DeviceInfo:
        buf = Buffer(data)
        info = pull_device_info(buf)
        buf.check_end("DeviceInfo", allow_trailing=True)
        return info


def pull_device_info(buf: Buffer) -> DeviceInfo:
    """Everything up to ImageFormats is required; the four strings after it may be missing."""
    return DeviceInfo(
        standard_version=buf.pull_u16(),
        vendor_extension_id=buf.pull_u32(),
        vendor_extension_version=buf.pull_u16(),
        vendor_extension_desc=pull_string(buf),
        functional_mode=buf.pull_u16(),
        operations_supported=pull_array(buf, DataType.UINT16),
        events_supported=pull_array(buf, DataType.UINT16),
        device_properties_supported=pull_array(buf, DataType.UINT16),
        capture_formats=pull_array(buf, DataType.UINT16),
        image_formats=pull_array(buf, DataType.UINT16),
        manufacturer=_optional_string(buf),
        model=_optional_string(buf),
        device_version=_optional_string(buf),
        serial_number=_optional_string(buf),
    )


def push_device_info(buf: Buffer, info: DeviceInfo) -> None:
    buf.push_u16(info.standard_version)
    buf.push_u32(info.vendor_extension_id)
    buf.push_u16(info.vendor_extension_version)
    push_string(buf, info.vendor_extension_desc)
    buf.push_u16(info.functional_mode)
    push_array(buf, DataType.UINT16, info.operations_supported)
    push_array(buf, DataType.UINT16, info.events_supported)
    push_array(buf, DataType.UINT16, info.device_properties_supported)
    push_array(buf, DataType.UINT16, info.capture_formats)
    push_array(buf, DataType.UINT16, info.image_formats)
    push_string(buf, info.manufacturer)
    push_string(buf, info.model)
    push_string(buf, info.device_version)
    push_string(buf, info.serial_number)


# -- StorageInfo ------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class StorageInfo:
    """The answer to GetStorageInfo (reference §3.2). 0xFFFFFFFF images = not supported."""

    storage_type: int = 0
    filesystem_type: int = 0
    access_capability: int = 0
    max_capacity: int = 0
    free_space_in_bytes: int = 0
    free_space_in_images: int = _U32_MAX
    storage_description: str = ""
    volume_label: str = ""

    def __post_init__(self) -> None:
        _check_int(self.storage_type, 0, _U16_MAX, "storage_type")
        _check_int(self.filesystem_type, 0, _U16_MAX, "filesystem_type")
        _check_int(self.access_capability, 0, _U16_MAX, "access_capability")
        _check_int(self.max_capacity, 0, _U64_MAX, "max_capacity")
        _check_int(self.free_space_in_bytes, 0, _U64_MAX, "free_space_in_bytes")
        _check_int(self.free_space_in_images, 0, _U32_MAX, "free_space_in_images")
        _check_str(self.storage_description, "storage_description")
        _check_str(self.volume_label, "volume_label")

    def encode(self) -> bytes:
        buf = Buffer()
        push_storage_info(buf, self)
        return buf.data()

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> StorageInfo:
        buf = Buffer(data)
        info = pull_storage_info(buf)
        buf.check_end("StorageInfo", allow_trailing=True)
        return info


def pull_storage_info(buf: Buffer) -> StorageInfo:
    """The 26 fixed bytes are required; the two strings may be missing (libgphoto2 allows it)."""
    return StorageInfo(
        storage_type=buf.pull_u16(),
        filesystem_type=buf.pull_u16(),
        access_capability=buf.pull_u16(),
        max_capacity=buf.pull_u64(),
        free_space_in_bytes=buf.pull_u64(),
        free_space_in_images=buf.pull_u32(),
        storage_description=_optional_string(buf),
        volume_label=_optional_string(buf),
    )


def push_storage_info(buf: Buffer, info: StorageInfo) -> None:
    buf.push_u16(info.storage_type)
    buf.push_u16(info.filesystem_type)
    buf.push_u16(info.access_capability)
    buf.push_u64(info.max_capacity)
    buf.push_u64(info.free_space_in_bytes)
    buf.push_u32(info.free_space_in_images)
    push_string(buf, info.storage_description)
    push_string(buf, info.volume_label)


# -- ObjectInfo -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectInfo:
    """The answer to GetObjectInfo and the data of SendObjectInfo (reference §3.3).

    Only ``filename`` is required. The dates are the raw PTP DateTime strings, so that a
    dataset re-encodes as it came in; :attr:`capture_datetime` and
    :attr:`modification_datetime` parse them. Build them with :func:`format_ptp_datetime`.
    """

    storage_id: int = 0
    object_format: int = 0x3000  # ObjectFormat.Undefined
    protection_status: int = 0
    object_compressed_size: int = 0
    thumb_format: int = 0
    thumb_compressed_size: int = 0
    thumb_pix_width: int = 0
    thumb_pix_height: int = 0
    image_pix_width: int = 0
    image_pix_height: int = 0
    image_bit_depth: int = 0
    parent_object: int = 0
    association_type: int = 0
    association_desc: int = 0
    sequence_number: int = 0
    filename: str
    capture_date: str = ""
    modification_date: str = ""
    keywords: str = ""

    def __post_init__(self) -> None:
        # The 15 integers are checked in one step by packing them; only when that fails
        # are they checked one by one, to name the culprit.
        try:
            _OBJECT_INFO_FIXED.pack(*_object_info_ints(self))
        except LocalProtocolError:
            for name, minimum, maximum in _OBJECT_INFO_RANGES:
                _check_int(getattr(self, name), minimum, maximum, name)
            raise
        _check_str(self.filename, "filename")
        _check_str(self.capture_date, "capture_date")
        _check_str(self.modification_date, "modification_date")
        _check_str(self.keywords, "keywords")

    @property
    def capture_datetime(self) -> datetime | None:
        return parse_ptp_datetime(self.capture_date)

    @property
    def modification_datetime(self) -> datetime | None:
        return parse_ptp_datetime(self.modification_date)

    def encode(self) -> bytes:
        buf = Buffer()
        push_object_info(buf, self)
        return buf.data()

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> ObjectInfo:
        buf = Buffer(data)
        info = pull_object_info(buf)
        buf.check_end("ObjectInfo", allow_trailing=True)
        return info


#: The 52 bytes of ObjectInfo before Filename: StorageID … SequenceNumber.
_OBJECT_INFO_FIXED = Fields("IHHIHIIIIIIIHII")
_OBJECT_INFO_RANGES: tuple[tuple[str, int, int], ...] = (
    ("storage_id", 0, _U32_MAX),
    ("object_format", 0, _U16_MAX),
    ("protection_status", 0, _U16_MAX),
    ("object_compressed_size", 0, _U32_MAX),
    ("thumb_format", 0, _U16_MAX),
    ("thumb_compressed_size", 0, _U32_MAX),
    ("thumb_pix_width", 0, _U32_MAX),
    ("thumb_pix_height", 0, _U32_MAX),
    ("image_pix_width", 0, _U32_MAX),
    ("image_pix_height", 0, _U32_MAX),
    ("image_bit_depth", 0, _U32_MAX),
    ("parent_object", 0, _U32_MAX),
    ("association_type", 0, _U16_MAX),
    ("association_desc", 0, _U32_MAX),
    ("sequence_number", 0, _U32_MAX),
)


def _object_info_ints(info: ObjectInfo) -> tuple[int, ...]:
    """The fields of :data:`_OBJECT_INFO_FIXED`, in wire order."""
    return (
        info.storage_id,
        info.object_format,
        info.protection_status,
        info.object_compressed_size,
        info.thumb_format,
        info.thumb_compressed_size,
        info.thumb_pix_width,
        info.thumb_pix_height,
        info.image_pix_width,
        info.image_pix_height,
        info.image_bit_depth,
        info.parent_object,
        info.association_type,
        info.association_desc,
        info.sequence_number,
    )


# Decoded fields fit by construction (15 unsigned integers of their wire widths, then
# strings): a listing decodes thousands of ObjectInfos, built without re-checking them.
_build_object_info = unchecked_builder(ObjectInfo)


def pull_object_info(buf: Buffer) -> ObjectInfo:
    """Everything up to Filename is required; the dates and keywords may be missing."""
    ints = buf.pull_fields(_OBJECT_INFO_FIXED)  # StorageID … SequenceNumber, in field order
    return _build_object_info(
        *ints,
        pull_string(buf),  # filename
        _optional_string(buf),  # capture_date
        _optional_string(buf),  # modification_date
        _optional_string(buf),  # keywords
    )


def push_object_info(buf: Buffer, info: ObjectInfo) -> None:
    """Refuses an empty filename: libgphoto2 misreads the dataset that follows (§1.12)."""
    if not info.filename:
        raise LocalProtocolError("ObjectInfo.filename must not be empty")
    buf.push_fields(_OBJECT_INFO_FIXED, *_object_info_ints(info))
    push_string(buf, info.filename)
    push_string(buf, info.capture_date)
    push_string(buf, info.modification_date)
    push_string(buf, info.keywords)


# -- DevicePropDesc ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PropRange:
    """Range form: every value from minimum to maximum in steps of step_size."""

    minimum_value: PtpValue
    maximum_value: PtpValue
    step_size: PtpValue


@dataclass(frozen=True, slots=True)
class PropEnum:
    """Enumeration form: the allowed values (at most 65535: the count is a UINT16)."""

    values: tuple[PtpValue, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.values, tuple):
            raise LocalProtocolError(
                f"PropEnum.values must be a tuple, not {type(self.values).__name__}"
            )
        if len(self.values) > _U16_MAX:
            raise LocalProtocolError(f"PropEnum: {len(self.values)} values, at most {_U16_MAX}")


@dataclass(frozen=True, slots=True, kw_only=True)
class DevicePropDesc:
    """The answer to GetDevicePropDesc (reference §3.4).

    Every value (default, current, and those of the form) is of ``data_type``; a plain int
    given as ``data_type`` is turned into a :class:`DataType`.
    """

    device_prop_code: int
    data_type: DataType
    get_set: int = 0
    factory_default_value: PtpValue
    current_value: PtpValue
    form: PropRange | PropEnum | None = None

    def __post_init__(self) -> None:
        _check_int(self.device_prop_code, 0, _U16_MAX, "device_prop_code")
        dt = _encodable(self.data_type)
        object.__setattr__(self, "data_type", dt)  # frozen: normalise int → DataType
        _check_int(self.get_set, 0, _U8_MAX, "get_set")
        _check_value(dt, self.factory_default_value, "factory_default_value")
        _check_value(dt, self.current_value, "current_value")
        form = self.form
        if isinstance(form, PropRange):
            _check_value(dt, form.minimum_value, "minimum_value")
            _check_value(dt, form.maximum_value, "maximum_value")
            _check_value(dt, form.step_size, "step_size")
        elif isinstance(form, PropEnum):
            for value in form.values:
                _check_value(dt, value, "enumeration value")
        elif form is not None:
            raise LocalProtocolError(f"form must be PropRange, PropEnum or None: {form!r}")

    @property
    def form_flag(self) -> FormFlag:
        if isinstance(self.form, PropRange):
            return FormFlag.Range
        if isinstance(self.form, PropEnum):
            return FormFlag.Enumeration
        return FormFlag.NONE

    def encode(self) -> bytes:
        buf = Buffer()
        push_device_prop_desc(buf, self)
        return buf.data()

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> DevicePropDesc:
        buf = Buffer(data)
        desc = pull_device_prop_desc(buf)
        buf.check_end("DevicePropDesc", allow_trailing=True)
        return desc


def pull_device_prop_desc(buf: Buffer) -> DevicePropDesc:
    """A descriptor that ends right after the current value has no form."""
    code = buf.pull_u16()
    dt = _decodable(buf.pull_u16())
    get_set = buf.pull_u8()
    default = pull_value(buf, dt)
    current = pull_value(buf, dt)
    form: PropRange | PropEnum | None = None
    if not buf.eof():
        flag = buf.pull_u8()
        if flag == FormFlag.Range:
            form = PropRange(pull_value(buf, dt), pull_value(buf, dt), pull_value(buf, dt))
        elif flag == FormFlag.Enumeration:
            count = buf.pull_u16()
            form = PropEnum(tuple(pull_value(buf, dt) for _ in range(count)))
        elif flag != FormFlag.NONE:
            raise DecodeError(f"DevicePropDesc 0x{code:04X}: unknown FormFlag {flag}")
    return DevicePropDesc(
        device_prop_code=code,
        data_type=dt,
        get_set=get_set,
        factory_default_value=default,
        current_value=current,
        form=form,
    )


def push_device_prop_desc(buf: Buffer, desc: DevicePropDesc) -> None:
    dt = desc.data_type
    buf.push_u16(desc.device_prop_code)
    buf.push_u16(dt)
    buf.push_u8(desc.get_set)
    push_value(buf, dt, desc.factory_default_value)
    push_value(buf, dt, desc.current_value)
    form = desc.form
    buf.push_u8(desc.form_flag)
    if isinstance(form, PropRange):
        push_value(buf, dt, form.minimum_value)
        push_value(buf, dt, form.maximum_value)
        push_value(buf, dt, form.step_size)
    elif isinstance(form, PropEnum):
        buf.push_u16(len(form.values))
        for value in form.values:
            push_value(buf, dt, value)


# -- ObjectPropList (MTP) ---------------------------------------------------------------
class ObjectProp(NamedTuple):
    """One element of an :class:`ObjectPropList`: one property of one object.

    A named tuple rather than a dataclass because a card's list has tens of thousands of
    them; the list validates its elements when it is built.
    """

    handle: int
    prop_code: int
    data_type: DataType
    value: PtpValue


@dataclass(frozen=True, slots=True)
class ObjectPropList:
    """The data of MTP GetObjectPropList (0x9805): object properties, many objects at once.

    Layout (MTP 1.1, D.2.20 / appendix E.2.1.1): u32 number of elements, then each element
    as u32 ObjectHandle, u16 ObjectPropertyCode, u16 DataType and the value of that type.
    A plain int given as an element's ``data_type`` is turned into a :class:`DataType`.
    """

    elements: tuple[ObjectProp, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.elements, tuple):
            raise LocalProtocolError(
                f"ObjectPropList.elements must be a tuple, not {type(self.elements).__name__}"
            )
        if len(self.elements) > _U32_MAX:
            raise LocalProtocolError(f"ObjectPropList: {len(self.elements)} elements")
        normalised: list[ObjectProp] | None = None
        str_type, u32_max, u16_max, bounds_of = DataType.STR, _U32_MAX, _U16_MAX, _BOUNDS.get
        for index, element in enumerate(self.elements):
            # The quick test, inline: tens of thousands of elements come by here.
            if isinstance(element, ObjectProp) and isinstance(element.data_type, DataType):
                handle, code, dt, value = element
                if (
                    isinstance(handle, int)
                    and 0 <= handle <= u32_max
                    and isinstance(code, int)
                    and 0 <= code <= u16_max
                ):
                    if dt is str_type:
                        if isinstance(value, str):
                            continue
                    else:
                        bounds = bounds_of(dt)
                        if bounds is None:  # an array type
                            if _value_fits(dt, value):
                                continue
                        elif isinstance(value, int) and bounds[0] <= value <= bounds[1]:
                            continue
            if normalised is None:
                normalised = list(self.elements)
            normalised[index] = _checked_element(element)  # raises, or normalises
        if normalised is not None:  # frozen: store the normalised elements once
            object.__setattr__(self, "elements", tuple(normalised))

    def __iter__(self) -> Iterator[ObjectProp]:
        return iter(self.elements)

    def by_object(self) -> dict[int, dict[int, PtpValue]]:
        """The values grouped by object: handle → {property code: value}, in list order."""
        objects: dict[int, dict[int, PtpValue]] = {}
        for handle, code, _, value in self.elements:
            props = objects.get(handle)
            if props is None:
                props = objects[handle] = {}
            props[code] = value
        return objects

    def encode(self) -> bytes:
        buf = Buffer()
        push_object_prop_list(buf, self)
        return buf.data()

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> ObjectPropList:
        buf = Buffer(data)
        plist = pull_object_prop_list(buf)
        buf.check_end("ObjectPropList", allow_trailing=True)
        return plist


#: Data type code → DataType for every type a value can have (UNDEF excluded).
_ENCODABLE: dict[int, DataType] = {int(dt): dt for dt in DataType if dt is not DataType.UNDEF}


def _value_fits(dt: DataType, value: object) -> bool:
    """Whether ``value`` is a valid ``dt`` value (the quick test; see _check_value)."""
    if dt is DataType.STR:
        return isinstance(value, str)
    spec = _SCALARS.get(dt)
    if spec is not None:
        return isinstance(value, int) and spec.minimum <= value <= spec.maximum
    try:
        _check_value(dt, value, "value")
    except LocalProtocolError:
        return False
    return True


_BOUNDS: dict[DataType, tuple[int, int]] = {
    dt: (spec.minimum, spec.maximum) for dt, spec in _SCALARS.items()
}


def _checked_element(given: object) -> ObjectProp:
    """An ObjectPropList element, its data type made a :class:`DataType`; or the error."""
    element = given
    if not isinstance(element, ObjectProp):
        try:
            element = ObjectProp(*element)  # type: ignore[misc]
        except TypeError:
            raise LocalProtocolError(f"not an ObjectPropList element: {given!r}") from None
    handle, code, data_type, value = element
    _check_int(handle, 0, _U32_MAX, "ObjectPropList handle")
    _check_int(code, 0, _U16_MAX, "ObjectPropList property code")
    dt = _encodable(data_type)
    _check_value(dt, value, f"property 0x{code:04X} of object 0x{handle:08X}")
    return element if dt is data_type else element._replace(data_type=dt)


def _array_puller(element_type: DataType) -> Callable[[Buffer], PtpValue]:
    return lambda buf: pull_array(buf, element_type)


#: Data type code → how to read a value of that type.
_PULLERS: dict[int, Callable[[Buffer], PtpValue]] = {
    **{int(dt): spec.pull for dt, spec in _SCALARS.items()},
    **{int(dt): _array_puller(dt.element_type) for dt in DataType if dt.is_array},
    int(DataType.STR): pull_string,
}
_PROP_HEAD = Fields("IHH")  # ObjectHandle, ObjectPropertyCode, DataType
_PROP_HEAD_SIZE = 8


def pull_object_prop(buf: Buffer) -> ObjectProp:
    """One element: handle, property code, data type, value."""
    handle, code, type_code = buf.pull_fields(_PROP_HEAD)
    pull = _PULLERS.get(type_code)
    if pull is None:
        raise DecodeError(f"property 0x{code:04X}: cannot decode data type 0x{type_code:04X}")
    return ObjectProp(handle, code, _ENCODABLE[type_code], pull(buf))


def push_object_prop(buf: Buffer, element: ObjectProp) -> None:
    handle, code, dt, value = element
    buf.push_fields(_PROP_HEAD, handle, code, dt)
    push_value(buf, dt, value)


def pull_object_prop_list(buf: Buffer) -> ObjectPropList:
    """The count is checked against the bytes left (at least 9 per element) first."""
    count = buf.pull_u32()
    if count * (_PROP_HEAD_SIZE + 1) > buf.remaining():
        raise BufferReadError(
            f"ObjectPropList of {count} elements, only {buf.remaining()} bytes left"
        )
    # pull_object_prop, unrolled: a whole card's list can be 100 000 elements.
    pull_head, pullers, types = buf.pull_fields, _PULLERS, _ENCODABLE
    elements = []
    for _ in range(count):
        handle, code, type_code = pull_head(_PROP_HEAD)
        pull = pullers.get(type_code)
        if pull is None:
            raise DecodeError(f"property 0x{code:04X}: cannot decode data type 0x{type_code:04X}")
        elements.append(ObjectProp(handle, code, types[type_code], pull(buf)))
    return ObjectPropList(tuple(elements))


def push_object_prop_list(buf: Buffer, plist: ObjectPropList) -> None:
    buf.push_u32(len(plist.elements))
    for element in plist.elements:
        push_object_prop(buf, element)
