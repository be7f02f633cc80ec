"""Canon EOS wire knowledge, sans-IO: codes, and the codecs of the EOS vendor datasets.

Everything little-endian; layouts from ``shared/reference/dialects.md`` §2.4, checked
against libgphoto2's ``ptp-pack.c`` (``ptp_unpack_CANON_changes``,
``ptp_unpack_EOS_ImageFormat``, ``ptp_unpack_EOS_DI``, ``ptp_unpack_Canon_EOS_FE``).

* **GetEvent (0x9116)** data is a list of records ``[u32 size][u32 type][size-8 bytes]``
  ended by the record ``size=8, type=0``. :func:`decode_events` turns it into record
  objects (one class per layout, :class:`UnknownRecord` for the rest: nothing is dropped),
  :func:`encode_events` back, always with the terminator. Bytes whose meaning is unknown
  (gaps in the object records) are kept in ``reserved``, bytes after the known fields in
  ``extra``, so a decoded record encodes to the same bytes.
* **Property values** are read as the type gphoto2 gives the property code
  (:data:`CANON_PROP_TYPES`): integers in a 4-byte slot, NUL-terminated text, or the
  :class:`EosImageFormat` structure. The same packing is the data of
  SetDevicePropValueEx 0x9110 (:class:`SetPropValueEx`).
* GetDeviceInfoEx 0x9108 (:class:`DeviceInfoEx`), GetObjectInfoEx 0x9109
  (:class:`EosObjectInfo`, :func:`decode_object_info_ex`), GetViewFinderData 0x9153
  (:class:`ViewFinderBlob`, :func:`decode_viewfinder_data`).

Malformed input raises :class:`~ptpkit.errors.DecodeError`; objects built by hand with
values that do not fit raise :class:`~ptpkit.errors.LocalProtocolError`.

This module is the one to import. To keep each file under ~600 lines the work lives in
``canon_codes`` (the code enums and data directions), ``canon_values`` (property types,
value packing, ImageFormat, value names), ``canon_events`` (GetEvent records) and
``canon_datasets`` (0x9108, 0x9109, 0x9153); everything public is re-exported here.
"""

from __future__ import annotations

from ptpkit.proto.vendors.canon_codes import (
    CANON_OPERATION_DATA_DIRECTION,
    CanonDevicePropCode,
    CanonEventCode,
    CanonOperationCode,
    DataDirection,
)
from ptpkit.proto.vendors.canon_datasets import (
    EOS_OBJECT_NEW,
    EOS_OBJECT_READ_ONLY,
    VIEWFINDER_JPEG_TYPES,
    DeviceInfoEx,
    EosObjectInfo,
    ViewFinderBlob,
    decode_object_info_ex,
    decode_viewfinder_data,
    encode_object_info_ex,
    encode_viewfinder_data,
)
from ptpkit.proto.vendors.canon_events import (
    EVENT_TERMINATOR,
    PARAM_RECORD_TYPES,
    AvailListChanged,
    CameraStatusChanged,
    EosRecord,
    ObjectAddedEx,
    ObjectAddedEx64,
    ObjectInfoChangedEx,
    ObjectRemoved,
    OLCInfoChanged,
    ParamRecord,
    PropValueChanged,
    RequestObjectTransfer,
    RequestObjectTransfer64,
    UnknownRecord,
    decode_events,
    decode_record,
    encode_events,
)
from ptpkit.proto.vendors.canon_values import (
    CANON_PROP_TYPES,
    CANON_PROP_TYPES_HEAD_CHANGES,
    EOS_VALUE_NAMES,
    IMAGE_FORMAT_PROPS,
    EosImageFormat,
    EosImageFormatEntry,
    EosPropType,
    EosValue,
    SetPropValueEx,
    eos_prop_type,
    eos_value_name,
)

__all__ = [
    "CANON_OPERATION_DATA_DIRECTION",
    "CANON_PROP_TYPES",
    "CANON_PROP_TYPES_HEAD_CHANGES",
    "EOS_OBJECT_NEW",
    "EOS_OBJECT_READ_ONLY",
    "EOS_VALUE_NAMES",
    "EVENT_TERMINATOR",
    "IMAGE_FORMAT_PROPS",
    "PARAM_RECORD_TYPES",
    "VIEWFINDER_JPEG_TYPES",
    "AvailListChanged",
    "CameraStatusChanged",
    "CanonDevicePropCode",
    "CanonEventCode",
    "CanonOperationCode",
    "DataDirection",
    "DeviceInfoEx",
    "EosImageFormat",
    "EosImageFormatEntry",
    "EosObjectInfo",
    "EosPropType",
    "EosRecord",
    "EosValue",
    "OLCInfoChanged",
    "ObjectAddedEx",
    "ObjectAddedEx64",
    "ObjectInfoChangedEx",
    "ObjectRemoved",
    "ParamRecord",
    "PropValueChanged",
    "RequestObjectTransfer",
    "RequestObjectTransfer64",
    "SetPropValueEx",
    "UnknownRecord",
    "ViewFinderBlob",
    "decode_events",
    "decode_object_info_ex",
    "decode_record",
    "decode_viewfinder_data",
    "encode_events",
    "encode_object_info_ex",
    "encode_viewfinder_data",
    "eos_prop_type",
    "eos_value_name",
]
