"""Nikon wire knowledge against byte vectors written by hand from
shared/reference/dialects.md §3.3 / §9 / §10.2 and libgphoto2's ptp.h code table."""

from __future__ import annotations

from enum import IntEnum

import pytest

from ptpkit.errors import DecodeError, LocalProtocolError
from ptpkit.proto.codes import OPERATION_DATA_DIRECTION, DevicePropCode
from ptpkit.proto.vendors.nikon import (
    DEVICE_READY_BUSY,
    NIKON_OPERATION_DATA_DIRECTION,
    NIKON_VALUE_NAMES,
    SDRAM_OBJECT,
    NikonDevicePropCode,
    NikonEvent,
    NikonEventCode,
    NikonEventEx,
    NikonEventList,
    NikonEventListEx,
    NikonLiveViewImage,
    NikonOperationCode,
    NikonResponseCode,
    NikonVendorPropCodes,
    liveview_prohibit_reasons,
    nikon_value_name,
)


def h(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


# -- codes (ptp.h values; the brief's list) ---------------------------------------------------


@pytest.mark.parametrize(
    ("member", "value"),
    [
        (NikonOperationCode.GetEvent, 0x90C7),
        (NikonOperationCode.DeviceReady, 0x90C8),
        (NikonOperationCode.GetVendorPropCodes, 0x90CA),
        (NikonOperationCode.InitiateCaptureRecInSdram, 0x90C0),
        (NikonOperationCode.AfDrive, 0x90C1),
        (NikonOperationCode.ChangeCameraMode, 0x90C2),
        (NikonOperationCode.DelImageSDRAM, 0x90C3),
        (NikonOperationCode.AfCaptureSDRAM, 0x90CB),
        (NikonOperationCode.InitiateCaptureRecInMedia, 0x9207),
        (NikonOperationCode.StartLiveView, 0x9201),
        (NikonOperationCode.EndLiveView, 0x9202),
        (NikonOperationCode.GetLiveViewImg, 0x9203),
        (NikonOperationCode.GetEventEx, 0x941C),
        (NikonOperationCode.GetPartialObjectEx, 0x9431),
        (NikonOperationCode.GetVendorCodes, 0x9439),
        (NikonEventCode.ObjectAddedInSDRAM, 0xC101),
        (NikonEventCode.CaptureCompleteRecInSdram, 0xC102),
        (NikonResponseCode.HardwareError, 0xA001),
        (NikonResponseCode.NotLiveView, 0xA00B),
        (NikonResponseCode.BulbReleaseBusy, 0xA200),
        (NikonResponseCode.SilentReleaseBusy, 0xA201),
        (NikonDevicePropCode.LiveViewStatus, 0xD1A2),
        (NikonDevicePropCode.LiveViewProhibitCondition, 0xD1A4),
        (NikonDevicePropCode.RecordingMedia, 0xD10B),
        (NikonDevicePropCode.ShootingBank, 0xD010),
        (NikonDevicePropCode.ISOAuto, 0xD054),
        (NikonDevicePropCode.ExposureDelayMode, 0xD06A),
        (NikonDevicePropCode.ImageCommentString, 0xD090),
    ],
)
def test_code_values(member: IntEnum, value: int) -> None:
    assert member == value


@pytest.mark.parametrize(
    "enum_cls", [NikonOperationCode, NikonEventCode, NikonResponseCode, NikonDevicePropCode]
)
def test_enums_have_no_aliases_and_stay_in_their_range(enum_cls: type[IntEnum]) -> None:
    assert len(enum_cls.__members__) == len(list(enum_cls))
    nibbles = {member.value >> 12 for member in enum_cls}
    assert len(nibbles) == 1
    assert nibbles <= {0x9, 0xA, 0xC, 0xD}


def test_sdram_object_and_device_ready() -> None:
    assert SDRAM_OBJECT == 0xFFFF0001
    assert 0x2019 in DEVICE_READY_BUSY
    assert 0xA200 in DEVICE_READY_BUSY
    assert 0xA201 not in DEVICE_READY_BUSY  # counts as ready in gphoto2
    assert 0x2001 not in DEVICE_READY_BUSY


@pytest.mark.parametrize(
    ("code", "direction"),
    [
        (0x90C7, "in"),  # GetEvent: no params, data in
        (0x90C8, "none"),  # DeviceReady
        (0x90CA, "in"),  # GetVendorPropCodes: a u16 array
        (0x9207, "none"),  # InitiateCaptureRecInMedia
        (0x90C0, "none"),
        (0x9201, "none"),
        (0x9202, "none"),
        (0x9203, "in"),
        (0x941C, "in"),
        (0x9431, "in"),
        (0x90C6, "out"),  # CurveUpload
        (0x90C9, "out"),  # SetPreWBData
    ],
)
def test_data_directions(code: int, direction: str) -> None:
    assert NIKON_OPERATION_DATA_DIRECTION[code] == direction


def test_direction_table_agrees_with_the_core_table() -> None:
    for code, direction in NIKON_OPERATION_DATA_DIRECTION.items():
        assert code in set(NikonOperationCode)
        assert OPERATION_DATA_DIRECTION.get(code, direction) == direction


# -- GetEvent 0x90C7 -------------------------------------------------------------------------

# §10.2: after the capture, GetEvent returns {0xC101, 0xFFFF0001} once, then count 0.
CAPTURE_EVENT = h("0100 01c1 0100ffff")


def test_get_event_capture_vector() -> None:
    events = NikonEventList.decode(CAPTURE_EVENT)
    assert events.events == (NikonEvent(NikonEventCode.ObjectAddedInSDRAM, SDRAM_OBJECT),)
    assert events.encode() == CAPTURE_EVENT


def test_get_event_empty_and_two_events() -> None:
    assert NikonEventList.decode(h("0000")) == NikonEventList(())
    assert NikonEventList().encode() == h("0000")
    # ObjectAdded 0x4002 (handle 0x12345678), CaptureComplete 0x400D (param 0)
    data = h("0200 0240 78563412 0d40 00000000")
    events = NikonEventList.decode(data).events
    assert [(e.code, e.param) for e in events] == [(0x4002, 0x12345678), (0x400D, 0)]
    assert NikonEventList(events).encode() == data


def test_get_event_trailing_bytes_are_tolerated() -> None:
    assert NikonEventList.decode(CAPTURE_EVENT + b"\xee").events[0].param == SDRAM_OBJECT


@pytest.mark.parametrize(
    "data",
    [
        h("0200 01c1 0100ffff"),  # count 2, one event: gphoto2 treats the list as empty
        h("0100 01c1 0100ff"),  # the only event is one byte short
        h("01"),  # no room for the count
        b"",
    ],
)
def test_get_event_bad_count(data: bytes) -> None:
    with pytest.raises(DecodeError):
        NikonEventList.decode(data)
    assert NikonEventList.decode_lenient(data) == (NikonEventList(()), True)


def test_get_event_lenient_accepts_good_data() -> None:
    assert NikonEventList.decode_lenient(CAPTURE_EVENT) == (
        NikonEventList.decode(CAPTURE_EVENT),
        False,
    )


def test_event_values_are_checked() -> None:
    with pytest.raises(LocalProtocolError):
        NikonEvent(0x10000, 0)
    with pytest.raises(LocalProtocolError):
        NikonEvent(0xC101, -1)
    with pytest.raises(LocalProtocolError):
        NikonEventList((NikonEventEx(0xC101),))  # type: ignore[arg-type]


# -- GetEventEx 0x941C -----------------------------------------------------------------------

# gphoto2 reads the first event at offset 4: u16 count, two skipped bytes, then the events.
EVENT_EX = h(
    "0200 0000"
    "01c1 0100 0100ffff"  # ObjectAddedInSDRAM, 1 param: 0xFFFF0001
    "0640 0200 01000100 0cd1 0000"  # StoreAdded-like code 0x4006, 2 params
)


def test_get_event_ex_vector() -> None:
    events = NikonEventListEx.decode(EVENT_EX).events
    assert events == (
        NikonEventEx(0xC101, (0xFFFF0001,)),
        NikonEventEx(0x4006, (0x00010001, 0x0000D10C)),
    )
    assert NikonEventListEx(events).encode() == EVENT_EX


def test_get_event_ex_empty() -> None:
    assert NikonEventListEx.decode(h("0000")).events == ()
    assert NikonEventListEx.decode(h("0000 0000")).events == ()
    assert NikonEventListEx().encode() == h("0000 0000")
    assert NikonEventListEx.decode(h("0000 1234 5678")).events == ()


def test_get_event_ex_zero_params() -> None:
    data = h("0100 0000 02c1 0000")  # CaptureCompleteRecInSdram, no params
    assert NikonEventListEx.decode(data).events == (NikonEventEx(0xC102),)


@pytest.mark.parametrize(
    "data",
    [
        h("0100 0000 01c1 0600" + "00000000" * 6),  # six params: more than five
        h("0100 0000 01c1 0100 0100ff"),  # param one byte short
        h("0300 0000 01c1 0000"),  # count 3 cannot fit
        h("0100"),  # count without any event
        h("01"),
    ],
)
def test_get_event_ex_rejects(data: bytes) -> None:
    with pytest.raises(DecodeError):
        NikonEventListEx.decode(data)
    assert NikonEventListEx.decode_lenient(data) == (NikonEventListEx(()), True)


def test_event_ex_param_count_is_checked() -> None:
    with pytest.raises(LocalProtocolError):
        NikonEventEx(0xC101, (0,) * 6)


# -- GetVendorPropCodes 0x90CA ---------------------------------------------------------------


def test_vendor_prop_codes_vector() -> None:
    data = h("03000000 a2d1 a4d1 0bd1")  # u32 count 3, then LiveViewStatus, ..Prohibit.., RecMedia
    codes = NikonVendorPropCodes.decode(data)
    assert codes.codes == (0xD1A2, 0xD1A4, 0xD10B)
    assert codes.encode() == data
    assert NikonVendorPropCodes.decode(h("00000000")).codes == ()


@pytest.mark.parametrize("data", [h("03000000 a2d1 a4d1"), h("030000"), b""])
def test_vendor_prop_codes_truncated(data: bytes) -> None:
    with pytest.raises(DecodeError):
        NikonVendorPropCodes.decode(data)


# -- GetLiveViewImg 0x9203 -------------------------------------------------------------------

JPEG = h("ffd8 ffe0 0010 4a46 4946 00 ffd9")


def test_liveview_split_at_first_soi() -> None:
    header = h("00 01 02 03 ff 00 d8")  # FF and D8 apart are fine
    image = NikonLiveViewImage.decode(header + JPEG + b"\x00\x00")
    assert image.header == header
    assert image.jpeg == JPEG + b"\x00\x00"
    assert image.frame() == JPEG
    assert image.encode() == header + JPEG + b"\x00\x00"


def test_liveview_without_header_or_eoi() -> None:
    image = NikonLiveViewImage.decode(h("ffd8 0102"))
    assert image.header == b""
    assert image.frame() == h("ffd8 0102")


def test_liveview_needs_a_jpeg() -> None:
    with pytest.raises(DecodeError):
        NikonLiveViewImage.decode(h("0001 02ff"))
    with pytest.raises(LocalProtocolError):
        NikonLiveViewImage(h("ffd8"), JPEG)  # the header would hide the JPEG
    with pytest.raises(LocalProtocolError):
        NikonLiveViewImage(b"", b"\x00" + JPEG)


# -- human values ----------------------------------------------------------------------------


def test_value_names() -> None:
    assert nikon_value_name(0xD10B, 1) == "SDRAM"
    assert nikon_value_name(0xD10B, 0) == "Card"
    assert nikon_value_name(0xD1A2, 1) == "On"
    assert nikon_value_name(0xD161, 1) == "AF-C"
    assert nikon_value_name(DevicePropCode.WhiteBalance, 0x8016) == "Natural light auto"
    assert nikon_value_name(DevicePropCode.FocusMode, 0x8010) == "AF-S"
    assert nikon_value_name(DevicePropCode.ExposureProgramMode, 3) == "A"
    assert nikon_value_name(0xD10B, 7) is None
    assert nikon_value_name(0xD090, "hello") is None
    assert all(isinstance(name, str) for t in NIKON_VALUE_NAMES.values() for name in t.values())


def test_liveview_prohibit_condition() -> None:
    assert nikon_value_name(0xD1A4, 0) == "Live view allowed"
    value = 1 << 12 | 1 << 20
    assert liveview_prohibit_reasons(value) == [
        "Pending unretrieved SDRAM image",
        "Card unformatted",
    ]
    assert nikon_value_name(0xD1A4, value) == "Pending unretrieved SDRAM image, Card unformatted"
    assert liveview_prohibit_reasons(1 << 1) == ["bit 1"]
