"""``ptpkit dissect`` and Sony's transport habits: an Init Command Ack without its
protocol-version field, and a data phase sent as Data packets then an *empty* End Data
(the dataset is whole before the End Data and is decoded once, without error). Bytes
written by hand from dialects.md §4 and ptpip-reference.md §1.3/§1.4."""

from __future__ import annotations

from pathlib import Path

from test_dissect import (
    GUID_I,
    GUID_R,
    Net,
    datasets,
    dissect_frames,
    h,
)

from ptpkit.dissect import Record
from ptpkit.proto.datasets import DeviceInfo
from ptpkit.proto.packets import (
    Data,
    InitCommandRequest,
    OperationRequest,
    OperationResponse,
    StartData,
)
from ptpkit.proto.vendors.registry import find_vendor
from ptpkit.proto.vendors.sony import VENDOR as SONY

# Init Command Ack: length 0x24, type 2, connection 1, GUID, "cam" NUL; no version field.
ACK_NO_VERSION = h("24000000 02000000 01000000") + GUID_R + h("6300 6100 6d00 0000")
# GetStorageIDs tid 1 → Start Data (8 bytes), Data (all 8), empty End Data, OK.
STORAGE_IDS_REQUEST = h("12000000 06000000 01000000 0410 01000000")
STORAGE_IDS_ANSWER = h(
    "14000000 09000000 01000000 0800000000000000"  # Start Data, total 8
    "14000000 0a000000 01000000 01000000 01000100"  # Data: count 1, 0x00010001
    "0c000000 0c000000 01000000"  # End Data, empty
    "0e000000 07000000 0120 01000000"  # OK
)


def run(tmp_path: Path, ack: bytes, exchanges: list[tuple[bytes, bytes]]) -> list[Record]:
    net = Net()
    conn = net.conn(50600)
    conn.handshake()
    conn.send(conn.C, InitCommandRequest(GUID_I, "vm").encode())
    conn.send(conn.S, ack)
    for up, down in exchanges:
        conn.send(conn.C, up)
        conn.send(conn.S, down)
    conn.close()
    result = dissect_frames(tmp_path, net)
    assert result.errors == []
    return result.records


def test_ack_without_protocol_version(tmp_path: Path) -> None:
    records = run(tmp_path, ACK_NO_VERSION, [])
    ack = next(r for r in records if r.type_name == "InitCommandAck")
    assert ack.error is None
    assert ack.length == 0x24
    assert ack.get("name") == "cam"
    assert ack.get("protocol_version") is None


def test_data_then_empty_end_data_decodes_once(tmp_path: Path) -> None:
    records = run(tmp_path, ACK_NO_VERSION, [(STORAGE_IDS_REQUEST, STORAGE_IDS_ANSWER)])
    assert datasets(records) == [{"type": "StorageIDs", "ids": [0x00010001]}]
    data = next(r for r in records if r.type_name == "Data")
    assert data.dataset == {"type": "StorageIDs", "ids": [0x00010001]}
    end = next(r for r in records if r.type_name == "EndData")
    assert (end.dataset, end.dataset_error, end.error) == (None, None, None)
    assert [r.type_name for r in records if r.direction == data.direction][-4:] == [
        "StartData", "Data", "EndData", "OperationResponse",
    ]  # fmt: skip


# -- Sony's names and datasets (dialects.md §4) ------------------------------------------------


def sony_answer(tid: int, data: bytes) -> bytes:
    """Start Data, one Data with every byte, an empty End Data, OK: Sony's way."""
    t = tid.to_bytes(4, "little")
    return (
        StartData(tid, len(data)).encode()
        + Data(tid, data).encode()
        + h("0c000000 0c000000") + t
        + OperationResponse(0x2001, tid).encode()
    )  # fmt: skip


def request(tid: int, code: int, *params: int) -> bytes:
    return OperationRequest(1, code, tid, params).encode()


def test_sony_operations_named_and_decoded(tmp_path: Path) -> None:
    info = DeviceInfo(
        vendor_extension_id=0xFFFFFFFF,
        manufacturer="Sony Corporation",
        model="ILCE-7M3",
        operations_supported=(0x9201, 0x9202),
    )
    # 0x9202: version 0xC8, then 9205 9209 C201 D20D 5004 (hand-written, §4.1 step 2)
    ext = h("c800 05000000 0592 0992 01c2 0dd2 0450")
    # 0x9209: count 2, zero; 0x5004 UINT8 enum [2, 3] current 3; 0xD215 UINT16 0x8001
    blob = h("02000000 00000000 0450 0200 01 01 02 03 02 0200 02 03 15d2 0400 00 01 0000 0180 00")
    records = run(
        tmp_path,
        ACK_NO_VERSION,
        [
            (request(1, 0x1001), sony_answer(1, info.encode())),
            (request(2, 0x9201, 1, 0, 0), h("14000000 09000000 02000000 0000000000000000")
             + h("0c000000 0c000000 02000000") + OperationResponse(0x2001, 2).encode()),
            (request(3, 0x9202, 0xC8), sony_answer(3, ext)),
            (request(4, 0x9209), sony_answer(4, blob)),
            (request(5, 0x9202, 0xC8), h("14000000 09000000 05000000 0000000000000000")
             + OperationResponse(0x2001, 5).encode()),  # an empty answer
        ],
    )  # fmt: skip
    names = [r.get("code_name") for r in records if r.type_name == "OperationRequest"]
    assert names == [
        "GetDeviceInfo",
        "SDIOConnect",
        "GetSDIOGetExtDeviceInfo",
        "GetAllDevicePropData",
        "GetSDIOGetExtDeviceInfo",
    ]
    got = datasets(records)
    assert [d["type"] for d in got if isinstance(d, dict)] == [
        "DeviceInfo",
        "SonyExtDeviceInfo",
        "SonyPropertyBlob",
        "GetSDIOGetExtDeviceInfo",
    ]
    assert not [d for d in got if isinstance(d, str)]  # no dataset error
    ext_dataset = got[1]
    assert isinstance(ext_dataset, dict)
    assert ext_dataset["version"] == 0xC8
    assert ext_dataset["codes"] == [0x9205, 0x9209, 0xC201, 0xD20D, 0x5004]
    blob_dataset = got[2]
    assert isinstance(blob_dataset, dict)
    entries = blob_dataset["entries"]
    assert isinstance(entries, list)
    assert [e["code"] for e in entries] == [0x5004, 0xD215]
    assert entries[1]["current_value"] == 0x8001
    assert got[3] == {"type": "GetSDIOGetExtDeviceInfo", "value": None}


def test_sony_vendor_record() -> None:
    assert find_vendor(0xFFFFFFFF, "Sony Corporation") is SONY
    assert find_vendor(0x11, "") is SONY
    assert find_vendor(0xFFFFFFFF, "Someone else") is None
    assert SONY.code_name("operation", 0x9207) == "SetControlDeviceB"
    assert SONY.code_name("event", 0xC203) == "PropertyChanged"
    assert SONY.code_name("property", 0xD215) == "ObjectInMemory"
