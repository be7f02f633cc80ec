"""Hypothesis: every Canon EOS codec gives back what it encoded, and garbage given to any
of its decoders only ever raises DecodeError."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ptpkit.errors import DecodeError
from ptpkit.proto.vendors.canon import (
    CANON_PROP_TYPES,
    IMAGE_FORMAT_PROPS,
    PARAM_RECORD_TYPES,
    AvailListChanged,
    CameraStatusChanged,
    DeviceInfoEx,
    EosImageFormat,
    EosImageFormatEntry,
    EosObjectInfo,
    EosPropType,
    EosRecord,
    ObjectAddedEx,
    ObjectAddedEx64,
    ObjectInfoChangedEx,
    ObjectRemoved,
    OLCInfoChanged,
    ParamRecord,
    PropValueChanged,
    RequestObjectTransfer,
    RequestObjectTransfer64,
    SetPropValueEx,
    UnknownRecord,
    ViewFinderBlob,
    decode_events,
    decode_object_info_ex,
    decode_record,
    decode_viewfinder_data,
    encode_events,
    encode_object_info_ex,
    encode_viewfinder_data,
    eos_prop_type,
)
from ptpkit.proto.vendors.canon_events import _DECODERS

u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFF_FFFF)
i32 = st.integers(-(1 << 31), (1 << 31) - 1)
small_bytes = st.binary(max_size=24)
# 8-bit text without NUL; bytes that are not UTF-8 must survive too
text = (
    st.binary(max_size=20)
    .filter(lambda b: b"\0" not in b)
    .map(lambda b: b.decode("utf-8", "surrogateescape"))
)

image_formats = st.builds(
    EosImageFormat,
    st.lists(st.builds(EosImageFormatEntry, u32, u32, u32), min_size=1, max_size=2).map(tuple),
)
props_by_type: dict[EosPropType, list[int]] = {}
for _code, _kind in CANON_PROP_TYPES.items():
    props_by_type.setdefault(_kind, []).append(_code)
untyped_props = u32.filter(lambda code: code not in CANON_PROP_TYPES)
VALUE_STRATEGIES: dict[EosPropType, st.SearchStrategy[Any]] = {
    EosPropType.U8: u8,
    EosPropType.U16: u16,
    EosPropType.U32: u32,
    EosPropType.I32: i32,
    EosPropType.STRING: text,
    EosPropType.IMAGE_FORMAT: image_formats,
}


@st.composite
def prop_values(draw: st.DrawFn) -> tuple[int, Any, bytes | None]:
    kind = draw(st.sampled_from([*VALUE_STRATEGIES, EosPropType.RAW]))
    if kind is EosPropType.RAW:
        return draw(untyped_props), draw(small_bytes), None
    prop = draw(st.sampled_from(props_by_type[kind]))
    return prop, draw(VALUE_STRATEGIES[kind]), draw(st.none() | small_bytes)


@st.composite
def avail_lists(draw: st.DrawFn) -> AvailListChanged:
    prop = draw(st.sampled_from(sorted(IMAGE_FORMAT_PROPS)) | u32)
    values = st.lists(image_formats if prop in IMAGE_FORMAT_PROPS else u32, max_size=6)
    return AvailListChanged(prop, tuple(draw(values)), draw(u32), draw(small_bytes))


def _object_record(cls: type[Any]) -> st.SearchStrategy[Any]:
    return st.builds(
        cls, u32, u32, u16, u32, u32, text, st.binary(min_size=14, max_size=14), small_bytes
    )


records: st.SearchStrategy[EosRecord] = st.one_of(
    prop_values().map(lambda pve: PropValueChanged(*pve)),
    avail_lists(),
    _object_record(ObjectAddedEx),
    _object_record(ObjectInfoChangedEx),
    st.builds(
        ObjectAddedEx64,
        u32,
        u32,
        u16,
        u32,
        u32,
        u32,
        text,
        st.binary(min_size=14, max_size=14),
        small_bytes,
    ),
    st.builds(
        RequestObjectTransfer, u32, u16, u32, text, st.binary(min_size=10, max_size=10), small_bytes
    ),
    st.builds(
        RequestObjectTransfer64,
        u32,
        u16,
        u32,
        text,
        st.binary(min_size=10, max_size=10),
        small_bytes,
    ),
    st.builds(ObjectRemoved, u32, small_bytes),
    st.builds(CameraStatusChanged, u32, small_bytes),
    st.builds(ParamRecord, st.sampled_from(sorted(PARAM_RECORD_TYPES)), u32, small_bytes),
    st.builds(OLCInfoChanged, small_bytes),
    st.builds(
        UnknownRecord,
        u32.filter(lambda t: t not in _DECODERS and t != 0),
        small_bytes,
    ),
    st.builds(UnknownRecord, st.just(0), st.binary(min_size=1, max_size=8)),
)


@given(records)
def test_record_roundtrip(record: EosRecord) -> None:
    data = record.encode()
    assert decode_record(data) == record
    assert type(record).decode(data) == record


@given(st.lists(records, max_size=8))
def test_event_list_roundtrip(items: list[EosRecord]) -> None:
    data = encode_events(items)
    assert decode_events(data) == items
    assert decode_events(data, lenient=True) == items


@given(st.lists(records, min_size=1, max_size=4), st.data())
def test_event_list_prefixes(items: list[EosRecord], data: st.DataObject) -> None:
    encoded = encode_events(items)
    end = data.draw(st.integers(0, len(encoded) - 1))
    with pytest.raises(DecodeError):
        decode_events(encoded[:end])
    got = decode_events(encoded[:end], lenient=True)
    assert got == items[: len(got)]


@given(prop_values())
def test_set_prop_value_ex_roundtrip(pve: tuple[int, Any, bytes | None]) -> None:
    message = SetPropValueEx(*pve)
    assert SetPropValueEx.decode(message.encode()) == message
    if pve[2] is None and eos_prop_type(pve[0]) in {EosPropType.U8, EosPropType.U16}:
        assert len(message.encode()) == 12  # integers in a 4-byte slot


@given(image_formats)
def test_image_format_roundtrip(value: EosImageFormat) -> None:
    assert EosImageFormat.decode(value.encode()) == value


@given(u16)
def test_gphoto2_code_roundtrip(code: int) -> None:
    value = EosImageFormat.from_gphoto2_code(code)
    # nibble 0xE/0xF sizes are S2/S3 (+1 on the wire), and every fold is stable
    assert EosImageFormat.from_gphoto2_code(value.gphoto2_code) == value


u32_tuples = st.lists(u32, min_size=1, max_size=6).map(tuple)


@given(u32_tuples, u32_tuples, u32_tuples, st.none() | u32, small_bytes)
def test_device_info_ex_roundtrip(
    events: tuple[int, ...],
    props: tuple[int, ...],
    unknown: tuple[int, ...],
    length: int | None,
    extra: bytes,
) -> None:
    info = DeviceInfoEx(events, props, unknown, length, extra)
    assert DeviceInfoEx.decode(info.encode()) == info


object_infos = st.builds(
    EosObjectInfo,
    u32,
    u32,
    u16,
    u8,
    u32,
    st.text(st.characters(min_codepoint=1, max_codepoint=127), max_size=12),
    u32,
    st.binary(min_size=20, max_size=20),
    small_bytes,
)


@given(st.lists(object_infos, max_size=5))
def test_object_info_ex_roundtrip(entries: list[EosObjectInfo]) -> None:
    data = encode_object_info_ex(entries)
    assert decode_object_info_ex(data) == tuple(entries)
    for entry in entries:
        assert EosObjectInfo.decode(entry.encode()) == entry


@given(st.lists(st.builds(ViewFinderBlob, u32, st.binary(max_size=40)), max_size=5))
def test_viewfinder_roundtrip(blobs: list[ViewFinderBlob]) -> None:
    data = encode_viewfinder_data(blobs)
    assert decode_viewfinder_data(data) == tuple(blobs)


DECODERS: list[Callable[[bytes], object]] = [
    decode_events,
    lambda data: decode_events(data, lenient=True),
    decode_record,
    lambda data: decode_record(data, lenient=True),
    PropValueChanged.decode,
    AvailListChanged.decode,
    ObjectAddedEx.decode,
    ObjectAddedEx64.decode,
    RequestObjectTransfer.decode,
    ObjectRemoved.decode,
    ParamRecord.decode,
    OLCInfoChanged.decode,
    UnknownRecord.decode,
    SetPropValueEx.decode,
    EosImageFormat.decode,
    DeviceInfoEx.decode,
    EosObjectInfo.decode,
    decode_object_info_ex,
    ViewFinderBlob.decode,
    decode_viewfinder_data,
]


@st.composite
def garbage(draw: st.DrawFn) -> bytes:
    """Random bytes, often shaped like an EOS record (a plausible size and a known type)."""
    body = draw(st.binary(max_size=64))
    if draw(st.booleans()):
        record_type = draw(st.sampled_from(sorted(_DECODERS)) | u32)
        size = draw(st.sampled_from([len(body) + 8, len(body), 8, 0]) | u32)
        body = size.to_bytes(4, "little") + record_type.to_bytes(4, "little") + body
    return body


@pytest.mark.parametrize("decode", DECODERS)
@given(data=garbage())
def test_garbage_only_raises_decode_error(decode: Callable[[bytes], object], data: bytes) -> None:
    try:
        decode(data)
    except DecodeError:
        pass
