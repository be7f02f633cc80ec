"""The little-endian Buffer and its fixed-layout Fields."""

from __future__ import annotations

import pytest
from helpers import h

from ptpkit.errors import BufferReadError, LocalProtocolError
from ptpkit.proto.buffer import Buffer, Fields


def test_fields_pack_and_pull() -> None:
    fields = Fields("IHBQ")
    assert fields.size == 15
    data = fields.pack(0x01020304, 0x0506, 7, 1 << 40)
    assert data == h("04030201 0605 07 0000000000010000")
    buf = Buffer(data + b"\xff")
    assert buf.pull_fields(fields) == (0x01020304, 0x0506, 7, 1 << 40)
    assert buf.remaining() == 1


def test_fields_refuse_values_that_do_not_fit() -> None:
    with pytest.raises(LocalProtocolError):
        Fields("H").pack(0x10000)
    with pytest.raises(LocalProtocolError):
        Fields("I").pack(-1)
    with pytest.raises(LocalProtocolError):
        Fields("I").pack("1")  # type: ignore[arg-type]
    buf = Buffer()
    with pytest.raises(LocalProtocolError):
        buf.push_fields(Fields("BB"), 1, 256)
    assert buf.data() == b""  # nothing written


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("", "u32: need 4 bytes at offset 0, only 0 left"),
        ("01 02 03", "u32: need 4 bytes at offset 0, only 3 left"),
        ("01 02 03 04 05", "u16: need 2 bytes at offset 4, only 1 left"),
        ("01 02 03 04 05 06", "u8: need 1 bytes at offset 6, only 0 left"),
    ],
)
def test_pulling_fields_past_the_end_names_the_missing_field(data: str, message: str) -> None:
    with pytest.raises(BufferReadError, match=message):
        Buffer(h(data)).pull_fields(Fields("IHB"))


def test_unsigned_pulls_past_the_end() -> None:
    for pull, size in (("pull_u8", 1), ("pull_u16", 2), ("pull_u32", 4), ("pull_u64", 8)):
        buf = Buffer(bytes(size - 1))
        with pytest.raises(BufferReadError, match=f"need {size} bytes at offset 0"):
            getattr(buf, pull)()
        assert getattr(Buffer(bytes(size)), pull)() == 0


def test_counted_utf16() -> None:
    buf = Buffer(h("03 41 00 42 00 00 00  00  01 00 d8"))
    assert buf.pull_counted_utf16() == "AB\x00"  # the NUL is the caller's business
    assert buf.pull_counted_utf16() == ""
    assert buf.pull_counted_utf16() == "\ufffd"  # a lone surrogate
    with pytest.raises(BufferReadError, match="u8: need 1 bytes at offset 0"):
        Buffer(b"").pull_counted_utf16()
    with pytest.raises(BufferReadError, match="bytes: need 4 bytes at offset 1, only 3 left"):
        Buffer(h("02 41 00 42")).pull_counted_utf16()
