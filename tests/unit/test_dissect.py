"""``ptpkit dissect``: captures built here with dpkt, byte by byte, then dissected.

Every capture is written into ``tmp_path`` from PTP/IP byte streams made with our packet
classes and with hex typed in from the reference tables (§1.3/§1.4). The DeviceInfo
data phase is the real Fujifilm X-H1 answer from ``shared/fixtures``.
"""

from __future__ import annotations

import io
import itertools
import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from enum import IntEnum
from pathlib import Path

import dpkt
import pytest
from click.testing import CliRunner
from conftest import fixture_path

from ptpkit.cli.dissect import dissect as dissect_command
from ptpkit.cli.dissect import format_dataset
from ptpkit.dissect import CaptureError, DissectResult, Record, dissect_capture
from ptpkit.proto.datasets import (
    DeviceInfo,
    DevicePropDesc,
    ObjectInfo,
    PropRange,
    StorageInfo,
    decode_u16_array,
    encode_u32_array,
)
from ptpkit.proto.packets import (
    Data,
    EndData,
    InitCommandAck,
    InitCommandRequest,
    InitEventRequest,
    InitFail,
    OperationRequest,
    OperationResponse,
    ProbeRequest,
    StartData,
)
from ptpkit.proto.vendors.base import Vendor, vendor_code_name
from ptpkit.proto.vendors.registry import find_vendor

PORT = 15740
CLIENT_IP = bytes([192, 168, 1, 10])
CAMERA_IP = bytes([192, 168, 1, 20])
T0 = 1_700_000_000.0
GUID_I = bytes(range(16))
GUID_R = bytes(range(0xF0, 0x100))

# Hand-written from reference §1.3/§1.4 (u32 length, u32 type, payload; little-endian).
HEX_OPEN_SESSION = "16000000 06000000 01000000 0210 00000000 01000000"  # tid 0, SessionID 1
HEX_GET_DEVICE_INFO = "12000000 06000000 01000000 0110 01000000"  # no params
HEX_GET_STORAGE_IDS = "12000000 06000000 01000000 0410 02000000"
HEX_CLOSE_SESSION = "12000000 06000000 01000000 0310 03000000"
HEX_RESPONSE_OK = "0E000000 07000000 0120 {tid}"  # OK, no params
HEX_INIT_EVENT_ACK = "08000000 04000000"
HEX_EVENT_OBJECT_ADDED = "12000000 08000000 0240 FFFFFFFF 05000000"  # ObjectAdded(5)


def h(text: str, **fmt: str) -> bytes:
    return bytes.fromhex(text.format(**fmt).replace(" ", ""))


def tid_hex(tid: int) -> str:
    return tid.to_bytes(4, "little").hex()


def fuji_device_info() -> bytes:
    data = fixture_path("fuji-xh1-deviceinfo.usb.bin").read_bytes()
    assert len(data) == 605
    return data[12:]


# -- building captures ------------------------------------------------------------------


class Net:
    """Frames of a capture, each a (timestamp, Ethernet frame)."""

    def __init__(self) -> None:
        self.frames: list[tuple[float, bytes]] = []

    def add(self, frame: bytes) -> int:
        self.frames.append((T0 + len(self.frames) * 0.001, frame))
        return len(self.frames)

    def conn(self, client_port: int, *, server_port: int = PORT) -> Conn:
        return Conn(self, client_port, server_port)

    def write_pcap(self, path: Path, *, linktype: int = dpkt.pcap.DLT_EN10MB) -> Path:
        with path.open("wb") as f:
            writer = dpkt.pcap.Writer(f, snaplen=262144, linktype=linktype)
            for ts, frame in self.frames:
                writer.writepkt(frame, ts=ts)
        return path

    def write_pcapng(self, path: Path) -> Path:
        with path.open("wb") as f:
            writer = dpkt.pcapng.Writer(f, snaplen=262144)
            for ts, frame in self.frames:
                writer.writepkt(frame, ts=ts)
        return path


def tcp_ip(
    src: tuple[bytes, int], dst: tuple[bytes, int], seq: int, ack: int, flags: int, data: bytes
) -> dpkt.ip.IP:
    tcp = dpkt.tcp.TCP(sport=src[1], dport=dst[1], seq=seq, ack=ack, flags=flags, data=data)
    return dpkt.ip.IP(src=src[0], dst=dst[0], p=dpkt.ip.IP_PROTO_TCP, data=tcp)


def ether(ip: dpkt.ip.IP) -> bytes:
    return bytes(
        dpkt.ethernet.Ethernet(
            src=b"\x02\x00\x00\x00\x00\x01",
            dst=b"\x02\x00\x00\x00\x00\x02",
            type=dpkt.ethernet.ETH_TYPE_IP,
            data=ip,
        )
    )


class Conn:
    """One TCP connection with real sequence numbers (random ISNs, so they wrap too)."""

    C, S = "c", "s"

    def __init__(self, net: Net, client_port: int, server_port: int) -> None:
        self.net = net
        self.ends = {self.C: (CLIENT_IP, client_port), self.S: (CAMERA_IP, server_port)}
        rng = random.Random(client_port)
        self.isn = {self.C: 0xFFFFFF00 + client_port % 7, self.S: rng.getrandbits(32)}
        self.sent = {self.C: 0, self.S: 0}  # stream bytes sent so far per side

    def _seq(self, side: str, offset: int) -> int:
        return (self.isn[side] + 1 + offset) % (1 << 32)

    def _other(self, side: str) -> str:
        return self.S if side == self.C else self.C

    def raw(self, side: str, offset: int, data: bytes, flags: int = dpkt.tcp.TH_ACK) -> bytes:
        """A frame carrying ``data`` at stream ``offset`` of ``side``'s direction."""
        other = self._other(side)
        ip = tcp_ip(
            self.ends[side],
            self.ends[other],
            self._seq(side, offset),
            self._seq(other, self.sent[other]),
            flags,
            data,
        )
        return ether(ip)

    def handshake(self) -> None:
        for side, flags in ((self.C, dpkt.tcp.TH_SYN), (self.S, dpkt.tcp.TH_SYN | dpkt.tcp.TH_ACK)):
            ip = tcp_ip(
                self.ends[side], self.ends[self._other(side)], self.isn[side], 0, flags, b""
            )
            self.net.add(ether(ip))
        self.net.add(self.raw(self.C, 0, b""))

    def send(self, side: str, data: bytes, *, cuts: Sequence[int] = ()) -> list[int]:
        """Send ``data`` in order, split at the given offsets; returns the frame numbers."""
        frames = []
        bounds = [0, *cuts, len(data)]
        for a, b in itertools.pairwise(bounds):
            frames.append(self.net.add(self.raw(side, self.sent[side] + a, data[a:b])))
        self.sent[side] += len(data)
        return frames

    def segments(self, side: str, data: bytes, cuts: Sequence[int]) -> list[bytes]:
        """The frames ``send`` would make, without adding them (for reordering)."""
        bounds = [0, *cuts, len(data)]
        frames = [
            self.raw(side, self.sent[side] + a, data[a:b]) for a, b in itertools.pairwise(bounds)
        ]
        self.sent[side] += len(data)
        return frames

    def close(self) -> None:
        for side in (self.C, self.S):
            flags = dpkt.tcp.TH_FIN | dpkt.tcp.TH_ACK
            self.net.add(self.raw(side, self.sent[side], b"", flags))


def dissect_frames(tmp_path: Path, net: Net, name: str = "c.pcap") -> DissectResult:
    return dissect_capture(net.write_pcap(tmp_path / name))


def comparable(records: Iterable[Record]) -> list[dict[str, object]]:
    """Records without where they were in the capture (frame, time)."""
    out = []
    for record in records:
        d = record.as_dict()
        d.pop("frame")
        d.pop("time")
        out.append(d)
    return out


# -- the full session -------------------------------------------------------------------


def device_info_phase() -> bytes:
    info = fuji_device_info()
    return (
        StartData(1, len(info)).encode()
        + Data(1, info[:300]).encode()
        + EndData(1, info[300:]).encode()
        + h(HEX_RESPONSE_OK, tid=tid_hex(1))
    )


def build_session(net: Net) -> dict[str, list[int]]:
    """Init on two connections, OpenSession, GetDeviceInfo, GetStorageIDs, an event,
    CloseSession. Returns the frame numbers of interesting segments."""
    cmd = net.conn(50000)
    evt = net.conn(50001)
    frames: dict[str, list[int]] = {}
    cmd.handshake()
    frames["init_req"] = cmd.send(cmd.C, InitCommandRequest(GUID_I, "vm").encode())
    frames["init_ack"] = cmd.send(cmd.S, InitCommandAck(1, GUID_R, "X-H1").encode())
    evt.handshake()
    frames["evt_req"] = evt.send(evt.C, InitEventRequest(1).encode())
    frames["evt_ack"] = evt.send(evt.S, h(HEX_INIT_EVENT_ACK))
    frames["open"] = cmd.send(cmd.C, h(HEX_OPEN_SESSION))
    frames["open_ok"] = cmd.send(cmd.S, h(HEX_RESPONSE_OK, tid=tid_hex(0)))
    frames["gdi"] = cmd.send(cmd.C, h(HEX_GET_DEVICE_INFO))
    # StartData(20) | Data(12 + 300) | EndData(12 + 293) | Response(14) = 651 bytes,
    # cut so that packets share segments and Data spans several.
    frames["gdi_data"] = cmd.send(cmd.S, device_info_phase(), cuts=(5, 20, 64, 200, 400, 640))
    frames["gsi"] = cmd.send(cmd.C, h(HEX_GET_STORAGE_IDS))
    ids = encode_u32_array([0x00010001, 0x00020001])
    frames["gsi_data"] = cmd.send(
        cmd.S,  # StartData, EndData and Response all in one segment
        StartData(2, len(ids)).encode()
        + EndData(2, ids).encode()
        + h(HEX_RESPONSE_OK, tid=tid_hex(2)),
    )
    frames["event"] = evt.send(evt.S, h(HEX_EVENT_OBJECT_ADDED))
    frames["close"] = cmd.send(cmd.C, h(HEX_CLOSE_SESSION))
    frames["close_ok"] = cmd.send(cmd.S, h(HEX_RESPONSE_OK, tid=tid_hex(3)))
    cmd.close()
    evt.close()
    return frames


def expected_device_info() -> dict[str, object]:
    """From shared/fixtures/README.md (typed in), plus the lists we can only count."""
    decoded = asdict(DeviceInfo.decode(fuji_device_info()))
    expected: dict[str, object] = {
        "type": "DeviceInfo",
        "standard_version": 100,
        "vendor_extension_id": 6,
        "vendor_extension_version": 100,
        "vendor_extension_desc": "fujifilm.co.jp: 1.0; ",
        "functional_mode": 0,
        "operations_supported": [int(v) for v in decoded["operations_supported"]],
        "events_supported": [0x4002, 0x4003, 0x4004, 0x4005, 0x400D, 0xC006],
        "device_properties_supported": [int(v) for v in decoded["device_properties_supported"]],
        "capture_formats": [0x3800, 0x3801, 0xB103],
        "image_formats": [0x3800, 0x3801, 0xB103],
        "manufacturer": "FUJIFILM",
        "model": "X-H1",
        "device_version": "2.14",
        "serial_number": "593534313432190906AA602021CA2A",
    }
    ops = expected["operations_supported"]
    props = expected["device_properties_supported"]
    assert isinstance(ops, list) and len(ops) == 27 and ops[:3] == [0x1001, 0x1002, 0x1003]
    assert isinstance(props, list) and len(props) == 168 and props[:3] == [0x5001, 0x5003, 0x5005]
    return expected


def expected_session() -> list[dict[str, object]]:
    """Every JSON key of every record, in capture order (frame and time checked apart)."""
    cmd = {"stream": 0, "channel": "command"}
    evt = {"stream": 1, "channel": "event"}
    up = {"direction": "to_responder"}
    down = {"direction": "to_initiator"}

    def ok(tid: int) -> dict[str, object]:
        return {
            **cmd,
            **down,
            "type": 7,
            "type_name": "OperationResponse",
            "length": 14,
            "tid": tid,
            "code": 0x2001,
            "code_name": "OK",
            "params": [],
        }

    def request(tid: int, code: int, name: str, params: list[int]) -> dict[str, object]:
        return {
            **cmd,
            **up,
            "type": 6,
            "type_name": "OperationRequest",
            "length": 18 + 4 * len(params),
            "tid": tid,
            "code": code,
            "code_name": name,
            "params": params,
            "data_phase": 1,
        }

    return [
        {
            **cmd,
            **up,
            "type": 1,
            "type_name": "InitCommandRequest",
            "length": 34,
            "guid": "000102030405060708090a0b0c0d0e0f",
            "name": "vm",
            "protocol_version": 0x00010000,
        },
        {
            **cmd,
            **down,
            "type": 2,
            "type_name": "InitCommandAck",
            "length": 42,
            "connection_number": 1,
            "guid": "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
            "name": "X-H1",
            "protocol_version": 0x00010000,
        },
        {
            **evt,
            **up,
            "type": 3,
            "type_name": "InitEventRequest",
            "length": 12,
            "connection_number": 1,
        },
        {**evt, **down, "type": 4, "type_name": "InitEventAck", "length": 8},
        request(0, 0x1002, "OpenSession", [1]),
        ok(0),
        request(1, 0x1001, "GetDeviceInfo", []),
        {
            **cmd,
            **down,
            "type": 9,
            "type_name": "StartData",
            "length": 20,
            "tid": 1,
            "total_length": 593,
        },
        {
            **cmd,
            **down,
            "type": 10,
            "type_name": "Data",
            "length": 312,
            "tid": 1,
            "payload_length": 300,
        },
        {
            **cmd,
            **down,
            "type": 12,
            "type_name": "EndData",
            "length": 305,
            "tid": 1,
            "payload_length": 293,
            "dataset": expected_device_info(),
        },
        ok(1),
        request(2, 0x1004, "GetStorageIDs", []),
        {
            **cmd,
            **down,
            "type": 9,
            "type_name": "StartData",
            "length": 20,
            "tid": 2,
            "total_length": 12,
        },
        {
            **cmd,
            **down,
            "type": 12,
            "type_name": "EndData",
            "length": 24,
            "tid": 2,
            "payload_length": 12,
            "dataset": {"type": "StorageIDs", "ids": [0x00010001, 0x00020001]},
        },
        ok(2),
        {
            **evt,
            **down,
            "type": 8,
            "type_name": "Event",
            "length": 18,
            "tid": 0xFFFFFFFF,
            "code": 0x4002,
            "code_name": "ObjectAdded",
            "params": [5],
        },
        request(3, 0x1003, "CloseSession", []),
        ok(3),
    ]


def test_full_session_every_key(tmp_path: Path) -> None:
    net = Net()
    frames = build_session(net)
    result = dissect_frames(tmp_path, net)
    assert result.errors == []
    assert result.ptpip_streams == 2 and result.tcp_streams == 2
    assert comparable(result.records) == expected_session()
    # Frame numbers: the segment where each packet's first byte is (1-based, as tshark).
    # The phase is 651 bytes cut at 5, 20, 64, 200, 400, 640: StartData at 0, Data at 20,
    # EndData at 332, the response at 637.
    g = frames["gdi_data"]
    by_type = [(r.type_name, r.frame, r.at_segment_start) for r in result.records]
    assert by_type[7:11] == [
        ("StartData", g[0], True),
        ("Data", g[2], True),
        ("EndData", g[4], False),
        ("OperationResponse", g[5], False),
    ]
    assert by_type[12:15] == [
        ("StartData", frames["gsi_data"][0], True),
        ("EndData", frames["gsi_data"][0], False),
        ("OperationResponse", frames["gsi_data"][0], False),
    ]
    assert all(r.time == T0 + (r.frame - 1) * 0.001 for r in result.records)
    assert [r.frame for r in result.records] == sorted(r.frame for r in result.records)
    assert [r.frame for r in result.records[:7]] == [
        frames[k][0]
        for k in ("init_req", "init_ack", "evt_req", "evt_ack", "open", "open_ok", "gdi")
    ]


def test_full_session_pcapng_same_records(tmp_path: Path) -> None:
    net = Net()
    build_session(net)
    pcap = dissect_capture(net.write_pcap(tmp_path / "s.pcap"))
    pcapng = dissect_capture(net.write_pcapng(tmp_path / "s.pcapng"))
    assert pcapng.errors == []
    assert [r.as_dict() for r in pcapng.records] == [r.as_dict() for r in pcap.records]


def test_file_object_and_nanosecond_pcap(tmp_path: Path) -> None:
    net = Net()
    build_session(net)
    buf = io.BytesIO()
    writer = dpkt.pcap.Writer(buf, snaplen=65535, nano=True)
    for ts, frame in net.frames:
        writer.writepkt(frame, ts=ts)
    buf.seek(0)
    result = dissect_capture(buf)
    assert comparable(result.records) == expected_session()
    assert abs(result.records[0].time - (T0 + 3 * 0.001)) < 1e-6


# -- reassembly -------------------------------------------------------------------------


def session_streams() -> tuple[bytes, bytes]:
    """The command connection's two directions, as byte streams."""
    up = (
        InitCommandRequest(GUID_I, "vm").encode()
        + h(HEX_OPEN_SESSION)
        + h(HEX_GET_DEVICE_INFO)
        + h(HEX_CLOSE_SESSION)
    )
    down = (
        InitCommandAck(1, GUID_R, "X-H1").encode()
        + h(HEX_RESPONSE_OK, tid=tid_hex(0))
        + device_info_phase()
        + h(HEX_RESPONSE_OK, tid=tid_hex(3))
    )
    return up, down


def reference_records(tmp_path: Path) -> list[dict[str, object]]:
    net = Net()
    conn = net.conn(50100)
    conn.handshake()
    up, down = session_streams()
    conn.send(conn.C, up)
    conn.send(conn.S, down)
    conn.close()
    result = dissect_frames(tmp_path, net, "ref.pcap")
    assert result.errors == []
    return comparable(result.records)


def test_one_packet_across_many_segments(tmp_path: Path) -> None:
    net = Net()
    conn = net.conn(50100)
    conn.handshake()
    up, down = session_streams()
    conn.send(conn.C, up, cuts=range(1, len(up)))  # one byte per segment
    conn.send(conn.S, down, cuts=range(7, len(down), 7))
    conn.close()
    result = dissect_frames(tmp_path, net)
    assert result.errors == []
    assert comparable(result.records) == reference_records(tmp_path)
    # In-order delivery: each packet is numbered by the frame of its first byte.
    first_up = [r for r in result.records if r.direction == "to_responder"]
    assert [r.frame for r in first_up][:2] == [4, 4 + 34]


def test_all_packets_in_one_segment(tmp_path: Path) -> None:
    net = Net()
    conn = net.conn(50100)
    conn.handshake()
    up, down = session_streams()
    up_frame = conn.send(conn.C, up)[0]
    down_frame = conn.send(conn.S, down)[0]
    conn.close()
    result = dissect_frames(tmp_path, net)
    assert comparable(result.records) == reference_records(tmp_path)
    assert {r.frame for r in result.records} == {up_frame, down_frame}
    assert [r.at_segment_start for r in result.records[:2]] == [True, False]


def test_out_of_order_and_duplicate_segments(tmp_path: Path) -> None:
    net = Net()
    conn = net.conn(50100)
    conn.handshake()
    up, down = session_streams()
    ups = conn.segments(conn.C, up, cuts=(10, 34, 50, 60, 70))
    downs = conn.segments(conn.S, down, cuts=range(25, len(down), 25))
    rng = random.Random(7)
    # Each direction shuffled, with duplicates; requests still go out before responses.
    for segments in (ups + ups[:2], downs + rng.sample(downs, 5)):
        rng.shuffle(segments)
        for frame in segments:
            net.add(frame)
    net.add(downs[3])  # a retransmission after everything arrived
    conn.close()
    result = dissect_frames(tmp_path, net)
    assert result.errors == []
    # Records are in capture order (a packet whose segment came early comes early);
    # put back in stream order, each direction is the same as when sent in order.
    got = comparable(sorted(result.records, key=lambda r: r.offset))
    want = reference_records(tmp_path)
    for direction in ("to_responder", "to_initiator"):
        assert [r for r in got if r["direction"] == direction] == [
            r for r in want if r["direction"] == direction
        ]
    frames = [r.frame for r in result.records]
    assert frames == sorted(frames)


def test_overlapping_retransmission_with_different_cuts(tmp_path: Path) -> None:
    net = Net()
    conn = net.conn(50100)
    conn.handshake()
    up, down = session_streams()
    conn.send(conn.C, up)
    # Segments [0,100), then a retransmission [50,300) overlapping it, then the rest.
    net.add(conn.raw(conn.S, 0, down[:100]))
    net.add(conn.raw(conn.S, 50, down[50:300]))
    net.add(conn.raw(conn.S, 300, down[300:]))
    conn.sent[conn.S] = len(down)
    conn.close()
    result = dissect_frames(tmp_path, net)
    assert result.errors == []
    assert comparable(result.records) == reference_records(tmp_path)


def test_streams_numbered_like_tshark_and_port_reuse(tmp_path: Path) -> None:
    net = Net()
    other = net.conn(40000, server_port=80)  # not PTP/IP: numbered, not dissected
    other.handshake()
    other.send(other.C, b"GET / HTTP/1.0\r\n\r\n")
    first = net.conn(50200)
    first.handshake()
    first.send(first.C, h(HEX_GET_DEVICE_INFO))
    first.close()
    again = net.conn(50200)  # same 4-tuple after FIN: a new stream
    again.isn = {again.C: 1234, again.S: 5678}
    again.handshake()
    again.send(again.C, h(HEX_CLOSE_SESSION))
    result = dissect_frames(tmp_path, net)
    assert result.tcp_streams == 3 and result.ptpip_streams == 2
    assert [(r.stream, r.get("code_name"), r.channel) for r in result.records] == [
        (1, "GetDeviceInfo", "unknown"),
        (2, "CloseSession", "unknown"),
    ]


def test_other_port(tmp_path: Path) -> None:
    net = Net()
    conn = net.conn(50300, server_port=15741)
    conn.handshake()
    conn.send(conn.C, InitCommandRequest(GUID_I, "vm").encode())
    path = net.write_pcap(tmp_path / "p.pcap")
    assert dissect_capture(path).records == []
    records = dissect_capture(path, port=15741).records
    assert [(r.type_name, r.channel, r.direction) for r in records] == [
        ("InitCommandRequest", "command", "to_responder")
    ]
    assert comparable(dissect_capture(path, port=None).records) == comparable(records)


def test_any_port_by_the_handshake(tmp_path: Path) -> None:
    """port=None (the command's default): connections found by their first packet, on
    any port; others (HTTP, a PTP/IP stream without its handshake) are left alone."""
    net = Net()
    web = net.conn(40000, server_port=8080)
    web.handshake()
    web.send(web.C, b"GET / HTTP/1.0\r\n\r\n")
    command = net.conn(50400, server_port=15800)
    command.handshake()
    command.send(command.C, InitCommandRequest(GUID_I, "vm").encode(), cuts=[3])  # split
    events = net.conn(50401, server_port=15800)
    events.handshake()
    events.send(events.S, h("08 00 00 00 04 00 00 00"))  # request missed: an Init Event Ack
    headless = net.conn(50402, server_port=9999)
    headless.handshake()
    headless.send(headless.C, h(HEX_GET_DEVICE_INFO))  # no handshake: not found this way
    path = net.write_pcap(tmp_path / "any.pcap")
    result = dissect_capture(path, port=None)
    assert result.tcp_streams == 4 and result.ptpip_streams == 2
    assert [(r.stream, r.type_name, r.channel, r.direction) for r in result.records] == [
        (1, "InitCommandRequest", "command", "to_responder"),
        (2, "InitEventAck", "unknown", "to_initiator"),  # the channel: from the request
    ]
    assert dissect_capture(path).records == []  # port 15740 only
    shown = CliRunner().invoke(dissect_command, [str(path)])
    assert shown.exit_code == 0 and "InitCommandRequest" in shown.stdout


# -- datasets ---------------------------------------------------------------------------


def transaction(
    tid: int, code: int, params: Sequence[int], data: bytes, *, out: bool = False
) -> tuple[bytes, bytes]:
    """(initiator bytes, responder bytes) of one transaction with a data phase."""
    request = OperationRequest(2 if out else 1, code, tid, tuple(params)).encode()
    phase = StartData(tid, len(data)).encode() + EndData(tid, data).encode()
    response = OperationResponse(0x2001, tid).encode()
    return (request + phase, response) if out else (request, phase + response)


def run_transactions(tmp_path: Path, items: Sequence[tuple[bytes, bytes]]) -> list[Record]:
    net = Net()
    conn = net.conn(50400)
    conn.handshake()
    conn.send(conn.C, InitCommandRequest(GUID_I, "vm").encode())
    conn.send(conn.S, InitCommandAck(1, GUID_R, "cam").encode())
    for up, down in items:
        conn.send(conn.C, up)
        conn.send(conn.S, down)
    conn.close()
    result = dissect_frames(tmp_path, net)
    assert result.errors == []
    return result.records


def datasets(records: Sequence[Record]) -> list[dict[str, object] | str]:
    out: list[dict[str, object] | str] = []
    for record in records:
        if record.dataset is not None:
            out.append(record.dataset)
        if record.dataset_error is not None:
            out.append(f"error: {record.dataset_error}")
    return out


def test_datasets_by_operation(tmp_path: Path) -> None:
    storage = StorageInfo(
        storage_type=4,
        filesystem_type=2,
        access_capability=0,
        max_capacity=64 << 30,
        free_space_in_bytes=32 << 30,
        free_space_in_images=1000,
        storage_description="SD",
        volume_label="CARD",
    )
    obj = ObjectInfo(
        storage_id=0x00010001,
        object_format=0x3801,
        object_compressed_size=12345,
        parent_object=0,
        filename="DSCF0001.JPG",
        capture_date="20240101T120000",
    )
    desc = DevicePropDesc(
        device_prop_code=0x5001,
        data_type=2,  # UINT8
        get_set=0,
        factory_default_value=100,
        current_value=87,
        form=PropRange(0, 100, 1),
    )
    records = run_transactions(
        tmp_path,
        [
            transaction(1, 0x1005, [0x00010001], storage.encode()),
            transaction(2, 0x1007, [0xFFFFFFFF, 0, 0xFFFFFFFF], encode_u32_array([1, 2, 3])),
            transaction(3, 0x1008, [1], obj.encode()),
            transaction(4, 0x100C, [0x00010001, 0xFFFFFFFF], obj.encode(), out=True),
            transaction(5, 0x1015, [0x5001], b"\x57"),  # before any desc: no type known
            transaction(6, 0x1014, [0x5001], desc.encode()),
            transaction(7, 0x1015, [0x5001], b"\x57"),
            transaction(8, 0x1016, [0x5001], b"\x50", out=True),
            transaction(9, 0x1008, [2], b"\x01\x02\x03"),  # damaged dataset
            transaction(10, 0x1009, [1], b"\xff\xd8 jpeg bytes"),  # GetObject: no dataset
        ],
    )
    obj_dict = {"type": "ObjectInfo", **asdict(obj)}
    assert datasets(records) == [
        {
            "type": "StorageInfo",
            "storage_type": 4,
            "filesystem_type": 2,
            "access_capability": 0,
            "max_capacity": 64 << 30,
            "free_space_in_bytes": 32 << 30,
            "free_space_in_images": 1000,
            "storage_description": "SD",
            "volume_label": "CARD",
        },
        {"type": "ObjectHandles", "handles": [1, 2, 3]},
        obj_dict,
        obj_dict,
        {
            "type": "DevicePropDesc",
            "device_prop_name": "BatteryLevel",
            "device_prop_code": 0x5001,
            "data_type": 2,
            "get_set": 0,
            "factory_default_value": 100,
            "current_value": 87,
            "form_flag": 1,
            "minimum_value": 0,
            "maximum_value": 100,
            "step_size": 1,
        },
        {
            "type": "DevicePropValue",
            "device_prop_code": 0x5001,
            "device_prop_name": "BatteryLevel",
            "data_type": 2,
            "value": 87,
        },
        {
            "type": "DevicePropValue",
            "device_prop_code": 0x5001,
            "device_prop_name": "BatteryLevel",
            "data_type": 2,
            "value": 80,
        },
        "error: ObjectInfo: u32: need 4 bytes at offset 0, only 3 left",
    ]
    # The dataset sits on the End Data, and for SendObjectInfo it goes to the responder.
    carriers = [(r.type_name, r.direction) for r in records if r.dataset is not None]
    assert ("EndData", "to_responder") in carriers
    assert all(name == "EndData" for name, _ in carriers)
    assert json.loads(json.dumps(records[-1].as_dict())) == records[-1].as_dict()


def test_enum_prop_desc_and_string_value(tmp_path: Path) -> None:
    from ptpkit.proto.datasets import PropEnum

    desc = DevicePropDesc(
        device_prop_code=0xD402,
        data_type=0xFFFF,
        get_set=1,
        factory_default_value="cam",
        current_value="my cam",
        form=None,
    )
    wb = DevicePropDesc(
        device_prop_code=0x5005,
        data_type=4,
        get_set=1,
        factory_default_value=2,
        current_value=4,
        form=PropEnum((2, 4, 6)),
    )
    value = b"\x03" + "ok\x00".encode("utf-16-le")
    records = run_transactions(
        tmp_path,
        [
            transaction(1, 0x1014, [0xD402], desc.encode()),
            transaction(2, 0x1015, [0xD402], value),
            transaction(3, 0x1014, [0x5005], wb.encode()),
        ],
    )
    got = datasets(records)
    assert got[0] == {
        "type": "DevicePropDesc",
        "device_prop_name": "DeviceFriendlyName",
        "device_prop_code": 0xD402,
        "data_type": 0xFFFF,
        "get_set": 1,
        "factory_default_value": "cam",
        "current_value": "my cam",
        "form_flag": 0,
    }
    assert got[1] == {
        "type": "DevicePropValue",
        "device_prop_code": 0xD402,
        "device_prop_name": "DeviceFriendlyName",
        "data_type": 0xFFFF,
        "value": "ok",
    }
    assert got[2] == {
        "type": "DevicePropDesc",
        "device_prop_name": "WhiteBalance",
        "device_prop_code": 0x5005,
        "data_type": 4,
        "get_set": 1,
        "factory_default_value": 2,
        "current_value": 4,
        "form_flag": 2,
        "supported_values": [2, 4, 6],
    }
    assert format_dataset(got[2]) == "DevicePropDesc: WhiteBalance UINT16 = 4 enum [2, 4, 6]"


def test_data_phase_completed_by_length_without_end_data(tmp_path: Path) -> None:
    ids = encode_u32_array([7])
    down = (
        StartData(1, len(ids)).encode()
        + Data(1, ids).encode()  # announced length reached: no End Data needed
        + OperationResponse(0x2001, 1).encode()
    )
    records = run_transactions(tmp_path, [(OperationRequest(1, 0x1004, 1).encode(), down)])
    data = next(r for r in records if r.type_name == "Data")
    assert data.dataset == {"type": "StorageIDs", "ids": [7]}


def test_unknown_length_and_empty_end_data(tmp_path: Path) -> None:
    ids = encode_u32_array([1, 2])
    down = (
        StartData(1, 0xFFFFFFFFFFFFFFFF).encode()
        + Data(1, ids[:5]).encode()
        + Data(1, ids[5:]).encode()
        + EndData(1).encode()
        + OperationResponse(0x2001, 1).encode()
    )
    records = run_transactions(tmp_path, [(OperationRequest(1, 0x1004, 1).encode(), down)])
    end = next(r for r in records if r.type_name == "EndData")
    assert end.dataset == {"type": "StorageIDs", "ids": [1, 2]}
    assert end.get("payload_length") == 0
    start = next(r for r in records if r.type_name == "StartData")
    assert start.get("total_length") == 0xFFFFFFFFFFFFFFFF


def test_oversized_data_phase_is_counted_not_kept(tmp_path: Path) -> None:
    net = Net()
    conn = net.conn(50500)
    conn.handshake()
    conn.send(conn.C, OperationRequest(1, 0x1001, 1).encode())
    blob = bytes(5000)
    conn.send(
        conn.S,
        StartData(1, len(blob)).encode() + EndData(1, blob).encode(),
        cuts=range(1000, 5000, 1000),
    )
    result = dissect_capture(net.write_pcap(tmp_path / "big.pcap"), max_dataset_size=4096)
    end = next(r for r in result.records if r.type_name == "EndData")
    assert end.dataset is None
    assert end.dataset_error == (
        "DeviceInfo data phase of 5000 bytes is over the 4096-byte decoding limit"
    )


def test_event_channel_data_is_not_a_transaction(tmp_path: Path) -> None:
    net = Net()
    evt = net.conn(50600)
    evt.handshake()
    evt.send(evt.C, InitEventRequest(3).encode())
    evt.send(evt.S, h(HEX_INIT_EVENT_ACK) + ProbeRequest().encode() + InitFail(2).encode())
    result = dissect_frames(tmp_path, net)
    assert [(r.channel, r.type_name, r.get("reason")) for r in result.records] == [
        ("event", "InitEventRequest", None),
        ("event", "InitEventAck", None),
        ("event", "ProbeRequest", None),
        ("event", "InitFail", 2),
    ]


# -- damage -----------------------------------------------------------------------------


def error_messages(result: DissectResult) -> list[str]:
    return [str(r.error) for r in result.errors]


def test_truncated_file_reports_and_keeps_what_it_read(tmp_path: Path) -> None:
    net = Net()
    build_session(net)
    path = net.write_pcap(tmp_path / "full.pcap")
    data = path.read_bytes()
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(data[:-30])
    result = dissect_capture(cut)
    assert result.frames == len(net.frames) - 1
    last = result.records[-1]
    assert last.stream is None and last.error == (
        f"capture file is truncated: frame {len(net.frames)} is cut short"
    )
    assert len(result.packets) == len(expected_session())
    # Cut inside a record header: same report, one frame earlier.
    cut.write_bytes(data[: len(data) - len(net.frames[-1][1]) - 8])
    result = dissect_capture(cut)
    assert error_messages(result) == [
        f"capture file is truncated after frame {len(net.frames) - 1}"
    ]


def test_cut_in_the_middle_of_a_packet(tmp_path: Path) -> None:
    net = Net()
    conn = net.conn(50700)
    conn.handshake()
    conn.send(conn.C, h(HEX_GET_DEVICE_INFO))
    info = fuji_device_info()
    conn.send(conn.S, StartData(1, len(info)).encode() + EndData(1, info).encode()[:200])
    result = dissect_frames(tmp_path, net)
    assert error_messages(result) == [
        "capture ends inside a EndData packet of 605 bytes (200 bytes of it captured)"
    ]
    assert [r.type_name for r in result.packets] == ["OperationRequest", "StartData"]


def test_closed_inside_a_packet_and_gap_never_filled(tmp_path: Path) -> None:
    net = Net()
    closed = net.conn(50800)
    closed.handshake()
    closed.send(closed.C, h(HEX_GET_DEVICE_INFO)[:10])
    closed.close()
    gap = net.conn(50801)
    gap.handshake()
    gap.send(gap.C, h(HEX_OPEN_SESSION))
    frames = gap.segments(gap.C, h(HEX_GET_DEVICE_INFO) + h(HEX_CLOSE_SESSION), cuts=(18,))
    gap_frame = net.add(frames[1])  # the first segment is never captured
    result = dissect_frames(tmp_path, net)
    errors = result.errors
    assert [(e.stream, e.direction, e.error) for e in errors] == [
        (
            0,
            "to_responder",
            "connection closed inside a packet; rest of this direction not decoded",
        ),
        (
            1,
            "to_responder",
            "TCP gap: bytes 22-39 of this direction never arrived; "
            "18 bytes after the gap not decoded",
        ),
    ]
    assert errors[1].frame == gap_frame
    assert [r.get("code_name") for r in result.packets] == ["OpenSession"]


def test_garbage_and_bad_lengths_inside_a_stream(tmp_path: Path) -> None:
    net = Net()
    bad = net.conn(50900)
    bad.handshake()
    bad.send(bad.C, h(HEX_OPEN_SESSION) + h("04000000 06000000") + h(HEX_CLOSE_SESSION))
    huge = net.conn(50901)
    huge.handshake()
    huge.send(huge.C, h("FFFFFF7F 01000000") + bytes(100))
    undecodable = net.conn(50902)
    undecodable.handshake()
    # A response with 3 stray parameter bytes, then a good one: only the first is lost.
    undecodable.send(
        undecodable.S,
        h("11000000 07000000 0120 01000000 AABBCC") + h(HEX_RESPONSE_OK, tid=tid_hex(1)),
    )
    short_data = net.conn(50903)
    short_data.handshake()
    short_data.send(short_data.S, h("0A000000 0A000000 0000"))
    result = dissect_frames(tmp_path, net)
    assert [(r.stream, r.type_name, r.error) for r in result.records] == [
        (0, "OperationRequest", None),
        (0, None, "framing error: packet length 4 is below the 8-byte header; "
         "rest of this direction not decoded"),
        (1, None, "framing error: packet of type 1 is 2147483647 bytes, over the "
         "1048576-byte cap; rest of this direction not decoded"),
        (2, "OperationResponse", "undecodable packet: response: 3 parameter bytes is not "
         "a multiple of 4"),
        (2, "OperationResponse", None),
        (3, None, "framing error: data packet of length 10 has no transaction id; "
         "rest of this direction not decoded"),
    ]  # fmt: skip
    assert result.records[3].length == 17


@pytest.mark.parametrize(
    "content",
    [b"", b"garbage, not a capture at all" * 10, b"\xd4\xc3\xb2\xa1\x02\x00", b"\x0a\x0d\x0d\x0a"],
    ids=["empty", "garbage", "cut-pcap-header", "cut-pcapng-header"],
)
def test_unreadable_files_raise_capture_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.pcap"
    path.write_bytes(content)
    with pytest.raises(CaptureError):
        dissect_capture(path)


def test_missing_file_and_unsupported_link_type(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="cannot read"):
        dissect_capture(tmp_path / "nope.pcap")
    net = Net()
    net.add(b"\x00" * 40)
    with pytest.raises(CaptureError, match="unsupported link type 105"):
        dissect_capture(net.write_pcap(tmp_path / "wifi.pcap", linktype=105))


def test_garbage_records_inside_a_pcap(tmp_path: Path) -> None:
    net = Net()
    build_session(net)
    data = bytearray(net.write_pcap(tmp_path / "s.pcap").read_bytes())
    # Overwrite the caplen of the 10th record with an absurd value.
    offset = 24
    for _ in range(9):
        offset += 16 + int.from_bytes(data[offset + 8 : offset + 12], "little")
    data[offset + 8 : offset + 12] = (0x7FFFFFF0).to_bytes(4, "little")
    bad = tmp_path / "bad.pcap"
    bad.write_bytes(bytes(data))
    result = dissect_capture(bad)
    assert result.frames == 9
    assert result.errors[-1].error == (
        "capture file is damaged at frame 10: _CorruptCapture: record or block length "
        "2147483632 is impossible"
    )
    # Random byte flips anywhere never raise anything but CaptureError.
    rng = random.Random(1)
    for _ in range(200):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 20)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        try:
            dissect_capture(io.BytesIO(bytes(mutated)))
        except CaptureError:
            pass


def test_random_stream_bytes_never_raise(tmp_path: Path) -> None:
    """Random payloads, random cuts, random reordering: records or error records only."""
    rng = random.Random(2)
    valid = h(HEX_OPEN_SESSION) + h(HEX_RESPONSE_OK, tid=tid_hex(0))
    for round_ in range(60):
        net = Net()
        conn = net.conn(52000 + round_)
        if rng.random() < 0.7:
            conn.handshake()
        for side in (conn.C, conn.S):
            data = bytearray(valid * rng.randint(0, 3))
            data += rng.randbytes(rng.randint(0, 300))
            if data and rng.random() < 0.5:
                data[rng.randrange(len(data))] ^= 0xFF
            cuts = (
                sorted(rng.sample(range(1, len(data)), min(5, len(data) - 1)))
                if len(data) > 1
                else []
            )
            frames = conn.segments(side, bytes(data), cuts)
            rng.shuffle(frames)
            for frame in frames[: rng.randint(0, len(frames))]:
                net.add(frame)
        if rng.random() < 0.5:
            conn.close()
        result = dissect_capture(net.write_pcap(tmp_path / f"r{round_}.pcap"))
        for record in result.records:
            assert record.is_error or record.packet_type is not None
            json.dumps(record.as_dict())


# -- link types -------------------------------------------------------------------------


def one_packet_frames() -> list[dpkt.ip.IP]:
    conn = Conn(Net(), 51000, PORT)
    pkt = InitCommandRequest(GUID_I, "vm").encode()
    src, dst = conn.ends[conn.C], conn.ends[conn.S]
    return [
        tcp_ip(src, dst, 100, 0, dpkt.tcp.TH_SYN, b""),
        tcp_ip(src, dst, 101, 1, dpkt.tcp.TH_ACK, pkt),
    ]


def ipv6(ip: dpkt.ip.IP) -> bytes:
    tcp = bytes(ip.data)
    header = (
        (6 << 28).to_bytes(4, "big")
        + len(tcp).to_bytes(2, "big")
        + bytes([6, 64])
        + b"\xfe\x80" + bytes(13) + b"\x01"
        + b"\xfe\x80" + bytes(13) + b"\x02"
    )  # fmt: skip
    return header + tcp


@pytest.mark.parametrize(
    ("linktype", "wrap"),
    [
        (1, ether),
        (113, lambda ip: bytes(14) + b"\x08\x00" + bytes(ip)),  # Linux cooked v1
        (276, lambda ip: b"\x08\x00" + bytes(18) + bytes(ip)),  # Linux cooked v2
        (101, bytes),  # raw IP
        (228, bytes),  # IPv4
        (0, lambda ip: (2).to_bytes(4, "little") + bytes(ip)),  # BSD null
        (108, lambda ip: (2).to_bytes(4, "big") + bytes(ip)),  # OpenBSD loop
        (229, ipv6),  # IPv6
        (
            1,  # Ethernet, VLAN-tagged IPv6
            lambda ip: bytes(12) + b"\x81\x00\x00\x05\x86\xdd" + ipv6(ip),
        ),
    ],
    ids=["ethernet", "sll", "sll2", "raw", "ipv4", "null", "loop", "ipv6", "vlan-ipv6"],
)
def test_link_types(tmp_path: Path, linktype: int, wrap: object) -> None:
    assert callable(wrap)
    net = Net()
    for ip in one_packet_frames():
        net.add(wrap(ip))
    result = dissect_capture(net.write_pcap(tmp_path / "l.pcap", linktype=linktype))
    assert result.errors == []
    assert [(r.frame, r.type_name, r.get("name")) for r in result.records] == [
        (2, "InitCommandRequest", "vm")
    ]


def test_ethernet_padding_and_snaplen_cut(tmp_path: Path) -> None:
    net = Net()
    conn = net.conn(51100)
    conn.handshake()
    # A 14-byte response in a frame padded with trailing garbage: the IP length rules.
    padded = conn.raw(conn.S, 0, h(HEX_RESPONSE_OK, tid=tid_hex(0)))
    net.add(padded + b"\xee" * 20)
    conn.sent[conn.S] = 14
    # A frame cut by the snapshot length: the missing bytes are a gap.
    frame = conn.raw(conn.S, 14, h(HEX_RESPONSE_OK, tid=tid_hex(1)) * 3)
    net.add(frame[:-20])
    conn.sent[conn.S] += 42
    conn.send(conn.S, h(HEX_RESPONSE_OK, tid=tid_hex(2)))
    result = dissect_frames(tmp_path, net)
    assert [(r.get("tid"), r.error) for r in result.records] == [
        (0, None),
        (1, None),
        (
            None,
            "TCP gap: bytes 36-55 of this direction never arrived; 14 bytes after the gap "
            "not decoded",
        ),
    ]


# -- the command ------------------------------------------------------------------------


def test_cli_json(tmp_path: Path) -> None:
    net = Net()
    build_session(net)
    path = net.write_pcap(tmp_path / "s.pcap")
    result = CliRunner().invoke(dissect_command, [str(path), "--json"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    objects = [json.loads(line) for line in lines]
    assert len(objects) == len(expected_session())
    for obj, want in zip(objects, expected_session(), strict=True):
        frame, time = obj.pop("frame"), obj.pop("time")
        assert isinstance(frame, int) and isinstance(time, float)
        assert obj == want
        assert list(obj)[:3] == ["stream", "direction", "channel"]
    assert result.stderr == ""


def test_cli_table(tmp_path: Path) -> None:
    net = Net()
    build_session(net)
    path = net.write_pcap(tmp_path / "s.pcap")
    result = CliRunner().invoke(dissect_command, [str(path)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "FRAME", "TIME", "STREAM", "DIR", "CHANNEL", "TYPE", "TID", "CODE", "DETAILS",
    ]  # fmt: skip
    assert len(lines) == 1 + len(expected_session())
    end_data = next(line for line in lines if "DeviceInfo:" in line)
    assert end_data.endswith("payload=293 | DeviceInfo: FUJIFILM X-H1, 27 ops")
    assert end_data.split()[3:7] == ["<-", "command", "EndData", "1"]
    open_line = next(line for line in lines if "OpenSession" in line)
    assert open_line.split()[3:8] == ["->", "command", "OperationRequest", "0", "OpenSession"]
    assert open_line.endswith("params=[0x00000001] dp=1")
    assert any("StorageIDs: [0x00010001, 0x00020001]" in line for line in lines)
    # Columns line up: the TYPE column starts at the same place on every line.
    type_col = lines[0].index("TYPE")
    assert all(line[type_col - 2 : type_col] == "  " for line in lines[1:])


def test_cli_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    garbage = tmp_path / "garbage.pcap"
    garbage.write_bytes(b"this is not a capture")
    result = runner.invoke(dissect_command, [str(garbage), "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "not a pcap or pcapng file" in result.stderr
    missing = runner.invoke(dissect_command, [str(tmp_path / "missing.pcap")])
    assert missing.exit_code == 2 and "cannot read" in missing.stderr

    net = Net()
    build_session(net)
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(net.write_pcap(tmp_path / "s.pcap").read_bytes()[:-30])
    result = runner.invoke(dissect_command, [str(cut), "--json"])
    assert result.exit_code == 1
    last = json.loads(result.stdout.splitlines()[-1])
    assert set(last) == {"frame", "time", "error"}
    assert result.stderr.count("\n") == 1
    assert "1 problem(s) in the capture" in result.stderr
    table = runner.invoke(dissect_command, [str(cut)])
    assert table.exit_code == 1
    assert "ERROR: capture file is truncated" in table.stdout.splitlines()[-1]


def test_cli_no_packets(tmp_path: Path) -> None:
    net = Net()
    net.add(b"\x00" * 60)
    result = CliRunner().invoke(dissect_command, [str(net.write_pcap(tmp_path / "e.pcap"))])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "no PTP/IP packets (no handshake on any port, nothing on port 15740) in 1 frames" in (
        result.stderr
    )
    on_port = CliRunner().invoke(dissect_command, [str(tmp_path / "e.pcap"), "--port", "15741"])
    assert "no PTP/IP packets on TCP port 15741 in 1 frames" in on_port.stderr


# -- vendors ----------------------------------------------------------------------------


class AcmeOperationCode(IntEnum):
    # 0x90C7 is also VendorOperationCode.NikonGetEvent: the device's vendor must win.
    AcmeGetEventList = 0x90C7


class AcmeEventCode(IntEnum):
    AcmeShutterPressed = 0xC101


@dataclass(frozen=True, slots=True)
class AcmeEventList:
    events: tuple[int, ...]

    @classmethod
    def decode(cls, data: bytes) -> AcmeEventList:
        return cls(decode_u16_array(data))


ACME = Vendor(
    name="acme",
    extension_id=0x7777,
    manufacturers=("Acme",),
    codes={"operation": (AcmeOperationCode,), "event": (AcmeEventCode,)},
    datasets={0x90C7: AcmeEventList.decode},
)


def test_vendor_names_and_datasets_follow_the_device_info(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ptpkit.proto.vendors.registry.KNOWN_VENDORS", (ACME,))
    info = DeviceInfo(vendor_extension_id=0xFFFFFFFF, manufacturer="Acme Corporation")
    # u32 count 2, then 0xC101 and 0x4002 (hand-written: a UINT16 array)
    events = h("02000000 01C1 0240")
    records = run_transactions(
        tmp_path,
        [
            transaction(1, 0x90C7, [], events),  # before the DeviceInfo: no vendor yet
            transaction(2, 0x1001, [], info.encode()),
            transaction(3, 0x90C7, [], events),
            transaction(4, 0x90C7, [], b"\x01\x00"),  # damaged
        ],
    )
    requests = [r for r in records if r.type_name == "OperationRequest"]
    assert [r.get("code_name") for r in requests] == [
        "NikonGetEvent",
        "GetDeviceInfo",
        "AcmeGetEventList",
        "AcmeGetEventList",
    ]
    got = datasets(records)
    assert isinstance(got[0], dict) and got[0]["type"] == "DeviceInfo"
    assert got[1:] == [
        {"type": "AcmeEventList", "events": [0xC101, 0x4002]},
        "error: AcmeGetEventList: u32: need 4 bytes at offset 0, only 2 left",
    ]


def test_find_vendor_by_extension_id_or_manufacturer() -> None:
    other = Vendor(name="other", extension_id=0xA, manufacturers=("Other",))
    known = (ACME, other)
    assert find_vendor(0x7777, "", known) is ACME
    assert find_vendor(0xA, "Acme", known) is other  # the extension id decides first
    assert find_vendor(6, "Acme Corporation", known) is ACME  # Microsoft's id: the name
    assert find_vendor(0xFFFFFFFF, "made by Other", known) is other  # MTP's id: the name
    assert find_vendor(0x1234, "Acme Corporation", known) is None  # a maker's id, not ours
    assert find_vendor(0xFFFFFFFF, "Nobody", known) is None
    assert vendor_code_name(ACME, "event", 0xC101) == "AcmeShutterPressed"
    assert vendor_code_name(ACME, "event", 0x4002) == "ObjectAdded"
    assert vendor_code_name(None, "operation", 0x90C7) == "NikonGetEvent"
    assert vendor_code_name(ACME, "property", 0xD123) == "Vendor_0xD123"
