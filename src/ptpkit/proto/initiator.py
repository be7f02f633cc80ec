"""The initiator (client) side of a PTP/IP session, sans-IO.

Typical use by an adapter::

    session = InitiatorSession(guid, "my-laptop")
    session.start(now)                       # queues Init Command Request
    ... write data_to_send(); feed replies with receive_data(); read next_event() ...
    CommandAckReceived  -> open the event connection, write what is queued for it
    HandshakeCompleted  -> ready: send_request(OperationCode.OpenSession, (1,), now=now)

Transaction ids: OpenSession goes out with id 0 (ISO 15740), as does any operation
before a session is open (GetDeviceInfo); after OpenSession they count 1, 2, … and wrap
from 0xFFFFFFFE to 1, 0xFFFFFFFF being reserved. Some cameras answer with a counter of
their own: as only one transaction is ever under way, a Start Data, data or response
under another id is taken for it (reported as :class:`ForeignTransactionId`, counted in
:attr:`InitiatorSession.foreign_tids`; the response carries the camera's id).

Deadlines (all from ``now`` values the adapter passes; none is pushed back by probes,
their answers or events):

* ``response_timeout``: from the request (or the end of our data-out phase, or the last
  data of a data-in phase) to the Operation Response: ``TimedOut("response")``;
* ``data_timeout`` (default: ``response_timeout``): inside a data phase, the longest
  time without a byte of progress: ``TimedOut("data")``;
* probes: an unanswered probe ends the session (``TimedOut("probe")``) only with a camera
  that has answered one before (or with ``strict_probes``); otherwise it is reported as
  :class:`ProbeUnanswered`, :attr:`InitiatorSession.probes_ignored` becomes True and idle
  probing stops: the adapter keeps the link alive with commands instead.
"""

from __future__ import annotations

from ptpkit.errors import LocalProtocolError, RemoteProtocolError
from ptpkit.proto.codes import (
    PROTOCOL_VERSION_1_0,
    DataPhaseInfo,
    OperationCode,
    PacketType,
    ResponseCode,
)
from ptpkit.proto.events import (
    Channel,
    CommandAckReceived,
    EventReceived,
    ForeignTransactionId,
    HandshakeCompleted,
    InitFailed,
    ResponseReceived,
    Role,
)
from ptpkit.proto.framing import DEFAULT_MAX_PACKET_SIZE
from ptpkit.proto.packets import (
    Cancel,
    Event,
    InitCommandAck,
    InitCommandRequest,
    InitEventAck,
    InitEventRequest,
    InitFail,
    OperationResponse,
    Packet,
    StartData,
    request_packet,
)
from ptpkit.proto.session import SessionBase
from ptpkit.proto.state import LinkState, TransactionState

__all__ = ["InitiatorSession"]

_TID_MAX = 0xFFFFFFFE
_DATA_PHASES = (TransactionState.DATA_IN, TransactionState.DATA_OUT)


class InitiatorSession(SessionBase):
    """Drives a camera: handshake, one transaction at a time, events, probes."""

    role = Role.INITIATOR
    peer = Role.RESPONDER
    _sending = TransactionState.DATA_OUT

    def __init__(
        self,
        guid: bytes,
        friendly_name: str,
        *,
        protocol_version: int = PROTOCOL_VERSION_1_0,
        handshake_timeout: float | None = 30.0,
        response_timeout: float | None = None,
        data_timeout: float | None = None,
        probe_interval: float | None = None,
        probe_timeout: float = 10.0,
        strict_probes: bool = False,
        max_packet_size: int = DEFAULT_MAX_PACKET_SIZE,
        borrow_data: bool = False,
    ) -> None:
        super().__init__(
            handshake_timeout=handshake_timeout,
            probe_interval=probe_interval,
            probe_timeout=probe_timeout,
            max_packet_size=max_packet_size,
            borrow_data=borrow_data,
        )
        self._request = InitCommandRequest(guid, friendly_name, protocol_version)
        self.response_timeout = response_timeout
        self.data_timeout = data_timeout
        #: An unanswered probe is fatal even from a camera that never answered one.
        self.strict_probes = strict_probes
        #: A probe went unanswered by a camera that never answered one: no more idle probes.
        self.probes_ignored = False
        #: Packets taken for the transaction under way although they carried another id.
        self.foreign_tids = 0
        self._peer_tid: int | None = None  # the camera's id for the transaction under way
        self._tx_timeout: float | None = None  # this transaction's response timeout
        self.connection_number: int | None = None
        self.responder_guid = b""
        self.responder_name = ""
        self.session_open = False
        self._next_tid = 1
        self._operation = 0

    # -- handshake ------------------------------------------------------------------
    def start(self, now: float) -> None:
        """Queue the Init Command Request; the adapter has connected the command channel."""
        self._link_step(PacketType.InitCommandRequest, self.role)
        self._emit(Channel.COMMAND, self._request)
        self._last_activity = now
        if self.handshake_timeout is not None:
            self._handshake_deadline = now + self.handshake_timeout

    def _on_role_packet(self, channel: Channel, packet: Packet) -> None:
        # The packets of every transaction first.
        if isinstance(packet, OperationResponse):
            self._on_response(packet)
        elif isinstance(packet, StartData):
            if self._data_out and self.transaction is not TransactionState.CANCELLED:
                raise RemoteProtocolError("the responder sent Start Data for a data-out operation")
            self._on_start_data(packet)
        elif isinstance(packet, Event):
            if self.link is not LinkState.READY:
                raise RemoteProtocolError("Event before the handshake completed")
            self._events.append(EventReceived(packet.code, packet.transaction_id, packet.params))
        elif isinstance(packet, InitCommandAck):
            self._link_step(packet.type, Role.RESPONDER)
            self.connection_number = packet.connection_number
            self.responder_guid = packet.guid
            self.responder_name = packet.friendly_name
            self._events.append(
                CommandAckReceived(
                    packet.connection_number,
                    packet.guid,
                    packet.friendly_name,
                    packet.protocol_version,
                )
            )
            self._link_step(PacketType.InitEventRequest, self.role)
            self._emit(Channel.EVENT, InitEventRequest(packet.connection_number))
        elif isinstance(packet, InitEventAck):
            self._link_step(packet.type, Role.RESPONDER)
            self._handshake_deadline = None
            assert self.connection_number is not None
            self._events.append(
                HandshakeCompleted(self.connection_number, self.responder_guid, self.responder_name)
            )
        elif isinstance(packet, InitFail):
            self._link_step(packet.type, Role.RESPONDER)
            self._handshake_deadline = None
            self._events.append(InitFailed(packet.reason, channel))
        else:  # pragma: no cover - check_channel rejects everything else first
            raise RemoteProtocolError(f"unexpected {type(packet).__name__}")

    def _on_response(self, packet: OperationResponse) -> None:
        if self.link is not LinkState.READY:
            raise RemoteProtocolError("Operation Response before the handshake completed")
        tid = packet.transaction_id
        if tid != self.transaction_id:
            self._check_tid(tid, "Operation Response")  # raises
        self._tx_step(PacketType.OperationResponse, Role.RESPONDER)
        code = packet.code
        operation = self._operation
        if operation == OperationCode.OpenSession and code in (
            ResponseCode.OK,
            ResponseCode.SessionAlreadyOpen,
        ):
            self.session_open = True
            self._next_tid = 1
        elif operation == OperationCode.CloseSession and code == ResponseCode.OK:
            self.session_open = False
        self._trailing_end_tid = tid
        self.transaction_id = None
        self._data_total = None
        self._events.append(ResponseReceived(code, tid, packet.params))

    # -- transactions -------------------------------------------------------------------
    def send_request(
        self,
        code: int,
        params: tuple[int, ...] = (),
        *,
        data_out_length: int | None = None,
        now: float,
        timeout: float | None = None,
    ) -> int:
        """Queue an Operation Request and return its transaction id.

        ``timeout`` replaces ``response_timeout`` for this transaction only (a keep-alive
        round trip wants an answer sooner than a capture does).

        With ``data_out_length`` the request announces a data-out phase (DataPhaseInfo 2)
        and the Start Data follows at once; send the bytes with :meth:`send_data` (or
        :meth:`data_header` plus your own writes). A zero length also sends the empty End
        Data CIPA asks for.
        """
        self._require_ready()
        if self.transaction is not TransactionState.IDLE:
            raise LocalProtocolError(
                f"transaction {self.transaction_id} is still {self.transaction.value}"
            )
        if code == OperationCode.OpenSession or not self.session_open:
            tid = 0
        else:
            tid = self._next_tid
            self._next_tid = tid + 1 if tid < _TID_MAX else 1
        phase = (
            DataPhaseInfo.DataOut if data_out_length is not None else DataPhaseInfo.NoDataOrDataIn
        )
        request = request_packet(phase, code, tid, tuple(params))  # raises before any change
        self._tx_step(PacketType.OperationRequest, self.role)
        self._out.append((Channel.COMMAND, request))
        self.transaction_id = tid
        self._operation = code
        self._data_out = data_out_length is not None
        self._data_total = None
        self._trailing_end_tid = None
        self._last_activity = now
        self._tx_mark = now
        self._tx_timeout = self.response_timeout if timeout is None else timeout
        self._peer_tid = None
        if data_out_length is not None:
            self._start_outgoing_data(data_out_length)
        return tid

    def cancel(self, now: float) -> int | None:
        """Cancel the transaction under way (Cancel on the command connection).

        Data that still arrives for it is discarded; the transaction ends with the
        responder's Operation Response (normally TransactionCancelled). Returns the
        cancelled transaction id, or None when nothing was under way.
        """
        self._require_ready()
        if self.transaction in (TransactionState.IDLE, TransactionState.CANCELLED):
            return None
        tid = self.transaction_id
        assert tid is not None
        self._tx_step(PacketType.Cancel, self.role)
        self._emit(Channel.COMMAND, Cancel(tid))
        self._last_activity = now
        self._tx_mark = now
        return tid

    # -- deadlines ----------------------------------------------------------------------
    def _response_deadline(self) -> float | None:
        state = self.transaction
        if state is TransactionState.IDLE or self.link is not LinkState.READY:
            return None
        if state in _DATA_PHASES:
            limit = self._tx_timeout if self.data_timeout is None else self.data_timeout
        else:
            limit = self._tx_timeout
        return None if limit is None else self._tx_mark + limit

    def _response_deadline_kind(self) -> str:
        return "data" if self.transaction in _DATA_PHASES else "response"

    def _probe_miss_is_fatal(self) -> bool:
        if self.strict_probes or self.probes_answered:
            return True
        self.probes_ignored = True  # reported as ProbeUnanswered; no more idle probes
        return False

    def _idle_probe_at(self) -> float | None:
        if self.probes_ignored:
            return None
        return super()._idle_probe_at()

    # -- another transaction id -----------------------------------------------------------
    def _check_tid(self, tid: int, what: str) -> None:
        """A packet of the transaction under way carries ``tid``, not its id: accepted
        when it is the camera's first packet for this transaction (then its id is kept
        for the rest of it), refused once the camera has used another id for it."""
        if tid in (self.transaction_id, self._peer_tid):
            return
        state = self.transaction
        camera_spoke = state is TransactionState.DATA_IN or (
            state is TransactionState.AWAIT_RESPONSE and not self._data_out
        )
        if (
            state is TransactionState.IDLE
            or self.transaction_id is None
            or camera_spoke
            or self._peer_tid is not None
        ):
            super()._check_tid(tid, what)  # raises
        self.foreign_tids += 1
        self._events.append(ForeignTransactionId(self.transaction_id or 0, tid, what))
        self._peer_tid = tid

    @property
    def current_timeout(self) -> float | None:
        """The timeout in force for the transaction under way (for messages)."""
        if self.transaction in _DATA_PHASES and self.data_timeout is not None:
            return self.data_timeout
        return self._tx_timeout

    @property
    def operation(self) -> int:
        """The operation code of the transaction under way (or the last one)."""
        return self._operation
