"""``ptpkit dissect`` on Canon EOS traffic: EOS names, and GetEvent decoded record by record
(issue 14, "Dissect names EOS operations and decodes GetEvent data record by record")."""

from __future__ import annotations

import json
from pathlib import Path

from test_dissect import datasets, h, run_transactions, transaction

from ptpkit.proto.datasets import DeviceInfo
from ptpkit.proto.vendors.canon import VENDOR
from ptpkit.proto.vendors.registry import KNOWN_VENDORS, find_vendor


def canon_info() -> bytes:
    return DeviceInfo(
        vendor_extension_id=0xB, manufacturer="Canon Inc.", model="Canon EOS 5D Mark IV"
    ).encode()


# Hand-written GetEvent data (dialects.md §2.4): PropValueChanged ISO (0xD103) = 0x48 in a
# 4-byte slot; AvailListChanged ISO, form 3, 2 values 0x48 and 0x50; RequestObjectTransfer
# handle 0x90000001, OFC 0x3801, size 0x1234, "IMG_0001.JPG"; CameraStatusChanged 0;
# StoreAdded (a one-parameter record) 0x00010001; an unknown record type 0xC1F0; terminator.
GETEVENT = h(
    "10000000 89C10000 03D10000 48000000"
    "1C000000 8AC10000 03D10000 03000000 02000000 48000000 50000000"
    "29000000 86C10000 01000090 0138 000000000000 34120000 00000000"
    "494D475F303030312E4A504700"
    "0C000000 8BC10000 00000000"
    "0C000000 92C10000 01000100"
    "0A000000 F0C10000 ABCD"
    "08000000 00000000"
)


def test_canon_is_a_known_vendor() -> None:
    assert VENDOR in KNOWN_VENDORS
    assert find_vendor(0xB, "") is VENDOR
    assert find_vendor(6, "Canon Inc.") is VENDOR
    assert find_vendor(0xFFFFFFFF, "Canon Inc.") is VENDOR
    assert find_vendor(0xA, "Canon Inc.") is not VENDOR  # Nikon's id decides first


def test_getevent_is_decoded_record_by_record(tmp_path: Path) -> None:
    records = run_transactions(
        tmp_path,
        [
            transaction(1, 0x1001, [], canon_info()),
            transaction(2, 0x9116, [], GETEVENT),
            transaction(3, 0x9110, [], h("0C000000 03D10000 50000000"), out=True),
        ],
    )
    requests = [r.get("code_name") for r in records if r.type_name == "OperationRequest"]
    assert requests == ["GetDeviceInfo", "GetEvent", "SetDevicePropValueEx"]
    got = datasets(records)
    assert isinstance(got[0], dict) and got[0]["manufacturer"] == "Canon Inc."
    assert got[1] == {
        "type": "GetEvent",
        "value": [
            {
                "type": "PropValueChanged",
                "record_type": 0xC189,
                "record_name": "PropValueChanged",
                "prop": 0xD103,
                "value": 0x48,
                "extra": None,
            },
            {
                "type": "AvailListChanged",
                "record_type": 0xC18A,
                "record_name": "AvailListChanged",
                "prop": 0xD103,
                "values": [0x48, 0x50],
                "form": 3,
                "extra": "",
            },
            {
                "type": "RequestObjectTransfer",
                "record_type": 0xC186,
                "record_name": "RequestObjectTransfer",
                "handle": 0x90000001,
                "ofc": 0x3801,
                "size": 0x1234,
                "filename": "IMG_0001.JPG",
                "reserved": "00" * 10,
                "extra": "",
            },
            {
                "type": "CameraStatusChanged",
                "record_type": 0xC18B,
                "record_name": "CameraStatusChanged",
                "status": 0,
                "extra": "",
            },
            {
                "type": "ParamRecord",
                "record_type": 0xC192,
                "record_name": "StoreAdded",
                "param": 0x00010001,
                "extra": "",
            },
            {
                "type": "UnknownRecord",
                "record_type": 0xC1F0,
                "record_name": "Vendor_0xC1F0",
                "data": "abcd",
            },
        ],
    }
    assert got[2] == {"type": "SetPropValueEx", "prop": 0xD103, "value": 0x50, "extra": None}
    json.dumps(got)  # JSON-ready


def test_the_real_getevent_fixture_dissects(tmp_path: Path) -> None:
    data = (Path(__file__).parent.parent / "fixtures" / "canon-eos-getevent.bin").read_bytes()
    records = run_transactions(
        tmp_path,
        [transaction(1, 0x1001, [], canon_info()), transaction(2, 0x9116, [], data[:5824])],
    )
    got = datasets(records)[1]
    assert isinstance(got, dict)
    value = got["value"]
    assert isinstance(value, list) and len(value) == 184
    kinds = [item["record_name"] for item in value]
    assert kinds.count("PropValueChanged") == 84
    assert kinds.count("AvailListChanged") == 98
    assert kinds.count("CTGInfoCheckComplete") == 2
    image = next(i for i in value if i.get("prop") == 0xD120 and i["type"] == "PropValueChanged")
    assert image["value"] == {
        "type": "EosImageFormat",
        "entries": [{"type": "EosImageFormatEntry", "kind": 1, "size": 0, "compression": 3}],
    }


def test_the_table_view_counts_the_records() -> None:
    from ptpkit.cli.dissect import format_dataset

    dataset = {
        "type": "GetEvent",
        "value": [
            {"type": "PropValueChanged", "record_name": "PropValueChanged"},
            {"type": "PropValueChanged", "record_name": "PropValueChanged"},
            {"type": "ParamRecord", "record_name": "StoreAdded"},
        ],
    }
    assert format_dataset(dataset) == "GetEvent: 3 records (2 PropValueChanged, 1 StoreAdded)"
    assert format_dataset({"type": "GetEvent", "value": []}) == "GetEvent: 0 records"
