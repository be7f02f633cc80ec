"""One direction of a TCP connection: segments reassembled by sequence number (duplicates,
retransmissions, overlaps and out-of-order segments) and fed to a
:class:`~ptpkit.proto.framing.PacketReader` (or, in Fujifilm's variant,
:class:`~ptpkit.dissect.fuji.FujiReader`); the packets and data chunks it hands out go to
a :class:`PacketSink` (the connection that follows the transactions)."""

from __future__ import annotations

import heapq
from collections import deque
from typing import NamedTuple, Protocol

from ptpkit.dissect.network import TCP_FIN, TCP_SYN, Segment
from ptpkit.dissect.records import Direction
from ptpkit.errors import RemoteProtocolError
from ptpkit.proto.codes import code_name
from ptpkit.proto.framing import DataChunk, PacketReader
from ptpkit.proto.packets import HEADER_SIZE, Packet

__all__ = ["Half", "PacketSink", "Reader"]

#: Out-of-order bytes held per direction before the gap is declared permanent.
_MAX_PENDING = 64 << 20
_SEQ_MOD = 1 << 32


class _Delivered(NamedTuple):
    start: int
    data: bytes
    frame: int
    time: float


class Reader(Protocol):
    """What splits a direction into packets: :class:`~ptpkit.proto.framing.PacketReader`,
    or :class:`~ptpkit.dissect.fuji.FujiReader` for Fujifilm's variant."""

    @property
    def buffered(self) -> int: ...

    @property
    def in_data_payload(self) -> bool: ...

    def feed(self, data: bytes | bytearray | memoryview) -> None: ...

    def next_item(self) -> Packet | DataChunk | None: ...


class PacketSink(Protocol):
    """Where a :class:`Half` sends what it reads: the connection following the transactions."""

    reset: bool  # the connection was reset: a packet left open is reported as such

    def first_bytes(self, half: Half, data: bytes) -> None:
        """The first bytes of a direction, before the reader sees them (it may be
        replaced: a Fujifilm session is known by its first bytes)."""

    def on_packet(self, half: Half, packet: Packet, length: int) -> None: ...

    def on_chunk(self, half: Half, chunk: DataChunk) -> None: ...

    def add_record(
        self,
        half: Half,
        *,
        packet_type: int | None = None,
        length: int | None = None,
        error: str | None = None,
        frame: int | None = None,
        time: float | None = None,
        offset: int | None = None,
    ) -> object: ...


class Half:
    """One direction of a TCP connection: sequence-number reassembly into a PacketReader."""

    def __init__(self, conn: PacketSink, direction: Direction) -> None:
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
        self.reader: Reader = PacketReader()
        self.segments: deque[_Delivered] = deque()
        # The packet in progress: where it starts, in the stream and in the capture.
        self.pkt_offset = 0
        self.pkt_frame = 0
        self.pkt_time = 0.0
        self.pkt_at_start = False
        self.pkt_data_header: tuple[int, int] | None = None  # (type, length) of a Data packet

    # -- TCP ----------------------------------------------------------------------------
    def segment(self, seg: Segment, frame: int, time: float) -> None:
        if self.dead or self.closed_fed:
            return
        seq = seg.seq
        if seg.flags & TCP_SYN:
            if self.isn is None:
                self.isn = seq
                self.base = (seq + 1) % _SEQ_MOD
            seq = (seq + 1) % _SEQ_MOD
        if self.base is None:  # the capture started after the handshake
            self.base = seq
        start = self._unwrap(seq)
        if seg.flags & TCP_FIN and self.fin_at is None:
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
        if self.next == 0:
            self.conn.first_bytes(self, seg.data)
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
