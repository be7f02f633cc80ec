"""Small checks and text helpers shared by the vendor codecs (``ptpkit.proto.vendors``).

Vendor datasets carry 8-bit NUL-terminated text (not PTP's counted UTF-16) and integers
that must fit their fields; these helpers keep those rules in one place.
"""

from __future__ import annotations

from ptpkit.errors import DecodeError, LocalProtocolError

__all__ = [
    "I32_MAX",
    "I32_MIN",
    "U8_MAX",
    "U16_MAX",
    "U32_MAX",
    "check_bytes",
    "check_int",
    "check_tuple",
    "check_uint",
    "check_uints",
    "cstring",
    "raw_text",
    "split_cstring",
]

U8_MAX = 0xFF
U16_MAX = 0xFFFF
U32_MAX = 0xFFFF_FFFF
I32_MIN = -(1 << 31)
I32_MAX = (1 << 31) - 1


def check_int(value: object, minimum: int, maximum: int, what: str) -> int:
    """``value``, if it is an int (not a bool) in ``[minimum, maximum]``."""
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise LocalProtocolError(f"{what} must be an integer in [{minimum}, {maximum}]: {value!r}")
    return value


def check_uint(value: object, bits: int, what: str) -> int:
    """``value``, if it fits an unsigned field of ``bits`` bits."""
    return check_int(value, 0, (1 << bits) - 1, what)


def check_tuple(values: object, what: str) -> tuple[object, ...]:
    if not isinstance(values, tuple):
        raise LocalProtocolError(f"{what} must be a tuple, not {type(values).__name__}")
    return values


def check_uints(values: object, bits: int, what: str) -> tuple[int, ...]:
    """``values``, if it is a tuple of ints that each fit ``bits`` unsigned bits."""
    return tuple(check_uint(value, bits, what) for value in check_tuple(values, what))


def check_bytes(value: object, what: str, length: int | None = None) -> None:
    if not isinstance(value, bytes):
        raise LocalProtocolError(f"{what} must be bytes, not {type(value).__name__}")
    if length is not None and len(value) != length:
        raise LocalProtocolError(f"{what} must be {length} bytes, not {len(value)}")


def raw_text(text: object, what: str) -> bytes:
    """Text as the 8-bit bytes it came from (UTF-8; undecodable bytes survive as
    surrogate escapes, so decode and encode give back the same bytes)."""
    if not isinstance(text, str):
        raise LocalProtocolError(f"{what} must be a str, not {type(text).__name__}")
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError as exc:
        raise LocalProtocolError(f"{what} cannot be encoded: {exc}") from exc
    if b"\0" in raw:
        raise LocalProtocolError(f"{what} must not contain NUL")
    return raw


def cstring(text: object, what: str) -> bytes:
    """Text as its 8-bit bytes and a NUL (see :func:`raw_text`)."""
    return raw_text(text, what) + b"\0"


def split_cstring(data: bytes, what: str) -> tuple[str, bytes]:
    """A NUL-terminated string at the start of ``data``, and the bytes after the NUL."""
    end = data.find(b"\0")
    if end < 0:
        raise DecodeError(f"{what}: no NUL terminator in {len(data)} bytes")
    return data[:end].decode("utf-8", "surrogateescape"), data[end + 1 :]
