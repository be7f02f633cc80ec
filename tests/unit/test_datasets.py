"""Datasets and PTP values against byte vectors written by hand from the reference layouts
(shared/reference/ptpip-reference.md §2.8, §3), and against a real camera's DeviceInfo."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from conftest import fixture_path

from ptpkit.errors import BufferReadError, DecodeError, LocalProtocolError
from ptpkit.proto.buffer import Buffer
from ptpkit.proto.codes import DataType, FormFlag
from ptpkit.proto.datasets import (
    DeviceInfo,
    DevicePropDesc,
    ObjectInfo,
    PropEnum,
    PropRange,
    StorageInfo,
    decode_u16_array,
    decode_u32_array,
    decode_value,
    encode_u16_array,
    encode_u32_array,
    encode_value,
    format_ptp_datetime,
    parse_ptp_datetime,
    pull_array,
    pull_string,
    push_string,
)


def utf16z(text: str) -> bytes:
    """Hand-rolled PTP string for the vectors below: count (with NUL), UTF-16LE, NUL."""
    raw = text.encode("utf-16-le")
    return bytes([len(raw) // 2 + 1]) + raw + b"\x00\x00"


def h(text: str) -> bytes:
    """Hex with spaces, comments after '#' on each line."""
    lines = (line.split("#", 1)[0] for line in text.splitlines())
    return bytes.fromhex(" ".join(lines))


def decode_string(data: bytes) -> str:
    buf = Buffer(data)
    value = pull_string(buf)
    buf.check_end("string")
    return value


def encode_string(value: str) -> bytes:
    buf = Buffer()
    push_string(buf, value)
    return buf.data()


# -- strings ----------------------------------------------------------------------------
class TestString:
    def test_empty_encodes_as_single_zero_byte(self) -> None:
        assert encode_string("") == b"\x00"

    @pytest.mark.parametrize("data", [b"\x00", b"\x01\x00\x00"])
    def test_empty_decodes_from_both_forms(self, data: bytes) -> None:
        assert decode_string(data) == ""

    def test_abc(self) -> None:
        vector = h("04 41 00 42 00 43 00 00 00")
        assert encode_string("ABC") == vector
        assert decode_string(vector) == "ABC"

    def test_non_bmp_is_a_surrogate_pair_counting_two_units(self) -> None:
        # U+1F600 = D83D DE00; 2 units + NUL = 3
        vector = h("03 3d d8 00 de 00 00")
        assert encode_string("\U0001f600") == vector
        assert decode_string(vector) == "\U0001f600"

    def test_longest(self) -> None:
        data = encode_string("x" * 254)
        assert data[0] == 255
        assert len(data) == 1 + 2 * 255
        assert decode_string(data) == "x" * 254

    @pytest.mark.parametrize("text", ["x" * 255, "\U0001f600" * 127 + "x"])
    def test_too_long(self, text: str) -> None:
        with pytest.raises(LocalProtocolError):
            encode_string(text)

    @pytest.mark.parametrize("text", ["a\x00b", "\ud800"])
    def test_unencodable(self, text: str) -> None:
        with pytest.raises(LocalProtocolError):
            encode_string(text)

    def test_missing_nul_tolerated(self) -> None:
        assert decode_string(h("02 41 00 42 00")) == "AB"

    def test_stops_at_first_nul(self) -> None:
        assert decode_string(h("04 41 00 00 00 42 00 00 00")) == "A"

    def test_lone_surrogate_is_replaced(self) -> None:
        assert decode_string(h("02 00 d8 00 00")) == "\ufffd"

    @pytest.mark.parametrize("data", [b"", b"\x01", b"\x01\x00", b"\x03A\x00B\x00\x00"])
    def test_truncated(self, data: bytes) -> None:
        with pytest.raises(BufferReadError):
            decode_string(data)


# -- values and arrays ------------------------------------------------------------------
VALUE_VECTORS: list[tuple[DataType, int | str | tuple[int, ...], str]] = [
    (DataType.INT8, -2, "fe"),
    (DataType.UINT8, 200, "c8"),
    (DataType.INT16, -2, "fe ff"),
    (DataType.UINT16, 0x1234, "34 12"),
    (DataType.INT32, -(2**31), "00 00 00 80"),
    (DataType.UINT32, 0x12345678, "78 56 34 12"),
    (DataType.INT64, -1, "ff ff ff ff ff ff ff ff"),
    (DataType.UINT64, 0x0102030405060708, "08 07 06 05 04 03 02 01"),
    (DataType.INT128, -1, "ff" * 16),
    (DataType.INT128, -(2**127), "00" * 15 + "80"),
    (DataType.UINT128, 2**128 - 1, "ff" * 16),
    (DataType.UINT128, 1, "01" + "00" * 15),
    (DataType.AUINT16, (1, 2), "02 00 00 00 01 00 02 00"),
    (DataType.AINT8, (-1,), "01 00 00 00 ff"),
    (DataType.AUINT32, (), "00 00 00 00"),
    (DataType.AINT128, (-2,), "01 00 00 00 fe" + "ff" * 15),
    (DataType.STR, "ABC", "04 41 00 42 00 43 00 00 00"),
    (DataType.STR, "", "00"),
]


@pytest.mark.parametrize(("data_type", "value", "hexdata"), VALUE_VECTORS)
def test_value_vectors(
    data_type: DataType, value: int | str | tuple[int, ...], hexdata: str
) -> None:
    assert encode_value(data_type, value) == h(hexdata)
    assert decode_value(data_type, h(hexdata)) == value


@pytest.mark.parametrize(
    ("data_type", "value"),
    [
        (DataType.INT8, 128),
        (DataType.UINT8, -1),
        (DataType.UINT16, 0x10000),
        (DataType.INT64, 2**63),
        (DataType.UINT64, 2**64),
        (DataType.INT128, 2**127),
        (DataType.UINT128, -1),
        (DataType.UINT128, 2**128),
        (DataType.AUINT8, (1, 256)),
        (DataType.AUINT8, 5),
        (DataType.UINT8, "5"),
        (DataType.STR, 5),
        (DataType.UNDEF, 0),
    ],
)
def test_value_out_of_range_or_wrong_type(data_type: DataType, value: object) -> None:
    with pytest.raises(LocalProtocolError):
        encode_value(data_type, value)  # type: ignore[arg-type]


def test_value_must_use_whole_buffer() -> None:
    with pytest.raises(DecodeError):
        decode_value(DataType.UINT16, h("01 00 00"))
    with pytest.raises(BufferReadError):
        decode_value(DataType.UINT32, h("01 00 00"))


def test_undef_value_is_a_decode_error() -> None:
    with pytest.raises(DecodeError):
        decode_value(DataType.UNDEF, b"")


def test_u32_and_u16_arrays() -> None:
    vector = h("02 00 00 00  01 00 01 00  02 00 01 00")
    assert encode_u32_array((0x00010001, 0x00010002)) == vector
    assert decode_u32_array(vector) == (0x00010001, 0x00010002)
    vector16 = h("03 00 00 00  01 10 02 10 03 10")
    assert encode_u16_array((0x1001, 0x1002, 0x1003)) == vector16
    assert decode_u16_array(vector16) == (0x1001, 0x1002, 0x1003)
    assert encode_u32_array(()) == b"\x00\x00\x00\x00"
    with pytest.raises(LocalProtocolError):
        encode_u16_array((0x10000,))
    with pytest.raises(DecodeError):
        decode_u32_array(vector + b"\x00")  # trailing byte


@pytest.mark.parametrize(
    "element_type", [DataType.UINT8, DataType.UINT16, DataType.UINT32, DataType.UINT128]
)
def test_hostile_array_count_fails_before_allocating(element_type: DataType) -> None:
    buf = Buffer(h("ff ff ff ff") + b"\x00" * 64)
    with pytest.raises(BufferReadError):
        pull_array(buf, element_type)
    assert buf.tell() == 4  # refused on the count alone: no element was read


def test_hostile_array_count_in_value_and_helpers() -> None:
    with pytest.raises(BufferReadError):
        decode_u32_array(h("ff ff ff ff 00 00 00 00"))
    with pytest.raises(BufferReadError):
        decode_u16_array(h("02 00 00 00 01 00"))
    with pytest.raises(BufferReadError):
        decode_value(DataType.AUINT64, h("ff ff ff ff"))


# -- DateTime ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20240101T120000", datetime(2024, 1, 1, 12, 0, 0)),
        ("20231231T235959.9", datetime(2023, 12, 31, 23, 59, 59, 900000)),
        ("20240229T010203Z", datetime(2024, 2, 29, 1, 2, 3, tzinfo=timezone.utc)),
        (
            "20240101T120000.5+0130",
            datetime(2024, 1, 1, 12, 0, 0, 500000, timezone(timedelta(hours=1, minutes=30))),
        ),
        ("20240101T120000-0800", datetime(2024, 1, 1, 12, tzinfo=timezone(timedelta(hours=-8)))),
    ],
)
def test_parse_ptp_datetime(text: str, expected: datetime) -> None:
    parsed = parse_ptp_datetime(text)
    assert parsed == expected
    assert parsed is not None
    assert (parsed.tzinfo is None) == (expected.tzinfo is None)
    assert parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2024",
        "20240101",
        "20240101 120000",
        "20241301T000000",
        "20240230T000000",
        "20240101T240000",
        "20240101T120000+2400",
        "20240101T120000+0160",
        "20240101T120000Y",
        "20240101T120000.",
        "\uff12\uff10\uff12\uff140101T120000",  # fullwidth digits
    ],
)
def test_parse_ptp_datetime_invalid(text: str) -> None:
    assert parse_ptp_datetime(text) is None


def test_format_ptp_datetime() -> None:
    assert format_ptp_datetime(datetime(2024, 1, 2, 3, 4, 5)) == "20240102T030405"
    assert format_ptp_datetime(datetime(2024, 1, 2, 3, 4, 5, 999999)) == "20240102T030405"
    assert format_ptp_datetime(datetime(987, 1, 2, tzinfo=timezone.utc)) == "09870102T000000Z"
    plus = timezone(timedelta(hours=5, minutes=30))
    assert format_ptp_datetime(datetime(2024, 1, 2, tzinfo=plus)) == "20240102T000000+0530"
    minus = timezone(-timedelta(hours=3, minutes=15))
    assert format_ptp_datetime(datetime(2024, 1, 2, tzinfo=minus)) == "20240102T000000-0315"
    odd = timezone(timedelta(seconds=30))
    with pytest.raises(LocalProtocolError):
        format_ptp_datetime(datetime(2024, 1, 2, tzinfo=odd))


# -- StorageInfo ------------------------------------------------------------------------
STORAGE_INFO = h(
    """
    04 00                     # StorageType RemovableRAM
    02 00                     # FilesystemType GenericHierarchical
    00 00                     # AccessCapability ReadWrite
    00 00 00 00 02 00 00 00   # MaxCapacity 8 GiB
    78 56 34 12 00 00 00 00   # FreeSpaceInBytes 0x12345678
    ff ff ff ff               # FreeSpaceInImages not supported
    03 53 00 44 00 00 00      # StorageDescription "SD"
    00                        # VolumeLabel ""
    """
)


def test_storage_info_golden() -> None:
    info = StorageInfo.decode(STORAGE_INFO)
    assert info.storage_type == 4
    assert info.filesystem_type == 2
    assert info.access_capability == 0
    assert info.max_capacity == 8 * 1024**3
    assert info.free_space_in_bytes == 0x12345678
    assert info.free_space_in_images == 0xFFFFFFFF
    assert info.storage_description == "SD"
    assert info.volume_label == ""
    assert info.encode() == STORAGE_INFO


def test_storage_info_strings_may_be_missing() -> None:
    info = StorageInfo.decode(STORAGE_INFO[:26])
    assert info.storage_description == ""
    assert info.volume_label == ""
    with pytest.raises(BufferReadError):
        StorageInfo.decode(STORAGE_INFO[:25])


# -- ObjectInfo -------------------------------------------------------------------------
OBJECT_INFO_FIXED = h(
    """
    01 00 01 00   # 0  StorageID 0x00010001
    01 38         # 4  ObjectFormat EXIF/JPEG
    00 00         # 6  ProtectionStatus
    d2 04 00 00   # 8  ObjectCompressedSize 1234
    08 38         # 12 ThumbFormat JFIF
    00 01 00 00   # 14 ThumbCompressedSize 256
    a0 00 00 00   # 18 ThumbPixWidth 160
    78 00 00 00   # 22 ThumbPixHeight 120
    70 17 00 00   # 26 ImagePixWidth 6000
    a0 0f 00 00   # 30 ImagePixHeight 4000
    18 00 00 00   # 34 ImageBitDepth 24
    00 00 00 00   # 38 ParentObject root
    00 00         # 42 AssociationType
    00 00 00 00   # 44 AssociationDesc
    07 00 00 00   # 48 SequenceNumber 7
    06 41 00 2e 00 4a 00 50 00 47 00 00 00   # 52 Filename "A.JPG"
    """
)
CAPTURE_DATE = (
    b"\x10"  # 15 characters + NUL
    + "20240101T120000".encode("utf-16-le")
    + b"\x00\x00"
)
OBJECT_INFO = OBJECT_INFO_FIXED + CAPTURE_DATE + b"\x00" + b"\x00"


def test_object_info_golden() -> None:
    assert len(OBJECT_INFO_FIXED) == 52 + 1 + 2 * 6
    info = ObjectInfo.decode(OBJECT_INFO)
    assert info.storage_id == 0x00010001
    assert info.object_format == 0x3801
    assert info.protection_status == 0
    assert info.object_compressed_size == 1234
    assert info.thumb_format == 0x3808
    assert info.thumb_compressed_size == 256
    assert info.thumb_pix_width == 160
    assert info.thumb_pix_height == 120
    assert info.image_pix_width == 6000
    assert info.image_pix_height == 4000
    assert info.image_bit_depth == 24
    assert info.parent_object == 0
    assert info.association_type == 0
    assert info.association_desc == 0
    assert info.sequence_number == 7
    assert info.filename == "A.JPG"
    assert info.capture_date == "20240101T120000"
    assert info.capture_datetime == datetime(2024, 1, 1, 12, 0, 0)
    assert info.modification_date == ""
    assert info.modification_datetime is None
    assert info.keywords == ""
    assert info.encode() == OBJECT_INFO


def test_object_info_gphoto2_upload_form() -> None:
    # libgphoto2's SendObjectInfo: dates and keywords each one 0x00 byte, parent 0xFFFFFFFF
    data = bytearray(OBJECT_INFO_FIXED + b"\x00\x00\x00")
    data[38:42] = b"\xff\xff\xff\xff"
    assert len(data) == 53 + 2 * (5 + 1) + 3
    info = ObjectInfo.decode(data)
    assert info.parent_object == 0xFFFFFFFF
    assert (info.capture_date, info.modification_date, info.keywords) == ("", "", "")
    assert info.encode() == bytes(data)


def test_object_info_may_end_after_filename() -> None:
    info = ObjectInfo.decode(OBJECT_INFO_FIXED)
    assert info.filename == "A.JPG"
    assert (info.capture_date, info.modification_date, info.keywords) == ("", "", "")
    with pytest.raises(BufferReadError):
        ObjectInfo.decode(OBJECT_INFO_FIXED[:-1])
    with pytest.raises(BufferReadError):
        ObjectInfo.decode(OBJECT_INFO_FIXED[:52])


def test_object_info_defaults_and_empty_filename() -> None:
    info = ObjectInfo(filename="IMG_0001.JPG", object_compressed_size=10)
    assert info.object_format == 0x3000
    assert ObjectInfo.decode(info.encode()) == info
    with pytest.raises(LocalProtocolError):
        ObjectInfo(filename="").encode()
    # a camera may still send one: decoding it is not our call to refuse
    data = OBJECT_INFO_FIXED[:52] + b"\x00\x00\x00\x00"
    assert ObjectInfo.decode(data).filename == ""


def test_dataset_construction_is_validated() -> None:
    with pytest.raises(LocalProtocolError):
        ObjectInfo(filename="a", storage_id=-1)
    with pytest.raises(LocalProtocolError):
        StorageInfo(max_capacity=2**64)
    with pytest.raises(LocalProtocolError):
        DeviceInfo(operations_supported=(0x10000,))
    with pytest.raises(LocalProtocolError):
        DeviceInfo(operations_supported=[0x1001])  # type: ignore[arg-type]
    with pytest.raises(LocalProtocolError):
        DevicePropDesc(
            device_prop_code=0x5001,
            data_type=DataType.UINT8,
            factory_default_value=256,
            current_value=0,
        )
    with pytest.raises(LocalProtocolError):
        DevicePropDesc(
            device_prop_code=0x5001,
            data_type=DataType.UINT8,
            factory_default_value=1,
            current_value=0,
            form=PropEnum((1, "two")),
        )


# -- DevicePropDesc ---------------------------------------------------------------------
BATTERY_LEVEL = h(
    """
    01 50      # DevicePropCode BatteryLevel
    02 00      # DataType UINT8
    00         # GetSet get-only
    64         # FactoryDefaultValue 100
    57         # CurrentValue 87
    01         # FormFlag Range
    00 64 01   # min 0, max 100, step 1
    """
)

WHITE_BALANCE = h(
    """
    05 50            # DevicePropCode WhiteBalance
    04 00            # DataType UINT16
    01               # GetSet get/set
    02 00            # FactoryDefaultValue 2 Automatic
    04 00            # CurrentValue 4 Daylight
    02               # FormFlag Enumeration
    03 00            # NumberOfValues (u16) 3
    02 00 04 00 06 00
    """
)

DATE_TIME = (
    h("11 50  ff ff  01  00")  # DateTime, STR, get/set, default ""
    + CAPTURE_DATE  # current "20240101T120000"
    + h("00")  # FormFlag none
)


def test_battery_level_range() -> None:
    desc = DevicePropDesc.decode(BATTERY_LEVEL)
    assert desc == DevicePropDesc(
        device_prop_code=0x5001,
        data_type=DataType.UINT8,
        get_set=0,
        factory_default_value=100,
        current_value=87,
        form=PropRange(0, 100, 1),
    )
    assert desc.data_type is DataType.UINT8
    assert desc.form_flag is FormFlag.Range
    assert desc.encode() == BATTERY_LEVEL


def test_white_balance_enum() -> None:
    desc = DevicePropDesc.decode(WHITE_BALANCE)
    assert desc.device_prop_code == 0x5005
    assert desc.data_type is DataType.UINT16
    assert desc.get_set == 1
    assert desc.factory_default_value == 2
    assert desc.current_value == 4
    assert desc.form == PropEnum((2, 4, 6))
    assert desc.form_flag is FormFlag.Enumeration
    assert desc.encode() == WHITE_BALANCE


def test_date_time_str_without_form() -> None:
    desc = DevicePropDesc.decode(DATE_TIME)
    assert desc.data_type is DataType.STR
    assert desc.factory_default_value == ""
    assert desc.current_value == "20240101T120000"
    assert desc.form is None
    assert desc.form_flag is FormFlag.NONE
    assert desc.encode() == DATE_TIME
    # ...and one that ends right after the current value, with no FormFlag byte
    assert DevicePropDesc.decode(DATE_TIME[:-1]) == desc


def test_device_prop_desc_plain_int_data_type_is_normalised() -> None:
    desc = DevicePropDesc(
        device_prop_code=0x5001,
        data_type=2,  # type: ignore[arg-type]
        factory_default_value=1,
        current_value=1,
    )
    assert desc.data_type is DataType.UINT8


@pytest.mark.parametrize(
    "data",
    [
        BATTERY_LEVEL[:-4] + b"\x03",  # FormFlag 3
        BATTERY_LEVEL[:2] + h("00 00") + BATTERY_LEVEL[4:],  # UNDEF
        BATTERY_LEVEL[:2] + h("34 12") + BATTERY_LEVEL[4:],  # unknown type
        BATTERY_LEVEL[:-1],  # range cut short
        WHITE_BALANCE[:-1],
        WHITE_BALANCE[:-8] + h("ff ff"),  # 65535 values announced
        BATTERY_LEVEL[:5],  # no current value
    ],
)
def test_device_prop_desc_bad(data: bytes) -> None:
    with pytest.raises(DecodeError):
        DevicePropDesc.decode(data)


def test_device_prop_desc_array_type() -> None:
    data = h("00 d0  04 40  00  01 00 00 00 05 00  02 00 00 00 06 00 07 00  00")
    desc = DevicePropDesc.decode(data)
    assert desc.data_type is DataType.AUINT16
    assert desc.factory_default_value == (5,)
    assert desc.current_value == (6, 7)
    assert desc.encode() == data


# -- DeviceInfo: a real camera ----------------------------------------------------------
def load_fixture(name: str) -> bytes:
    return fixture_path(name).read_bytes()


@pytest.fixture
def fuji_deviceinfo() -> bytes:
    """The X-H1's DeviceInfo dataset, after its 12-byte USB container header is checked."""
    data = load_fixture("fuji-xh1-deviceinfo.usb.bin")
    header = Buffer(data[:12])
    assert header.pull_u32() == 605 == len(data)  # length
    assert header.pull_u16() == 2  # type: data
    assert header.pull_u16() == 0x1001  # GetDeviceInfo
    assert header.pull_u32() == 1  # transaction id
    return data[12:]


def test_fuji_xh1_device_info(fuji_deviceinfo: bytes) -> None:
    buf = Buffer(fuji_deviceinfo)
    info = DeviceInfo.decode(fuji_deviceinfo)
    assert info.standard_version == 100
    assert info.vendor_extension_id == 6
    assert info.vendor_extension_version == 100
    assert info.vendor_extension_desc == "fujifilm.co.jp: 1.0; "
    assert info.functional_mode == 0
    assert len(info.operations_supported) == 27
    assert info.operations_supported[:3] == (0x1001, 0x1002, 0x1003)
    assert info.events_supported == (0x4002, 0x4003, 0x4004, 0x4005, 0x400D, 0xC006)
    assert len(info.device_properties_supported) == 168
    assert info.device_properties_supported[:3] == (0x5001, 0x5003, 0x5005)
    assert info.capture_formats == (0x3800, 0x3801, 0xB103)
    assert info.image_formats == (0x3800, 0x3801, 0xB103)
    assert info.manufacturer == "FUJIFILM"
    assert info.model == "X-H1"
    assert info.device_version == "2.14"
    assert info.serial_number == "593534313432190906AA602021CA2A"

    # the dataset ends exactly at byte 605 of the file: nothing trailing
    from ptpkit.proto.datasets import pull_device_info

    assert pull_device_info(buf) == info
    assert buf.eof()
    assert 12 + buf.tell() == 605
    # and our encoder writes the camera's bytes back
    assert info.encode() == fuji_deviceinfo


def test_fuji_xh1_device_info_short_forms(fuji_deviceinfo: bytes) -> None:
    # the four trailing strings take 19 + 11 + 11 + 63 bytes
    strings_at = len(fuji_deviceinfo) - (19 + 11 + 11 + 63)
    short = DeviceInfo.decode(fuji_deviceinfo[:strings_at])
    assert short.image_formats == (0x3800, 0x3801, 0xB103)
    assert (short.manufacturer, short.model, short.device_version, short.serial_number) == (
        "",
        "",
        "",
        "",
    )
    partial = DeviceInfo.decode(fuji_deviceinfo[: strings_at + 19])
    assert (partial.manufacturer, partial.model) == ("FUJIFILM", "")
    with pytest.raises(BufferReadError):
        DeviceInfo.decode(fuji_deviceinfo[: strings_at - 1])
    # trailing padding is tolerated
    assert DeviceInfo.decode(fuji_deviceinfo + b"\x00\x00\x00\x00").serial_number.endswith("2A")


Dataset = type[DeviceInfo | StorageInfo | ObjectInfo | DevicePropDesc]


def check_every_prefix(cls: Dataset, data: bytes) -> None:
    """Fed one more byte at a time: only DecodeError, and the whole decodes and re-encodes."""
    for end in range(len(data)):
        try:
            cls.decode(data[:end])
        except DecodeError:
            pass
    assert cls.decode(memoryview(data)).encode() == data


@pytest.mark.parametrize(
    ("cls", "data"),
    [
        (StorageInfo, STORAGE_INFO),
        (ObjectInfo, OBJECT_INFO),
        (DevicePropDesc, BATTERY_LEVEL),
        (DevicePropDesc, WHITE_BALANCE),
        (DevicePropDesc, DATE_TIME),
    ],
    ids=["StorageInfo", "ObjectInfo", "BatteryLevel", "WhiteBalance", "DateTime"],
)
def test_every_prefix_decodes_or_raises_decode_error(cls: Dataset, data: bytes) -> None:
    check_every_prefix(cls, data)


def test_fuji_every_prefix(fuji_deviceinfo: bytes) -> None:
    check_every_prefix(DeviceInfo, fuji_deviceinfo)
