"""Canon EOS property values: the data type gphoto2 reads each property's value as, how
values are packed (integers in 4-byte slots, NUL-terminated text, the ImageFormat
structure, SetDevicePropValueEx data), and what the values of the common properties
(ISO, aperture, shutter speed, ...) mean.

The types are the ones libgphoto2 assigns by property code (``ptp_unpack_CANON_changes`` in
``camlibs/ptp2/ptp-pack.c``); the meanings follow the value tables of its ``config.c``
(checked one by one against the source; labels in our own words where they differ only in
wording). Re-exported by :mod:`ptpkit.proto.vendors.canon`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TypeAlias, Union

from ptpkit.errors import DecodeError, LocalProtocolError
from ptpkit.proto.buffer import Buffer
from ptpkit.proto.vendors._wire import (
    I32_MAX,
    I32_MIN,
    U8_MAX,
    U16_MAX,
    U32_MAX,
    check_bytes,
    check_int,
    cstring,
    raw_text,
    split_cstring,
)
from ptpkit.proto.vendors.canon_codes import CanonDevicePropCode

__all__ = [
    "CANON_PROP_TYPES",
    "CANON_PROP_TYPES_HEAD_CHANGES",
    "EOS_AE_MODE",
    "EOS_APERTURE",
    "EOS_BATTERY",
    "EOS_DRIVE_MODE",
    "EOS_EXP_COMPENSATION",
    "EOS_FOCUS_MODE",
    "EOS_ISO",
    "EOS_METERING_MODE",
    "EOS_PICTURE_STYLE",
    "EOS_SHUTTER_SPEED",
    "EOS_VALUE_NAMES",
    "EOS_WHITE_BALANCE",
    "IMAGE_FORMAT_PROPS",
    "EosImageFormat",
    "EosImageFormatEntry",
    "EosPropType",
    "EosValue",
    "SetPropValueEx",
    "check_eos_value",
    "eos_prop_type",
    "eos_value_name",
    "normal_value_extra",
    "pack_eos_value",
    "pull_image_format",
    "push_image_format",
    "unpack_eos_value",
]


# -- property data types ------------------------------------------------------------------
class EosPropType(Enum):
    """How the value of a PropValueChanged record is read, by property code."""

    U8 = "u8"
    U16 = "u16"
    U32 = "u32"
    I32 = "i32"
    STRING = "string"  # NUL-terminated 8-bit text
    IMAGE_FORMAT = "image_format"  # see EosImageFormat
    RAW = "raw"  # no type assigned: the bytes as they came


_P = CanonDevicePropCode
IMAGE_FORMAT_PROPS = frozenset(
    {_P.ImageFormat, _P.ImageFormatCF, _P.ImageFormatSD, _P.ImageFormatExtHD}
)


def _typed(kind: EosPropType, *codes: CanonDevicePropCode) -> dict[int, EosPropType]:
    return dict.fromkeys((int(code) for code in codes), kind)


#: The data type gphoto2 2.5.30 (Debian 12) assigns to each property it knows, keyed by
#: property code (ptp-pack.c, ``ptp_unpack_CANON_changes``). Codes not listed get no type
#: (``RAW``). Left out on purpose: CustomFunc1-11 (gphoto2 reads a u8 four bytes into the
#: value), CustomFuncEx and FocusInfoEx (gphoto2 renders them as text; kept raw here).
CANON_PROP_TYPES: dict[int, EosPropType] = {
    **_typed(
        EosPropType.U32,
        _P.CameraTime,
        _P.UTCTime,
        _P.Summertime,
        _P.AvailableShots,
        _P.CaptureDestination,
        _P.WhiteBalanceXA,
        _P.WhiteBalanceXB,
        _P.CurrentStorage,
        _P.CurrentFolder,
        _P.ShutterCounter,
        _P.ModelID,
        _P.LensID,
        _P.StroboFiring,
        _P.AFSelectFocusArea,
        _P.ContinousAFMode,
        _P.MirrorUpSetting,
        _P.OLCInfoVersion,
        _P.PowerZoomPosition,
        _P.PowerZoomSpeed,
        _P.BuiltinStroboMode,
        _P.StroboETTL2Metering,
        _P.ColorTemperature,
        _P.FixedMovie,
        _P.AutoPowerOff,
        _P.AloMode,
        _P.LvViewTypeSelect,
        _P.EVFColorTemp,
        _P.LvAfSystem,
        _P.OneShotRawOn,
        _P.FlashChargingState,
        _P.MovieServoAF,
        # gphoto2's "yet unknown 32-bit" group
        _P.WftStatus,
        _P.LensStatus,
        _P.CardExtension,
        _P.TempStatus,
        _P.PhotoStudioMode,
        _P.DepthOfFieldPreview,
        _P.EVFSharpness,
        _P.EVFWBMode,
        _P.EVFClickWBCoeffs,
        _P.ExposureSimMode,
        _P.MovSize,
        _P.DepthOfField,
        _P.Brightness,
        _P.GPSLogCtrl,
        _P.GPSDeviceActive,
    ),
    **_typed(
        EosPropType.U16,
        _P.AEModeDial,
        _P.AutoExposureMode,
        _P.Aperture,
        _P.ShutterSpeed,
        _P.ISOSpeed,
        _P.FocusMode,
        _P.ColorSpace,
        _P.BatteryPower,
        _P.BatterySelect,
        _P.PTPExtensionVersion,
        _P.DriveMode,
        _P.AEB,
        _P.BracketMode,
        _P.QuickReviewTime,
        _P.EVFMode,
        _P.EVFOutputDevice,
        _P.EVFRecordStatus,
        _P.HighISONoiseReduction,
        _P.MultiAspect,
        _P.DPOFVersion,
    ),
    **_typed(EosPropType.U8, _P.PictureStyle, _P.WhiteBalance, _P.MeteringMode, _P.ExpCompensation),
    **_typed(
        EosPropType.STRING,
        _P.Owner,
        _P.Artist,
        _P.Copyright,
        _P.SerialNumber,
        _P.LensName,
        _P.CameraNickname,
    ),
    **_typed(EosPropType.I32, _P.WhiteBalanceAdjustA, _P.WhiteBalanceAdjustB),
    **_typed(EosPropType.IMAGE_FORMAT, *IMAGE_FORMAT_PROPS),
}

#: Where libgphoto2 HEAD (after 2.5.34) assigns another type than 2.5.30, or a type to a
#: code 2.5.30 leaves untyped. Integers sit in a 4-byte slot on the wire, so u16 and u32
#: read the same value from a zero-padded slot.
CANON_PROP_TYPES_HEAD_CHANGES: dict[int, EosPropType] = {
    **_typed(
        EosPropType.U32,
        _P.FocusMode,
        _P.EVFOutputDevice,
        _P.MultiAspect,
        _P.StroboDispState,
        _P.LvCFilterKind,
        _P.CADarkBright,
        _P.ErrorForDisplay,
        _P.WindCut,
        _P.MovieRecordVolume,
        _P.ExtenderType,
        _P.AEModeMovie,
        _P.MirrorDownStatus,
        _P.MirrorLockupState,
        _P.MovieSoundRecord,
        _P.NetworkCommunicationMode,
        _P.NetworkServerRegion,
    ),
    **_typed(EosPropType.I32, _P.AutoPowerOff),
}


def eos_prop_type(code: int) -> EosPropType:
    """The type gphoto2 2.5.30 reads ``code``'s value as (``RAW`` when it assigns none)."""
    return CANON_PROP_TYPES.get(code, EosPropType.RAW)


# -- what the values mean -----------------------------------------------------------------
def _steps(pairs: str) -> dict[int, str]:
    """``"48:100 4b:125"`` -> {0x48: "100", 0x4B: "125"}: compact value tables."""
    table: dict[int, str] = {}
    for item in pairs.split():
        code, _, label = item.partition(":")
        table[int(code, 16)] = label.replace("_", " ")
    return table


#: ISOSpeed 0xD103 (u16): 0x48 is ISO 100, each 8 steps doubles it (config.c canon_isospeed).
EOS_ISO = {
    0x00: "Auto",
    **_steps(
        "28:6 30:12 38:25 40:50 43:64 45:80 48:100 4b:125 4d:160 50:200 53:250 55:320 58:400"
        " 5b:500 5d:640 60:800 63:1000 65:1250 68:1600 6b:2000 6d:2500 70:3200 73:4000"
        " 75:5000 78:6400 7b:8000 7d:10000 80:12800 83:16000 85:20000 88:25600 8b:32000"
        " 8d:40000 90:51200 93:64000 95:80000 98:102400 a0:204800 a8:409600 b0:819200"
    ),
}

#: Aperture 0xD101 (u16), as f-numbers (config.c canon_aperture); 0 means no value
#: reported (automatic, or no lens), 0xFFFF automatic.
EOS_APERTURE = {
    0x0000: "auto",
    0xFFFF: "auto",
    **{
        code: f"f/{label}"
        for code, label in _steps(
            "08:1 0b:1.1 0c:1.2 0d:1.2 10:1.4 13:1.6 14:1.8 15:1.8 18:2 1b:2.2 1c:2.5 1d:2.5"
            " 20:2.8 23:3.2 24:3.5 25:3.5 28:4 2b:4.5 2c:4.5 2d:5 30:5.6 33:6.3 34:6.7 35:7.1"
            " 38:8 3b:9 3c:9.5 3d:10 40:11 43:13 44:13 45:14 48:16 4b:18 4c:19 4d:20 50:22"
            " 53:25 54:27 55:29 58:32 5b:36 5c:38 5d:40 60:45 63:51 64:54 65:57 68:64 6b:72"
            " 6c:76 6d:81 70:91"
        ).items()
    },
}

#: ShutterSpeed 0xD102 (u16), in seconds (config.c canon_shutterspeed): 0x38 is 1 s,
#: 8 steps halve it; 0x0C and 0x04 are bulb.
EOS_SHUTTER_SPEED = _steps(
    "00:auto 04:bulb 0c:bulb 10:30 13:25 14:20 15:20 18:15 1b:13 1c:10 1d:10 20:8 23:6"
    " 24:6 25:5 28:4 2b:3.2 2c:3 2d:2.5 30:2 33:1.6 34:1.5 35:1.3 38:1 3b:0.8 3c:0.7"
    " 3d:0.6 40:0.5 43:0.4 44:0.3 45:0.3 48:1/4 4b:1/5 4c:1/6 4d:1/6 50:1/8 53:1/10"
    " 54:1/10 55:1/13 58:1/15 5b:1/20 5c:1/20 5d:1/25 60:1/30 63:1/40 64:1/45 65:1/50"
    " 68:1/60 6b:1/80 6c:1/90 6d:1/100 70:1/125 73:1/160 74:1/180 75:1/200 78:1/250"
    " 7b:1/320 7c:1/350 7d:1/400 80:1/500 83:1/640 84:1/750 85:1/800 88:1/1000 8b:1/1250"
    " 8c:1/1500 8d:1/1600 90:1/2000 93:1/2500 94:1/3000 95:1/3200 98:1/4000 9b:1/5000"
    " 9c:1/6000 9d:1/6400 a0:1/8000"
)

#: ExpCompensation 0xD104 (u8): a signed count of eighth stops (0x08 = +1 EV, 0xF8 = -1,
#: 0x03/0x05 = 1/3 and 2/3, 0x04 = 1/2), as in config.c canon_expcompensation2.
EOS_EXP_COMPENSATION = _steps(
    "28:+5 25:+4_2/3 24:+4_1/2 23:+4_1/3 20:+4 1d:+3_2/3 1c:+3_1/2 1b:+3_1/3 18:+3"
    " 15:+2_2/3 14:+2_1/2 13:+2_1/3 10:+2 0d:+1_2/3 0c:+1_1/2 0b:+1_1/3 08:+1 05:+2/3"
    " 04:+1/2 03:+1/3 00:0 fd:-1/3 fc:-1/2 fb:-2/3 f8:-1 f5:-1_1/3 f4:-1_1/2 f3:-1_2/3"
    " f0:-2 ed:-2_1/3 ec:-2_1/2 eb:-2_2/3 e8:-3 e5:-3_1/3 e4:-3_1/2 e3:-3_2/3 e0:-4"
    " dd:-4_1/3 dc:-4_1/2 db:-4_2/3 d8:-5"
)

#: WhiteBalance 0xD109 (u8), config.c canon_eos_whitebalance.
EOS_WHITE_BALANCE = _steps(
    "00:Auto 01:Daylight 02:Cloudy 03:Tungsten 04:Fluorescent 05:Flash 06:Manual"
    " 08:Shadow 09:Color_temperature 0a:Custom_PC-1 0b:Custom_PC-2 0c:Custom_PC-3"
    " 0f:Manual_2 10:Manual_3 12:Manual_4 13:Manual_5 14:Custom_PC-4 15:Custom_PC-5"
    " 17:Auto_(white_priority)"
)

#: DriveMode 0xD106 (u16), config.c canon_eos_drive_mode.
EOS_DRIVE_MODE = _steps(
    "00:Single 01:Continuous 02:Video 04:Continuous_high_speed 05:Continuous_low_speed"
    " 06:Single,_silent_shooting 07:Continuous_timer 10:Self-timer_10_s 11:Self-timer_2_s"
    " 12:Super_high_speed_continuous 13:Single_silent 14:Continuous_silent"
    " 15:Silent_continuous,_high_speed 16:Silent_continuous,_low_speed"
)

#: FocusMode 0xD108, config.c eos_focusmodes.
EOS_FOCUS_MODE = _steps("00:One_Shot 01:AI_Servo 02:AI_Focus 03:Manual")

#: MeteringMode 0xD107 (u8), config.c canon_meteringmode.
EOS_METERING_MODE = _steps(
    "00:Center-weighted 01:Spot 02:Average 03:Evaluative 04:Partial"
    " 05:Center-weighted_average 06:Spot,_linked_to_the_AF_point 07:Multi-spot"
)

#: AutoExposureMode 0xD105 and AEModeDial 0xD138 (u16), config.c canon_eos_autoexposuremode.
EOS_AE_MODE = _steps(
    "00:P 01:Tv 02:Av 03:Manual 04:Bulb 05:A-DEP 06:DEP 07:Custom 08:Lock 09:Green"
    " 0a:Night_Portrait 0b:Sports 0c:Portrait 0d:Landscape 0e:Close-up 0f:Flash_Off"
    " 10:C2 11:C3 13:Creative_Auto 14:Movie 16:Auto 17:Handheld_Night_Scene"
    " 18:HDR_Backlight_Control 19:SCN 1b:Food 1e:Grainy_B/W 1f:Soft_focus"
    " 20:Toy_camera_effect 21:Fish-eye_effect 22:Water_painting_effect"
    " 23:Miniature_effect 24:HDR_art_standard 25:HDR_art_vivid 26:HDR_art_bold"
    " 27:HDR_art_embossed 2d:Panning 31:HDR 32:Self_Portrait 33:Hybrid_Auto"
    " 34:Smooth_skin 37:Fv"
)

#: BatteryPower 0xD111 (u16), config.c _get_Canon_EOS_BatteryLevel.
EOS_BATTERY = _steps("00:Low 01:50% 02:100% 04:75% 05:25%")

#: PictureStyle 0xD110 (u8), config.c canon_eos_picturestyle.
EOS_PICTURE_STYLE = _steps(
    "81:Standard 82:Portrait 83:Landscape 84:Neutral 85:Faithful 86:Monochrome 87:Auto"
    " 88:Fine_detail 21:User_defined_1 22:User_defined_2 23:User_defined_3"
)

#: The tables above by property code.
EOS_VALUE_NAMES: dict[int, dict[int, str]] = {
    _P.ISOSpeed: EOS_ISO,
    _P.Aperture: EOS_APERTURE,
    _P.ShutterSpeed: EOS_SHUTTER_SPEED,
    _P.ExpCompensation: EOS_EXP_COMPENSATION,
    _P.WhiteBalance: EOS_WHITE_BALANCE,
    _P.DriveMode: EOS_DRIVE_MODE,
    _P.FocusMode: EOS_FOCUS_MODE,
    _P.MeteringMode: EOS_METERING_MODE,
    _P.AutoExposureMode: EOS_AE_MODE,
    _P.AEModeDial: EOS_AE_MODE,
    _P.BatteryPower: EOS_BATTERY,
    _P.PictureStyle: EOS_PICTURE_STYLE,
}


def eos_value_name(prop: int, value: int) -> str | None:
    """What ``value`` of property ``prop`` means (``None`` when no table knows it)."""
    return EOS_VALUE_NAMES.get(prop, {}).get(value)


# -- ImageFormat ------------------------------------------------------------------------
_JPEG = 1
_RAW = 6
_JPEG_SIZES = {0: "Large", 1: "Medium", 2: "Small", 0xE: "Small", 0xF: "Smaller", 0x10: "Tiny"}
_JPEG_QUALITY = {2: "Normal", 3: "Fine"}
_RAW_SIZES = {0: "RAW", 1: "mRAW", 2: "sRAW"}
_RAW_LOSSLESS = 4
_CRAW = 3


@dataclass(frozen=True, slots=True)
class EosImageFormatEntry:
    """One file a shot produces: ``kind`` 1 = JPEG, 6 = RAW; ``size`` 0 Large, 1 Medium,
    2 Small, 0xE-0x10 the S1-S3 JPEG sizes; ``compression`` 2 Normal, 3 Fine (cRAW for a
    RAW), 4 lossless RAW."""

    kind: int
    size: int
    compression: int

    def __post_init__(self) -> None:
        check_int(self.kind, 0, U32_MAX, "kind")
        check_int(self.size, 0, U32_MAX, "size")
        check_int(self.compression, 0, U32_MAX, "compression")

    @property
    def name(self) -> str:
        """E.g. "Large Fine JPEG", "RAW", "mRAW", "cRAW" (gphoto2's menu wording)."""
        if self.kind == _RAW:
            if self.compression == _CRAW and self.size == 0:
                return "cRAW"
            if self.compression == _RAW_LOSSLESS and self.size in _RAW_SIZES:
                return _RAW_SIZES[self.size]
        elif self.kind == _JPEG and self.size in _JPEG_SIZES:
            size = _JPEG_SIZES[self.size]
            if self.size >= 0xF and self.compression == 3:
                return f"{size} JPEG"
            if self.compression in _JPEG_QUALITY:
                return f"{size} {_JPEG_QUALITY[self.compression]} JPEG"
        return f"kind {self.kind} size {self.size} compression {self.compression}"


@dataclass(frozen=True, slots=True)
class EosImageFormat:
    """The value of ImageFormat 0xD120-0xD123: ``u32 n`` (1 or 2), then n entries
    ``[u32 0x10][u32 kind][u32 size][u32 compression]``."""

    entries: tuple[EosImageFormatEntry, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.entries, tuple) or not 1 <= len(self.entries) <= 2:
            raise LocalProtocolError("an EOS ImageFormat has a tuple of 1 or 2 entries")
        for entry in self.entries:
            if not isinstance(entry, EosImageFormatEntry):
                raise LocalProtocolError(f"not an EosImageFormatEntry: {entry!r}")

    @property
    def name(self) -> str:
        """E.g. "Large Fine JPEG", "RAW + Large Fine JPEG"."""
        return " + ".join(entry.name for entry in self.entries)

    @property
    def gphoto2_code(self) -> int:
        """The u16 gphoto2 folds this into for its menus (nibbles: size, compression with
        8 for RAW, of each entry; S1-S3 sizes one lower)."""
        code = 0
        for index, entry in enumerate(self.entries):
            size = entry.size - 1 if entry.size >= 0xE else entry.size
            compression = entry.compression | (8 if entry.kind == _RAW else 0)
            code |= (((size & 0xF) << 4) | (compression & 0xF)) << (8 - 8 * index)
        return code

    @classmethod
    def from_gphoto2_code(cls, code: int) -> EosImageFormat:
        """The structure gphoto2 sends for its folded u16 ``code``."""
        check_int(code, 0, U16_MAX, "code")
        entries = []
        for byte in (code >> 8, code & 0xFF) if code & 0xFF else (code >> 8,):
            size, compression = byte >> 4, byte & 0xF
            entries.append(
                EosImageFormatEntry(
                    kind=_RAW if compression & 8 else _JPEG,
                    size=size + 1 if size >= 0xD else size,
                    compression=compression & 7,
                )
            )
        return cls(tuple(entries))

    def encode(self) -> bytes:
        buf = Buffer()
        push_image_format(buf, self)
        return buf.data()

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> EosImageFormat:
        buf = Buffer(data)
        value = pull_image_format(buf)
        buf.check_end("EOS ImageFormat")
        return value


def pull_image_format(buf: Buffer) -> EosImageFormat:
    count = buf.pull_u32()
    if count not in (1, 2):
        raise DecodeError(f"EOS ImageFormat: {count} entries, not 1 or 2")
    entries = []
    for _ in range(count):
        length = buf.pull_u32()
        if length != 0x10:
            raise DecodeError(f"EOS ImageFormat: entry length {length:#x}, not 0x10")
        entries.append(EosImageFormatEntry(buf.pull_u32(), buf.pull_u32(), buf.pull_u32()))
    return EosImageFormat(tuple(entries))


def push_image_format(buf: Buffer, value: EosImageFormat) -> None:
    buf.push_u32(len(value.entries))
    for entry in value.entries:
        buf.push_u32(0x10)
        buf.push_u32(entry.kind)
        buf.push_u32(entry.size)
        buf.push_u32(entry.compression)


# -- property values ----------------------------------------------------------------------
EosValue: TypeAlias = Union[int, str, EosImageFormat, bytes]
"""int (u8/u16/u32/i32 properties), str, EosImageFormat, or bytes (no type known)."""

_T = EosPropType
_INTS: dict[EosPropType, tuple[int, int, str]] = {
    _T.U8: (0, U8_MAX, "u8"),
    _T.U16: (0, U16_MAX, "u16"),
    _T.U32: (0, U32_MAX, "u32"),
    _T.I32: (I32_MIN, I32_MAX, "i32"),
}
# bytes after an integer value that fill its 4-byte slot
_SLOT_PADDING = {_T.U8: b"\0\0\0", _T.U16: b"\0\0", _T.U32: b"", _T.I32: b""}


def check_eos_value(prop: int, value: object) -> EosPropType:
    kind = eos_prop_type(prop)
    if kind in _INTS:
        low, high, name = _INTS[kind]
        check_int(value, low, high, f"value of {prop:#06x} ({name})")
    elif kind is _T.STRING:
        raw_text(value, f"value of {prop:#06x}")
    elif kind is _T.IMAGE_FORMAT:
        if not isinstance(value, EosImageFormat):
            raise LocalProtocolError(f"value of {prop:#06x} must be an EosImageFormat")
    else:
        check_bytes(value, f"value of {prop:#06x} (no type known)")
    return kind


def normal_value_extra(kind: EosPropType, extra: bytes | None) -> bytes | None:
    if extra is None:
        return None
    check_bytes(extra, "extra")
    if kind is _T.RAW and extra:
        raise LocalProtocolError("a value without a known type has no extra bytes")
    return None if extra == _SLOT_PADDING.get(kind, b"") else extra


def pack_eos_value(prop: int, value: EosValue, extra: bytes | None) -> bytes:
    kind = eos_prop_type(prop)
    buf = Buffer()
    if isinstance(value, EosImageFormat):
        push_image_format(buf, value)
    elif isinstance(value, str):
        buf.push_bytes(cstring(value, "value"))
    elif isinstance(value, bytes):
        buf.push_bytes(value)
    elif kind is _T.U8:
        buf.push_u8(value)
    elif kind is _T.U16:
        buf.push_u16(value)
    elif kind is _T.I32:
        buf.push_i32(value)
    else:
        buf.push_u32(value)
    buf.push_bytes(_SLOT_PADDING.get(kind, b"") if extra is None else extra)
    return buf.data()


def unpack_eos_value(prop: int, data: bytes) -> tuple[EosValue, bytes | None]:
    """The value of ``prop`` at the start of ``data`` and the bytes after it (``None``
    when they are just the zero padding of an integer's 4-byte slot)."""
    kind = eos_prop_type(prop)
    value: EosValue
    if kind is _T.RAW:
        return data, None
    if kind is _T.STRING:
        value, rest = split_cstring(data, f"value of {prop:#06x}")
    else:
        buf = Buffer(data)
        if kind is _T.IMAGE_FORMAT:
            value = pull_image_format(buf)
        elif kind is _T.U8:
            value = buf.pull_u8()
        elif kind is _T.U16:
            value = buf.pull_u16()
        elif kind is _T.I32:
            value = buf.pull_i32()
        else:
            value = buf.pull_u32()
        rest = buf.pull_rest()
    return value, (None if rest == _SLOT_PADDING.get(kind, b"") else rest)


@dataclass(frozen=True, slots=True)
class SetPropValueEx:
    """The data of SetDevicePropValueEx 0x9110: ``[u32 size][u32 property][value]``, the
    value packed as in PropValueChanged (integers in a 4-byte slot, total 12 bytes; text
    NUL-terminated; ImageFormat its structure). ``extra`` as in :class:`PropValueChanged`.
    """

    prop: int
    value: EosValue
    extra: bytes | None = None

    def __post_init__(self) -> None:
        check_int(self.prop, 0, U32_MAX, "prop")
        kind = check_eos_value(self.prop, self.value)
        object.__setattr__(self, "extra", normal_value_extra(kind, self.extra))

    def encode(self) -> bytes:
        value = pack_eos_value(self.prop, self.value, self.extra)
        buf = Buffer()
        buf.push_u32(8 + len(value))
        buf.push_u32(self.prop)
        buf.push_bytes(value)
        return buf.data()

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> SetPropValueEx:
        buf = Buffer(data)
        size, prop = buf.pull_u32(), buf.pull_u32()
        if size != len(buf.data()):
            raise DecodeError(f"SetDevicePropValueEx: size field {size}, data {len(buf.data())}")
        value, extra = unpack_eos_value(prop, buf.pull_rest())
        return cls(prop, value, extra)
