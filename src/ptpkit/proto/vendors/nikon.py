"""Nikon's PTP dialect on the wire: codes, data directions and vendor datasets, sans-IO.

Facts from ``shared/reference/dialects.md`` §3 and §9, with the code values and names as
libgphoto2 spells them (``camlibs/ptp2/ptp.h``, ``PTP_OC_NIKON_*`` and friends, without the
prefix). Nothing here does I/O: the client dialect (``ptpkit.dialects.nikon``) and the
emulator persona (``ptpkit.emulator.personas.nikon``) are built on it.

Decisions, made here once:

* **GetEvent 0x90C7 with a count larger than its data.** libgphoto2 treats such a list as
  empty and carries on. :meth:`NikonEventList.decode` is strict and raises
  :class:`~ptpkit.errors.DecodeError`; :meth:`NikonEventList.decode_lenient` does what
  gphoto2 does and says that it did: it returns ``(NikonEventList(()), True)``. A client that
  polls a real body uses the lenient one and logs the flag; dissect and tests use the strict
  one. The same pair exists for GetEventEx 0x941C.
* **GetEventEx 0x941C layout.** libgphoto2 (2.5.30 and HEAD) reads the u16 count at offset 0
  and the first event at offset **4**: two bytes after the count are skipped. dialects.md
  §3.3 does not mention them. We follow gphoto2: we write them as zero and ignore them on
  reading (a list with count 0 may end after the count).
* **Trailing bytes** after a dataset are tolerated, as in :mod:`ptpkit.proto.datasets`
  (gphoto2 reads by offset and ignores the rest).
* **Live-view frames** (0x9203) are a model-dependent header followed by a JPEG; the split is
  at the first ``FF D8``, exactly as gphoto2 cuts the frame, so a header may never contain
  ``FF D8``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum

from ptpkit.errors import DecodeError, LocalProtocolError
from ptpkit.proto.buffer import Buffer
from ptpkit.proto.codes import DataDirection, DataType, DevicePropCode
from ptpkit.proto.datasets import pull_array, push_array
from ptpkit.proto.vendors.base import Vendor

__all__ = [
    "CAPTURE_TARGET_CARD", "CAPTURE_TARGET_SDRAM", "CAPTURE_WITHOUT_AF", "CAPTURE_WITH_AF",
    "DEVICE_READY_BUSY", "LIVEVIEW_PROHIBIT_BITS", "NIKON_OPERATION_DATA_DIRECTION",
    "NIKON_STANDARD_PROPERTIES", "NIKON_VALUE_NAMES", "SDRAM_OBJECT", "VENDOR",
    "NikonDevicePropCode", "NikonEvent", "NikonEventCode", "NikonEventEx", "NikonEventList",
    "NikonEventListEx", "NikonLiveViewImage", "NikonOperationCode", "NikonResponseCode",
    "NikonVendorPropCodes", "liveview_prohibit_reasons", "nikon_value_name",
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


# -- helpers --------------------------------------------------------------------------------


def _check_u(value: object, bits: int, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise LocalProtocolError(f"{what} must be an int, not {type(value).__name__}")
    if not 0 <= value < (1 << bits):
        raise LocalProtocolError(f"{what} out of range for u{bits}: {value}")
    return value


def _check_tuple(value: object, what: str) -> tuple[object, ...]:
    if not isinstance(value, tuple):
        raise LocalProtocolError(f"{what} must be a tuple, not {type(value).__name__}")
    return value


# -- GetEvent 0x90C7 ----------------------------------------------------------------------

_EVENT_SIZE = 6  # u16 code, u32 param


@dataclass(frozen=True, slots=True)
class NikonEvent:
    """One record of GetEvent 0x90C7: an event code and its one parameter."""

    code: int
    param: int = 0

    def __post_init__(self) -> None:
        _check_u(self.code, 16, "event code")
        _check_u(self.param, 32, "event parameter")


@dataclass(frozen=True, slots=True)
class NikonEventList:
    """The data of GetEvent 0x90C7: ``u16 count``, then count x ``{u16 code, u32 param}``."""

    events: tuple[NikonEvent, ...] = ()

    def __post_init__(self) -> None:
        for event in _check_tuple(self.events, "events"):
            if not isinstance(event, NikonEvent):
                raise LocalProtocolError(f"not a NikonEvent: {event!r}")
        if len(self.events) > 0xFFFF:
            raise LocalProtocolError(f"{len(self.events)} events, at most 65535")

    def encode(self) -> bytes:
        buf = Buffer()
        buf.push_u16(len(self.events))
        for event in self.events:
            buf.push_u16(event.code)
            buf.push_u32(event.param)
        return buf.data()

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> NikonEventList:
        """Strict: a count that runs past the data raises DecodeError."""
        buf = Buffer(data)
        count = buf.pull_u16()
        if count * _EVENT_SIZE > buf.remaining():
            raise DecodeError(
                f"Nikon GetEvent: count {count} needs {count * _EVENT_SIZE} bytes, "
                f"only {buf.remaining()} left"
            )
        events = []
        for _ in range(count):
            code = buf.pull_u16()
            events.append(NikonEvent(code, buf.pull_u32()))
        return cls(tuple(events))

    @classmethod
    def decode_lenient(cls, data: bytes | bytearray | memoryview) -> tuple[NikonEventList, bool]:
        """What gphoto2 does: data it cannot read (a count larger than the data, or fewer
        than 2 bytes) is an empty list. Returns ``(list, rejected)``; ``rejected`` is True
        when the data was thrown away."""
        try:
            return cls.decode(data), False
        except DecodeError:
            return cls(()), True


# -- GetEventEx 0x941C --------------------------------------------------------------------

MAX_EVENT_EX_PARAMS = 5


@dataclass(frozen=True, slots=True)
class NikonEventEx:
    """One record of GetEventEx 0x941C: a code and zero to five u32 parameters."""

    code: int
    params: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        _check_u(self.code, 16, "event code")
        params = _check_tuple(self.params, "params")
        if len(params) > MAX_EVENT_EX_PARAMS:
            raise LocalProtocolError(f"{len(params)} event parameters, at most 5")
        for param in params:
            _check_u(param, 32, "event parameter")


@dataclass(frozen=True, slots=True)
class NikonEventListEx:
    """The data of GetEventEx 0x941C: ``u16 count``, two skipped bytes (see the module
    notes), then per event ``{u16 code, u16 nparams (≤ 5), nparams x u32}``."""

    events: tuple[NikonEventEx, ...] = ()

    def __post_init__(self) -> None:
        for event in _check_tuple(self.events, "events"):
            if not isinstance(event, NikonEventEx):
                raise LocalProtocolError(f"not a NikonEventEx: {event!r}")
        if len(self.events) > 0xFFFF:
            raise LocalProtocolError(f"{len(self.events)} events, at most 65535")

    def encode(self) -> bytes:
        buf = Buffer()
        buf.push_u16(len(self.events))
        buf.push_u16(0)
        for event in self.events:
            buf.push_u16(event.code)
            buf.push_u16(len(event.params))
            for param in event.params:
                buf.push_u32(param)
        return buf.data()

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> NikonEventListEx:
        """Strict: a short record, or more than five parameters, raises DecodeError."""
        buf = Buffer(data)
        count = buf.pull_u16()
        if count == 0:
            return cls(())
        # gphoto2's first sanity check: every event takes at least 4 bytes after the count
        if count * 4 > buf.remaining():
            raise DecodeError(
                f"Nikon GetEventEx: count {count} cannot fit in {buf.remaining()} bytes"
            )
        buf.pull_u16()  # skipped by gphoto2
        events = []
        for index in range(count):
            code = buf.pull_u16()
            nparams = buf.pull_u16()
            if nparams > MAX_EVENT_EX_PARAMS:
                raise DecodeError(f"Nikon GetEventEx event {index}: {nparams} parameters")
            params = tuple(buf.pull_u32() for _ in range(nparams))
            events.append(NikonEventEx(code, params))
        return cls(tuple(events))

    @classmethod
    def decode_lenient(cls, data: bytes | bytearray | memoryview) -> tuple[NikonEventListEx, bool]:
        """As gphoto2: unreadable data is an empty list. Returns ``(list, rejected)``."""
        try:
            return cls.decode(data), False
        except DecodeError:
            return cls(()), True


# -- GetVendorPropCodes 0x90CA --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NikonVendorPropCodes:
    """The data of GetVendorPropCodes 0x90CA: a PTP UINT16 array of property codes, which
    gphoto2 appends to DeviceInfo's property list."""

    codes: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        for code in _check_tuple(self.codes, "codes"):
            _check_u(code, 16, "property code")

    def encode(self) -> bytes:
        buf = Buffer()
        push_array(buf, DataType.UINT16, self.codes)
        return buf.data()

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> NikonVendorPropCodes:
        buf = Buffer(data)
        codes = pull_array(buf, DataType.UINT16)
        buf.check_end("Nikon vendor property codes", allow_trailing=True)
        return cls(codes)


# -- GetLiveViewImg 0x9203 ----------------------------------------------------------------

_SOI = b"\xff\xd8"
_EOI = b"\xff\xd9"


@dataclass(frozen=True, slots=True)
class NikonLiveViewImage:
    """The data of GetLiveViewImg 0x9203: a vendor header (its size and content vary by
    model) and a JPEG that starts at the first ``FF D8`` of the data."""

    header: bytes
    jpeg: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.header, bytes) or not isinstance(self.jpeg, bytes):
            raise LocalProtocolError("header and jpeg must be bytes")
        if not self.jpeg.startswith(_SOI):
            raise LocalProtocolError("live-view JPEG must start with FF D8")
        if _SOI in self.header:
            raise LocalProtocolError("live-view header must not contain FF D8")

    def encode(self) -> bytes:
        return self.header + self.jpeg

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> NikonLiveViewImage:
        raw = bytes(data)
        soi = raw.find(_SOI)
        if soi < 0:
            raise DecodeError("Nikon live-view data holds no JPEG (no FF D8)")
        return cls(raw[:soi], raw[soi:])

    def frame(self) -> bytes:
        """The JPEG as gphoto2 saves it: from SOI to the first ``FF D9`` after it, inclusive
        (to the end of the data if there is none)."""
        eoi = self.jpeg.find(_EOI, 2)
        return self.jpeg if eoi < 0 else self.jpeg[: eoi + 2]


# -- human values ---------------------------------------------------------------------------

_OFF_ON = {0: "Off", 1: "On"}
_P = NikonDevicePropCode

NIKON_VALUE_NAMES: Mapping[int, Mapping[int, str]] = {
    **dict.fromkeys(
        (_P.LiveViewStatus, _P.ISOAuto, _P.ISO_Auto, _P.ExposureDelayMode,
         _P.ImageCommentEnable, _P.LongExposureNoiseReduction, _P.ImageRotation, _P.AFAssist,
         _P.ACPower, _P.AFLockStatus, _P.AELockStatus, _P.FlashOpen, _P.FlashCharged,
         _P.ExternalFlashAttached, _P.MirrorUpStatus),
        _OFF_ON,
    ),
    _P.RecordingMedia: {0: "Card", 1: "SDRAM"},
    _P.ColorSpace: {0: "sRGB", 1: "AdobeRGB"},
    _P.CameraOrientation: {0: "0°", 1: "270°", 2: "90°", 3: "180°"},
    _P.AutofocusMode: {0: "AF-S", 1: "AF-C", 2: "AF-A", 3: "MF (fixed)", 4: "MF (selection)"},
    DevicePropCode.WhiteBalance: {
        0x0001: "Manual", 0x0002: "Automatic", 0x0003: "One-push Automatic",
        0x0004: "Daylight", 0x0005: "Fluorescent", 0x0006: "Tungsten", 0x0007: "Flash",
        0x8010: "Cloudy", 0x8011: "Shade", 0x8012: "Color Temperature", 0x8013: "Preset",
        0x8014: "Off", 0x8015: "Flash", 0x8016: "Natural light auto",
    },
    DevicePropCode.FocusMode: {
        0x0001: "Manual", 0x0002: "Automatic", 0x0003: "Automatic Macro",
        0x8010: "AF-S", 0x8011: "AF-C", 0x8012: "AF-A", 0x8013: "AF-F",
    },
    DevicePropCode.ExposureProgramMode: {
        0x0001: "M", 0x0002: "P", 0x0003: "A", 0x0004: "S", 0x0005: "Creative",
        0x0006: "Action", 0x0007: "Portrait", 0x8010: "Auto", 0x8011: "Portrait",
        0x8012: "Landscape", 0x8013: "Macro", 0x8014: "Sports", 0x8015: "Night Portrait",
        0x8016: "Night Landscape", 0x8017: "Children", 0x8018: "Automatic (No Flash)",
        0x8050: "U1", 0x8051: "U2", 0x8052: "U3",
    },
}  # fmt: skip
"""Human names of the values of the Nikon properties whose meaning is known, by property
code (Nikon vendor values of standard properties included)."""

LIVEVIEW_PROHIBIT_BITS: Mapping[int, str] = {
    2: "Sequence error",
    4: "Fully pressed button",
    5: "Minimum aperture warning",
    8: "Battery exhausted",
    9: "TTL error",
    12: "Pending unretrieved SDRAM image",
    14: "Recording destination card, but no card or card protected",
    15: "Processing of shooting operation",
    17: "Temperature too high",
    18: "Card protected",
    19: "Card error",
    20: "Card unformatted",
    21: "Bulb warning",
    22: "In mirror-up operation",
    24: "Lens is retracting",
    31: "Exposure program mode is not P/A/S/M",
}
"""Meaning of each bit of LiveViewProhibitCondition 0xD1A4 (UINT32); 0 means live view may
start."""


def liveview_prohibit_reasons(value: int) -> list[str]:
    """The reasons set in a LiveViewProhibitCondition value, lowest bit first; unknown bits
    come out as ``"bit N"``."""
    return [
        LIVEVIEW_PROHIBIT_BITS.get(bit, f"bit {bit}")
        for bit in range(value.bit_length())
        if value >> bit & 1
    ]


def nikon_value_name(code: int, value: object) -> str | None:
    """The human name of ``value`` of property ``code`` on a Nikon body, or None when not
    known."""
    if code == NikonDevicePropCode.LiveViewProhibitCondition and isinstance(value, int):
        reasons = liveview_prohibit_reasons(value)
        return ", ".join(reasons) if reasons else "Live view allowed"
    table = NIKON_VALUE_NAMES.get(code)
    if table is None or not isinstance(value, int):
        return None
    return table.get(value)


VENDOR = Vendor(
    name="nikon",
    extension_id=0xA,
    manufacturers=("Nikon",),
    codes={"operation": (NikonOperationCode,), "event": (NikonEventCode,),
           "response": (NikonResponseCode,), "property": (NikonDevicePropCode,)},
    datasets={_N.GetEvent: NikonEventList.decode, _N.GetEventEx: NikonEventListEx.decode,
              _N.GetVendorPropCodes: NikonVendorPropCodes.decode,
              _N.GetLiveViewImg: NikonLiveViewImage.decode},
)  # fmt: skip
"""Nikon for dissect and the dialect: VendorExtensionID 0xA, or 6/0xFFFFFFFF with "Nikon" in
Manufacturer (gphoto2's rules, dialects.md §1.2); its codes' names and its datasets."""
