"""Turning ptpkit's results into text and JSON for the command line."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.filesize import decimal

from ptpkit.aio.client import CameraEvent, CameraObject, EventsDropped, Storage
from ptpkit.proto.codes import (
    AccessCapability,
    CodeKind,
    DevicePropCode,
    FilesystemType,
    StorageType,
    code_name,
)
from ptpkit.proto.datasets import DeviceInfo, DevicePropDesc, PropEnum, PropRange, PtpValue

__all__ = [
    "describe_form",
    "device_info_rows",
    "event_json",
    "event_line",
    "human_size",
    "object_json",
    "pretty_value",
    "rate",
    "storage_json",
]


def human_size(size: int | None) -> str:
    return "?" if size is None else decimal(size)


def rate(nbytes: int, seconds: float) -> str:
    if seconds <= 0:
        return "-"
    return f"{decimal(int(nbytes / seconds))}/s"


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
#: A property value as text (``pretty_value``, or a dialect's human form first).
ValueText = Callable[[int, PtpValue], str]


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


def pretty_value(code: int, value: PtpValue) -> str:
    """A property value as a photographer reads it, with the raw value when it differs."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    shown = str(value)
    if code == DevicePropCode.BatteryLevel:
        return f"{value}%"
    if code == DevicePropCode.FNumber and value:
        return f"f/{value / 100:g} ({value})"
    if code == DevicePropCode.FocalLength and value:
        return f"{value / 100:g} mm ({value})"
    if code == DevicePropCode.ExposureTime and value:
        seconds = value / 10000
        text = f"1/{round(1 / seconds)} s" if seconds < 0.3 else f"{seconds:g} s"
        return f"{text} ({value})"
    if code == DevicePropCode.ExposureBiasCompensation:
        return f"{value / 1000:+g} EV ({value})"
    return shown


def describe_form(desc: DevicePropDesc, shown: ValueText = pretty_value) -> str:
    form = desc.form
    if isinstance(form, PropEnum):
        return ", ".join(shown(desc.device_prop_code, v) for v in form.values)
    if isinstance(form, PropRange):
        return f"{form.minimum_value}..{form.maximum_value} step {form.step_size}"
    return ""


def _value_json(value: PtpValue) -> Any:
    return list(value) if isinstance(value, tuple) else value


def property_json(desc: DevicePropDesc, named: Namer = code_name) -> dict[str, Any]:
    form = desc.form
    result: dict[str, Any] = {
        "name": named("property", desc.device_prop_code),
        "code": desc.device_prop_code,
        "type": desc.data_type.name,
        "writable": bool(desc.get_set),
        "value": _value_json(desc.current_value),
        "default": _value_json(desc.factory_default_value),
    }
    if isinstance(form, PropEnum):
        result["allowed"] = [_value_json(v) for v in form.values]
    elif isinstance(form, PropRange):
        result["range"] = {
            "min": _value_json(form.minimum_value),
            "max": _value_json(form.maximum_value),
            "step": _value_json(form.step_size),
        }
    return result


def event_json(event: CameraEvent | EventsDropped) -> dict[str, Any]:
    if isinstance(event, EventsDropped):
        return {"event": "EventsDropped", "dropped": event.count}
    record: dict[str, Any] = {
        "event": event.name,
        "code": event.code,
        "transaction_id": event.transaction_id,
        "params": list(event.params),
        "source": event.source,
    }
    if event.detail:
        record["detail"] = event.detail
    return record


def event_line(event: CameraEvent | EventsDropped) -> str:
    if isinstance(event, EventsDropped):
        return f"EventsDropped  {event.count} events were lost (the reader fell behind)"
    params = " ".join(f"0x{p:08X}" for p in event.params)
    tid = "-" if event.transaction_id == 0xFFFFFFFF else str(event.transaction_id)
    polled = " (polled)" if event.source == "poll" else ""
    detail = f"  {event.detail}" if event.detail else ""
    return f"{event.name:<20} tid={tid:<6} {params}".rstrip() + detail + polled
