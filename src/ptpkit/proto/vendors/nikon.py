"""Nikon's PTP dialect on the wire: codes, data directions and vendor datasets, sans-IO.

Facts from ``shared/reference/dialects.md`` §3 and §9, with the code values and names as
libgphoto2 spells them (``camlibs/ptp2/ptp.h``, ``PTP_OC_NIKON_*`` and friends, without the
prefix). Nothing here does I/O: the client dialect (``ptpkit.dialects.nikon``) and the
emulator persona (``ptpkit.emulator.personas.nikon``) are built on it.

Decisions, made here once:

* **GetEvent 0x90C7 with a count larger than its data.** libgphoto2 treats such a list as
  empty and carries on. :meth:`NikonEventList.decode` is strict and raises
  :class:`~ptpkit.errors.DecodeError`; :meth:`NikonEventList.decode_lenient` does what
  gphoto2 does and says that it did: it returns ``(NikonEventList(()), True)``. A client that
  polls a real body uses the lenient one and logs the flag; dissect and tests use the strict
  one. The same pair exists for GetEventEx 0x941C.
* **GetEventEx 0x941C layout.** libgphoto2 (2.5.30 and HEAD) reads the u16 count at offset 0
  and the first event at offset **4**: two bytes after the count are skipped. dialects.md
  §3.3 does not mention them. We follow gphoto2: we write them as zero and ignore them on
  reading (a list with count 0 may end after the count).
* **Trailing bytes** after a dataset are tolerated, as in :mod:`ptpkit.proto.datasets`
  (gphoto2 reads by offset and ignores the rest).
* **Live-view frames** (0x9203) are a model-dependent header followed by a JPEG; the split is
  at the first ``FF D8``, exactly as gphoto2 cuts the frame, so a header may never contain
  ``FF D8``.

This module is the one to import. To keep each file under ~600 lines the work lives in
``nikon_codes`` (codes, capture parameters, standard properties, data directions),
``nikon_datasets`` (GetEvent, GetEventEx, GetVendorPropCodes, live view) and
``nikon_values`` (human values); everything public is re-exported here, with
:data:`VENDOR`.
"""

from __future__ import annotations

from ptpkit.proto.vendors.base import Vendor
from ptpkit.proto.vendors.nikon_codes import (
    CAPTURE_TARGET_CARD,
    CAPTURE_TARGET_SDRAM,
    CAPTURE_WITH_AF,
    CAPTURE_WITHOUT_AF,
    DEVICE_READY_BUSY,
    NIKON_OPERATION_DATA_DIRECTION,
    NIKON_STANDARD_PROPERTIES,
    SDRAM_OBJECT,
    NikonDevicePropCode,
    NikonEventCode,
    NikonOperationCode,
    NikonResponseCode,
)
from ptpkit.proto.vendors.nikon_datasets import (
    MAX_EVENT_EX_PARAMS,
    NikonEvent,
    NikonEventEx,
    NikonEventList,
    NikonEventListEx,
    NikonLiveViewImage,
    NikonVendorPropCodes,
)
from ptpkit.proto.vendors.nikon_values import (
    LIVEVIEW_PROHIBIT_BITS,
    NIKON_VALUE_NAMES,
    liveview_prohibit_reasons,
    nikon_value_name,
)

__all__ = [
    "CAPTURE_TARGET_CARD", "CAPTURE_TARGET_SDRAM", "CAPTURE_WITHOUT_AF", "CAPTURE_WITH_AF",
    "DEVICE_READY_BUSY", "LIVEVIEW_PROHIBIT_BITS", "MAX_EVENT_EX_PARAMS",
    "NIKON_OPERATION_DATA_DIRECTION", "NIKON_STANDARD_PROPERTIES", "NIKON_VALUE_NAMES",
    "SDRAM_OBJECT", "VENDOR", "NikonDevicePropCode", "NikonEvent", "NikonEventCode",
    "NikonEventEx", "NikonEventList", "NikonEventListEx", "NikonLiveViewImage",
    "NikonOperationCode", "NikonResponseCode", "NikonVendorPropCodes",
    "liveview_prohibit_reasons", "nikon_value_name",
]  # fmt: skip

_N = NikonOperationCode

VENDOR = Vendor(
    name="nikon",
    extension_id=0xA,
    manufacturers=("Nikon",),
    codes={"operation": (NikonOperationCode,), "event": (NikonEventCode,),
           "response": (NikonResponseCode,), "property": (NikonDevicePropCode,)},
    datasets={_N.GetEvent: NikonEventList.decode, _N.GetEventEx: NikonEventListEx.decode,
              _N.GetVendorPropCodes: NikonVendorPropCodes.decode,
              _N.GetLiveViewImg: NikonLiveViewImage.decode},
)  # fmt: skip
"""Nikon for dissect and the dialect: VendorExtensionID 0xA, or 6/0xFFFFFFFF with "Nikon" in
Manufacturer (gphoto2's rules, dialects.md §1.2); its codes' names and its datasets."""
