"""Nikon's codes: operations, events, responses and properties, the capture parameters
and the SDRAM handle, the standard properties Nikon bodies answer and the data direction
of each operation (dialects.md §3, §9; names as libgphoto2's ``ptp.h`` spells them). Import
them from :mod:`ptpkit.proto.vendors.nikon`."""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum

from ptpkit.proto.codes import DataDirection, DevicePropCode

__all__ = [
    "CAPTURE_TARGET_CARD", "CAPTURE_TARGET_SDRAM", "CAPTURE_WITHOUT_AF", "CAPTURE_WITH_AF",
    "DEVICE_READY_BUSY", "NIKON_OPERATION_DATA_DIRECTION", "NIKON_STANDARD_PROPERTIES",
    "SDRAM_OBJECT", "NikonDevicePropCode", "NikonEventCode", "NikonOperationCode",
    "NikonResponseCode",
]  # fmt: skip

SDRAM_OBJECT = 0xFFFF0001
"""The handle of a picture held in the camera's memory (SDRAM) after a capture. gphoto2 also
treats a handle of 0 in ObjectAddedInSDRAM as this one."""

CAPTURE_WITHOUT_AF = 0xFFFFFFFF
"""InitiateCaptureRecInMedia / InitiateCaptureRecInSdram parameter 1: release without AF."""
CAPTURE_WITH_AF = 0xFFFFFFFE
"""InitiateCaptureRecInMedia parameter 1: focus first, then release."""
CAPTURE_TARGET_SDRAM = 1
"""InitiateCaptureRecInMedia parameter 2: keep the picture in SDRAM (gphoto2's default)."""
CAPTURE_TARGET_CARD = 0
"""InitiateCaptureRecInMedia parameter 2: write the picture to the card."""


# -- codes --------------------------------------------------------------------------------


class NikonOperationCode(IntEnum):
    """Nikon vendor operations (VendorExtensionID 0xA)."""

    GetProfileAllData = 0x9006
    SendProfileData = 0x9007
    DeleteProfile = 0x9008
    SetProfileData = 0x9009
    AdvancedTransfer = 0x9010
    GetFileInfoInBlock = 0x9011
    InitiateCaptureRecInSdram = 0x90C0
    AfDrive = 0x90C1
    ChangeCameraMode = 0x90C2
    DelImageSDRAM = 0x90C3
    GetLargeThumb = 0x90C4
    CurveDownload = 0x90C5
    CurveUpload = 0x90C6
    GetEvent = 0x90C7
    DeviceReady = 0x90C8
    SetPreWBData = 0x90C9
    GetVendorPropCodes = 0x90CA
    AfCaptureSDRAM = 0x90CB
    GetPictCtrlData = 0x90CC
    SetPictCtrlData = 0x90CD
    DelCstPicCtrl = 0x90CE
    GetPicCtrlCapability = 0x90CF
    GetDevicePTPIPInfo = 0x90E0
    GetPreviewImg = 0x9200
    StartLiveView = 0x9201
    EndLiveView = 0x9202
    GetLiveViewImg = 0x9203
    MfDrive = 0x9204
    ChangeAfArea = 0x9205
    AfDriveCancel = 0x9206
    InitiateCaptureRecInMedia = 0x9207
    GetVendorStorageIDs = 0x9209
    StartMovieRecInCard = 0x920A
    EndMovieRec = 0x920B
    TerminateCapture = 0x920C
    GetFhdPicture = 0x920F
    GetPartialObjectHiSpeed = 0x9400
    CancelImagesInSDRAM = 0x940C
    GetEventEx = 0x941C
    MirrorUpCancel = 0x941D
    GetObjectSize = 0x9421
    ChangeMonitorOff = 0x9422
    GetLiveViewCompressedSize = 0x9423
    GetLiveViewImageEx = 0x9428
    GetPartialObjectEx = 0x9431
    ChangeApplicationMode = 0x9435
    GetVendorCodes = 0x9439
    GetDevicePropEx = 0x9504


class NikonEventCode(IntEnum):
    """Nikon vendor events, as delivered by GetEvent 0x90C7 / GetEventEx 0x941C."""

    ObjectAddedInSDRAM = 0xC101  # p1: object handle
    CaptureCompleteRecInSdram = 0xC102
    AdvancedTransfer = 0xC103
    PreviewImageAdded = 0xC104
    MovieRecordInterrupted = 0xC105  # p1: error code, p2: record kind
    FirstCaptureComplete = 0xC106  # gphoto2: "1stCaptureComplete" (mirror-up phase 1)
    MirrorUpCancelComplete = 0xC107
    MovieRecordComplete = 0xC108
    MovieRecordStarted = 0xC10A
    PictureControlAdjustChanged = 0xC10B
    LiveViewStateChanged = 0xC10C  # p1: live-view state
    ManualSettingsLensDataChanged = 0xC10E
    ActiveSelectionInterrupted = 0xC112
    SBAdded = 0xC120
    SBRemoved = 0xC121
    SBAttrChanged = 0xC122
    SBGroupAttrChanged = 0xC123


class NikonResponseCode(IntEnum):
    """Nikon vendor response codes."""

    HardwareError = 0xA001
    OutOfFocus = 0xA002
    ChangeCameraModeFailed = 0xA003
    InvalidStatus = 0xA004
    SetPropertyNotSupported = 0xA005
    WbResetError = 0xA006
    DustReferenceError = 0xA007
    ShutterSpeedBulb = 0xA008
    MirrorUpSequence = 0xA009
    CameraModeNotAdjustFNumber = 0xA00A
    NotLiveView = 0xA00B
    MfDriveStepEnd = 0xA00C
    MfDriveStepInsufficiency = 0xA00E
    NoFullHDPresent = 0xA00F
    StoreError = 0xA021
    StoreUnformatted = 0xA022  # gphoto2 also calls 0xA022 AdvancedTransferCancel
    BulbReleaseBusy = 0xA200
    SilentReleaseBusy = 0xA201
    MovieFrameReleaseBusy = 0xA202
    ShutterSpeedTime = 0xA204
    Waiting2ndRelease = 0xA207
    MirrorUpCaptureAlreadyStart = 0xA208
    InvalidSBAttributeValue = 0xA209


DEVICE_READY_BUSY = frozenset({0x2019, NikonResponseCode.BulbReleaseBusy})
"""DeviceReady answers after which gphoto2 polls again (0x2019 DeviceBusy, 0xA200). Any other
answer ends the wait; 0xA201 SilentReleaseBusy counts as ready."""


class NikonDevicePropCode(IntEnum):
    """The commonly used Nikon vendor properties (0xD0xx-0xD2xx), named as gphoto2 does.

    Where gphoto2 gives one value two names (model generations reuse codes), the older,
    better-known name is kept.
    """

    ShootingBank = 0xD010
    RawCompression = 0xD016
    WhiteBalanceAutoBias = 0xD017
    WhiteBalanceColorTemperature = 0xD01E
    WhiteBalancePresetNo = 0xD01F
    ColorSpace = 0xD032
    AutoDXCrop = 0xD033
    FlickerReduction = 0xD034
    RemoteMode = 0xD035
    VideoMode = 0xD036
    ISOAuto = 0xD054
    EVStep = 0xD056
    ExposureCompensation = 0xD058
    AELAFLMode = 0xD05F
    MeterOff = 0xD062
    SelfTimer = 0xD063
    MonitorOff = 0xD064
    ExposureDelayMode = 0xD06A
    LongExposureNoiseReduction = 0xD06B
    FileNumberSequence = 0xD06C
    NrHighISO = 0xD070
    ArtistName = 0xD072
    CopyrightInfo = 0xD073
    FlashSyncSpeed = 0xD074
    ImageCommentString = 0xD090
    ImageCommentEnable = 0xD091
    ImageRotation = 0xD092
    FaceDetection = 0xD09D
    Bracketing = 0xD0C0
    LensID = 0xD0E0
    FocalLengthMin = 0xD0E3
    FocalLengthMax = 0xD0E4
    SceneMode = 0xD0F9
    ExposureTime = 0xD100
    ACPower = 0xD101
    WarningStatus = 0xD102
    MaximumShots = 0xD103
    AFLockStatus = 0xD104
    AELockStatus = 0xD105
    AutofocusArea = 0xD108
    LightMeter = 0xD10A
    RecordingMedia = 0xD10B
    CameraOrientation = 0xD10E
    ExternalFlashAttached = 0xD120
    ActiveDLighting = 0xD14E
    BeepOff = 0xD160
    AutofocusMode = 0xD161
    AFAssist = 0xD163
    FlashMode = 0xD167
    ISO_Auto = 0xD16A
    ISOAutoHiLimit = 0xD183
    LiveViewMode = 0xD1A0
    LiveViewStatus = 0xD1A2
    LiveViewImageZoomRatio = 0xD1A3
    LiveViewProhibitCondition = 0xD1A4
    MovieShutterSpeed = 0xD1A8
    MovieFNumber = 0xD1A9
    MovieISO = 0xD1AA
    ExposureDisplayStatus = 0xD1B0
    ExposureIndicateStatus = 0xD1B1
    FlashOpen = 0xD1C0
    FlashCharged = 0xD1C1
    ApplicationMode = 0xD1F0
    ExposureRemaining = 0xD1F1
    ActiveSlot = 0xD1F2
    MirrorUpStatus = 0xD1F6


_S = DevicePropCode
NIKON_STANDARD_PROPERTIES: tuple[DevicePropCode, ...] = (
    _S.BatteryLevel, _S.ImageSize, _S.CompressionSetting, _S.WhiteBalance, _S.FNumber,
    _S.FocalLength, _S.FocusMode, _S.ExposureMeteringMode, _S.FlashMode, _S.ExposureTime,
    _S.ExposureProgramMode, _S.ExposureIndex, _S.ExposureBiasCompensation, _S.DateTime,
    _S.StillCaptureMode, _S.BurstNumber, _S.FocusMeteringMode,
)  # fmt: skip
"""Standard properties Nikon bodies answer with GetDevicePropDesc/Value (battery level is the
standard 0x5001, UINT8 percent; Nikon has no vendor battery property)."""


# -- data directions ------------------------------------------------------------------------

_N = NikonOperationCode
_DIRECTIONS: dict[DataDirection, tuple[NikonOperationCode, ...]] = {
    "in": (
        _N.GetProfileAllData, _N.GetLargeThumb, _N.CurveDownload, _N.GetEvent,
        _N.GetVendorPropCodes, _N.GetPictCtrlData, _N.GetPicCtrlCapability,
        _N.GetDevicePTPIPInfo, _N.GetPreviewImg, _N.GetLiveViewImg, _N.GetVendorStorageIDs,
        _N.GetFhdPicture, _N.GetPartialObjectHiSpeed, _N.GetEventEx, _N.GetObjectSize,
        _N.GetLiveViewImageEx, _N.GetPartialObjectEx, _N.GetVendorCodes, _N.GetDevicePropEx,
    ),
    "out": (_N.SendProfileData, _N.SetProfileData, _N.CurveUpload, _N.SetPreWBData,
            _N.SetPictCtrlData),
    "none": (
        _N.DeleteProfile, _N.InitiateCaptureRecInSdram, _N.AfDrive, _N.ChangeCameraMode,
        _N.DelImageSDRAM, _N.DeviceReady, _N.AfCaptureSDRAM, _N.DelCstPicCtrl,
        _N.StartLiveView, _N.EndLiveView, _N.MfDrive, _N.ChangeAfArea, _N.AfDriveCancel,
        _N.InitiateCaptureRecInMedia, _N.StartMovieRecInCard, _N.EndMovieRec,
        _N.TerminateCapture, _N.ChangeApplicationMode,
    ),
}  # fmt: skip

NIKON_OPERATION_DATA_DIRECTION: Mapping[int, DataDirection] = {
    code: direction for direction, codes in _DIRECTIONS.items() for code in codes
}
"""Data phase of each Nikon operation whose direction is known (from ptp.h's comments and how
gphoto2 calls them). A data-in operation must get a data phase even when it is empty
(dialects.md §1.4)."""
