"""PTP/IP packet types and the PTP (ISO 15740) code tables, as :class:`~enum.IntEnum` s.

Member names are the ISO 15740 / CIPA DC-005 names in CamelCase, spelled as in
``shared/reference/ptpip-reference.md`` section 2, so that ptpkit's output can be compared
by name with tshark's and gphoto2's. MTP (0x98xx, 0xA8xx, 0xC8xx, 0xD4xx, 0xDCxx) codes live in
their own enums, and a few well-known vendor codes in :class:`VendorOperationCode`.

Code classes: a 16-bit code's top nibble says what it is. 0x1/0x9 are operations,
0x2/0xA responses, 0x3/0xB object formats, 0x4/0xC events and 0x5/0xD device properties;
the second of each pair (bit 15 set) is the vendor-extension range.

:func:`code_name` turns any integer into a readable name and never raises;
:func:`code_enum` gives back the enum member when the value is known.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Literal, TypeAlias

__all__ = [
    "ALL",
    "DATA_LENGTH_UNKNOWN",
    "MTP_OBJECT_PROP_TYPES",
    "OPERATION_DATA_DIRECTION",
    "PROTOCOL_VERSION_1_0",
    "ROOT",
    "TID_NONE",
    "AccessCapability",
    "AssociationType",
    "CodeKind",
    "DataDirection",
    "DataPhaseInfo",
    "DataType",
    "DevicePropCode",
    "EventCode",
    "FilesystemType",
    "FormFlag",
    "GetSet",
    "InitFailReason",
    "MtpDevicePropCode",
    "MtpEventCode",
    "MtpObjectPropCode",
    "MtpOperationCode",
    "MtpResponseCode",
    "ObjectFormat",
    "OperationCode",
    "PacketType",
    "ProtectionStatus",
    "ResponseCode",
    "StorageType",
    "VendorOperationCode",
    "code_enum",
    "code_name",
    "is_image",
]

# -- constants ---------------------------------------------------------------------------

PROTOCOL_VERSION_1_0 = 0x00010000
"""PTP/IP ProtocolVersion 1.0: major in the high 16 bits, minor in the low 16 bits."""

TID_NONE = 0xFFFFFFFF
"""Transaction id of an Event not tied to a transaction; also the reserved, invalid TID."""

ALL = 0xFFFFFFFF
"""Parameter value for "all" (storages, objects, properties)."""

ROOT = 0xFFFFFFFF
"""Parent-handle parameter for "the root only" (GetObjectHandles, SendObjectInfo)."""

DATA_LENGTH_UNKNOWN = 0xFFFFFFFFFFFFFFFF
"""StartData TotalDataLength when the sender does not know the length in advance."""


# -- PTP/IP transport --------------------------------------------------------------------


class PacketType(IntEnum):
    """PTP/IP packet types (the u32 after the length in every packet)."""

    InitCommandRequest = 1
    InitCommandAck = 2
    InitEventRequest = 3
    InitEventAck = 4
    InitFail = 5
    OperationRequest = 6
    OperationResponse = 7
    Event = 8
    StartData = 9
    Data = 10
    Cancel = 11
    EndData = 12
    ProbeRequest = 13
    ProbeResponse = 14


class DataPhaseInfo(IntEnum):
    """The DataPhaseInfo field of an Operation Request.

    Send only 1 or 2. Both 0 and 3 have been used for "unknown" by different
    implementations; ptpkit accepts either and then decides from the operation code.
    """

    Unknown0 = 0
    NoDataOrDataIn = 1
    DataOut = 2
    Unknown = 3


class InitFailReason(IntEnum):
    """Reason codes of an Init Fail packet (Fujifilm sends PTP response codes instead)."""

    RejectedInitiator = 1
    Busy = 2
    Unspecified = 3


# -- operations --------------------------------------------------------------------------


class OperationCode(IntEnum):
    """Standard PTP operations (0x1001-0x101C) and the PTP 1.1 additions (0x101D-0x1025)."""

    GetDeviceInfo = 0x1001
    OpenSession = 0x1002
    CloseSession = 0x1003
    GetStorageIDs = 0x1004
    GetStorageInfo = 0x1005
    GetNumObjects = 0x1006
    GetObjectHandles = 0x1007
    GetObjectInfo = 0x1008
    GetObject = 0x1009
    GetThumb = 0x100A
    DeleteObject = 0x100B
    SendObjectInfo = 0x100C
    SendObject = 0x100D
    InitiateCapture = 0x100E
    FormatStore = 0x100F
    ResetDevice = 0x1010
    SelfTest = 0x1011
    SetObjectProtection = 0x1012
    PowerDown = 0x1013
    GetDevicePropDesc = 0x1014
    GetDevicePropValue = 0x1015
    SetDevicePropValue = 0x1016
    ResetDevicePropValue = 0x1017
    TerminateOpenCapture = 0x1018
    MoveObject = 0x1019
    CopyObject = 0x101A
    GetPartialObject = 0x101B
    InitiateOpenCapture = 0x101C
    # PTP 1.1
    StartEnumHandles = 0x101D
    EnumHandles = 0x101E
    StopEnumHandles = 0x101F
    GetVendorExtensionMaps = 0x1020
    GetVendorDeviceInfo = 0x1021
    GetResizedImageObject = 0x1022
    GetFilesystemManifest = 0x1023
    GetStreamInfo = 0x1024
    GetStream = 0x1025


class MtpOperationCode(IntEnum):
    """MTP operations (0x98xx), listed by MTP-capable devices only."""

    GetObjectPropsSupported = 0x9801
    GetObjectPropDesc = 0x9802
    GetObjectPropValue = 0x9803
    SetObjectPropValue = 0x9804
    GetObjectPropList = 0x9805
    SetObjectPropList = 0x9806
    GetInterdependentPropDesc = 0x9807
    SendObjectPropList = 0x9808
    GetObjectReferences = 0x9810
    SetObjectReferences = 0x9811
    UpdateDeviceFirmware = 0x9812
    Skip = 0x9820


class VendorOperationCode(IntEnum):
    """Well-known vendor operations (reference sections 2.1 and 5).

    Vendor codes are only meaningful together with the device's VendorExtensionID: the
    same value can mean different things on different brands. The vendor is therefore part
    of every member name.
    """

    # Android MTP extensions (64-bit partial transfers)
    AndroidGetPartialObject64 = 0x95C1
    AndroidSendPartialObject = 0x95C2
    AndroidTruncateObject = 0x95C3
    # Canon EOS
    CanonEosSetPairingInfo = 0x9030
    CanonEosGetPairingInfo = 0x9031
    CanonEosDeletePairingInfo = 0x9032
    CanonEosGetMACAddress = 0x9033
    CanonEosPairingComplete = 0x9035
    CanonEosGetPartialObject = 0x9107
    CanonEosGetDeviceInfoEx = 0x9108
    CanonEosGetObjectInfoEx = 0x9109
    CanonEosSetRemoteMode = 0x9114
    CanonEosSetEventMode = 0x9115
    CanonEosGetEvent = 0x9116
    CanonEosGetPartialObject64 = 0x9172
    # Nikon
    NikonGetProfileAllData = 0x9006
    NikonSendProfileData = 0x9007
    NikonDeleteProfile = 0x9008
    NikonSetProfileData = 0x9009
    NikonGetEvent = 0x90C7
    NikonGetDevicePTPIPInfo = 0x90E0
    NikonGetEventEx = 0x941C
    NikonGetPartialObjectEx = 0x9431
    # Sony
    SonySDIOConnect = 0x9201
    SonyGetExtDeviceInfo = 0x9202


# -- responses ---------------------------------------------------------------------------


class ResponseCode(IntEnum):
    """Standard PTP response codes (0x2000-0x2020) and the PTP 1.1 additions."""

    Undefined = 0x2000
    OK = 0x2001
    GeneralError = 0x2002
    SessionNotOpen = 0x2003
    InvalidTransactionID = 0x2004
    OperationNotSupported = 0x2005
    ParameterNotSupported = 0x2006
    IncompleteTransfer = 0x2007
    InvalidStorageID = 0x2008
    InvalidObjectHandle = 0x2009
    DevicePropNotSupported = 0x200A
    InvalidObjectFormatCode = 0x200B
    StoreFull = 0x200C
    ObjectWriteProtected = 0x200D
    StoreReadOnly = 0x200E
    AccessDenied = 0x200F
    NoThumbnailPresent = 0x2010
    SelfTestFailed = 0x2011
    PartialDeletion = 0x2012
    StoreNotAvailable = 0x2013
    SpecificationByFormatUnsupported = 0x2014
    NoValidObjectInfo = 0x2015
    InvalidCodeFormat = 0x2016
    UnknownVendorCode = 0x2017
    CaptureAlreadyTerminated = 0x2018
    DeviceBusy = 0x2019
    InvalidParentObject = 0x201A
    InvalidDevicePropFormat = 0x201B
    InvalidDevicePropValue = 0x201C
    InvalidParameter = 0x201D
    SessionAlreadyOpen = 0x201E
    TransactionCancelled = 0x201F
    SpecificationOfDestinationUnsupported = 0x2020
    # PTP 1.1
    InvalidEnumHandle = 0x2021
    NoStreamEnabled = 0x2022
    InvalidDataSet = 0x2023


class MtpResponseCode(IntEnum):
    """MTP response codes (0xA800-0xA80A)."""

    Undefined = 0xA800
    InvalidObjectPropCode = 0xA801
    InvalidObjectPropFormat = 0xA802
    InvalidObjectPropValue = 0xA803
    InvalidObjectReference = 0xA804
    GroupNotSupported = 0xA805
    InvalidDataset = 0xA806
    SpecificationByGroupUnsupported = 0xA807
    SpecificationByDepthUnsupported = 0xA808
    ObjectTooLarge = 0xA809
    ObjectPropNotSupported = 0xA80A


# -- events ------------------------------------------------------------------------------


class EventCode(IntEnum):
    """Standard PTP event codes (0x4000-0x400E)."""

    Undefined = 0x4000
    CancelTransaction = 0x4001
    ObjectAdded = 0x4002
    ObjectRemoved = 0x4003
    StoreAdded = 0x4004
    StoreRemoved = 0x4005
    DevicePropChanged = 0x4006
    ObjectInfoChanged = 0x4007
    DeviceInfoChanged = 0x4008
    RequestObjectTransfer = 0x4009
    StoreFull = 0x400A
    DeviceReset = 0x400B
    StorageInfoChanged = 0x400C
    CaptureComplete = 0x400D
    UnreportedStatus = 0x400E


class MtpEventCode(IntEnum):
    """MTP event codes (0xC801-0xC803)."""

    ObjectPropChanged = 0xC801
    ObjectPropDescChanged = 0xC802
    ObjectReferencesChanged = 0xC803


# -- object formats ----------------------------------------------------------------------


class ObjectFormat(IntEnum):
    """Object format codes: the standard table, plus vendor and MTP codes that do not collide.

    0x3806 and 0x380C are reserved and have no member. Vendor values (0xB1xx, 0xB3xx) are
    shared between brands; the names say which brands use them.
    """

    # non-image (0x30xx)
    Undefined = 0x3000
    Association = 0x3001
    Script = 0x3002
    Executable = 0x3003
    Text = 0x3004
    HTML = 0x3005
    DPOF = 0x3006
    AIFF = 0x3007
    WAV = 0x3008
    MP3 = 0x3009
    AVI = 0x300A
    MPEG = 0x300B
    ASF = 0x300C
    QuickTime = 0x300D
    # image (0x38xx)
    UndefinedImage = 0x3800
    EXIF_JPEG = 0x3801
    TIFF_EP = 0x3802
    FlashPix = 0x3803
    BMP = 0x3804
    CIFF = 0x3805
    GIF = 0x3807
    JFIF = 0x3808
    PCD = 0x3809
    PICT = 0x380A
    PNG = 0x380B
    TIFF = 0x380D
    TIFF_IT = 0x380E
    JP2 = 0x380F
    JPX = 0x3810
    DNG = 0x3811
    # vendor (interpret by VendorExtensionID)
    ARW_CRW = 0xB101  # Sony ARW / Canon CRW
    RAW_B103 = 0xB103  # Canon CR2 / Fujifilm RAF
    MOV_B104 = 0xB104  # Canon MOV
    MOV_B105 = 0xB105  # Canon MOV (second variant)
    CR3 = 0xB108  # Canon CR3
    HEIF_B110 = 0xB110  # Sony HEIF
    MPO_B301 = 0xB301  # Sony MPO
    # MTP
    MTP_Firmware = 0xB802
    MTP_UndefinedAudio = 0xB900
    MTP_WMA = 0xB901
    MTP_OGG = 0xB902
    MTP_AAC = 0xB903
    MTP_FLAC = 0xB906
    MTP_UndefinedVideo = 0xB980
    MTP_WMV = 0xB981
    MTP_MP4 = 0xB982
    MTP_MP2 = 0xB983
    MTP_3GP = 0xB984


def is_image(code: int) -> bool:
    """True for the image class of object formats (0x38xx), as used by "images only" filters."""
    return 0x3800 <= code <= 0x38FF


# -- device properties -------------------------------------------------------------------


class DevicePropCode(IntEnum):
    """Standard device properties (0x5001-0x501F) and the PTP 1.1 additions (0x5020-0x502C)."""

    BatteryLevel = 0x5001
    FunctionalMode = 0x5002
    ImageSize = 0x5003
    CompressionSetting = 0x5004
    WhiteBalance = 0x5005
    RGBGain = 0x5006
    FNumber = 0x5007
    FocalLength = 0x5008
    FocusDistance = 0x5009
    FocusMode = 0x500A
    ExposureMeteringMode = 0x500B
    FlashMode = 0x500C
    ExposureTime = 0x500D
    ExposureProgramMode = 0x500E
    ExposureIndex = 0x500F
    ExposureBiasCompensation = 0x5010
    DateTime = 0x5011
    CaptureDelay = 0x5012
    StillCaptureMode = 0x5013
    Contrast = 0x5014
    Sharpness = 0x5015
    DigitalZoom = 0x5016
    EffectMode = 0x5017
    BurstNumber = 0x5018
    BurstInterval = 0x5019
    TimelapseNumber = 0x501A
    TimelapseInterval = 0x501B
    FocusMeteringMode = 0x501C
    UploadURL = 0x501D
    Artist = 0x501E
    CopyrightInfo = 0x501F
    # PTP 1.1
    SupportedStreams = 0x5020
    EnabledStreams = 0x5021
    VideoFormat = 0x5022
    VideoResolution = 0x5023
    VideoQuality = 0x5024
    VideoFrameRate = 0x5025
    VideoContrast = 0x5026
    VideoBrightness = 0x5027
    AudioFormat = 0x5028
    AudioBitrate = 0x5029
    AudioSamplingRate = 0x502A
    AudioBitPerSample = 0x502B
    AudioVolume = 0x502C


class MtpDevicePropCode(IntEnum):
    """MTP device properties (0xD4xx)."""

    SynchronizationPartner = 0xD401
    DeviceFriendlyName = 0xD402
    SessionInitiatorInfo = 0xD406


class MtpObjectPropCode(IntEnum):
    """MTP object properties (0xDCxx): the elements of an ObjectPropList (GetObjectPropList).

    The data type of each is fixed by the MTP specification; see
    :data:`MTP_OBJECT_PROP_TYPES`.
    """

    StorageID = 0xDC01
    ObjectFormat = 0xDC02
    ProtectionStatus = 0xDC03
    ObjectSize = 0xDC04
    AssociationType = 0xDC05
    AssociationDesc = 0xDC06
    ObjectFileName = 0xDC07
    DateCreated = 0xDC08
    DateModified = 0xDC09
    Keywords = 0xDC0A
    ParentObject = 0xDC0B
    PersistentUniqueObjectIdentifier = 0xDC41
    Name = 0xDC44
    Width = 0xDC87
    Height = 0xDC88


# -- data types and small enumerations ---------------------------------------------------

_ARRAY_FLAG = 0x4000


class DataType(IntEnum):
    """Data type codes of property values: scalars, arrays (0x4000 | scalar) and STR."""

    UNDEF = 0x0000
    INT8 = 0x0001
    UINT8 = 0x0002
    INT16 = 0x0003
    UINT16 = 0x0004
    INT32 = 0x0005
    UINT32 = 0x0006
    INT64 = 0x0007
    UINT64 = 0x0008
    INT128 = 0x0009
    UINT128 = 0x000A
    AINT8 = 0x4001
    AUINT8 = 0x4002
    AINT16 = 0x4003
    AUINT16 = 0x4004
    AINT32 = 0x4005
    AUINT32 = 0x4006
    AINT64 = 0x4007
    AUINT64 = 0x4008
    AINT128 = 0x4009
    AUINT128 = 0x400A
    STR = 0xFFFF

    @property
    def is_array(self) -> bool:
        """True for the array types AINT8 ... AUINT128."""
        return self is not DataType.STR and bool(self.value & _ARRAY_FLAG)

    @property
    def element_type(self) -> DataType:
        """The element type of an array type (AUINT16 -> UINT16); a scalar type is its own."""
        if self.is_array:
            return DataType(self.value & ~_ARRAY_FLAG)
        return self


#: The data type of each MTP object property we know (MTP 1.1, appendix B).
MTP_OBJECT_PROP_TYPES: dict[int, DataType] = {
    MtpObjectPropCode.StorageID: DataType.UINT32,
    MtpObjectPropCode.ObjectFormat: DataType.UINT16,
    MtpObjectPropCode.ProtectionStatus: DataType.UINT16,
    MtpObjectPropCode.ObjectSize: DataType.UINT64,
    MtpObjectPropCode.AssociationType: DataType.UINT16,
    MtpObjectPropCode.AssociationDesc: DataType.UINT32,
    MtpObjectPropCode.ObjectFileName: DataType.STR,
    MtpObjectPropCode.DateCreated: DataType.STR,
    MtpObjectPropCode.DateModified: DataType.STR,
    MtpObjectPropCode.Keywords: DataType.STR,
    MtpObjectPropCode.ParentObject: DataType.UINT32,
    MtpObjectPropCode.PersistentUniqueObjectIdentifier: DataType.UINT128,
    MtpObjectPropCode.Name: DataType.STR,
    MtpObjectPropCode.Width: DataType.UINT32,
    MtpObjectPropCode.Height: DataType.UINT32,
}


class StorageType(IntEnum):
    Undefined = 0
    FixedROM = 1
    RemovableROM = 2
    FixedRAM = 3
    RemovableRAM = 4


class FilesystemType(IntEnum):
    Undefined = 0
    GenericFlat = 1
    GenericHierarchical = 2
    DCF = 3


class AccessCapability(IntEnum):
    ReadWrite = 0
    ReadOnlyWithoutDeletion = 1
    ReadOnlyWithDeletion = 2


class ProtectionStatus(IntEnum):
    NoProtection = 0
    ReadOnly = 1


class AssociationType(IntEnum):
    Undefined = 0
    GenericFolder = 1
    Album = 2
    TimeSequence = 3
    HorizontalPanoramic = 4
    VerticalPanoramic = 5
    Panoramic2D = 6
    AncillaryData = 7


class FormFlag(IntEnum):
    """The form that follows a DevicePropDesc's current value."""

    NONE = 0
    Range = 1
    Enumeration = 2


class GetSet(IntEnum):
    """Whether a device property is read-only (Get) or writable (GetSet)."""

    Get = 0
    GetSet = 1


# -- data direction of each operation ----------------------------------------------------

DataDirection: TypeAlias = Literal["none", "in", "out"]
"""``"in"``: responder to initiator; ``"out"``: initiator to responder."""

_NONE: DataDirection = "none"
_IN: DataDirection = "in"
_OUT: DataDirection = "out"

OPERATION_DATA_DIRECTION: dict[int, DataDirection] = {
    OperationCode.GetDeviceInfo: _IN,
    OperationCode.OpenSession: _NONE,
    OperationCode.CloseSession: _NONE,
    OperationCode.GetStorageIDs: _IN,
    OperationCode.GetStorageInfo: _IN,
    OperationCode.GetNumObjects: _NONE,
    OperationCode.GetObjectHandles: _IN,
    OperationCode.GetObjectInfo: _IN,
    OperationCode.GetObject: _IN,
    OperationCode.GetThumb: _IN,
    OperationCode.DeleteObject: _NONE,
    OperationCode.SendObjectInfo: _OUT,
    OperationCode.SendObject: _OUT,
    OperationCode.InitiateCapture: _NONE,
    OperationCode.FormatStore: _NONE,
    OperationCode.ResetDevice: _NONE,
    OperationCode.SelfTest: _NONE,
    OperationCode.SetObjectProtection: _NONE,
    OperationCode.PowerDown: _NONE,
    OperationCode.GetDevicePropDesc: _IN,
    OperationCode.GetDevicePropValue: _IN,
    OperationCode.SetDevicePropValue: _OUT,
    OperationCode.ResetDevicePropValue: _NONE,
    OperationCode.TerminateOpenCapture: _NONE,
    OperationCode.MoveObject: _NONE,
    OperationCode.CopyObject: _NONE,
    OperationCode.GetPartialObject: _IN,
    OperationCode.InitiateOpenCapture: _NONE,
    # PTP 1.1: the reference's table gives no data column for these; the directions
    # follow from what each operation returns (a handle list, a dataset or bytes).
    OperationCode.StartEnumHandles: _NONE,
    OperationCode.EnumHandles: _IN,
    OperationCode.StopEnumHandles: _NONE,
    OperationCode.GetVendorExtensionMaps: _IN,
    OperationCode.GetVendorDeviceInfo: _IN,
    OperationCode.GetResizedImageObject: _IN,
    OperationCode.GetFilesystemManifest: _IN,
    OperationCode.GetStreamInfo: _IN,
    OperationCode.GetStream: _IN,
    # MTP (UpdateDeviceFirmware and Skip are left out: their data phase is not known)
    MtpOperationCode.GetObjectPropsSupported: _IN,
    MtpOperationCode.GetObjectPropDesc: _IN,
    MtpOperationCode.GetObjectPropValue: _IN,
    MtpOperationCode.SetObjectPropValue: _OUT,
    MtpOperationCode.GetObjectPropList: _IN,
    MtpOperationCode.SetObjectPropList: _OUT,
    MtpOperationCode.GetInterdependentPropDesc: _IN,
    MtpOperationCode.SendObjectPropList: _OUT,
    MtpOperationCode.GetObjectReferences: _IN,
    MtpOperationCode.SetObjectReferences: _OUT,
    # vendor 64-bit partial transfers
    VendorOperationCode.AndroidGetPartialObject64: _IN,
    VendorOperationCode.AndroidSendPartialObject: _OUT,
    VendorOperationCode.AndroidTruncateObject: _NONE,
    VendorOperationCode.CanonEosGetPartialObject64: _IN,
    VendorOperationCode.NikonGetPartialObjectEx: _IN,
}
"""Data phase of every operation whose direction is known. Absent codes: unknown."""


# -- names for any value -----------------------------------------------------------------

CodeKind: TypeAlias = Literal[
    "packet", "operation", "response", "event", "format", "property", "objectprop", "datatype"
]

_KIND_ENUMS: dict[str, tuple[type[IntEnum], ...]] = {
    "packet": (PacketType,),
    "operation": (OperationCode, MtpOperationCode, VendorOperationCode),
    "response": (ResponseCode, MtpResponseCode),
    "event": (EventCode, MtpEventCode),
    "format": (ObjectFormat,),
    "property": (DevicePropCode, MtpDevicePropCode),
    "objectprop": (MtpObjectPropCode,),
    "datatype": (DataType,),
}

# The top nibble of a 16-bit vendor-extension code of each kind.
_VENDOR_NIBBLE: dict[str, int] = {
    "operation": 0x9,
    "response": 0xA,
    "format": 0xB,
    "event": 0xC,
    "property": 0xD,
}


def _build_lookup() -> dict[str, dict[int, IntEnum]]:
    lookup: dict[str, dict[int, IntEnum]] = {}
    for kind, enums in _KIND_ENUMS.items():
        table: dict[int, IntEnum] = {}
        for enum_cls in enums:  # standard first: an earlier enum wins a shared value
            for member in enum_cls:
                table.setdefault(member.value, member)
        lookup[kind] = table
    return lookup


_LOOKUP = _build_lookup()


def code_enum(kind: CodeKind, value: int) -> int:
    """The enum member for ``value`` when it is a known code of ``kind``, else ``value``."""
    table = _LOOKUP.get(kind)
    member = None if table is None else table.get(value)
    return value if member is None else member


def code_name(kind: CodeKind, value: int) -> str:
    """A readable name for ``value`` as a code of ``kind``; never raises.

    Known codes give their member name (standard, then MTP, then vendor tables). Unknown
    codes give ``"Vendor_0x9123"`` when they lie in that kind's vendor range, otherwise
    ``"Unknown_0x1234"``.
    """
    member = code_enum(kind, value)
    if isinstance(member, IntEnum):
        return member.name
    number = int(value)
    if number < 0:
        return f"Unknown_-0x{-number:04X}"
    nibble = _VENDOR_NIBBLE.get(kind)
    if nibble is not None and number <= 0xFFFF and number >> 12 == nibble:
        return f"Vendor_0x{number:04X}"
    return f"Unknown_0x{number:04X}"
