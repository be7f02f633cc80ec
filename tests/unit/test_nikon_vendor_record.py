"""Nikon's Vendor record: how a DeviceInfo selects it, and what dissect gets from it."""

from __future__ import annotations

from ptpkit.proto.vendors import nikon
from ptpkit.proto.vendors.base import vendor_code_name
from ptpkit.proto.vendors.registry import KNOWN_VENDORS, find_vendor


def test_nikon_is_known_and_chosen_as_gphoto2_chooses() -> None:
    assert nikon.VENDOR in KNOWN_VENDORS
    assert find_vendor(0xA, "") is nikon.VENDOR
    assert find_vendor(6, "Nikon Corporation") is nikon.VENDOR
    assert find_vendor(0xFFFFFFFF, "Nikon Corporation") is nikon.VENDOR  # a Z 8
    assert find_vendor(0, "Nikon Corporation") is None  # 0 keeps gphoto2 generic
    assert find_vendor(0xFFFFFFFF, "ptpkit") is None


def test_nikon_names_and_decoders() -> None:
    v = nikon.VENDOR
    assert vendor_code_name(v, "operation", 0x90C7) == "GetEvent"
    assert vendor_code_name(v, "operation", 0x9207) == "InitiateCaptureRecInMedia"
    assert vendor_code_name(v, "event", 0xC101) == "ObjectAddedInSDRAM"
    assert vendor_code_name(v, "property", 0xD058) == "ExposureCompensation"
    assert vendor_code_name(v, "response", 0xA200) == "BulbReleaseBusy"
    assert vendor_code_name(v, "operation", 0x1001) == "GetDeviceInfo"
    # GetEvent data written by hand: 1 event, ObjectAddedInSDRAM(0xFFFF0001)
    data = bytes.fromhex("0100 01c1 0100ffff")
    assert v.datasets[0x90C7](data) == nikon.NikonEventList(
        (nikon.NikonEvent(0xC101, 0xFFFF0001),)
    )
