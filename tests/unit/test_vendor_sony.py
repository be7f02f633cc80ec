"""Sony wire knowledge against byte vectors written by hand from
shared/reference/dialects.md §4, §6, §9, §10.3 and libgphoto2's ptp.h code table."""

from __future__ import annotations

from enum import IntEnum

import pytest

from ptpkit.errors import DecodeError, LocalProtocolError
from ptpkit.proto.codes import DataType, DevicePropCode
from ptpkit.proto.datasets import PropEnum, PropRange
from ptpkit.proto.vendors.sony import (
    CAPTURE_OBJECT,
    LIVEVIEW_OBJECT,
    NOTICE_EXIT,
    NOTICE_INIT,
    SONY_OPERATION_DATA_DIRECTION,
    SONY_PROPERTY_TYPES,
    SONY_PROTOCOL_200,
    ControlDeviceData,
    SonyDevicePropCode,
    SonyEventCode,
    SonyExtDeviceInfo,
    SonyNotice,
    SonyOperationCode,
    SonyPropertyBlob,
    SonyPropertyEntry,
    sony_aperture_name,
    sony_battery_name,
    sony_iso_name,
    sony_liveview_jpeg,
    sony_parse_value,
    sony_shutter_name,
    sony_shutter_value,
    sony_value_name,
)


def h(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


# -- codes -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("member", "value"),
    [
        (SonyOperationCode.SDIOConnect, 0x9201),
        (SonyOperationCode.GetSDIOGetExtDeviceInfo, 0x9202),
        (SonyOperationCode.SetControlDeviceA, 0x9205),
        (SonyOperationCode.SetControlDeviceB, 0x9207),
        (SonyOperationCode.GetAllDevicePropData, 0x9209),
        (SonyOperationCode.Notice, 0x9280),
        (SonyOperationCode.NoticeReply, 0x9281),
        (SonyEventCode.ObjectAdded, 0xC201),
        (SonyEventCode.ObjectRemoved, 0xC202),
        (SonyEventCode.PropertyChanged, 0xC203),
        (SonyDevicePropCode.ShutterSpeed, 0xD20D),
        (SonyDevicePropCode.FocusFound, 0xD213),
        (SonyDevicePropCode.ObjectInMemory, 0xD215),
        (SonyDevicePropCode.BatteryLevel, 0xD218),
        (SonyDevicePropCode.ISO, 0xD21E),
        (SonyDevicePropCode.StillImageSaveDestination, 0xD222),
        (SonyDevicePropCode.PriorityMode, 0xD25A),
        (SonyDevicePropCode.AutoFocus, 0xD2C1),
        (SonyDevicePropCode.Capture, 0xD2C2),
    ],
)
def test_code_values(member: IntEnum, value: int) -> None:
    assert member == value


@pytest.mark.parametrize("enum_cls", [SonyOperationCode, SonyEventCode, SonyDevicePropCode])
def test_enums_have_no_aliases(enum_cls: type[IntEnum]) -> None:
    assert len(enum_cls.__members__) == len(list(enum_cls))
    assert len({member.value >> 12 for member in enum_cls}) == 1


def test_fixed_objects_and_directions() -> None:
    assert CAPTURE_OBJECT == 0xFFFFC001
    assert LIVEVIEW_OBJECT == 0xFFFFC002
    expected = {
        0x9201: "in",  # §1.4: SDIOConnect is data-in (ignored data, but a data phase)
        0x9202: "in",
        0x9205: "out",  # SetControlDeviceA: the value
        0x9207: "out",  # SetControlDeviceB: the value
        0x9209: "in",
        0x9280: "out",  # 18/16 bytes
        0x9281: "in",
    }
    for code, direction in expected.items():
        assert SONY_OPERATION_DATA_DIRECTION[code] == direction


def test_property_types_used_by_gphoto2() -> None:
    assert SONY_PROPERTY_TYPES[DevicePropCode.CompressionSetting] == DataType.UINT8  # §4.2 step 2
    assert SONY_PROPERTY_TYPES[DevicePropCode.FocusMode] == DataType.UINT16  # step 4
    assert SONY_PROPERTY_TYPES[0xD213] == DataType.UINT8
    assert SONY_PROPERTY_TYPES[0xD215] == DataType.UINT16
    assert SONY_PROPERTY_TYPES[0xD218] == DataType.INT8
    assert SONY_PROPERTY_TYPES[0xD21E] == DataType.UINT32
    assert SONY_PROPERTY_TYPES[0xD25A] == DataType.INT8  # §4.1 step 4: one INT8 = 1
    assert SONY_PROPERTY_TYPES[0xD2C1] == SONY_PROPERTY_TYPES[0xD2C2] == DataType.UINT16


# -- GetSDIOGetExtDeviceInfo 0x9202 (§4.1 step 2, §10.3) ---------------------------------------

EXT_INFO = h(
    "c800"  # version 0xC8 = 200
    "06000000 0192 0292 0992 01c2 0dd2 0450"  # 9201 9202 9209 C201 D20D 5004
)
EXT_INFO_TWO = EXT_INFO + h("02000000 c1d2 c2d2")  # second list: D2C1, D2C2


def test_ext_device_info_one_list() -> None:
    info = SonyExtDeviceInfo.decode(EXT_INFO)
    assert info.version == SONY_PROTOCOL_200
    assert info.controls is None
    assert info.operations == (0x9201, 0x9202, 0x9209)
    assert info.events == (0xC201,)
    assert info.properties == (0xD20D, 0x5004)
    assert info.encode() == EXT_INFO


def test_ext_device_info_two_lists() -> None:
    info = SonyExtDeviceInfo.decode(EXT_INFO_TWO)
    assert info.controls == (0xD2C1, 0xD2C2)
    assert info.properties == (0xD20D, 0x5004, 0xD2C1, 0xD2C2)
    assert info.encode() == EXT_INFO_TWO


def test_ext_device_info_sorts_by_0x7000_like_gphoto2() -> None:
    info = SonyExtDeviceInfo(0x12C, (0x2001, 0x1001, 0x4002, 0xC8FF, 0x3801))
    assert info.operations == (0x1001,)
    assert info.events == (0x4002, 0xC8FF)
    assert info.properties == ()  # 0x2001 and 0x3801 belong to no kind


@pytest.mark.parametrize(
    "data", [b"", h("c8"), h("c800"), h("c800 06000000 0192"), EXT_INFO_TWO[:-2]]
)
def test_ext_device_info_truncated(data: bytes) -> None:
    with pytest.raises(DecodeError):
        SonyExtDeviceInfo.decode(data)


# -- GetAllDevicePropData 0x9209 (§4.3, §10.3) ------------------------------------------------

# 0x5004 CompressionSetting, UINT8, GetSet 1, enabled 1, default 2, current 3, enum [2, 3]
E_5004 = h("0450 0200 01 01 02 03 02 0200 02 03")
# 0x500A FocusMode, UINT16, current 1 (manual, skips gphoto2's focus wait), enum [1, 2, 0x8004]
E_500A = h("0a50 0400 01 01 0100 0100 02 0300 0100 0200 0480")
# 0xD218 BatteryLevel, INT8, read-only, default -1, current 3, range -1..4 step 1
E_D218 = h("18d2 0100 00 01 ff 03 01 ff 04 01")
# 0xD215 ObjectInMemory, UINT16, current 0x8001 (a capture is ready), no form
E_D215 = h("15d2 0400 00 01 0000 0180 00")
BLOB = h("04000000 00000000") + E_5004 + E_500A + E_D218 + E_D215


def test_property_blob_vector() -> None:
    blob = SonyPropertyBlob.decode(BLOB)
    assert [entry.code for entry in blob.entries] == [0x5004, 0x500A, 0xD218, 0xD215]
    compression, focus, battery, in_memory = blob.entries
    assert compression.data_type == DataType.UINT8
    assert compression.form == PropEnum((2, 3))
    assert (focus.current_value, focus.form) == (1, PropEnum((1, 2, 0x8004)))
    assert battery.get_set == 0
    assert battery.is_enabled == 1
    assert (battery.factory_default_value, battery.current_value) == (-1, 3)
    assert battery.form == PropRange(-1, 4, 1)
    assert in_memory.current_value == 0x8001
    assert in_memory.form is None
    assert blob.get(0xD215) is in_memory
    assert blob.get(0x1234) is None
    assert blob.encode() == BLOB


def test_property_blob_count_is_not_trusted() -> None:
    data = h("09000000 00000000") + E_5004 + E_D215
    assert [entry.code for entry in SonyPropertyBlob.decode(data).entries] == [0x5004, 0xD215]
    assert SonyPropertyBlob.decode(h("00000000 00000000")).entries == ()


def test_property_entry_alone_and_as_desc() -> None:
    entry = SonyPropertyEntry.decode(E_500A)
    assert entry.encode() == E_500A
    desc = entry.as_desc()
    assert (desc.device_prop_code, desc.current_value) == (0x500A, 1)
    assert desc.form == PropEnum((1, 2, 0x8004))
    with pytest.raises(DecodeError):
        SonyPropertyEntry.decode(E_500A + E_D215)  # a single entry must use every byte


def test_entry_may_end_after_its_current_value_at_the_end() -> None:
    blob = SonyPropertyBlob.decode(h("01000000 00000000 15d2 0400 00 01 0000 0100"))
    assert blob.entries[0].form is None
    assert blob.entries[0].current_value == 1


# HEAD (2.5.34+): an enumeration followed by a u16 < 0x200 has a second list, which is used.
# 0xD21E ISO, UINT32: first enum [100, 200], second enum [AUTO, 100, 200, 400]
E_D21E_TWO = h(
    "1ed2 0600 01 01 ffffff00 64000000 02"
    "0200 64000000 c8000000"
    "0400 ffffff00 64000000 c8000000 90010000"
)


def test_second_enumeration_list() -> None:
    data = h("02000000 00000000") + E_D21E_TWO + E_D215
    blob = SonyPropertyBlob.decode(data)
    iso, in_memory = blob.entries
    assert iso.form == PropEnum((100, 200))
    assert iso.second_enum == PropEnum((0xFFFFFF, 100, 200, 400))
    assert iso.as_desc().form == iso.second_enum
    assert in_memory.code == 0xD215
    assert blob.encode() == data


def test_encoding_refuses_what_head_would_misread() -> None:
    enum_entry = SonyPropertyEntry.decode(E_5004)
    low_code = SonyPropertyEntry(
        code=0x01FF, data_type=DataType.UINT8, factory_default_value=0, current_value=0
    )
    with pytest.raises(LocalProtocolError):
        SonyPropertyBlob((enum_entry, low_code))
    # after a range or no form, any code may follow (HEAD only looks after an enumeration)
    range_entry = SonyPropertyEntry.decode(E_D218)
    assert SonyPropertyBlob.decode(SonyPropertyBlob((range_entry, low_code)).encode()).entries == (
        range_entry,
        low_code,
    )


def test_entry_checks() -> None:
    with pytest.raises(LocalProtocolError):
        SonyPropertyEntry(
            code=0xD218, data_type=DataType.INT8, factory_default_value=200, current_value=0
        )
    with pytest.raises(LocalProtocolError):  # a second list needs an enumeration form
        SonyPropertyEntry(
            code=0xD215,
            data_type=DataType.UINT16,
            factory_default_value=0,
            current_value=0,
            second_enum=PropEnum((1,)),
        )


@pytest.mark.parametrize(
    "data",
    [
        h("04000000 000000"),  # short header
        h("01000000 00000000 15d2 0400 00 01 0000 01"),  # current value cut
        h("01000000 00000000 15d2 0400 00 01 0000 0180 03"),  # form flag 3
        h("01000000 00000000 15d2 0b00 00 01 00"),  # data type 0x000B unknown
        h("01000000 00000000 15d2 0000 00 01 00"),  # data type UNDEF
        h("01000000 00000000 0a50 0400 01 01 0100 0100 02 0300 0100"),  # enum cut
        h("01000000 00000000 0a50 0400 01 01 0100 0100 01 0100 0200"),  # range cut
        BLOB[:-2],  # (BLOB[:-1] is valid: the last entry may stop before its form flag)
    ],
    ids=range(8),
)
def test_property_blob_rejects(data: bytes) -> None:
    with pytest.raises(DecodeError):
        SonyPropertyBlob.decode(data)


# -- SetControlDeviceA/B data (§4.1 step 4, §4.2 step 3) ---------------------------------------


@pytest.mark.parametrize(
    ("data_type", "value", "data"),
    [
        (DataType.UINT16, 2, h("0200")),  # 0x9207(0xD2C1) u16 2: half press
        (DataType.UINT16, 1, h("0100")),  # release
        (DataType.INT8, 1, h("01")),  # 0x9205(0xD25A) INT8 1
        (DataType.UINT32, 0x00FFFFFF, h("ffffff00")),  # ISO AUTO
        (DataType.INT8, -1, h("ff")),
    ],
)
def test_control_device_data(data_type: DataType, value: int, data: bytes) -> None:
    control = ControlDeviceData(data_type, value)
    assert control.encode() == data
    assert ControlDeviceData.decode(data, data_type) == control


def test_control_device_data_rejects() -> None:
    with pytest.raises(DecodeError):
        ControlDeviceData.decode(h("020000"), DataType.UINT16)
    with pytest.raises(DecodeError):
        ControlDeviceData.decode(h("02"), DataType.UINT16)
    with pytest.raises(LocalProtocolError):
        ControlDeviceData(DataType.UINT8, 256)


# -- 0x9280 notices (§4.4) -----------------------------------------------------------------------

NOTICE_INIT_BYTES = h("02000000 02000000 00000000 00000000 01 01")  # 18 bytes
NOTICE_EXIT_BYTES = h("00000000 05000000 00000000 00000000")  # 16 bytes


def test_notice_vectors() -> None:
    assert NOTICE_INIT.encode() == NOTICE_INIT_BYTES
    assert NOTICE_EXIT.encode() == NOTICE_EXIT_BYTES
    assert SonyNotice.decode(NOTICE_INIT_BYTES) == NOTICE_INIT
    assert SonyNotice.decode(NOTICE_EXIT_BYTES) == NOTICE_EXIT


@pytest.mark.parametrize(
    "data",
    [
        NOTICE_INIT_BYTES[:16],  # extra 2 but no x, y
        NOTICE_EXIT_BYTES + h("0101"),  # extra 0 but 18 bytes
        h("03000000 00000000 00000000 00000000 000000"),  # extra 3
        NOTICE_EXIT_BYTES[:15],
    ],
)
def test_notice_rejects(data: bytes) -> None:
    with pytest.raises(DecodeError):
        SonyNotice.decode(data)


def test_notice_checks() -> None:
    with pytest.raises(LocalProtocolError):
        SonyNotice(1)
    with pytest.raises(LocalProtocolError):
        SonyNotice(0, x=1)


# -- live view (§9) ----------------------------------------------------------------------------

JPEG = h("ffd8 ffe0 00 ffd9")


def test_liveview_offset_then_search() -> None:
    # the first u32 is an offset (8) that points at FF D8: used even though FF D8 comes earlier
    with_offset = h("08000000 ffd8 0000") + JPEG
    assert sony_liveview_jpeg(with_offset) == JPEG
    # no usable offset: the first FF D8
    assert sony_liveview_jpeg(h("0001") + JPEG) == JPEG
    assert sony_liveview_jpeg(h("40000000 0000") + JPEG) == JPEG  # offset past the end
    with pytest.raises(DecodeError):
        sony_liveview_jpeg(h("08000000 0000 0000"))


# -- human values --------------------------------------------------------------------------------


def test_shutter_speed() -> None:
    assert sony_shutter_name(0) == "Bulb"
    assert sony_shutter_name(sony_shutter_value(1, 250)) == "1/250"
    assert sony_shutter_value(1, 250) == 0x000100FA
    assert sony_shutter_name(300 << 16 | 10) == "30"
    assert sony_shutter_name(8 << 16 | 10) == "8/10"
    assert sony_shutter_name(4 << 16 | 1) == "4"


def test_iso_aperture_battery() -> None:
    assert sony_iso_name(0x00FFFFFF) == "AUTO"
    assert sony_iso_name(100) == "100"
    assert sony_iso_name(0x01000190) == "400 Multi Frame NR"
    assert sony_iso_name(0x02FFFFFF) == "AUTO Multi Frame NR High"
    assert sony_aperture_name(560) == "f/5.6"
    assert sony_aperture_name(400) == "f/4"
    assert sony_battery_name(-1) == "Unknown"
    assert sony_battery_name(75) == "75%"
    assert sony_battery_name(3, -1, 4) == "80%"  # gphoto2: (3 - 0 + 1) * 100 / (4 - 0 + 1)


def test_value_names() -> None:
    assert sony_value_name(DevicePropCode.FocusMode, 0x8004) == "AF-C"
    assert sony_value_name(DevicePropCode.FocusMode, 1) == "Manual"
    assert sony_value_name(DevicePropCode.ExposureProgramMode, 0x8000) == "Intelligent Auto"
    assert sony_value_name(DevicePropCode.ExposureProgramMode, 0x00010002) == "P"  # mode 3
    assert sony_value_name(DevicePropCode.WhiteBalance, 0x8011) == "Shade"
    assert sony_value_name(DevicePropCode.FNumber, 280) == "f/2.8"
    assert sony_value_name(0xD21E, 0x00FFFFFF) == "AUTO"
    assert sony_value_name(0xD20D, 0) == "Bulb"
    assert sony_value_name(0xD218, 3, PropRange(-1, 4, 1)) == "80%"
    assert sony_value_name(0xD218, 50) == "50%"
    assert sony_value_name(0xD25A, 1) == "Application"
    assert sony_value_name(0xD222, 17) is None
    assert sony_value_name(0xD21E, "x") is None


def test_more_value_names() -> None:
    assert sony_value_name(DevicePropCode.ExposureBiasCompensation, 700) == "+0.7"
    assert sony_value_name(DevicePropCode.ExposureBiasCompensation, -1300) == "-1.3"
    assert sony_value_name(DevicePropCode.ExposureBiasCompensation, 0) == "0"
    assert sony_value_name(DevicePropCode.CompressionSetting, 0x13) == "RAW+JPEG"
    assert sony_value_name(0xD203, 2) == "Medium"


@pytest.mark.parametrize(
    ("code", "text", "value"),
    [
        (0xD21E, "AUTO", 0x00FFFFFF),
        (0xD21E, "iso 800", 800),
        (0xD21E, "fast", None),
        (0xD20D, "1/250", 0x000100FA),
        (0xD20D, "30", 300 << 16 | 10),  # whole seconds over 10, as Sony writes them
        (0xD20D, '0.8"', 8 << 16 | 10),
        (0xD20D, "8/10", 8 << 16 | 10),
        (0xD20D, "bulb", 0),
        (0xD20D, "1/0", None),
        (0xD20D, "slow", None),
        (DevicePropCode.FNumber, "f/5.6", 560),
        (DevicePropCode.FNumber, "8", 800),
        (DevicePropCode.FNumber, "f/x", None),
        (DevicePropCode.ExposureBiasCompensation, "+0.7", 700),
        (DevicePropCode.ExposureBiasCompensation, "-1.3 EV", -1300),
        (DevicePropCode.ExposureProgramMode, "m", 1),
        (DevicePropCode.ExposureProgramMode, "Intelligent Auto", 0x8000),
        (DevicePropCode.WhiteBalance, "daylight", 4),
        (DevicePropCode.FocusMode, "AF-S", 2),
        (DevicePropCode.CompressionSetting, "fine", 3),
        (0xD25A, "application", 1),
        (0xD218, "80%", None),
    ],
)
def test_parse_value(code: int, text: str, value: int | None) -> None:
    assert sony_parse_value(code, text) == value
    if value is not None and code != 0xD21E:
        shown = sony_value_name(code, value)
        assert shown is not None and sony_parse_value(code, shown) == value  # and back
