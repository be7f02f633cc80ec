"""Bytes in, whole packets out, for the Fujifilm PTP/IP variant: incremental and bounded.

:class:`FujiPacketReader` reads one TCP connection of a Fuji session (command or event).
Every packet starts with a u32 length that counts the whole packet. It hands out, in order:

* in *handshake* mode (the initiator until its last Init Command Ack): whole CIPA
  handshake packets, decoded by :func:`ptpkit.proto.packets.decode_packet` — the Ack has
  PTP/IP type 2, which the Fuji framing would read as a data packet;
* otherwise whole :class:`~ptpkit.proto.vendors.fuji.FujiPacket` s of kinds 1, 3 and 4
  (command, response, event; a repeated Fuji Init Command Request reads as kind 1, code 0)
  and :class:`FujiDataChunk` pieces of a kind-2 data packet's payload, as soon as bytes
  arrive, so a 4 GiB object passes with memory bounded by what one ``feed`` brings.

The rules are those of :mod:`ptpkit.proto.framing`: a length below the 12-byte header is
a :class:`~ptpkit.errors.DecodeError`, a non-data packet over ``max_packet_size`` (1 MiB)
a :class:`~ptpkit.errors.RemoteProtocolError`; an unknown kind is a DecodeError; EOF in
the middle of a packet is a DecodeError. Each byte is looked at once.

:class:`FujiLiveViewReader` splits the live-view socket into
:class:`~ptpkit.proto.vendors.fuji.FujiLiveViewFrame` s, each capped at ``max_frame_size``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from ptpkit.errors import DecodeError, RemoteProtocolError
from ptpkit.proto.framing import DEFAULT_MAX_PACKET_SIZE
from ptpkit.proto.packets import Packet, decode_packet
from ptpkit.proto.vendors.fuji import (
    FUJI_HEADER_SIZE,
    LIVEVIEW_HEADER_SIZE,
    FujiLiveViewFrame,
    FujiPacket,
    FujiPacketKind,
    unpack_header,
)

__all__ = [
    "DEFAULT_MAX_FRAME_SIZE",
    "FujiDataChunk",
    "FujiLiveViewReader",
    "FujiPacketReader",
    "FujiReaderItem",
]

DEFAULT_MAX_FRAME_SIZE = 16 << 20
_DATA = int(FujiPacketKind.Data)
_CONTROL_KINDS = (
    int(FujiPacketKind.Command),
    int(FujiPacketKind.Response),
    int(FujiPacketKind.Event),
)
_COMPACT_AT = 1 << 16


@dataclass(frozen=True, slots=True)
class FujiDataChunk:
    """A piece of the payload of one kind-2 data packet. ``first`` marks the piece that
    starts the packet, ``last`` the one that ends it; an empty payload arrives as one chunk
    with both set and no data. ``packet_length`` is the whole packet's length field."""

    code: int
    transaction_id: int
    data: bytes = field(repr=False)
    first: bool
    last: bool
    packet_length: int

    @property
    def payload_length(self) -> int:
        return self.packet_length - FUJI_HEADER_SIZE


FujiReaderItem = Union[FujiPacket, FujiDataChunk, Packet]


class _Buffered:
    """A byte buffer with a read offset, compacted now and then (never rescanned)."""

    __slots__ = ("_buf", "_closed", "_pos")

    def __init__(self) -> None:
        self._buf = bytearray()
        self._pos = 0
        self._closed = False

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        """Add bytes received; ``b""`` means the peer closed the connection."""
        if not data:
            self._closed = True
            return
        if self._pos == len(self._buf):
            self._buf = bytearray(data)
            self._pos = 0
            return
        if self._pos >= _COMPACT_AT and self._pos * 2 >= len(self._buf):
            del self._buf[: self._pos]
            self._pos = 0
        self._buf += data

    @property
    def buffered(self) -> int:
        """Bytes received and not yet handed out."""
        return len(self._buf) - self._pos

    def peek(self, size: int) -> bytes:
        """Up to ``size`` of the bytes not handed out yet, left where they are."""
        return bytes(self._buf[self._pos : self._pos + size])

    def _take(self, size: int) -> bytes:
        pos = self._pos
        self._pos = pos + size
        return bytes(memoryview(self._buf)[pos : pos + size])

    def _check_eof(self, inside: bool) -> None:
        if self._closed and (inside or self.buffered):
            raise DecodeError("connection closed in the middle of a packet")


class FujiPacketReader(_Buffered):
    """Incremental splitter for one Fuji PTP/IP connection (command or event)."""

    __slots__ = (
        "_data_code",
        "_data_left",
        "_data_length",
        "_data_started",
        "_data_tid",
        "_in_data",
        "handshake",
        "max_packet_size",
    )

    def __init__(
        self, *, max_packet_size: int = DEFAULT_MAX_PACKET_SIZE, handshake: bool = False
    ) -> None:
        super().__init__()
        self.max_packet_size = max_packet_size
        #: True: whole CIPA handshake packets. The session clears it between two packets.
        self.handshake = handshake
        self._in_data = False
        self._data_code = 0
        self._data_tid = 0
        self._data_left = 0
        self._data_length = 0
        self._data_started = False

    @property
    def in_data_payload(self) -> bool:
        return self._in_data

    def next_item(self) -> FujiReaderItem | None:
        """The next packet or data chunk, or None when more bytes are needed.

        Raises :class:`RemoteProtocolError` (or its subclass DecodeError) when the bytes
        break the framing rules; the connection is then unusable.
        """
        if self._in_data:
            return self._next_chunk()
        avail = self.buffered
        if avail < 4:
            self._check_eof(False)
            return None
        length = int.from_bytes(self._buf[self._pos : self._pos + 4], "little")
        if length < FUJI_HEADER_SIZE:
            raise DecodeError(f"packet length {length} is below the 12-byte header")
        if avail < FUJI_HEADER_SIZE:
            self._check_eof(False)
            return None
        if self.handshake:
            return self._whole(length, None)
        _, kind, code, tid = unpack_header(self._buf, self._pos)
        if kind == _DATA:
            self._pos += FUJI_HEADER_SIZE
            self._in_data = True
            self._data_code = code
            self._data_tid = tid
            self._data_left = length - FUJI_HEADER_SIZE
            self._data_length = length
            self._data_started = False
            return self._next_chunk()
        if kind not in _CONTROL_KINDS:
            raise DecodeError(f"unknown Fuji packet kind {kind}")
        return self._whole(length, (kind, code, tid))

    def _whole(self, length: int, head: tuple[int, int, int] | None) -> FujiReaderItem | None:
        if length > self.max_packet_size:
            raise RemoteProtocolError(
                f"packet of {length} bytes is over the {self.max_packet_size}-byte cap"
            )
        if self.buffered < length:
            self._check_eof(False)
            return None
        if head is None:
            return decode_packet(self._take(length))
        self._pos += FUJI_HEADER_SIZE
        kind, code, tid = head
        return FujiPacket(kind, code, tid, self._take(length - FUJI_HEADER_SIZE))

    def _next_chunk(self) -> FujiDataChunk | None:
        take = min(self.buffered, self._data_left)
        if take == 0 and self._data_left:
            self._check_eof(True)
            return None
        data = self._take(take)
        self._data_left -= take
        first = not self._data_started
        self._data_started = True
        last = self._data_left == 0
        if last:
            self._in_data = False
        return FujiDataChunk(self._data_code, self._data_tid, data, first, last, self._data_length)


class FujiLiveViewReader(_Buffered):
    """Splits the live-view connection into whole frames, each at most ``max_frame_size``."""

    __slots__ = ("max_frame_size",)

    def __init__(self, *, max_frame_size: int = DEFAULT_MAX_FRAME_SIZE) -> None:
        super().__init__()
        self.max_frame_size = max_frame_size

    def next_frame(self) -> FujiLiveViewFrame | None:
        """The next whole frame, or None when more bytes are needed."""
        avail = self.buffered
        if avail < 4:
            self._check_eof(False)
            return None
        length = int.from_bytes(self._buf[self._pos : self._pos + 4], "little")
        if length < LIVEVIEW_HEADER_SIZE:
            raise DecodeError(f"live-view frame length {length} is below its 18-byte header")
        if length > self.max_frame_size:
            raise RemoteProtocolError(
                f"live-view frame of {length} bytes is over the {self.max_frame_size}-byte cap"
            )
        if avail < length:
            self._check_eof(False)
            return None
        return FujiLiveViewFrame.decode(self._take(length))
