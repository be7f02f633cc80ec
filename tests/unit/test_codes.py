"""Code tables against the reference doc (section 1.2 and section 2), and code_name's fallbacks.

The expected numbers below are typed in from shared/reference/ptpip-reference.md, not
derived from the enums, so that a typo in either place makes a test fail.
"""

from __future__ import annotations

from enum import IntEnum

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ptpkit.proto import codes
from ptpkit.proto.codes import (
    ALL,
    DATA_LENGTH_UNKNOWN,
    OPERATION_DATA_DIRECTION,
    PROTOCOL_VERSION_1_0,
    ROOT,
    TID_NONE,
    AccessCapability,
    AssociationType,
    DataPhaseInfo,
    DataType,
    DevicePropCode,
    EventCode,
    FilesystemType,
    FormFlag,
    GetSet,
    InitFailReason,
    MtpDevicePropCode,
    MtpEventCode,
    MtpOperationCode,
    MtpResponseCode,
    ObjectFormat,
    OperationCode,
    PacketType,
    ProtectionStatus,
    ResponseCode,
    StorageType,
    VendorOperationCode,
    code_enum,
    code_name,
    is_image,
)

ALL_ENUMS: list[type[IntEnum]] = [
    PacketType,
    OperationCode,
    MtpOperationCode,
    VendorOperationCode,
    ResponseCode,
    MtpResponseCode,
    EventCode,
    MtpEventCode,
    ObjectFormat,
    DevicePropCode,
    MtpDevicePropCode,
    DataType,
    StorageType,
    FilesystemType,
    AccessCapability,
    ProtectionStatus,
    AssociationType,
    FormFlag,
    GetSet,
    InitFailReason,
    DataPhaseInfo,
]

KINDS = ("packet", "operation", "response", "event", "format", "property", "datatype")


# -- values from the reference tables ----------------------------------------------------

# Reference 1.2: the packet types.
PACKET_TYPES = {
    "InitCommandRequest": 1,
    "InitCommandAck": 2,
    "InitEventRequest": 3,
    "InitEventAck": 4,
    "InitFail": 5,
    "OperationRequest": 6,
    "OperationResponse": 7,
    "Event": 8,
    "StartData": 9,
    "Data": 10,
    "Cancel": 11,
    "EndData": 12,
    "ProbeRequest": 13,
    "ProbeResponse": 14,
}

# Reference 2.1: the whole standard table, and the PTP 1.1 row in its listed order.
OPERATIONS = {
    "GetDeviceInfo": 0x1001,
    "OpenSession": 0x1002,
    "CloseSession": 0x1003,
    "GetStorageIDs": 0x1004,
    "GetStorageInfo": 0x1005,
    "GetNumObjects": 0x1006,
    "GetObjectHandles": 0x1007,
    "GetObjectInfo": 0x1008,
    "GetObject": 0x1009,
    "GetThumb": 0x100A,
    "DeleteObject": 0x100B,
    "SendObjectInfo": 0x100C,
    "SendObject": 0x100D,
    "InitiateCapture": 0x100E,
    "FormatStore": 0x100F,
    "ResetDevice": 0x1010,
    "SelfTest": 0x1011,
    "SetObjectProtection": 0x1012,
    "PowerDown": 0x1013,
    "GetDevicePropDesc": 0x1014,
    "GetDevicePropValue": 0x1015,
    "SetDevicePropValue": 0x1016,
    "ResetDevicePropValue": 0x1017,
    "TerminateOpenCapture": 0x1018,
    "MoveObject": 0x1019,
    "CopyObject": 0x101A,
    "GetPartialObject": 0x101B,
    "InitiateOpenCapture": 0x101C,
    "StartEnumHandles": 0x101D,
    "EnumHandles": 0x101E,
    "StopEnumHandles": 0x101F,
    "GetVendorExtensionMaps": 0x1020,
    "GetVendorDeviceInfo": 0x1021,
    "GetResizedImageObject": 0x1022,
    "GetFilesystemManifest": 0x1023,
    "GetStreamInfo": 0x1024,
    "GetStream": 0x1025,
}

# Reference 2.2.
MTP_OPERATIONS = {
    "GetObjectPropsSupported": 0x9801,
    "GetObjectPropDesc": 0x9802,
    "GetObjectPropValue": 0x9803,
    "SetObjectPropValue": 0x9804,
    "GetObjectPropList": 0x9805,
    "SetObjectPropList": 0x9806,
    "GetInterdependentPropDesc": 0x9807,
    "SendObjectPropList": 0x9808,
    "GetObjectReferences": 0x9810,
    "SetObjectReferences": 0x9811,
    "UpdateDeviceFirmware": 0x9812,
    "Skip": 0x9820,
}

# Reference 2.1 "notable vendor variants" and section 5.
VENDOR_OPERATIONS = {
    "AndroidGetPartialObject64": 0x95C1,
    "AndroidSendPartialObject": 0x95C2,
    "AndroidTruncateObject": 0x95C3,
    "CanonEosGetPartialObject64": 0x9172,
    "NikonGetPartialObjectEx": 0x9431,
    "CanonEosSetRemoteMode": 0x9114,
    "CanonEosGetEvent": 0x9116,
    "NikonGetEventEx": 0x941C,
    "NikonGetEvent": 0x90C7,
    "SonyGetExtDeviceInfo": 0x9202,
}

# Reference 2.3: every row.
RESPONSES = {
    "Undefined": 0x2000,
    "OK": 0x2001,
    "GeneralError": 0x2002,
    "SessionNotOpen": 0x2003,
    "InvalidTransactionID": 0x2004,
    "OperationNotSupported": 0x2005,
    "ParameterNotSupported": 0x2006,
    "IncompleteTransfer": 0x2007,
    "InvalidStorageID": 0x2008,
    "InvalidObjectHandle": 0x2009,
    "DevicePropNotSupported": 0x200A,
    "InvalidObjectFormatCode": 0x200B,
    "StoreFull": 0x200C,
    "ObjectWriteProtected": 0x200D,
    "StoreReadOnly": 0x200E,
    "AccessDenied": 0x200F,
    "NoThumbnailPresent": 0x2010,
    "SelfTestFailed": 0x2011,
    "PartialDeletion": 0x2012,
    "StoreNotAvailable": 0x2013,
    "SpecificationByFormatUnsupported": 0x2014,
    "NoValidObjectInfo": 0x2015,
    "InvalidCodeFormat": 0x2016,
    "UnknownVendorCode": 0x2017,
    "CaptureAlreadyTerminated": 0x2018,
    "DeviceBusy": 0x2019,
    "InvalidParentObject": 0x201A,
    "InvalidDevicePropFormat": 0x201B,
    "InvalidDevicePropValue": 0x201C,
    "InvalidParameter": 0x201D,
    "SessionAlreadyOpen": 0x201E,
    "TransactionCancelled": 0x201F,
    "SpecificationOfDestinationUnsupported": 0x2020,
    "InvalidEnumHandle": 0x2021,
    "NoStreamEnabled": 0x2022,
    "InvalidDataSet": 0x2023,
}

# MTP responses 0xA800-0xA80A (reference 2.2 names the first and last).
MTP_RESPONSES = {
    "Undefined": 0xA800,
    "InvalidObjectPropCode": 0xA801,
    "InvalidObjectPropFormat": 0xA802,
    "InvalidObjectPropValue": 0xA803,
    "InvalidObjectReference": 0xA804,
    "GroupNotSupported": 0xA805,
    "InvalidDataset": 0xA806,
    "SpecificationByGroupUnsupported": 0xA807,
    "SpecificationByDepthUnsupported": 0xA808,
    "ObjectTooLarge": 0xA809,
    "ObjectPropNotSupported": 0xA80A,
}

# Reference 2.4: every row.
EVENTS = {
    "Undefined": 0x4000,
    "CancelTransaction": 0x4001,
    "ObjectAdded": 0x4002,
    "ObjectRemoved": 0x4003,
    "StoreAdded": 0x4004,
    "StoreRemoved": 0x4005,
    "DevicePropChanged": 0x4006,
    "ObjectInfoChanged": 0x4007,
    "DeviceInfoChanged": 0x4008,
    "RequestObjectTransfer": 0x4009,
    "StoreFull": 0x400A,
    "DeviceReset": 0x400B,
    "StorageInfoChanged": 0x400C,
    "CaptureComplete": 0x400D,
    "UnreportedStatus": 0x400E,
}

MTP_EVENTS = {
    "ObjectPropChanged": 0xC801,
    "ObjectPropDescChanged": 0xC802,
    "ObjectReferencesChanged": 0xC803,
}

# Reference 2.5: every standard row, and the vendor/MTP codes it lists.
FORMATS = {
    "Undefined": 0x3000,
    "Association": 0x3001,
    "Script": 0x3002,
    "Executable": 0x3003,
    "Text": 0x3004,
    "HTML": 0x3005,
    "DPOF": 0x3006,
    "AIFF": 0x3007,
    "WAV": 0x3008,
    "MP3": 0x3009,
    "AVI": 0x300A,
    "MPEG": 0x300B,
    "ASF": 0x300C,
    "QuickTime": 0x300D,
    "UndefinedImage": 0x3800,
    "EXIF_JPEG": 0x3801,
    "TIFF_EP": 0x3802,
    "FlashPix": 0x3803,
    "BMP": 0x3804,
    "CIFF": 0x3805,
    "GIF": 0x3807,
    "JFIF": 0x3808,
    "PCD": 0x3809,
    "PICT": 0x380A,
    "PNG": 0x380B,
    "TIFF": 0x380D,
    "TIFF_IT": 0x380E,
    "JP2": 0x380F,
    "JPX": 0x3810,
    "DNG": 0x3811,
    "ARW_CRW": 0xB101,
    "RAW_B103": 0xB103,
    "CR3": 0xB108,
    "MTP_Firmware": 0xB802,
    "MTP_WMA": 0xB901,
    "MTP_MP4": 0xB982,
    "MTP_3GP": 0xB984,
}

# Reference 2.6: every row of the table and the PTP 1.1 paragraph.
DEVICE_PROPS = {
    "BatteryLevel": 0x5001,
    "FunctionalMode": 0x5002,
    "ImageSize": 0x5003,
    "CompressionSetting": 0x5004,
    "WhiteBalance": 0x5005,
    "RGBGain": 0x5006,
    "FNumber": 0x5007,
    "FocalLength": 0x5008,
    "FocusDistance": 0x5009,
    "FocusMode": 0x500A,
    "ExposureMeteringMode": 0x500B,
    "FlashMode": 0x500C,
    "ExposureTime": 0x500D,
    "ExposureProgramMode": 0x500E,
    "ExposureIndex": 0x500F,
    "ExposureBiasCompensation": 0x5010,
    "DateTime": 0x5011,
    "CaptureDelay": 0x5012,
    "StillCaptureMode": 0x5013,
    "Contrast": 0x5014,
    "Sharpness": 0x5015,
    "DigitalZoom": 0x5016,
    "EffectMode": 0x5017,
    "BurstNumber": 0x5018,
    "BurstInterval": 0x5019,
    "TimelapseNumber": 0x501A,
    "TimelapseInterval": 0x501B,
    "FocusMeteringMode": 0x501C,
    "UploadURL": 0x501D,
    "Artist": 0x501E,
    "CopyrightInfo": 0x501F,
    "SupportedStreams": 0x5020,
    "EnabledStreams": 0x5021,
    "VideoFormat": 0x5022,
    "VideoResolution": 0x5023,
    "VideoQuality": 0x5024,
    "VideoFrameRate": 0x5025,
    "VideoContrast": 0x5026,
    "VideoBrightness": 0x5027,
    "AudioFormat": 0x5028,
    "AudioBitrate": 0x5029,
    "AudioSamplingRate": 0x502A,
    "AudioBitPerSample": 0x502B,
    "AudioVolume": 0x502C,
}

MTP_DEVICE_PROPS = {
    "SynchronizationPartner": 0xD401,
    "DeviceFriendlyName": 0xD402,
    "SessionInitiatorInfo": 0xD406,
}

# Reference 2.7.
DATA_TYPES = {
    "UNDEF": 0x0000,
    "INT8": 0x0001,
    "UINT8": 0x0002,
    "INT16": 0x0003,
    "UINT16": 0x0004,
    "INT32": 0x0005,
    "UINT32": 0x0006,
    "INT64": 0x0007,
    "UINT64": 0x0008,
    "INT128": 0x0009,
    "UINT128": 0x000A,
    "AINT8": 0x4001,
    "AUINT8": 0x4002,
    "AINT16": 0x4003,
    "AUINT16": 0x4004,
    "AINT32": 0x4005,
    "AUINT32": 0x4006,
    "AINT64": 0x4007,
    "AUINT64": 0x4008,
    "AINT128": 0x4009,
    "AUINT128": 0x400A,
    "STR": 0xFFFF,
}

# Reference 2.9, 1.4 (InitFail reasons, DataPhaseInfo).
SMALL_ENUMS: list[tuple[type[IntEnum], dict[str, int]]] = [
    (
        StorageType,
        {"Undefined": 0, "FixedROM": 1, "RemovableROM": 2, "FixedRAM": 3, "RemovableRAM": 4},
    ),
    (FilesystemType, {"Undefined": 0, "GenericFlat": 1, "GenericHierarchical": 2, "DCF": 3}),
    (
        AccessCapability,
        {"ReadWrite": 0, "ReadOnlyWithoutDeletion": 1, "ReadOnlyWithDeletion": 2},
    ),
    (ProtectionStatus, {"NoProtection": 0, "ReadOnly": 1}),
    (
        AssociationType,
        {
            "Undefined": 0,
            "GenericFolder": 1,
            "Album": 2,
            "TimeSequence": 3,
            "HorizontalPanoramic": 4,
            "VerticalPanoramic": 5,
            "Panoramic2D": 6,
            "AncillaryData": 7,
        },
    ),
    (FormFlag, {"NONE": 0, "Range": 1, "Enumeration": 2}),
    (GetSet, {"Get": 0, "GetSet": 1}),
    (InitFailReason, {"RejectedInitiator": 1, "Busy": 2, "Unspecified": 3}),
    (DataPhaseInfo, {"Unknown0": 0, "NoDataOrDataIn": 1, "DataOut": 2, "Unknown": 3}),
]

TABLES: list[tuple[type[IntEnum], dict[str, int], bool]] = [
    # (enum, expected members, whether the table is the enum's complete member list)
    (PacketType, PACKET_TYPES, True),
    (OperationCode, OPERATIONS, True),
    (MtpOperationCode, MTP_OPERATIONS, True),
    (VendorOperationCode, VENDOR_OPERATIONS, False),
    (ResponseCode, RESPONSES, True),
    (MtpResponseCode, MTP_RESPONSES, True),
    (EventCode, EVENTS, True),
    (MtpEventCode, MTP_EVENTS, True),
    (ObjectFormat, FORMATS, False),
    (DevicePropCode, DEVICE_PROPS, True),
    (MtpDevicePropCode, MTP_DEVICE_PROPS, True),
    (DataType, DATA_TYPES, True),
    *((enum, table, True) for enum, table in SMALL_ENUMS),
]


@pytest.mark.parametrize(
    ("enum", "expected", "complete"), TABLES, ids=[t[0].__name__ for t in TABLES]
)
def test_values_match_reference(
    enum: type[IntEnum], expected: dict[str, int], complete: bool
) -> None:
    for name, value in expected.items():
        assert enum[name] == value, f"{enum.__name__}.{name}"
        assert enum(value).name == name, f"{enum.__name__}(0x{value:04X})"
    if complete:
        assert {m.name for m in enum} == set(expected)


@pytest.mark.parametrize("enum", ALL_ENUMS, ids=lambda e: e.__name__)
def test_no_alias_members(enum: type[IntEnum]) -> None:
    assert len({e.value for e in enum}) == len(enum)
    # Aliases are hidden from iteration, so also compare with every name the enum defines.
    assert len(enum.__members__) == len(enum)


def test_reserved_formats_have_no_member() -> None:
    for reserved in (0x3806, 0x380C):
        assert reserved not in {f.value for f in ObjectFormat}


def test_code_classes_by_top_nibble() -> None:
    assert all(op >> 12 == 0x1 for op in OperationCode)
    assert all(op >> 12 == 0x9 for op in MtpOperationCode)
    assert all(op >> 12 == 0x9 for op in VendorOperationCode)
    assert all(rc >> 12 == 0x2 for rc in ResponseCode)
    assert all(rc >> 12 == 0xA for rc in MtpResponseCode)
    assert all(ev >> 12 == 0x4 for ev in EventCode)
    assert all(ev >> 12 == 0xC for ev in MtpEventCode)
    assert all(f >> 12 in (0x3, 0xB) for f in ObjectFormat)
    assert all(p >> 12 == 0x5 for p in DevicePropCode)
    assert all(p >> 12 == 0xD for p in MtpDevicePropCode)


def test_operation_enums_do_not_overlap() -> None:
    std = {m.value for m in OperationCode}
    mtp = {m.value for m in MtpOperationCode}
    vendor = {m.value for m in VendorOperationCode}
    assert not (std & mtp) and not (std & vendor) and not (mtp & vendor)
    names = [m.name for e in (OperationCode, MtpOperationCode, VendorOperationCode) for m in e]
    assert len(names) == len(set(names))


def test_constants() -> None:
    assert PROTOCOL_VERSION_1_0 == 0x00010000
    assert TID_NONE == 0xFFFFFFFF
    assert ALL == 0xFFFFFFFF
    assert ROOT == 0xFFFFFFFF
    assert DATA_LENGTH_UNKNOWN == 2**64 - 1


# -- is_image ----------------------------------------------------------------------------


@pytest.mark.parametrize("code", [0x3800, 0x3801, 0x380B, 0x3811, 0x38FF])
def test_is_image_true(code: int) -> None:
    assert is_image(code)


@pytest.mark.parametrize("code", [0x3000, 0x3001, 0x300D, 0x37FF, 0x3900, 0xB103, 0, -1])
def test_is_image_false(code: int) -> None:
    assert not is_image(code)


# -- DataType helpers --------------------------------------------------------------------


def test_datatype_is_array() -> None:
    arrays = {t for t in DataType if 0x4001 <= t.value <= 0x400A}
    assert len(arrays) == 10
    for t in DataType:
        assert t.is_array == (t in arrays), t.name
    assert not DataType.STR.is_array
    assert not DataType.UNDEF.is_array


@pytest.mark.parametrize(
    ("array", "element"),
    [
        ("AINT8", "INT8"),
        ("AUINT8", "UINT8"),
        ("AINT16", "INT16"),
        ("AUINT16", "UINT16"),
        ("AINT32", "INT32"),
        ("AUINT32", "UINT32"),
        ("AINT64", "INT64"),
        ("AUINT64", "UINT64"),
        ("AINT128", "INT128"),
        ("AUINT128", "UINT128"),
    ],
)
def test_datatype_element_type(array: str, element: str) -> None:
    got = DataType[array].element_type
    assert got is DataType[element]
    assert not got.is_array


def test_datatype_element_type_of_scalar_is_itself() -> None:
    for t in (DataType.UINT16, DataType.STR, DataType.UNDEF):
        assert t.element_type is t


# -- data direction ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "direction"),
    [
        (0x1001, "in"),  # GetDeviceInfo
        (0x1002, "none"),  # OpenSession
        (0x1003, "none"),  # CloseSession
        (0x1004, "in"),  # GetStorageIDs
        (0x1006, "none"),  # GetNumObjects
        (0x1007, "in"),  # GetObjectHandles
        (0x1009, "in"),  # GetObject
        (0x100B, "none"),  # DeleteObject
        (0x100C, "out"),  # SendObjectInfo
        (0x100D, "out"),  # SendObject
        (0x100E, "none"),  # InitiateCapture
        (0x1014, "in"),  # GetDevicePropDesc
        (0x1016, "out"),  # SetDevicePropValue
        (0x101B, "in"),  # GetPartialObject
        (0x9801, "in"),  # GetObjectPropsSupported
        (0x9804, "out"),  # SetObjectPropValue
        (0x9808, "out"),  # SendObjectPropList
        (0x9810, "in"),  # GetObjectReferences
        (0x9811, "out"),  # SetObjectReferences
        (0x95C1, "in"),  # Android GetPartialObject64
        (0x9172, "in"),  # Canon EOS GetPartialObject64
        (0x9431, "in"),  # Nikon GetPartialObjectEx
    ],
)
def test_operation_data_direction(code: int, direction: str) -> None:
    assert OPERATION_DATA_DIRECTION[code] == direction


def test_every_standard_operation_has_a_direction() -> None:
    for op in OperationCode:
        assert OPERATION_DATA_DIRECTION[op] in ("none", "in", "out"), op.name
    assert set(OPERATION_DATA_DIRECTION.values()) <= {"none", "in", "out"}


def test_direction_keys_are_known_operations() -> None:
    for code in OPERATION_DATA_DIRECTION:
        assert not code_name("operation", code).startswith(("Unknown_", "Vendor_"))


# -- code_name / code_enum ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "name"),
    [
        ("packet", 1, "InitCommandRequest"),
        ("packet", 14, "ProbeResponse"),
        ("operation", 0x1002, "OpenSession"),
        ("operation", 0x9805, "GetObjectPropList"),
        ("operation", 0x95C1, "AndroidGetPartialObject64"),
        ("response", 0x2001, "OK"),
        ("response", 0x201F, "TransactionCancelled"),
        ("response", 0xA80A, "ObjectPropNotSupported"),
        ("event", 0x400D, "CaptureComplete"),
        ("event", 0xC801, "ObjectPropChanged"),
        ("format", 0x3801, "EXIF_JPEG"),
        ("format", 0xB982, "MTP_MP4"),
        ("property", 0x5011, "DateTime"),
        ("property", 0xD402, "DeviceFriendlyName"),
        ("datatype", 0xFFFF, "STR"),
        ("datatype", 0x4004, "AUINT16"),
    ],
)
def test_code_name_known(kind: codes.CodeKind, value: int, name: str) -> None:
    assert code_name(kind, value) == name
    member = code_enum(kind, value)
    assert isinstance(member, IntEnum)
    assert member.name == name
    assert member == value


@pytest.mark.parametrize(
    ("kind", "value", "name"),
    [
        ("operation", 0x9123, "Vendor_0x9123"),
        ("operation", 0x9FFF, "Vendor_0x9FFF"),
        ("response", 0xA001, "Vendor_0xA001"),
        ("event", 0xC123, "Vendor_0xC123"),
        ("format", 0xB999, "Vendor_0xB999"),
        ("property", 0xD123, "Vendor_0xD123"),
        # outside the vendor range of that kind
        ("operation", 0x1234, "Unknown_0x1234"),
        ("operation", 0xA001, "Unknown_0xA001"),
        ("response", 0x9123, "Unknown_0x9123"),
        ("response", 0x2024, "Unknown_0x2024"),
        ("event", 0x400F, "Unknown_0x400F"),
        ("format", 0x3806, "Unknown_0x3806"),
        ("property", 0x5000, "Unknown_0x5000"),
        ("packet", 0, "Unknown_0x0000"),
        ("packet", 15, "Unknown_0x000F"),
        ("datatype", 0x000B, "Unknown_0x000B"),
        ("datatype", 0x4000, "Unknown_0x4000"),
        # not 16-bit, or negative
        ("operation", 0x19123, "Unknown_0x19123"),
        ("operation", -1, "Unknown_-0x0001"),
    ],
)
def test_code_name_fallbacks(kind: codes.CodeKind, value: int, name: str) -> None:
    assert code_name(kind, value) == name
    got = code_enum(kind, value)
    assert type(got) is int
    assert got == value


def test_code_name_standard_wins_over_mtp() -> None:
    # Both tables have an "Undefined": the standard one is looked up by its own value,
    # the MTP one by its own; neither hides the other.
    assert code_enum("response", 0x2000) is ResponseCode.Undefined
    assert code_enum("response", 0xA800) is MtpResponseCode.Undefined


def test_errors_use_code_name() -> None:
    from ptpkit.errors import PtpResponseError

    err = PtpResponseError(0x201F, operation=0x100D)
    assert err.name == "TransactionCancelled"
    assert "SendObject" in str(err)


@given(st.sampled_from(KINDS), st.integers())
def test_code_name_never_raises(kind: codes.CodeKind, value: int) -> None:
    name = code_name(kind, value)
    assert isinstance(name, str) and name
    got = code_enum(kind, value)
    assert got == value


@given(st.sampled_from(KINDS), st.integers(min_value=0, max_value=0xFFFF))
def test_code_name_is_member_name_or_fallback(kind: codes.CodeKind, value: int) -> None:
    name = code_name(kind, value)
    got = code_enum(kind, value)
    if isinstance(got, IntEnum):
        assert name == got.name
    else:
        assert name in (f"Vendor_0x{value:04X}", f"Unknown_0x{value:04X}")
