"""The responder (camera) side of a Fujifilm PTP/IP session, sans-IO.

One :class:`FujiResponderSession` per initiator. The adapter feeds the command socket
(55740) as :attr:`Channel.COMMAND` and, once the initiator connects it after
InitiateOpenCapture, the event socket (55741) as :attr:`Channel.EVENT`, calling
:meth:`FujiResponderSession.event_channel_opened` then. Nothing arrives on the event
socket but a close. See :mod:`ptpkit.proto.fuji_session` for the rules.

The request has no DataPhaseInfo, so the session must be told which operations take a
data-out phase: ``data_directions``, a mapping (by default
:data:`~ptpkit.proto.vendors.fuji.FUJI_OPERATION_DATA_DIRECTION`, the standard table plus
Fujifilm's operations) or a function of the operation code; None or an absent code means
unknown, and a data packet that then arrives before the answer is taken as data-out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ptpkit.errors import LocalProtocolError, RemoteProtocolError
from ptpkit.proto.codes import (
    TID_NONE,
    DataDirection,
    DataPhaseInfo,
    OperationCode,
    PacketType,
    ResponseCode,
)
from ptpkit.proto.events import (
    Channel,
    HandshakeCompleted,
    InitFailed,
    InitiatorConnected,
    OperationRequested,
    Role,
)
from ptpkit.proto.framing import DEFAULT_MAX_PACKET_SIZE
from ptpkit.proto.fuji_session import DataDirections, FujiSessionBase
from ptpkit.proto.packets import InitCommandAck, InitFail
from ptpkit.proto.state import LinkState, TransactionState
from ptpkit.proto.vendors.fuji import (
    FUJI_OPERATION_DATA_DIRECTION,
    INIT_FAIL_WRONG_VERSION,
    INIT_MAGIC,
    FujiInitCommandRequest,
    FujiPacket,
    FujiPacketKind,
    data_header,
    params_packet,
)

__all__ = ["FujiResponderSession"]

INI = Role.INITIATOR
RSP = Role.RESPONDER
L = LinkState
K = FujiPacketKind


class FujiResponderSession(FujiSessionBase):
    """Answers one Fuji initiator: the (double) init, operations, events.

    The application answers :class:`InitiatorConnected` with :meth:`accept` or
    :meth:`reject`, and :class:`OperationRequested` by reading the data-out phase it
    announces (``data_out``) or sending a data-in phase (:meth:`start_data_in` then
    :meth:`send_data`, or :meth:`answer` in one piece), then :meth:`send_response`.
    """

    role = RSP
    peer = INI
    _sending = TransactionState.DATA_IN

    def __init__(
        self,
        connection_number: int,
        guid: bytes,
        friendly_name: str,
        *,
        data_directions: DataDirections = FUJI_OPERATION_DATA_DIRECTION,
        max_init_requests: int = 2,
        handshake_timeout: float | None = 10.0,
        max_packet_size: int = DEFAULT_MAX_PACKET_SIZE,
    ) -> None:
        super().__init__(
            handshake_timeout=handshake_timeout,
            max_packet_size=max_packet_size,
            handshake_reader=False,  # a Fuji request reads as kind 1, code 0
        )
        self._ack = InitCommandAck(connection_number, guid, friendly_name)  # validates
        self.connection_number = connection_number
        self.guid = guid
        self.friendly_name = friendly_name
        self.max_init_requests = max_init_requests
        self._direction: Callable[[int], DataDirection | None] = (
            data_directions.get if isinstance(data_directions, Mapping) else data_directions
        )
        self._direction_known = False
        self.initiator_guid = b""
        self.initiator_name = ""
        self.session_id: int | None = None
        self._requested_session_id = 0
        self._event_channel_open = False
        self._held_events: list[bytes] = []

    def start(self, now: float) -> None:
        """The command connection was accepted: arm the handshake timer."""
        self._last_activity = now
        if self.handshake_timeout is not None:
            self._handshake_deadline = now + self.handshake_timeout

    # -- handshake ------------------------------------------------------------------
    def _on_init_request(self, packet: FujiPacket) -> None:
        request = FujiInitCommandRequest.decode(packet.encode())
        if self.operations:
            raise RemoteProtocolError("Init Command Request after the first operation")
        if self.init_requests >= self.max_init_requests:
            raise RemoteProtocolError(
                f"more than {self.max_init_requests} Init Command Requests on one connection"
            )
        self._link_step("init_request", INI)
        self.init_requests += 1
        self.initiator_guid = request.guid
        self.initiator_name = request.friendly_name
        self._events.append(InitiatorConnected(request.guid, request.friendly_name, INIT_MAGIC))

    def _on_cipa_init_request(self) -> None:
        """A standard Init Command Request (PTP/IP type 1, a GUID where the magic number
        belongs) on a Fujifilm connection: refused at once with Init Fail
        :data:`~ptpkit.proto.vendors.fuji.INIT_FAIL_WRONG_VERSION`, as the bodies do; the
        adapter closes after writing it."""
        self._link_step("init_request", INI)
        self._link_step("init_fail", RSP)
        self._out.append((Channel.COMMAND, InitFail(INIT_FAIL_WRONG_VERSION).encode()))
        self._handshake_deadline = None
        self._events.append(InitFailed(INIT_FAIL_WRONG_VERSION, Channel.COMMAND))

    def accept(self, now: float) -> None:
        """Answer the Init Command Request with the standard Init Command Ack."""
        self._link_step("init_ack", RSP)
        self._out.append((Channel.COMMAND, self._ack.encode()))
        self._last_activity = max(self._last_activity, now)
        if not self.handshake_complete:
            self.handshake_complete = True
            self._handshake_deadline = None
            self._events.append(
                HandshakeCompleted(self.connection_number, self.initiator_guid, self.initiator_name)
            )

    def reject(self, reason: int, now: float) -> None:
        """Answer with Init Fail. While requests may still come (``retry_expected``), the
        initiator is expected to retry on the same connection; otherwise the session has
        failed (:class:`InitFailed`) and the adapter closes after writing."""
        packet = InitFail(reason).encode()  # raises before any change
        self._link_step("init_fail", RSP)
        self._out.append((Channel.COMMAND, packet))
        self._last_activity = max(self._last_activity, now)
        if not self.retry_expected:
            self._handshake_deadline = None
            self._events.append(InitFailed(reason, Channel.COMMAND))

    @property
    def retry_expected(self) -> bool:
        """True after a :meth:`reject` that the initiator may still follow with a retry."""
        return (
            self.link is L.FAILED
            and not self.handshake_complete
            and self.init_requests < self.max_init_requests
        )

    @property
    def cancelled(self) -> bool:
        """Always False: the variant has no Cancel (the CIPA session's attribute)."""
        return False

    def event_channel_opened(self, now: float) -> None:
        """The initiator connected the event socket: release the events held until now."""
        self._event_channel_open = True
        self._out.extend((Channel.EVENT, packet) for packet in self._held_events)
        self._held_events.clear()
        self._last_activity = max(self._last_activity, now)

    def accept_event_channel(self, now: float) -> None:
        """:meth:`event_channel_opened` under the CIPA session's name, so that one adapter
        drives both (the event connection has no handshake here to answer)."""
        self.event_channel_opened(now)

    # -- receiving --------------------------------------------------------------------
    def _on_fuji_packet(self, channel: Channel, packet: FujiPacket) -> None:
        # Only commands get here (the allowed-packets check): a request, or a repeated init.
        if packet.code == 0 and packet.transaction_id == INIT_MAGIC:
            self._on_init_request(packet)
            return
        if packet.code == 0 and not self.handshake_complete and not self.init_requests:
            self._on_cipa_init_request()
            return
        if not self.is_ready:
            raise RemoteProtocolError("command before the handshake completed")
        params = packet.params
        self._tx_step(PacketType.OperationRequest, INI)
        tid = packet.transaction_id
        code = packet.code
        self.operations += 1
        self._discard_tid = None
        self.transaction_id = tid
        self._operation = code
        self._data_total = None
        if code == OperationCode.OpenSession:
            self._requested_session_id = params[0] if params else 0
        direction = self._direction(code)
        self._direction_known = direction is not None
        self._data_out = direction == "out"
        phase = DataPhaseInfo.DataOut if self._data_out else DataPhaseInfo.NoDataOrDataIn
        self._events.append(OperationRequested(code, tid, params, phase, self._data_out))

    def _peer_may_send_data(self) -> bool:
        if not self._data_out and not self._direction_known:
            self._data_out = True  # unknown operation: its data packet says it all
        return self._data_out

    # -- sending --------------------------------------------------------------------
    def _require_transaction(self) -> int:
        if self.transaction_id is None:
            raise LocalProtocolError("no transaction to answer")
        return self.transaction_id

    def start_data_in(self, total_length: int, now: float) -> None:
        """Queue the header of the data-in packet; send its ``total_length`` bytes with
        :meth:`send_data`, then :meth:`send_response`."""
        self._require_transaction()
        if self._data_out:
            raise LocalProtocolError("this operation's data phase comes from the initiator")
        self._start_outgoing_data(total_length)
        self._last_activity = max(self._last_activity, now)

    def send_response(self, code: int, params: tuple[int, ...] = (), now: float = 0.0) -> None:
        """End the current transaction with a response packet."""
        tid = self._require_transaction()
        self._respond(code, tid, params_packet(K.Response, code, tid, tuple(params)), now)

    def answer(
        self,
        code: int,
        params: tuple[int, ...] = (),
        data: bytes | bytearray | memoryview | None = None,
        now: float = 0.0,
    ) -> None:
        """End the operation in one step: its data-in packet when ``data`` is given, then
        the response, queued as one piece. Stream large data with :meth:`start_data_in`."""
        if data is None:
            self.send_response(code, params, now)
            return
        tid = self._require_transaction()
        if self._data_out:
            raise LocalProtocolError("this operation's data phase comes from the initiator")
        response = params_packet(K.Response, code, tid, tuple(params))
        header = data_header(len(data), self._operation, tid)
        self._tx_step(PacketType.StartData, RSP)
        self._tx_step("data_complete", RSP)
        self._data_total = self._data_count = len(data)
        self._respond(code, tid, header + bytes(data) + response, now)

    def _respond(self, code: int, tid: int, packets: bytes, now: float) -> None:
        before = self.transaction
        self._tx_step(PacketType.OperationResponse, RSP)
        if self._data_out and before is TransactionState.REQUESTED:
            self._discard_tid = tid  # its data packet may still come: drop it
        elif self._data_out and before is TransactionState.DATA_OUT:
            self._discarding = True  # drop the rest of the packet under way
        self._out.append((Channel.COMMAND, packets))
        if self._operation == OperationCode.OpenSession and code == ResponseCode.OK:
            self.session_id = self._requested_session_id
        elif self._operation == OperationCode.CloseSession and code == ResponseCode.OK:
            self.session_id = None
        self.transaction_id = None
        self._data_total = None
        self._last_activity = max(self._last_activity, now)

    def send_event(
        self, code: int, params: tuple[int, ...] = (), transaction_id: int = TID_NONE
    ) -> None:
        """Queue an event for the event connection (held until it is open)."""
        self._require_ready()
        packet = params_packet(K.Event, code, transaction_id, tuple(params))
        if self._event_channel_open:
            self._out.append((Channel.EVENT, packet))
        else:
            self._held_events.append(packet)
