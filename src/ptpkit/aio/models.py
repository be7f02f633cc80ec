"""What the client hands out (responses, events, storages, objects) and the small helpers
that turn the user's words into codes and values (property and format names, shell
patterns, typed values). No I/O here: every other client module may import this one.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Literal, Protocol, Union

from ptpkit.errors import NotFoundError
from ptpkit.proto.codes import (
    DataType,
    DevicePropCode,
    MtpDevicePropCode,
    ObjectFormat,
    code_name,
    is_image,
)
from ptpkit.proto.datasets import ObjectInfo, PtpValue, StorageInfo

if TYPE_CHECKING:
    from ptpkit.proto.vendors.base import Vendor

#: ``progress(done, total)``: bytes so far (resumed bytes included) and the total, if known.
ProgressCallback = Callable[[int, "int | None"], object]


# -- what the client hands out ---------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Response:
    """The Operation Response that ended a transaction (and the data-in, if kept)."""

    code: int
    params: tuple[int, ...]
    transaction_id: int
    data: bytes = b""
    data_length: int = 0

    @property
    def name(self) -> str:
        return code_name("response", self.code)


#: Where an event came from: the PTP/IP event channel, or polling a vendor operation
#: (Nikon GetEvent, Canon EOS GetEvent, ...) on the command channel.
EventSource = Literal["channel", "poll"]


@dataclass(frozen=True, slots=True)
class CameraEvent:
    """A PTP event from the camera; ``code`` is an :class:`EventCode` when known.

    ``source`` says how it arrived: ``"channel"`` (the PTP/IP event connection) or
    ``"poll"`` (the dialect polled a vendor operation for it). ``vendor`` names vendor
    event codes (``ObjectAddedInSDRAM`` rather than ``0xC101``). ``detail``: what a
    vendor's event record said beyond the code and parameters, in words (a new object's
    file name, ``"iso = 400"`` for a property change), when the dialect knows it.
    """

    code: int
    transaction_id: int
    params: tuple[int, ...]
    source: EventSource = "channel"
    vendor: Vendor | None = field(default=None, compare=False, repr=False)
    detail: str | None = field(default=None, compare=False)

    @property
    def name(self) -> str:
        from ptpkit.proto.vendors.base import vendor_code_name  # loaded on first use

        return vendor_code_name(self.vendor, "event", self.code)


@dataclass(frozen=True, slots=True)
class EventsDropped:
    """``count`` events were dropped here because the consumer fell behind the queue bound."""

    count: int

    @property
    def name(self) -> str:
        return "EventsDropped"


@dataclass(frozen=True, slots=True)
class Storage:
    """A storage (card, internal memory) and its StorageInfo."""

    storage_id: int
    info: StorageInfo

    @property
    def name(self) -> str:
        """The path component naming this storage, as gphoto2 spells it (store_00010001)."""
        return f"store_{self.storage_id:08x}"

    @property
    def label(self) -> str:
        return self.info.volume_label or self.info.storage_description or self.name


@dataclass(frozen=True, slots=True)
class CameraObject:
    """An object on the camera with its ObjectInfo and its full path.

    ``path`` is ``/store_XXXXXXXX/folder/…/name``; ``size`` is in bytes, or ``None`` for an
    object of 4 GiB or more whose 64-bit size the camera did not tell.
    """

    handle: int
    info: ObjectInfo
    path: str
    size: int | None

    @property
    def name(self) -> str:
        return self.info.filename

    @property
    def storage_id(self) -> int:
        return self.info.storage_id

    @property
    def parent(self) -> int:
        return self.info.parent_object

    @property
    def format(self) -> int:
        return self.info.object_format

    @property
    def format_name(self) -> str:
        return code_name("format", self.info.object_format)

    @property
    def is_folder(self) -> bool:
        return self.info.object_format == ObjectFormat.Association

    @property
    def relative_path(self) -> str:
        """The path inside its storage, without the ``/store_…/`` prefix."""
        parts = self.path.split("/", 2)
        return parts[2] if len(parts) > 2 else ""

    @property
    def captured(self) -> datetime | None:
        return self.info.capture_datetime or self.info.modification_datetime

    @property
    def modified(self) -> datetime | None:
        return self.info.modification_datetime or self.info.capture_datetime


class _Writable(Protocol):
    def write(self, data: bytes, /) -> object: ...


#: Where a data-in phase goes: a callable taking each chunk, or anything with ``write``.
Sink = Union[Callable[[bytes], object], _Writable]


# -- names of codes ----------------------------------------------------------------------
def _norm(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


_PROP_NAMES: dict[str, int] = {}
for _enum in (MtpDevicePropCode, DevicePropCode):
    for _member in _enum:
        _PROP_NAMES[_norm(_member.name)] = _member.value

_FORMAT_NAMES: dict[str, int] = {_norm(m.name): m.value for m in ObjectFormat}
_FORMAT_NAMES.update(
    {
        "jpeg": ObjectFormat.EXIF_JPEG,
        "jpg": ObjectFormat.EXIF_JPEG,
        "tif": ObjectFormat.TIFF,
        "folder": ObjectFormat.Association,
        "mov": ObjectFormat.QuickTime,
        "text": ObjectFormat.Text,
        "txt": ObjectFormat.Text,
    }
)


def _parse_int(text: str) -> int | None:
    try:
        return int(text, 0)
    except ValueError:
        try:
            return int(text, 16) if re.fullmatch(r"[0-9a-fA-F]{4}", text) else None
        except ValueError:  # pragma: no cover - the pattern guarantees hex
            return None


def property_code(prop: str | int) -> int:
    """A device property code from a code or a name, e.g. ``"batterylevel"``,
    ``"BatteryLevel"``, ``"battery_level"``, ``"0x5001"`` or ``0x5001``."""
    if isinstance(prop, int):
        return prop
    code = _PROP_NAMES.get(_norm(prop))
    if code is not None:
        return code
    number = _parse_int(prop.strip())
    if number is None or not 0 <= number <= 0xFFFF:
        raise NotFoundError(f"no device property named {prop!r}")
    return number


def format_code(fmt: str | int) -> int:
    """An object format code from a code or a name (``"EXIF_JPEG"``, ``"jpeg"``, ``"0x3801"``)."""
    if isinstance(fmt, int):
        return fmt
    code = _FORMAT_NAMES.get(_norm(fmt))
    if code is not None:
        return code
    number = _parse_int(fmt.strip())
    if number is None or not 0 <= number <= 0xFFFF:
        raise NotFoundError(f"no object format named {fmt!r}")
    return number


def coerce_value(data_type: DataType, value: PtpValue | str) -> PtpValue:
    """Turn text into a value of ``data_type`` (ints accept 0x…; arrays are comma lists)."""
    if not isinstance(value, str) or data_type is DataType.STR:
        return value
    text = value.strip()
    try:
        if data_type.is_array:
            return tuple(int(part, 0) for part in text.split(",") if part.strip())
        return int(text, 0)
    except ValueError:
        raise ValueError(f"{value!r} is not a valid {data_type.name} value") from None


def _strip_storage(path: str) -> tuple[str | None, str]:
    """Split ``/store_00010001/a/b`` into ("store_00010001", "a/b"); other paths have no
    storage part."""
    clean = path.strip().strip("/")
    head, _, rest = clean.partition("/")
    if re.fullmatch(r"store_[0-9a-fA-F]{8}", head):
        return head.lower(), rest.strip("/")
    return None, clean


def object_matcher(pattern: str) -> Callable[[CameraObject], bool]:
    """A case-insensitive shell pattern as a test on objects: on the name, or, when the
    pattern contains ``/``, on the full path or the path inside the storage."""
    pat = pattern.lower()
    if "/" not in pat:
        return lambda obj: fnmatch.fnmatchcase(obj.name.lower(), pat)
    bare = pat.strip("/")

    def by_path(obj: CameraObject) -> bool:
        full = obj.path.lower().strip("/")
        return fnmatch.fnmatchcase(full, bare) or fnmatch.fnmatchcase(
            obj.relative_path.lower(), bare
        )

    return by_path


def _at_or_after(when: datetime | None, since: datetime) -> bool:
    if when is None:
        return False
    if (when.tzinfo is None) != (since.tzinfo is None):
        when = when.replace(tzinfo=None)
        since = since.replace(tzinfo=None)
    return when >= since


#: Raw files that cameras list under a format that is no image's (Nikon's NEF as 0x3000).
# fmt: off
_RAW_SUFFIXES = frozenset([
    ".nef", ".nrw", ".cr2", ".cr3", ".crw", ".arw", ".srf", ".sr2", ".raf", ".orf", ".rw2",
    ".raw", ".pef", ".srw", ".dng", ".x3f", ".3fr", ".iiq", ".erf", ".kdc", ".dcr", ".mrw",
    ".mef", ".mos", ".rwl",
])
# fmt: on
_CLOCK_SLACK = timedelta(seconds=2)  # dates have whole seconds; a capture takes a moment


def could_be_picture(info: ObjectInfo, since: datetime | None = None) -> bool:
    """Whether an object could be a still picture just taken, for captures that must tell
    their picture from someone else's new objects: an image format (0x38xx), a vendor's
    image format (0xB000-0xB7FF: Canon's and Sony's raw) or a raw file's name, not a
    folder; and, when ``since`` (the camera's clock when the capture began) is given and
    the object says when it was captured, captured then or later."""
    code = info.object_format
    picture = (
        is_image(code)
        or 0xB000 <= code <= 0xB7FF
        or PurePosixPath(info.filename).suffix.lower() in _RAW_SUFFIXES
    )
    if not picture:
        return False
    taken = info.capture_datetime or info.modification_datetime
    return since is None or taken is None or _at_or_after(taken, since - _CLOCK_SLACK)
