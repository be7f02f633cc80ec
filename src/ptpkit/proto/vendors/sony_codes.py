"""Sony's codes: operations, events, properties and controls, the fixed object handles,
the 0x9202 protocol versions, property data types and the data direction of each
operation (dialects.md §4, §10.3; names as Sony's command list and libgphoto2's ``ptp.h``
use them). Import them from :mod:`ptpkit.proto.vendors.sony`."""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum

from ptpkit.proto.codes import DataDirection, DataType, DevicePropCode

__all__ = [
    "CAPTURE_OBJECT", "LIVEVIEW_OBJECT", "SONY_OPERATION_DATA_DIRECTION",
    "SONY_PROPERTY_TYPES", "SONY_PROTOCOL_200", "SONY_PROTOCOL_300",
    "SONY_STANDARD_PROPERTIES", "SonyDevicePropCode", "SonyEventCode", "SonyOperationCode",
]  # fmt: skip

CAPTURE_OBJECT = 0xFFFFC001
"""The fixed handle of the last captured picture (GetObjectInfo/GetObject, never deleted)."""
LIVEVIEW_OBJECT = 0xFFFFC002
"""The fixed handle of the current live-view frame."""
SONY_PROTOCOL_200 = 0xC8
"""0x9202 parameter / reply version 200 ("mode 2"), what gphoto2 2.5.30 asks for."""
SONY_PROTOCOL_300 = 0x12C
"""0x9202 version 300 ("mode 3"), asked for by libgphoto2 2.5.34+ (with a second param 1)."""


# -- codes --------------------------------------------------------------------------------


class SonyOperationCode(IntEnum):
    """Sony vendor operations (VendorExtensionID 0x11), named as in Sony's command list."""

    SDIOConnect = 0x9201
    GetSDIOGetExtDeviceInfo = 0x9202
    GetDevicePropdesc = 0x9203
    GetDevicePropertyValue = 0x9204
    SetControlDeviceA = 0x9205  # gphoto2: SDIO_SetExtDevicePropValue
    GetControlDeviceDesc = 0x9206
    SetControlDeviceB = 0x9207  # gphoto2: SDIO_ControlDevice
    GetAllDevicePropData = 0x9209  # gphoto2: SDIO_GetAllExtDevicePropInfo
    SDIOOpenSession = 0x9210
    GetPartialLargeObject = 0x9211
    SetContentsTransferMode = 0x9212
    GetLensInformation = 0x9223
    # The "Sending…" notices; gphoto2 knows them only by number (ptp_sony_9280/9281).
    Notice = 0x9280
    NoticeReply = 0x9281


class SonyEventCode(IntEnum):
    """Sony events, sent on the standard PTP/IP event channel."""

    ObjectAdded = 0xC201  # p1: handle (0xFFFFC001 for a capture)
    ObjectRemoved = 0xC202
    PropertyChanged = 0xC203  # p1: property code; gphoto2: DevicePropChanged
    CapturedEvent = 0xC206
    ContentsTransferEvent = 0xC20D
    LensInformationChanged = 0xC21B
    OperationResult = 0xC222
    AFStatus = 0xC223


class SonyDevicePropCode(IntEnum):
    """The common Sony vendor properties and controls (0xD2xx)."""

    ImageSize = 0xD203
    ShutterSpeed = 0xD20D  # UINT32: numerator << 16 | denominator, 0 = BULB
    ColorTemp = 0xD20F
    AspectRatio = 0xD211
    FocusFound = 0xD213  # 2 or 3: focused
    Zoom = 0xD214
    ObjectInMemory = 0xD215  # >= 0x8000: a capture waits at 0xFFFFC001
    BatteryLevel = 0xD218  # INT8
    MovieRecordingState = 0xD21D
    ISO = 0xD21E  # UINT32, 0x00FFFFFF = AUTO
    LiveViewStatus = 0xD221
    StillImageSaveDestination = 0xD222  # gphoto2: StillImageStoreDestination
    ExposureCompensation = 0xD224
    ISO2 = 0xD226
    ShutterSpeed2 = 0xD229
    FocusArea = 0xD22C
    CompressionSetting = 0xD253
    PriorityMode = 0xD25A  # INT8, 1 = application (PC) priority
    # controls, set with SetControlDeviceB 0x9207 (2.5.30 names; HEAD: Shutter[Half]Release)
    AutoFocus = 0xD2C1  # UINT16: 2 press, 1 release
    Capture = 0xD2C2  # UINT16: 2 press, 1 release
    RequestOneShooting = 0xD2C7
    MovieRecButtonHold = 0xD2C8
    AFAreaPosition = 0xD2DC


_S = DevicePropCode
SONY_STANDARD_PROPERTIES: tuple[DevicePropCode, ...] = (
    _S.CompressionSetting, _S.WhiteBalance, _S.FNumber, _S.FocusMode,
    _S.ExposureMeteringMode, _S.FlashMode, _S.ExposureProgramMode,
    _S.ExposureBiasCompensation, _S.StillCaptureMode,
)  # fmt: skip
"""Standard properties that Sony bodies report inside the 0x9209 blob (and list in 0x9202)."""

_D = SonyDevicePropCode
SONY_PROPERTY_TYPES: Mapping[int, DataType] = {
    _S.CompressionSetting: DataType.UINT8, _S.WhiteBalance: DataType.UINT16,
    _S.FNumber: DataType.UINT16, _S.FocusMode: DataType.UINT16,
    _S.ExposureMeteringMode: DataType.UINT16, _S.FlashMode: DataType.UINT16,
    _S.ExposureProgramMode: DataType.UINT16, _S.ExposureBiasCompensation: DataType.INT16,
    _D.ShutterSpeed: DataType.UINT32, _D.FocusFound: DataType.UINT8,
    _D.ObjectInMemory: DataType.UINT16, _D.BatteryLevel: DataType.INT8,
    _D.ISO: DataType.UINT32, _D.StillImageSaveDestination: DataType.UINT16,
    _D.PriorityMode: DataType.INT8, _D.AutoFocus: DataType.UINT16,
    _D.Capture: DataType.UINT16, _D.RequestOneShooting: DataType.UINT16,
    _D.MovieRecButtonHold: DataType.UINT16,
}  # fmt: skip
"""Data type of the common properties and controls as "mode 2" bodies use them (the blob says
the type of every property it holds; these are for writes and personas). In "mode 3"
ExposureProgramMode and StillCaptureMode are UINT32."""


# -- data directions ------------------------------------------------------------------------

_O = SonyOperationCode
_DIRECTIONS: dict[DataDirection, tuple[SonyOperationCode, ...]] = {
    "in": (
        _O.SDIOConnect, _O.GetSDIOGetExtDeviceInfo, _O.GetDevicePropdesc,
        _O.GetDevicePropertyValue, _O.GetControlDeviceDesc, _O.GetAllDevicePropData,
        _O.GetPartialLargeObject, _O.NoticeReply,
    ),
    "out": (_O.SetControlDeviceA, _O.SetControlDeviceB, _O.Notice),
}  # fmt: skip

SONY_OPERATION_DATA_DIRECTION: Mapping[int, DataDirection] = {
    code: direction for direction, codes in _DIRECTIONS.items() for code in codes
}
"""Data phase of each Sony operation whose direction is known. SDIOConnect and 0x9281 return
data that gphoto2 ignores, but a data phase is required (dialects.md §1.4)."""
