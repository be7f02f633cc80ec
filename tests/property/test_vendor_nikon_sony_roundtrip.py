"""Hypothesis: decode(encode(x)) == x for every Nikon and Sony codec, garbage given to any of
their decoders only ever raises DecodeError, and truncated data is rejected (or, where a
shorter dataset is itself valid, never decodes to the original)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ptpkit.errors import DecodeError
from ptpkit.proto.codes import DataType
from ptpkit.proto.datasets import PropEnum, PropRange, PtpValue
from ptpkit.proto.vendors.nikon import (
    NikonEvent,
    NikonEventEx,
    NikonEventList,
    NikonEventListEx,
    NikonLiveViewImage,
    NikonVendorPropCodes,
)
from ptpkit.proto.vendors.sony import (
    ControlDeviceData,
    SonyExtDeviceInfo,
    SonyNotice,
    SonyPropertyBlob,
    SonyPropertyEntry,
    sony_liveview_jpeg,
)

u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)
u16_tuples = st.lists(u16, max_size=20).map(tuple)
garbage = st.binary(max_size=200)

INT_RANGES = {
    DataType.INT8: (-(1 << 7), (1 << 7) - 1),
    DataType.UINT8: (0, 0xFF),
    DataType.INT16: (-(1 << 15), (1 << 15) - 1),
    DataType.UINT16: (0, 0xFFFF),
    DataType.INT32: (-(1 << 31), (1 << 31) - 1),
    DataType.UINT32: (0, 0xFFFFFFFF),
    DataType.INT64: (-(1 << 63), (1 << 63) - 1),
    DataType.UINT64: (0, (1 << 64) - 1),
}
VALUE_TYPES = [*INT_RANGES, DataType.STR, DataType.AUINT16]
ptp_text = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=30
)


def values_of(dt: DataType) -> st.SearchStrategy[PtpValue]:
    if dt is DataType.STR:
        return ptp_text
    if dt is DataType.AUINT16:
        return u16_tuples
    low, high = INT_RANGES[dt]
    return st.integers(low, high)


# -- strategies -------------------------------------------------------------------------------

nikon_event_lists = st.lists(st.builds(NikonEvent, u16, u32), max_size=20).map(
    lambda events: NikonEventList(tuple(events))
)
nikon_event_ex_lists = st.lists(
    st.builds(NikonEventEx, u16, st.lists(u32, max_size=5).map(tuple)), max_size=12
).map(lambda events: NikonEventListEx(tuple(events)))
nikon_prop_codes = u16_tuples.map(NikonVendorPropCodes)
nikon_liveview = st.builds(
    NikonLiveViewImage,
    st.binary(max_size=40).filter(lambda header: b"\xff\xd8" not in header),
    st.binary(max_size=40).map(lambda rest: b"\xff\xd8" + rest),
)
sony_ext_infos = st.builds(SonyExtDeviceInfo, u16, u16_tuples, st.none() | u16_tuples)
sony_notices = st.builds(SonyNotice, st.just(0), u32, u32, u32) | st.builds(
    SonyNotice, st.just(2), u32, u32, u32, u8, u8
)


@st.composite
def control_values(draw: st.DrawFn) -> ControlDeviceData:
    dt = draw(st.sampled_from(VALUE_TYPES))
    return ControlDeviceData(dt, draw(values_of(dt)))


@st.composite
def sony_entries(draw: st.DrawFn, code: st.SearchStrategy[int] = u16) -> SonyPropertyEntry:
    dt = draw(st.sampled_from(VALUE_TYPES))
    values = values_of(dt)
    form_kind = draw(st.sampled_from(["none", "range", "enum", "enum2"]))
    form: PropRange | PropEnum | None = None
    second: PropEnum | None = None
    if form_kind == "range":
        form = PropRange(draw(values), draw(values), draw(values))
    elif form_kind.startswith("enum"):
        form = PropEnum(tuple(draw(st.lists(values, max_size=6))))
        if form_kind == "enum2":
            second = PropEnum(tuple(draw(st.lists(values, max_size=6))))
    return SonyPropertyEntry(
        code=draw(code),
        data_type=dt,
        get_set=draw(u8),
        is_enabled=draw(u8),
        factory_default_value=draw(values),
        current_value=draw(values),
        form=form,
        second_enum=second,
    )


# Sony property codes are 0x5xxx / 0xDxxx: never below 0x200, so any order is unambiguous.
sony_blobs = st.lists(sony_entries(st.integers(0x5000, 0xFFFF)), max_size=6).map(
    lambda entries: SonyPropertyBlob(tuple(entries))
)

CODECS: list[tuple[str, st.SearchStrategy[object], Callable[[bytes], object]]] = [
    ("NikonEventList", nikon_event_lists, NikonEventList.decode),
    ("NikonEventListEx", nikon_event_ex_lists, NikonEventListEx.decode),
    ("NikonVendorPropCodes", nikon_prop_codes, NikonVendorPropCodes.decode),
    ("NikonLiveViewImage", nikon_liveview, NikonLiveViewImage.decode),
    ("SonyExtDeviceInfo", sony_ext_infos, SonyExtDeviceInfo.decode),
    ("SonyPropertyEntry", sony_entries(), SonyPropertyEntry.decode),
    ("SonyPropertyBlob", sony_blobs, SonyPropertyBlob.decode),
    ("SonyNotice", sony_notices, SonyNotice.decode),
]
IDS = [name for name, _, _ in CODECS]


# -- round trips --------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "values", "decode"), CODECS, ids=IDS)
@given(data=st.data())
def test_round_trip(
    name: str,
    values: st.SearchStrategy[object],
    decode: Callable[[bytes], object],
    data: st.DataObject,
) -> None:
    value = data.draw(values)
    encoded = value.encode()  # type: ignore[attr-defined]
    assert decode(encoded) == value


@given(control_values())
def test_control_device_round_trip(value: ControlDeviceData) -> None:
    assert ControlDeviceData.decode(value.encode(), value.data_type) == value


@given(nikon_event_lists)
def test_nikon_lenient_agrees_on_good_data(events: NikonEventList) -> None:
    assert NikonEventList.decode_lenient(events.encode()) == (events, False)


@given(nikon_event_ex_lists)
def test_nikon_ex_lenient_agrees_on_good_data(events: NikonEventListEx) -> None:
    assert NikonEventListEx.decode_lenient(events.encode()) == (events, False)


# -- garbage ------------------------------------------------------------------------------------

DECODERS: list[Callable[[bytes], object]] = [decode for _, _, decode in CODECS] + [
    sony_liveview_jpeg
]


@pytest.mark.parametrize("decode", DECODERS, ids=[*IDS, "sony_liveview_jpeg"])
@given(garbage)
def test_garbage_only_raises_decode_error(decode: Callable[[bytes], object], data: bytes) -> None:
    try:
        decode(data)
    except DecodeError:
        pass


@given(garbage)
def test_garbage_in_a_property_blob_header(data: bytes) -> None:
    try:
        SonyPropertyBlob.decode(b"\x01\x00\x00\x00\x00\x00\x00\x00" + data)
    except DecodeError:
        pass


@given(st.sampled_from(VALUE_TYPES), garbage)
def test_garbage_control_value(dt: DataType, data: bytes) -> None:
    try:
        ControlDeviceData.decode(data, dt)
    except DecodeError:
        pass


@given(garbage)
def test_lenient_nikon_decoders_never_raise(data: bytes) -> None:
    events, rejected = NikonEventList.decode_lenient(data)
    assert not rejected or events == NikonEventList(())
    events_ex, rejected = NikonEventListEx.decode_lenient(data)
    assert not rejected or events_ex == NikonEventListEx(())


# -- truncation ---------------------------------------------------------------------------------


def assert_prefixes_rejected(
    encoded: bytes,
    decode: Callable[[bytes], object],
    value: object,
    *,
    strict: bool,
    tolerated: int | None = None,
) -> None:
    """Every strict prefix raises DecodeError; with ``strict=False`` a prefix may also be a
    valid, shorter dataset, but never one equal to the original. ``tolerated``: the length
    of the one prefix documented to decode to the original."""
    for end in range(len(encoded)):
        if end == tolerated:
            continue
        try:
            result = decode(encoded[:end])
        except DecodeError:
            continue
        assert not strict, f"prefix of {end} bytes decoded"
        assert result != value


@given(nikon_event_lists)
def test_nikon_event_list_truncated(value: NikonEventList) -> None:
    assert_prefixes_rejected(value.encode(), NikonEventList.decode, value, strict=True)


@given(nikon_event_ex_lists.filter(lambda value: len(value.events) > 0))
def test_nikon_event_list_ex_truncated(value: NikonEventListEx) -> None:
    # (an empty list may end after its count: "0000" is valid)
    assert_prefixes_rejected(value.encode(), NikonEventListEx.decode, value, strict=True)


@given(nikon_prop_codes)
def test_nikon_prop_codes_truncated(value: NikonVendorPropCodes) -> None:
    assert_prefixes_rejected(value.encode(), NikonVendorPropCodes.decode, value, strict=True)


@given(sony_notices)
def test_sony_notice_truncated(value: SonyNotice) -> None:
    assert_prefixes_rejected(value.encode(), SonyNotice.decode, value, strict=True)


@given(control_values())
def test_control_value_truncated(value: ControlDeviceData) -> None:
    encoded = value.encode()
    for end in range(len(encoded)):
        with pytest.raises(DecodeError):
            ControlDeviceData.decode(encoded[:end], value.data_type)


@given(sony_ext_infos.filter(lambda value: value.controls is None))
def test_sony_ext_info_truncated(value: SonyExtDeviceInfo) -> None:
    assert_prefixes_rejected(value.encode(), SonyExtDeviceInfo.decode, value, strict=True)


@pytest.mark.parametrize(
    ("values", "decode"),
    [
        (sony_ext_infos, SonyExtDeviceInfo.decode),
        (sony_blobs, SonyPropertyBlob.decode),
        (sony_entries(), SonyPropertyEntry.decode),
        (nikon_liveview, NikonLiveViewImage.decode),
    ],
    ids=["SonyExtDeviceInfo", "SonyPropertyBlob", "SonyPropertyEntry", "NikonLiveViewImage"],
)
@given(data=st.data())
def test_truncation_never_gives_back_the_original(
    values: st.SearchStrategy[object], decode: Callable[[bytes], object], data: st.DataObject
) -> None:
    value = data.draw(values)
    encoded: bytes = value.encode()  # type: ignore[attr-defined]
    last = value if isinstance(value, SonyPropertyEntry) else None
    if isinstance(value, SonyPropertyBlob) and value.entries:
        last = value.entries[-1]
    # A Sony entry at the very end may stop before its form flag: dropping a final "no
    # form" byte gives the same entry back (gphoto2 reads it so too).
    tolerated = len(encoded) - 1 if last is not None and last.form is None else None
    assert_prefixes_rejected(encoded, decode, value, strict=False, tolerated=tolerated)
