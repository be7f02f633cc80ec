"""What the initiator and responder sessions share: framing on both connections, the
transition tables, data-phase accounting, probes and timers.

A session never touches a socket or reads a clock. The adapter calls

* ``receive_data(channel, data, now)`` with bytes from a connection (``b""`` = closed),
* ``next_event()`` until it returns ``None``,
* ``data_to_send()`` and writes each ``(channel, bytes)`` in order,
* ``handle_timer(now)`` when ``next_deadline()`` passes.

A protocol error by the peer surfaces from ``next_event()`` as
:class:`~ptpkit.errors.RemoteProtocolError`; the session is then in ``LinkState.ERROR``
and refuses further use.
"""

from __future__ import annotations

from collections import deque
from typing import ClassVar, Generic, Protocol, TypeVar

from ptpkit.errors import LocalProtocolError, ProtocolError, RemoteProtocolError
from ptpkit.proto.codes import PacketType, ResponseCode
from ptpkit.proto.events import (
    Channel,
    ConnectionClosed,
    DataPhaseEnded,
    DataPhaseStarted,
    DataReceived,
    ProbeAnswered,
    ProbeReceived,
    ProbeUnanswered,
    Role,
    SessionEvent,
    TimedOut,
    TransactionCancelled,
)
from ptpkit.proto.framing import DEFAULT_MAX_PACKET_SIZE, DataChunk, PacketReader
from ptpkit.proto.packets import (
    DATA_LENGTH_UNKNOWN,
    HEADER_SIZE,
    Cancel,
    Packet,
    ProbeRequest,
    ProbeResponse,
    StartData,
    UnknownPacket,
    data_header_packet,
    start_data_packet,
)
from ptpkit.proto.state import (
    ALLOWED_PACKETS,
    LINK_TRANSITIONS,
    TRANSACTION_TRANSITIONS,
    LinkState,
    TransactionState,
    check_channel,
    step,
)

__all__ = ["SessionBase", "SessionIO"]

_DATA_HEADER_SIZE = HEADER_SIZE + 4


class _Reader(Protocol):
    def feed(self, data: bytes | bytearray | memoryview) -> None: ...


_R = TypeVar("_R", bound=_Reader)


class SessionIO(Generic[_R]):
    """What every session shares whatever its framing (these CIPA sessions and the
    Fujifilm ones in :mod:`ptpkit.proto.fuji_session`): bytes in per connection, packets
    out, the data-phase count and the transaction-id check. The subclass sets the
    attributes in its ``__init__``."""

    link: LinkState
    transaction_id: int | None
    _readers: dict[Channel, _R]
    _readable: deque[Channel]
    _eof: set[Channel]
    _out: list[tuple[Channel, bytes]]
    _data_total: int | None
    _data_count: int
    _last_activity: float
    _input_at: float

    def receive_data(
        self, channel: Channel, data: bytes | bytearray | memoryview, now: float
    ) -> None:
        """Bytes that arrived on ``channel``; ``b""`` means the peer closed it."""
        if self.link in (LinkState.ERROR, LinkState.CLOSED):
            return
        self._readers[channel].feed(data)
        if not data:
            self._eof.add(channel)
        self._last_activity = max(self._last_activity, now)
        self._input_at = now
        if channel not in self._readable:
            self._readable.append(channel)

    def data_to_send(self) -> list[tuple[Channel, bytes]]:
        """Packets to write, in order, each with the connection it goes on."""
        out, self._out = self._out, []
        return out

    @property
    def data_phase_remaining(self) -> int | None:
        """Bytes still to come (or to send) in the current data phase, if known."""
        if self._data_total is None:
            return None
        return self._data_total - self._data_count

    def _check_tid(self, tid: int, what: str) -> None:
        if tid != self.transaction_id:
            raise RemoteProtocolError(
                f"{what} for transaction {tid}, but transaction {self.transaction_id} is under way",
                response_code_hint=ResponseCode.InvalidTransactionID,
            )


class SessionBase(SessionIO[PacketReader]):
    """The parts of a PTP/IP session that do not depend on the role."""

    role: ClassVar[Role]
    peer: ClassVar[Role]  # the other role (Role.peer, looked up once)
    _sending: ClassVar[TransactionState]  # the state in which this role sends data

    def __init__(
        self,
        *,
        handshake_timeout: float | None,
        probe_interval: float | None,
        probe_timeout: float,
        max_packet_size: int = DEFAULT_MAX_PACKET_SIZE,
        borrow_data: bool = False,
    ) -> None:
        # borrow_data: DataReceived.data may be a memoryview of the buffer given to
        # receive_data(), valid until next_event() returns None (see PacketReader).
        self.link = LinkState.AWAIT_INIT_COMMAND_REQUEST
        self.transaction = TransactionState.IDLE
        self.handshake_timeout = handshake_timeout
        self.probe_interval = probe_interval
        self.probe_timeout = probe_timeout
        self._readers = {
            Channel.COMMAND: PacketReader(max_packet_size=max_packet_size, borrow=borrow_data),
            Channel.EVENT: PacketReader(max_packet_size=max_packet_size, borrow=borrow_data),
        }
        # False: Probe Requests are noted (ProbeReceived) but never answered, as many
        # responders and gphoto2 do.
        self.answer_probes = True
        self._readable: deque[Channel] = deque()
        self._eof: set[Channel] = set()
        self._events: deque[SessionEvent] = deque()
        self._out: list[tuple[Channel, bytes]] = []
        # The transaction under way.
        self.transaction_id: int | None = None
        self._data_total: int | None = None
        self._data_count = 0
        self._data_out = False  # the initiator sends the data phase of this transaction
        self._trailing_end_tid: int | None = None  # an empty End Data we may still see
        # A data-out phase the responder answered before it was complete: the rest of it,
        # still in flight, is dropped until the next request (see ResponderSession).
        self._discard_tid: int | None = None
        self._discarding = False  # inside a Data / End Data packet being dropped
        self._sending_type = 0  # packet type being sent by data_header(), for checks
        # Timers.
        self._handshake_deadline: float | None = None
        self._probe_deadline: float | None = None
        self._probe_channel: Channel | None = None
        # Any bytes in or out: when the link is idle enough for a probe. Never a response
        # deadline (see InitiatorSession): probe answers and events must not push it back.
        self._last_activity = 0.0
        self._input_at = 0.0  # the ``now`` of the latest receive_data()
        # The transaction under way last moved (request sent, data in or out, Cancel):
        # where the initiator's response and no-progress deadlines run from.
        self._tx_mark = 0.0
        #: The peer has answered one of our probes (so it does answer them).
        self.probes_answered = False

    # -- adapter interface ------------------------------------------------------------
    def next_event(self) -> SessionEvent | None:
        """The next event, or ``None`` when more bytes are needed."""
        events = self._events
        while not events:
            readable = self._readable
            if not readable:
                return None
            channel = readable[0]
            try:
                item = self._readers[channel].next_item()
                if item is None:
                    readable.popleft()
                    if channel in self._eof and self.link not in (
                        LinkState.CLOSED,
                        LinkState.ERROR,
                    ):
                        self._close(channel)
                    continue
                if type(item) is DataChunk:
                    self._on_data_chunk(item)
                else:
                    self._on_packet(channel, item)  # type: ignore[arg-type]
            except ProtocolError as exc:
                self.link = LinkState.ERROR
                self._readable.clear()
                self._events.clear()  # what the failed packet had queued: a dead session is quiet
                if isinstance(exc, LocalProtocolError):  # a peer move our own rules reject
                    raise RemoteProtocolError(str(exc)) from exc
                raise
        return events.popleft()

    def next_deadline(self) -> float | None:
        """When :meth:`handle_timer` should next be called, or None."""
        # Asked after every input: the idle-probe deadline only when probing is on.
        idle_at = self._idle_probe_at() if self.probe_interval is not None else None
        soonest: float | None = None
        for t in (
            self._handshake_deadline,
            self._probe_deadline,
            idle_at,
            self._response_deadline(),
        ):
            if t is not None and (soonest is None or t < soonest):
                soonest = t
        return soonest

    def handle_timer(self, now: float) -> None:
        """Fire every deadline that has passed by ``now``; events come from next_event()."""
        if self.link in (LinkState.ERROR, LinkState.CLOSED, LinkState.FAILED):
            return
        if self._handshake_deadline is not None and now >= self._handshake_deadline:
            self._timed_out("handshake")
            return
        deadline = self._response_deadline()
        if deadline is not None and now >= deadline:
            self._timed_out(self._response_deadline_kind())
            return
        if self._probe_deadline is not None and now >= self._probe_deadline:
            self._probe_deadline = None
            self._probe_channel = None
            if self._probe_miss_is_fatal():
                self._timed_out("probe")
                return
            self._events.append(ProbeUnanswered())
            self._last_activity = now
        idle_at = self._idle_probe_at()
        if idle_at is not None and now >= idle_at:
            self.probe(now)

    def probe(
        self, now: float, channel: Channel = Channel.EVENT, *, timeout: float | None = None
    ) -> None:
        """Send a Probe Request; the answer arrives as :class:`ProbeAnswered`, or after
        ``timeout`` (default ``probe_timeout``) :class:`ProbeUnanswered` or a TimedOut."""
        self._require_ready()
        self._emit(channel, ProbeRequest())
        self._probe_channel = channel
        self._probe_deadline = now + (self.probe_timeout if timeout is None else timeout)

    def close(self) -> None:
        """Mark the session closed (the adapter closes the sockets)."""
        self.link = LinkState.CLOSED
        self._handshake_deadline = self._probe_deadline = None

    @property
    def is_ready(self) -> bool:
        return self.link is LinkState.READY

    # -- hooks for the roles ----------------------------------------------------------
    def _on_role_packet(self, channel: Channel, packet: Packet) -> None:
        raise NotImplementedError

    def _response_deadline(self) -> float | None:
        return None

    def _response_deadline_kind(self) -> str:
        return "response"

    def _probe_miss_is_fatal(self) -> bool:
        """Whether an unanswered probe ends the session (the initiator decides)."""
        return False

    def _outgoing_tid(self) -> int:
        """The transaction id our packets of the transaction under way carry."""
        tid = self.transaction_id
        assert tid is not None
        return tid

    # -- shared machinery -----------------------------------------------------------
    def _require_ready(self) -> None:
        if self.link is not LinkState.READY:
            raise LocalProtocolError(f"the session is {self.link.value}, not ready")

    def _emit(self, channel: Channel, packet: Packet) -> None:
        """Check one of our own packets against the rules, then queue it."""
        if (self.role, packet.type, channel) not in ALLOWED_PACKETS:
            check_channel(self.role, self.role, packet.type, channel)  # raises
        self._out.append((channel, packet.encode()))

    def _link_step(self, ptype: int, sender: Role) -> None:
        self.link = step(LINK_TRANSITIONS, self.link, ptype, sender, self.role)

    def _tx_step(self, trigger: int | str, sender: Role) -> None:
        # The table look-up inline; step() only to raise the error for an illegal move.
        state = TRANSACTION_TRANSITIONS.get((self.transaction, trigger, sender))
        self.transaction = (
            state
            if state is not None
            else step(TRANSACTION_TRANSITIONS, self.transaction, trigger, sender, self.role)
        )

    def _close(self, channel: Channel) -> None:
        self.link = LinkState.CLOSED
        self._handshake_deadline = self._probe_deadline = None
        self._events.append(ConnectionClosed(channel))

    def _timed_out(self, what: str) -> None:
        self.link = LinkState.ERROR
        self._handshake_deadline = self._probe_deadline = None
        self._events.append(TimedOut(what))

    def _idle_probe_at(self) -> float | None:
        if self.probe_interval is None or self.link is not LinkState.READY:
            return None
        if self._probe_deadline is not None:
            return None
        return self._last_activity + self.probe_interval

    def _on_packet(self, channel: Channel, packet: Packet) -> None:
        if (self.peer, packet.type, channel) not in ALLOWED_PACKETS:
            if isinstance(packet, UnknownPacket):
                return  # vendor or future packet types: skipped, never fatal
            check_channel(self.role, self.peer, packet.type, channel)  # raises
        if isinstance(packet, ProbeRequest):
            if self.answer_probes:
                self._out.append((channel, ProbeResponse().encode()))
            self._events.append(ProbeReceived(channel))
            return
        if isinstance(packet, ProbeResponse):
            if self._probe_deadline is not None:
                self._probe_deadline = None
                self._probe_channel = None
                self.probes_answered = True
                self._events.append(ProbeAnswered(channel))
            return
        if isinstance(packet, Cancel):
            self._on_cancel(channel, packet)
            return
        self._on_role_packet(channel, packet)

    def _on_cancel(self, channel: Channel, packet: Cancel) -> None:
        if self.link is not LinkState.READY:
            raise RemoteProtocolError("Cancel before the session is ready")
        if (
            packet.transaction_id != self.transaction_id
            or self.transaction is TransactionState.IDLE
        ):
            return  # a Cancel that crossed the Response on the wire: nothing to cancel
        self._tx_step(PacketType.Cancel, self.peer)
        self._events.append(TransactionCancelled(packet.transaction_id, channel))

    # -- data phases ------------------------------------------------------------------
    def _begin_data_phase(self, total: int) -> None:
        self._data_total = None if total == DATA_LENGTH_UNKNOWN else total
        self._data_count = 0

    def _on_start_data(self, packet: StartData) -> None:
        """The peer opened a data phase (the roles check direction first)."""
        tid = packet.transaction_id
        if tid != self.transaction_id:
            self._check_tid(tid, "StartData")  # raises
        self._tx_step(PacketType.StartData, self.peer)
        if self.transaction is TransactionState.CANCELLED:
            return
        total = packet.total_length
        self._data_total = None if total == DATA_LENGTH_UNKNOWN else total
        self._data_count = 0
        self._tx_mark = self._input_at
        self._events.append(DataPhaseStarted(tid, self._data_total))
        if self._data_total == 0:  # gphoto2 sends StartData(0) and never an End Data
            self._finish_incoming_data(trailing_end_possible=True)

    def _on_data_chunk(self, chunk: DataChunk) -> None:
        peer = self.peer
        tid = chunk.transaction_id
        data = chunk.data
        if self.link is not LinkState.READY:
            raise RemoteProtocolError("data before the session is ready")
        if chunk.first and self.transaction is TransactionState.IDLE and tid == self._discard_tid:
            self._discarding = True
        if self._discarding:
            self._discarding = not chunk.last
            return
        end_data = chunk.packet_type == PacketType.EndData
        if chunk.first:
            if (
                end_data
                and chunk.packet_length == _DATA_HEADER_SIZE
                and tid == self._trailing_end_tid
            ):
                self._trailing_end_tid = None  # the empty End Data after a complete phase
                return
            if tid != self.transaction_id and self.transaction is not TransactionState.CANCELLED:
                self._check_tid(tid, "data")  # raises
            if (self.transaction, chunk.packet_type, peer) not in TRANSACTION_TRANSITIONS:
                self._tx_step(chunk.packet_type, peer)  # raises with the right message
        if self.transaction is TransactionState.CANCELLED:
            return  # discard data of a cancelled transaction
        self._tx_mark = self._input_at  # the data phase moved on
        self._data_count += len(data)
        if self._data_total is not None and self._data_count > self._data_total:
            raise RemoteProtocolError(
                f"data phase sent {self._data_count} bytes, {self._data_total} were announced",
                response_code_hint=ResponseCode.IncompleteTransfer,
            )
        if data:
            self._events.append(DataReceived(tid, data))
        if not chunk.last:
            return
        if end_data:
            if self._data_total is not None and self._data_count != self._data_total:
                raise RemoteProtocolError(
                    f"data phase ended after {self._data_count} of {self._data_total} bytes",
                    response_code_hint=ResponseCode.IncompleteTransfer,
                )
            self._tx_step(PacketType.EndData, peer)
            self._finish_incoming_data(trailing_end_possible=False, stepped=True)
        elif self._data_total is not None and self._data_count == self._data_total:
            self._finish_incoming_data(trailing_end_possible=True)

    def _finish_incoming_data(self, *, trailing_end_possible: bool, stepped: bool = False) -> None:
        if not stepped:
            self._tx_step("data_complete", self.peer)
        assert self.transaction_id is not None
        if trailing_end_possible:
            self._trailing_end_tid = self.transaction_id
        self._events.append(DataPhaseEnded(self.transaction_id, self._data_count))

    # -- sending a data phase -----------------------------------------------------------
    def _start_outgoing_data(self, total_length: int) -> None:
        if self.transaction_id is None:
            raise LocalProtocolError("no transaction under way")
        if not 0 <= total_length < DATA_LENGTH_UNKNOWN:
            raise LocalProtocolError("a data phase must announce its exact length")
        self._tx_step(PacketType.StartData, self.role)
        self._begin_data_phase(total_length)
        self._out.append((Channel.COMMAND, start_data_packet(self._outgoing_tid(), total_length)))
        if total_length == 0:  # CIPA: an empty End Data closes a zero-length phase
            self._out.append((Channel.COMMAND, self.data_header(0)))

    def data_header(self, length: int, now: float | None = None) -> bytes:
        """The 12-byte header of the next Data / End Data packet carrying ``length`` bytes.

        For zero-copy senders: write :meth:`data_to_send` first, then this header, then
        exactly ``length`` payload bytes. The packet that completes the announced length
        is an End Data. Returns ``b""`` (send nothing) once the transaction is cancelled.
        ``now`` counts as progress of the data phase (its no-progress deadline starts
        again), so a long upload does not run into a timeout while it moves.
        """
        if now is not None:
            self._last_activity = max(self._last_activity, now)
            self._tx_mark = max(self._tx_mark, now)
        if self.transaction is TransactionState.CANCELLED:
            return b""
        if self.transaction is not self._sending or self.transaction_id is None:
            raise LocalProtocolError(f"no outgoing data phase (state {self.transaction.value})")
        assert self._data_total is not None
        if length < 0 or self._data_count + length > self._data_total:
            raise LocalProtocolError(
                f"{length} more bytes would pass the announced {self._data_total}"
            )
        self._data_count += length
        last = self._data_count == self._data_total
        ptype = PacketType.EndData if last else PacketType.Data
        self._tx_step(ptype, self.role)
        return data_header_packet(length, ptype, self._outgoing_tid())

    def send_data(self, data: bytes | bytearray | memoryview, now: float) -> bool:
        """Queue ``data`` as the next Data / End Data packet of our data phase.

        Returns False (and queues nothing) when the transaction has been cancelled.
        """
        header = self.data_header(len(data))
        if not header:
            return False
        self._out.append((Channel.COMMAND, header + bytes(data)))
        self._last_activity = max(self._last_activity, now)
        self._tx_mark = max(self._tx_mark, now)
        return True
