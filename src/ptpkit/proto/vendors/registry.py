"""The known vendors, and the choice of one from a device's DeviceInfo.

A new vendor module (``ptpkit/proto/vendors/<vendor>.py``) declares ``VENDOR =
Vendor(...)`` (:class:`~ptpkit.proto.vendors.base.Vendor`) and is added to
:data:`KNOWN_VENDORS` here; nothing else needs to know about it.
"""

from __future__ import annotations

from collections.abc import Sequence

from ptpkit.proto.vendors import canon, fuji, nikon, sony
from ptpkit.proto.vendors.base import GENERIC_EXTENSION_IDS, Vendor

__all__ = ["GENERIC_EXTENSION_IDS", "KNOWN_VENDORS", "find_vendor"]

#: Every vendor module's ``VENDOR``, in the order they are tried.
KNOWN_VENDORS: tuple[Vendor, ...] = (nikon.VENDOR, canon.VENDOR, sony.VENDOR, fuji.VENDOR)


def find_vendor(
    extension_id: int, manufacturer: str, vendors: Sequence[Vendor] | None = None
) -> Vendor | None:
    """The vendor of a device with this VendorExtensionID and Manufacturer, or None.

    A vendor whose extension id matches wins; a generic extension id (Microsoft, MTP) lets
    the Manufacturer string decide (dialects.md §1.2). ``vendors`` defaults to
    :data:`KNOWN_VENDORS`.
    """
    candidates = KNOWN_VENDORS if vendors is None else vendors
    for vendor in candidates:
        if vendor.matches(extension_id, manufacturer, generic=False):
            return vendor
    if extension_id in GENERIC_EXTENSION_IDS:
        for vendor in candidates:
            if vendor.matches(extension_id, manufacturer, generic=True):
                return vendor
    return None
