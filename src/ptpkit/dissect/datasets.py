"""Datasets in data phases, decoded to JSON-ready dicts, and what a capture has shown about
each device: :class:`Device`.

:class:`Device` is where vendor knowledge enters the dissector. Its vendor is chosen from the
device's DeviceInfo (:func:`~ptpkit.proto.vendors.registry.find_vendor`); from then on
:meth:`Device.code_name` names operation, response, event and property codes the way that
vendor does, and :meth:`Device.dataset_name` / :meth:`Device.decode` decode the data phase of
the vendor's operations with the decoders its :class:`~ptpkit.proto.vendors.base.Vendor`
declares. A vendor module in :mod:`ptpkit.proto.vendors` fills both; nothing here changes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, is_dataclass
from enum import IntEnum

from ptpkit.proto.codes import CodeKind, DataType, OperationCode
from ptpkit.proto.datasets import (
    DeviceInfo,
    DevicePropDesc,
    ObjectInfo,
    PropEnum,
    PropRange,
    StorageInfo,
    decode_u32_array,
    decode_value,
)
from ptpkit.proto.vendors.base import Vendor, vendor_code_name
from ptpkit.proto.vendors.registry import find_vendor

__all__ = ["STANDARD_DATASETS", "Device"]

#: Operations whose data phase we decode, and the dataset each carries.
STANDARD_DATASETS: dict[int, str] = {
    OperationCode.GetDeviceInfo: "DeviceInfo",
    OperationCode.GetStorageIDs: "StorageIDs",
    OperationCode.GetStorageInfo: "StorageInfo",
    OperationCode.GetObjectHandles: "ObjectHandles",
    OperationCode.GetObjectInfo: "ObjectInfo",
    OperationCode.SendObjectInfo: "ObjectInfo",
    OperationCode.GetDevicePropDesc: "DevicePropDesc",
    OperationCode.GetDevicePropValue: "DevicePropValue",
    OperationCode.SetDevicePropValue: "DevicePropValue",
}


def _plain(value: object, vendor: Vendor | None = None) -> object:
    """JSON-ready: tuples become lists, enum members plain ints, dicts recurse, bytes become
    hex, and dataclasses (in a vendor's dataset) objects of their own (:func:`_object_dict`)."""
    if isinstance(value, IntEnum):
        return int(value)
    if isinstance(value, (tuple, list)):
        return [_plain(v, vendor) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v, vendor) for k, v in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        return _object_dict(value, vendor)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    return value


def _object_dict(obj: object, vendor: Vendor | None) -> dict[str, object]:
    """A vendor's dataclass: ``type`` (its class name), then its fields, each made JSON-ready
    the same way (so a list of records keeps each record's class). A record of a vendor's
    event list (one with an integer ``record_type``, e.g. a Canon EOS GetEvent record) also
    gets ``record_type`` and ``record_name``, named as the vendor's event codes."""
    out: dict[str, object] = {"type": type(obj).__name__}
    record_type = getattr(obj, "record_type", None)
    if isinstance(record_type, int) and not isinstance(record_type, bool):
        out["record_type"] = int(record_type)
        out["record_name"] = vendor_code_name(vendor, "event", record_type)
    for item in fields(obj):  # type: ignore[arg-type]
        if item.name != "record_type":
            out[item.name] = _plain(getattr(obj, item.name), vendor)
    return out


def _prop_desc_dict(desc: DevicePropDesc) -> dict[str, object]:
    """A DevicePropDesc with its form flattened: form_flag, then the form's fields."""
    out: dict[str, object] = {
        "device_prop_code": desc.device_prop_code,
        "data_type": int(desc.data_type),
        "get_set": desc.get_set,
        "factory_default_value": _plain(desc.factory_default_value),
        "current_value": _plain(desc.current_value),
        "form_flag": int(desc.form_flag),
    }
    form = desc.form
    if isinstance(form, PropRange):
        out["minimum_value"] = _plain(form.minimum_value)
        out["maximum_value"] = _plain(form.maximum_value)
        out["step_size"] = _plain(form.step_size)
    elif isinstance(form, PropEnum):
        out["supported_values"] = _plain(form.values)
    return out


def _dataclass_dict(kind: str, obj: DeviceInfo | StorageInfo | ObjectInfo) -> dict[str, object]:
    out: dict[str, object] = {"type": kind}
    for key, value in asdict(obj).items():
        out[key] = _plain(value)
    return out


@dataclass(slots=True)
class Device:
    """What the capture has shown so far about one responder (address and port): its vendor,
    from its DeviceInfo, and the data type of each property, from its DevicePropDescs.

    Both outlive a connection, which covers gphoto2's one-connection-per-run habit.
    """

    vendor: Vendor | None = None
    prop_types: dict[int, DataType] = field(default_factory=dict)

    def code_name(self, kind: CodeKind, code: int) -> str:
        """``code``'s name as this device's vendor calls it, else the standard name."""
        return vendor_code_name(self.vendor, kind, code)

    def dataset_name(self, code: int) -> str | None:
        """What the data phase of operation ``code`` carries, when it is decoded; else None."""
        name = STANDARD_DATASETS.get(code)
        if name is None and self.vendor is not None and code in self.vendor.datasets:
            name = self.code_name("operation", code)
        return name

    def decode(self, code: int, params: tuple[int, ...], data: bytes) -> dict[str, object] | None:
        """The dataset of operation ``code``'s data phase (``dataset_name(code)`` is not None),
        or None when it cannot be decoded yet. Raises what the codec raises."""
        kind = STANDARD_DATASETS.get(code)
        if kind is None:
            decoder = None if self.vendor is None else self.vendor.datasets.get(code)
            if decoder is None:
                return None
            return self._name_events(
                _vendor_dict(self.code_name("operation", code), decoder(data), self.vendor)
            )
        if kind == "DeviceInfo":
            info = DeviceInfo.decode(data)
            self.vendor = find_vendor(info.vendor_extension_id, info.manufacturer)
            return _dataclass_dict(kind, info)
        if kind == "StorageInfo":
            return _dataclass_dict(kind, StorageInfo.decode(data))
        if kind == "ObjectInfo":
            return _dataclass_dict(kind, ObjectInfo.decode(data))
        if kind == "StorageIDs":
            return {"type": kind, "ids": list(decode_u32_array(data))}
        if kind == "ObjectHandles":
            return {"type": kind, "handles": list(decode_u32_array(data))}
        if kind == "DevicePropDesc":
            desc = DevicePropDesc.decode(data)
            self.prop_types[desc.device_prop_code] = desc.data_type
            name = self.code_name("property", desc.device_prop_code)
            return {"type": kind, "device_prop_name": name, **_prop_desc_dict(desc)}
        # DevicePropValue: only when an earlier DevicePropDesc gave the data type.
        if not params:
            return None
        data_type = self.prop_types.get(params[0])
        if data_type is None:
            return None
        value = decode_value(data_type, data)
        return {
            "type": kind,
            "device_prop_code": params[0],
            "device_prop_name": self.code_name("property", params[0]),
            "data_type": int(data_type),
            "value": _plain(value),
        }

    def _name_events(self, dataset: dict[str, object]) -> dict[str, object]:
        """A vendor's event list (a dataset with ``events``, each with a ``code``, such as
        Nikon's GetEvent data): each event gets its ``name`` as the vendor calls it."""
        events = dataset.get("events")
        if isinstance(events, list):
            for event in events:
                if isinstance(event, dict) and isinstance(event.get("code"), int):
                    event["name"] = self.code_name("event", event["code"])
        return dataset


def _vendor_dict(operation: str, decoded: object, vendor: Vendor | None) -> dict[str, object]:
    """A vendor dataset: a dataclass gives its class name and fields, anything else (a list
    of records, say) its value under the operation's name."""
    if is_dataclass(decoded) and not isinstance(decoded, type):
        return _object_dict(decoded, vendor)
    return {"type": operation, "value": _plain(decoded, vendor)}
