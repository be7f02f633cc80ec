"""PTP/IP packet types and the PTP (ISO 15740) code tables, as :class:`~enum.IntEnum` s.

Member names are the ISO 15740 / CIPA DC-005 names in CamelCase, spelled as in
``shared/reference/ptpip-reference.md`` section 2, so that ptpkit's output can be compared
by name with tshark's and gphoto2's. MTP (0x98xx, 0xA8xx, 0xC8xx, 0xD4xx, 0xDCxx) codes live in
their own enums, and a few well-known vendor codes in :class:`VendorOperationCode`.

Code classes: a 16-bit code's top nibble says what it is. 0x1/0x9 are operations,
0x2/0xA responses, 0x3/0xB object formats, 0x4/0xC events and 0x5/0xD device properties;
the second of each pair (bit 15 set) is the vendor-extension range.

:func:`code_name` turns any integer into a readable name and never raises;
:func:`code_enum` gives back the enum member when the value is known.

The tables live in one module per job: :mod:`~ptpkit.proto.codes.ptpip` (the transport),
:mod:`~ptpkit.proto.codes.ptp` (ISO 15740), :mod:`~ptpkit.proto.codes.mtp`,
:mod:`~ptpkit.proto.codes.vendor` (well-known vendor operations) and
:mod:`~ptpkit.proto.codes.lookup` (data directions and names). Import from
``ptpkit.proto.codes``: every name is here.
"""

from __future__ import annotations

from ptpkit.proto.codes.lookup import (
    OPERATION_DATA_DIRECTION,
    CodeKind,
    DataDirection,
    code_enum,
    code_name,
)
from ptpkit.proto.codes.mtp import (
    MTP_OBJECT_PROP_TYPES,
    MtpDevicePropCode,
    MtpEventCode,
    MtpObjectPropCode,
    MtpOperationCode,
    MtpResponseCode,
)
from ptpkit.proto.codes.ptp import (
    ALL,
    ROOT,
    TID_NONE,
    AccessCapability,
    AssociationType,
    DataType,
    DevicePropCode,
    EventCode,
    FilesystemType,
    FormFlag,
    GetSet,
    ObjectFormat,
    OperationCode,
    ProtectionStatus,
    ResponseCode,
    StorageType,
    is_image,
)
from ptpkit.proto.codes.ptpip import (
    DATA_LENGTH_UNKNOWN,
    PROTOCOL_VERSION_1_0,
    DataPhaseInfo,
    InitFailReason,
    PacketType,
)
from ptpkit.proto.codes.vendor import VendorOperationCode

__all__ = [
    "ALL",
    "DATA_LENGTH_UNKNOWN",
    "MTP_OBJECT_PROP_TYPES",
    "OPERATION_DATA_DIRECTION",
    "PROTOCOL_VERSION_1_0",
    "ROOT",
    "TID_NONE",
    "AccessCapability",
    "AssociationType",
    "CodeKind",
    "DataDirection",
    "DataPhaseInfo",
    "DataType",
    "DevicePropCode",
    "EventCode",
    "FilesystemType",
    "FormFlag",
    "GetSet",
    "InitFailReason",
    "MtpDevicePropCode",
    "MtpEventCode",
    "MtpObjectPropCode",
    "MtpOperationCode",
    "MtpResponseCode",
    "ObjectFormat",
    "OperationCode",
    "PacketType",
    "ProtectionStatus",
    "ResponseCode",
    "StorageType",
    "VendorOperationCode",
    "code_enum",
    "code_name",
    "is_image",
]
