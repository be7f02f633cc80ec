"""Canon EOS datasets other than GetEvent's: GetDeviceInfoEx (0x9108), the GetObjectInfoEx
(0x9109) listing, and GetViewFinderData (0x9153) blobs.

Layouts from ``shared/reference/dialects.md`` §2.4 and §9 (libgphoto2 ``ptp_unpack_EOS_DI``,
``ptp_canon_eos_getobjectinfoex`` with ``ptp_unpack_Canon_EOS_FE``, and
``camera_capture_preview``). Re-exported by :mod:`ptpkit.proto.vendors.canon`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ptpkit.errors import DecodeError, LocalProtocolError
from ptpkit.proto.buffer import Buffer
from ptpkit.proto.vendors._wire import (
    U8_MAX,
    U16_MAX,
    U32_MAX,
    check_bytes,
    check_int,
    check_uints,
    raw_text,
    split_cstring,
)

__all__ = [
    "EOS_OBJECT_NEW",
    "EOS_OBJECT_READ_ONLY",
    "VIEWFINDER_JPEG_TYPES",
    "DeviceInfoEx",
    "EosObjectInfo",
    "ViewFinderBlob",
    "decode_object_info_ex",
    "decode_viewfinder_data",
    "encode_object_info_ex",
    "encode_viewfinder_data",
]


# -- GetDeviceInfoEx 0x9108 -----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DeviceInfoEx:
    """The data of GetDeviceInfoEx: ``u32 struct length``, then three u32 arrays (each a
    u32 count and the values): events, properties, and a third list of unknown meaning.

    gphoto2 fails EOS capture preparation unless all three arrays are present and none is
    empty, so neither decoding nor building accepts an empty one. ``struct_length`` is
    ``None`` when it is the length of the whole data (what encode writes); ``extra`` holds
    bytes after the third array.
    """

    events: tuple[int, ...]
    properties: tuple[int, ...]
    unknown: tuple[int, ...] = (0,)
    struct_length: int | None = None
    extra: bytes = b""

    def __post_init__(self) -> None:
        for name in ("events", "properties", "unknown"):
            check_uints(getattr(self, name), 32, name)
            if not getattr(self, name):
                raise LocalProtocolError(f"DeviceInfoEx {name} must not be empty (gphoto2)")
        check_bytes(self.extra, "extra")
        if self.struct_length is not None:
            check_int(self.struct_length, 0, U32_MAX, "struct_length")
            if self.struct_length == self._total():
                object.__setattr__(self, "struct_length", None)

    def _total(self) -> int:
        count = len(self.events) + len(self.properties) + len(self.unknown)
        return 4 + 12 + 4 * count + len(self.extra)

    def encode(self) -> bytes:
        buf = Buffer()
        buf.push_u32(self._total() if self.struct_length is None else self.struct_length)
        for values in (self.events, self.properties, self.unknown):
            buf.push_u32(len(values))
            for value in values:
                buf.push_u32(value)
        buf.push_bytes(self.extra)
        return buf.data()

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> DeviceInfoEx:
        buf = Buffer(data)
        length = buf.pull_u32()
        arrays = []
        for name in ("events", "properties", "unknown"):
            count = buf.pull_u32()
            if count == 0 or count * 4 > buf.remaining():
                raise DecodeError(f"DeviceInfoEx: {name} count {count} (empty or too long)")
            arrays.append(buf.pull_ints("I", count))
        return cls(arrays[0], arrays[1], arrays[2], length, buf.pull_rest())


# -- GetObjectInfoEx 0x9109 -----------------------------------------------------------------
EOS_OBJECT_READ_ONLY = 0x01
EOS_OBJECT_NEW = 0x20  # gphoto2 clears it with SetObjectAttributes 0x910C after a download
_ENTRY_SIZE = 56
_NAME_FIELD = 13


@dataclass(frozen=True, slots=True)
class EosObjectInfo:
    """One entry of the GetObjectInfoEx listing: ``[u32 entry size >= 56]``, then (offsets
    after the size field) ``+0 handle, +4 storage, +8 u16 OFC, +16 u8 flags, +20 u32 size,
    +32 filename (13-byte field: at most 12 characters and a NUL), +48 u32 time`` (seconds,
    Unix-like). A folder has OFC 0x3001.

    ``reserved``: the 20 bytes at +10..+15, +17..+19, +24..+31 and +45..+47 whose meaning
    is not known (kept so that a decoded entry encodes to the same bytes); ``extra``: bytes
    after +52. Bytes after the NUL inside the filename field are not kept.
    """

    handle: int
    storage_id: int
    ofc: int
    flags: int
    size: int
    filename: str
    time: int
    reserved: bytes = bytes(20)
    extra: bytes = b""

    def __post_init__(self) -> None:
        for name in ("handle", "storage_id", "size", "time"):
            check_int(getattr(self, name), 0, U32_MAX, name)
        check_int(self.ofc, 0, U16_MAX, "ofc")
        check_int(self.flags, 0, U8_MAX, "flags")
        if len(raw_text(self.filename, "filename")) > _NAME_FIELD - 1:
            raise LocalProtocolError(f"filename longer than 12 bytes: {self.filename!r}")
        check_bytes(self.reserved, "reserved", 20)
        check_bytes(self.extra, "extra")

    def encode(self) -> bytes:
        buf = Buffer()
        _push_entry(buf, self)
        return buf.data()

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> EosObjectInfo:
        buf = Buffer(data)
        entry = _pull_entry(buf)
        buf.check_end("EOS object info entry")
        return entry


def _pull_entry(buf: Buffer) -> EosObjectInfo:
    entry_size = buf.pull_u32()
    if entry_size < _ENTRY_SIZE:
        raise DecodeError(f"EOS object info entry of {entry_size} bytes (at least 56)")
    body = Buffer(buf.pull_bytes(entry_size - 4))
    handle, storage, ofc = body.pull_u32(), body.pull_u32(), body.pull_u16()
    reserved = body.pull_bytes(6)
    flags = body.pull_u8()
    reserved += body.pull_bytes(3)
    size = body.pull_u32()
    reserved += body.pull_bytes(8)
    field = body.pull_bytes(_NAME_FIELD)
    name, _ = split_cstring(field, "EOS object info entry: filename field")
    reserved += body.pull_bytes(3)
    time = body.pull_u32()
    return EosObjectInfo(handle, storage, ofc, flags, size, name, time, reserved, body.pull_rest())


def _push_entry(buf: Buffer, entry: EosObjectInfo) -> None:
    buf.push_u32(_ENTRY_SIZE + len(entry.extra))
    buf.push_u32(entry.handle)
    buf.push_u32(entry.storage_id)
    buf.push_u16(entry.ofc)
    buf.push_bytes(entry.reserved[:6])
    buf.push_u8(entry.flags)
    buf.push_bytes(entry.reserved[6:9])
    buf.push_u32(entry.size)
    buf.push_bytes(entry.reserved[9:17])
    buf.push_bytes(raw_text(entry.filename, "filename").ljust(_NAME_FIELD, b"\0"))
    buf.push_bytes(entry.reserved[17:])
    buf.push_u32(entry.time)
    buf.push_bytes(entry.extra)


def decode_object_info_ex(data: bytes | bytearray | memoryview) -> tuple[EosObjectInfo, ...]:
    """The data of GetObjectInfoEx: ``u32 count``, then the entries. No data at all means
    no entries (as gphoto2 reads it); bytes after the last entry are an error."""
    buf = Buffer(data)
    if buf.eof():
        return ()
    count = buf.pull_u32()
    if count * _ENTRY_SIZE > buf.remaining():
        raise DecodeError(f"GetObjectInfoEx: {count} entries in {buf.remaining()} bytes")
    entries = tuple(_pull_entry(buf) for _ in range(count))
    buf.check_end("GetObjectInfoEx")
    return entries


def encode_object_info_ex(entries: Iterable[EosObjectInfo]) -> bytes:
    items = tuple(entries)
    buf = Buffer()
    buf.push_u32(len(items))
    for entry in items:
        _push_entry(buf, entry)
    return buf.data()


# -- GetViewFinderData 0x9153 ---------------------------------------------------------------
VIEWFINDER_JPEG_TYPES = frozenset({1, 11})
"""Blob types that hold a JPEG frame (9 is a raw or movie-mode image)."""


@dataclass(frozen=True, slots=True)
class ViewFinderBlob:
    """One blob of GetViewFinderData: ``[u32 length, header included][u32 type][payload]``."""

    blob_type: int
    payload: bytes

    def __post_init__(self) -> None:
        check_int(self.blob_type, 0, U32_MAX, "blob_type")
        check_bytes(self.payload, "payload")

    @property
    def is_jpeg(self) -> bool:
        return self.blob_type in VIEWFINDER_JPEG_TYPES

    def encode(self) -> bytes:
        buf = Buffer()
        buf.push_u32(8 + len(self.payload))
        buf.push_u32(self.blob_type)
        buf.push_bytes(self.payload)
        return buf.data()

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> ViewFinderBlob:
        blobs = decode_viewfinder_data(data)
        if len(blobs) != 1:
            raise DecodeError(f"one viewfinder blob expected, {len(blobs)} found")
        return blobs[0]


def decode_viewfinder_data(data: bytes | bytearray | memoryview) -> tuple[ViewFinderBlob, ...]:
    """Every blob of a GetViewFinderData reply; the blobs must fill the data exactly."""
    buf = Buffer(data)
    blobs = []
    while not buf.eof():
        length, blob_type = buf.pull_u32(), buf.pull_u32()
        if length < 8:
            raise DecodeError(f"viewfinder blob length {length} (at least 8)")
        blobs.append(ViewFinderBlob(blob_type, buf.pull_bytes(length - 8)))
    return tuple(blobs)


def encode_viewfinder_data(blobs: Iterable[ViewFinderBlob]) -> bytes:
    return b"".join(blob.encode() for blob in blobs)
