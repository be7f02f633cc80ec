"""The Fujifilm PTP/IP variant, sans-IO: what its initiator and responder sessions share.

The roles are :class:`~ptpkit.proto.fuji_initiator.FujiInitiatorSession` and
:class:`~ptpkit.proto.fuji_responder.FujiResponderSession` (split like the core's
``session``/``initiator``/``responder``).

Same contract as :mod:`ptpkit.proto.session`: the adapter calls
``receive_data(channel, data, now)`` (``b""`` = closed), drains ``next_event()``, writes
every ``(channel, bytes)`` of ``data_to_send()`` in order, and calls ``handle_timer(now)``
when ``next_deadline()`` passes. The events are the core's own (:mod:`ptpkit.proto.events`),
so an adapter can drive a CIPA and a Fuji session alike. A peer's protocol error surfaces
from ``next_event()`` as :class:`~ptpkit.errors.RemoteProtocolError` and leaves the session
in ``LinkState.ERROR``.

What differs from CIPA (reference dialects.md §5):

* **Handshake.** The initiator sends the fixed 82-byte Fuji Init Command Request; the
  camera answers with the standard Init Command Ack or Init Fail. gphoto2 sends the
  request **twice** on the same socket, also after a successful Ack (after an Init Fail
  it waits 500 ms first); the last answer decides. :class:`FujiInitiatorSession` does the
  same (``init_requests=2``, the retry delay is a timer). :class:`FujiResponderSession`
  reports each request as :class:`InitiatorConnected` and accepts up to
  ``max_init_requests`` of them before the first operation, so both the double init and
  a single one work; answer each with ``accept()`` or ``reject()`` (the real-camera
  pattern: reject the first, accept the second). :class:`HandshakeCompleted` comes with
  the first Ack (responder) or the last one (initiator); :class:`InitFailed` only when no
  attempt is left. There is no Init Event exchange.
* **Channels.** :attr:`Channel.COMMAND` is port 55740, :attr:`Channel.EVENT` port 55741,
  a plain TCP connection the initiator opens after InitiateOpenCapture; the responder
  holds its events until ``event_channel_opened()``. Live view (55742) is not a session
  channel: read it with :class:`~ptpkit.proto.fuji_framing.FujiLiveViewReader`.
* **Data phases.** One kind-2 packet per phase, its length known from its header
  (:class:`DataPhaseStarted` always carries it), streamed in :class:`DataReceived` pieces.
  The request carries no DataPhaseInfo: the initiator is told by its caller
  (``send_request(..., data_out_length=n)``); the responder looks the operation up in
  ``data_directions`` (a mapping or a callable, by default
  :data:`~ptpkit.proto.vendors.fuji.FUJI_OPERATION_DATA_DIRECTION`). For an operation it
  does not know, a data packet that arrives before the answer is taken as a data-out phase.
* **No Cancel and no Probe** packets exist.

Transactions follow the core's transition table (:data:`ptpkit.proto.state.TRANSACTION_TRANSITIONS`,
a Fuji data packet counting as Start Data); the handshake has its own small table here.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from typing import ClassVar, Union

from ptpkit.errors import LocalProtocolError, ProtocolError, RemoteProtocolError
from ptpkit.proto.codes import DataDirection, PacketType
from ptpkit.proto.events import (
    Channel,
    ConnectionClosed,
    DataPhaseEnded,
    DataPhaseStarted,
    DataReceived,
    Role,
    SessionEvent,
    TimedOut,
)
from ptpkit.proto.fuji_framing import FujiDataChunk, FujiPacketReader
from ptpkit.proto.packets import Packet
from ptpkit.proto.session import SessionIO
from ptpkit.proto.state import TRANSACTION_TRANSITIONS, LinkState, TransactionState, step
from ptpkit.proto.vendors.fuji import FujiPacket, FujiPacketKind, data_header

__all__ = [
    "FUJI_ALLOWED_PACKETS",
    "FUJI_LINK_TRANSITIONS",
    "DataDirections",
    "FujiSessionBase",
]

INI = Role.INITIATOR
RSP = Role.RESPONDER
L = LinkState
K = FujiPacketKind

#: The Fuji handshake, role-neutral like the core's tables. ``READY`` and ``FAILED`` may
#: take another request: the second of gphoto2's double init, or the retry after Init Fail
#: (the sessions allow it only before the first operation, and only so many times).
FUJI_LINK_TRANSITIONS: dict[tuple[LinkState, Union[int, str], Role], LinkState] = {
    (L.AWAIT_INIT_COMMAND_REQUEST, "init_request", INI): L.AWAIT_INIT_COMMAND_ACK,
    (L.AWAIT_INIT_COMMAND_ACK, "init_ack", RSP): L.READY,
    (L.AWAIT_INIT_COMMAND_ACK, "init_fail", RSP): L.FAILED,
    (L.READY, "init_request", INI): L.AWAIT_INIT_COMMAND_ACK,
    (L.FAILED, "init_request", INI): L.AWAIT_INIT_COMMAND_ACK,
}

#: Every legal (sender, kind, connection) after the handshake.
FUJI_ALLOWED_PACKETS: frozenset[tuple[Role, int, Channel]] = frozenset(
    {
        (INI, K.Command, Channel.COMMAND),
        (INI, K.Data, Channel.COMMAND),
        (RSP, K.Data, Channel.COMMAND),
        (RSP, K.Response, Channel.COMMAND),
        (RSP, K.Event, Channel.EVENT),
    }
)

#: How a responder learns an operation's data direction: a table or a function of the code
#: (None or an absent code: unknown).
DataDirections = Union[Mapping[int, DataDirection], Callable[[int], Union[DataDirection, None]]]


class FujiSessionBase(SessionIO[FujiPacketReader]):
    """What both roles share: framing on both connections, data phases, timers (input,
    output and the data-phase count as the CIPA sessions, :class:`SessionIO`)."""

    role: ClassVar[Role]
    peer: ClassVar[Role]
    _sending: ClassVar[TransactionState]  # the state in which this role sends data

    def __init__(
        self, *, handshake_timeout: float | None, max_packet_size: int, handshake_reader: bool
    ) -> None:
        self.link = LinkState.AWAIT_INIT_COMMAND_REQUEST
        self.transaction = TransactionState.IDLE
        self.handshake_timeout = handshake_timeout
        self.handshake_complete = False
        self._readers = {
            Channel.COMMAND: FujiPacketReader(
                max_packet_size=max_packet_size, handshake=handshake_reader
            ),
            Channel.EVENT: FujiPacketReader(max_packet_size=max_packet_size),
        }
        self._readable: deque[Channel] = deque()
        self._eof: set[Channel] = set()
        self._events: deque[SessionEvent] = deque()
        self._out: list[tuple[Channel, bytes]] = []
        self.transaction_id: int | None = None
        self._operation = 0
        self._data_out = False  # the initiator sends this transaction's data phase
        self._data_total: int | None = None
        self._data_count = 0
        self._discard_tid: int | None = None  # a data-out packet answered before it came
        self._discarding = False  # inside a data packet being dropped
        self._handshake_deadline: float | None = None
        self._last_activity = 0.0
        self._input_at = 0.0  # the ``now`` of the latest receive_data()
        # When the transaction under way last moved (request, data, cancel): the
        # initiator's deadlines run from it; events and other bytes do not move it.
        self._tx_mark = 0.0
        self.init_requests = 0  # Init Command Requests sent (initiator) or received
        self.operations = 0  # operations requested since the handshake

    # -- adapter interface ------------------------------------------------------------
    def next_event(self) -> SessionEvent | None:
        """The next event, or ``None`` when more bytes are needed."""
        while not self._events:
            if not self._readable:
                return None
            channel = self._readable[0]
            try:
                item = self._readers[channel].next_item()
                if item is None:
                    self._readable.popleft()
                    if channel in self._eof and self.link not in (L.CLOSED, L.ERROR):
                        self.link = L.CLOSED
                        self._handshake_deadline = None
                        self._events.append(ConnectionClosed(channel))
                    continue
                if isinstance(item, FujiDataChunk):
                    self._on_data_chunk(channel, item)
                elif isinstance(item, FujiPacket):
                    if (self.peer, item.kind, channel) not in FUJI_ALLOWED_PACKETS:
                        raise RemoteProtocolError(
                            f"a {self.peer.value} may not send Fuji packet kind {item.kind} "
                            f"on the {channel.value} connection"
                        )
                    self._on_fuji_packet(channel, item)
                else:
                    self._on_handshake_packet(channel, item)
            except ProtocolError as exc:
                self.link = L.ERROR
                self._readable.clear()
                if isinstance(exc, LocalProtocolError):  # a peer move our rules reject
                    raise RemoteProtocolError(str(exc)) from exc
                raise
        return self._events.popleft()

    def next_deadline(self) -> float | None:
        """When :meth:`handle_timer` should next be called, or None."""
        times = [t for t in self._deadlines() if t is not None]
        return min(times) if times else None

    def handle_timer(self, now: float) -> None:
        """Fire every deadline that has passed by ``now``."""
        if self.link in (L.ERROR, L.CLOSED):
            return
        if self._handshake_deadline is not None and now >= self._handshake_deadline:
            self._timed_out("handshake")

    def close(self) -> None:
        """Mark the session closed (the adapter closes the sockets)."""
        self.link = L.CLOSED
        self._handshake_deadline = None

    @property
    def is_ready(self) -> bool:
        return self.link is L.READY and self.handshake_complete

    @property
    def operation(self) -> int:
        """The operation code of the transaction under way (or the last one)."""
        return self._operation

    # -- hooks for the roles ----------------------------------------------------------
    def _on_fuji_packet(self, channel: Channel, packet: FujiPacket) -> None:
        raise NotImplementedError

    def _on_handshake_packet(self, channel: Channel, packet: Packet) -> None:
        raise RemoteProtocolError(f"unexpected {type(packet).__name__} during the handshake")

    def _peer_may_send_data(self) -> bool:
        raise NotImplementedError

    def _deadlines(self) -> list[float | None]:
        return [self._handshake_deadline]

    # -- shared machinery ---------------------------------------------------------------
    def _link_step(self, trigger: str, sender: Role) -> None:
        self.link = step(FUJI_LINK_TRANSITIONS, self.link, trigger, sender, self.role)

    def _tx_step(self, trigger: int | str, sender: Role) -> None:
        self.transaction = step(
            TRANSACTION_TRANSITIONS, self.transaction, trigger, sender, self.role
        )

    def _require_ready(self) -> None:
        if not self.is_ready:
            raise LocalProtocolError(f"the Fuji session is {self.link.value}, not ready")

    def _timed_out(self, what: str) -> None:
        self.link = L.ERROR
        self._handshake_deadline = None
        self._events.append(TimedOut(what))

    def _on_data_chunk(self, channel: Channel, chunk: FujiDataChunk) -> None:
        if (self.peer, K.Data, channel) not in FUJI_ALLOWED_PACKETS:
            raise RemoteProtocolError(f"data packet on the {channel.value} connection")
        if not self.is_ready:
            raise RemoteProtocolError("data packet before the handshake completed")
        tid = chunk.transaction_id
        if chunk.first and self.transaction is TransactionState.IDLE and tid == self._discard_tid:
            self._discard_tid = None
            self._discarding = True
        if self._discarding:
            self._discarding = not chunk.last
            return
        if self.transaction is TransactionState.CANCELLED:  # given up: its data is dropped
            if chunk.first:
                self._check_tid(tid, "data packet")
            return
        if chunk.first:
            self._check_tid(tid, "data packet")
            if not self._peer_may_send_data():
                raise RemoteProtocolError(
                    f"the {self.peer.value} sent data for operation 0x{self._operation:04X}, "
                    "whose data phase is not theirs to send"
                )
            self._tx_step(PacketType.StartData, self.peer)  # a second data packet fails here
            self._data_total = chunk.payload_length
            self._data_count = 0
            self._events.append(DataPhaseStarted(tid, self._data_total))
        self._data_count += len(chunk.data)
        self._tx_mark = self._input_at  # the data phase moved on
        if chunk.data:
            self._events.append(DataReceived(tid, chunk.data))
        if chunk.last:
            self._tx_step("data_complete", self.peer)
            self._events.append(DataPhaseEnded(tid, self._data_count))

    def _start_outgoing_data(self, total_length: int) -> None:
        tid = self.transaction_id
        if tid is None:
            raise LocalProtocolError("no transaction under way")
        header = data_header(total_length, self._operation, tid)  # raises before any change
        self._tx_step(PacketType.StartData, self.role)
        self._data_total = total_length
        self._data_count = 0
        self._out.append((Channel.COMMAND, header))
        if total_length == 0:
            self._tx_step("data_complete", self.role)

    def data_header(self, length: int, now: float | None = None) -> bytes:
        """Count the next ``length`` payload bytes of our data phase, which the caller
        writes itself (zero-copy senders), and return what goes before them: nothing, as
        the phase is one packet whose header :meth:`data_to_send` already gave. The same
        contract as the CIPA sessions' ``data_header``, whose packets each have one."""
        if self.transaction is not self._sending or self._data_total is None:
            raise LocalProtocolError(f"no outgoing data phase (state {self.transaction.value})")
        if length < 0 or self._data_count + length > self._data_total:
            raise LocalProtocolError(
                f"{length} more bytes would pass the announced {self._data_total}"
            )
        self._data_count += length
        if self._data_count == self._data_total:
            self._tx_step("data_complete", self.role)
        if now is not None:
            self._last_activity = max(self._last_activity, now)
            self._tx_mark = max(self._tx_mark, now)
        return b""

    def send_data(self, data: bytes | bytearray | memoryview, now: float) -> bool:
        """Queue the next ``data`` of our data phase (the packet's header is already queued):
        the pieces must add up to exactly the announced length. Always True (Fuji has no
        cancel); the return value matches the CIPA sessions'."""
        self.data_header(len(data), now)
        if data:
            self._out.append((Channel.COMMAND, bytes(data)))
        return True
