"""Fujifilm codes: packet kinds, vendor operations, events and properties, and the values
gphoto2 writes to them; the data direction of every operation a Fujifilm responder may see.

Names follow libgphoto2's ``ptp.h`` (``PTP_OC_FUJI_*``, ``PTP_DPC_FUJI_*``,
``PTP_EC_FUJI_*``); where it has no macro, the comment says where the name comes from.
Re-exported by :mod:`ptpkit.proto.vendors.fuji`.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum

from ptpkit.proto.codes import OPERATION_DATA_DIRECTION, DataDirection

__all__ = [
    "FUJI_OPERATION_DATA_DIRECTION",
    "INIT_SEQUENCE",
    "FujiAFStatus",
    "FujiCameraAction",
    "FujiDevicePropCode",
    "FujiEventCode",
    "FujiOperationCode",
    "FujiPacketKind",
    "FujiPriorityMode",
]


class FujiPacketKind(IntEnum):
    """The u16 after the length: the USB container type."""

    Command = 1
    Data = 2
    Response = 3
    Event = 4


class FujiOperationCode(IntEnum):
    """Fujifilm vendor operations (gphoto2 ``PTP_OC_FUJI_*``; Wi-Fi only, per ptp.h)."""

    InitiateMovieCapture = 0x9020
    TerminateMovieCapture = 0x9021
    GetCapturePreview = 0x9022
    SetFocusPoint = 0x9026  # LockS1Lock
    ResetFocusPoint = 0x9027  # UnlockS1Lock
    GetDeviceInfo = 0x902B  # a list of DevicePropDescs, see FujiDevicePropList
    SetShutterSpeed = 0x902C  # StepShutterSpeed
    SetAperture = 0x902D  # StepFNumber
    SetExposureCompensation = 0x902E  # StepExposureBias
    CancelInitiateCapture = 0x9030
    FmSendObjectInfo = 0x9040
    FmSendObject = 0x9041
    FmSendPartialObject = 0x9042


class FujiEventCode(IntEnum):
    """Fujifilm vendor events (gphoto2 ``PTP_EC_FUJI_*``)."""

    PreviewAvailable = 0xC001
    ObjectAdded = 0xC004


class FujiDevicePropCode(IntEnum):
    """Fujifilm device properties: those gphoto2 uses over Wi-Fi, and their neighbours
    (gphoto2 ``PTP_DPC_FUJI_*``)."""

    FilmSimulation = 0xD001
    DRangeMode = 0xD007
    ColorMode = 0xD008
    Quality = 0xD018
    RecMode = 0xD019
    CommandDialMode = 0xD028
    ExposureIndex = 0xD02A
    MovieISO = 0xD02B
    LensZoomPos = 0xD170
    FocusPosition = 0xD171
    LiveViewImageQuality = 0xD173
    LiveViewImageSize = 0xD174
    FocusMeteringMode = 0xD17C
    ReleaseMode = 0xD201
    FocusAreas = 0xD206
    PriorityMode = 0xD207  # FujiPriorityMode; gphoto2 sets 2 at prepare, 1 at exit
    # No ptp.h macro: gphoto2 writes 0xd208 directly; its config calls it "cameraaction"
    # ("Camera Action"). Focus (0x0200) and release (0x0304): FujiCameraAction.
    CameraAction = 0xD208
    AFStatus = 0xD209  # FujiAFStatus
    DeviceName = 0xD20B
    MediaRecord = 0xD20C
    MediaStatus = 0xD211
    CurrentState = 0xD212  # changed properties, see FujiCurrentState
    AELock2 = 0xD213
    Copyright = 0xD215
    Aperture = 0xD218
    ShutterSpeed = 0xD219
    DeviceError = 0xD21B
    CaptureRemaining = 0xD229
    MovieRemainingTime = 0xD22A
    ForceMode = 0xD230
    ShutterSpeed2 = 0xD240
    ImageAspectRatio = 0xD241
    BatteryLevel = 0xD242
    FocusPoint = 0xD347
    # ptp.h's name. gphoto2's prepare sets it to 1 before PriorityMode, its comment
    # calling that value "PC Mode" (copied from what a time-lapse app does).
    LensZoomPosCaps = 0xD38C
    InitSequence = 0xDF01  # gphoto2 sets u16 5 right after OpenSession
    AppVersion = 0xDF24  # u32, read and written back unchanged during init


class FujiPriorityMode(IntEnum):
    """Values of 0xD207 PriorityMode as gphoto2 writes them."""

    Camera = 1  # at exit: control back to the camera body
    USB = 2  # at prepare: the computer controls the camera


class FujiCameraAction(IntEnum):
    """Values gphoto2 writes to 0xD208 CameraAction (names from ptp.h's comment, the
    Fujifilm SDK's)."""

    CancelS1 = 0x0004  # release the half-press
    ShootS1 = 0x0200  # half-press: focus
    ShootS2 = 0x0300
    ShootS2toS0 = 0x0304  # full press and release: take the picture
    StartBulb = 0x0500
    EndBulb = 0x000C


class FujiAFStatus(IntEnum):
    """Values of 0xD209 AFStatus read while focusing (gphoto2 polls while it is 1)."""

    Idle = 0
    Focusing = 1
    Focused = 2
    Failed = 3


#: gphoto2's value for 0xDF01 InitSequence.
INIT_SEQUENCE = 5

_NONE: DataDirection = "none"
_IN: DataDirection = "in"
_OUT: DataDirection = "out"

#: Data direction of every operation a Fujifilm responder may see: the standard table plus
#: the vendor operations. The Fuji request has no DataPhaseInfo, so a responder must know
#: this to wait for a data-out phase. The vendor directions follow from what each
#: operation does (a dataset or image comes back; an object is sent; a step is a parameter).
FUJI_OPERATION_DATA_DIRECTION: Mapping[int, DataDirection] = {
    **OPERATION_DATA_DIRECTION,
    FujiOperationCode.InitiateMovieCapture: _NONE,
    FujiOperationCode.TerminateMovieCapture: _NONE,
    FujiOperationCode.GetCapturePreview: _IN,
    FujiOperationCode.SetFocusPoint: _NONE,
    FujiOperationCode.ResetFocusPoint: _NONE,
    FujiOperationCode.GetDeviceInfo: _IN,
    FujiOperationCode.SetShutterSpeed: _NONE,
    FujiOperationCode.SetAperture: _NONE,
    FujiOperationCode.SetExposureCompensation: _NONE,
    FujiOperationCode.CancelInitiateCapture: _NONE,
    FujiOperationCode.FmSendObjectInfo: _OUT,
    FujiOperationCode.FmSendObject: _OUT,
    FujiOperationCode.FmSendPartialObject: _OUT,
}
