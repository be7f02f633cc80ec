"""The PTP (ISO 15740) code tables: operations, responses, events, object formats, device
properties, data types, and the small enumerations of the datasets' fields.

Member names are the ISO 15740 / CIPA DC-005 names in CamelCase (reference section 2).
"""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "ALL",
    "ROOT",
    "TID_NONE",
    "AccessCapability",
    "AssociationType",
    "DataType",
    "DevicePropCode",
    "EventCode",
    "FilesystemType",
    "FormFlag",
    "GetSet",
    "ObjectFormat",
    "OperationCode",
    "ProtectionStatus",
    "ResponseCode",
    "StorageType",
    "is_image",
]

# -- constants ---------------------------------------------------------------------------

TID_NONE = 0xFFFFFFFF
"""Transaction id of an Event not tied to a transaction; also the reserved, invalid TID."""

ALL = 0xFFFFFFFF
"""Parameter value for "all" (storages, objects, properties)."""

ROOT = 0xFFFFFFFF
"""Parent-handle parameter for "the root only" (GetObjectHandles, SendObjectInfo)."""


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
