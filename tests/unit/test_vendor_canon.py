"""Canon EOS wire knowledge: golden vectors written by hand from dialects.md §2.4 (and the
libgphoto2 source it cites), and the real GetEvent fixture read independently."""

from __future__ import annotations

import struct
from collections import Counter
from pathlib import Path

import pytest

from ptpkit.errors import DecodeError, LocalProtocolError
from ptpkit.proto.vendors.canon import (
    CANON_OPERATION_DATA_DIRECTION,
    EVENT_TERMINATOR,
    AvailListChanged,
    CameraStatusChanged,
    CanonDevicePropCode,
    CanonEventCode,
    CanonOperationCode,
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
    eos_value_name,
)

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "canon-eos-getevent.bin"


def h(text: str) -> bytes:
    """Hex with spaces and ``#`` comments."""
    return bytes.fromhex("".join(line.split("#")[0] for line in text.splitlines()))


JPEG_LF = EosImageFormat((EosImageFormatEntry(1, 0, 3),))
RAW_JPEG_LF = EosImageFormat((EosImageFormatEntry(6, 0, 4), EosImageFormatEntry(1, 0, 3)))

# (hex, record): every record layout of dialects.md §2.4, written from its table rows.
GOLDEN_RECORDS: list[tuple[str, EosRecord]] = [
    # 0xC189 PropValueChanged: +8 prop, +12 value; ISO 0xD103 is u16, in a 4-byte slot
    ("10000000 89c10000 03d10000 48000000", PropValueChanged(0xD103, 0x48)),
    # WhiteBalance 0xD109 is u8; AvailableShots 0xD11B u32; WhiteBalanceAdjustA i32
    ("10000000 89c10000 09d10000 08000000", PropValueChanged(0xD109, 8)),
    ("10000000 89c10000 1bd10000 030c0000", PropValueChanged(0xD11B, 3075)),
    ("10000000 89c10000 0bd10000 fdffffff", PropValueChanged(0xD10B, -3)),
    # a u16 sent without slot padding (record size 14) keeps that shape
    ("0e000000 89c10000 03d10000 4800", PropValueChanged(0xD103, 0x48, b"")),
    # Owner 0xD115: NUL-terminated ASCII
    ("10000000 89c10000 15d10000 416e6e00", PropValueChanged(0xD115, "Ann")),
    # ImageFormat 0xD120: n=2, [0x10, kind 6 RAW, size 0, compression 4], [0x10, 1, 0, 3]
    (
        "30000000 89c10000 20d10000 02000000"
        " 10000000 06000000 00000000 04000000 10000000 01000000 00000000 03000000",
        PropValueChanged(0xD120, RAW_JPEG_LF),
    ),
    # a property gphoto2 assigns no type to: the bytes as they are
    ("12000000 89c10000 b9d10000 aabbccddeeff", PropValueChanged(0xD1B9, h("aabbccddeeff"))),
    # 0xC18A AvailListChanged: +8 prop, +12 form 3, +16 count, +20 values in 4-byte slots
    (
        "20000000 8ac10000 03d10000 03000000 03000000 48000000 50000000 58000000",
        AvailListChanged(0xD103, (0x48, 0x50, 0x58)),
    ),
    ("14000000 8ac10000 05d10000 01000000 00000000", AvailListChanged(0xD105, (), form=1)),
    (
        "28000000 8ac10000 20d10000 03000000 01000000"
        " 01000000 10000000 01000000 00000000 03000000",
        AvailListChanged(0xD120, (JPEG_LF,)),
    ),
    # 0xC181 ObjectAddedEx: +8 handle, +12 storage, +16 u16 OFC, +28 size, +32 parent,
    # +40 filename (the 41-byte minimum plus the name)
    (
        "35000000 81c10000 720c7492 01000200 0138 00000000000000000000"
        " 19d52100 700c7492 00000000 494d475f303139392e4a504700",
        ObjectAddedEx(0x92740C72, 0x00020001, 0x3801, 0x0021D519, 0x92740C70, "IMG_0199.JPG"),
    ),
    # 0xC187 ObjectInfoChangedEx: same layout; a non-zero unknown gap is kept
    (
        "2a000000 87c10000 01000000 01000100 0130 ff000000000000000000"
        " 00000000 00000000 00000000 4100",
        ObjectInfoChangedEx(1, 0x00010001, 0x3001, 0, 0, "A", b"\xff" + bytes(13)),
    ),
    # 0xC1A7 ObjectAddedEx64: +28 size, +36 parent, +40 second handle, +44 filename
    (
        "32000000 a7c10000 05000000 01000200 0138 00000000000000000000"
        " 00100000 00000000 04000000 06000000 422e4a504700",
        ObjectAddedEx64(5, 0x00020001, 0x3801, 0x1000, 4, 6, "B.JPG"),
    ),
    # 0xC186 / 0xC1A9 RequestObjectTransfer(/64): +8 handle, +12 u16 OFC, +20 size, +28 name
    (
        "29000000 86c10000 01000090 0138 000000000000 00040000 00000000"
        " 494d475f303030312e4a504700",
        RequestObjectTransfer(0x90000001, 0x3801, 1024, "IMG_0001.JPG"),
    ),
    (
        "1e000000 a9c10000 02000000 03b1 000000000000 00000100 00000000 5800",
        RequestObjectTransfer64(2, 0xB103, 0x10000, "X"),
    ),
    # 0xC182 ObjectRemoved +8 handle; 0xC18B CameraStatusChanged +8 status
    ("0c000000 82c10000 720c7492", ObjectRemoved(0x92740C72)),
    ("0c000000 8bc10000 01000000", CameraStatusChanged(1)),
    ("10000000 8bc10000 00000000 01020304", CameraStatusChanged(0, h("01020304"))),
    # the "+8 u32, logged" ones: 0xC184 StorageStatusChanged, 0xC192 StoreAdded, 0xC1A4
    ("0c000000 84c10000 01000000", ParamRecord(0xC184, 1)),
    ("0c000000 92c10000 01000200", ParamRecord(0xC192, 0x00020001)),
    ("0c000000 a4c10000 01000200", ParamRecord(0xC1A4, 0x00020001)),
    # 0xC1A5 OLCInfoChanged: +8 u32 length, +12 u16 mask, ... kept raw
    ("12000000 a5c10000 0a000000 0100 0700 0000", OLCInfoChanged(h("0a000000 0100 0700 0000"))),
    # anything else is kept whole; so is a type-0 record that is not the terminator
    ("0d000000 b5c10000 0102030405", UnknownRecord(0xC1B5, h("0102030405"))),
    ("0c000000 00000000 00000000", UnknownRecord(0, bytes(4))),
]


@pytest.mark.parametrize(("hex_text", "record"), GOLDEN_RECORDS)
def test_golden_record(hex_text: str, record: EosRecord) -> None:
    data = h(hex_text)
    assert struct.unpack_from("<I", data)[0] == len(data)  # the vector itself is consistent
    assert decode_record(data) == record
    assert record.encode() == data
    assert type(record).decode(data) == record
    assert decode_events(data + EVENT_TERMINATOR) == [record]


def test_golden_list_with_terminator_and_prefixes() -> None:
    data = b"".join(h(text) for text, _ in GOLDEN_RECORDS) + EVENT_TERMINATOR
    records = [record for _, record in GOLDEN_RECORDS]
    assert decode_events(data) == records
    assert encode_events(records) == data
    # growing prefixes: strict never accepts a cut list; lenient gives a prefix of it
    for end in range(len(data)):
        with pytest.raises(DecodeError):
            decode_events(data[:end])
        got = decode_events(data[:end], lenient=True)
        assert got == records[: len(got)]


def test_terminator_rules() -> None:
    iso = h("10000000 89c10000 03d10000 48000000")
    assert decode_events(EVENT_TERMINATOR) == []
    assert encode_events([]) == EVENT_TERMINATOR
    # a record ending exactly at the end, no terminator: strict error, gphoto2 drops it
    with pytest.raises(DecodeError, match="terminator"):
        decode_events(iso)
    assert decode_events(iso, lenient=True) == []
    # with one more byte after it, gphoto2 keeps it (and stops: 8 or fewer bytes left)
    assert decode_events(iso + b"\0", lenient=True) == [PropValueChanged(0xD103, 0x48)]
    # size < 8 or past the end: strict error, lenient stop
    for bad in (h("04000000 89c10000"), h("40000000 89c10000 00000000 00000000")):
        with pytest.raises(DecodeError):
            decode_events(iso + bad + EVENT_TERMINATOR)
        assert decode_events(iso + bad + EVENT_TERMINATOR, lenient=True) == [
            PropValueChanged(0xD103, 0x48)
        ]
    # bytes after the terminator: strict error, lenient ignores them
    with pytest.raises(DecodeError, match="trailing"):
        decode_events(EVENT_TERMINATOR + b"\x01")
    assert decode_events(EVENT_TERMINATOR + b"\x01", lenient=True) == []
    assert decode_events(b"", lenient=True) == []


def test_malformed_known_record_strict_and_lenient() -> None:
    # ObjectAddedEx needs 41 bytes; this one stops before the filename
    short = h("28000000 81c10000" + "00" * 32)
    with pytest.raises(DecodeError):
        decode_events(short + EVENT_TERMINATOR)
    assert decode_events(short + EVENT_TERMINATOR, lenient=True) == [
        UnknownRecord(0xC181, bytes(32))
    ]
    # a string property without its NUL; a u32 property with 2 bytes
    for payload in ("15d10000 414243", "1bd10000 0100"):
        with pytest.raises(DecodeError):
            decode_record(_record(0xC189, h(payload)))
    with pytest.raises(DecodeError):  # a size field that does not match
        decode_record(h("11000000 89c10000 03d10000 48000000"))
    with pytest.raises(DecodeError):  # the wrong class for the type
        ObjectRemoved.decode(h("0c000000 8bc10000 01000000"))


def _record(record_type: int, payload: bytes) -> bytes:
    return struct.pack("<II", 8 + len(payload), record_type) + payload


# -- the real fixture -----------------------------------------------------------------------
def _walk(data: bytes) -> tuple[list[tuple[int, int, int]], int]:
    """A walk of [u32 size][u32 type] headers written for this test: the records as
    (offset, size, type) up to the terminator, and the end of the terminator."""
    records, pos = [], 0
    while True:
        size, rtype = struct.unpack_from("<II", data, pos)
        if (size, rtype) == (8, 0):
            return records, pos + 8
        records.append((pos, size, rtype))
        pos += size


def test_fixture_facts_read_independently() -> None:
    data = FIXTURE.read_bytes()
    assert len(data) == 5941
    walked, end = _walk(data)
    assert end == 5824
    assert Counter(rtype for _, _, rtype in walked) == {0xC189: 84, 0xC18A: 98, 0xC1A4: 2}
    # after the list: a USB response container (length 12, type 3, OK, transaction 4)
    assert struct.unpack_from("<IHHI", data, end) == (12, 3, 0x2001, 4)
    assert data[end + 12 :] == bytes(105)
    # the first records: CTGInfoCheckComplete, then AutoExposureMode = 3, FocusMode = 3
    assert walked[:3] == [(0, 12, 0xC1A4), (12, 16, 0xC189), (28, 16, 0xC189)]
    assert struct.unpack_from("<III", data, 12 + 4) == (0xC189, 0xD105, 3)
    assert struct.unpack_from("<II", data, 28 + 8) == (0xD108, 3)


def test_fixture_decodes_and_reencodes() -> None:
    data = FIXTURE.read_bytes()
    walked, end = _walk(data)
    records = decode_events(data[:end])
    assert [(r.record_type, len(r.encode())) for r in records] == [
        (rtype, size) for _, size, rtype in walked
    ]
    assert encode_events(records) == data[:end]
    assert decode_events(data, lenient=True) == records
    with pytest.raises(DecodeError):  # strict: the USB response after the terminator
        decode_events(data)
    values = {r.prop: r.value for r in records if isinstance(r, PropValueChanged)}
    assert len(values) == 84
    assert values[CanonDevicePropCode.ISOSpeed] == 0x70
    assert eos_value_name(0xD103, 0x70) == "3200"
    assert values[CanonDevicePropCode.ShutterSpeed] == 0x2D
    assert eos_value_name(0xD102, 0x2D) == "2.5"
    assert values[CanonDevicePropCode.Aperture] == 0
    assert values[CanonDevicePropCode.DriveMode] == 0x11
    assert values[CanonDevicePropCode.WhiteBalance] == 8
    assert eos_value_name(0xD109, 8) == "Shadow"
    assert values[CanonDevicePropCode.BatteryPower] == 1
    assert values[CanonDevicePropCode.AvailableShots] == 3075
    assert values[CanonDevicePropCode.CaptureDestination] == 2
    assert values[CanonDevicePropCode.CameraTime] == 1691501439
    assert values[CanonDevicePropCode.EVFOutputDevice] == 0
    assert values[CanonDevicePropCode.EVFMode] == 1
    assert values[CanonDevicePropCode.ImageFormat] == JPEG_LF
    assert values[CanonDevicePropCode.LensName] == ""
    lists = {r.prop: r for r in records if isinstance(r, AvailListChanged)}
    assert lists[0xD103].values == (0, 0x48, 0x50, 0x58, 0x60, 0x68, 0x70, 0x78, 0x80)
    assert len(lists[0xD102].values) == 53
    assert [f.name for f in lists[0xD120].values if isinstance(f, EosImageFormat)] == [
        "Large Fine JPEG", "Large Normal JPEG", "Medium Fine JPEG", "Medium Normal JPEG",
        "Small Fine JPEG", "Small Normal JPEG", "Smaller JPEG", "Tiny JPEG",
        "RAW + Large Fine JPEG", "RAW",
    ]  # fmt: skip
    assert len(lists[0xD17D].values) == 33 and len(lists[0xD17D].extra) == 264
    assert Counter(r.form for r in lists.values()) == {3: 38, 7: 32, 1: 28}
    ctg = [r for r in records if isinstance(r, ParamRecord)]
    assert ctg == [ParamRecord(0xC1A4, 0x00020001)] * 2


def test_fixture_prefixes() -> None:
    data = FIXTURE.read_bytes()[:5824]
    full = decode_events(data)
    for end in range(0, len(data), 7):
        with pytest.raises(DecodeError):
            decode_events(data[:end])
        got = decode_events(data[:end], lenient=True)
        assert got == full[: len(got)]


# -- values, ImageFormat, SetDevicePropValueEx ------------------------------------------------
def test_types_follow_gphoto2_table() -> None:
    assert eos_prop_type(0xD103) is EosPropType.U16  # ISO
    assert eos_prop_type(0xD11C) is EosPropType.U32  # CaptureDestination
    assert eos_prop_type(0xD109) is EosPropType.U8  # WhiteBalance
    assert eos_prop_type(0xD1AF) is EosPropType.STRING  # SerialNumber
    assert eos_prop_type(0xD123) is EosPropType.IMAGE_FORMAT
    assert eos_prop_type(0xD1A0) is EosPropType.RAW  # CustomFuncEx


@pytest.mark.parametrize(
    ("prop", "value", "name"),
    [
        (0xD103, 0x48, "100"),  # config.c canon_isospeed
        (0xD103, 0x00, "Auto"),
        (0xD101, 0x28, "f/4"),  # config.c canon_aperture
        (0xD101, 0x30, "f/5.6"),
        (0xD102, 0x6D, "1/100"),  # config.c canon_shutterspeed
        (0xD102, 0x78, "1/250"),
        (0xD104, 0xFD, "-1/3"),  # config.c canon_expcompensation2
        (0xD104, 0x08, "+1"),
        (0xD108, 3, "Manual"),
        (0xD107, 3, "Evaluative"),
        (0xD105, 3, "Manual"),
        (0xD111, 4, "75%"),
        (0xD106, 0x11, "Self-timer 2 s"),
        (0xD109, 0x99, None),
    ],
)
def test_value_names(prop: int, value: int, name: str | None) -> None:
    assert eos_value_name(prop, value) == name


@pytest.mark.parametrize(
    ("code", "name"),
    [  # (gphoto2's folded u16, its menu label) from config.c canon_eos_image_format
        (0x0300, "Large Fine JPEG"),
        (0x1200, "Medium Normal JPEG"),
        (0xD300, "Small Fine JPEG"),
        (0xE300, "Smaller JPEG"),
        (0xF300, "Tiny JPEG"),
        (0x0C00, "RAW"),
        (0x1C00, "mRAW"),
        (0x2C00, "sRAW"),
        (0x0B00, "cRAW"),
        (0x0C03, "RAW + Large Fine JPEG"),
        (0x2C12, "sRAW + Medium Normal JPEG"),
    ],
)
def test_image_format_names_and_gphoto2_codes(code: int, name: str) -> None:
    value = EosImageFormat.from_gphoto2_code(code)
    assert value.name == name
    assert value.gphoto2_code == code
    assert EosImageFormat.decode(value.encode()) == value


def test_image_format_wire() -> None:
    assert RAW_JPEG_LF.gphoto2_code == 0x0C03
    assert EosImageFormat.from_gphoto2_code(0xD300).entries == (EosImageFormatEntry(1, 0xE, 3),)
    for bad in ("03000000", "01000000 0c000000 01000000 00000000 03000000"):
        with pytest.raises(DecodeError):
            EosImageFormat.decode(h(bad))


@pytest.mark.parametrize(
    ("hex_text", "message"),
    [  # dialects.md §2.4 "Property value packing"
        ("0c000000 03d10000 48000000", SetPropValueEx(0xD103, 0x48)),  # 12 bytes
        ("0c000000 1cd10000 04000000", SetPropValueEx(0xD11C, 4)),
        ("0c000000 15d10000 416e6e00", SetPropValueEx(0xD115, "Ann")),  # 8 + len + 1
        ("0b000000 15d10000 414200", SetPropValueEx(0xD115, "AB")),
        (
            "1c000000 20d10000 01000000 10000000 01000000 00000000 03000000",
            SetPropValueEx(0xD120, JPEG_LF),
        ),
    ],
)
def test_set_prop_value_ex(hex_text: str, message: SetPropValueEx) -> None:
    assert message.encode() == h(hex_text)
    assert SetPropValueEx.decode(h(hex_text)) == message


def test_validation() -> None:
    with pytest.raises(LocalProtocolError):
        PropValueChanged(0xD103, 0x10000)  # u16
    with pytest.raises(LocalProtocolError):
        PropValueChanged(0xD115, 5)  # string property
    with pytest.raises(LocalProtocolError):
        PropValueChanged(0xD115, "a\0b")
    with pytest.raises(LocalProtocolError):
        AvailListChanged(0xD120, (5,))
    with pytest.raises(LocalProtocolError):
        ParamRecord(0xC189, 1)
    with pytest.raises(LocalProtocolError):
        UnknownRecord(0)
    with pytest.raises(LocalProtocolError):
        DeviceInfoEx((), (0xD101,))
    with pytest.raises(LocalProtocolError):
        EosObjectInfo(1, 1, 0x3801, 0, 1, "A_NAME_TOO_LONG.JPG", 0)
    assert PropValueChanged(0xD103, 0x48, b"\0\0") == PropValueChanged(0xD103, 0x48)


# -- GetDeviceInfoEx, GetObjectInfoEx, GetViewFinderData -------------------------------------
DEVICE_INFO_EX = """
    28000000                      # struct length 40 (ignored by gphoto2)
    02000000 89c10000 8ac10000    # events: 2
    03000000 03d10000 1cd10000 b0d10000  # properties: 3
    01000000 00000000             # third array: 1
"""


def test_device_info_ex() -> None:
    info = DeviceInfoEx((0xC189, 0xC18A), (0xD103, 0xD11C, 0xD1B0), (0,))
    assert info.encode() == h(DEVICE_INFO_EX)
    assert DeviceInfoEx.decode(h(DEVICE_INFO_EX)) == info
    other_length = b"\0\0\0\0" + h(DEVICE_INFO_EX)[4:]
    assert DeviceInfoEx.decode(other_length).encode() == other_length
    empty_props = h("14000000 01000000 89c10000 00000000 01000000 00000000")
    with pytest.raises(DecodeError):
        DeviceInfoEx.decode(empty_props)


# One entry laid out as libgphoto2's ptp-pack.c comment shows an EOS folder entry
OBJECT_INFO_EX = """
    01000000                  # count
    38000000                  # entry size 56
    720c7492 01000200         # +0 handle, +4 storage
    0138 000000000000         # +8 OFC 0x3801 JPEG, +10 unknown
    21 000000                 # +16 flags 0x21 (read-only, new), +17 unknown
    19d52100                  # +20 size
    00007492 700c7492         # +24 unknown (8 bytes)
    494d475f303139392e4a504700  # +32 "IMG_0199.JPG" + NUL (13-byte field)
    000000                    # +45 unknown
    107c984d                  # +48 time
"""


def test_object_info_ex() -> None:
    entry = EosObjectInfo(
        handle=0x92740C72,
        storage_id=0x00020001,
        ofc=0x3801,
        flags=0x21,
        size=0x0021D519,
        filename="IMG_0199.JPG",
        time=0x4D987C10,
        reserved=bytes(9) + h("00007492 700c7492") + bytes(3),
    )
    data = h(OBJECT_INFO_EX)
    assert decode_object_info_ex(data) == (entry,)
    assert encode_object_info_ex([entry]) == data
    assert EosObjectInfo.decode(data[4:]) == entry
    assert decode_object_info_ex(b"") == ()
    assert decode_object_info_ex(h("00000000")) == ()
    for end in range(1, len(data)):
        with pytest.raises(DecodeError):
            decode_object_info_ex(data[:end])
    small = h("01000000 34000000") + data[8:-4]  # entry size 52 < 56
    with pytest.raises(DecodeError):
        decode_object_info_ex(small)


VIEWFINDER = """
    0c000000 01000000 ffd8ffd9    # len 12 (header included), type 1 = JPEG
    09000000 09000000 00          # len 9, type 9
"""


def test_viewfinder_data() -> None:
    data = h(VIEWFINDER)
    blobs = (ViewFinderBlob(1, h("ffd8ffd9")), ViewFinderBlob(9, b"\0"))
    assert decode_viewfinder_data(data) == blobs
    assert encode_viewfinder_data(blobs) == data
    assert [blob.is_jpeg for blob in blobs] == [True, False]
    for end in range(1, len(data)):
        if end != 12:
            with pytest.raises(DecodeError):
                decode_viewfinder_data(data[:end])
    with pytest.raises(DecodeError):
        decode_viewfinder_data(h("04000000 01000000"))


# -- codes -----------------------------------------------------------------------------------
def test_codes() -> None:
    op = CanonOperationCode
    assert (op.GetStorageIDs, op.GetDeviceInfoEx, op.GetObjectInfoEx, op.GetThumbEx) == (
        0x9101, 0x9108, 0x9109, 0x910A,
    )  # fmt: skip
    assert (op.RemoteRelease, op.SetDevicePropValueEx, op.SetRemoteMode, op.GetEvent) == (
        0x910F, 0x9110, 0x9114, 0x9116,
    )  # fmt: skip
    assert (op.PCHDDCapacity, op.SetUILock, op.ResetUILock, op.KeepDeviceOn) == (
        0x911A, 0x911B, 0x911C, 0x911D,
    )  # fmt: skip
    assert (op.RemoteReleaseOn, op.TerminateViewfinder, op.GetViewFinderData, op.AfCancel) == (
        0x9128, 0x9152, 0x9153, 0x9160,
    )  # fmt: skip
    ev = CanonEventCode
    assert (ev.ObjectAddedEx, ev.RequestObjectTransfer, ev.PropValueChanged) == (
        0xC181, 0xC186, 0xC189,
    )  # fmt: skip
    assert (ev.OLCInfoChanged, ev.ObjectAddedEx64, ev.RequestObjectTransfer64) == (
        0xC1A5, 0xC1A7, 0xC1A9,
    )  # fmt: skip
    prop = CanonDevicePropCode
    assert (prop.Aperture, prop.WhiteBalance, prop.BatteryPower, prop.Owner) == (
        0xD101, 0xD109, 0xD111, 0xD115,
    )  # fmt: skip
    assert (prop.ImageFormatExtHD, prop.SerialNumber, prop.EVFMode, prop.Artist) == (
        0xD123, 0xD1AF, 0xD1B1, 0xD1D0,
    )  # fmt: skip
    assert CANON_OPERATION_DATA_DIRECTION[op.GetEvent] == "in"
    assert CANON_OPERATION_DATA_DIRECTION[op.SetDevicePropValueEx] == "out"
    assert CANON_OPERATION_DATA_DIRECTION[op.RemoteRelease] == "none"
