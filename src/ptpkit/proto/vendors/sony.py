"""Sony's PTP dialect ("PC remote" / SDIO) on the wire: codes, data directions and vendor
datasets, sans-IO.

Facts from ``shared/reference/dialects.md`` §4, §6 and §10.3, with code values and names as
libgphoto2 (``camlibs/ptp2/ptp.h``) and Sony's own command names use them. The client dialect
(``ptpkit.dialects.sony``) and the emulator persona (``ptpkit.emulator.personas.sony``) are
built on it; nothing here does I/O.

Decisions, made here once:

* **GetAllDevicePropData 0x9209** (:class:`SonyPropertyBlob`): 8-byte header (u32 count,
  u32 zero), then entries back to back, read until the data ends as gphoto2 does (the
  count is not trusted; we write the true one). gphoto2 fails on a blob of ≤ 8 bytes.
* **Second enumeration list**: libgphoto2 2.5.34+ reads one after an entry's enumeration
  when the next u16 is below 0x200, and uses it; we decode it into
  :attr:`SonyPropertyEntry.second_enum`. Encoding refuses what 2.5.34+ would misread (after
  an enumeration without a second list, the next code must be ≥ 0x200). 2.5.30 knows no
  second lists: personas for it must not send them.
* **Entry bytes 4 and 5** are kept raw as ``get_set``/``is_enabled`` (HEAD's names; 2.5.30
  reads them as change method and get/set, and treats every property as writable).
* **0x9202** (:class:`SonyExtDeviceInfo`): an empty reply (accepted by 2.5.30) is not a
  dataset; callers test ``if not data`` before decoding.
* Values and forms use :mod:`ptpkit.proto.datasets`; decoding raises only DecodeError.

This module is the one to import. To keep each file under ~600 lines the work lives in
``sony_codes`` (codes, fixed objects, property types, data directions), ``sony_datasets``
(0x9202, 0x9209, ControlDevice data, 0x9280 notices, live view) and ``sony_values``
(human values); everything public is re-exported here, with :data:`VENDOR`.
"""

from __future__ import annotations

from ptpkit.proto.vendors.base import Vendor
from ptpkit.proto.vendors.sony_codes import (
    CAPTURE_OBJECT,
    LIVEVIEW_OBJECT,
    SONY_OPERATION_DATA_DIRECTION,
    SONY_PROPERTY_TYPES,
    SONY_PROTOCOL_200,
    SONY_PROTOCOL_300,
    SONY_STANDARD_PROPERTIES,
    SonyDevicePropCode,
    SonyEventCode,
    SonyOperationCode,
)
from ptpkit.proto.vendors.sony_datasets import (
    NOTICE_EXIT,
    NOTICE_INIT,
    NOTICE_PARAM,
    SECOND_ENUM_LIMIT,
    ControlDeviceData,
    SonyExtDeviceInfo,
    SonyNotice,
    SonyPropertyBlob,
    SonyPropertyEntry,
    sony_liveview_jpeg,
)
from ptpkit.proto.vendors.sony_values import (
    SONY_ISO_AUTO,
    SONY_VALUE_NAMES,
    sony_aperture_name,
    sony_battery_name,
    sony_exposure_compensation_name,
    sony_iso_name,
    sony_parse_value,
    sony_shutter_name,
    sony_shutter_value,
    sony_value_name,
)

__all__ = [
    "CAPTURE_OBJECT",
    "LIVEVIEW_OBJECT",
    "NOTICE_EXIT",
    "NOTICE_INIT",
    "NOTICE_PARAM",
    "SECOND_ENUM_LIMIT",
    "SONY_ISO_AUTO",
    "SONY_OPERATION_DATA_DIRECTION",
    "SONY_PROPERTY_TYPES",
    "SONY_PROTOCOL_200",
    "SONY_PROTOCOL_300",
    "SONY_STANDARD_PROPERTIES",
    "SONY_VALUE_NAMES",
    "VENDOR",
    "ControlDeviceData",
    "SonyDevicePropCode",
    "SonyEventCode",
    "SonyExtDeviceInfo",
    "SonyNotice",
    "SonyOperationCode",
    "SonyPropertyBlob",
    "SonyPropertyEntry",
    "decode_ext_device_info",
    "sony_aperture_name",
    "sony_battery_name",
    "sony_exposure_compensation_name",
    "sony_iso_name",
    "sony_liveview_jpeg",
    "sony_parse_value",
    "sony_shutter_name",
    "sony_shutter_value",
    "sony_value_name",
]  # fmt: skip


def decode_ext_device_info(data: bytes) -> SonyExtDeviceInfo | None:
    """The data of 0x9202, or None for the empty answer gphoto2 2.5.30 accepts."""
    return SonyExtDeviceInfo.decode(data) if data else None


VENDOR = Vendor(
    name="sony",
    extension_id=0x11,
    # Over PTP/IP Sony bodies report MTP's 0xFFFFFFFF and Manufacturer "Sony Corporation"
    # (dialects.md §1.2 rule i, which asks for that exact text; here it is contained).
    manufacturers=("Sony Corporation",),
    codes={
        "operation": (SonyOperationCode,),
        "event": (SonyEventCode,),
        "property": (SonyDevicePropCode,),
    },
    datasets={
        SonyOperationCode.GetSDIOGetExtDeviceInfo: decode_ext_device_info,
        SonyOperationCode.GetAllDevicePropData: SonyPropertyBlob.decode,
        SonyOperationCode.Notice: SonyNotice.decode,
    },
)
"""Sony's record for ``ptpkit dissect`` and the client (see :class:`Vendor`)."""
