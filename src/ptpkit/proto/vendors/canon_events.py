"""Canon EOS GetEvent (0x9116) records, both ways.

The data of GetEvent is a list of records ``[u32 size][u32 type][size-8 bytes]`` ended by
the record ``size=8, type=0`` (reference ``dialects.md`` §2.4; libgphoto2
``ptp_unpack_CANON_changes``). One frozen dataclass per layout; :class:`UnknownRecord`
for any other type, so nothing is dropped. Bytes whose meaning is unknown (gaps in the
object records) are kept in ``reserved``, bytes after the known fields in ``extra``: a
decoded record encodes to the same bytes. Re-exported by
:mod:`ptpkit.proto.vendors.canon`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar, TypeAlias, TypeVar, Union

from ptpkit.errors import DecodeError, LocalProtocolError
from ptpkit.proto.buffer import Buffer
from ptpkit.proto.vendors._wire import (
    U16_MAX,
    U32_MAX,
    check_bytes,
    check_int,
    cstring,
    raw_text,
    split_cstring,
)
from ptpkit.proto.vendors.canon_codes import CanonEventCode
from ptpkit.proto.vendors.canon_values import (
    IMAGE_FORMAT_PROPS,
    EosImageFormat,
    EosValue,
    check_eos_value,
    normal_value_extra,
    pack_eos_value,
    pull_image_format,
    push_image_format,
    unpack_eos_value,
)

__all__ = [
    "EVENT_TERMINATOR",
    "PARAM_RECORD_TYPES",
    "AvailListChanged",
    "CameraStatusChanged",
    "EosRecord",
    "OLCInfoChanged",
    "ObjectAddedEx",
    "ObjectAddedEx64",
    "ObjectInfoChangedEx",
    "ObjectRemoved",
    "ParamRecord",
    "PropValueChanged",
    "RequestObjectTransfer",
    "RequestObjectTransfer64",
    "UnknownRecord",
    "decode_events",
    "decode_record",
    "encode_events",
]

_Ev = CanonEventCode
EVENT_TERMINATOR = b"\x08\x00\x00\x00\x00\x00\x00\x00"
"""The record ``size=8, type=0`` that ends every GetEvent list."""
_R = TypeVar("_R")
_O = TypeVar("_O", bound="_ObjectRecord")
_X = TypeVar("_X", bound="_TransferRecord")


# -- GetEvent records ---------------------------------------------------------------------
def _frame(record_type: int, payload: bytes) -> bytes:
    buf = Buffer()
    buf.push_u32(8 + len(payload))
    buf.push_u32(record_type)
    buf.push_bytes(payload)
    return buf.data()


class _Decode:
    """``decode(data)`` for a record class: one whole record of that class's type."""

    __slots__ = ()

    @classmethod
    def decode(cls: type[_R], data: bytes | bytearray | memoryview) -> _R:
        return _decode_as(cls, data)


@dataclass(frozen=True, slots=True)
class PropValueChanged(_Decode):
    """0xC189: ``+8 u32 property, +12 value``. The value is read as the type gphoto2 gives
    the property (:func:`eos_prop_type`): an int, a str, an :class:`EosImageFormat`, or
    the bytes themselves when no type is known. ``extra``: the bytes after the value when
    they are not just the zero padding of an integer's 4-byte slot (``None`` = that
    padding, as real cameras send it, so by default an integer record is 16 bytes)."""

    record_type: ClassVar[int] = _Ev.PropValueChanged
    prop: int
    value: EosValue
    extra: bytes | None = None

    def __post_init__(self) -> None:
        check_int(self.prop, 0, U32_MAX, "prop")
        kind = check_eos_value(self.prop, self.value)
        object.__setattr__(self, "extra", normal_value_extra(kind, self.extra))

    def encode(self) -> bytes:
        buf = Buffer()
        buf.push_u32(self.prop)
        buf.push_bytes(pack_eos_value(self.prop, self.value, self.extra))
        return _frame(self.record_type, buf.data())

    @classmethod
    def _from_payload(cls, _type: int, buf: Buffer) -> PropValueChanged:
        prop = buf.pull_u32()
        value, extra = unpack_eos_value(prop, buf.pull_rest())
        return cls(prop, value, extra)


@dataclass(frozen=True, slots=True)
class AvailListChanged(_Decode):
    """0xC18A, the allowed values: ``+8 u32 property, +12 u32 form (3 = enumeration, the
    only one gphoto2 uses), +16 u32 count, +20 values``. Each value sits in a 4-byte slot
    (kept whole, as a u32, whatever the property's type), except for the ImageFormat
    properties, whose values are :class:`EosImageFormat` structures back to back."""

    record_type: ClassVar[int] = _Ev.AvailListChanged
    prop: int
    values: tuple[int, ...] | tuple[EosImageFormat, ...] = ()
    form: int = 3
    extra: bytes = b""

    def __post_init__(self) -> None:
        check_int(self.prop, 0, U32_MAX, "prop")
        check_int(self.form, 0, U32_MAX, "form")
        check_bytes(self.extra, "extra")
        if not isinstance(self.values, tuple):
            raise LocalProtocolError("values must be a tuple")
        for value in self.values:
            if self.prop in IMAGE_FORMAT_PROPS:
                if not isinstance(value, EosImageFormat):
                    raise LocalProtocolError(f"{self.prop:#06x} takes EosImageFormat values")
            else:
                check_int(value, 0, U32_MAX, "value slot")

    def encode(self) -> bytes:
        buf = Buffer()
        buf.push_u32(self.prop)
        buf.push_u32(self.form)
        buf.push_u32(len(self.values))
        for value in self.values:
            if isinstance(value, EosImageFormat):
                push_image_format(buf, value)
            else:
                buf.push_u32(value)
        buf.push_bytes(self.extra)
        return _frame(self.record_type, buf.data())

    @classmethod
    def _from_payload(cls, _type: int, buf: Buffer) -> AvailListChanged:
        prop, form, count = buf.pull_u32(), buf.pull_u32(), buf.pull_u32()
        if count * 4 > buf.remaining():
            raise DecodeError(f"AvailListChanged: {count} values in {buf.remaining()} bytes")
        values: tuple[int, ...] | tuple[EosImageFormat, ...]
        if prop in IMAGE_FORMAT_PROPS:
            values = tuple(pull_image_format(buf) for _ in range(count))
        else:
            values = buf.pull_ints("I", count)
        return cls(prop, values, form, buf.pull_rest())


@dataclass(frozen=True, slots=True)
class _ObjectRecord(_Decode):
    """``+8 handle, +12 storage, +16 u16 OFC, +28 u32 size, +32 parent, +40 filename``
    (NUL-terminated). ``reserved``: the 14 bytes at +18..+27 and +36..+39, meaning
    unknown; ``extra``: the bytes after the filename's NUL."""

    record_type: ClassVar[int]
    handle: int
    storage_id: int
    ofc: int
    size: int
    parent: int
    filename: str
    reserved: bytes = bytes(14)
    extra: bytes = b""

    def __post_init__(self) -> None:
        for name in ("handle", "storage_id", "size", "parent"):
            check_int(getattr(self, name), 0, U32_MAX, name)
        check_int(self.ofc, 0, U16_MAX, "ofc")
        raw_text(self.filename, "filename")
        check_bytes(self.reserved, "reserved", 14)
        check_bytes(self.extra, "extra")

    def encode(self) -> bytes:
        buf = Buffer()
        buf.push_u32(self.handle)
        buf.push_u32(self.storage_id)
        buf.push_u16(self.ofc)
        buf.push_bytes(self.reserved[:10])
        buf.push_u32(self.size)
        buf.push_u32(self.parent)
        buf.push_bytes(self.reserved[10:])
        buf.push_bytes(cstring(self.filename, "filename") + self.extra)
        return _frame(self.record_type, buf.data())

    @classmethod
    def _from_payload(cls: type[_O], _type: int, buf: Buffer) -> _O:
        handle, storage, ofc = buf.pull_u32(), buf.pull_u32(), buf.pull_u16()
        gap = buf.pull_bytes(10)
        size, parent = buf.pull_u32(), buf.pull_u32()
        gap += buf.pull_bytes(4)
        name, extra = _split_name(buf)
        return cls(handle, storage, ofc, size, parent, name, gap, extra)


def _split_name(buf: Buffer) -> tuple[str, bytes]:
    return split_cstring(buf.pull_rest(), "filename")


@dataclass(frozen=True, slots=True)
class ObjectAddedEx(_ObjectRecord):
    """0xC181: a new object on the card (gphoto2: FILE_ADDED, or the end of a capture)."""

    record_type: ClassVar[int] = _Ev.ObjectAddedEx


@dataclass(frozen=True, slots=True)
class ObjectInfoChangedEx(_ObjectRecord):
    """0xC187: same layout as ObjectAddedEx; an object's information changed."""

    record_type: ClassVar[int] = _Ev.ObjectInfoChangedEx


@dataclass(frozen=True, slots=True)
class ObjectAddedEx64(_Decode):
    """0xC1A7: ``+8 handle, +12 storage, +16 u16 OFC, +28 u32 size (gphoto2 reads these
    32 bits), +36 parent, +40 second handle, +44 filename``. ``reserved``: the 14 bytes at
    +18..+27 and +32..+35."""

    record_type: ClassVar[int] = _Ev.ObjectAddedEx64
    handle: int
    storage_id: int
    ofc: int
    size: int
    parent: int
    second_handle: int
    filename: str
    reserved: bytes = bytes(14)
    extra: bytes = b""

    def __post_init__(self) -> None:
        for name in ("handle", "storage_id", "size", "parent", "second_handle"):
            check_int(getattr(self, name), 0, U32_MAX, name)
        check_int(self.ofc, 0, U16_MAX, "ofc")
        raw_text(self.filename, "filename")
        check_bytes(self.reserved, "reserved", 14)
        check_bytes(self.extra, "extra")

    def encode(self) -> bytes:
        buf = Buffer()
        buf.push_u32(self.handle)
        buf.push_u32(self.storage_id)
        buf.push_u16(self.ofc)
        buf.push_bytes(self.reserved[:10])
        buf.push_u32(self.size)
        buf.push_bytes(self.reserved[10:])
        buf.push_u32(self.parent)
        buf.push_u32(self.second_handle)
        buf.push_bytes(cstring(self.filename, "filename") + self.extra)
        return _frame(self.record_type, buf.data())

    @classmethod
    def _from_payload(cls, _type: int, buf: Buffer) -> ObjectAddedEx64:
        handle, storage, ofc = buf.pull_u32(), buf.pull_u32(), buf.pull_u16()
        gap = buf.pull_bytes(10)
        size = buf.pull_u32()
        gap += buf.pull_bytes(4)
        parent, second = buf.pull_u32(), buf.pull_u32()
        name, extra = _split_name(buf)
        return cls(handle, storage, ofc, size, parent, second, name, gap, extra)


@dataclass(frozen=True, slots=True)
class _TransferRecord(_Decode):
    """``+8 handle, +12 u16 OFC, +20 u32 size, +28 filename`` (NUL-terminated): the camera
    holds a capture in its memory (SDRAM) for the initiator to fetch. ``reserved``: the
    10 bytes at +14..+19 and +24..+27."""

    record_type: ClassVar[int]
    handle: int
    ofc: int
    size: int
    filename: str
    reserved: bytes = bytes(10)
    extra: bytes = b""

    def __post_init__(self) -> None:
        check_int(self.handle, 0, U32_MAX, "handle")
        check_int(self.ofc, 0, U16_MAX, "ofc")
        check_int(self.size, 0, U32_MAX, "size")
        raw_text(self.filename, "filename")
        check_bytes(self.reserved, "reserved", 10)
        check_bytes(self.extra, "extra")

    def encode(self) -> bytes:
        buf = Buffer()
        buf.push_u32(self.handle)
        buf.push_u16(self.ofc)
        buf.push_bytes(self.reserved[:6])
        buf.push_u32(self.size)
        buf.push_bytes(self.reserved[6:])
        buf.push_bytes(cstring(self.filename, "filename") + self.extra)
        return _frame(self.record_type, buf.data())

    @classmethod
    def _from_payload(cls: type[_X], _type: int, buf: Buffer) -> _X:
        handle, ofc = buf.pull_u32(), buf.pull_u16()
        gap = buf.pull_bytes(6)
        size = buf.pull_u32()
        gap += buf.pull_bytes(4)
        name, extra = _split_name(buf)
        return cls(handle, ofc, size, name, gap, extra)


@dataclass(frozen=True, slots=True)
class RequestObjectTransfer(_TransferRecord):
    """0xC186: a capture waits in the camera's memory (gphoto2 fetches it with
    GetPartialObject, then TransferComplete 0x9117)."""

    record_type: ClassVar[int] = _Ev.RequestObjectTransfer


@dataclass(frozen=True, slots=True)
class RequestObjectTransfer64(_TransferRecord):
    """0xC1A9: the same layout as RequestObjectTransfer, as gphoto2 reads it."""

    record_type: ClassVar[int] = _Ev.RequestObjectTransfer64


@dataclass(frozen=True, slots=True)
class ObjectRemoved(_Decode):
    """0xC182: ``+8 u32 handle``."""

    record_type: ClassVar[int] = _Ev.ObjectRemoved
    handle: int
    extra: bytes = b""

    def __post_init__(self) -> None:
        check_int(self.handle, 0, U32_MAX, "handle")
        check_bytes(self.extra, "extra")

    def encode(self) -> bytes:
        return _frame(self.record_type, _u32(self.handle) + self.extra)

    @classmethod
    def _from_payload(cls, _type: int, buf: Buffer) -> ObjectRemoved:
        return cls(buf.pull_u32(), buf.pull_rest())


@dataclass(frozen=True, slots=True)
class CameraStatusChanged(_Decode):
    """0xC18B: ``+8 u32 status``: 1 busy (gphoto2 refuses to capture), 0 idle (the end of
    a capture for ``--wait-event``)."""

    record_type: ClassVar[int] = _Ev.CameraStatusChanged
    status: int
    extra: bytes = b""

    def __post_init__(self) -> None:
        check_int(self.status, 0, U32_MAX, "status")
        check_bytes(self.extra, "extra")

    def encode(self) -> bytes:
        return _frame(self.record_type, _u32(self.status) + self.extra)

    @classmethod
    def _from_payload(cls, _type: int, buf: Buffer) -> CameraStatusChanged:
        return cls(buf.pull_u32(), buf.pull_rest())


#: Record types whose payload is one u32 gphoto2 logs (or uses as a handle).
PARAM_RECORD_TYPES = frozenset(
    {
        _Ev.StorageStatusChanged,
        _Ev.StorageInfoChanged,
        _Ev.ObjectContentChanged,
        _Ev.StoreAdded,
        _Ev.StoreRemoved,
        _Ev.BulbExposureTime,
        _Ev.CTGInfoCheckComplete,
    }
)


@dataclass(frozen=True, slots=True)
class ParamRecord(_Decode):
    """A record of one of :data:`PARAM_RECORD_TYPES`: ``+8 u32 param``."""

    record_type: int
    param: int
    extra: bytes = b""

    def __post_init__(self) -> None:
        if self.record_type not in PARAM_RECORD_TYPES:
            raise LocalProtocolError(f"{self.record_type:#x} is not a one-parameter record")
        check_int(self.param, 0, U32_MAX, "param")
        check_bytes(self.extra, "extra")

    def encode(self) -> bytes:
        return _frame(self.record_type, _u32(self.param) + self.extra)

    @classmethod
    def _from_payload(cls, record_type: int, buf: Buffer) -> ParamRecord:
        return cls(record_type, buf.pull_u32(), buf.pull_rest())


@dataclass(frozen=True, slots=True)
class OLCInfoChanged(_Decode):
    """0xC1A5: ``+8 u32 length, +12 u16 mask``, then fields per mask bit whose lengths
    depend on the camera's OLCInfoVersion (0xD199). Kept as the raw payload."""

    record_type: ClassVar[int] = _Ev.OLCInfoChanged
    data: bytes

    def __post_init__(self) -> None:
        check_bytes(self.data, "data")

    @property
    def mask(self) -> int | None:
        """The u16 mask at +12, if the record is long enough."""
        return int.from_bytes(self.data[4:6], "little") if len(self.data) >= 6 else None

    def encode(self) -> bytes:
        return _frame(self.record_type, self.data)

    @classmethod
    def _from_payload(cls, _type: int, buf: Buffer) -> OLCInfoChanged:
        return cls(buf.pull_rest())


@dataclass(frozen=True, slots=True)
class UnknownRecord:
    """Any other record, kept whole: its type and the bytes after the 8-byte header."""

    record_type: int
    data: bytes = b""

    def __post_init__(self) -> None:
        check_int(self.record_type, 0, U32_MAX, "record_type")
        check_bytes(self.data, "data")
        if self.record_type == 0 and not self.data:
            raise LocalProtocolError("size 8, type 0 is the terminator, not a record")

    def encode(self) -> bytes:
        return _frame(self.record_type, self.data)

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> UnknownRecord:
        buf = Buffer(data)
        size, record_type = buf.pull_u32(), buf.pull_u32()
        if size != len(buf.data()):
            raise DecodeError(f"EOS record: size field {size}, {len(buf.data())} bytes")
        if size == 8 and record_type == 0:
            raise DecodeError("size 8, type 0 is the list terminator, not a record")
        return cls(record_type, buf.pull_rest())


EosRecord: TypeAlias = Union[
    PropValueChanged,
    AvailListChanged,
    ObjectAddedEx,
    ObjectInfoChangedEx,
    ObjectAddedEx64,
    RequestObjectTransfer,
    RequestObjectTransfer64,
    ObjectRemoved,
    CameraStatusChanged,
    ParamRecord,
    OLCInfoChanged,
    UnknownRecord,
]

_DECODERS: dict[int, Callable[[int, Buffer], EosRecord]] = {
    _Ev.PropValueChanged: PropValueChanged._from_payload,
    _Ev.AvailListChanged: AvailListChanged._from_payload,
    _Ev.ObjectAddedEx: ObjectAddedEx._from_payload,
    _Ev.ObjectInfoChangedEx: ObjectInfoChangedEx._from_payload,
    _Ev.ObjectAddedEx64: ObjectAddedEx64._from_payload,
    _Ev.RequestObjectTransfer: RequestObjectTransfer._from_payload,
    _Ev.RequestObjectTransfer64: RequestObjectTransfer64._from_payload,
    _Ev.ObjectRemoved: ObjectRemoved._from_payload,
    _Ev.CameraStatusChanged: CameraStatusChanged._from_payload,
    _Ev.OLCInfoChanged: OLCInfoChanged._from_payload,
    **dict.fromkeys(PARAM_RECORD_TYPES, ParamRecord._from_payload),
}


def _u32(value: int) -> bytes:
    buf = Buffer()
    buf.push_u32(value)
    return buf.data()


def _payload_record(record_type: int, payload: bytes, lenient: bool) -> EosRecord:
    decoder = _DECODERS.get(record_type)
    if decoder is None:
        return UnknownRecord(record_type, payload)
    try:
        return decoder(record_type, Buffer(payload))
    except DecodeError:
        if lenient:
            return UnknownRecord(record_type, payload)
        raise


def decode_record(data: bytes | bytearray | memoryview, *, lenient: bool = False) -> EosRecord:
    """One whole record ``[u32 size][u32 type][payload]``; the size must match ``data``.

    A record of a known type whose payload does not fit its layout raises DecodeError,
    or with ``lenient`` comes back as an :class:`UnknownRecord`.
    """
    data = bytes(data)
    buf = Buffer(data)
    size, record_type = buf.pull_u32(), buf.pull_u32()
    if size != len(data):
        raise DecodeError(f"EOS record: size field {size}, {len(data)} bytes")
    if size == 8 and record_type == 0:
        raise DecodeError("size 8, type 0 is the list terminator, not a record")
    return _payload_record(record_type, data[8:], lenient)


def _decode_as(cls: type[_R], data: bytes | bytearray | memoryview) -> _R:
    record = decode_record(data)
    if not isinstance(record, cls):
        raise DecodeError(f"EOS record of type {record.record_type:#x} is not a {cls.__name__}")
    return record


def decode_events(
    data: bytes | bytearray | memoryview, *, lenient: bool = False
) -> list[EosRecord]:
    """The records of a GetEvent (0x9116) data phase, in order, without the terminator.

    Strict (the default): every record must be whole and of its layout, the list must end
    with the terminator (size 8, type 0), and nothing may follow it; anything else raises
    DecodeError. So a record that ends exactly at the end of the data, with no
    terminator after it, is an error.

    ``lenient=True`` reads as gphoto2 (2.5.30 and HEAD) does: it stops, without an
    error, at a size below 8, at a record that would run past the end, at the terminator,
    or when 8 or fewer bytes are left; a record that ends exactly at the end of the data
    is **dropped** (gphoto2 skips it); bytes after the stop are ignored; a known record
    whose payload does not fit its layout becomes an :class:`UnknownRecord`.
    """
    data = bytes(data)
    buf = Buffer(data)
    records: list[EosRecord] = []
    total = len(data)
    pos = 0
    while True:
        if lenient and pos + 8 >= total:
            return records
        if pos + 8 > total:
            raise DecodeError(f"GetEvent data ends at {total} without the terminator")
        size, record_type = buf.pull_u32(), buf.pull_u32()
        if size == 8 and record_type == 0:
            break
        if size < 8 or pos + size > total or (lenient and pos + size == total):
            if lenient:
                return records
            raise DecodeError(
                f"GetEvent record at {pos}: size {size} does not fit the {total - pos} bytes left"
            )
        records.append(_payload_record(record_type, buf.pull_bytes(size - 8), lenient))
        pos += size
    if not lenient:
        buf.check_end("GetEvent data after the terminator")
    return records


def encode_events(records: Iterable[EosRecord]) -> bytes:
    """GetEvent data: the records, then the terminator (always; alone for "nothing new")."""
    return b"".join(record.encode() for record in records) + EVENT_TERMINATOR
