"""Turning ptpkit's results into text and JSON for the command line."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ptpkit.aio.client import CameraObject, Storage
from ptpkit.proto.codes import (
    AccessCapability,
    CodeKind,
    FilesystemType,
    StorageType,
    code_name,
)
from ptpkit.proto.datasets import DeviceInfo

__all__ = [
    "device_info_rows",
    "human_size",
    "object_json",
    "rate",
    "storage_json",
]


def _decimal(size: int) -> str:
    """``1.2 MB``: decimal units, as rich and most file managers show sizes."""
    if size == 1:
        return "1 byte"
    if size < 1000:
        return f"{size:,} bytes"
    for power, unit in enumerate(("kB", "MB", "GB", "TB", "PB", "EB"), start=2):
        if size < 1000**power or unit == "EB":
            return f"{size / 1000 ** (power - 1):,.1f} {unit}"
    return f"{size:,} bytes"  # pragma: no cover - the loop always returns


def human_size(size: int | None) -> str:
    return "?" if size is None else _decimal(size)


def rate(nbytes: int, seconds: float) -> str:
    if seconds <= 0:
        return "-"
    return f"{_decimal(int(nbytes / seconds))}/s"


def _iso(obj: CameraObject, which: str) -> str | None:
    when = obj.captured if which == "captured" else obj.modified
    return None if when is None else when.isoformat()


def object_json(obj: CameraObject) -> dict[str, Any]:
    return {
        "path": obj.path,
        "name": obj.name,
        "handle": obj.handle,
        "size": obj.size,
        "folder": obj.is_folder,
        "format": obj.format,
        "format_name": obj.format_name,
        "storage_id": obj.storage_id,
        "parent": obj.parent,
        "captured": _iso(obj, "captured"),
        "modified": _iso(obj, "modified"),
    }


def _enum_name(enum: Any, value: int) -> str:
    try:
        return str(enum(value).name)
    except ValueError:
        return f"0x{value:04X}"


def storage_json(storage: Storage) -> dict[str, Any]:
    info = storage.info
    return {
        "storage_id": storage.storage_id,
        "name": storage.name,
        "description": info.storage_description,
        "volume_label": info.volume_label,
        "type": _enum_name(StorageType, info.storage_type),
        "filesystem": _enum_name(FilesystemType, info.filesystem_type),
        "access": _enum_name(AccessCapability, info.access_capability),
        "max_capacity": info.max_capacity,
        "free_space": info.free_space_in_bytes,
        "free_images": None
        if info.free_space_in_images == 0xFFFFFFFF
        else info.free_space_in_images,
    }


#: Names a code of a kind (``code_name``, or a dialect's, which knows its vendor's codes).
Namer = Callable[[CodeKind, int], str]


def device_info_rows(
    info: DeviceInfo, named: Namer = code_name, properties: Sequence[int] | None = None
) -> list[tuple[str, str]]:
    """DeviceInfo as rows; ``properties``: every property the camera has (DeviceInfo's
    and its vendor's), when the dialect knows more than DeviceInfo."""
    codes = info.device_properties_supported if properties is None else properties
    ops = ", ".join(named("operation", c) for c in info.operations_supported)
    events = ", ".join(named("event", c) for c in info.events_supported)
    props = ", ".join(named("property", c) for c in codes)
    formats = ", ".join(named("format", c) for c in info.image_formats)
    vendor = f"0x{info.vendor_extension_id:X}"
    if info.vendor_extension_desc:
        vendor += f" ({info.vendor_extension_desc})"
    return [
        ("Manufacturer", info.manufacturer),
        ("Model", info.model),
        ("Version", info.device_version),
        ("Serial number", info.serial_number),
        ("PTP version", f"{info.standard_version / 100:.2f}"),
        ("Vendor extension", vendor),
        ("Operations", f"{len(info.operations_supported)}: {ops}"),
        ("Events", f"{len(info.events_supported)}: {events}"),
        ("Properties", f"{len(codes)}: {props}"),
        ("Image formats", formats),
    ]
