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
from ptpkit.proto.packets import InitCommandRequest

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
