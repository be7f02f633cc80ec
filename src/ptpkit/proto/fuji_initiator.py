"""The initiator (client) side of a Fujifilm PTP/IP session, sans-IO.

Typical use by an adapter::

    session = FujiInitiatorSession(guid, "my-laptop")
    session.start(now)                  # queues the first 82-byte Init Command Request
    ... write data_to_send(); feed replies with receive_data(); read next_event() ...
    HandshakeCompleted  -> send_request(OperationCode.OpenSession, (1,), now=now)

The double init of gphoto2 is the default (``init_requests=2``): after the first Ack the
second request goes out at once; after an Init Fail it goes out ``init_retry_delay``
seconds later, through :meth:`handle_timer`. See :mod:`ptpkit.proto.fuji_session`.
"""

from __future__ import annotations

from ptpkit.errors import LocalProtocolError, RemoteProtocolError
from ptpkit.proto.codes import OperationCode, PacketType, ResponseCode
from ptpkit.proto.events import (
    Channel,
    EventReceived,
    HandshakeCompleted,
    InitFailed,
    ResponseReceived,
    Role,
)
from ptpkit.proto.framing import DEFAULT_MAX_PACKET_SIZE
from ptpkit.proto.fuji_session import FujiSessionBase
from ptpkit.proto.packets import InitCommandAck, InitFail, Packet
from ptpkit.proto.state import LinkState, TransactionState
from ptpkit.proto.vendors.fuji import (
    FujiInitCommandRequest,
    FujiPacket,
    FujiPacketKind,
    params_packet,
)

__all__ = ["FujiInitiatorSession"]

INI = Role.INITIATOR
RSP = Role.RESPONDER
L = LinkState
K = FujiPacketKind
_TID_MAX = 0xFFFFFFFE
_DATA_PHASES = (TransactionState.DATA_IN, TransactionState.DATA_OUT)


class FujiInitiatorSession(FujiSessionBase):
    """Drives a Fujifilm camera: the (double) init, one transaction at a time, events.

    Transaction ids as in :class:`~ptpkit.proto.initiator.InitiatorSession`: 0 for
    OpenSession and anything before it, then 1, 2, … wrapping before 0xFFFFFFFF.
    """

    role = INI
    peer = RSP
    _sending = TransactionState.DATA_OUT

    def __init__(
        self,
        guid: bytes,
        friendly_name: str,
        *,
        init_requests: int = 2,
        init_retry_delay: float = 0.5,
        handshake_timeout: float | None = 30.0,
        response_timeout: float | None = None,
        data_timeout: float | None = None,
        probe_timeout: float = 10.0,
        max_packet_size: int = DEFAULT_MAX_PACKET_SIZE,
    ) -> None:
        if init_requests < 1:
            raise LocalProtocolError("init_requests must be at least 1")
        super().__init__(
            handshake_timeout=handshake_timeout,
            max_packet_size=max_packet_size,
            handshake_reader=True,
        )
        self._request = FujiInitCommandRequest(guid, friendly_name)
        self.max_init_requests = init_requests
        self.init_retry_delay = init_retry_delay
        self.response_timeout = response_timeout
        # As InitiatorSession's (see its module): the response deadline runs from the
        # request, a data phase has a no-progress deadline, events reset neither.
        self.data_timeout = data_timeout
        self._tx_timeout: float | None = None
        # The variant has no probes: the client checks a quiet link with a command.
        self.probe_timeout = probe_timeout
        self.probes_answered = False
        self.strict_probes = False
        self.probes_ignored = True
        self.connection_number: int | None = None
        self.responder_guid = b""
        self.responder_name = ""
        self.session_open = False
        self._next_tid = 1
        self._retry_at: float | None = None

    # -- handshake ------------------------------------------------------------------
    def start(self, now: float) -> None:
        """Queue the first Init Command Request; the command connection is up."""
        self._send_init(now)
        if self.handshake_timeout is not None:
            self._handshake_deadline = now + self.handshake_timeout

    def _send_init(self, now: float) -> None:
        self._link_step("init_request", INI)
        self.init_requests += 1
        self._out.append((Channel.COMMAND, self._request.encode()))
        self._last_activity = max(self._last_activity, now)

    def _on_handshake_packet(self, channel: Channel, packet: Packet) -> None:
        if isinstance(packet, InitCommandAck):
            self._link_step("init_ack", RSP)
            self.connection_number = packet.connection_number
            self.responder_guid = packet.guid
            self.responder_name = packet.friendly_name
            if self.init_requests < self.max_init_requests:
                self._send_init(self._last_activity)  # the double init: again, at once
                return
            self._readers[Channel.COMMAND].handshake = False  # Fuji framing from here on
            self.handshake_complete = True
            self._handshake_deadline = None
            self._events.append(
                HandshakeCompleted(packet.connection_number, packet.guid, packet.friendly_name)
            )
        elif isinstance(packet, InitFail):
            self._link_step("init_fail", RSP)
            if self.init_requests < self.max_init_requests:
                self._retry_at = self._last_activity + self.init_retry_delay
                return
            self._handshake_deadline = None
            self._events.append(InitFailed(packet.reason, channel))
        else:
            raise RemoteProtocolError(f"unexpected {type(packet).__name__} during the handshake")

    def handle_timer(self, now: float) -> None:
        super().handle_timer(now)
        if self.link in (L.ERROR, L.CLOSED):
            return
        if self._retry_at is not None and now >= self._retry_at:
            self._retry_at = None
            self._send_init(now)
        deadline = self._response_deadline()
        if deadline is not None and now >= deadline:
            self._timed_out("data" if self.transaction in _DATA_PHASES else "response")

    def _deadlines(self) -> list[float | None]:
        return [self._handshake_deadline, self._retry_at, self._response_deadline()]

    def _response_deadline(self) -> float | None:
        limit = self.current_timeout
        if limit is None or self.transaction is TransactionState.IDLE or not self.is_ready:
            return None
        return self._tx_mark + limit

    @property
    def current_timeout(self) -> float | None:
        """The timeout in force for the transaction under way (for messages)."""
        if self.transaction in _DATA_PHASES and self.data_timeout is not None:
            return self.data_timeout
        return self._tx_timeout

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
        """Queue a command packet and return its transaction id.

        The caller knows its operation: with ``data_out_length`` the header of the single
        data packet follows at once; send exactly that many bytes with :meth:`send_data`.
        ``timeout`` replaces ``response_timeout`` for this transaction only.
        """
        self._require_ready()
        if self.transaction is not TransactionState.IDLE:
            raise LocalProtocolError(
                f"transaction {self.transaction_id} is still {self.transaction.value}"
            )
        sessionless = code == OperationCode.OpenSession or not self.session_open
        tid = 0 if sessionless else self._next_tid
        packet = params_packet(K.Command, code, tid, tuple(params))  # raises before any change
        if tid:
            self._next_tid = tid + 1 if tid < _TID_MAX else 1
        self._tx_step(PacketType.OperationRequest, INI)
        self._out.append((Channel.COMMAND, packet))
        self.transaction_id = tid
        self._operation = code
        self._data_out = data_out_length is not None
        self._data_total = None
        self.operations += 1
        self._last_activity = max(self._last_activity, now)
        self._tx_mark = now
        self._tx_timeout = self.response_timeout if timeout is None else timeout
        if data_out_length is not None:
            self._start_outgoing_data(data_out_length)
        return tid

    def cancel(self, now: float) -> int | None:
        """Give up the transaction under way; returns its id (None when nothing was).

        The variant has no Cancel packet, so nothing is sent: the rest of a data-in phase
        is dropped as it arrives, and the camera's response still ends the transaction.
        Our own data packet cannot be cut short once its length is out: cancelling during
        it raises :class:`LocalProtocolError` (the adapter then closes the connection).
        """
        self._require_ready()
        state = self.transaction
        if state in (TransactionState.IDLE, TransactionState.CANCELLED):
            return None
        if state is TransactionState.DATA_OUT:
            raise LocalProtocolError("a Fujifilm data packet cannot be cut short")
        self._tx_step(PacketType.Cancel, INI)
        self._last_activity = max(self._last_activity, now)
        self._tx_mark = now
        return self.transaction_id

    def probe(
        self, now: float, channel: Channel = Channel.EVENT, *, timeout: float | None = None
    ) -> None:
        """The variant has no Probe packet: always :class:`LocalProtocolError`."""
        raise LocalProtocolError("the Fujifilm variant of PTP/IP has no Probe")

    def _peer_may_send_data(self) -> bool:
        return not self._data_out

    def _on_fuji_packet(self, channel: Channel, packet: FujiPacket) -> None:
        if not self.is_ready:
            raise RemoteProtocolError("Fuji packet before the handshake completed")
        if packet.kind == K.Event:
            self._events.append(EventReceived(packet.code, packet.transaction_id, packet.params))
            return
        # A response (the allowed-packets check admits nothing else here).
        tid = packet.transaction_id
        params = packet.params
        self._check_tid(tid, "response")
        self._tx_step(PacketType.OperationResponse, RSP)
        code = packet.code
        if self._operation == OperationCode.OpenSession and code in (
            ResponseCode.OK,
            ResponseCode.SessionAlreadyOpen,
        ):
            self.session_open = True
            self._next_tid = 1
        elif self._operation == OperationCode.CloseSession and code == ResponseCode.OK:
            self.session_open = False
        self.transaction_id = None
        self._data_total = None
        self._events.append(ResponseReceived(code, tid, params))
