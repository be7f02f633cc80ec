"""Sony's PTP dialect ("PC remote" / SDIO) on the wire: codes, data directions and vendor
datasets, sans-IO.

Facts from ``shared/reference/dialects.md`` §4, §6 and §10.3, with code values and names as
libgphoto2 (``camlibs/ptp2/ptp.h``) and Sony's own command names use them. The client dialect
(``ptpkit.dialects.sony``) and the emulator persona (``ptpkit.emulator.personas.sony``) are
built on it; nothing here does I/O.

Decisions, made here once:

* **GetAllDevicePropData 0x9209** (:class:`SonyPropertyBlob`): 8-byte header (u32 count,
  u32 zero), then entries back to back, read until the data ends as gphoto2 does (the
  count is not trusted; we write the true one). gphoto2 fails on a blob of ≤ 8 bytes.
* **Second enumeration list**: libgphoto2 2.5.34+ reads one after an entry's enumeration
  when the next u16 is below 0x200, and uses it; we decode it into
  :attr:`SonyPropertyEntry.second_enum`. Encoding refuses what 2.5.34+ would misread (after
  an enumeration without a second list, the next code must be ≥ 0x200). 2.5.30 knows no
  second lists: personas for it must not send them.
* **Entry bytes 4 and 5** are kept raw as ``get_set``/``is_enabled`` (HEAD's names; 2.5.30
  reads them as change method and get/set, and treats every property as writable).
* **0x9202** (:class:`SonyExtDeviceInfo`): an empty reply (accepted by 2.5.30) is not a
  dataset; callers test ``if not data`` before decoding.
* Values and forms use :mod:`ptpkit.proto.datasets`; decoding raises only DecodeError.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum

from ptpkit.errors import DecodeError, LocalProtocolError
from ptpkit.proto.buffer import Buffer
from ptpkit.proto.codes import DataDirection, DataType, DevicePropCode, FormFlag
from ptpkit.proto.datasets import (
    DevicePropDesc,
    PropEnum,
    PropRange,
    PtpValue,
    encode_value,
    pull_array,
    pull_value,
    push_array,
    push_value,
)

__all__ = [
    "CAPTURE_OBJECT", "LIVEVIEW_OBJECT", "NOTICE_EXIT", "NOTICE_INIT", "NOTICE_PARAM",
    "SONY_ISO_AUTO", "SONY_OPERATION_DATA_DIRECTION", "SONY_PROPERTY_TYPES",
    "SONY_PROTOCOL_200", "SONY_PROTOCOL_300", "SONY_STANDARD_PROPERTIES", "SONY_VALUE_NAMES",
    "ControlDeviceData", "SonyDevicePropCode", "SonyEventCode", "SonyExtDeviceInfo",
    "SonyNotice", "SonyOperationCode", "SonyPropertyBlob", "SonyPropertyEntry",
    "sony_aperture_name", "sony_battery_name", "sony_iso_name", "sony_liveview_jpeg",
    "sony_shutter_name", "sony_shutter_value", "sony_value_name",
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


# -- helpers --------------------------------------------------------------------------------


def _check_u(value: object, bits: int, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise LocalProtocolError(f"{what} must be an int, not {type(value).__name__}")
    if not 0 <= value < (1 << bits):
        raise LocalProtocolError(f"{what} out of range for u{bits}: {value}")
    return value


def _check_codes(values: object, what: str) -> tuple[int, ...]:
    if not isinstance(values, tuple):
        raise LocalProtocolError(f"{what} must be a tuple, not {type(values).__name__}")
    for value in values:
        _check_u(value, 16, what)
    return values


def _data_type(value: object) -> DataType:
    if not isinstance(value, int):
        raise LocalProtocolError(f"data type must be an int, not {type(value).__name__}")
    try:
        return DataType(value)
    except ValueError:
        raise LocalProtocolError(f"unknown data type {value!r}") from None


# -- GetSDIOGetExtDeviceInfo 0x9202 ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SonyExtDeviceInfo:
    """The data of 0x9202: ``u16 version``, a PTP u16 array of codes and, optionally, a
    second one (HEAD calls the first "device properties" and the second "controls")."""

    version: int
    codes: tuple[int, ...] = ()
    controls: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        _check_u(self.version, 16, "version")
        _check_codes(self.codes, "codes")
        if self.controls is not None:
            _check_codes(self.controls, "controls")

    def encode(self) -> bytes:
        buf = Buffer()
        buf.push_u16(self.version)
        push_array(buf, DataType.UINT16, self.codes)
        if self.controls is not None:
            push_array(buf, DataType.UINT16, self.controls)
        return buf.data()

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> SonyExtDeviceInfo:
        buf = Buffer(data)
        version = buf.pull_u16()
        codes = pull_array(buf, DataType.UINT16)
        controls = None if buf.eof() else pull_array(buf, DataType.UINT16)
        buf.check_end("Sony ext device info", allow_trailing=True)
        return cls(version, codes, controls)

    @property
    def all_codes(self) -> tuple[int, ...]:
        """Both lists, merged as gphoto2 merges them."""
        return self.codes + (self.controls or ())

    def _kind(self, bits: int) -> tuple[int, ...]:
        return tuple(code for code in self.all_codes if code & 0x7000 == bits)

    @property
    def operations(self) -> tuple[int, ...]:
        """Codes with ``code & 0x7000 == 0x1000`` (gphoto2 adds them to the operations)."""
        return self._kind(0x1000)

    @property
    def events(self) -> tuple[int, ...]:
        """Codes with ``code & 0x7000 == 0x4000``."""
        return self._kind(0x4000)

    @property
    def properties(self) -> tuple[int, ...]:
        """Codes with ``code & 0x7000 == 0x5000`` (0x5xxx and 0xDxxx)."""
        return self._kind(0x5000)


# -- GetAllDevicePropData 0x9209 ------------------------------------------------------------

#: The next u16 after an enumeration below which libgphoto2 2.5.34+ reads a second list.
SECOND_ENUM_LIMIT = 0x200


@dataclass(frozen=True, slots=True, kw_only=True)
class SonyPropertyEntry:
    """One entry of the 0x9209 blob: ``u16 code, u16 data type, u8 get_set, u8 is_enabled,
    default value, current value, u8 form flag, form`` (+ an optional second enumeration).
    Values and forms are of ``data_type``, checked as :class:`DevicePropDesc` checks them."""

    code: int
    data_type: DataType
    get_set: int = 1
    is_enabled: int = 1
    factory_default_value: PtpValue
    current_value: PtpValue
    form: PropRange | PropEnum | None = None
    second_enum: PropEnum | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_type", _data_type(self.data_type))
        _check_u(self.is_enabled, 8, "is_enabled")
        self._desc_with(self.form)  # checks code, get_set, values and form against the type
        if self.second_enum is not None:
            if not isinstance(self.form, PropEnum) or not isinstance(self.second_enum, PropEnum):
                raise LocalProtocolError("second_enum needs an enumeration form and a PropEnum")
            if len(self.second_enum.values) >= SECOND_ENUM_LIMIT:
                raise LocalProtocolError(f"second_enum: at most {SECOND_ENUM_LIMIT - 1} values")
            self._desc_with(self.second_enum)

    def _desc_with(self, form: PropRange | PropEnum | None) -> DevicePropDesc:
        return DevicePropDesc(
            device_prop_code=self.code, data_type=self.data_type, get_set=self.get_set,
            factory_default_value=self.factory_default_value,
            current_value=self.current_value, form=form,
        )  # fmt: skip

    def as_desc(self) -> DevicePropDesc:
        """The entry as a standard DevicePropDesc (the second list, when present, is the
        form, as libgphoto2 2.5.34+ uses it)."""
        return self._desc_with(self.second_enum if self.second_enum is not None else self.form)

    def push(self, buf: Buffer) -> None:
        """Write the entry (used by :class:`SonyPropertyBlob`)."""
        dt = self.data_type
        buf.push_u16(self.code)
        buf.push_u16(dt)
        buf.push_u8(self.get_set)
        buf.push_u8(self.is_enabled)
        push_value(buf, dt, self.factory_default_value)
        push_value(buf, dt, self.current_value)
        form = self.form
        if isinstance(form, PropRange):
            buf.push_u8(FormFlag.Range)
            for value in (form.minimum_value, form.maximum_value, form.step_size):
                push_value(buf, dt, value)
        elif isinstance(form, PropEnum):
            buf.push_u8(FormFlag.Enumeration)
            _push_enum(buf, dt, form.values)
            if self.second_enum is not None:
                _push_enum(buf, dt, self.second_enum.values)
        else:
            buf.push_u8(FormFlag.NONE)

    def encode(self) -> bytes:
        buf = Buffer()
        self.push(buf)
        return buf.data()

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> SonyPropertyEntry:
        """One entry alone (trailing bytes are an error: they would be the next entry)."""
        raw = bytes(data)
        buf = Buffer(raw)
        entry = _pull_entry(buf, raw)
        buf.check_end("Sony property entry")
        return entry


def _push_enum(buf: Buffer, dt: DataType, values: tuple[PtpValue, ...]) -> None:
    buf.push_u16(len(values))
    for value in values:
        push_value(buf, dt, value)


def _pull_enum(buf: Buffer, dt: DataType) -> tuple[PtpValue, ...]:
    count = buf.pull_u16()
    return tuple(pull_value(buf, dt) for _ in range(count))


def _pull_entry(buf: Buffer, raw: bytes) -> SonyPropertyEntry:
    """One entry at the cursor of ``buf`` (a Buffer over ``raw``, which lets us peek)."""
    code = buf.pull_u16()
    raw_type = buf.pull_u16()
    try:
        dt = DataType(raw_type)
    except ValueError:
        raise DecodeError(
            f"Sony property 0x{code:04X}: unknown data type 0x{raw_type:04X}"
        ) from None
    if dt is DataType.UNDEF:
        raise DecodeError(f"Sony property 0x{code:04X}: data type UNDEF")
    get_set = buf.pull_u8()
    is_enabled = buf.pull_u8()
    default = pull_value(buf, dt)
    current = pull_value(buf, dt)
    form: PropRange | PropEnum | None = None
    second: PropEnum | None = None
    if not buf.eof():  # an entry at the very end may stop after its current value
        flag = buf.pull_u8()
        if flag == FormFlag.Range:
            form = PropRange(pull_value(buf, dt), pull_value(buf, dt), pull_value(buf, dt))
        elif flag == FormFlag.Enumeration:
            form = PropEnum(_pull_enum(buf, dt))
            at = buf.tell()
            peek = raw[at : at + 2]
            if len(peek) == 2 and int.from_bytes(peek, "little") < SECOND_ENUM_LIMIT:
                second = PropEnum(_pull_enum(buf, dt))
        elif flag != FormFlag.NONE:
            raise DecodeError(f"Sony property 0x{code:04X}: unknown form flag {flag}")
    return SonyPropertyEntry(
        code=code, data_type=dt, get_set=get_set, is_enabled=is_enabled,
        factory_default_value=default, current_value=current, form=form, second_enum=second,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class SonyPropertyBlob:
    """The data of GetAllDevicePropData 0x9209: ``u32 count, u32 0``, then the entries back
    to back (read until the data ends, as gphoto2 does; the count is not trusted)."""

    entries: tuple[SonyPropertyEntry, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.entries, tuple):
            raise LocalProtocolError("entries must be a tuple")
        previous: SonyPropertyEntry | None = None
        for entry in self.entries:
            if not isinstance(entry, SonyPropertyEntry):
                raise LocalProtocolError(f"not a SonyPropertyEntry: {entry!r}")
            if (
                previous is not None
                and isinstance(previous.form, PropEnum)
                and previous.second_enum is None
                and entry.code < SECOND_ENUM_LIMIT
            ):
                raise LocalProtocolError(
                    f"Sony property 0x{entry.code:04X} after an enumeration would be read as "
                    "a second enumeration list by libgphoto2 2.5.34+"
                )
            previous = entry

    def encode(self) -> bytes:
        buf = Buffer()
        buf.push_u32(len(self.entries))
        buf.push_u32(0)
        for entry in self.entries:
            entry.push(buf)
        return buf.data()

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> SonyPropertyBlob:
        raw = bytes(data)
        buf = Buffer(raw)
        buf.pull_u32()  # count: not trusted
        buf.pull_u32()  # zero
        entries = []
        while not buf.eof():
            entries.append(_pull_entry(buf, raw))
        return cls(tuple(entries))

    def get(self, code: int) -> SonyPropertyEntry | None:
        """The entry of property ``code`` (the last one, if the blob repeats it)."""
        for entry in reversed(self.entries):
            if entry.code == code:
                return entry
        return None


# -- SetControlDeviceA/B 0x9205 / 0x9207 ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class ControlDeviceData:
    """The data of SetControlDeviceA 0x9205 / SetControlDeviceB 0x9207: the new value of
    the property or control named by parameter 1, in its PTP type (no header)."""

    data_type: DataType
    value: PtpValue

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_type", _data_type(self.data_type))
        encode_value(self.data_type, self.value)  # checks type and range

    def encode(self) -> bytes:
        return encode_value(self.data_type, self.value)

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview, data_type: DataType) -> ControlDeviceData:
        """Needs the data type (from the property's blob entry or :data:`SONY_PROPERTY_TYPES`);
        every byte must be used."""
        try:
            dt = DataType(data_type)
        except ValueError:
            raise DecodeError(f"unknown data type {data_type!r}") from None
        buf = Buffer(data)
        value = pull_value(buf, dt)
        buf.check_end(f"Sony control value ({dt.name})")
        return cls(dt, value)


# -- 0x9280 notices -------------------------------------------------------------------------

NOTICE_PARAM = 4
"""Parameter 1 of 0x9280 and 0x9281, as gphoto2 sends them."""


@dataclass(frozen=True, slots=True)
class SonyNotice:
    """The data-out of 0x9280: ``u32 extra`` (0 or 2: how many bytes follow the words),
    three ``u32`` words, then, when extra is 2, ``u8 x, u8 y``: 16 or 18 bytes."""

    extra: int
    word1: int = 0
    word2: int = 0
    word3: int = 0
    x: int = 0
    y: int = 0

    def __post_init__(self) -> None:
        if self.extra not in (0, 2):
            raise LocalProtocolError(f"0x9280 extra must be 0 or 2, not {self.extra!r}")
        for word in (self.word1, self.word2, self.word3):
            _check_u(word, 32, "0x9280 word")
        if (_check_u(self.x, 8, "x") | _check_u(self.y, 8, "y")) and self.extra == 0:
            raise LocalProtocolError("0x9280 x and y are only sent when extra is 2")

    def encode(self) -> bytes:
        buf = Buffer()
        for word in (self.extra, self.word1, self.word2, self.word3):
            buf.push_u32(word)
        if self.extra:
            buf.push_u8(self.x)
            buf.push_u8(self.y)
        return buf.data()

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> SonyNotice:
        buf = Buffer(data)
        extra, word1, word2, word3 = (buf.pull_u32() for _ in range(4))
        if extra not in (0, 2):
            raise DecodeError(f"Sony 0x9280: extra length {extra}, expected 0 or 2")
        x = buf.pull_u8() if extra else 0
        y = buf.pull_u8() if extra else 0
        buf.check_end("Sony 0x9280 notice")
        return cls(extra, word1, word2, word3, x, y)


NOTICE_INIT = SonyNotice(2, 2, 0, 0, 1, 1)
"""Sent at connect: ``u32 2, u32 2, u32 0, u32 0, u8 1, u8 1`` (18 bytes)."""
NOTICE_EXIT = SonyNotice(0, 5, 0, 0)
"""Sent at exit by libgphoto2 2.5.34+: ``u32 0, u32 5, u32 0, u32 0`` (16 bytes)."""


# -- live view ------------------------------------------------------------------------------


def sony_liveview_jpeg(data: bytes | bytearray | memoryview) -> bytes:
    """The JPEG in a GetObject(0xFFFFC002) reply, found as gphoto2 finds it: when the first
    u32 is an offset that points at ``FF D8``, from there; otherwise from the first ``FF D8``."""
    raw = bytes(data)
    if len(raw) > 4:
        offset = int.from_bytes(raw[:4], "little")
        if offset + 1 < len(raw) and raw[offset : offset + 2] == b"\xff\xd8":
            return raw[offset:]
    soi = raw.find(b"\xff\xd8")
    if soi < 0:
        raise DecodeError("Sony live-view data holds no JPEG (no FF D8)")
    return raw[soi:]


# -- human values ---------------------------------------------------------------------------

SONY_ISO_AUTO = 0x00FFFFFF
"""The ISO value (low 24 bits of 0xD21E) that means AUTO."""

_ISO_NOISE_REDUCTION = {1: "Multi Frame NR", 2: "Multi Frame NR High"}


def sony_iso_name(value: int) -> str:
    """0xD21E ISO: the low 24 bits are the ISO (0xFFFFFF = AUTO), the high byte selects
    multi-frame noise reduction (1 standard, 2 high)."""
    base = value & SONY_ISO_AUTO
    text = "AUTO" if base == SONY_ISO_AUTO else str(base)
    mode = value >> 24 & 0xFF
    if mode:
        text += " " + _ISO_NOISE_REDUCTION.get(mode, f"NR mode {mode}")
    return text


def sony_shutter_value(numerator: int, denominator: int) -> int:
    """The 0xD20D value of ``numerator/denominator`` seconds (``sony_shutter_value(1, 250)``)."""
    _check_u(numerator, 16, "numerator")
    _check_u(denominator, 16, "denominator")
    return numerator << 16 | denominator


def sony_shutter_name(value: int) -> str:
    """0xD20D ShutterSpeed: ``numerator << 16 | denominator`` seconds, 0 = ``"Bulb"``.
    Written as gphoto2 writes it: ``"1/250"``, ``"30"`` (300/10 counts as 30), ``"8/10"``."""
    if value == 0:
        return "Bulb"
    numerator, denominator = value >> 16 & 0xFFFF, value & 0xFFFF
    if denominator == 10 and numerator % 10 == 0:
        numerator, denominator = numerator // 10, 1
    return str(numerator) if denominator == 1 else f"{numerator}/{denominator}"


def sony_aperture_name(value: int) -> str:
    """FNumber 0x5007: the f-number times 100 (560 is ``"f/5.6"``)."""
    return f"f/{value / 100:g}"


def sony_battery_name(value: int, minimum: int | None = None, maximum: int | None = None) -> str:
    """0xD218 BatteryLevel (INT8). With the range of the entry's form, a percentage as gphoto2
    computes it (a minimum of -1 counts as 0); without, the value is a percentage; -1 is
    unknown."""
    if minimum is not None and maximum is not None:
        start = 0 if minimum == -1 else minimum
        span = maximum - start + 1
        return "broken range" if span == 0 else f"{(value - start + 1) * 100 // span}%"
    return "Unknown" if value == -1 else f"{value}%"


SONY_VALUE_NAMES: Mapping[int, Mapping[int, str]] = {
    _S.ExposureProgramMode: {
        0x0001: "M", 0x0002: "P", 0x0003: "A", 0x0004: "S", 0x0005: "Creative",
        0x0006: "Action", 0x0007: "Portrait", 0x8000: "Intelligent Auto",
        0x8001: "Superior Auto", 0x8011: "Sports Action", 0x8012: "Sunset",
        0x8013: "Night Scene", 0x8014: "Landscape", 0x8015: "Macro",
        0x8016: "Hand-held Twilight", 0x8017: "Night Portrait", 0x8018: "Anti Motion Blur",
        0x8041: "Sweep Panorama", 0x8050: "Movie (P)", 0x8051: "Movie (A)",
        0x8052: "Movie (S)", 0x8053: "Movie (M)", 0x8054: "Movie (Scene)",
        0x8060: "Intelligent Auto Flash Off", 0x8070: "Picture Effect",
        0x8084: "S&Q Motion (P)", 0x8085: "S&Q Motion (A)", 0x8086: "S&Q Motion (S)",
        0x8087: "S&Q Motion (M)",
    },
    _S.FocusMode: {
        0x0001: "Manual", 0x0002: "AF-S", 0x0003: "Automatic Macro", 0x8004: "AF-C",
        0x8005: "AF-A", 0x8006: "DMF", 0x8007: "Manual Reverse", 0x8008: "AF-D",
        0x8009: "Preset Focus",
    },
    _S.WhiteBalance: {
        0x0001: "Manual", 0x0002: "Automatic", 0x0003: "One-push Automatic",
        0x0004: "Daylight", 0x0005: "Fluorescent", 0x0006: "Tungsten", 0x0007: "Flash",
        0x8001: "Fluorescent: Warm White", 0x8002: "Fluorescent: Cold White",
        0x8003: "Fluorescent: Day White", 0x8004: "Fluorescent: Daylight", 0x8010: "Cloudy",
        0x8011: "Shade", 0x8012: "Color Temperature", 0x8020: "Preset 1",
        0x8021: "Preset 2", 0x8022: "Preset 3", 0x8023: "Preset",
        0x8030: "Underwater: Auto",
    },
    _D.PriorityMode: {0: "Camera", 1: "Application"},
    _D.AutoFocus: {1: "Release", 2: "Press"},
    _D.Capture: {1: "Release", 2: "Press"},
}  # fmt: skip
"""Human names of the values of the common Sony properties, by property code. Exposure
program values of "mode 3" bodies are UINT32; their low 16 bits are looked up here."""


def sony_value_name(
    code: int, value: object, form: PropRange | PropEnum | None = None
) -> str | None:
    """The human name of ``value`` of property ``code`` on a Sony body, or None when not
    known. ``form`` (the entry's) is used for the battery level's range."""
    if not isinstance(value, int):
        return None
    if code == SonyDevicePropCode.ISO:
        return sony_iso_name(value)
    if code in (SonyDevicePropCode.ShutterSpeed, SonyDevicePropCode.ShutterSpeed2):
        return sony_shutter_name(value)
    if code == DevicePropCode.FNumber:
        return sony_aperture_name(value)
    if code == SonyDevicePropCode.BatteryLevel:
        if isinstance(form, PropRange):
            low, high = form.minimum_value, form.maximum_value
            if isinstance(low, int) and isinstance(high, int):
                return sony_battery_name(value, low, high)
        return sony_battery_name(value)
    if code == DevicePropCode.ExposureProgramMode:
        value &= 0xFFFF
    table = SONY_VALUE_NAMES.get(code)
    return None if table is None else table.get(value)
