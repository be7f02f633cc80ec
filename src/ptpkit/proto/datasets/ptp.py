"""The PTP datasets: DeviceInfo, StorageInfo, ObjectInfo and DevicePropDesc (reference §3),
each a frozen dataclass with ``encode()``/``decode()`` and its ``pull_*``/``push_*`` pair."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ptpkit.errors import DecodeError, LocalProtocolError
from ptpkit.proto.buffer import Buffer, Fields
from ptpkit.proto.codes import DataType, FormFlag
from ptpkit.proto.datasets.values import (
    _U8_MAX,
    _U16_MAX,
    _U32_MAX,
    _U64_MAX,
    PtpValue,
    _check_int,
    _check_ints,
    _check_str,
    _check_value,
    _decodable,
    _encodable,
    _optional_string,
    parse_ptp_datetime,
    pull_array,
    pull_string,
    pull_value,
    push_array,
    push_string,
    push_value,
)
from ptpkit.proto.records import unchecked_builder

__all__ = [
    "DeviceInfo",
    "DevicePropDesc",
    "ObjectInfo",
    "PropEnum",
    "PropRange",
    "StorageInfo",
    "pull_device_info",
    "pull_device_prop_desc",
    "pull_object_info",
    "pull_storage_info",
    "push_device_info",
    "push_device_prop_desc",
    "push_object_info",
    "push_storage_info",
]


# -- DeviceInfo -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceInfo:
    """The answer to GetDeviceInfo (reference §3.1)."""

    standard_version: int = 100
    vendor_extension_id: int = 0
    vendor_extension_version: int = 0
    vendor_extension_desc: str = ""
    functional_mode: int = 0
    operations_supported: tuple[int, ...] = ()
    events_supported: tuple[int, ...] = ()
    device_properties_supported: tuple[int, ...] = ()
    capture_formats: tuple[int, ...] = ()
    image_formats: tuple[int, ...] = ()
    manufacturer: str = ""
    model: str = ""
    device_version: str = ""
    serial_number: str = ""

    def __post_init__(self) -> None:
        _check_int(self.standard_version, 0, _U16_MAX, "standard_version")
        _check_int(self.vendor_extension_id, 0, _U32_MAX, "vendor_extension_id")
        _check_int(self.vendor_extension_version, 0, _U16_MAX, "vendor_extension_version")
        _check_int(self.functional_mode, 0, _U16_MAX, "functional_mode")
        _check_ints(self.operations_supported, 0, _U16_MAX, "operations_supported")
        _check_ints(self.events_supported, 0, _U16_MAX, "events_supported")
        _check_ints(self.device_properties_supported, 0, _U16_MAX, "device_properties_supported")
        _check_ints(self.capture_formats, 0, _U16_MAX, "capture_formats")
        _check_ints(self.image_formats, 0, _U16_MAX, "image_formats")
        _check_str(self.vendor_extension_desc, "vendor_extension_desc")
        _check_str(self.manufacturer, "manufacturer")
        _check_str(self.model, "model")
        _check_str(self.device_version, "device_version")
        _check_str(self.serial_number, "serial_number")

    def encode(self) -> bytes:
        buf = Buffer()
        push_device_info(buf, self)
        return buf.data()

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> DeviceInfo:
        buf = Buffer(data)
        info = pull_device_info(buf)
        buf.check_end("DeviceInfo", allow_trailing=True)
        return info


def pull_device_info(buf: Buffer) -> DeviceInfo:
    """Everything up to ImageFormats is required; the four strings after it may be missing."""
    return DeviceInfo(
        standard_version=buf.pull_u16(),
        vendor_extension_id=buf.pull_u32(),
        vendor_extension_version=buf.pull_u16(),
        vendor_extension_desc=pull_string(buf),
        functional_mode=buf.pull_u16(),
        operations_supported=pull_array(buf, DataType.UINT16),
        events_supported=pull_array(buf, DataType.UINT16),
        device_properties_supported=pull_array(buf, DataType.UINT16),
        capture_formats=pull_array(buf, DataType.UINT16),
        image_formats=pull_array(buf, DataType.UINT16),
        manufacturer=_optional_string(buf),
        model=_optional_string(buf),
        device_version=_optional_string(buf),
        serial_number=_optional_string(buf),
    )


def push_device_info(buf: Buffer, info: DeviceInfo) -> None:
    buf.push_u16(info.standard_version)
    buf.push_u32(info.vendor_extension_id)
    buf.push_u16(info.vendor_extension_version)
    push_string(buf, info.vendor_extension_desc)
    buf.push_u16(info.functional_mode)
    push_array(buf, DataType.UINT16, info.operations_supported)
    push_array(buf, DataType.UINT16, info.events_supported)
    push_array(buf, DataType.UINT16, info.device_properties_supported)
    push_array(buf, DataType.UINT16, info.capture_formats)
    push_array(buf, DataType.UINT16, info.image_formats)
    push_string(buf, info.manufacturer)
    push_string(buf, info.model)
    push_string(buf, info.device_version)
    push_string(buf, info.serial_number)


# -- StorageInfo ------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class StorageInfo:
    """The answer to GetStorageInfo (reference §3.2). 0xFFFFFFFF images = not supported."""

    storage_type: int = 0
    filesystem_type: int = 0
    access_capability: int = 0
    max_capacity: int = 0
    free_space_in_bytes: int = 0
    free_space_in_images: int = _U32_MAX
    storage_description: str = ""
    volume_label: str = ""

    def __post_init__(self) -> None:
        _check_int(self.storage_type, 0, _U16_MAX, "storage_type")
        _check_int(self.filesystem_type, 0, _U16_MAX, "filesystem_type")
        _check_int(self.access_capability, 0, _U16_MAX, "access_capability")
        _check_int(self.max_capacity, 0, _U64_MAX, "max_capacity")
        _check_int(self.free_space_in_bytes, 0, _U64_MAX, "free_space_in_bytes")
        _check_int(self.free_space_in_images, 0, _U32_MAX, "free_space_in_images")
        _check_str(self.storage_description, "storage_description")
        _check_str(self.volume_label, "volume_label")

    def encode(self) -> bytes:
        buf = Buffer()
        push_storage_info(buf, self)
        return buf.data()

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> StorageInfo:
        buf = Buffer(data)
        info = pull_storage_info(buf)
        buf.check_end("StorageInfo", allow_trailing=True)
        return info


def pull_storage_info(buf: Buffer) -> StorageInfo:
    """The 26 fixed bytes are required; the two strings may be missing (libgphoto2 allows it)."""
    return StorageInfo(
        storage_type=buf.pull_u16(),
        filesystem_type=buf.pull_u16(),
        access_capability=buf.pull_u16(),
        max_capacity=buf.pull_u64(),
        free_space_in_bytes=buf.pull_u64(),
        free_space_in_images=buf.pull_u32(),
        storage_description=_optional_string(buf),
        volume_label=_optional_string(buf),
    )


def push_storage_info(buf: Buffer, info: StorageInfo) -> None:
    buf.push_u16(info.storage_type)
    buf.push_u16(info.filesystem_type)
    buf.push_u16(info.access_capability)
    buf.push_u64(info.max_capacity)
    buf.push_u64(info.free_space_in_bytes)
    buf.push_u32(info.free_space_in_images)
    push_string(buf, info.storage_description)
    push_string(buf, info.volume_label)


# -- ObjectInfo -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectInfo:
    """The answer to GetObjectInfo and the data of SendObjectInfo (reference §3.3).

    Only ``filename`` is required. The dates are the raw PTP DateTime strings, so that a
    dataset re-encodes as it came in; :attr:`capture_datetime` and
    :attr:`modification_datetime` parse them. Build them with :func:`format_ptp_datetime`.
    """

    storage_id: int = 0
    object_format: int = 0x3000  # ObjectFormat.Undefined
    protection_status: int = 0
    object_compressed_size: int = 0
    thumb_format: int = 0
    thumb_compressed_size: int = 0
    thumb_pix_width: int = 0
    thumb_pix_height: int = 0
    image_pix_width: int = 0
    image_pix_height: int = 0
    image_bit_depth: int = 0
    parent_object: int = 0
    association_type: int = 0
    association_desc: int = 0
    sequence_number: int = 0
    filename: str
    capture_date: str = ""
    modification_date: str = ""
    keywords: str = ""

    def __post_init__(self) -> None:
        # The 15 integers are checked in one step by packing them; only when that fails
        # are they checked one by one, to name the culprit.
        try:
            _OBJECT_INFO_FIXED.pack(*_object_info_ints(self))
        except LocalProtocolError:
            for name, minimum, maximum in _OBJECT_INFO_RANGES:
                _check_int(getattr(self, name), minimum, maximum, name)
            raise
        _check_str(self.filename, "filename")
        _check_str(self.capture_date, "capture_date")
        _check_str(self.modification_date, "modification_date")
        _check_str(self.keywords, "keywords")

    @property
    def capture_datetime(self) -> datetime | None:
        return parse_ptp_datetime(self.capture_date)

    @property
    def modification_datetime(self) -> datetime | None:
        return parse_ptp_datetime(self.modification_date)

    def encode(self) -> bytes:
        buf = Buffer()
        push_object_info(buf, self)
        return buf.data()

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> ObjectInfo:
        buf = Buffer(data)
        info = pull_object_info(buf)
        buf.check_end("ObjectInfo", allow_trailing=True)
        return info


#: The 52 bytes of ObjectInfo before Filename: StorageID … SequenceNumber.
_OBJECT_INFO_FIXED = Fields("IHHIHIIIIIIIHII")
_OBJECT_INFO_RANGES: tuple[tuple[str, int, int], ...] = (
    ("storage_id", 0, _U32_MAX),
    ("object_format", 0, _U16_MAX),
    ("protection_status", 0, _U16_MAX),
    ("object_compressed_size", 0, _U32_MAX),
    ("thumb_format", 0, _U16_MAX),
    ("thumb_compressed_size", 0, _U32_MAX),
    ("thumb_pix_width", 0, _U32_MAX),
    ("thumb_pix_height", 0, _U32_MAX),
    ("image_pix_width", 0, _U32_MAX),
    ("image_pix_height", 0, _U32_MAX),
    ("image_bit_depth", 0, _U32_MAX),
    ("parent_object", 0, _U32_MAX),
    ("association_type", 0, _U16_MAX),
    ("association_desc", 0, _U32_MAX),
    ("sequence_number", 0, _U32_MAX),
)


def _object_info_ints(info: ObjectInfo) -> tuple[int, ...]:
    """The fields of :data:`_OBJECT_INFO_FIXED`, in wire order."""
    return (
        info.storage_id,
        info.object_format,
        info.protection_status,
        info.object_compressed_size,
        info.thumb_format,
        info.thumb_compressed_size,
        info.thumb_pix_width,
        info.thumb_pix_height,
        info.image_pix_width,
        info.image_pix_height,
        info.image_bit_depth,
        info.parent_object,
        info.association_type,
        info.association_desc,
        info.sequence_number,
    )


# Decoded fields fit by construction (15 unsigned integers of their wire widths, then
# strings): a listing decodes thousands of ObjectInfos, built without re-checking them.
_build_object_info = unchecked_builder(ObjectInfo)


def pull_object_info(buf: Buffer) -> ObjectInfo:
    """Everything up to Filename is required; the dates and keywords may be missing."""
    ints = buf.pull_fields(_OBJECT_INFO_FIXED)  # StorageID … SequenceNumber, in field order
    return _build_object_info(
        *ints,
        pull_string(buf),  # filename
        _optional_string(buf),  # capture_date
        _optional_string(buf),  # modification_date
        _optional_string(buf),  # keywords
    )


def push_object_info(buf: Buffer, info: ObjectInfo) -> None:
    """Refuses an empty filename: libgphoto2 misreads the dataset that follows (§1.12)."""
    if not info.filename:
        raise LocalProtocolError("ObjectInfo.filename must not be empty")
    buf.push_fields(_OBJECT_INFO_FIXED, *_object_info_ints(info))
    push_string(buf, info.filename)
    push_string(buf, info.capture_date)
    push_string(buf, info.modification_date)
    push_string(buf, info.keywords)


# -- DevicePropDesc ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PropRange:
    """Range form: every value from minimum to maximum in steps of step_size."""

    minimum_value: PtpValue
    maximum_value: PtpValue
    step_size: PtpValue


@dataclass(frozen=True, slots=True)
class PropEnum:
    """Enumeration form: the allowed values (at most 65535: the count is a UINT16)."""

    values: tuple[PtpValue, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.values, tuple):
            raise LocalProtocolError(
                f"PropEnum.values must be a tuple, not {type(self.values).__name__}"
            )
        if len(self.values) > _U16_MAX:
            raise LocalProtocolError(f"PropEnum: {len(self.values)} values, at most {_U16_MAX}")


@dataclass(frozen=True, slots=True, kw_only=True)
class DevicePropDesc:
    """The answer to GetDevicePropDesc (reference §3.4).

    Every value (default, current, and those of the form) is of ``data_type``; a plain int
    given as ``data_type`` is turned into a :class:`DataType`.
    """

    device_prop_code: int
    data_type: DataType
    get_set: int = 0
    factory_default_value: PtpValue
    current_value: PtpValue
    form: PropRange | PropEnum | None = None

    def __post_init__(self) -> None:
        _check_int(self.device_prop_code, 0, _U16_MAX, "device_prop_code")
        dt = _encodable(self.data_type)
        object.__setattr__(self, "data_type", dt)  # frozen: normalise int → DataType
        _check_int(self.get_set, 0, _U8_MAX, "get_set")
        _check_value(dt, self.factory_default_value, "factory_default_value")
        _check_value(dt, self.current_value, "current_value")
        form = self.form
        if isinstance(form, PropRange):
            _check_value(dt, form.minimum_value, "minimum_value")
            _check_value(dt, form.maximum_value, "maximum_value")
            _check_value(dt, form.step_size, "step_size")
        elif isinstance(form, PropEnum):
            for value in form.values:
                _check_value(dt, value, "enumeration value")
        elif form is not None:
            raise LocalProtocolError(f"form must be PropRange, PropEnum or None: {form!r}")

    @property
    def form_flag(self) -> FormFlag:
        if isinstance(self.form, PropRange):
            return FormFlag.Range
        if isinstance(self.form, PropEnum):
            return FormFlag.Enumeration
        return FormFlag.NONE

    def encode(self) -> bytes:
        buf = Buffer()
        push_device_prop_desc(buf, self)
        return buf.data()

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> DevicePropDesc:
        buf = Buffer(data)
        desc = pull_device_prop_desc(buf)
        buf.check_end("DevicePropDesc", allow_trailing=True)
        return desc


def pull_device_prop_desc(buf: Buffer) -> DevicePropDesc:
    """A descriptor that ends right after the current value has no form."""
    code = buf.pull_u16()
    dt = _decodable(buf.pull_u16())
    get_set = buf.pull_u8()
    default = pull_value(buf, dt)
    current = pull_value(buf, dt)
    form: PropRange | PropEnum | None = None
    if not buf.eof():
        flag = buf.pull_u8()
        if flag == FormFlag.Range:
            form = PropRange(pull_value(buf, dt), pull_value(buf, dt), pull_value(buf, dt))
        elif flag == FormFlag.Enumeration:
            count = buf.pull_u16()
            form = PropEnum(tuple(pull_value(buf, dt) for _ in range(count)))
        elif flag != FormFlag.NONE:
            raise DecodeError(f"DevicePropDesc 0x{code:04X}: unknown FormFlag {flag}")
    return DevicePropDesc(
        device_prop_code=code,
        data_type=dt,
        get_set=get_set,
        factory_default_value=default,
        current_value=current,
        form=form,
    )


def push_device_prop_desc(buf: Buffer, desc: DevicePropDesc) -> None:
    dt = desc.data_type
    buf.push_u16(desc.device_prop_code)
    buf.push_u16(dt)
    buf.push_u8(desc.get_set)
    push_value(buf, dt, desc.factory_default_value)
    push_value(buf, dt, desc.current_value)
    form = desc.form
    buf.push_u8(desc.form_flag)
    if isinstance(form, PropRange):
        push_value(buf, dt, form.minimum_value)
        push_value(buf, dt, form.maximum_value)
        push_value(buf, dt, form.step_size)
    elif isinstance(form, PropEnum):
        buf.push_u16(len(form.values))
        for value in form.values:
            push_value(buf, dt, value)
