"""Fujifilm's variant of PTP/IP in a capture: one direction of a Fujifilm connection read
like a CIPA one (:class:`FujiReader`), and how a connection is known to be one.

A Fujifilm session (dialects.md §5) is recognised by its port (55740 for commands, 55741
for events, or ``fuji_port`` and the port after it), or by the first bytes the initiator
sends on the PTP/IP port: the 82-byte Init Command Request, PTP/IP type 1 with the magic
0x8F53E4F2 where CIPA puts the GUID (:func:`is_fuji_init`). The event connection of a
session found that way is the responder's port + 1.

:class:`FujiReader` has the interface of :class:`~ptpkit.proto.framing.PacketReader`
and hands out what it does, so that a Fujifilm connection is followed and decoded like
a CIPA one: the handshake packets as themselves (the Fuji request as an
:class:`~ptpkit.proto.packets.InitCommandRequest` whose protocol version is the magic
number, the standard Ack and Init Fail), and each container as the CIPA packet of the
same role: a command as OperationRequest (DataPhaseInfo 0: the variant does not say), a
response as OperationResponse, an event as Event, and the single data packet of a phase
as End Data chunks (it starts and ends the phase; its ``payload_length`` counts the
12-byte Fuji header, see ``Connection.data_header_size``).
"""

from __future__ import annotations

from ptpkit.errors import DecodeError, LocalProtocolError
from ptpkit.proto.codes import PacketType
from ptpkit.proto.framing import DEFAULT_MAX_PACKET_SIZE, DataChunk
from ptpkit.proto.fuji_framing import FujiDataChunk, FujiPacketReader
from ptpkit.proto.packets import (
    Event,
    InitCommandRequest,
    OperationRequest,
    OperationResponse,
    Packet,
)
from ptpkit.proto.vendors.fuji import (
    COMMAND_PORT,
    FUJI_HEADER_SIZE,
    INIT_MAGIC,
    FujiInitCommandRequest,
    FujiPacket,
    FujiPacketKind,
)

__all__ = ["FUJI_COMMAND_PORT", "FUJI_DATA_HEADER_SIZE", "FujiReader", "is_fuji_init"]

#: Where a Fujifilm body listens for commands (its events on the next port).
FUJI_COMMAND_PORT = COMMAND_PORT
#: The header before a Fuji data packet's payload.
FUJI_DATA_HEADER_SIZE = FUJI_HEADER_SIZE

_HANDSHAKE_TYPES = frozenset(
    {
        PacketType.InitCommandAck,
        PacketType.InitEventRequest,
        PacketType.InitEventAck,
        PacketType.InitFail,
    }
)


def is_fuji_init(data: bytes | bytearray | memoryview) -> bool:
    """Whether the first bytes an initiator sent start a Fujifilm Init Command Request."""
    head = bytes(data[:12])
    return (
        len(head) == 12
        and int.from_bytes(head[4:8], "little") == PacketType.InitCommandRequest
        and int.from_bytes(head[8:12], "little") == INIT_MAGIC
    )


class FujiReader:
    """One direction of a Fujifilm connection, read as a CIPA one (module docstring)."""

    __slots__ = ("_inner",)

    def __init__(self, *, max_packet_size: int = DEFAULT_MAX_PACKET_SIZE) -> None:
        self._inner = FujiPacketReader(max_packet_size=max_packet_size)

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        self._inner.feed(data)

    @property
    def buffered(self) -> int:
        return self._inner.buffered

    @property
    def in_data_payload(self) -> bool:
        return self._inner.in_data_payload

    def next_item(self) -> Packet | DataChunk | None:
        inner = self._inner
        if not inner.in_data_payload:
            # A standard handshake packet (the Ack, Init Fail) has a u32 PTP/IP type where
            # a Fuji container has its kind and a non-zero code: read it whole, as CIPA.
            head = inner.peek(8)
            inner.handshake = (
                len(head) == 8
                and head[6:8] == b"\x00\x00"
                and int.from_bytes(head[4:8], "little") in _HANDSHAKE_TYPES
            )
        try:
            item = inner.next_item()
        finally:
            inner.handshake = False
        if isinstance(item, FujiDataChunk):
            return DataChunk(
                PacketType.EndData,
                item.transaction_id,
                item.data,
                item.first,
                item.last,
                item.packet_length,
            )
        if isinstance(item, FujiPacket):
            return _as_cipa(item)
        return item  # None, or a handshake packet


def _as_cipa(packet: FujiPacket) -> Packet:
    """A Fuji container as the CIPA packet of the same role."""
    try:
        if packet.kind == FujiPacketKind.Command:
            if packet.code == 0 and packet.transaction_id == INIT_MAGIC:
                request = FujiInitCommandRequest.decode(packet.encode())
                return InitCommandRequest(request.guid, request.friendly_name, INIT_MAGIC)
            return OperationRequest(0, packet.code, packet.transaction_id, packet.params)
        if packet.kind == FujiPacketKind.Response:
            return OperationResponse(packet.code, packet.transaction_id, packet.params)
        return Event(packet.code, packet.transaction_id, packet.params)
    except LocalProtocolError as exc:  # e.g. an event with more parameters than CIPA's 3
        raise DecodeError(f"Fuji packet kind {packet.kind}: {exc}") from None
