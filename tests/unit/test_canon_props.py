"""Canon EOS properties in words: names, types, values as text both ways."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ptpkit.proto.codes import DataType
from ptpkit.proto.vendors.canon import (
    EOS_PROPERTY_NAMES,
    EOS_READ_ONLY,
    EOS_VALUE_NAMES,
    EosImageFormat,
    EosImageFormatEntry,
    eos_data_type,
    format_eos_value,
    parse_eos_value,
    plain_eos_value,
)

LARGE_FINE = EosImageFormat((EosImageFormatEntry(1, 0, 3),))
RAW_AND_LARGE_FINE = EosImageFormat((EosImageFormatEntry(6, 0, 4), EosImageFormatEntry(1, 0, 3)))


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("iso", 0xD103),
        ("aperture", 0xD101),
        ("shutterspeed", 0xD102),
        ("whitebalance", 0xD109),
        ("drivemode", 0xD106),
        ("imageformat", 0xD120),
        ("batterylevel", 0xD111),
        ("availableshots", 0xD11B),
        ("capturetarget", 0xD11C),
    ],
)
def test_gphoto2_names(name: str, code: int) -> None:
    assert EOS_PROPERTY_NAMES[name] == code


def test_types_as_ptp_data_types() -> None:
    assert eos_data_type(0xD103) is DataType.UINT16  # ISO
    assert eos_data_type(0xD109) is DataType.UINT8  # white balance
    assert eos_data_type(0xD11B) is DataType.UINT32  # available shots
    assert eos_data_type(0xD1AF) is DataType.STR  # serial number
    assert eos_data_type(0xD120) is DataType.UINT16  # image format, gphoto2's code
    assert eos_data_type(0xD1A0) is None  # CustomFuncEx: no type known
    assert {0xD111, 0xD11B, 0xD1AF} <= EOS_READ_ONLY
    assert 0xD103 not in EOS_READ_ONLY


@pytest.mark.parametrize(
    ("code", "value", "text"),
    [
        (0xD103, 0x48, "100"),  # reference: 0x48 is ISO 100, 8 steps double it
        (0xD103, 0x70, "3200"),
        (0xD103, 0x00, "Auto"),
        (0xD101, 0x28, "f/4"),
        (0xD101, 0x30, "f/5.6"),
        (0xD102, 0x68, "1/60"),
        (0xD102, 0x2D, "2.5"),
        (0xD102, 0x0C, "bulb"),
        (0xD104, 0xF8, "-1"),
        (0xD104, 0x03, "+1/3"),
        (0xD109, 0x08, "Shadow"),
        (0xD106, 0x11, "Self-timer 2 s"),
        (0xD111, 0x01, "50%"),
        (0xD11C, 2, "Memory card"),
        (0xD11C, 4, "Internal RAM"),
        (0xD11B, 3075, "3075"),
        (0xD1AF, "012345678901", "012345678901"),
        (0xD120, 0x0300, "Large Fine JPEG"),
    ],
)
def test_values_in_words_both_ways(code: int, value: int | str, text: str) -> None:
    assert format_eos_value(code, value) == text
    parsed = parse_eos_value(code, text)
    assert format_eos_value(code, plain_eos_value(code, parsed)) == text
    # a label two codes share (0x04 and 0x0C are both bulb): the camera's allowed one
    allowed = (value,) if isinstance(value, int) and code != 0xD120 else ()
    assert plain_eos_value(code, parse_eos_value(code, text, allowed)) == value


@pytest.mark.parametrize(
    ("code", "text", "value"),
    [
        (0xD103, "ISO 400", 0x58),
        (0xD103, "iso400", 0x58),
        (0xD103, "auto", 0),
        (0xD103, "0x50", 0x50),
        (0xD101, "4", 0x28),
        (0xD101, "F4", 0x28),
        (0xD102, "1/60s", 0x68),
        (0xD102, "30 s", 0x10),
        (0xD11C, "card", 2),
        (0xD11C, "sdram", 4),
        (0xD109, "daylight", 1),
    ],
)
def test_loose_parsing(code: int, text: str, value: int) -> None:
    assert parse_eos_value(code, text) == value


def test_image_formats_by_name_from_the_allowed_values() -> None:
    allowed = (LARGE_FINE, RAW_AND_LARGE_FINE)
    assert parse_eos_value(0xD120, "RAW + Large Fine JPEG", allowed) == RAW_AND_LARGE_FINE
    assert parse_eos_value(0xD120, "large fine jpeg", allowed) == LARGE_FINE
    assert format_eos_value(0xD120, RAW_AND_LARGE_FINE) == "RAW + Large Fine JPEG"
    assert plain_eos_value(0xD120, LARGE_FINE) == 0x0300
    with pytest.raises(ValueError):
        parse_eos_value(0xD120, "Huge JPEG", allowed)


def test_unknown_text_and_untyped_properties() -> None:
    with pytest.raises(ValueError):
        parse_eos_value(0xD103, "a lot")
    with pytest.raises(ValueError):
        parse_eos_value(0xD1A0, "1")  # no data type known
    assert format_eos_value(0xD103, 0x47) == "0x47"  # not in the table
    assert format_eos_value(0xD1A0, b"\x01\x02") == "0102"


@pytest.mark.parametrize("code", sorted(EOS_VALUE_NAMES))
@given(data=st.data())
def test_every_table_label_parses_back(code: int, data: st.DataObject) -> None:
    table = EOS_VALUE_NAMES[code]
    value = data.draw(st.sampled_from(sorted(table)))
    text = format_eos_value(code, value)
    # labels shared by two codes (e.g. ISO values, two bulb codes) parse to one of them
    assert table[parse_eos_value(code, text)] == table[value]
