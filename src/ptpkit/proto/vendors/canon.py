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
* Properties in words: gphoto2's config names (:data:`EOS_PROPERTY_NAMES`), values as text
  both ways (:func:`format_eos_value`, :func:`parse_eos_value`).
* :data:`VENDOR`, the record ``ptpkit dissect`` and the dialects choose Canon by: names for
  the EOS operations, records, properties, responses and formats, and the decoders of the
  EOS data phases.

Malformed input raises :class:`~ptpkit.errors.DecodeError`; objects built by hand with
values that do not fit raise :class:`~ptpkit.errors.LocalProtocolError`.

This module is the one to import. To keep each file under ~600 lines the work lives in
``canon_codes`` (the code enums and data directions), ``canon_values`` (property types,
value packing, ImageFormat, value names), ``canon_events`` (GetEvent records) and
``canon_datasets`` (0x9108, 0x9109, 0x9153) and ``canon_props`` (properties in words);
everything public is re-exported here.
"""

from __future__ import annotations

from ptpkit.proto.vendors.base import Vendor
from ptpkit.proto.vendors.canon_codes import (
    CANON_OPERATION_DATA_DIRECTION,
    CanonDevicePropCode,
    CanonEventCode,
    CanonObjectFormat,
    CanonOperationCode,
    CanonResponseCode,
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
from ptpkit.proto.vendors.canon_props import (
    CAPTURE_DESTINATION_CARD,
    CAPTURE_DESTINATION_HOST,
    EOS_PROPERTY_NAMES,
    EOS_READ_ONLY,
    eos_data_type,
    format_eos_value,
    parse_eos_value,
    plain_eos_value,
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
    "CANON_EXTENSION_ID",
    "CANON_OPERATION_DATA_DIRECTION",
    "CANON_PROP_TYPES",
    "CANON_PROP_TYPES_HEAD_CHANGES",
    "CAPTURE_DESTINATION_CARD",
    "CAPTURE_DESTINATION_HOST",
    "EOS_OBJECT_NEW",
    "EOS_OBJECT_READ_ONLY",
    "EOS_PROPERTY_NAMES",
    "EOS_READ_ONLY",
    "EOS_VALUE_NAMES",
    "EVENT_TERMINATOR",
    "IMAGE_FORMAT_PROPS",
    "PARAM_RECORD_TYPES",
    "VENDOR",
    "VIEWFINDER_JPEG_TYPES",
    "AvailListChanged",
    "CameraStatusChanged",
    "CanonDevicePropCode",
    "CanonEventCode",
    "CanonObjectFormat",
    "CanonOperationCode",
    "CanonResponseCode",
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
    "eos_data_type",
    "eos_prop_type",
    "eos_value_name",
    "format_eos_value",
    "parse_eos_value",
    "plain_eos_value",
]

#: DeviceInfo's VendorExtensionID of Canon (gphoto2's PTP_VENDOR_CANON).
CANON_EXTENSION_ID = 0xB

#: Canon, as dissect and the dialects find it: by VendorExtensionID 0xB, or by a
#: Manufacturer containing "Canon" with Microsoft's or MTP's extension id (dialects.md §1.2).
VENDOR = Vendor(
    name="canon",
    extension_id=CANON_EXTENSION_ID,
    manufacturers=("Canon",),
    codes={
        "operation": (CanonOperationCode,),
        "event": (CanonEventCode,),
        "property": (CanonDevicePropCode,),
        "response": (CanonResponseCode,),
        "format": (CanonObjectFormat,),
    },
    datasets={
        CanonOperationCode.GetEvent: decode_events,
        CanonOperationCode.GetDeviceInfoEx: DeviceInfoEx.decode,
        CanonOperationCode.GetObjectInfoEx: decode_object_info_ex,
        CanonOperationCode.SetDevicePropValueEx: SetPropValueEx.decode,
        CanonOperationCode.GetViewFinderData: decode_viewfinder_data,
    },
)
