"""Hypothesis: decode(encode(x)) == x for every dataset and data type, and garbage given to
any decoder only ever raises DecodeError."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from functools import partial

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ptpkit.errors import DecodeError
from ptpkit.proto.codes import DataType
from ptpkit.proto.datasets import (
    DeviceInfo,
    DevicePropDesc,
    ObjectInfo,
    ObjectProp,
    ObjectPropList,
    PropEnum,
    PropRange,
    PtpValue,
    StorageInfo,
    decode_u16_array,
    decode_u32_array,
    decode_value,
    encode_u16_array,
    encode_u32_array,
    encode_value,
    format_ptp_datetime,
    parse_ptp_datetime,
)

# (signed, bits) of each scalar type, from reference §2.7
SCALAR_BITS = {
    DataType.INT8: (True, 8),
    DataType.UINT8: (False, 8),
    DataType.INT16: (True, 16),
    DataType.UINT16: (False, 16),
    DataType.INT32: (True, 32),
    DataType.UINT32: (False, 32),
    DataType.INT64: (True, 64),
    DataType.UINT64: (False, 64),
    DataType.INT128: (True, 128),
    DataType.UINT128: (False, 128),
}
VALUE_TYPES = [dt for dt in DataType if dt is not DataType.UNDEF]


def ints_of(dt: DataType) -> st.SearchStrategy[int]:
    signed, bits = SCALAR_BITS[dt]
    if signed:
        return st.integers(-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
    return st.integers(0, (1 << bits) - 1)


u16 = ints_of(DataType.UINT16)
u32 = ints_of(DataType.UINT32)
u64 = ints_of(DataType.UINT64)
# any encodable string: no NUL, no lone surrogate, at most 254 UTF-16 units (127 chars ≤ 254)
ptp_text = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=127
)
u16_tuples = st.lists(u16, max_size=40).map(tuple)


def values_of(dt: DataType) -> st.SearchStrategy[PtpValue]:
    if dt is DataType.STR:
        return ptp_text
    if dt.is_array:
        return st.lists(ints_of(dt.element_type), max_size=12).map(tuple)
    return ints_of(dt)


@pytest.mark.parametrize("dt", VALUE_TYPES, ids=lambda dt: dt.name)
@given(data=st.data())
def test_value_round_trip(dt: DataType, data: st.DataObject) -> None:
    value = data.draw(values_of(dt))
    assert decode_value(dt, encode_value(dt, value)) == value


@given(st.lists(u32, max_size=50).map(tuple), st.lists(u16, max_size=50).map(tuple))
def test_array_round_trip(values32: tuple[int, ...], values16: tuple[int, ...]) -> None:
    assert decode_u32_array(encode_u32_array(values32)) == values32
    assert decode_u16_array(encode_u16_array(values16)) == values16


offsets = st.integers(-23 * 60, 23 * 60).map(lambda m: timezone(timedelta(minutes=m)))


@given(st.datetimes(timezones=st.none() | offsets))
def test_datetime_round_trip(dt: datetime) -> None:
    text = format_ptp_datetime(dt)
    assert len(text) >= 15
    parsed = parse_ptp_datetime(text)
    assert parsed is not None
    assert parsed == dt.replace(microsecond=0)
    assert parsed.utcoffset() == dt.utcoffset()


@given(st.text(max_size=30))
def test_parse_datetime_never_raises(text: str) -> None:
    parse_ptp_datetime(text)


device_infos = st.builds(
    DeviceInfo,
    standard_version=u16,
    vendor_extension_id=u32,
    vendor_extension_version=u16,
    vendor_extension_desc=ptp_text,
    functional_mode=u16,
    operations_supported=u16_tuples,
    events_supported=u16_tuples,
    device_properties_supported=u16_tuples,
    capture_formats=u16_tuples,
    image_formats=u16_tuples,
    manufacturer=ptp_text,
    model=ptp_text,
    device_version=ptp_text,
    serial_number=ptp_text,
)

storage_infos = st.builds(
    StorageInfo,
    storage_type=u16,
    filesystem_type=u16,
    access_capability=u16,
    max_capacity=u64,
    free_space_in_bytes=u64,
    free_space_in_images=u32,
    storage_description=ptp_text,
    volume_label=ptp_text,
)

object_infos = st.builds(
    ObjectInfo,
    storage_id=u32,
    object_format=u16,
    protection_status=u16,
    object_compressed_size=u32,
    thumb_format=u16,
    thumb_compressed_size=u32,
    thumb_pix_width=u32,
    thumb_pix_height=u32,
    image_pix_width=u32,
    image_pix_height=u32,
    image_bit_depth=u32,
    parent_object=u32,
    association_type=u16,
    association_desc=u32,
    sequence_number=u32,
    filename=ptp_text.filter(bool),
    capture_date=ptp_text,
    modification_date=ptp_text,
    keywords=ptp_text,
)


def prop_descs_of(dt: DataType) -> st.SearchStrategy[DevicePropDesc]:
    values = values_of(dt)
    forms: st.SearchStrategy[PropRange | PropEnum | None] = st.one_of(
        st.none(),
        st.builds(PropRange, values, values, values),
        st.lists(values, max_size=8).map(lambda vs: PropEnum(tuple(vs))),
    )
    return st.builds(
        DevicePropDesc,
        device_prop_code=u16,
        data_type=st.just(dt),
        get_set=st.integers(0, 255),
        factory_default_value=values,
        current_value=values,
        form=forms,
    )


prop_descs = st.sampled_from(VALUE_TYPES).flatmap(prop_descs_of)


@given(device_infos)
def test_device_info_round_trip(info: DeviceInfo) -> None:
    assert DeviceInfo.decode(info.encode()) == info


@given(storage_infos)
def test_storage_info_round_trip(info: StorageInfo) -> None:
    assert StorageInfo.decode(info.encode()) == info


@given(object_infos)
def test_object_info_round_trip(info: ObjectInfo) -> None:
    assert ObjectInfo.decode(info.encode()) == info


@pytest.mark.parametrize("dt", VALUE_TYPES, ids=lambda dt: dt.name)
@given(data=st.data())
def test_device_prop_desc_round_trip(dt: DataType, data: st.DataObject) -> None:
    desc = data.draw(prop_descs_of(dt))
    encoded = desc.encode()
    assert DevicePropDesc.decode(encoded) == desc
    assert DevicePropDesc.decode(encoded).encode() == encoded


def object_props() -> st.SearchStrategy[ObjectProp]:
    def of(dt: DataType) -> st.SearchStrategy[ObjectProp]:
        return st.builds(ObjectProp, u32, u16, st.just(dt), values_of(dt))

    return st.sampled_from(VALUE_TYPES).flatmap(of)


object_prop_lists = st.lists(object_props(), max_size=30).map(
    lambda elements: ObjectPropList(tuple(elements))
)


@given(object_prop_lists)
def test_object_prop_list_round_trip(plist: ObjectPropList) -> None:
    encoded = plist.encode()
    assert ObjectPropList.decode(encoded) == plist
    assert ObjectPropList.decode(encoded).encode() == encoded


@given(object_prop_lists)
def test_object_prop_list_by_object_keeps_every_last_value(plist: ObjectPropList) -> None:
    grouped = plist.by_object()
    expected: dict[int, dict[int, PtpValue]] = {}
    for handle, code, _, value in plist:
        expected.setdefault(handle, {})[code] = value
    assert grouped == expected


# -- garbage only ever raises DecodeError -----------------------------------------------
DECODERS: dict[str, Callable[[bytes], object]] = {
    "DeviceInfo": DeviceInfo.decode,
    "StorageInfo": StorageInfo.decode,
    "ObjectInfo": ObjectInfo.decode,
    "DevicePropDesc": DevicePropDesc.decode,
    "ObjectPropList": ObjectPropList.decode,
    "u32_array": decode_u32_array,
    "u16_array": decode_u16_array,
}
DECODERS.update({f"value_{dt.name}": partial(decode_value, dt) for dt in DataType})


def only_decode_errors(decoder: Callable[[bytes], object], data: bytes) -> None:
    try:
        decoder(data)
    except DecodeError:
        pass


@pytest.mark.parametrize("name", sorted(DECODERS))
@given(data=st.binary(max_size=200))
def test_garbage_only_raises_decode_error(name: str, data: bytes) -> None:
    only_decode_errors(DECODERS[name], data)


@given(st.binary(max_size=64))
def test_garbage_object_prop_list_with_plausible_elements(tail: bytes) -> None:
    # one element of each real type code, then random bytes where its value goes
    for dt in DataType:
        head = bytes([1, 0, 0, 0, 5, 0, 0, 0, 0x07, 0xDC, dt & 0xFF, dt >> 8])
        only_decode_errors(ObjectPropList.decode, head + tail)


@given(st.binary(max_size=64))
def test_garbage_device_prop_desc_with_plausible_header(tail: bytes) -> None:
    # random bytes after each real type code, so the value decoders are reached
    for dt in DataType:
        head = bytes([0x01, 0x50, dt & 0xFF, dt >> 8, 0x01])
        only_decode_errors(DevicePropDesc.decode, head + tail)


DATASETS = st.one_of(
    device_infos.map(lambda x: (DeviceInfo.decode, x.encode())),
    storage_infos.map(lambda x: (StorageInfo.decode, x.encode())),
    object_infos.map(lambda x: (ObjectInfo.decode, x.encode())),
    prop_descs.map(lambda x: (DevicePropDesc.decode, x.encode())),
    object_prop_lists.map(lambda x: (ObjectPropList.decode, x.encode())),
)


@given(DATASETS, st.data())
def test_mutated_datasets_only_raise_decode_error(
    case: tuple[Callable[[bytes], object], bytes], data: st.DataObject
) -> None:
    decoder, encoded = case
    mutated = bytearray(encoded)
    for _ in range(data.draw(st.integers(1, 4))):
        if not mutated:
            break
        where = data.draw(st.integers(0, len(mutated) - 1))
        action = data.draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        if action == "flip":
            mutated[where] = data.draw(st.integers(0, 255))
        elif action == "cut":
            del mutated[where:]
        elif action == "insert":
            mutated[where:where] = data.draw(st.binary(min_size=1, max_size=8))
        else:
            del mutated[where]
    only_decode_errors(decoder, bytes(mutated))
