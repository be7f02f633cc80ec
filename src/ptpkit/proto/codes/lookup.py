"""Tables over every code: the data direction of each operation, and a name for any value.

:func:`code_name` turns any integer into a readable name and never raises;
:func:`code_enum` gives back the enum member when the value is known.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Literal, TypeAlias

from ptpkit.proto.codes.mtp import (
    MtpDevicePropCode,
    MtpEventCode,
    MtpObjectPropCode,
    MtpOperationCode,
    MtpResponseCode,
)
from ptpkit.proto.codes.ptp import (
    DataType,
    DevicePropCode,
    EventCode,
    ObjectFormat,
    OperationCode,
    ResponseCode,
)
from ptpkit.proto.codes.ptpip import PacketType
from ptpkit.proto.codes.vendor import VendorOperationCode

__all__ = [
    "OPERATION_DATA_DIRECTION",
    "CodeKind",
    "DataDirection",
    "code_enum",
    "code_name",
]

# -- data direction of each operation ----------------------------------------------------

DataDirection: TypeAlias = Literal["none", "in", "out"]
"""``"in"``: responder to initiator; ``"out"``: initiator to responder."""

_NONE: DataDirection = "none"
_IN: DataDirection = "in"
_OUT: DataDirection = "out"

OPERATION_DATA_DIRECTION: dict[int, DataDirection] = {
    OperationCode.GetDeviceInfo: _IN,
    OperationCode.OpenSession: _NONE,
    OperationCode.CloseSession: _NONE,
    OperationCode.GetStorageIDs: _IN,
    OperationCode.GetStorageInfo: _IN,
    OperationCode.GetNumObjects: _NONE,
    OperationCode.GetObjectHandles: _IN,
    OperationCode.GetObjectInfo: _IN,
    OperationCode.GetObject: _IN,
    OperationCode.GetThumb: _IN,
    OperationCode.DeleteObject: _NONE,
    OperationCode.SendObjectInfo: _OUT,
    OperationCode.SendObject: _OUT,
    OperationCode.InitiateCapture: _NONE,
    OperationCode.FormatStore: _NONE,
    OperationCode.ResetDevice: _NONE,
    OperationCode.SelfTest: _NONE,
    OperationCode.SetObjectProtection: _NONE,
    OperationCode.PowerDown: _NONE,
    OperationCode.GetDevicePropDesc: _IN,
    OperationCode.GetDevicePropValue: _IN,
    OperationCode.SetDevicePropValue: _OUT,
    OperationCode.ResetDevicePropValue: _NONE,
    OperationCode.TerminateOpenCapture: _NONE,
    OperationCode.MoveObject: _NONE,
    OperationCode.CopyObject: _NONE,
    OperationCode.GetPartialObject: _IN,
    OperationCode.InitiateOpenCapture: _NONE,
    # PTP 1.1: the reference's table gives no data column for these; the directions
    # follow from what each operation returns (a handle list, a dataset or bytes).
    OperationCode.StartEnumHandles: _NONE,
    OperationCode.EnumHandles: _IN,
    OperationCode.StopEnumHandles: _NONE,
    OperationCode.GetVendorExtensionMaps: _IN,
    OperationCode.GetVendorDeviceInfo: _IN,
    OperationCode.GetResizedImageObject: _IN,
    OperationCode.GetFilesystemManifest: _IN,
    OperationCode.GetStreamInfo: _IN,
    OperationCode.GetStream: _IN,
    # MTP (UpdateDeviceFirmware and Skip are left out: their data phase is not known)
    MtpOperationCode.GetObjectPropsSupported: _IN,
    MtpOperationCode.GetObjectPropDesc: _IN,
    MtpOperationCode.GetObjectPropValue: _IN,
    MtpOperationCode.SetObjectPropValue: _OUT,
    MtpOperationCode.GetObjectPropList: _IN,
    MtpOperationCode.SetObjectPropList: _OUT,
    MtpOperationCode.GetInterdependentPropDesc: _IN,
    MtpOperationCode.SendObjectPropList: _OUT,
    MtpOperationCode.GetObjectReferences: _IN,
    MtpOperationCode.SetObjectReferences: _OUT,
    # vendor 64-bit partial transfers
    VendorOperationCode.AndroidGetPartialObject64: _IN,
    VendorOperationCode.AndroidSendPartialObject: _OUT,
    VendorOperationCode.AndroidTruncateObject: _NONE,
    VendorOperationCode.CanonEosGetPartialObject64: _IN,
    VendorOperationCode.NikonGetPartialObjectEx: _IN,
}
"""Data phase of every operation whose direction is known. Absent codes: unknown."""


# -- names for any value -----------------------------------------------------------------

CodeKind: TypeAlias = Literal[
    "packet", "operation", "response", "event", "format", "property", "objectprop", "datatype"
]

_KIND_ENUMS: dict[str, tuple[type[IntEnum], ...]] = {
    "packet": (PacketType,),
    "operation": (OperationCode, MtpOperationCode, VendorOperationCode),
    "response": (ResponseCode, MtpResponseCode),
    "event": (EventCode, MtpEventCode),
    "format": (ObjectFormat,),
    "property": (DevicePropCode, MtpDevicePropCode),
    "objectprop": (MtpObjectPropCode,),
    "datatype": (DataType,),
}

# The top nibble of a 16-bit vendor-extension code of each kind.
_VENDOR_NIBBLE: dict[str, int] = {
    "operation": 0x9,
    "response": 0xA,
    "format": 0xB,
    "event": 0xC,
    "property": 0xD,
}


def _build_lookup() -> dict[str, dict[int, IntEnum]]:
    lookup: dict[str, dict[int, IntEnum]] = {}
    for kind, enums in _KIND_ENUMS.items():
        table: dict[int, IntEnum] = {}
        for enum_cls in enums:  # standard first: an earlier enum wins a shared value
            for member in enum_cls:
                table.setdefault(member.value, member)
        lookup[kind] = table
    return lookup


_LOOKUP = _build_lookup()


def code_enum(kind: CodeKind, value: int) -> int:
    """The enum member for ``value`` when it is a known code of ``kind``, else ``value``."""
    table = _LOOKUP.get(kind)
    member = None if table is None else table.get(value)
    return value if member is None else member


def code_name(kind: CodeKind, value: int) -> str:
    """A readable name for ``value`` as a code of ``kind``; never raises.

    Known codes give their member name (standard, then MTP, then vendor tables). Unknown
    codes give ``"Vendor_0x9123"`` when they lie in that kind's vendor range, otherwise
    ``"Unknown_0x1234"``.
    """
    member = code_enum(kind, value)
    if isinstance(member, IntEnum):
        return member.name
    number = int(value)
    if number < 0:
        return f"Unknown_-0x{-number:04X}"
    nibble = _VENDOR_NIBBLE.get(kind)
    if nibble is not None and number <= 0xFFFF and number >> 12 == nibble:
        return f"Vendor_0x{number:04X}"
    return f"Unknown_0x{number:04X}"
