"""``ptpkit dissect`` on Fujifilm's variant: sessions known by their port (55740/55741) or
by the magic of the 82-byte Init Command Request on the PTP/IP port, read like CIPA ones
(records of the CIPA type of the same role, transactions followed, datasets decoded).

The captures are built from hand-written Fuji packets (tests/unit/test_fuji_framing.py's
goldens, from dialects.md §5) and the X-H1's real DeviceInfo.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_dissect import Net, fuji_device_info
from test_fuji_framing import (
    EVENT_OBJECT_ADDED,
    INIT_ACK,
    INIT_REQUEST,
    OPEN_SESSION,
    PROP_LIST,
    RESPONSE_OK_0,
    SET_INIT_SEQUENCE,
    SET_INIT_SEQUENCE_DATA,
)

from ptpkit.dissect import dissect_capture
from ptpkit.dissect.fuji import FujiReader, is_fuji_init
from ptpkit.errors import RemoteProtocolError
from ptpkit.proto.framing import DataChunk
from ptpkit.proto.packets import (
    Event,
    InitCommandAck,
    InitCommandRequest,
    OperationRequest,
    OperationResponse,
)
from ptpkit.proto.vendors.fuji import FujiPacket, FujiPacketKind


# §5.2, hand-written: kind 3 OK for transactions 1 and 2; kind 1 GetDeviceInfo (tid 2),
# its kind-2 data packet header (12 + 593 bytes), 0x902B (tid 3) and its data header.
def h(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


RESPONSE_OK_1 = h("0c000000 0300 0120 01000000")
RESPONSE_OK_2 = h("0c000000 0300 0120 02000000")
RESPONSE_OK_3 = h("0c000000 0300 0120 03000000")
GET_DEVICE_INFO = h("0c000000 0100 0110 02000000")
DEVICE_INFO_HEADER = h("5d020000 0200 0110 02000000")  # 605 = 12 + 593
FUJI_GET_DEVICE_INFO = h("0c000000 0100 2b90 03000000")
PROP_LIST_HEADER = h("26000000 0200 2b90 03000000")  # 38 = 12 + 26


def build(net: Net, command_port: int, *, client: int = 51000) -> None:
    cmd = net.conn(client, server_port=command_port)
    cmd.handshake()
    cmd.send(cmd.C, INIT_REQUEST)
    cmd.send(cmd.S, INIT_ACK)
    cmd.send(cmd.C, INIT_REQUEST)  # gphoto2's double init
    cmd.send(cmd.S, INIT_ACK)
    cmd.send(cmd.C, OPEN_SESSION)
    cmd.send(cmd.S, RESPONSE_OK_0)
    cmd.send(cmd.C, SET_INIT_SEQUENCE)
    cmd.send(cmd.C, SET_INIT_SEQUENCE_DATA, cuts=(12,))  # header and payload apart
    cmd.send(cmd.S, RESPONSE_OK_1)
    evt = net.conn(client + 1, server_port=command_port + 1)
    evt.handshake()
    cmd.send(cmd.C, GET_DEVICE_INFO)
    info = fuji_device_info()
    cmd.send(cmd.S, DEVICE_INFO_HEADER + info + RESPONSE_OK_2, cuts=(5, 100, 400, 605))
    evt.send(evt.S, EVENT_OBJECT_ADDED)
    cmd.send(cmd.C, FUJI_GET_DEVICE_INFO)
    cmd.send(cmd.S, PROP_LIST_HEADER + PROP_LIST + RESPONSE_OK_3)
    cmd.close()
    evt.close()


def records(tmp_path: Path, net: Net, **options: Any) -> list[dict[str, Any]]:
    result = dissect_capture(net.write_pcap(tmp_path / "fuji.pcap"), **options)
    return [r.as_dict() for r in result.records]


def check_session(found: list[dict[str, Any]]) -> None:
    assert not [r for r in found if "error" in r or "dataset_error" in r]
    command = [r for r in found if r["stream"] == 0]
    events = [r for r in found if r["stream"] == 1]
    assert [r["type_name"] for r in command] == [
        "InitCommandRequest",
        "InitCommandAck",
        "InitCommandRequest",
        "InitCommandAck",
        "OperationRequest",
        "OperationResponse",
        "OperationRequest",
        "EndData",
        "OperationResponse",
        "OperationRequest",
        "EndData",
        "OperationResponse",
        "OperationRequest",
        "EndData",
        "OperationResponse",
    ]
    assert all(r["channel"] == "command" for r in command)
    init = command[0]
    assert init["length"] == 82 and init["name"] == "ptpkit"
    assert init["guid"] == bytes(range(16)).hex() and init["protocol_version"] == 0x8F53E4F2
    assert command[1]["guid"] == bytes(range(0x10, 0x20)).hex() and command[1]["name"] == "X-H1"
    open_session = command[4]
    assert (open_session["code_name"], open_session["tid"], open_session["params"]) == (
        "OpenSession",
        0,
        [1],
    )
    assert open_session["length"] == 16
    set_value = command[6]
    assert set_value["code_name"] == "SetDevicePropValue" and set_value["params"] == [0xDF01]
    assert command[7]["payload_length"] == 2 and command[7]["length"] == 14
    data = command[10]
    assert data["length"] == 605 and data["payload_length"] == 593 and data["tid"] == 2
    assert data["dataset"]["type"] == "DeviceInfo" and data["dataset"]["model"] == "X-H1"
    # Once the DeviceInfo is in, codes are named as Fujifilm's: 0x902B, its property list.
    assert command[12]["code"] == 0x902B
    assert command[13]["dataset"]["type"] == "FujiDevicePropList"
    assert [r["type_name"] for r in events] == ["Event"]
    assert events[0]["channel"] == "event"
    assert (events[0]["code_name"], events[0]["params"]) == ("ObjectAdded", [5])


def test_a_session_on_fujifilms_ports(tmp_path: Path) -> None:
    net = Net()
    build(net, 55740)
    check_session(records(tmp_path, net))


def test_a_session_on_the_ptpip_port_known_by_its_magic(tmp_path: Path) -> None:
    net = Net()
    build(net, 15740)
    check_session(records(tmp_path, net))


def test_a_session_on_another_port(tmp_path: Path) -> None:
    net = Net()
    build(net, 40000)
    assert records(tmp_path, net) == []
    check_session(records(tmp_path, net, port=40000))


def test_is_fuji_init() -> None:
    assert is_fuji_init(INIT_REQUEST)
    assert is_fuji_init(INIT_REQUEST[:12])
    assert not is_fuji_init(INIT_REQUEST[:11])
    assert not is_fuji_init(InitCommandRequest(bytes(range(16)), "vm").encode())


@pytest.mark.parametrize("bytewise", [False, True])
def test_reader_reads_the_variant_as_cipa(bytewise: bool) -> None:
    """Each Fuji packet comes out as the CIPA packet of the same role, fed whole or one
    byte at a time."""
    stream = INIT_REQUEST + INIT_ACK + OPEN_SESSION + SET_INIT_SEQUENCE + SET_INIT_SEQUENCE_DATA
    reader = FujiReader()
    items: list[Any] = []
    for piece in [stream[i : i + 1] for i in range(len(stream))] if bytewise else [stream]:
        reader.feed(piece)
        while (item := reader.next_item()) is not None:
            items.append(item)
    chunks = [i for i in items if isinstance(i, DataChunk)]
    others = [i for i in items if not isinstance(i, DataChunk)]
    assert others == [
        InitCommandRequest(bytes(range(16)), "ptpkit", 0x8F53E4F2),
        InitCommandAck(7, bytes(range(0x10, 0x20)), "X-H1"),
        OperationRequest(0, 0x1002, 0, (1,)),
        OperationRequest(0, 0x1016, 1, (0xDF01,)),
    ]
    assert b"".join(bytes(c.data) for c in chunks) == b"\x05\x00"
    assert chunks[0].first and chunks[-1].last and chunks[-1].is_end_data
    assert chunks[-1].packet_length == 14 and chunks[-1].transaction_id == 1


# -- properties: any Fuji stream reads as CIPA, garbage only raises our errors ----------------
_u16 = st.integers(1, 0xFFFF)  # a container's code is never 0 (that is the init request)
_u32 = st.integers(0, 0xFFFFFFFF)
_kinds = st.sampled_from([FujiPacketKind.Command, FujiPacketKind.Response, FujiPacketKind.Event])
_containers = st.builds(
    lambda kind, code, tid, params: FujiPacket.with_params(
        kind, code, tid, params[:3] if kind == FujiPacketKind.Event else params
    ),
    _kinds,
    _u16,
    _u32,
    st.lists(_u32, max_size=5).map(tuple),
)
_data = st.builds(FujiPacket, st.just(FujiPacketKind.Data), _u16, _u32, st.binary(max_size=200))


def _read(stream: bytes, cuts: list[int]) -> list[Any]:
    reader = FujiReader()
    bounds = [0, *sorted({c for c in cuts if 0 < c < len(stream)}), len(stream)]
    out: list[Any] = []
    for a, b in itertools.pairwise(bounds):
        reader.feed(stream[a:b])
        while (item := reader.next_item()) is not None:
            out.append(item)
    return out


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_containers, _data), max_size=6), st.lists(st.integers(0, 2000)))
def test_any_fuji_stream_reads_as_cipa(packets: list[FujiPacket], cuts: list[int]) -> None:
    items = _read(b"".join(p.encode() for p in packets), cuts)
    rebuilt: list[tuple[int, int, int, object]] = []
    for item in items:
        if isinstance(item, DataChunk):
            if item.first:
                rebuilt.append((2, 0, item.transaction_id, b""))
            kind, code, tid, data = rebuilt[-1]
            assert isinstance(data, bytes)
            rebuilt[-1] = (kind, code, tid, data + bytes(item.data))
        elif isinstance(item, OperationRequest):
            rebuilt.append((1, item.code, item.transaction_id, item.params))
        elif isinstance(item, OperationResponse):
            rebuilt.append((3, item.code, item.transaction_id, item.params))
        else:
            assert isinstance(item, Event)
            rebuilt.append((4, item.code, item.transaction_id, item.params))
    expected = [
        (2, 0, p.transaction_id, p.payload)
        if p.kind == FujiPacketKind.Data
        else (p.kind, p.code, p.transaction_id, p.params)
        for p in packets
    ]
    assert rebuilt == expected


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_garbage_only_raises_remote_protocol_errors(data: bytes) -> None:
    reader = FujiReader()
    reader.feed(data)
    reader.feed(b"")
    try:
        while reader.next_item() is not None:
            pass
    except RemoteProtocolError:  # DecodeError is one
        pass
