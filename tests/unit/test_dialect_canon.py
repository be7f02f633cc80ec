"""The ``canon-eos`` dialect's choice and its cache of GetEvent records (no I/O)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ptpkit.dialects import DIALECTS, choose_dialect
from ptpkit.dialects.canon import CanonEosDialect
from ptpkit.dialects.canon_cache import EosCache, MemoryCapture
from ptpkit.proto.codes import DataType, GetSet
from ptpkit.proto.datasets import DeviceInfo, PropEnum
from ptpkit.proto.vendors.canon import (
    AvailListChanged,
    CameraStatusChanged,
    EosImageFormat,
    EosImageFormatEntry,
    ObjectAddedEx,
    ObjectInfoChangedEx,
    ObjectRemoved,
    OLCInfoChanged,
    ParamRecord,
    PropValueChanged,
    RequestObjectTransfer,
    UnknownRecord,
    decode_events,
)

FIXTURE = Path(__file__).parent.parent / "fixtures" / "canon-eos-getevent.bin"
LARGE_FINE = EosImageFormat((EosImageFormatEntry(1, 0, 3),))


def info(ext: int, manufacturer: str, *ops: int) -> DeviceInfo:
    return DeviceInfo(vendor_extension_id=ext, manufacturer=manufacturer, operations_supported=ops)


@pytest.mark.parametrize(
    ("device", "chosen"),
    [
        (info(0xB, "Canon Inc.", 0x910F), True),
        (info(0xB, "", 0x9128), True),  # RemoteReleaseOn is enough
        (info(6, "Canon Inc.", 0x910F), True),  # Microsoft's id: the name decides
        (info(0xFFFFFFFF, "Canon Inc.", 0x910F), True),  # MTP's id too
        (info(0xB, "Canon Inc."), False),  # no EOS release: not an EOS body for gphoto2
        (info(0xA, "Canon Inc.", 0x910F), False),  # Nikon's id wins
        (info(6, "Nikon", 0x910F), False),
    ],
)
def test_which_cameras_speak_canon_eos(device: DeviceInfo, chosen: bool) -> None:
    assert CanonEosDialect.matches(device) is chosen
    assert (choose_dialect(device) is CanonEosDialect) is chosen
    assert list(DIALECTS)[-1] == "generic" and "canon-eos" in DIALECTS


def test_records_become_events_with_details() -> None:
    cache = EosCache()
    events = cache.apply(
        [
            PropValueChanged(0xD103, 0x48),
            AvailListChanged(0xD103, (0x00, 0x48, 0x50)),
            AvailListChanged(0xD101, (), form=1),  # not an enumeration: ignored
            PropValueChanged(0xD120, LARGE_FINE),
            CameraStatusChanged(1),
            ObjectAddedEx(5, 0x00010001, 0x3801, 1234, 2, "IMG_0005.JPG"),
            ObjectInfoChangedEx(5, 0x00010001, 0x3801, 1300, 2, "IMG_0005.JPG"),
            RequestObjectTransfer(0x90000001, 0x3801, 999, "IMG_0006.JPG"),
            CameraStatusChanged(0),
            ObjectRemoved(5),
            ParamRecord(0xC192, 0x00020001),  # StoreAdded
            ParamRecord(0xC185, 0x00010001),  # StorageInfoChanged
            OLCInfoChanged(b"\x08\x00\x00\x00\x00\x01"),
            UnknownRecord(0xC1F0, b"\x01"),
        ]
    )
    got = [(e.name, e.params, e.detail) for e in events]
    assert got == [
        ("DevicePropChanged", (0xD103,), "iso = 100"),
        ("DevicePropChanged", (0xD120,), "imageformat = Large Fine JPEG"),
        ("CameraStatusChanged", (1,), "busy"),
        ("ObjectAdded", (5,), "IMG_0005.JPG"),
        ("ObjectInfoChanged", (5,), "IMG_0005.JPG"),
        ("RequestObjectTransfer", (0x90000001,), "IMG_0006.JPG"),
        ("CaptureComplete", (), "the camera is idle again"),
        ("ObjectRemoved", (5,), None),
        ("StoreAdded", (0x00020001,), None),
        ("StorageInfoChanged", (0x00010001,), None),
        ("Vendor_0xC1F0", (), None),
    ]
    assert {e.source for e in events} == {"poll"}
    assert cache.status == 0
    assert cache.memory == {0x90000001: MemoryCapture(0x90000001, 0x3801, 999, "IMG_0006.JPG")}
    assert cache.allowed == {0xD103: (0x00, 0x48, 0x50)}
    assert cache.codes() == (0xD103, 0xD120)


def test_descriptors_from_the_records() -> None:
    cache = EosCache()
    cache.apply(
        [
            PropValueChanged(0xD103, 0x48),
            PropValueChanged(0xD111, 2),
            PropValueChanged(0xD120, LARGE_FINE),
            PropValueChanged(0xD1AF, "012345678901"),
            PropValueChanged(0xD1A0, b"\x01\x02"),  # no type known: not a property
            AvailListChanged(0xD103, (0x00, 0x48, 0x10048)),  # a u16 in a 4-byte slot
            AvailListChanged(0xD120, (LARGE_FINE,)),
        ]
    )
    iso = cache.describe(0xD103)
    assert (iso.data_type, iso.get_set, iso.current_value) == (DataType.UINT16, GetSet.GetSet, 0x48)
    assert iso.form == PropEnum((0x00, 0x48, 0x48))
    battery = cache.describe(0xD111)
    assert battery.get_set == GetSet.Get and battery.form is None
    image = cache.describe(0xD120)
    assert image.current_value == 0x0300 and image.form == PropEnum((0x0300,))
    assert cache.describe(0xD1AF).data_type is DataType.STR
    assert 0xD1A0 not in cache.codes()
    with pytest.raises(KeyError):
        cache.describe(0xD1A0)
    with pytest.raises(KeyError):
        cache.describe(0xD102)  # never reported
    assert (cache.label(0xD103), cache.label(0xD1B0), cache.label(0xD1B1)) == (
        "iso",
        "output",
        "evfmode",
    )
    assert cache.label(0xD1C0) == "FlashChargingState"  # no gphoto2 name: the EOS one


def test_the_real_camera_dump_fills_the_cache() -> None:
    records = decode_events(FIXTURE.read_bytes()[:5824])
    cache = EosCache()
    cache.apply(records)
    assert cache.plain(0xD103) == 0x70  # ISO 3200 (fixtures README)
    assert cache.plain(0xD11C) == 2 and cache.plain(0xD11B) == 3075
    assert len(cache.allowed[0xD103]) == 9 and len(cache.allowed[0xD102]) == 53
    described = cache.describe(0xD120)
    assert described.current_value == LARGE_FINE.gphoto2_code
    assert isinstance(described.form, PropEnum) and len(described.form.values) == 10
    for code in cache.codes():
        cache.describe(code)  # every typed property makes a valid descriptor
