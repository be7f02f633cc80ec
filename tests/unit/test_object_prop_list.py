"""MTP ObjectPropList (the data of GetObjectPropList, 0x9805): golden bytes written by hand
from the MTP 1.1 layout, decoding edge cases and construction checks."""

from __future__ import annotations

import pytest
from helpers import h

from ptpkit.errors import BufferReadError, DecodeError, LocalProtocolError
from ptpkit.proto.codes import MTP_OBJECT_PROP_TYPES, DataType, MtpObjectPropCode, code_name
from ptpkit.proto.datasets import ObjectProp, ObjectPropList

P = MtpObjectPropCode

# u32 element count, then per element: u32 ObjectHandle, u16 ObjectPropertyCode,
# u16 DataType, value.
GOLDEN = h(
    """
    06 00 00 00
    05 00 00 00  01 dc  06 00  01 00 01 00
    05 00 00 00  07 dc  ff ff  06 41 00 2e 00 4a 00 50 00 47 00 00 00
    05 00 00 00  04 dc  08 00  01 00 00 00 01 00 00 00
    06 00 00 00  41 dc  0a 00  06 00 00 00 00 00 00 00 00 00 00 00 00 00 00 80
    06 00 00 00  0b dc  06 00  05 00 00 00
    06 00 00 00  00 dd  04 40  02 00 00 00 01 00 02 00
    """
)
ELEMENTS = (
    ObjectProp(5, P.StorageID, DataType.UINT32, 0x00010001),
    ObjectProp(5, P.ObjectFileName, DataType.STR, "A.JPG"),
    ObjectProp(5, P.ObjectSize, DataType.UINT64, 0x1_0000_0001),
    ObjectProp(6, P.PersistentUniqueObjectIdentifier, DataType.UINT128, (1 << 127) | 6),
    ObjectProp(6, P.ParentObject, DataType.UINT32, 5),
    ObjectProp(6, 0xDD00, DataType.AUINT16, (1, 2)),  # a vendor property, an array value
)


def test_golden_encode_and_decode() -> None:
    plist = ObjectPropList(ELEMENTS)
    assert plist.encode() == GOLDEN
    assert ObjectPropList.decode(GOLDEN) == plist
    assert ObjectPropList.decode(memoryview(GOLDEN)) == plist
    assert list(plist) == list(ELEMENTS)


def test_by_object_groups_values_in_order() -> None:
    assert ObjectPropList.decode(GOLDEN).by_object() == {
        5: {P.StorageID: 0x00010001, P.ObjectFileName: "A.JPG", P.ObjectSize: 0x1_0000_0001},
        6: {P.PersistentUniqueObjectIdentifier: (1 << 127) | 6, P.ParentObject: 5, 0xDD00: (1, 2)},
    }


def test_empty_list() -> None:
    assert ObjectPropList().encode() == h("00 00 00 00")
    assert ObjectPropList.decode(h("00 00 00 00")) == ObjectPropList()


def test_every_prefix_raises_only_decode_errors() -> None:
    for end in range(len(GOLDEN)):
        with pytest.raises(DecodeError):
            ObjectPropList.decode(GOLDEN[:end])


def test_trailing_bytes_are_tolerated_like_other_datasets() -> None:
    assert ObjectPropList.decode(GOLDEN + b"\x00\x00").elements == ELEMENTS


def test_a_count_beyond_the_data_fails_before_reading() -> None:
    with pytest.raises(BufferReadError, match="4294967295 elements"):
        ObjectPropList.decode(h("ff ff ff ff 05 00 00 00"))


@pytest.mark.parametrize(
    "data_type", ["00 00", "0b 00", "00 20"], ids=["UNDEF", "0x000B", "0x2000"]
)
def test_an_undecodable_data_type_is_a_decode_error(data_type: str) -> None:
    with pytest.raises(DecodeError, match="cannot decode data type"):
        ObjectPropList.decode(h(f"01 00 00 00  05 00 00 00 01 dc {data_type} 01 00 00 00"))


def test_elements_are_normalised_on_construction() -> None:
    plist = ObjectPropList(((1, 0xDC01, 6, 7), ObjectProp(1, 0xDC02, 4, 0x3801)))  # type: ignore[arg-type]
    assert plist.elements == (
        ObjectProp(1, P.StorageID, DataType.UINT32, 7),
        ObjectProp(1, P.ObjectFormat, DataType.UINT16, 0x3801),
    )
    assert all(type(e.data_type) is DataType for e in plist)


@pytest.mark.parametrize(
    "element",
    [
        (-1, 0xDC01, DataType.UINT32, 1),  # handle
        (1 << 32, 0xDC01, DataType.UINT32, 1),
        (1, 0x10000, DataType.UINT32, 1),  # property code
        (1, 0xDC01, DataType.UINT32, -1),  # value out of range
        (1, 0xDC01, DataType.UINT16, 0x10000),
        (1, 0xDC07, DataType.STR, 5),  # value of the wrong type
        (1, 0xDC01, DataType.UINT32, "5"),
        (1, 0xDD00, DataType.AUINT16, (1, 0x10000)),
        (1, 0xDC01, DataType.UNDEF, 0),  # no value of type UNDEF
        (1, 0xDC01, 0x1234, 0),  # unknown type
        (1, 0xDC01, DataType.UINT32),  # not four fields
    ],
)
def test_construction_is_validated(element: tuple[object, ...]) -> None:
    with pytest.raises(LocalProtocolError):
        ObjectPropList((element,))  # type: ignore[arg-type]


def test_elements_must_be_a_tuple() -> None:
    with pytest.raises(LocalProtocolError):
        ObjectPropList([ELEMENTS[0]])  # type: ignore[arg-type]


def test_strings_are_checked_when_encoded() -> None:
    too_long = ObjectPropList((ObjectProp(1, P.ObjectFileName, DataType.STR, "x" * 300),))
    with pytest.raises(LocalProtocolError):
        too_long.encode()


def test_object_property_codes_and_types() -> None:
    # MTP 1.1 appendix B; the same values as libgphoto2's and libmtp's PTP_OPC_*.
    assert {m.name: m.value for m in MtpObjectPropCode} == {
        "StorageID": 0xDC01,
        "ObjectFormat": 0xDC02,
        "ProtectionStatus": 0xDC03,
        "ObjectSize": 0xDC04,
        "AssociationType": 0xDC05,
        "AssociationDesc": 0xDC06,
        "ObjectFileName": 0xDC07,
        "DateCreated": 0xDC08,
        "DateModified": 0xDC09,
        "Keywords": 0xDC0A,
        "ParentObject": 0xDC0B,
        "PersistentUniqueObjectIdentifier": 0xDC41,
        "Name": 0xDC44,
        "Width": 0xDC87,
        "Height": 0xDC88,
    }
    assert set(MTP_OBJECT_PROP_TYPES) == set(MtpObjectPropCode)
    assert MTP_OBJECT_PROP_TYPES[P.ObjectSize] is DataType.UINT64
    assert MTP_OBJECT_PROP_TYPES[P.PersistentUniqueObjectIdentifier] is DataType.UINT128
    assert MTP_OBJECT_PROP_TYPES[P.ObjectFileName] is DataType.STR
    assert code_name("objectprop", 0xDC07) == "ObjectFileName"
    assert code_name("objectprop", 0xDCFF) == "Unknown_0xDCFF"
