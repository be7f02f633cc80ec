"""Canon EOS codes: operations, GetEvent record types, device properties, and the data
direction of each operation.

Names and values are the ones libgphoto2 uses (``camlibs/ptp2/ptp.h``: ``PTP_OC_CANON_EOS_*``,
``PTP_EC_CANON_EOS_*``, ``PTP_DPC_CANON_EOS_*``), so that our logs compare with gphoto2's by
name. Canon codes mean something only on a device whose VendorExtensionID is 0xB (Canon); see
``shared/reference/dialects.md`` section 2. Re-exported by :mod:`ptpkit.proto.vendors.canon`.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Literal, TypeAlias

__all__ = [
    "CANON_OPERATION_DATA_DIRECTION",
    "CanonDevicePropCode",
    "CanonEventCode",
    "CanonObjectFormat",
    "CanonOperationCode",
    "CanonResponseCode",
    "DataDirection",
]


class CanonOperationCode(IntEnum):
    """Canon EOS operations (gphoto2 ``PTP_OC_CANON_EOS_*``)."""

    GetStorageIDs = 0x9101
    GetStorageInfo = 0x9102
    GetObjectInfo = 0x9103
    GetObject = 0x9104
    DeleteObject = 0x9105
    FormatStore = 0x9106
    GetPartialObject = 0x9107
    GetDeviceInfoEx = 0x9108
    GetObjectInfoEx = 0x9109
    GetThumbEx = 0x910A
    SendPartialObject = 0x910B
    SetObjectAttributes = 0x910C
    GetObjectTime = 0x910D
    SetObjectTime = 0x910E
    RemoteRelease = 0x910F
    SetDevicePropValueEx = 0x9110
    GetRemoteMode = 0x9113
    SetRemoteMode = 0x9114
    SetEventMode = 0x9115
    GetEvent = 0x9116
    TransferComplete = 0x9117
    CancelTransfer = 0x9118
    ResetTransfer = 0x9119
    PCHDDCapacity = 0x911A
    SetUILock = 0x911B
    ResetUILock = 0x911C
    KeepDeviceOn = 0x911D
    SetNullPacketMode = 0x911E
    UpdateFirmware = 0x911F
    TransferCompleteDT = 0x9120
    CancelTransferDT = 0x9121
    SetWftProfile = 0x9122
    GetWftProfile = 0x9123
    SetProfileToWft = 0x9124
    BulbStart = 0x9125
    BulbEnd = 0x9126
    RequestDevicePropValue = 0x9127
    RemoteReleaseOn = 0x9128
    RemoteReleaseOff = 0x9129
    RegistBackgroundImage = 0x912A
    ChangePhotoStudioMode = 0x912B
    GetPartialObjectEx = 0x912C
    ResetMirrorLockupState = 0x9130
    PopupBuiltinFlash = 0x9131
    EndGetPartialObjectEx = 0x9132
    MovieSelectSWOn = 0x9133
    MovieSelectSWOff = 0x9134
    GetCTGInfo = 0x9135
    GetLensAdjust = 0x9136
    SetLensAdjust = 0x9137
    ReadyToSendMusic = 0x9138
    CreateHandle = 0x9139
    SendPartialObjectEx = 0x913A
    EndSendPartialObjectEx = 0x913B
    SetCTGInfo = 0x913C
    SetRequestOLCInfoGroup = 0x913D
    SetRequestRollingPitchingLevel = 0x913E
    GetCameraSupport = 0x913F
    SetRating = 0x9140
    RequestInnerDevelopStart = 0x9141
    RequestInnerDevelopParamChange = 0x9142
    RequestInnerDevelopEnd = 0x9143
    GpsLoggingDataMode = 0x9144
    GetGpsLogCurrentHandle = 0x9145
    SetImageRecoveryData = 0x9146
    GetImageRecoveryList = 0x9147
    FormatImageRecoveryData = 0x9148
    GetPresetLensAdjustParam = 0x9149
    GetRawDispImage = 0x914A
    SaveImageRecoveryData = 0x914B
    RequestBLE = 0x914C
    DrivePowerZoom = 0x914D
    GetIptcData = 0x914F
    SetIptcData = 0x9150
    InitiateViewfinder = 0x9151
    TerminateViewfinder = 0x9152
    GetViewFinderData = 0x9153
    DoAf = 0x9154
    DriveLens = 0x9155
    DepthOfFieldPreview = 0x9156
    ClickWB = 0x9157
    Zoom = 0x9158
    ZoomPosition = 0x9159
    SetLiveAfFrame = 0x915A
    TouchAfPosition = 0x915B
    SetLvPcFlavoreditMode = 0x915C
    SetLvPcFlavoreditParam = 0x915D
    RequestSensorCleaning = 0x915E
    AfCancel = 0x9160
    SetManipulationToggleImageSide = 0x9166
    GetLensSerialNumHistory = 0x9167
    SetImageRecoveryDataEx = 0x916B
    GetImageRecoveryListEx = 0x916C
    CompleteAutoSendImages = 0x916D
    NotifyAutoTransferStatus = 0x916E
    GetReducedObject = 0x916F
    GetObjectInfo64 = 0x9170
    GetObject64 = 0x9171
    GetPartialObject64 = 0x9172
    GetObjectInfoEx64 = 0x9173
    GetPartialObjectEX64 = 0x9174
    CreateHandle64 = 0x9175
    NotifySaveComplete = 0x9177
    GetTranscodedBlock = 0x9178
    TransferCompleteTranscodedBlock = 0x9179
    SetRemoteErrLogMode = 0x917B
    GetRemoteErrLogMode = 0x917C
    GetDebugLogEx = 0x917D
    NotifyEstimateNumberofImport = 0x9182
    NotifyNumberofImported = 0x9183
    NotifySizeOfPartialDataTransfer = 0x9184
    NotifyFinish = 0x9185
    GetWFTData = 0x9186
    SetWFTData = 0x9187
    ChangeWFTSettingNumber = 0x9188
    GetPictureStylePCFlavorParam = 0x9189
    SetPictureStylePCFlavorParam = 0x918A
    GetObjectURL = 0x91AB
    SetCAssistMode = 0x91AC
    GetCAssistPresetThumb = 0x91AD
    SendWifiSetting = 0x91B1
    SendWifiDetailSetting = 0x91B2
    SetFELock = 0x91B9
    DeleteWFTSettingNumber = 0x91BA
    SetDefaultCameraSetting = 0x91BE
    GetAEData = 0x91BF
    SendHostInfo = 0x91E4
    NotifyNetworkError = 0x91E8
    AdapterTransferProgress = 0x91E9
    TransferCompleteFTP = 0x91F0
    CancelTransferFTP = 0x91F1
    NotifyBtStatus = 0x91F9
    SetAdapterBatteryReport = 0x91FD
    FAPIMessageTX = 0x91FE
    FAPIMessageRX = 0x91FF
    EdgeFocusPosition = 0x9200
    DriveFocusToEdge = 0x9201
    DriveFocus = 0x9202
    DV_Get_WavInfo = 0x9401
    DV_Overwrite_Contents_XML = 0x9402
    DV_Get_Template_XML = 0x9403


class CanonEventCode(IntEnum):
    """Record types of the EOS GetEvent (0x9116) list (gphoto2 ``PTP_EC_CANON_EOS_*``).

    EOS bodies do not send these on the PTP/IP event channel: they arrive as records in
    the data of GetEvent, which the initiator polls. Type 0 (with size 8) ends the list.
    """

    RequestGetEvent = 0xC101
    RequestCancelTransferMA = 0xC180
    ObjectAddedEx = 0xC181
    ObjectRemoved = 0xC182
    RequestGetObjectInfoEx = 0xC183
    StorageStatusChanged = 0xC184
    StorageInfoChanged = 0xC185
    RequestObjectTransfer = 0xC186
    ObjectInfoChangedEx = 0xC187
    ObjectContentChanged = 0xC188
    PropValueChanged = 0xC189
    AvailListChanged = 0xC18A
    CameraStatusChanged = 0xC18B
    WillSoonShutdown = 0xC18D
    ShutdownTimerUpdated = 0xC18E
    RequestCancelTransfer = 0xC18F
    RequestObjectTransferDT = 0xC190
    RequestCancelTransferDT = 0xC191
    StoreAdded = 0xC192
    StoreRemoved = 0xC193
    BulbExposureTime = 0xC194
    RecordingTime = 0xC195
    InnerDevelopParam = 0xC196
    RequestObjectTransferDevelop = 0xC197
    GPSLogOutputProgress = 0xC198
    GPSLogOutputComplete = 0xC199
    TouchTrans = 0xC19A
    RequestObjectTransferExInfo = 0xC19B
    PowerZoomInfoChanged = 0xC19D
    RequestPushMode = 0xC19F
    RequestObjectTransferTS = 0xC1A2
    AfResult = 0xC1A3
    CTGInfoCheckComplete = 0xC1A4
    OLCInfoChanged = 0xC1A5
    ObjectAddedEx64 = 0xC1A7
    ObjectInfoChangedEx64 = 0xC1A8
    RequestObjectTransfer64 = 0xC1A9
    RequestObjectTransferDT64 = 0xC1AA
    RequestObjectTransferFTP64 = 0xC1AB
    RequestObjectTransferInfoEx64 = 0xC1AC
    RequestObjectTransferMA64 = 0xC1AD
    ImportError = 0xC1AF
    BlePairing = 0xC1B0
    RequestAutoSendImages = 0xC1B1
    RequestTranscodedBlockTransfer = 0xC1B2
    RequestCAssistImage = 0xC1B4
    HiFreqFlickerlessAutodetectResult = 0xC1B5
    ObjectAddedEx64LFN = 0xC1B6
    ObjectInfoChangedEx64LFN = 0xC1B7
    RequestObjectTransfer64LFN = 0xC1B8
    RequestObjectTransferFTP = 0xC1F1


class CanonResponseCode(IntEnum):
    """Canon EOS response codes (gphoto2 ``PTP_RC_CANON_EOS_*``)."""

    UnknownCommand = 0xA001
    OperationRefused = 0xA005
    LensCoverClosed = 0xA006
    LowBattery = 0xA101
    ObjectNotReady = 0xA102  # e.g. no viewfinder frame yet: gphoto2 retries
    CannotMakeObject = 0xA104
    MemoryStatusNotReady = 0xA106


class CanonObjectFormat(IntEnum):
    """Canon object formats (gphoto2 ``PTP_OFC_CANON_*``): CRW3 is a CR2 raw file."""

    CRW = 0xB101
    CRW3 = 0xB103
    MOV = 0xB104
    MOV2 = 0xB105
    CR3 = 0xB108


class CanonDevicePropCode(IntEnum):
    """Canon EOS device properties (gphoto2 ``PTP_DPC_CANON_EOS_*``).

    Reported through GetEvent's PropValueChanged/AvailListChanged records and set with
    SetDevicePropValueEx (0x9110), not through GetDevicePropDesc. gphoto2's
    ``2GHDRSetting`` (0xD20C) is left out: its name is not a Python identifier.
    """

    PowerZoomPosition = 0xD055
    StrobeSettingSimple = 0xD056
    ConnectTrigger = 0xD058
    ChangeCameraMode = 0xD059
    Aperture = 0xD101
    ShutterSpeed = 0xD102
    ISOSpeed = 0xD103
    ExpCompensation = 0xD104
    AutoExposureMode = 0xD105
    DriveMode = 0xD106
    MeteringMode = 0xD107
    FocusMode = 0xD108
    WhiteBalance = 0xD109
    ColorTemperature = 0xD10A
    WhiteBalanceAdjustA = 0xD10B
    WhiteBalanceAdjustB = 0xD10C
    WhiteBalanceXA = 0xD10D
    WhiteBalanceXB = 0xD10E
    ColorSpace = 0xD10F
    PictureStyle = 0xD110
    BatteryPower = 0xD111
    BatterySelect = 0xD112
    CameraTime = 0xD113
    AutoPowerOff = 0xD114
    Owner = 0xD115
    ModelID = 0xD116
    PTPExtensionVersion = 0xD119
    DPOFVersion = 0xD11A
    AvailableShots = 0xD11B
    CaptureDestination = 0xD11C
    BracketMode = 0xD11D
    CurrentStorage = 0xD11E
    CurrentFolder = 0xD11F
    ImageFormat = 0xD120
    ImageFormatCF = 0xD121
    ImageFormatSD = 0xD122
    ImageFormatExtHD = 0xD123
    RefocusState = 0xD124
    CameraNickname = 0xD125
    StroboExpCompositionControl = 0xD126
    ConnectStatus = 0xD127
    LensBarrelStatus = 0xD128
    SilentShutterSetting = 0xD129
    LV_AF_EyeDetect = 0xD12C
    AutoTransMobile = 0xD12D
    URLSupportFormat = 0xD12E
    SpecialAcc = 0xD12F
    CompressionS = 0xD130
    CompressionM1 = 0xD131
    CompressionM2 = 0xD132
    CompressionL = 0xD133
    IntervalShootSetting = 0xD134
    IntervalShootState = 0xD135
    PushMode = 0xD136
    LvCFilterKind = 0xD137
    AEModeDial = 0xD138
    AEModeCustom = 0xD139
    MirrorUpSetting = 0xD13A
    HighlightTonePriority = 0xD13B
    AFSelectFocusArea = 0xD13C
    HDRSetting = 0xD13D
    TimeShootSetting = 0xD13E
    NFCApplicationInfo = 0xD13F
    PCWhiteBalance1 = 0xD140
    PCWhiteBalance2 = 0xD141
    PCWhiteBalance3 = 0xD142
    PCWhiteBalance4 = 0xD143
    PCWhiteBalance5 = 0xD144
    MWhiteBalance = 0xD145
    MWhiteBalanceEx = 0xD146
    PowerZoomSpeed = 0xD149
    NetworkServerRegion = 0xD14A
    GPSLogCtrl = 0xD14B
    GPSLogListNum = 0xD14C
    UnknownPropD14D = 0xD14D
    PictureStyleStandard = 0xD150
    PictureStylePortrait = 0xD151
    PictureStyleLandscape = 0xD152
    PictureStyleNeutral = 0xD153
    PictureStyleFaithful = 0xD154
    PictureStyleBlackWhite = 0xD155
    PictureStyleAuto = 0xD156
    PictureStyleExStandard = 0xD157
    PictureStyleExPortrait = 0xD158
    PictureStyleExLandscape = 0xD159
    PictureStyleExNeutral = 0xD15A
    PictureStyleExFaithful = 0xD15B
    PictureStyleExBlackWhite = 0xD15C
    PictureStyleExAuto = 0xD15D
    PictureStyleExFineDetail = 0xD15E
    PictureStyleUserSet1 = 0xD160
    PictureStyleUserSet2 = 0xD161
    PictureStyleUserSet3 = 0xD162
    PictureStyleExUserSet1 = 0xD163
    PictureStyleExUserSet2 = 0xD164
    PictureStyleExUserSet3 = 0xD165
    MovieAVModeFine = 0xD166
    ShutterReleaseCounter = 0xD167
    AvailableImageSize = 0xD168
    ErrorHistory = 0xD169
    LensExchangeHistory = 0xD16A
    StroboExchangeHistory = 0xD16B
    PictureStyleParam1 = 0xD170
    PictureStyleParam2 = 0xD171
    PictureStyleParam3 = 0xD172
    MovieRecordVolumeLine = 0xD174
    NetworkCommunicationMode = 0xD175
    CanonLogGamma = 0xD176
    SmartphoneShowImageConfig = 0xD177
    HighISONoiseReduction = 0xD178
    MovieServoAF = 0xD179
    ContinuousAFValid = 0xD17A
    Attenuator = 0xD17B
    UTCTime = 0xD17C
    Timezone = 0xD17D
    Summertime = 0xD17E
    FlavorLUTParams = 0xD17F
    CustomFunc1 = 0xD180
    CustomFunc2 = 0xD181
    CustomFunc3 = 0xD182
    CustomFunc4 = 0xD183
    CustomFunc5 = 0xD184
    CustomFunc6 = 0xD185
    CustomFunc7 = 0xD186
    CustomFunc8 = 0xD187
    CustomFunc9 = 0xD188
    CustomFunc10 = 0xD189
    CustomFunc11 = 0xD18A
    CustomFunc12 = 0xD18B
    CustomFunc13 = 0xD18C
    CustomFunc14 = 0xD18D
    CustomFunc15 = 0xD18E
    CustomFunc16 = 0xD18F
    CustomFunc17 = 0xD190
    CustomFunc18 = 0xD191
    CustomFunc19 = 0xD192
    InnerDevelop = 0xD193
    MultiAspect = 0xD194
    MovieSoundRecord = 0xD195
    MovieRecordVolume = 0xD196
    WindCut = 0xD197
    ExtenderType = 0xD198
    OLCInfoVersion = 0xD199
    UnknownPropD19A = 0xD19A
    UnknownPropD19C = 0xD19C
    UnknownPropD19D = 0xD19D
    GPSDeviceActive = 0xD19F
    CustomFuncEx = 0xD1A0
    MyMenu = 0xD1A1
    MyMenuList = 0xD1A2
    WftStatus = 0xD1A3
    WftInputTransmission = 0xD1A4
    HDDirectoryStructure = 0xD1A5
    BatteryInfo = 0xD1A6
    AdapterInfo = 0xD1A7
    LensStatus = 0xD1A8
    QuickReviewTime = 0xD1A9
    CardExtension = 0xD1AA
    TempStatus = 0xD1AB
    ShutterCounter = 0xD1AC
    SpecialOption = 0xD1AD
    PhotoStudioMode = 0xD1AE
    SerialNumber = 0xD1AF
    EVFOutputDevice = 0xD1B0
    EVFMode = 0xD1B1
    DepthOfFieldPreview = 0xD1B2
    EVFSharpness = 0xD1B3
    EVFWBMode = 0xD1B4
    EVFClickWBCoeffs = 0xD1B5
    EVFColorTemp = 0xD1B6
    ExposureSimMode = 0xD1B7
    EVFRecordStatus = 0xD1B8
    LvAfSystem = 0xD1BA
    MovSize = 0xD1BB
    LvViewTypeSelect = 0xD1BC
    MirrorDownStatus = 0xD1BD
    MovieParam = 0xD1BE
    MirrorLockupState = 0xD1BF
    FlashChargingState = 0xD1C0
    AloMode = 0xD1C1
    FixedMovie = 0xD1C2
    OneShotRawOn = 0xD1C3
    ErrorForDisplay = 0xD1C4
    AEModeMovie = 0xD1C5
    BuiltinStroboMode = 0xD1C6
    StroboDispState = 0xD1C7
    StroboETTL2Metering = 0xD1C8
    ContinousAFMode = 0xD1C9
    MovieParam2 = 0xD1CA
    StroboExpComposition = 0xD1CB
    MovieParam3 = 0xD1CC
    MovieParam4 = 0xD1CD
    LVMedicalRotate = 0xD1CF
    Artist = 0xD1D0
    Copyright = 0xD1D1
    BracketValue = 0xD1D2
    FocusInfoEx = 0xD1D3
    DepthOfField = 0xD1D4
    Brightness = 0xD1D5
    LensAdjustParams = 0xD1D6
    EFComp = 0xD1D7
    LensName = 0xD1D8
    AEB = 0xD1D9
    StroboSetting = 0xD1DA
    StroboWirelessSetting = 0xD1DB
    StroboFiring = 0xD1DC
    LensID = 0xD1DD
    LCDBrightness = 0xD1DE
    CADarkBright = 0xD1DF
    CAssistPreset = 0xD201
    CAssistBrightness = 0xD202
    CAssistContrast = 0xD203
    CAssistSaturation = 0xD204
    CAssistColorBA = 0xD205
    CAssistColorMG = 0xD206
    CAssistMonochrome = 0xD207
    FocusShiftSetting = 0xD208
    MovieSelfTimer = 0xD209
    Clarity = 0xD20B
    MovieParam5 = 0xD20D
    HDRViewAssistModeRec = 0xD20E
    PropFinderAFFrame = 0xD214
    VariableMovieRecSetting = 0xD215
    PropAutoRotate = 0xD216
    MFPeakingSetting = 0xD217
    MovieSpatialOversampling = 0xD218
    MovieCropMode = 0xD219
    ShutterType = 0xD21A
    WFTBatteryPower = 0xD21B
    BatteryInfoEx = 0xD21C


# -- data directions ----------------------------------------------------------------------
DataDirection: TypeAlias = Literal["none", "in", "out"]
"""``"in"``: responder to initiator; ``"out"``: initiator to responder (as in proto.codes)."""

_Op = CanonOperationCode
#: The data phase of the EOS operations whose phase is known: from the transaction each
#: libgphoto2 ``ptp_canon_eos_*`` call makes (ptp.c, ptp.h); GetObjectInfo, GetObject and
#: GetThumbEx as their standard namesakes. Operations not listed here are unknown.
CANON_OPERATION_DATA_DIRECTION: dict[int, DataDirection] = {
    _Op.GetStorageIDs: "in",
    _Op.GetStorageInfo: "in",
    _Op.GetObjectInfo: "in",
    _Op.GetObject: "in",
    _Op.DeleteObject: "none",
    _Op.FormatStore: "none",
    _Op.GetPartialObject: "in",
    _Op.GetDeviceInfoEx: "in",
    _Op.GetObjectInfoEx: "in",
    _Op.GetThumbEx: "in",
    _Op.SetObjectAttributes: "none",
    _Op.RemoteRelease: "none",
    _Op.SetDevicePropValueEx: "out",
    _Op.SetRemoteMode: "none",
    _Op.SetEventMode: "none",
    _Op.GetEvent: "in",
    _Op.TransferComplete: "none",
    _Op.PCHDDCapacity: "none",
    _Op.SetUILock: "none",
    _Op.ResetUILock: "none",
    _Op.KeepDeviceOn: "none",
    _Op.BulbStart: "none",
    _Op.BulbEnd: "none",
    _Op.RequestDevicePropValue: "none",
    _Op.RemoteReleaseOn: "none",
    _Op.RemoteReleaseOff: "none",
    _Op.GetPartialObjectEx: "in",
    _Op.PopupBuiltinFlash: "none",
    _Op.SetRequestOLCInfoGroup: "none",
    _Op.SetRequestRollingPitchingLevel: "none",
    _Op.InitiateViewfinder: "none",
    _Op.TerminateViewfinder: "none",
    _Op.GetViewFinderData: "in",
    _Op.DoAf: "none",
    _Op.DriveLens: "none",
    _Op.Zoom: "none",
    _Op.ZoomPosition: "none",
    _Op.AfCancel: "none",
}
