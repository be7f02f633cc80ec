"""The dissector: every TCP connection numbered like tshark's ``tcp.stream``, those on the
PTP/IP port (and Fujifilm's; with ``port=None`` also those that open with a PTP/IP
handshake, on any port) followed as :class:`~ptpkit.dissect.transactions.Connection` s,
and :func:`dissect_capture`, which runs it over a capture file."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TypeAlias

from ptpkit.dissect.capture import CaptureFile, Frame
from ptpkit.dissect.datasets import Device
from ptpkit.dissect.fuji import FUJI_COMMAND_PORT
from ptpkit.dissect.network import (
    TCP_ACK,
    TCP_FIN,
    TCP_RST,
    TCP_SYN,
    Segment,
    ip_packet,
    tcp_segment,
)
from ptpkit.dissect.records import (
    DEFAULT_MAX_DATASET_SIZE,
    DEFAULT_PORT,
    ChannelKind,
    DissectResult,
    Record,
)
from ptpkit.dissect.transactions import Connection, Variant
from ptpkit.errors import CaptureError
from ptpkit.proto.codes import PacketType

__all__ = ["dissect_capture"]


@dataclass(slots=True)
class _TcpStream:
    """Any TCP connection, numbered like tshark's tcp.stream; ``ptp`` when dissected."""

    number: int
    isns: dict[tuple[bytes, int], int] = field(default_factory=dict)
    closed: bool = False
    ptp: Connection | None = None
    #: Searching by handshake: the segments seen before the first 8 bytes of payload
    #: (then replayed into the connection), and those bytes so far.
    held: list[tuple[Segment, int, float]] | None = None
    head: bytes = b""


#: How many segments a stream may show before its first 8 bytes of payload.
_MAX_HELD = 32


def _handshake_sender(head: bytes) -> str | None:
    """Who sent the first packet of a stream, when it is a PTP/IP handshake packet:
    ``"initiator"`` (Init Command or Init Event Request, Fujifilm's too), ``"responder"``
    (an Ack or Init Fail: the capture began after the request), or None (not PTP/IP)."""
    length = int.from_bytes(head[0:4], "little")
    kind = int.from_bytes(head[4:8], "little")
    if kind == PacketType.InitCommandRequest and 30 <= length <= 4096:
        return "initiator"
    if kind == PacketType.InitEventRequest and length == 12:
        return "initiator"
    if kind == PacketType.InitCommandAck and 30 <= length <= 4096:
        return "responder"
    if (kind, length) in ((PacketType.InitEventAck, 8), (PacketType.InitFail, 12)):
        return "responder"
    return None


#: How a connection to a responder's port is read: its variant (None: by its first
#: bytes) and its channel (None: by its first packet).
_Reading: TypeAlias = "tuple[Variant | None, ChannelKind | None]"


class _Dissector:
    def __init__(self, port: int | None, max_dataset_size: int, fuji_port: int | None) -> None:
        #: Any port: a connection on no known port is followed when it opens with a
        #: PTP/IP handshake.
        self.any_port = port is None
        port = DEFAULT_PORT if port is None else port
        self.port = port
        self.max_dataset_size = max_dataset_size
        #: Responder port -> how its connections are read.
        self.ports: dict[int, _Reading] = {}
        if fuji_port is not None:
            self.ports[fuji_port] = ("fuji", None)
            self.ports[fuji_port + 1] = ("fuji", "event")
        self.ports[port] = (None, None)
        self.streams: dict[frozenset[tuple[bytes, int]], _TcpStream] = {}
        self.stream_count = 0
        self.connections: list[Connection] = []
        #: What each responder (address, port) has shown: its vendor, its property types.
        self.devices: dict[tuple[bytes, int], Device] = {}

    def frame(self, link_type: int, frame: Frame) -> None:
        ip = ip_packet(link_type, frame.data)
        if ip is None:
            return
        seg = tcp_segment(ip)
        if seg is None:
            return
        stream = self._stream(seg)
        if stream.held is not None:
            self._search(stream, seg, frame)
        elif stream.ptp is not None:
            stream.ptp.segment(seg, frame.number, frame.time)
        if seg.flags & (TCP_FIN | TCP_RST):
            stream.closed = True

    def _stream(self, seg: Segment) -> _TcpStream:
        key = frozenset((seg.src, seg.dst))
        stream = self.streams.get(key)
        syn_only = seg.flags & (TCP_SYN | TCP_ACK) == TCP_SYN
        if stream is not None and syn_only:
            isn = stream.isns.get(seg.src)
            if stream.closed or (isn is not None and isn != seg.seq):
                stream = None  # the 4-tuple is reused by a new connection
        if stream is None:
            stream = _TcpStream(self.stream_count)
            self.stream_count += 1
            self.streams[key] = stream
            stream.ptp = self._connection(stream.number, seg, syn_only=bool(syn_only))
            if stream.ptp is None and self.any_port:
                stream.held = []  # a PTP/IP handshake on any port, maybe
        if seg.flags & TCP_SYN:
            stream.isns.setdefault(seg.src, seg.seq)
        return stream

    def _connection(self, number: int, seg: Segment, *, syn_only: bool) -> Connection | None:
        src_port, dst_port = seg.src[1], seg.dst[1]
        ports = self.ports
        if dst_port in ports and (src_port not in ports or syn_only):
            initiator, responder = seg.src, seg.dst
        elif src_port in ports and dst_port not in ports:
            initiator, responder = seg.dst, seg.src
        elif src_port in ports:  # both on our ports and no SYN seen: the first sender
            initiator, responder = seg.src, seg.dst
        else:
            return None
        variant, channel = ports[responder[1]]
        return self._follow(number, initiator, responder, variant, channel)

    def _search(self, stream: _TcpStream, seg: Segment, frame: Frame) -> None:
        """Hold a stream's segments until its first payload says whether it is PTP/IP."""
        assert stream.held is not None
        stream.held.append((seg, frame.number, frame.time))
        stream.head += seg.payload[: 8 - len(stream.head)]
        if len(stream.head) < 8:
            if len(stream.held) > _MAX_HELD:
                stream.held = None  # never says anything: not followed
            return
        held, stream.held = stream.held, None
        sender = _handshake_sender(stream.head)
        if sender is None:
            return
        initiator, responder = (seg.src, seg.dst) if sender == "initiator" else (seg.dst, seg.src)
        stream.ptp = self._follow(stream.number, initiator, responder, None, None)
        for old, number, when in held:
            stream.ptp.segment(old, number, when)

    def _follow(
        self,
        number: int,
        initiator: tuple[bytes, int],
        responder: tuple[bytes, int],
        variant: Variant | None,
        channel: ChannelKind | None,
    ) -> Connection:
        device = self.devices.get(responder)
        if device is None:
            device = self.devices[responder] = Device()
        conn = Connection(
            number,
            initiator,
            responder,
            device=device,
            max_dataset_size=self.max_dataset_size,
            variant=variant,
            channel=channel,
            on_fuji=self._fuji_found,
        )
        self.connections.append(conn)
        return conn

    def _fuji_found(self, conn: Connection) -> None:
        """A Fujifilm session on the PTP/IP port: its events come on the next port."""
        self.ports.setdefault(conn.responder[1] + 1, ("fuji", "event"))

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
    port: int | None = DEFAULT_PORT,
    max_dataset_size: int = DEFAULT_MAX_DATASET_SIZE,
    fuji_port: int | None = FUJI_COMMAND_PORT,
) -> DissectResult:
    """Dissect the PTP/IP traffic on TCP ``port`` in a pcap or pcapng capture, and
    Fujifilm's variant on ``fuji_port`` (commands) and the port after it (events); a
    session in Fujifilm's variant on ``port`` is known by its first bytes, and its event
    connection is then followed on the port after ``port`` (:mod:`ptpkit.dissect.fuji`).
    With ``port=None``: port 15740, and every connection on any other port whose first
    packet is a PTP/IP handshake packet (Init Command/Event Request, Ack or Init Fail).

    ``source`` is a path or a binary file object open for reading (and seekable).
    Raises :class:`CaptureError` only when the file cannot be read at all; damage found
    later is reported as records with ``error`` set.
    """
    if isinstance(source, (str, os.PathLike)):
        try:
            with Path(source).open("rb") as raw:
                return _dissect_file(raw, port, max_dataset_size, fuji_port)
        except OSError as exc:
            raise CaptureError(f"cannot read {os.fspath(source)}: {exc.strerror or exc}") from exc
    return _dissect_file(source, port, max_dataset_size, fuji_port)


def _dissect_file(
    raw: BinaryIO, port: int | None, max_dataset_size: int, fuji_port: int | None
) -> DissectResult:
    capture = CaptureFile(raw)
    dissector = _Dissector(port, max_dataset_size, fuji_port)
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
