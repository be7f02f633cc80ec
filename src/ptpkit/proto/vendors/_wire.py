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
    "raw_text",
    "split_cstring",
]

U8_MAX = 0xFF
U16_MAX = 0xFFFF
U32_MAX = 0xFFFF_FFFF
I32_MIN = -(1 << 31)
I32_MAX = (1 << 31) - 1


def check_int(value: object, minimum: int, maximum: int, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise LocalProtocolError(f"{what} must be an integer in [{minimum}, {maximum}]: {value!r}")


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


def split_cstring(data: bytes, what: str) -> tuple[str, bytes]:
    """A NUL-terminated string at the start of ``data``, and the bytes after the NUL."""
    end = data.find(b"\0")
    if end < 0:
        raise DecodeError(f"{what}: no NUL terminator in {len(data)} bytes")
    return data[:end].decode("utf-8", "surrogateescape"), data[end + 1 :]
