"""The responder (camera) side of a PTP/IP session, sans-IO.

One :class:`ResponderSession` per initiator. The adapter accepts TCP connections, feeds
the first one's bytes as :attr:`Channel.COMMAND`; when a second connection's first packet
is an Init Event Request carrying this session's connection number (see
:func:`peek_init_packet`), its bytes are fed as :attr:`Channel.EVENT`.

The application answers what the session reports:

* :class:`InitiatorConnected` → :meth:`accept` or :meth:`reject`;
* :class:`EventChannelRequested` → :meth:`accept_event_channel` (or withhold it);
* :class:`OperationRequested` → optionally read the data-out phase (DataPhaseStarted,
  DataReceived…, DataPhaseEnded) or send a data-in phase (:meth:`start_data_in`, then
  :meth:`send_data` / :meth:`data_header`), then :meth:`send_response`;
* events go out with :meth:`send_event` at any time once ready.

Tolerated, because real initiators do it (reference §1.12): OpenSession with transaction
id 0; DataPhaseInfo 0 or 3 (direction decided from the operation code); a zero-length
data-out phase announced by Start Data(0) with no End Data.

Real cameras' habits, for testing initiators against them (constructor options, off by
default): ``answer_probes=False`` notes Probe Requests but never answers them;
``own_transaction_ids=True`` answers (Start Data, Data, End Data, Response) under a
counter of the responder's own instead of the request's transaction id;
``response_params=False`` sends every Operation Response without its parameters;
``init_ack_padding=N`` appends N zero bytes after the Init Command Ack's protocol version
(counted in its length).
"""

from __future__ import annotations

from ptpkit.errors import DecodeError, LocalProtocolError, RemoteProtocolError
from ptpkit.proto.codes import (
    OPERATION_DATA_DIRECTION,
    PROTOCOL_VERSION_1_0,
    TID_NONE,
    DataPhaseInfo,
    OperationCode,
    PacketType,
    ResponseCode,
)
from ptpkit.proto.events import (
    Channel,
    EventChannelRequested,
    HandshakeCompleted,
    InitFailed,
    InitiatorConnected,
    OperationRequested,
    Role,
)
from ptpkit.proto.framing import DEFAULT_MAX_PACKET_SIZE
from ptpkit.proto.packets import (
    HEADER_SIZE,
    Cancel,
    Event,
    InitCommandAck,
    InitCommandRequest,
    InitEventAck,
    InitEventRequest,
    InitFail,
    OperationRequest,
    Packet,
    StartData,
    data_header_packet,
    decode_packet,
    response_packet,
    start_data_packet,
)
from ptpkit.proto.session import SessionBase
from ptpkit.proto.state import LinkState, TransactionState

__all__ = ["ResponderSession", "peek_init_packet"]

_TID_MAX = 0xFFFFFFFE
#: Where a responder with ``own_transaction_ids`` starts counting: far from the ids
#: initiators start with, so that its answers never carry the request's id by chance.
OWN_TID_START = 0x00010000


def peek_init_packet(data: bytes | bytearray, max_size: int = 4096) -> Packet | None:
    """The first packet of a new connection, once it has fully arrived, else None.

    Lets a server tell a new command connection (Init Command Request) from an event
    connection (Init Event Request) before handing its bytes to a session. Raises
    DecodeError when the bytes cannot be the start of a PTP/IP session.
    """
    if len(data) < HEADER_SIZE:
        return None
    length = int.from_bytes(data[:4], "little")
    if length < HEADER_SIZE or length > max_size:
        raise DecodeError(f"first packet length {length} is not an Init packet")
    if len(data) < length:
        return None
    return decode_packet(bytes(data[:length]))


class ResponderSession(SessionBase):
    """Answers one initiator: handshake, transactions, events, probes."""

    role = Role.RESPONDER
    peer = Role.INITIATOR
    _sending = TransactionState.DATA_IN

    def __init__(
        self,
        connection_number: int,
        guid: bytes,
        friendly_name: str,
        *,
        handshake_timeout: float | None = 10.0,
        probe_interval: float | None = None,
        probe_timeout: float = 10.0,
        max_packet_size: int = DEFAULT_MAX_PACKET_SIZE,
        borrow_data: bool = False,
        answer_probes: bool = True,
        own_transaction_ids: bool = False,
        response_params: bool = True,
        init_ack_padding: int = 0,
        ack_protocol_version: int | None = PROTOCOL_VERSION_1_0,
    ) -> None:
        # ack_protocol_version: the version field of our Init Command Ack; None leaves
        # the field out, as Sony bodies do.
        if init_ack_padding < 0:
            raise ValueError("init_ack_padding must not be negative")
        super().__init__(
            handshake_timeout=handshake_timeout,
            probe_interval=probe_interval,
            probe_timeout=probe_timeout,
            max_packet_size=max_packet_size,
            borrow_data=borrow_data,
        )
        self.connection_number = connection_number
        self.guid = guid
        self.friendly_name = friendly_name
        self.ack_protocol_version = ack_protocol_version
        self.initiator_guid = b""
        self.initiator_name = ""
        self.initiator_version = 0
        self.session_id: int | None = None
        self._expected_tid: int | None = None
        self._requested_session_id = 0
        self._operation = 0
        self.answer_probes = answer_probes
        self.response_params = response_params
        self.init_ack_padding = init_ack_padding
        # The responder's own transaction counter (own_transaction_ids), and the id the
        # answers of the transaction under way carry.
        self._own_tids = own_transaction_ids
        self._next_own_tid = OWN_TID_START
        self._reply_tid: int | None = None

    def start(self, now: float) -> None:
        """The command connection was accepted: arm the handshake timer."""
        self._last_activity = now
        if self.handshake_timeout is not None:
            self._handshake_deadline = now + self.handshake_timeout

    # -- handshake ------------------------------------------------------------------
    def accept(self, now: float) -> None:
        """Answer the Init Command Request with an Init Command Ack."""
        self._link_step(PacketType.InitCommandAck, self.role)
        ack = InitCommandAck(
            self.connection_number, self.guid, self.friendly_name, self.ack_protocol_version
        )
        pad = self.init_ack_padding
        if pad:
            data = ack.encode()
            padded = (len(data) + pad).to_bytes(4, "little") + data[4:] + bytes(pad)
            self._out.append((Channel.COMMAND, padded))
        else:
            self._emit(Channel.COMMAND, ack)
        self._last_activity = now

    def reject(self, reason: int, now: float, channel: Channel = Channel.COMMAND) -> None:
        """Refuse the initiator with Init Fail; the adapter closes after writing it."""
        self._link_step(PacketType.InitFail, self.role)
        self._emit(channel, InitFail(reason))
        self._handshake_deadline = None
        self._events.append(InitFailed(reason, channel))

    def accept_event_channel(self, now: float) -> None:
        """Answer the Init Event Request: the session is ready."""
        self._link_step(PacketType.InitEventAck, self.role)
        self._emit(Channel.EVENT, InitEventAck())
        self._handshake_deadline = None
        self._last_activity = now
        self._events.append(
            HandshakeCompleted(self.connection_number, self.initiator_guid, self.initiator_name)
        )

    # -- receiving --------------------------------------------------------------------
    def _on_role_packet(self, channel: Channel, packet: Packet) -> None:
        if isinstance(packet, InitCommandRequest):
            self._link_step(packet.type, Role.INITIATOR)
            self.initiator_guid = packet.guid
            self.initiator_name = packet.friendly_name
            self.initiator_version = packet.protocol_version
            self._events.append(
                InitiatorConnected(packet.guid, packet.friendly_name, packet.protocol_version)
            )
        elif isinstance(packet, InitEventRequest):
            if packet.connection_number != self.connection_number:
                raise RemoteProtocolError(
                    f"Init Event Request for connection {packet.connection_number}, "
                    f"this is {self.connection_number}"
                )
            self._link_step(packet.type, Role.INITIATOR)
            self._events.append(EventChannelRequested(packet.connection_number))
        elif isinstance(packet, OperationRequest):
            self._on_request(packet)
        elif isinstance(packet, StartData):
            if (
                self.transaction is TransactionState.IDLE
                and packet.transaction_id == self._discard_tid
            ):
                return  # a data-out phase we answered before it arrived
            if not self._data_out and self.transaction is not TransactionState.CANCELLED:
                raise RemoteProtocolError(
                    "the initiator sent Start Data for an operation without a data-out phase"
                )
            self._on_start_data(packet)
        else:  # pragma: no cover - check_channel rejects everything else first
            raise RemoteProtocolError(f"unexpected {type(packet).__name__}")

    def _on_request(self, packet: OperationRequest) -> None:
        if self.link is not LinkState.READY:
            raise RemoteProtocolError("Operation Request before the handshake completed")
        self._tx_step(PacketType.OperationRequest, Role.INITIATOR)
        self._discard_tid = None
        tid = packet.transaction_id
        self.transaction_id = tid
        if self._own_tids:
            self._reply_tid = self._next_own_tid
            self._next_own_tid = self._next_own_tid + 1 if self._next_own_tid < _TID_MAX else 1
        self._operation = packet.code
        if packet.code == OperationCode.OpenSession:
            self._requested_session_id = packet.params[0] if packet.params else 0
        self._trailing_end_tid = None
        self._data_total = None
        if packet.data_phase == DataPhaseInfo.DataOut:
            data_out = True
        elif packet.data_phase == DataPhaseInfo.NoDataOrDataIn:
            data_out = False
        else:  # 0 or 3: unknown; decide from what the operation is known to do
            data_out = OPERATION_DATA_DIRECTION.get(packet.code) == "out"
        self._data_out = data_out
        if not self._tid_acceptable(packet.code, tid):
            if data_out:
                raise RemoteProtocolError(
                    f"transaction id {tid} out of sequence (expected {self._expected_tid})",
                    response_code_hint=ResponseCode.InvalidTransactionID,
                )
            self.send_response(ResponseCode.InvalidTransactionID)
            return
        self._events.append(
            OperationRequested(packet.code, tid, packet.params, packet.data_phase, data_out)
        )

    def _tid_acceptable(self, code: int, tid: int) -> bool:
        """OpenSession and sessionless operations may use any id (gphoto2 and ISO use 0);
        in a session the first id sets the sequence, and each next one must follow."""
        if code == OperationCode.OpenSession or self.session_id is None:
            return True
        if tid == TID_NONE:
            return False
        if self._expected_tid is not None and tid != self._expected_tid:
            return False
        self._expected_tid = tid + 1 if tid < _TID_MAX else 1
        return True

    # -- sending --------------------------------------------------------------------
    def start_data_in(self, total_length: int, now: float) -> None:
        """Open the data-in phase of the current operation with its exact length."""
        if self._data_out:
            raise LocalProtocolError("this operation's data phase comes from the initiator")
        self._start_outgoing_data(total_length)
        self._last_activity = now

    def send_response(self, code: int, params: tuple[int, ...] = (), now: float = 0.0) -> None:
        """End the current transaction with an Operation Response."""
        tid = self.transaction_id
        if tid is None:
            raise LocalProtocolError("no transaction to answer")
        out = self._outgoing_tid()
        self._respond(code, tid, response_packet(code, out, self._params(params)), now)

    def answer(
        self, code: int, params: tuple[int, ...] = (), data: bytes | None = None, now: float = 0.0
    ) -> None:
        """End the current operation in one step: its data-in phase, when ``data`` is given
        (in one End Data packet), then its Operation Response, queued as one piece, so
        that the adapter writes the whole answer at once. Without ``data``, the same as
        :meth:`send_response`. For large data, stream it with :meth:`start_data_in` and
        :meth:`send_data` (or :meth:`data_header`) instead."""
        if data is None:
            self.send_response(code, params, now)
            return
        tid = self.transaction_id
        if tid is None:
            raise LocalProtocolError("no transaction to answer")
        if self._data_out:
            raise LocalProtocolError("this operation's data phase comes from the initiator")
        out = self._outgoing_tid()
        response = response_packet(code, out, self._params(params))  # raises before any change
        size = len(data)
        self._tx_step(PacketType.StartData, self.role)
        self._tx_step(PacketType.EndData, self.role)
        self._data_total = self._data_count = size
        packets = start_data_packet(out, size) + data_header_packet(size, PacketType.EndData, out)
        self._respond(code, tid, packets + data + response, now)

    def _respond(self, code: int, tid: int, packets: bytes, now: float) -> None:
        """Queue ``packets``, which end with the Operation Response, and close the books."""
        # Answering a data-out operation before all its data arrived (an early error,
        # StoreFull part way, or a cancel): what the initiator still sends is dropped.
        unfinished = self._data_out and self.transaction in (
            TransactionState.REQUESTED,
            TransactionState.DATA_OUT,
            TransactionState.CANCELLED,
        )
        self._tx_step(PacketType.OperationResponse, self.role)
        self._discard_tid = tid if unfinished else None
        self._out.append((Channel.COMMAND, packets))
        if self._operation == OperationCode.OpenSession and code == ResponseCode.OK:
            self.session_id = self._requested_session_id
            self._expected_tid = None
        elif self._operation == OperationCode.CloseSession and code == ResponseCode.OK:
            self.session_id = None
            self._expected_tid = None
        self._trailing_end_tid = tid if self._data_out else None
        self.transaction_id = None
        self._reply_tid = None
        self._data_total = None
        self._last_activity = max(self._last_activity, now)

    def send_event(
        self, code: int, params: tuple[int, ...] = (), transaction_id: int = TID_NONE
    ) -> None:
        """Queue a PTP event on the event connection."""
        self._require_ready()
        self._emit(Channel.EVENT, Event(code, transaction_id, tuple(params)))

    def cancel(self, now: float) -> int | None:
        """Cancel the transaction under way from the responder side; answer it afterwards
        with ``send_response(ResponseCode.TransactionCancelled)``."""
        self._require_ready()
        if self.transaction in (TransactionState.IDLE, TransactionState.CANCELLED):
            return None
        tid = self.transaction_id
        assert tid is not None
        self._tx_step(PacketType.Cancel, self.role)
        self._emit(Channel.COMMAND, Cancel(tid))
        self._last_activity = now
        return tid

    def _outgoing_tid(self) -> int:
        if self._reply_tid is not None:
            return self._reply_tid
        return super()._outgoing_tid()

    def _params(self, params: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(params) if self.response_params else ()

    @property
    def operation(self) -> int:
        return self._operation

    @property
    def cancelled(self) -> bool:
        """True once the transaction under way was cancelled by either side."""
        return self.transaction is TransactionState.CANCELLED
