"""Bytes in, whole packets out: incremental, bounded PTP/IP framing.

:class:`PacketReader` takes bytes in any split (one byte at a time, or many packets in
one piece) and hands out, in order:

* whole control packets (every type but Data and End Data), decoded; a control packet
  longer than ``max_packet_size`` (1 MiB by default) is a protocol error, as is a length
  field below the 8-byte header;
* :class:`DataChunk` pieces of Data / End Data payloads, as soon as bytes arrive, so a
  4 GiB data phase passes through with memory bounded by what one ``feed`` brings.

With ``borrow=True`` the payload bytes of a data phase are not copied: a chunk's ``data``
may be a ``memoryview`` of the very buffer given to :meth:`PacketReader.feed`, valid
until :meth:`PacketReader.next_item` next returns ``None`` — at which point the reader
holds no reference to that buffer any more (an unfinished header is copied out), so the
caller may read the next bytes into it. This is how a download reaches the disk with no
copy in Python; the adapter that borrows must consume each chunk before asking for more.

Each byte is looked at once: the reader keeps an offset into its buffer and never
rescans. It never touches a socket; the I/O adapter feeds it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from ptpkit.errors import DecodeError, RemoteProtocolError
from ptpkit.proto.buffer import Fields
from ptpkit.proto.codes import PacketType
from ptpkit.proto.packets import HEADER_SIZE, Packet, decode_payload_at

__all__ = ["DEFAULT_MAX_PACKET_SIZE", "DataChunk", "PacketReader", "ReaderItem"]

DEFAULT_MAX_PACKET_SIZE = 1 << 20
_END_DATA = int(PacketType.EndData)
# Read on every packet: the struct methods themselves, no Python call in between.
_unpack_header = Fields("II").unpack_from  # length, type
_unpack_data_head = Fields("III").unpack_from  # length, type, TransactionID
_DATA_TYPES = (int(PacketType.Data), _END_DATA)
_COMPACT_AT = 1 << 16


@dataclass(frozen=True, slots=True)
class DataChunk:
    """A piece of the payload of one Data (type 10) or End Data (type 12) packet.

    ``first`` marks the piece that starts the packet and ``last`` the piece that ends it;
    a packet with an empty payload arrives as one chunk with both set and no data.
    """

    packet_type: int
    transaction_id: int
    data: bytes | memoryview = field(repr=False)
    first: bool
    last: bool
    packet_length: int

    @property
    def is_end_data(self) -> bool:
        return self.packet_type == _END_DATA


ReaderItem = Union[Packet, DataChunk]


class PacketReader:
    """Incremental PTP/IP packet splitter for one TCP connection."""

    __slots__ = (
        "_borrow",
        "_buf",
        "_closed",
        "_data_left",
        "_data_length",
        "_data_started",
        "_data_tid",
        "_data_type",
        "_direct",
        "_direct_pos",
        "_pos",
        "max_packet_size",
        "packets_read",
    )

    def __init__(
        self, *, max_packet_size: int = DEFAULT_MAX_PACKET_SIZE, borrow: bool = False
    ) -> None:
        self.max_packet_size = max_packet_size
        self._borrow = borrow
        self._buf = bytearray()
        self._pos = 0
        # Inside a Data/End Data payload: its type, TID, and bytes still to come.
        self._data_type = 0
        self._data_tid = 0
        self._data_left = 0
        self._data_length = 0
        self._data_started = False
        self._closed = False
        self.packets_read = 0
        # Bytes fed with nothing else buffered are kept as they came (no copy into
        # _buf): the common case of a big data phase. Borrowed, they may be a view of
        # the caller's buffer.
        self._direct: bytes | memoryview | None = None
        self._direct_pos = 0

    # -- input ----------------------------------------------------------------------
    def feed(self, data: bytes | bytearray | memoryview) -> None:
        """Add bytes received from the connection; ``b""`` means the peer closed it."""
        if not data:
            self._closed = True
            return
        if self._direct is not None:
            if self._borrow:
                # The caller may already have overwritten those bytes: refuse rather
                # than pass on corrupt data.
                raise RuntimeError("PacketReader.feed() before next_item() returned None")
            self._spill_direct()
        if self._pos == len(self._buf):
            # Nothing buffered: keep the bytes as they came. Inside a data payload they
            # are payload; at a packet boundary next_item() takes packets straight from
            # them and moves only an unfinished one into the buffer (a read that starts
            # at a boundary is common when many connections share a sender: copying
            # each one twice doubled a download's CPU time).
            if self._borrow:
                self._direct = data if isinstance(data, (bytes, memoryview)) else memoryview(data)
            else:
                self._direct = data if isinstance(data, bytes) else bytes(data)
            self._direct_pos = 0
            return
        if self._pos >= _COMPACT_AT and self._pos * 2 >= len(self._buf):
            del self._buf[: self._pos]
            self._pos = 0
        self._buf += data

    def _next_in_direct(self) -> ReaderItem | None:
        """The next packet straight from the direct segment, when its start is there:
        a Data / End Data packet once its header is (back-to-back data packets then never
        pass through the buffer, however the reads and the packets are aligned), any
        other packet once it is whole. None: more bytes are needed inside a data payload
        (``_data_type`` set), else the general path must take over."""
        direct = self._direct
        assert direct is not None
        pos = self._direct_pos
        avail = len(direct) - pos
        if avail < HEADER_SIZE:
            return None
        length, ptype = _unpack_header(direct, pos)
        if ptype in _DATA_TYPES:
            if avail < HEADER_SIZE + 4 or length < HEADER_SIZE + 4:
                return None  # the general path waits for the header (or rejects it)
            self._data_tid = _unpack_data_head(direct, pos)[2]
            self._data_type = ptype
            self._data_left = length - HEADER_SIZE - 4
            self._data_length = length
            self._data_started = False
            self._direct_pos = pos + HEADER_SIZE + 4
            if self._direct_pos == len(direct) and self._data_left:
                self._direct = None
            return self._next_chunk()
        if length < HEADER_SIZE or length > self.max_packet_size or length > avail:
            return None  # the general path rejects it, or waits for the rest
        self._direct_pos = end = pos + length
        if end == len(direct):
            self._direct = None
        self.packets_read += 1
        return decode_payload_at(ptype, direct, pos + HEADER_SIZE, end)

    def _spill_direct(self) -> None:
        """Move the unread rest of the direct segment into the buffer (which is empty)."""
        assert self._direct is not None
        self._buf = bytearray(memoryview(self._direct)[self._direct_pos :])
        self._pos = 0
        self._direct = None

    @property
    def buffered(self) -> int:
        """Bytes received and not yet handed out."""
        direct = len(self._direct) - self._direct_pos if self._direct is not None else 0
        return len(self._buf) - self._pos + direct

    @property
    def in_data_payload(self) -> bool:
        """True while the reader is inside the payload of a Data or End Data packet."""
        return self._data_type != 0

    @property
    def at_packet_boundary(self) -> bool:
        return self._data_type == 0 and self.buffered == 0

    # -- output ---------------------------------------------------------------------
    def next_item(self) -> ReaderItem | None:
        """The next packet or data chunk, or None when more bytes are needed.

        Raises :class:`RemoteProtocolError` (or its subclass DecodeError) when the bytes
        break the framing rules; the connection is then unusable.
        """
        if self._data_type:
            return self._next_chunk()
        if self._direct is not None:
            item = self._next_in_direct()
            if item is not None or self._data_type:  # a data payload needs more bytes
                return item
            self._spill_direct()
        buf = self._buf
        pos = self._pos
        avail = len(buf) - pos
        if avail < HEADER_SIZE:
            if self._closed:
                self._check_eof(avail)
            return None
        length, ptype = _unpack_header(buf, pos)
        if length < HEADER_SIZE:
            raise DecodeError(f"packet length {length} is below the 8-byte header")
        if ptype in _DATA_TYPES:
            if length < HEADER_SIZE + 4:
                raise DecodeError(f"data packet of length {length} has no transaction id")
            if avail < HEADER_SIZE + 4:
                self._check_eof(avail)
                return None
            self._data_tid = tid = _unpack_data_head(buf, pos)[2]
            pos += HEADER_SIZE + 4
            size = length - HEADER_SIZE - 4
            if avail >= length:  # the whole packet is here: one chunk, first and last
                self._pos = pos + size
                self.packets_read += 1
                data = bytes(memoryview(buf)[pos : pos + size])
                return DataChunk(ptype, tid, data, True, True, length)
            self._data_type = ptype
            self._data_left = size
            self._data_length = length
            self._data_started = False
            self._pos = pos
            return self._next_chunk()
        if length > self.max_packet_size:
            raise RemoteProtocolError(
                f"packet of type {ptype} is {length} bytes, "
                f"over the {self.max_packet_size}-byte cap"
            )
        if avail < length:
            self._check_eof(avail)
            return None
        start = self._pos
        self._pos = end = start + length
        self.packets_read += 1
        return decode_payload_at(ptype, self._buf, start + HEADER_SIZE, end)

    def _next_chunk(self) -> DataChunk | None:
        direct = self._direct
        if direct is not None:
            dpos = self._direct_pos
            take = min(len(direct) - dpos, self._data_left)
            # When the whole feed belongs to this payload it is handed on without a copy.
            chunk = direct if dpos == 0 and take == len(direct) else direct[dpos : dpos + take]
            self._direct_pos = dpos + take
            if self._direct_pos == len(direct):
                self._direct = None
        else:
            avail = len(self._buf) - self._pos
            take = min(avail, self._data_left)
            if take == 0 and self._data_left:
                self._check_eof(avail)
                return None
            chunk = bytes(memoryview(self._buf)[self._pos : self._pos + take])
            self._pos += take
        self._data_left -= take
        first = not self._data_started
        self._data_started = True
        last = self._data_left == 0
        item = DataChunk(self._data_type, self._data_tid, chunk, first, last, self._data_length)
        if last:
            self._data_type = 0
            self.packets_read += 1
        return item

    def _check_eof(self, avail: int) -> None:
        if self._closed and (avail or self._data_type):
            raise DecodeError("connection closed in the middle of a packet")

    def __iter__(self) -> PacketReader:
        return self

    def __next__(self) -> ReaderItem:
        item = self.next_item()
        if item is None:
            raise StopIteration
        return item
