"""One little-endian buffer for every codec in ptpkit.

All multi-byte PTP and PTP/IP values are little-endian. This module is the only place
that calls :mod:`struct`; every packet and dataset reads with ``pull_*`` and writes with
``push_*``. Reads past the end raise :class:`~ptpkit.errors.BufferReadError`.
"""

from __future__ import annotations

import codecs
import struct
from collections.abc import Callable

from ptpkit.errors import BufferReadError, LocalProtocolError

__all__ = ["Buffer", "Fields"]

_U8 = struct.Struct("<B")
_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
_I8 = struct.Struct("<b")
_I16 = struct.Struct("<h")
_I32 = struct.Struct("<i")
_I64 = struct.Struct("<q")
_HEADER = struct.Struct("<II")
_Unpack = Callable[[bytes | bytearray | memoryview, int], tuple[int, ...]]
_u16_from: _Unpack = _U16.unpack_from
_u32_from: _Unpack = _U32.unpack_from
_u64_from: _Unpack = _U64.unpack_from
# The codec functions themselves: bytes.decode("utf-16-le") looks the codec up each time.
_utf16_decode = codecs.utf_16_le_decode
_FIELD_NAMES = {
    "B": "u8",
    "H": "u16",
    "I": "u32",
    "Q": "u64",
    "b": "i8",
    "h": "i16",
    "i": "i32",
    "q": "i64",
}

_U128_MAX = (1 << 128) - 1
_I128_MIN = -(1 << 127)
_I128_MAX = (1 << 127) - 1


class Fields:
    """A fixed run of little-endian integer fields, packed or unpacked in one step.

    ``Fields("IHH")`` is a u32 and two u16s (the :mod:`struct` letters ``B H I Q`` for
    u8…u64, ``b h i q`` for i8…i64). Datasets and packets with a fixed layout use one
    instead of a ``pull_*``/``push_*`` call per field: the same bytes, far fewer calls.
    """

    __slots__ = ("_struct", "parts", "size", "unpack_from")

    def __init__(self, codes: str) -> None:
        self._struct = struct.Struct("<" + codes)
        self.size = self._struct.size
        #: ``unpack_from(data, offset)``: the fields at ``offset`` (the caller checks that
        #: ``size`` bytes are there). The struct's own method: no Python call in between.
        self.unpack_from: _Unpack = self._struct.unpack_from
        #: (size, name) of each field, to say which one is missing when bytes run out.
        self.parts: tuple[tuple[int, str], ...] = tuple(
            (struct.calcsize(code), _FIELD_NAMES[code]) for code in codes if not code.isdigit()
        )

    def pack(self, *values: int) -> bytes:
        """The fields as bytes; LocalProtocolError if a value does not fit its field."""
        try:
            return self._struct.pack(*values)
        except struct.error as exc:
            raise LocalProtocolError(f"field out of range in {values!r}: {exc}") from exc


class Buffer:
    """A read cursor over bytes, or a growing byte array to write into.

    ``Buffer(data)`` reads ``data`` from the start; ``Buffer()`` starts empty for writing.
    Reading and writing share one object so that codecs can be written as pull/push pairs.
    """

    __slots__ = ("_data", "_pos")

    def __init__(self, data: bytes | bytearray | memoryview = b"") -> None:
        self._data: bytes | bytearray = data if isinstance(data, bytes) else bytes(data)
        self._pos = 0

    # -- position -------------------------------------------------------------------
    def tell(self) -> int:
        """Offset of the read cursor."""
        return self._pos

    def remaining(self) -> int:
        """Bytes left to read."""
        return len(self._data) - self._pos

    def eof(self) -> bool:
        """True once every byte has been read."""
        return self._pos >= len(self._data)

    def data(self) -> bytes:
        """Everything written (or the whole input), as bytes."""
        return bytes(self._data)

    def check_end(self, what: str, *, allow_trailing: bool = False) -> None:
        """Decide, in one place, what trailing bytes mean: an error unless allowed."""
        if not allow_trailing and self._pos != len(self._data):
            raise BufferReadError(f"{what}: {len(self._data) - self._pos} trailing bytes")

    # -- reading --------------------------------------------------------------------
    def _take(self, size: int, what: str) -> int:
        pos = self._pos
        end = pos + size
        if end > len(self._data):
            raise BufferReadError(
                f"{what}: need {size} bytes at offset {pos}, only {len(self._data) - pos} left"
            )
        self._pos = end
        return pos

    def pull_bytes(self, size: int) -> bytes:
        if size < 0:
            raise BufferReadError(f"negative length {size}")
        pos = self._take(size, "bytes")
        return bytes(self._data[pos : pos + size])

    def pull_counted_utf16(self) -> str:
        """A u8 count of UTF-16LE code units, then the units, as text (undecodable units
        become U+FFFD; a NUL unit is kept). The layout of every PTP string."""
        data, pos = self._data, self._pos
        if pos >= len(data):
            self._take(1, "u8")  # raises
        end = pos + 1 + 2 * data[pos]
        if end > len(data):
            self._pos = pos + 1
            self._take(end - pos - 1, "bytes")  # raises
        self._pos = end
        return _utf16_decode(data[pos + 1 : end], "replace", True)[0]

    def pull_rest(self) -> bytes:
        """Everything from the cursor to the end."""
        pos = self._pos
        self._pos = len(self._data)
        return bytes(self._data[pos:])

    # The unsigned pulls are the hot ones: they check the length themselves (_take only
    # raises the error), saving a call per value.
    def pull_u8(self) -> int:
        pos = self._pos
        if pos >= len(self._data):
            self._take(1, "u8")
        self._pos = pos + 1
        return self._data[pos]

    def pull_u16(self) -> int:
        pos = self._pos
        if pos + 2 > len(self._data):
            self._take(2, "u16")
        self._pos = pos + 2
        return _u16_from(self._data, pos)[0]

    def pull_u32(self) -> int:
        pos = self._pos
        if pos + 4 > len(self._data):
            self._take(4, "u32")
        self._pos = pos + 4
        return _u32_from(self._data, pos)[0]

    def pull_u64(self) -> int:
        pos = self._pos
        if pos + 8 > len(self._data):
            self._take(8, "u64")
        self._pos = pos + 8
        return _u64_from(self._data, pos)[0]

    def pull_u128(self) -> int:
        pos = self._take(16, "u128")
        return int.from_bytes(self._data[pos : pos + 16], "little")

    def pull_i8(self) -> int:
        return int(_I8.unpack_from(self._data, self._take(1, "i8"))[0])

    def pull_i16(self) -> int:
        return int(_I16.unpack_from(self._data, self._take(2, "i16"))[0])

    def pull_i32(self) -> int:
        return int(_I32.unpack_from(self._data, self._take(4, "i32"))[0])

    def pull_i64(self) -> int:
        return int(_I64.unpack_from(self._data, self._take(8, "i64"))[0])

    def pull_i128(self) -> int:
        pos = self._take(16, "i128")
        return int.from_bytes(self._data[pos : pos + 16], "little", signed=True)

    def pull_fields(self, fields: Fields) -> tuple[int, ...]:
        """Every field of ``fields`` at once."""
        pos = self._pos
        end = pos + fields.size
        if end > len(self._data):
            for size, what in fields.parts:  # fails as pull_u32 & co. would, at the same field
                self._take(size, what)
        self._pos = end
        return fields.unpack_from(self._data, pos)

    def pull_ints(self, code: str, count: int) -> tuple[int, ...]:
        """``count`` integers of one kind (a :mod:`struct` letter, as in :class:`Fields`)."""
        size = struct.calcsize(code) * count
        return struct.unpack_from(f"<{count}{code}", self._data, self._take(size, "array"))

    def pull_header(self) -> tuple[int, int]:
        """A PTP/IP header: (length, type)."""
        length, ptype = _HEADER.unpack_from(self._data, self._take(8, "header"))
        return int(length), int(ptype)

    # -- writing --------------------------------------------------------------------
    def _writable(self) -> bytearray:
        if isinstance(self._data, bytes):
            self._data = bytearray(self._data)
        return self._data

    def push_bytes(self, value: bytes | bytearray | memoryview) -> None:
        self._writable().extend(value)

    def _push(self, fmt: struct.Struct, value: int, what: str) -> None:
        try:
            self._writable().extend(fmt.pack(value))
        except (struct.error, TypeError) as exc:
            raise LocalProtocolError(f"{what} out of range: {value!r}") from exc

    def push_u8(self, value: int) -> None:
        self._push(_U8, value, "u8")

    def push_u16(self, value: int) -> None:
        self._push(_U16, value, "u16")

    def push_u32(self, value: int) -> None:
        self._push(_U32, value, "u32")

    def push_u64(self, value: int) -> None:
        self._push(_U64, value, "u64")

    def push_u128(self, value: int) -> None:
        if not 0 <= value <= _U128_MAX:
            raise LocalProtocolError(f"u128 out of range: {value!r}")
        self._writable().extend(value.to_bytes(16, "little"))

    def push_i8(self, value: int) -> None:
        self._push(_I8, value, "i8")

    def push_i16(self, value: int) -> None:
        self._push(_I16, value, "i16")

    def push_i32(self, value: int) -> None:
        self._push(_I32, value, "i32")

    def push_i64(self, value: int) -> None:
        self._push(_I64, value, "i64")

    def push_i128(self, value: int) -> None:
        if not _I128_MIN <= value <= _I128_MAX:
            raise LocalProtocolError(f"i128 out of range: {value!r}")
        self._writable().extend(value.to_bytes(16, "little", signed=True))

    def push_fields(self, fields: Fields, *values: int) -> None:
        """Every field of ``fields`` at once (nothing is written if one does not fit)."""
        self._writable().extend(fields.pack(*values))

    def push_header(self, length: int, ptype: int) -> None:
        self._push(_U32, length, "packet length")
        self._push(_U32, ptype, "packet type")


def pack_header(length: int, ptype: int) -> bytes:
    """The 8-byte PTP/IP header, for hot paths that frame payloads without a Buffer."""
    return _HEADER.pack(length, ptype)
