"""Sony's vendor datasets: GetSDIOGetExtDeviceInfo 0x9202 (:class:`SonyExtDeviceInfo`),
the GetAllDevicePropData 0x9209 blob (:class:`SonyPropertyBlob` of
:class:`SonyPropertyEntry`), SetControlDeviceA/B data (:class:`ControlDeviceData`), the
0x9280 notices (:class:`SonyNotice`) and the live-view frame. The decisions behind them
are in :mod:`ptpkit.proto.vendors.sony`; import them from there."""

from __future__ import annotations

from dataclasses import dataclass

from ptpkit.errors import DecodeError, LocalProtocolError
from ptpkit.proto.buffer import Buffer
from ptpkit.proto.codes import DataType, FormFlag
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
from ptpkit.proto.vendors._wire import check_uint, check_uints

__all__ = [
    "NOTICE_EXIT", "NOTICE_INIT", "NOTICE_PARAM", "SECOND_ENUM_LIMIT", "ControlDeviceData",
    "SonyExtDeviceInfo", "SonyNotice", "SonyPropertyBlob", "SonyPropertyEntry",
    "sony_liveview_jpeg",
]  # fmt: skip

# -- helpers --------------------------------------------------------------------------------


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
        check_uint(self.version, 16, "version")
        check_uints(self.codes, 16, "codes")
        if self.controls is not None:
            check_uints(self.controls, 16, "controls")

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
        check_uint(self.is_enabled, 8, "is_enabled")
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
            check_uint(word, 32, "0x9280 word")
        if (check_uint(self.x, 8, "x") | check_uint(self.y, 8, "y")) and self.extra == 0:
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
