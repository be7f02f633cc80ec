"""MTP codes (0x98xx operations, 0xA8xx responses, 0xC8xx events, 0xD4xx device
properties, 0xDCxx object properties), in enums of their own, and the data type of each
MTP object property. MTP object formats share :class:`~ptpkit.proto.codes.ObjectFormat`."""

from __future__ import annotations

from enum import IntEnum

from ptpkit.proto.codes.ptp import DataType

__all__ = [
    "MTP_OBJECT_PROP_TYPES",
    "MtpDevicePropCode",
    "MtpEventCode",
    "MtpObjectPropCode",
    "MtpOperationCode",
    "MtpResponseCode",
]


class MtpOperationCode(IntEnum):
    """MTP operations (0x98xx), listed by MTP-capable devices only."""

    GetObjectPropsSupported = 0x9801
    GetObjectPropDesc = 0x9802
    GetObjectPropValue = 0x9803
    SetObjectPropValue = 0x9804
    GetObjectPropList = 0x9805
    SetObjectPropList = 0x9806
    GetInterdependentPropDesc = 0x9807
    SendObjectPropList = 0x9808
    GetObjectReferences = 0x9810
    SetObjectReferences = 0x9811
    UpdateDeviceFirmware = 0x9812
    Skip = 0x9820


class MtpResponseCode(IntEnum):
    """MTP response codes (0xA800-0xA80A)."""

    Undefined = 0xA800
    InvalidObjectPropCode = 0xA801
    InvalidObjectPropFormat = 0xA802
    InvalidObjectPropValue = 0xA803
    InvalidObjectReference = 0xA804
    GroupNotSupported = 0xA805
    InvalidDataset = 0xA806
    SpecificationByGroupUnsupported = 0xA807
    SpecificationByDepthUnsupported = 0xA808
    ObjectTooLarge = 0xA809
    ObjectPropNotSupported = 0xA80A


class MtpEventCode(IntEnum):
    """MTP event codes (0xC801-0xC803)."""

    ObjectPropChanged = 0xC801
    ObjectPropDescChanged = 0xC802
    ObjectReferencesChanged = 0xC803


class MtpDevicePropCode(IntEnum):
    """MTP device properties (0xD4xx)."""

    SynchronizationPartner = 0xD401
    DeviceFriendlyName = 0xD402
    SessionInitiatorInfo = 0xD406


class MtpObjectPropCode(IntEnum):
    """MTP object properties (0xDCxx): the elements of an ObjectPropList (GetObjectPropList).

    The data type of each is fixed by the MTP specification; see
    :data:`MTP_OBJECT_PROP_TYPES`.
    """

    StorageID = 0xDC01
    ObjectFormat = 0xDC02
    ProtectionStatus = 0xDC03
    ObjectSize = 0xDC04
    AssociationType = 0xDC05
    AssociationDesc = 0xDC06
    ObjectFileName = 0xDC07
    DateCreated = 0xDC08
    DateModified = 0xDC09
    Keywords = 0xDC0A
    ParentObject = 0xDC0B
    PersistentUniqueObjectIdentifier = 0xDC41
    Name = 0xDC44
    Width = 0xDC87
    Height = 0xDC88


#: The data type of each MTP object property we know (MTP 1.1, appendix B).
MTP_OBJECT_PROP_TYPES: dict[int, DataType] = {
    MtpObjectPropCode.StorageID: DataType.UINT32,
    MtpObjectPropCode.ObjectFormat: DataType.UINT16,
    MtpObjectPropCode.ProtectionStatus: DataType.UINT16,
    MtpObjectPropCode.ObjectSize: DataType.UINT64,
    MtpObjectPropCode.AssociationType: DataType.UINT16,
    MtpObjectPropCode.AssociationDesc: DataType.UINT32,
    MtpObjectPropCode.ObjectFileName: DataType.STR,
    MtpObjectPropCode.DateCreated: DataType.STR,
    MtpObjectPropCode.DateModified: DataType.STR,
    MtpObjectPropCode.Keywords: DataType.STR,
    MtpObjectPropCode.ParentObject: DataType.UINT32,
    MtpObjectPropCode.PersistentUniqueObjectIdentifier: DataType.UINT128,
    MtpObjectPropCode.Name: DataType.STR,
    MtpObjectPropCode.Width: DataType.UINT32,
    MtpObjectPropCode.Height: DataType.UINT32,
}
