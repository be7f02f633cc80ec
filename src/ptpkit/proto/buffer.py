"""One little-endian buffer for every codec in ptpkit.

All multi-byte PTP and PTP/IP values are little-endian. This module is the only place
that calls :mod:`struct`; every packet and dataset reads with ``pull_*`` and writes with
``push_*``. Reads past the end raise :class:`~ptpkit.errors.BufferReadError`.
"""

from __future__ import annotations

import struct

from ptpkit.errors import BufferReadError, LocalProtocolError

__all__ = ["Buffer"]

_U8 = struct.Struct("<B")
_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
_I8 = struct.Struct("<b")
_I16 = struct.Struct("<h")
_I32 = struct.Struct("<i")
_I64 = struct.Struct("<q")
_HEADER = struct.Struct("<II")

_U128_MAX = (1 << 128) - 1
_I128_MIN = -(1 << 127)
_I128_MAX = (1 << 127) - 1


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

    def pull_rest(self) -> bytes:
        """Everything from the cursor to the end."""
        pos = self._pos
        self._pos = len(self._data)
        return bytes(self._data[pos:])

    def pull_u8(self) -> int:
        return int(_U8.unpack_from(self._data, self._take(1, "u8"))[0])

    def pull_u16(self) -> int:
        return int(_U16.unpack_from(self._data, self._take(2, "u16"))[0])

    def pull_u32(self) -> int:
        return int(_U32.unpack_from(self._data, self._take(4, "u32"))[0])

    def pull_u64(self) -> int:
        return int(_U64.unpack_from(self._data, self._take(8, "u64"))[0])

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

    def push_header(self, length: int, ptype: int) -> None:
        self._push(_U32, length, "packet length")
        self._push(_U32, ptype, "packet type")


def pack_header(length: int, ptype: int) -> bytes:
    """The 8-byte PTP/IP header, for hot paths that frame payloads without a Buffer."""
    return _HEADER.pack(length, ptype)


def unpack_header(data: bytes | bytearray | memoryview, offset: int = 0) -> tuple[int, int]:
    """(length, type) from 8 bytes at ``offset``; the caller checks there are 8."""
    length, ptype = _HEADER.unpack_from(data, offset)
    return int(length), int(ptype)


def pack_u32(value: int) -> bytes:
    return _U32.pack(value)


def unpack_u32(data: bytes | bytearray | memoryview, offset: int = 0) -> int:
    return int(_U32.unpack_from(data, offset)[0])
