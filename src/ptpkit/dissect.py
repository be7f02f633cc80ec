"""Dissect PTP/IP traffic in pcap and pcapng captures.

:func:`dissect_capture` reads a capture file, reassembles every TCP connection on the
PTP/IP port, splits each direction into PTP/IP packets with
:class:`~ptpkit.proto.framing.PacketReader`, follows the transactions and decodes the
datasets carried in data phases. It prints nothing: it returns a
:class:`DissectResult` holding one :class:`Record` per PTP/IP packet (and one per
problem found), which the ``ptpkit dissect`` command renders.

What it does that Wireshark's ``ptpip`` dissector does not (reference §1.10): TCP
reassembly (several packets in one segment, one packet over many segments, duplicate,
retransmitted and out-of-order segments), parameters of every packet, and datasets.

Decisions, made here once:

* **Input.** pcap (any byte order, micro- or nanosecond) and pcapng, told apart by their
  magic number and read with dpkt. Link types: Ethernet (with VLAN tags), Linux cooked
  v1 and v2, raw IP, IPv4, IPv6 and BSD loopback/null. pcapng files are read with the
  link type of their first interface. IP fragments are not reassembled (skipped).
* **Streams.** Every TCP connection in the capture, on any port, gets a number in order
  of first appearance starting at 0, so that the numbers match tshark's ``tcp.stream``
  when the capture holds nothing unusual; a SYN on a 4-tuple whose previous connection
  was closed, or with another initial sequence number, starts a new stream. Only
  connections with the PTP/IP port on one side are dissected. The side on that port is
  the responder (if both are, the side that sent the SYN is the initiator).
* **Order.** Records are in capture order: sorted by ``frame``, the 1-based number of
  the capture frame whose TCP segment carries the packet's first byte (after
  reassembly: for a retransmitted or overlapping segment, the copy whose bytes were
  used). Packets that start in the same segment keep their order in the stream.
* **Data phases.** A data phase opens with Start Data and completes at End Data, or at
  the end of the packet in which the announced length is reached, whichever comes
  first; the packet that completes it carries the decoded ``dataset``. A property value
  (Get/SetDevicePropValue) is decoded when a DevicePropDesc for that property came
  earlier in the capture from the same responder (address and port), which also covers
  gphoto2's one-connection-per-run habit. Payloads are
  kept for decoding only for operations whose dataset we know and only up to
  ``max_dataset_size`` (16 MiB); larger phases are counted, not kept.
* **Damage** never raises: a gap in a TCP stream that never fills, a framing error, a
  connection closed or a capture ending inside a packet, or a cut or corrupt capture
  file become records with an ``error`` key, and end only what they must (the one
  direction of one connection, or the rest of the file). Only a file that cannot be
  read at all (missing, not pcap/pcapng, unsupported link type) raises
  :class:`CaptureError`.
"""

from __future__ import annotations

import heapq
import os
from collections import deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any, BinaryIO, Literal, NamedTuple

import dpkt

from ptpkit.errors import CaptureError, PtpError, RemoteProtocolError
from ptpkit.proto.codes import CodeKind, DataType, OperationCode, PacketType, code_name
from ptpkit.proto.datasets import (
    DeviceInfo,
    DevicePropDesc,
    ObjectInfo,
    PropEnum,
    PropRange,
    StorageInfo,
    decode_u32_array,
    decode_value,
)
from ptpkit.proto.framing import DataChunk, PacketReader
from ptpkit.proto.packets import (
    HEADER_SIZE,
    Cancel,
    Event,
    InitCommandAck,
    InitCommandRequest,
    InitEventRequest,
    InitFail,
    OperationRequest,
    OperationResponse,
    Packet,
    StartData,
)

__all__ = [
    "DEFAULT_MAX_DATASET_SIZE",
    "DEFAULT_PORT",
    "CaptureError",
    "ChannelKind",
    "Direction",
    "DissectResult",
    "Record",
    "dissect_capture",
]

DEFAULT_PORT = 15740
DEFAULT_MAX_DATASET_SIZE = 16 << 20

Direction = Literal["to_responder", "to_initiator"]
ChannelKind = Literal["command", "event", "unknown"]

TO_RESPONDER: Direction = "to_responder"
TO_INITIATOR: Direction = "to_initiator"

#: Largest single read from a capture file: a record or block above it is corruption.
_MAX_CAPTURE_READ = 64 << 20
#: Out-of-order bytes held per direction before the gap is declared permanent.
_MAX_PENDING = 64 << 20
_SEQ_MOD = 1 << 32
_DATA_HEADER_SIZE = HEADER_SIZE + 4  # header + transaction id

_PCAP_MAGICS = frozenset(
    {
        b"\xd4\xc3\xb2\xa1",  # microseconds, little-endian
        b"\xa1\xb2\xc3\xd4",  # microseconds, big-endian
        b"\x4d\x3c\xb2\xa1",  # nanoseconds, little-endian
        b"\xa1\xb2\x3c\x4d",  # nanoseconds, big-endian
    }
)
_PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"

# Link-layer header types (tcpdump.org/linktypes.html); 12 and 14 are DLT_RAW values
# some systems write instead of LINKTYPE_RAW (101).
_LINK_NULL = 0
_LINK_ETHERNET = 1
_LINK_RAW = frozenset({12, 14, 101})
_LINK_LOOP = 108
_LINK_SLL = 113
_LINK_IPV4 = 228
_LINK_IPV6 = 229
_LINK_SLL2 = 276
_SUPPORTED_LINKS = frozenset(
    {_LINK_NULL, _LINK_ETHERNET, _LINK_LOOP, _LINK_SLL, _LINK_IPV4, _LINK_IPV6, _LINK_SLL2}
    | _LINK_RAW
)
_ETHERTYPE_IPV4 = 0x0800
_ETHERTYPE_IPV6 = 0x86DD
_ETHERTYPE_VLAN = frozenset({0x8100, 0x88A8, 0x9100})
_IPPROTO_TCP = 6
_IPV6_EXTENSIONS = frozenset({0, 43, 60})  # hop-by-hop, routing, destination options
_IPV6_FRAGMENT = 44
_IPV6_AH = 51

_TCP_FIN = 0x01
_TCP_SYN = 0x02
_TCP_RST = 0x04
_TCP_ACK = 0x10


# -- records ----------------------------------------------------------------------------


@dataclass(slots=True)
class Record:
    """One PTP/IP packet, or one problem found in the capture (``error`` set).

    :meth:`as_dict` gives the ``--json`` object. ``offset`` (the packet's byte offset in
    its direction of the connection) and ``at_segment_start`` (whether the packet starts
    at the first byte of the TCP segment numbered ``frame``) are for ordering and tests;
    they are not part of the JSON.
    """

    frame: int
    time: float
    stream: int | None = None
    direction: Direction | None = None
    channel: ChannelKind | None = None
    packet_type: int | None = None
    type_name: str | None = None
    length: int | None = None
    fields: dict[str, object] = field(default_factory=dict)
    dataset: dict[str, object] | None = None
    dataset_error: str | None = None
    error: str | None = None
    offset: int = 0
    at_segment_start: bool = False

    @property
    def is_error(self) -> bool:
        return self.error is not None

    def get(self, key: str) -> object:
        """A packet field (``tid``, ``code``, ``params`` …) or None."""
        return self.fields.get(key)

    def as_dict(self) -> dict[str, object]:
        """The JSON object: common keys first, then the packet's own, then dataset/error."""
        out: dict[str, object] = {}
        if self.stream is not None:
            out["stream"] = self.stream
        if self.direction is not None:
            out["direction"] = self.direction
        if self.channel is not None:
            out["channel"] = self.channel
        out["frame"] = self.frame
        out["time"] = self.time
        if self.packet_type is not None:
            out["type"] = self.packet_type
            out["type_name"] = self.type_name
        if self.length is not None:
            out["length"] = self.length
        out.update(self.fields)
        if self.dataset is not None:
            out["dataset"] = self.dataset
        if self.dataset_error is not None:
            out["dataset_error"] = self.dataset_error
        if self.error is not None:
            out["error"] = self.error
        return out

    def _sort_key(self) -> tuple[int, int, int, int]:
        stream = -1 if self.stream is None else self.stream
        return (self.frame, 1 if self.stream is None else 0, stream, self.offset)


@dataclass(slots=True)
class DissectResult:
    """Everything found in one capture."""

    records: list[Record]
    frames: int = 0
    tcp_streams: int = 0
    ptpip_streams: int = 0
    link_type: int = 0

    @property
    def packets(self) -> list[Record]:
        return [r for r in self.records if r.packet_type is not None and not r.is_error]

    @property
    def errors(self) -> list[Record]:
        return [r for r in self.records if r.is_error]


# -- capture files ----------------------------------------------------------------------


class _CorruptCapture(Exception):
    """Raised inside dpkt's reader through our file wrapper; caught at the boundary."""


class _TrackedFile:
    """A file wrapper that refuses absurd reads and remembers whether the last was short.

    dpkt's readers return short records silently at the end of a cut file and read the
    rest of the file for a negative block length; this is how we notice both.
    """

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.name = getattr(raw, "name", "<capture>")
        self.last_requested = 0
        self.last_got = 0

    def read(self, size: int = -1) -> bytes:
        if size < 0 or size > _MAX_CAPTURE_READ:
            raise _CorruptCapture(f"record or block length {size} is impossible")
        data = self._raw.read(size)
        self.last_requested = size
        self.last_got = len(data)
        return data

    @property
    def last_short(self) -> bool:
        return self.last_got < self.last_requested


class _Frame(NamedTuple):
    number: int
    time: float
    data: bytes


class _CaptureFile:
    """Frames of a pcap or pcapng file; ``damage`` says why reading stopped early."""

    def __init__(self, raw: BinaryIO) -> None:
        magic = raw.read(4)
        raw.seek(0)
        self._file = _TrackedFile(raw)
        self.damage: str | None = None
        self.count = 0
        reader: Any  # dpkt has no type hints
        try:
            if magic in _PCAP_MAGICS:
                self.format = "pcap"
                reader = dpkt.pcap.Reader(self._file)
            elif magic == _PCAPNG_MAGIC:
                self.format = "pcapng"
                reader = dpkt.pcapng.Reader(self._file)
            else:
                raise CaptureError("not a pcap or pcapng file")
            self.link_type = int(reader.datalink()) & 0xFFFF
        except CaptureError:
            raise
        except Exception as exc:  # dpkt on a damaged header: report, never a traceback
            raise CaptureError(
                f"unreadable {_format_name(magic)} header: {_describe(exc)}"
            ) from exc
        if self.link_type not in _SUPPORTED_LINKS:
            raise CaptureError(f"unsupported link type {self.link_type}")
        self._reader = reader

    def __iter__(self) -> Iterator[_Frame]:
        records = iter(self._reader)
        while True:
            number = self.count + 1
            try:
                ts, data = next(records)
            except StopIteration:
                break
            except Exception as exc:  # a corrupt record inside dpkt: stop here, report
                if self._file.last_short and not isinstance(exc, _CorruptCapture):
                    self.damage = f"capture file is truncated after frame {self.count}"
                else:
                    self.damage = f"capture file is damaged at frame {number}: {_describe(exc)}"
                return
            if self._file.last_short:
                self.damage = f"capture file is truncated: frame {number} is cut short"
                return
            self.count = number
            yield _Frame(number, float(ts), bytes(data))
        if 0 < self._file.last_got < self._file.last_requested:
            self.damage = f"capture file is truncated after frame {self.count}"


def _format_name(magic: bytes) -> str:
    return "pcapng" if magic == _PCAPNG_MAGIC else "pcap"


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# -- link, network and transport layers -----------------------------------------------


class _Segment(NamedTuple):
    src: tuple[bytes, int]
    dst: tuple[bytes, int]
    seq: int
    flags: int
    payload: bytes
    #: Payload length on the wire (from the IP length); more than len(payload) when the
    #: frame was cut by the snapshot length.
    wire_length: int


def _ip_packet(link_type: int, data: bytes) -> memoryview | None:
    """The bytes from the IP header on, or None when the frame carries no IP."""
    view = memoryview(data)
    if link_type == _LINK_ETHERNET:
        if len(view) < 14:
            return None
        ethertype = int.from_bytes(view[12:14], "big")
        offset = 14
        while ethertype in _ETHERTYPE_VLAN:
            if len(view) < offset + 4:
                return None
            ethertype = int.from_bytes(view[offset + 2 : offset + 4], "big")
            offset += 4
        return view[offset:] if ethertype in (_ETHERTYPE_IPV4, _ETHERTYPE_IPV6) else None
    if link_type == _LINK_SLL:
        if len(view) < 16 or int.from_bytes(view[14:16], "big") not in (
            _ETHERTYPE_IPV4,
            _ETHERTYPE_IPV6,
        ):
            return None
        return view[16:]
    if link_type == _LINK_SLL2:
        if len(view) < 20 or int.from_bytes(view[0:2], "big") not in (
            _ETHERTYPE_IPV4,
            _ETHERTYPE_IPV6,
        ):
            return None
        return view[20:]
    if link_type in (_LINK_NULL, _LINK_LOOP):
        # A 4-byte address family in host (NULL) or network (LOOP) order; its values
        # for IPv6 differ between systems, so the IP version nibble decides instead.
        return view[4:] if len(view) > 4 else None
    return view  # raw IP, IPv4, IPv6


def _tcp_segment(ip: memoryview) -> _Segment | None:
    """Parse IPv4/IPv6 + TCP headers; None for anything else or anything too short."""
    if len(ip) < 1:
        return None
    version = ip[0] >> 4
    if version == 4:
        if len(ip) < 20:
            return None
        header = (ip[0] & 0x0F) * 4
        total = int.from_bytes(ip[2:4], "big")
        if ip[9] != _IPPROTO_TCP or header < 20 or int.from_bytes(ip[6:8], "big") & 0x3FFF:
            return None  # not TCP, bad header, or a fragment (not reassembled)
        src_addr, dst_addr = bytes(ip[12:16]), bytes(ip[16:20])
        # Total length 0 happens on captures of segmentation-offloaded packets.
        end = total if total >= header else len(ip)
    elif version == 6:
        if len(ip) < 40:
            return None
        payload_length = int.from_bytes(ip[4:6], "big")
        next_header = ip[6]
        src_addr, dst_addr = bytes(ip[8:24]), bytes(ip[24:40])
        header = 40
        while next_header in _IPV6_EXTENSIONS or next_header == _IPV6_AH:
            if len(ip) < header + 2:
                return None
            ext_length = ip[header + 1]
            size = (ext_length + 2) * 4 if next_header == _IPV6_AH else (ext_length + 1) * 8
            next_header = ip[header]
            header += size
        if next_header != _IPPROTO_TCP:
            return None  # not TCP, or a fragment (not reassembled)
        end = 40 + payload_length if payload_length else len(ip)
    else:
        return None
    tcp = ip[header:end]
    if len(tcp) < 20:
        return None
    data_offset = (tcp[12] >> 4) * 4
    if data_offset < 20 or len(tcp) < data_offset:
        return None
    wire_length = max(0, end - header - data_offset)
    return _Segment(
        (src_addr, int.from_bytes(tcp[0:2], "big")),
        (dst_addr, int.from_bytes(tcp[2:4], "big")),
        int.from_bytes(tcp[4:8], "big"),
        tcp[13],
        bytes(tcp[data_offset:]),
        wire_length,
    )


# -- datasets ---------------------------------------------------------------------------

#: Operations whose data phase we decode, and the dataset each carries.
_DATASET_OPS: dict[int, str] = {
    OperationCode.GetDeviceInfo: "DeviceInfo",
    OperationCode.GetStorageIDs: "StorageIDs",
    OperationCode.GetStorageInfo: "StorageInfo",
    OperationCode.GetObjectHandles: "ObjectHandles",
    OperationCode.GetObjectInfo: "ObjectInfo",
    OperationCode.SendObjectInfo: "ObjectInfo",
    OperationCode.GetDevicePropDesc: "DevicePropDesc",
    OperationCode.GetDevicePropValue: "DevicePropValue",
    OperationCode.SetDevicePropValue: "DevicePropValue",
}


def _plain(value: object) -> object:
    """JSON-ready: tuples become lists, enum members plain ints, dicts recurse."""
    if isinstance(value, IntEnum):
        return int(value)
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _prop_desc_dict(desc: DevicePropDesc) -> dict[str, object]:
    """A DevicePropDesc with its form flattened: form_flag, then the form's fields."""
    out: dict[str, object] = {
        "device_prop_code": desc.device_prop_code,
        "data_type": int(desc.data_type),
        "get_set": desc.get_set,
        "factory_default_value": _plain(desc.factory_default_value),
        "current_value": _plain(desc.current_value),
        "form_flag": int(desc.form_flag),
    }
    form = desc.form
    if isinstance(form, PropRange):
        out["minimum_value"] = _plain(form.minimum_value)
        out["maximum_value"] = _plain(form.maximum_value)
        out["step_size"] = _plain(form.step_size)
    elif isinstance(form, PropEnum):
        out["supported_values"] = _plain(form.values)
    return out


def _dataclass_dict(kind: str, obj: DeviceInfo | StorageInfo | ObjectInfo) -> dict[str, object]:
    out: dict[str, object] = {"type": kind}
    for key, value in asdict(obj).items():
        out[key] = _plain(value)
    return out


# -- connections ------------------------------------------------------------------------


class _Delivered(NamedTuple):
    start: int
    data: bytes
    frame: int
    time: float


@dataclass(slots=True)
class _Phase:
    """A data phase in one direction of one connection."""

    tid: int
    total: int | None  # None: unknown (0xFFFF…FF) or no Start Data seen
    received: int = 0
    chunks: list[bytes] | None = None  # None: not kept (no known dataset, or too big)
    too_big: bool = False


class _Half:
    """One direction of a TCP connection: sequence-number reassembly into a PacketReader."""

    def __init__(self, conn: _Connection, direction: Direction) -> None:
        self.conn = conn
        self.direction = direction
        self.base: int | None = None  # sequence number of stream offset 0
        self.isn: int | None = None
        self.next = 0  # stream offset of the next byte expected
        self.pending: dict[int, _Delivered] = {}
        self.pending_heap: list[int] = []
        self.pending_bytes = 0
        self.fin_at: int | None = None
        self.closed_fed = False
        self.dead = False
        self.reader = PacketReader()
        self.segments: deque[_Delivered] = deque()
        # The packet in progress: where it starts, in the stream and in the capture.
        self.pkt_offset = 0
        self.pkt_frame = 0
        self.pkt_time = 0.0
        self.pkt_at_start = False
        self.pkt_data_header: tuple[int, int] | None = None  # (type, length) of a Data packet
        self.phase: _Phase | None = None

    # -- TCP ----------------------------------------------------------------------------
    def segment(self, seg: _Segment, frame: int, time: float) -> None:
        if self.dead or self.closed_fed:
            return
        seq = seg.seq
        if seg.flags & _TCP_SYN:
            if self.isn is None:
                self.isn = seq
                self.base = (seq + 1) % _SEQ_MOD
            seq = (seq + 1) % _SEQ_MOD
        if self.base is None:  # the capture started after the handshake
            self.base = seq
        start = self._unwrap(seq)
        if seg.flags & _TCP_FIN and self.fin_at is None:
            self.fin_at = start + seg.wire_length
        data = seg.payload
        if start < 0:  # bytes from before the stream began: drop them
            data = data[-start:]
            start = 0
        if data:
            self._accept(_Delivered(start, data, frame, time))
        self._check_fin()

    def _unwrap(self, seq: int) -> int:
        assert self.base is not None
        diff = (seq - self.base - self.next) % _SEQ_MOD
        if diff >= _SEQ_MOD // 2:
            diff -= _SEQ_MOD
        return self.next + diff

    def _accept(self, seg: _Delivered) -> None:
        end = seg.start + len(seg.data)
        if end <= self.next:
            return  # a duplicate or retransmission of bytes already used
        if seg.start > self.next:
            self._hold(seg)
            return
        self._deliver(seg)
        while self.pending_heap and self.pending_heap[0] <= self.next and not self.dead:
            held = self.pending.pop(heapq.heappop(self.pending_heap))
            self.pending_bytes -= len(held.data)
            if held.start + len(held.data) > self.next:
                self._deliver(held)

    def _hold(self, seg: _Delivered) -> None:
        """Keep an out-of-order segment until the bytes before it arrive."""
        old = self.pending.get(seg.start)
        if old is not None:
            if len(old.data) >= len(seg.data):
                return
            self.pending_bytes -= len(old.data)
        else:
            heapq.heappush(self.pending_heap, seg.start)
        self.pending[seg.start] = seg
        self.pending_bytes += len(seg.data)
        if self.pending_bytes > _MAX_PENDING:
            self._gap_error()

    def _deliver(self, seg: _Delivered) -> None:
        if seg.start < self.next:  # overlaps bytes already used: keep the new part only
            cut = self.next - seg.start
            seg = _Delivered(self.next, seg.data[cut:], seg.frame, seg.time)
        if self.fin_at is not None and seg.start + len(seg.data) > self.fin_at:
            seg = seg._replace(data=seg.data[: max(0, self.fin_at - seg.start)])
            if not seg.data:
                return
        self.segments.append(seg)
        self.reader.feed(seg.data)
        self.next += len(seg.data)
        self._drain()

    def _check_fin(self) -> None:
        if self.fin_at is not None and self.next >= self.fin_at and not self.closed_fed:
            self.closed_fed = True
            self.reader.feed(b"")
            self._drain()

    # -- PTP/IP framing -----------------------------------------------------------------
    @property
    def consumed(self) -> int:
        """Stream offset of the first byte the reader has not handed out yet."""
        return self.next - self.reader.buffered

    def _locate(self, offset: int) -> _Delivered | None:
        """The delivered segment holding stream byte ``offset``; older ones are dropped."""
        segments = self.segments
        while segments and segments[0].start + len(segments[0].data) <= offset:
            segments.popleft()
        if segments and segments[0].start <= offset:
            return segments[0]
        return None

    def _peek(self, offset: int, size: int) -> bytes:
        out = bytearray()
        for seg in self.segments:
            end = seg.start + len(seg.data)
            if end <= offset:
                continue
            begin = max(0, offset - seg.start)
            out += seg.data[begin : begin + size - len(out)]
            if len(out) >= size:
                break
        return bytes(out)

    def _mark_packet_start(self) -> None:
        offset = self.consumed
        self.pkt_data_header = None
        seg = self._locate(offset)
        self.pkt_offset = offset
        if seg is None:  # cannot happen while bytes are buffered; be safe anyway
            self.pkt_frame, self.pkt_time, self.pkt_at_start = 0, 0.0, False
        else:
            self.pkt_frame, self.pkt_time = seg.frame, seg.time
            self.pkt_at_start = seg.start == offset

    def _drain(self) -> None:
        reader = self.reader
        while not self.dead:
            if not reader.in_data_payload:
                if reader.buffered == 0:
                    if not self.closed_fed:
                        self._locate(self.consumed)  # drop used segments
                        return
                else:
                    self._mark_packet_start()
            try:
                item = reader.next_item()
            except RemoteProtocolError as exc:
                self._framing_error(exc)
                continue
            if item is None:
                return
            if isinstance(item, DataChunk):
                if item.first:
                    self.pkt_data_header = (item.packet_type, item.packet_length)
                self.conn.on_chunk(self, item)
                self._locate(self.consumed)  # drop segments used up, even mid-payload
            else:
                self.conn.on_packet(self, item, self.consumed - self.pkt_offset)

    def _framing_error(self, exc: RemoteProtocolError) -> None:
        consumed = self.consumed
        if consumed > self.pkt_offset and not self.reader.in_data_payload:
            # The reader skipped a whole control packet whose payload did not decode:
            # report it and carry on with the next packet.
            header = self._peek(self.pkt_offset, HEADER_SIZE)
            ptype = int.from_bytes(header[4:8], "little") if len(header) == HEADER_SIZE else None
            self.conn.add_record(
                self,
                packet_type=ptype,
                length=consumed - self.pkt_offset,
                error=f"undecodable packet: {exc}",
            )
            return
        self.dead = True
        if self.closed_fed:
            where = (
                "connection closed inside a packet"
                if "closed" in str(exc)
                else f"framing error: {exc}"
            )
        else:
            where = f"framing error: {exc}"
        self.conn.add_record(self, error=f"{where}; rest of this direction not decoded")

    def _gap_error(self) -> None:
        first = self.pending[self.pending_heap[0]]
        self.conn.add_record(
            self,
            error=(
                f"TCP gap: bytes {self.next}-{first.start - 1} of this direction never "
                f"arrived; {self.pending_bytes} bytes after the gap not decoded"
            ),
            frame=first.frame,
            time=first.time,
            offset=first.start,
        )
        self.dead = True
        self.pending.clear()
        self.pending_heap.clear()
        self.pending_bytes = 0

    def finish(self) -> None:
        """End of the capture: report a gap that never filled or a packet left open."""
        if self.dead:
            return
        if self.pending:
            self._gap_error()
            return
        if self.closed_fed or (self.reader.buffered == 0 and not self.reader.in_data_payload):
            return
        have = self.next - self.pkt_offset
        header = self._peek(self.pkt_offset, HEADER_SIZE)
        described = self.pkt_data_header if self.reader.in_data_payload else None
        if described is None and len(header) == HEADER_SIZE:
            length = int.from_bytes(header[:4], "little")
            described = (int.from_bytes(header[4:8], "little"), length)
        if described is None:
            what = "a packet header"
        else:
            what = f"a {code_name('packet', described[0])} packet of {described[1]} bytes"
        ending = "connection was reset" if self.conn.reset else "capture ends"
        self.conn.add_record(self, error=f"{ending} inside {what} ({have} bytes of it captured)")


class _Connection:
    """A TCP connection on the PTP/IP port: its two directions and its transactions."""

    def __init__(
        self,
        dissector: _Dissector,
        number: int,
        initiator: tuple[bytes, int],
        responder: tuple[bytes, int],
    ) -> None:
        self.dissector = dissector
        self.number = number
        self.initiator = initiator
        self.responder = responder
        self.halves: dict[Direction, _Half] = {
            TO_RESPONDER: _Half(self, TO_RESPONDER),
            TO_INITIATOR: _Half(self, TO_INITIATOR),
        }
        self.channel: ChannelKind | None = None
        self.records: list[Record] = []
        self.reset = False
        self.operations: dict[int, tuple[int, tuple[int, ...]]] = {}  # tid → (code, params)

    # -- TCP ----------------------------------------------------------------------------
    def segment(self, seg: _Segment, frame: int, time: float) -> None:
        if self.reset:
            return
        direction = TO_RESPONDER if seg.dst == self.responder else TO_INITIATOR
        self.halves[direction].segment(seg, frame, time)
        if seg.flags & _TCP_RST:
            self.reset = True

    def finish(self) -> None:
        for half in self.halves.values():
            half.finish()
        channel = self.channel or "unknown"
        for record in self.records:
            record.channel = channel

    # -- records ------------------------------------------------------------------------
    def add_record(
        self,
        half: _Half,
        *,
        packet_type: int | None = None,
        length: int | None = None,
        fields: dict[str, object] | None = None,
        error: str | None = None,
        frame: int | None = None,
        time: float | None = None,
        offset: int | None = None,
    ) -> Record:
        record = Record(
            frame=half.pkt_frame if frame is None else frame,
            time=half.pkt_time if time is None else time,
            stream=self.number,
            direction=half.direction,
            packet_type=packet_type,
            type_name=None if packet_type is None else code_name("packet", packet_type),
            length=length,
            fields=fields or {},
            error=error,
            offset=half.pkt_offset if offset is None else offset,
            at_segment_start=half.pkt_at_start if frame is None else False,
        )
        self.records.append(record)
        return record

    def _decide_channel(self, half: _Half, ptype: int) -> None:
        if self.channel is None and half.direction == TO_RESPONDER:
            if ptype == PacketType.InitCommandRequest:
                self.channel = "command"
            elif ptype == PacketType.InitEventRequest:
                self.channel = "event"
            else:
                self.channel = "unknown"

    # -- packets ------------------------------------------------------------------------
    def on_packet(self, half: _Half, packet: Packet, length: int) -> None:
        ptype = int(packet.type)
        self._decide_channel(half, ptype)
        record = self.add_record(
            half, packet_type=ptype, length=length, fields=_packet_fields(packet)
        )
        if self.channel == "event":
            return
        if isinstance(packet, OperationRequest):
            self.operations[packet.transaction_id] = (packet.code, packet.params)
        elif isinstance(packet, OperationResponse):
            self.operations.pop(packet.transaction_id, None)
            for other in self.halves.values():
                if other.phase is not None and other.phase.tid == packet.transaction_id:
                    other.phase = None
        elif isinstance(packet, StartData):
            total = packet.total_length if packet.length_known else None
            half.phase = self._new_phase(packet.transaction_id, total)
            if total == 0:
                self._complete(half, record)

    def _new_phase(self, tid: int, total: int | None) -> _Phase:
        operation = self.operations.get(tid)
        keep = operation is not None and operation[0] in _DATASET_OPS
        phase = _Phase(tid, total, chunks=[] if keep else None)
        if keep and total is not None and total > self.dissector.max_dataset_size:
            phase.chunks, phase.too_big = None, True
        return phase

    def on_chunk(self, half: _Half, chunk: DataChunk) -> None:
        if chunk.first:
            self._decide_channel(half, chunk.packet_type)
        phase = half.phase
        if self.channel != "event" and (phase is None or phase.tid != chunk.transaction_id):
            # Data without Start Data (or for another transaction): follow it anyway.
            phase = half.phase = self._new_phase(chunk.transaction_id, None)
        if phase is not None and self.channel != "event":
            phase.received += len(chunk.data)
            if phase.chunks is not None:
                if phase.received > self.dissector.max_dataset_size:
                    phase.chunks, phase.too_big = None, True
                else:
                    phase.chunks.append(bytes(chunk.data))  # bytes already: no copy
        if not chunk.last:
            return
        record = self.add_record(
            half,
            packet_type=chunk.packet_type,
            length=chunk.packet_length,
            fields={
                "tid": chunk.transaction_id,
                "payload_length": chunk.packet_length - _DATA_HEADER_SIZE,
            },
        )
        if phase is not None and self.channel != "event":
            done = chunk.is_end_data or (phase.total is not None and phase.received >= phase.total)
            if done:
                self._complete(half, record)

    def _complete(self, half: _Half, record: Record) -> None:
        """A data phase is whole: decode its dataset onto the packet that completed it."""
        phase = half.phase
        half.phase = None
        if phase is None:
            return
        operation = self.operations.get(phase.tid)
        if operation is None or operation[0] not in _DATASET_OPS:
            return
        code, params = operation
        if phase.too_big:
            record.dataset_error = (
                f"{_DATASET_OPS[code]} data phase of {phase.received} bytes is over the "
                f"{self.dissector.max_dataset_size}-byte decoding limit"
            )
            return
        data = b"".join(phase.chunks or ())
        try:
            dataset = self._decode(code, params, data)
        except (PtpError, ValueError, OverflowError) as exc:
            record.dataset_error = f"{_DATASET_OPS[code]}: {exc}"
            return
        if dataset is not None:
            record.dataset = dataset

    def _decode(self, code: int, params: tuple[int, ...], data: bytes) -> dict[str, object] | None:
        kind = _DATASET_OPS[code]
        if kind == "DeviceInfo":
            return _dataclass_dict(kind, DeviceInfo.decode(data))
        if kind == "StorageInfo":
            return _dataclass_dict(kind, StorageInfo.decode(data))
        if kind == "ObjectInfo":
            return _dataclass_dict(kind, ObjectInfo.decode(data))
        if kind == "StorageIDs":
            return {"type": kind, "ids": list(decode_u32_array(data))}
        if kind == "ObjectHandles":
            return {"type": kind, "handles": list(decode_u32_array(data))}
        if kind == "DevicePropDesc":
            desc = DevicePropDesc.decode(data)
            self.dissector.prop_types[(self.responder, desc.device_prop_code)] = desc.data_type
            return {"type": kind, **_prop_desc_dict(desc)}
        # DevicePropValue: only when an earlier DevicePropDesc gave the data type.
        if not params:
            return None
        data_type = self.dissector.prop_types.get((self.responder, params[0]))
        if data_type is None:
            return None
        value = decode_value(data_type, data)
        return {
            "type": kind,
            "device_prop_code": params[0],
            "data_type": int(data_type),
            "value": _plain(value),
        }


def _packet_fields(packet: Packet) -> dict[str, object]:
    """The JSON keys a packet carries beyond stream/direction/type/length."""
    if isinstance(packet, InitCommandRequest):
        return {
            "guid": packet.guid.hex(),
            "name": packet.friendly_name,
            "protocol_version": packet.protocol_version,
        }
    if isinstance(packet, InitCommandAck):
        return {
            "connection_number": packet.connection_number,
            "guid": packet.guid.hex(),
            "name": packet.friendly_name,
            "protocol_version": packet.protocol_version,
        }
    if isinstance(packet, InitEventRequest):
        return {"connection_number": packet.connection_number}
    if isinstance(packet, InitFail):
        return {"reason": packet.reason}
    if isinstance(packet, OperationRequest):
        return _coded(packet.transaction_id, "operation", packet.code, packet.params) | {
            "data_phase": packet.data_phase
        }
    if isinstance(packet, OperationResponse):
        return _coded(packet.transaction_id, "response", packet.code, packet.params)
    if isinstance(packet, Event):
        return _coded(packet.transaction_id, "event", packet.code, packet.params)
    if isinstance(packet, StartData):
        return {"tid": packet.transaction_id, "total_length": packet.total_length}
    if isinstance(packet, Cancel):
        return {"tid": packet.transaction_id}
    return {}  # InitEventAck, probes, unknown types; Data/End Data come as chunks


def _coded(tid: int, kind: CodeKind, code: int, params: tuple[int, ...]) -> dict[str, object]:
    return {"tid": tid, "code": code, "code_name": code_name(kind, code), "params": list(params)}


# -- the dissector ----------------------------------------------------------------------


@dataclass(slots=True)
class _TcpStream:
    """Any TCP connection, numbered like tshark's tcp.stream; ``ptp`` when dissected."""

    number: int
    isns: dict[tuple[bytes, int], int] = field(default_factory=dict)
    closed: bool = False
    ptp: _Connection | None = None


class _Dissector:
    def __init__(self, port: int, max_dataset_size: int) -> None:
        self.port = port
        self.max_dataset_size = max_dataset_size
        self.streams: dict[frozenset[tuple[bytes, int]], _TcpStream] = {}
        self.stream_count = 0
        self.connections: list[_Connection] = []
        self.prop_types: dict[tuple[tuple[bytes, int], int], DataType] = {}

    def frame(self, link_type: int, frame: _Frame) -> None:
        ip = _ip_packet(link_type, frame.data)
        if ip is None:
            return
        seg = _tcp_segment(ip)
        if seg is None:
            return
        stream = self._stream(seg)
        if stream.ptp is not None:
            stream.ptp.segment(seg, frame.number, frame.time)
        if seg.flags & (_TCP_FIN | _TCP_RST):
            stream.closed = True

    def _stream(self, seg: _Segment) -> _TcpStream:
        key = frozenset((seg.src, seg.dst))
        stream = self.streams.get(key)
        syn_only = seg.flags & (_TCP_SYN | _TCP_ACK) == _TCP_SYN
        if stream is not None and syn_only:
            isn = stream.isns.get(seg.src)
            if stream.closed or (isn is not None and isn != seg.seq):
                stream = None  # the 4-tuple is reused by a new connection
        if stream is None:
            stream = _TcpStream(self.stream_count)
            self.stream_count += 1
            self.streams[key] = stream
            stream.ptp = self._connection(stream.number, seg, syn_only=bool(syn_only))
        if seg.flags & _TCP_SYN:
            stream.isns.setdefault(seg.src, seg.seq)
        return stream

    def _connection(self, number: int, seg: _Segment, *, syn_only: bool) -> _Connection | None:
        src_port, dst_port = seg.src[1], seg.dst[1]
        if self.port not in (src_port, dst_port):
            return None
        if dst_port == self.port and (src_port != self.port or syn_only):
            initiator, responder = seg.src, seg.dst
        elif src_port == self.port and dst_port != self.port:
            initiator, responder = seg.dst, seg.src
        else:  # both on the port and no SYN seen: the first sender is the initiator
            initiator, responder = seg.src, seg.dst
        conn = _Connection(self, number, initiator, responder)
        self.connections.append(conn)
        return conn

    def finish(self) -> list[Record]:
        records: list[Record] = []
        for conn in self.connections:
            conn.finish()
            records.extend(conn.records)
        records.sort(key=Record._sort_key)
        return records


def dissect_capture(
    source: str | os.PathLike[str] | BinaryIO,
    *,
    port: int = DEFAULT_PORT,
    max_dataset_size: int = DEFAULT_MAX_DATASET_SIZE,
) -> DissectResult:
    """Dissect the PTP/IP traffic on TCP ``port`` in a pcap or pcapng capture.

    ``source`` is a path or a binary file object open for reading (and seekable).
    Raises :class:`CaptureError` only when the file cannot be read at all; damage found
    later is reported as records with ``error`` set.
    """
    if isinstance(source, (str, os.PathLike)):
        try:
            with Path(source).open("rb") as raw:
                return _dissect_file(raw, port, max_dataset_size)
        except OSError as exc:
            raise CaptureError(f"cannot read {os.fspath(source)}: {exc.strerror or exc}") from exc
    return _dissect_file(source, port, max_dataset_size)


def _dissect_file(raw: BinaryIO, port: int, max_dataset_size: int) -> DissectResult:
    capture = _CaptureFile(raw)
    dissector = _Dissector(port, max_dataset_size)
    last_time = 0.0
    for frame in capture:
        dissector.frame(capture.link_type, frame)
        last_time = frame.time
    records = dissector.finish()
    if capture.damage is not None:
        records.append(Record(frame=capture.count + 1, time=last_time, error=capture.damage))
    return DissectResult(
        records=records,
        frames=capture.count,
        tcp_streams=dissector.stream_count,
        ptpip_streams=len(dissector.connections),
        link_type=capture.link_type,
    )
