"""InitiatorSession ↔ ResponderSession in memory: handshake, Init Fail, transactions with
and without data phases, transaction ids, events, probes, cancel, timers and protocol
errors. Every test runs twice: packets delivered whole, and one byte at a time.

Packets that a real peer sends but our sessions never would (gphoto2's Start Data(0)
without End Data, DataPhaseInfo 0/3, out-of-sequence ids …) are written by hand below
with plain integer packing (``raw_*``), not with our packet encoder.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from helpers import (
    CONNECTION_NUMBER,
    INITIATOR_GUID,
    INITIATOR_NAME,
    RESPONDER_GUID,
    RESPONDER_NAME,
    SessionPair,
    h,
)

from ptpkit.errors import DecodeError, LocalProtocolError, RemoteProtocolError
from ptpkit.proto.codes import EventCode, OperationCode, ResponseCode
from ptpkit.proto.events import (
    Channel,
    CommandAckReceived,
    ConnectionClosed,
    DataPhaseEnded,
    DataPhaseStarted,
    DataReceived,
    EventChannelRequested,
    EventReceived,
    HandshakeCompleted,
    InitFailed,
    InitiatorConnected,
    OperationRequested,
    ProbeAnswered,
    ProbeReceived,
    ProbeUnanswered,
    ResponseReceived,
    Role,
    TimedOut,
    TransactionCancelled,
)
from ptpkit.proto.packets import (
    Cancel,
    Data,
    EndData,
    Event,
    InitCommandAck,
    InitCommandRequest,
    InitEventAck,
    InitEventRequest,
    InitFail,
    OperationRequest,
    OperationResponse,
    ProbeRequest,
    ProbeResponse,
    StartData,
)
from ptpkit.proto.state import LinkState, TransactionState

INIT = Role.INITIATOR
RESP = Role.RESPONDER
CMD = Channel.COMMAND
EVT = Channel.EVENT
OK = ResponseCode.OK
Op = OperationCode


# -- hand-made packets (reference §1.3), independent of ptpkit's encoder ----------------------


def u16(v: int) -> bytes:
    return v.to_bytes(2, "little")


def u32(v: int) -> bytes:
    return v.to_bytes(4, "little")


def u64(v: int) -> bytes:
    return v.to_bytes(8, "little")


def raw(ptype: int, payload: bytes) -> bytes:
    return u32(8 + len(payload)) + u32(ptype) + payload


def raw_request(dp: int, code: int, tid: int, *params: int) -> bytes:
    return raw(6, u32(dp) + u16(code) + u32(tid) + b"".join(u32(p) for p in params))


def raw_response(code: int, tid: int, *params: int) -> bytes:
    return raw(7, u16(code) + u32(tid) + b"".join(u32(p) for p in params))


def raw_event(code: int, tid: int, *params: int) -> bytes:
    return raw(8, u16(code) + u32(tid) + b"".join(u32(p) for p in params))


def raw_start_data(tid: int, length: int) -> bytes:
    return raw(9, u32(tid) + u64(length))


def raw_data(tid: int, payload: bytes) -> bytes:
    return raw(10, u32(tid) + payload)


def raw_end_data(tid: int, payload: bytes = b"") -> bytes:
    return raw(12, u32(tid) + payload)


def raw_cancel(tid: int) -> bytes:
    return raw(11, u32(tid))


# -- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(params=[False, True], ids=["whole", "bytewise"])
def make_pair(request: pytest.FixtureRequest) -> Callable[..., SessionPair]:
    def make(**options: Any) -> SessionPair:
        return SessionPair(bytewise=request.param, **options)

    return make


@pytest.fixture
def pair(make_pair: Callable[..., SessionPair]) -> SessionPair:
    return make_pair()


@pytest.fixture
def ready(pair: SessionPair) -> SessionPair:
    """Handshake done, no PTP session open."""
    pair.handshake()
    return pair


@pytest.fixture
def opened(ready: SessionPair) -> SessionPair:
    """Handshake done and OpenSession(1) answered OK (with transaction id 0)."""
    ready.open_session(1)
    return ready


def assert_dead(session: Any) -> None:
    """After a protocol error: ERROR state, input ignored, no further moves allowed."""
    assert session.link is LinkState.ERROR
    session.receive_data(CMD, h("08000000 0d000000"), 0.0)
    assert session.next_event() is None
    with pytest.raises(LocalProtocolError):
        session.probe(0.0)


# -- handshake -----------------------------------------------------------------------------------


def test_handshake_step_by_step(pair: SessionPair) -> None:
    i, r = pair.initiator, pair.responder
    i.start(pair.now)
    r.start(pair.now)
    pair.pump()
    assert pair.take_wire() == [(CMD, InitCommandRequest(INITIATOR_GUID, INITIATOR_NAME))]
    assert pair.events(RESP) == [InitiatorConnected(INITIATOR_GUID, INITIATOR_NAME, 0x00010000)]
    assert r.initiator_guid == INITIATOR_GUID
    assert r.initiator_name == INITIATOR_NAME
    assert r.initiator_version == 0x00010000
    # Nothing is answered until the application accepts.
    pair.pump()
    assert pair.take_wire() == []
    assert pair.events(INIT) == []
    assert i.link is LinkState.AWAIT_INIT_COMMAND_ACK

    r.accept(pair.now)
    pair.pump()
    assert pair.take_wire() == [
        (CMD, InitCommandAck(CONNECTION_NUMBER, RESPONDER_GUID, RESPONDER_NAME, 0x00010000)),
        (EVT, InitEventRequest(CONNECTION_NUMBER)),
    ]
    assert pair.events(INIT) == [
        CommandAckReceived(CONNECTION_NUMBER, RESPONDER_GUID, RESPONDER_NAME, 0x00010000)
    ]
    assert pair.events(RESP) == [EventChannelRequested(CONNECTION_NUMBER)]
    assert i.connection_number == CONNECTION_NUMBER
    assert i.responder_guid == RESPONDER_GUID
    assert i.responder_name == RESPONDER_NAME
    assert not i.is_ready
    assert not r.is_ready

    r.accept_event_channel(pair.now)
    assert pair.events(RESP) == [
        HandshakeCompleted(CONNECTION_NUMBER, INITIATOR_GUID, INITIATOR_NAME)
    ]
    pair.pump()
    assert pair.take_wire() == [(EVT, InitEventAck())]
    assert pair.events(INIT) == [
        HandshakeCompleted(CONNECTION_NUMBER, RESPONDER_GUID, RESPONDER_NAME)
    ]
    assert i.is_ready
    assert r.is_ready
    assert i.link is r.link is LinkState.READY
    assert i.transaction is r.transaction is TransactionState.IDLE


def test_initiator_first_packet_is_what_gphoto2_sends(pair: SessionPair) -> None:
    """gphoto2 on host "vm": 34 bytes (shared/reference/gphoto2-interop.md)."""
    pair.initiator.start(0.0)
    ((channel, data),) = pair.initiator.data_to_send()
    assert channel is CMD
    assert data == h("22000000 01000000 00112233445566778899aabbccddeeff 7600 6d00 0000 00000100")


def test_handshake_helper(pair: SessionPair) -> None:
    i_events, r_events = pair.handshake()
    assert i_events[-1] == HandshakeCompleted(CONNECTION_NUMBER, RESPONDER_GUID, RESPONDER_NAME)
    assert r_events[-1] == HandshakeCompleted(CONNECTION_NUMBER, INITIATOR_GUID, INITIATOR_NAME)


@pytest.mark.parametrize("version", [0x00000100, 0x00000064, 0x8F53E4F2])
def test_responder_accepts_any_version_and_answers_1_0(
    make_pair: Callable[..., SessionPair], version: int
) -> None:
    pair = make_pair(initiator_options={"protocol_version": version})
    pair.initiator.start(0.0)
    pair.pump()
    assert pair.events(RESP) == [InitiatorConnected(INITIATOR_GUID, INITIATOR_NAME, version)]
    pair.responder.accept(0.0)
    pair.pump()
    ack = pair.take_wire(RESP)[0][1]
    assert isinstance(ack, InitCommandAck)
    assert ack.protocol_version == 0x00010000


def test_init_event_request_with_another_connection_number(pair: SessionPair) -> None:
    pair.initiator.start(0.0)
    pair.pump()
    pair.events(RESP)
    pair.responder.accept(0.0)
    pair.responder.data_to_send()
    with pytest.raises(RemoteProtocolError):
        pair.inject(RESP, EVT, raw(3, u32(CONNECTION_NUMBER + 1)))
    assert_dead(pair.responder)


# -- Init Fail --------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", [1, 2, 3, 0x2019])
def test_init_fail_on_the_command_channel(pair: SessionPair, reason: int) -> None:
    pair.initiator.start(0.0)
    pair.responder.start(0.0)
    pair.pump()
    pair.events(RESP)
    pair.responder.reject(reason, 0.0)
    assert pair.events(RESP) == [InitFailed(reason, CMD)]
    pair.pump()
    assert pair.take_wire(RESP) == [(CMD, InitFail(reason))]
    assert pair.events(INIT) == [InitFailed(reason, CMD)]
    assert pair.initiator.link is pair.responder.link is LinkState.FAILED
    assert pair.initiator.next_deadline() is None
    assert pair.responder.next_deadline() is None
    with pytest.raises(LocalProtocolError):
        pair.initiator.send_request(Op.GetDeviceInfo, now=0.0)


@pytest.mark.parametrize("reason", [1, 2])
def test_init_fail_on_the_event_channel(pair: SessionPair, reason: int) -> None:
    pair.initiator.start(0.0)
    pair.pump()
    pair.responder.accept(0.0)
    pair.pump()
    assert pair.events(RESP)[-1] == EventChannelRequested(CONNECTION_NUMBER)
    pair.responder.reject(reason, 0.0, Channel.EVENT)
    pair.pump()
    assert pair.take_wire(RESP)[-1] == (EVT, InitFail(reason))
    assert pair.events(INIT)[-1] == InitFailed(reason, EVT)
    assert pair.initiator.link is LinkState.FAILED


def test_init_fail_wire_bytes(pair: SessionPair) -> None:
    pair.initiator.start(0.0)
    pair.pump()
    pair.responder.reject(2, 0.0)
    assert pair.responder.data_to_send() == [(CMD, h("0c000000 05000000 02000000"))]


def test_cannot_reject_once_ready(ready: SessionPair) -> None:
    with pytest.raises(LocalProtocolError):
        ready.responder.reject(1, 0.0)


# -- transactions without data ------------------------------------------------------------------


def test_open_session_with_tid_0_then_1_2_3(ready: SessionPair) -> None:
    pair = ready
    tid = pair.initiator.send_request(Op.OpenSession, (1,), now=0.0)
    assert tid == 0
    pair.pump()
    assert pair.take_wire() == [(CMD, OperationRequest(1, Op.OpenSession, 0, (1,)))]
    assert pair.events(RESP) == [OperationRequested(Op.OpenSession, 0, (1,), 1, False)]
    pair.responder.send_response(OK)
    pair.pump()
    assert pair.events(INIT) == [ResponseReceived(OK, 0, ())]
    assert pair.initiator.session_open
    assert pair.responder.session_id == 1

    for expected_tid, code in enumerate(
        [Op.GetNumObjects, Op.DeleteObject, Op.InitiateCapture], start=1
    ):
        tid = pair.initiator.send_request(code, (7,), now=0.0)
        assert tid == expected_tid
        pair.pump()
        assert pair.take_wire(INIT) == [(CMD, OperationRequest(1, code, expected_tid, (7,)))]
        assert pair.events(RESP) == [OperationRequested(code, expected_tid, (7,), 1, False)]
        assert pair.responder.transaction_id == expected_tid
        pair.responder.send_response(OK, (expected_tid * 10,))
        pair.pump()
        assert pair.events(INIT) == [ResponseReceived(OK, expected_tid, (expected_tid * 10,))]
        assert pair.initiator.transaction is TransactionState.IDLE
        assert pair.responder.transaction is TransactionState.IDLE


def test_sessionless_operation_uses_tid_0(ready: SessionPair) -> None:
    tid = ready.initiator.send_request(Op.GetDeviceInfo, now=0.0)
    assert tid == 0
    ready.pump()
    assert ready.events(RESP) == [OperationRequested(Op.GetDeviceInfo, 0, (), 1, False)]


def test_close_session_then_reopen(opened: SessionPair) -> None:
    pair = opened
    assert pair.initiator.send_request(Op.CloseSession, now=0.0) == 1
    pair.pump()
    pair.events(RESP)
    pair.responder.send_response(OK)
    pair.pump()
    assert pair.events(INIT) == [ResponseReceived(OK, 1, ())]
    assert not pair.initiator.session_open
    assert pair.responder.session_id is None
    assert pair.initiator.send_request(Op.GetDeviceInfo, now=0.0) == 0
    pair.pump()
    assert pair.events(RESP) == [OperationRequested(Op.GetDeviceInfo, 0, (), 1, False)]
    pair.responder.send_response(OK)
    pair.pump()
    assert pair.events(INIT) == [ResponseReceived(OK, 0, ())]
    pair.open_session(2)
    assert pair.responder.session_id == 2
    assert pair.initiator.send_request(Op.GetStorageIDs, now=0.0) == 1


def test_error_response_and_five_response_params(opened: SessionPair) -> None:
    pair = opened
    pair.initiator.send_request(Op.GetObjectInfo, (99,), now=0.0)
    pair.pump()
    pair.responder.send_response(ResponseCode.InvalidObjectHandle)
    pair.pump()
    assert pair.events(INIT) == [ResponseReceived(ResponseCode.InvalidObjectHandle, 1, ())]
    pair.initiator.send_request(Op.SendObjectInfo, (0x10001, 0xFFFFFFFF), now=0.0)
    pair.pump()
    pair.responder.send_response(OK, (1, 2, 3, 4, 5))
    pair.pump()
    assert pair.events(INIT) == [ResponseReceived(OK, 2, (1, 2, 3, 4, 5))]


def test_tid_wraps_from_0xfffffffe_to_1(opened: SessionPair) -> None:
    pair = opened
    # Reaching 0xFFFFFFFE by counting would take four billion transactions.
    pair.initiator._next_tid = 0xFFFFFFFE
    seen = []
    for _ in range(3):
        tid = pair.initiator.send_request(Op.GetNumObjects, now=0.0)
        pair.pump()
        (requested,) = pair.events(RESP)
        assert isinstance(requested, OperationRequested)
        assert requested.transaction_id == tid
        pair.responder.send_response(OK, (0,))
        pair.pump()
        assert pair.events(INIT) == [ResponseReceived(OK, tid, (0,))]
        seen.append(tid)
    assert seen == [0xFFFFFFFE, 1, 2]


def test_responder_follows_a_wrapping_sequence(opened: SessionPair) -> None:
    pair = opened
    for tid in (0xFFFFFFFE, 1, 2):
        pair.inject(RESP, CMD, raw_request(1, Op.GetNumObjects, tid))
        assert pair.events(RESP) == [OperationRequested(Op.GetNumObjects, tid, (), 1, False)]
        pair.responder.send_response(OK, (0,))
        assert pair.sent(RESP) == [(CMD, OperationResponse(OK, tid, (0,)))]


def test_out_of_sequence_tid_is_answered_by_the_responder(opened: SessionPair) -> None:
    pair = opened
    pair.inject(RESP, CMD, raw_request(1, Op.GetNumObjects, 1))
    assert pair.events(RESP) == [OperationRequested(Op.GetNumObjects, 1, (), 1, False)]
    pair.responder.send_response(OK, (0,))
    pair.sent(RESP)
    # 5 instead of 2: the responder answers InvalidTransactionID on its own.
    pair.inject(RESP, CMD, raw_request(1, Op.GetNumObjects, 5))
    assert pair.events(RESP) == []
    assert pair.sent(RESP) == [(CMD, OperationResponse(ResponseCode.InvalidTransactionID, 5, ()))]
    assert pair.responder.transaction is TransactionState.IDLE
    # The reserved id is refused too; the expected id is still accepted afterwards.
    pair.inject(RESP, CMD, raw_request(1, Op.GetNumObjects, 0xFFFFFFFF))
    assert pair.sent(RESP) == [
        (CMD, OperationResponse(ResponseCode.InvalidTransactionID, 0xFFFFFFFF, ()))
    ]
    pair.inject(RESP, CMD, raw_request(1, Op.GetNumObjects, 2))
    assert pair.events(RESP) == [OperationRequested(Op.GetNumObjects, 2, (), 1, False)]


def test_out_of_sequence_tid_with_a_data_out_phase_is_a_remote_error(
    opened: SessionPair,
) -> None:
    pair = opened
    pair.inject(RESP, CMD, raw_request(1, Op.GetNumObjects, 1))
    pair.responder.send_response(OK, (0,))
    with pytest.raises(RemoteProtocolError) as info:
        pair.inject(RESP, CMD, raw_request(2, Op.SendObject, 9))
    assert info.value.response_code_hint == ResponseCode.InvalidTransactionID


def test_open_session_is_accepted_with_any_tid(opened: SessionPair) -> None:
    """gphoto2 retries OpenSession with tid 0 after InvalidTransactionID."""
    pair = opened
    pair.inject(RESP, CMD, raw_request(1, Op.OpenSession, 0, 2))
    assert pair.events(RESP) == [OperationRequested(Op.OpenSession, 0, (2,), 1, False)]
    pair.responder.send_response(ResponseCode.SessionAlreadyOpen, (1,))
    assert pair.sent(RESP) == [(CMD, OperationResponse(ResponseCode.SessionAlreadyOpen, 0, (1,)))]


# -- data-in ------------------------------------------------------------------------------------


def test_data_in_several_packets(opened: SessionPair) -> None:
    pair = opened
    payload = bytes(range(256)) * 10
    tid = pair.initiator.send_request(Op.GetObject, (5,), now=0.0)
    pair.pump()
    assert pair.events(RESP) == [OperationRequested(Op.GetObject, tid, (5,), 1, False)]
    pair.take_wire()
    pair.responder.start_data_in(len(payload), 0.0)
    for piece in (payload[:1000], payload[1000:1001], payload[1001:]):
        assert pair.responder.send_data(piece, 0.0)
    assert pair.responder.transaction is TransactionState.AWAIT_RESPONSE
    pair.responder.send_response(OK)
    pair.pump()
    assert pair.take_wire() == [
        (CMD, StartData(tid, len(payload))),
        (CMD, Data(tid, payload[:1000])),
        (CMD, Data(tid, payload[1000:1001])),
        (CMD, EndData(tid, payload[1001:])),
        (CMD, OperationResponse(OK, tid, ())),
    ]
    assert pair.events(INIT) == [
        DataPhaseStarted(tid, len(payload)),
        DataReceived(tid, payload),
        DataPhaseEnded(tid, len(payload)),
        ResponseReceived(OK, tid, ()),
    ]


def test_data_in_all_in_end_data(opened: SessionPair) -> None:
    pair = opened
    tid = pair.initiator.send_request(Op.GetDeviceInfo, now=0.0)
    pair.pump()
    pair.responder.start_data_in(5, 0.0)
    pair.responder.send_data(b"hello", 0.0)
    pair.responder.send_response(OK)
    pair.pump()
    assert [p for _, p in pair.take_wire(RESP)] == [
        StartData(tid, 5),
        EndData(tid, b"hello"),
        OperationResponse(OK, tid, ()),
    ]
    assert pair.events(INIT) == [
        DataPhaseStarted(tid, 5),
        DataReceived(tid, b"hello"),
        DataPhaseEnded(tid, 5),
        ResponseReceived(OK, tid, ()),
    ]


def test_zero_length_data_in(opened: SessionPair) -> None:
    pair = opened
    tid = pair.initiator.send_request(Op.GetObjectHandles, (0x10001, 0, 0xFFFFFFFF), now=0.0)
    pair.pump()
    pair.responder.start_data_in(0, 0.0)
    assert pair.responder.transaction is TransactionState.AWAIT_RESPONSE
    pair.responder.send_response(OK)
    pair.pump()
    assert [p for _, p in pair.take_wire(RESP)] == [
        StartData(tid, 0),
        EndData(tid, b""),
        OperationResponse(OK, tid, ()),
    ]
    assert pair.events(INIT) == [
        DataPhaseStarted(tid, 0),
        DataPhaseEnded(tid, 0),
        ResponseReceived(OK, tid, ()),
    ]
    # The session goes on.
    assert pair.initiator.send_request(Op.GetNumObjects, now=0.0) == tid + 1


@pytest.mark.parametrize("data", [b"hello", b""])
def test_answer_queues_the_whole_data_in_phase_and_response_as_one_piece(
    opened: SessionPair, data: bytes
) -> None:
    pair = opened
    tid = pair.initiator.send_request(Op.GetObjectInfo, (7,), now=0.0)
    pair.pump()
    assert pair.events(RESP)[0] == OperationRequested(Op.GetObjectInfo, tid, (7,), 1, False)
    pair.responder.answer(OK, (3,), data, now=0.0)
    queued = pair.responder.data_to_send()
    # One piece: Start Data, End Data with the payload, Operation Response (hand-packed).
    assert queued == [
        (CMD, raw_start_data(tid, len(data)) + raw_end_data(tid, data) + raw_response(OK, tid, 3))
    ]
    assert pair.responder.transaction is TransactionState.IDLE
    pair.inject(INIT, CMD, queued[0][1])
    expected = [DataPhaseStarted(tid, len(data))]
    expected += [DataReceived(tid, data)] if data else []
    expected += [DataPhaseEnded(tid, len(data)), ResponseReceived(OK, tid, (3,))]
    assert pair.events(INIT) == expected
    # The session goes on.
    assert pair.initiator.send_request(Op.GetNumObjects, now=0.0) == tid + 1


def test_answer_without_data_is_a_response(opened: SessionPair) -> None:
    pair = opened
    tid = pair.initiator.send_request(Op.DeleteObject, (7, 0), now=0.0)
    pair.pump()
    pair.responder.answer(ResponseCode.AccessDenied)
    assert pair.responder.data_to_send() == [(CMD, raw_response(ResponseCode.AccessDenied, tid))]


def test_answer_refuses_what_it_cannot_send(opened: SessionPair) -> None:
    pair = opened
    with pytest.raises(LocalProtocolError):  # no transaction under way
        pair.responder.answer(OK, (), b"x")
    pair.initiator.send_request(Op.GetObjectInfo, (7,), now=0.0)
    pair.pump()
    with pytest.raises(LocalProtocolError):  # a parameter out of range: nothing changes
        pair.responder.answer(OK, (1 << 32,), b"x")
    with pytest.raises(LocalProtocolError):  # six parameters
        pair.responder.answer(OK, (1, 2, 3, 4, 5, 6), b"x")
    assert pair.responder.transaction is TransactionState.REQUESTED
    assert pair.responder.data_to_send() == []
    pair.responder.answer(OK, (), b"x")
    pair.pump()
    # A data-out operation's data comes from the initiator.
    pair.initiator.send_request(Op.SendObject, data_out_length=1, now=0.0)
    pair.pump()
    with pytest.raises(LocalProtocolError):
        pair.responder.answer(OK, (), b"x")


@pytest.mark.parametrize("trailing_end", [False, True])
def test_data_in_complete_in_data_packets(opened: SessionPair, trailing_end: bool) -> None:
    """A responder that sends every byte in Data packets, then an empty End Data or none."""
    pair = opened
    tid = pair.initiator.send_request(Op.GetObject, (1,), now=0.0)
    pair.pump()
    stream = raw_start_data(tid, 6) + raw_data(tid, b"abc") + raw_data(tid, b"def")
    if trailing_end:
        stream += raw_end_data(tid)
    stream += raw_response(OK, tid)
    pair.inject(INIT, CMD, stream)
    assert pair.events(INIT) == [
        DataPhaseStarted(tid, 6),
        DataReceived(tid, b"abcdef"),
        DataPhaseEnded(tid, 6),
        ResponseReceived(OK, tid, ()),
    ]
    assert pair.initiator.transaction is TransactionState.IDLE


def test_data_in_of_unknown_length_ends_at_end_data(opened: SessionPair) -> None:
    pair = opened
    tid = pair.initiator.send_request(Op.GetObject, (1,), now=0.0)
    pair.pump()
    pair.inject(
        INIT,
        CMD,
        raw_start_data(tid, 0xFFFFFFFFFFFFFFFF)
        + raw_data(tid, b"ab")
        + raw_end_data(tid, b"c")
        + raw_response(OK, tid),
    )
    assert pair.events(INIT) == [
        DataPhaseStarted(tid, None),
        DataReceived(tid, b"abc"),
        DataPhaseEnded(tid, 3),
        ResponseReceived(OK, tid, ()),
    ]


def test_responder_may_answer_instead_of_start_data(opened: SessionPair) -> None:
    pair = opened
    tid = pair.initiator.send_request(Op.GetObject, (77,), now=0.0)
    pair.pump()
    pair.responder.send_response(ResponseCode.InvalidObjectHandle)
    pair.pump()
    assert pair.events(INIT) == [ResponseReceived(ResponseCode.InvalidObjectHandle, tid, ())]


def test_event_in_the_middle_of_a_data_in_phase(opened: SessionPair) -> None:
    pair = opened
    tid = pair.initiator.send_request(Op.GetObject, (1,), now=0.0)
    pair.pump()
    pair.responder.start_data_in(4, 0.0)
    pair.responder.send_data(b"ab", 0.0)
    pair.responder.send_event(EventCode.DevicePropChanged, (0x5001,))
    pair.responder.send_data(b"cd", 0.0)
    pair.responder.send_response(OK)
    pair.pump()
    assert pair.events(INIT) == [
        DataPhaseStarted(tid, 4),
        DataReceived(tid, b"ab"),
        EventReceived(EventCode.DevicePropChanged, 0xFFFFFFFF, (0x5001,)),
        DataReceived(tid, b"cd"),
        DataPhaseEnded(tid, 4),
        ResponseReceived(OK, tid, ()),
    ]


# -- data-out ------------------------------------------------------------------------------------


def test_data_out_several_packets(opened: SessionPair) -> None:
    pair = opened
    payload = bytes(range(200))
    tid = pair.initiator.send_request(Op.SendObject, data_out_length=len(payload), now=0.0)
    assert pair.initiator.transaction.value == "data-out"
    for piece in (payload[:50], payload[50:150], payload[150:]):
        assert pair.initiator.send_data(piece, 0.0)
    assert pair.initiator.transaction is TransactionState.AWAIT_RESPONSE
    pair.pump()
    assert pair.take_wire(INIT) == [
        (CMD, OperationRequest(2, Op.SendObject, tid, ())),
        (CMD, StartData(tid, 200)),
        (CMD, Data(tid, payload[:50])),
        (CMD, Data(tid, payload[50:150])),
        (CMD, EndData(tid, payload[150:])),
    ]
    assert pair.events(RESP) == [
        OperationRequested(Op.SendObject, tid, (), 2, True),
        DataPhaseStarted(tid, 200),
        DataReceived(tid, payload),
        DataPhaseEnded(tid, 200),
    ]
    assert pair.responder.transaction is TransactionState.AWAIT_RESPONSE
    pair.responder.send_response(OK)
    pair.pump()
    assert pair.events(INIT) == [ResponseReceived(OK, tid, ())]


def test_zero_length_data_out_sends_empty_end_data(opened: SessionPair) -> None:
    """CIPA's form: Start Data(0) and one empty End Data."""
    pair = opened
    tid = pair.initiator.send_request(Op.SendObject, data_out_length=0, now=0.0)
    assert pair.initiator.transaction is TransactionState.AWAIT_RESPONSE
    pair.pump()
    assert [p for _, p in pair.take_wire(INIT)] == [
        OperationRequest(2, Op.SendObject, tid, ()),
        StartData(tid, 0),
        EndData(tid, b""),
    ]
    assert pair.events(RESP) == [
        OperationRequested(Op.SendObject, tid, (), 2, True),
        DataPhaseStarted(tid, 0),
        DataPhaseEnded(tid, 0),
    ]
    pair.responder.send_response(OK)
    pair.pump()
    assert pair.events(INIT) == [ResponseReceived(OK, tid, ())]
    # And the session goes on.
    tid2 = pair.initiator.send_request(Op.GetNumObjects, now=0.0)
    pair.pump()
    assert pair.events(RESP) == [OperationRequested(Op.GetNumObjects, tid2, (), 1, False)]


def test_gphoto2_zero_length_data_out_without_end_data(opened: SessionPair) -> None:
    """gphoto2 sends Start Data(0) and never an End Data (reference §1.6)."""
    pair = opened
    pair.inject(RESP, CMD, raw_request(2, Op.SendObject, 1) + raw_start_data(1, 0))
    assert pair.events(RESP) == [
        OperationRequested(Op.SendObject, 1, (), 2, True),
        DataPhaseStarted(1, 0),
        DataPhaseEnded(1, 0),
    ]
    pair.responder.send_response(OK)
    assert pair.sent(RESP) == [(CMD, OperationResponse(OK, 1, ()))]
    pair.inject(RESP, CMD, raw_request(1, Op.GetNumObjects, 2))
    assert pair.events(RESP) == [OperationRequested(Op.GetNumObjects, 2, (), 1, False)]


def test_gphoto2_64k_chunks_with_the_last_bytes_in_end_data(opened: SessionPair) -> None:
    """gphoto2's upload: 65536-byte Data packets, the remaining 1..65536 bytes in End Data."""
    pair = opened
    block = 65536
    payload = bytes(i % 253 for i in range(2 * block + 100))
    stream = (
        raw_request(2, Op.SendObject, 1)
        + raw_start_data(1, len(payload))
        + raw_data(1, payload[:block])
        + raw_data(1, payload[block : 2 * block])
        + raw_end_data(1, payload[2 * block :])
    )
    assert len(raw_data(1, payload[:block])) == 65548
    pair.inject(RESP, CMD, stream)
    assert pair.events(RESP) == [
        OperationRequested(Op.SendObject, 1, (), 2, True),
        DataPhaseStarted(1, len(payload)),
        DataReceived(1, payload),
        DataPhaseEnded(1, len(payload)),
    ]
    pair.responder.send_response(OK)
    assert pair.sent(RESP) == [(CMD, OperationResponse(OK, 1, ()))]


def test_initiator_uploads_in_64k_chunks(opened: SessionPair) -> None:
    pair = opened
    block = 65536
    payload = bytes(i % 251 for i in range(block + 10))
    tid = pair.initiator.send_request(Op.SendObject, data_out_length=len(payload), now=0.0)
    assert pair.initiator.send_data(payload[:block], 0.0)
    assert pair.initiator.send_data(payload[block:], 0.0)
    pair.pump()
    wire = [p for _, p in pair.take_wire(INIT)]
    assert wire[2:] == [Data(tid, payload[:block]), EndData(tid, payload[block:])]
    assert pair.events(RESP)[-2:] == [DataReceived(tid, payload), DataPhaseEnded(tid, len(payload))]


@pytest.mark.parametrize("dp", [0, 3])
def test_unknown_data_phase_info_takes_the_direction_from_the_operation(
    opened: SessionPair, dp: int
) -> None:
    pair = opened
    pair.inject(RESP, CMD, raw_request(dp, Op.SendObject, 1))
    assert pair.events(RESP) == [OperationRequested(Op.SendObject, 1, (), dp, True)]
    with pytest.raises(LocalProtocolError):
        pair.responder.start_data_in(3, 0.0)
    pair.inject(RESP, CMD, raw_start_data(1, 3) + raw_end_data(1, b"xyz"))
    assert pair.events(RESP) == [
        DataPhaseStarted(1, 3),
        DataReceived(1, b"xyz"),
        DataPhaseEnded(1, 3),
    ]
    pair.responder.send_response(OK)
    assert pair.sent(RESP) == [(CMD, OperationResponse(OK, 1, ()))]
    # A data-in operation with an unknown DataPhaseInfo is not a data-out.
    pair.inject(RESP, CMD, raw_request(dp, Op.GetObject, 2, 1))
    assert pair.events(RESP) == [OperationRequested(Op.GetObject, 2, (1,), dp, False)]
    pair.responder.start_data_in(1, 0.0)
    # ... and a no-data operation neither.
    pair.responder.send_data(b"z", 0.0)
    pair.responder.send_response(OK)
    pair.sent(RESP)
    pair.inject(RESP, CMD, raw_request(dp, Op.DeleteObject, 3, 1))
    assert pair.events(RESP) == [OperationRequested(Op.DeleteObject, 3, (1,), dp, False)]


def test_responder_may_refuse_an_upload_part_way(opened: SessionPair) -> None:
    """StoreFull in the middle of a data-out phase; the initiator's bytes still in flight
    for that transaction are dropped and the session goes on."""
    pair = opened
    tid = pair.initiator.send_request(Op.SendObject, data_out_length=300, now=0.0)
    pair.initiator.send_data(bytes(100), 0.0)
    pair.pump()
    assert pair.events(RESP)[-1] == DataReceived(tid, bytes(100))
    pair.responder.send_response(ResponseCode.StoreFull)
    refusal = pair.responder.data_to_send()
    # The initiator had already written more before the refusal reached it.
    pair.initiator.send_data(bytes(100), 0.0)
    in_flight = pair.initiator.data_to_send()
    for channel, data in refusal:
        pair.inject(INIT, channel, data)
    assert pair.events(INIT) == [ResponseReceived(ResponseCode.StoreFull, tid, ())]
    for channel, data in in_flight:
        pair.inject(RESP, channel, data)
    assert pair.events(RESP) == []
    assert pair.responder.link is LinkState.READY
    tid2 = pair.initiator.send_request(Op.GetNumObjects, now=0.0)
    pair.pump()
    assert pair.events(RESP) == [OperationRequested(Op.GetNumObjects, tid2, (), 1, False)]


def test_responder_answers_a_data_out_request_before_its_data_arrives(
    opened: SessionPair,
) -> None:
    """An adapter may answer (e.g. NoValidObjectInfo) as soon as it sees the request,
    before it has read the Start Data and Data that came in the same segment."""
    pair = opened
    tid = pair.initiator.send_request(Op.SendObject, data_out_length=3, now=0.0)
    pair.initiator.send_data(b"abc", 0.0)
    request, *rest = pair.initiator.data_to_send()
    pair.inject(RESP, request[0], request[1])
    assert pair.events(RESP) == [OperationRequested(Op.SendObject, tid, (), 2, True)]
    pair.responder.send_response(ResponseCode.NoValidObjectInfo)
    for channel, data in rest:
        pair.inject(RESP, channel, data)
    assert pair.events(RESP) == []
    pair.pump()
    assert pair.events(INIT) == [ResponseReceived(ResponseCode.NoValidObjectInfo, tid, ())]
    tid2 = pair.initiator.send_request(Op.GetNumObjects, now=0.0)
    pair.pump()
    assert pair.events(RESP) == [OperationRequested(Op.GetNumObjects, tid2, (), 1, False)]


# -- events --------------------------------------------------------------------------------------


def test_capture_events_carry_the_capture_tid(opened: SessionPair) -> None:
    pair = opened
    tid = pair.initiator.send_request(Op.InitiateCapture, (0, 0), now=0.0)
    pair.pump()
    pair.responder.send_response(OK)
    pair.responder.send_event(EventCode.ObjectAdded, (0x2A,), transaction_id=tid)
    pair.responder.send_event(EventCode.CaptureComplete, transaction_id=tid)
    pair.responder.send_event(EventCode.DevicePropChanged, (0x5001,))
    pair.pump()
    assert pair.take_wire(RESP) == [
        (CMD, OperationResponse(OK, tid, ())),
        (EVT, Event(EventCode.ObjectAdded, tid, (0x2A,))),
        (EVT, Event(EventCode.CaptureComplete, tid, ())),
        (EVT, Event(EventCode.DevicePropChanged, 0xFFFFFFFF, (0x5001,))),
    ]
    assert pair.events(INIT) == [
        ResponseReceived(OK, tid, ()),
        EventReceived(EventCode.ObjectAdded, tid, (0x2A,)),
        EventReceived(EventCode.CaptureComplete, tid, ()),
        EventReceived(EventCode.DevicePropChanged, 0xFFFFFFFF, (0x5001,)),
    ]


def test_padded_event_from_theta4j(ready: SessionPair) -> None:
    ready.inject(INIT, EVT, raw_event(EventCode.ObjectAdded, 0xFFFFFFFF, 7, 0, 0))
    assert ready.events(INIT) == [EventReceived(EventCode.ObjectAdded, 0xFFFFFFFF, (7, 0, 0))]


def test_events_need_a_ready_session(pair: SessionPair) -> None:
    with pytest.raises(LocalProtocolError):
        pair.responder.send_event(EventCode.ObjectAdded, (1,))
    pair.initiator.start(0.0)
    pair.pump()
    pair.responder.accept(0.0)
    pair.pump()
    with pytest.raises(RemoteProtocolError):
        pair.inject(INIT, EVT, raw_event(EventCode.ObjectAdded, 0xFFFFFFFF, 1))


# -- probe ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("channel", [CMD, EVT], ids=["command", "event"])
@pytest.mark.parametrize("prober", [INIT, RESP], ids=["initiator-probes", "responder-probes"])
def test_probe_is_answered_on_the_same_channel(
    ready: SessionPair, prober: Role, channel: Channel
) -> None:
    pair = ready
    other = RESP if prober is INIT else INIT
    pair.session(prober).probe(5.0, channel)
    assert pair.session(prober).next_deadline() == 15.0
    pair.pump()
    assert pair.take_wire() == [(channel, ProbeRequest()), (channel, ProbeResponse())]
    assert pair.events(other) == [ProbeReceived(channel)]
    assert pair.events(prober) == [ProbeAnswered(channel)]
    assert pair.session(prober).next_deadline() is None
    pair.session(prober).handle_timer(100.0)
    assert pair.events(prober) == []
    assert pair.session(prober).is_ready


def test_probe_wire_bytes(ready: SessionPair) -> None:
    ready.initiator.probe(0.0)
    assert ready.initiator.data_to_send() == [(EVT, h("08000000 0d000000"))]
    ready.inject(INIT, EVT, h("08000000 0d000000"))
    assert ready.initiator.data_to_send() == [(EVT, h("08000000 0e000000"))]


def test_probe_during_a_data_phase(opened: SessionPair) -> None:
    pair = opened
    tid = pair.initiator.send_request(Op.GetObject, (1,), now=0.0)
    pair.pump()
    assert pair.events(RESP) == [OperationRequested(Op.GetObject, tid, (1,), 1, False)]
    pair.responder.start_data_in(4, 0.0)
    pair.responder.send_data(b"ab", 0.0)
    pair.pump()
    pair.initiator.probe(0.0, CMD)
    pair.responder.probe(0.0, EVT)
    pair.pump()
    pair.responder.send_data(b"cd", 0.0)
    pair.responder.send_response(OK)
    pair.pump()
    assert pair.events(INIT) == [
        DataPhaseStarted(tid, 4),
        DataReceived(tid, b"ab"),
        ProbeReceived(EVT),
        ProbeAnswered(CMD),
        DataReceived(tid, b"cd"),
        DataPhaseEnded(tid, 4),
        ResponseReceived(OK, tid, ()),
    ]
    assert pair.events(RESP) == [ProbeReceived(CMD), ProbeAnswered(EVT)]


def test_unsolicited_probe_response_is_ignored(ready: SessionPair) -> None:
    ready.inject(RESP, EVT, h("08000000 0e000000"))
    assert ready.events(RESP) == []
    assert ready.responder.is_ready


# -- cancel --------------------------------------------------------------------------------------


def test_initiator_cancels_a_data_in(opened: SessionPair) -> None:
    pair = opened
    tid = pair.initiator.send_request(Op.GetObject, (1,), now=0.0)
    pair.pump()
    assert pair.events(RESP) == [OperationRequested(Op.GetObject, tid, (1,), 1, False)]
    pair.responder.start_data_in(1000, 0.0)
    assert pair.responder.send_data(b"a" * 100, 0.0)
    pair.pump()
    assert pair.events(INIT) == [DataPhaseStarted(tid, 1000), DataReceived(tid, b"a" * 100)]
    # The responder has written more before the Cancel reaches it.
    assert pair.responder.send_data(b"b" * 100, 0.0)
    assert pair.initiator.cancel(1.0) == tid
    assert pair.initiator.transaction is TransactionState.CANCELLED
    assert pair.initiator.cancel(1.0) is None  # already cancelled
    pair.pump()
    assert (CMD, Cancel(tid)) in pair.take_wire(INIT)
    assert pair.events(RESP) == [TransactionCancelled(tid, CMD)]
    assert pair.responder.cancelled
    assert pair.responder.send_data(b"c" * 100, 0.0) is False
    assert pair.responder.data_header(100) == b""
    assert pair.responder.data_to_send() == []
    pair.responder.send_response(ResponseCode.TransactionCancelled)
    pair.pump()
    # The Data that was in flight was discarded; only the response arrives.
    assert pair.events(INIT) == [ResponseReceived(ResponseCode.TransactionCancelled, tid, ())]
    assert pair.initiator.transaction is pair.responder.transaction is TransactionState.IDLE
    # A new transaction works, with the next id.
    tid2 = pair.initiator.send_request(Op.GetObject, (2,), now=2.0)
    assert tid2 == tid + 1
    pair.pump()
    pair.responder.start_data_in(2, 2.0)
    pair.responder.send_data(b"ok", 2.0)
    pair.responder.send_response(OK)
    pair.pump()
    assert pair.events(INIT) == [
        DataPhaseStarted(tid2, 2),
        DataReceived(tid2, b"ok"),
        DataPhaseEnded(tid2, 2),
        ResponseReceived(OK, tid2, ()),
    ]


def test_late_end_data_after_cancel_is_discarded(opened: SessionPair) -> None:
    pair = opened
    tid = pair.initiator.send_request(Op.GetObject, (1,), now=0.0)
    pair.pump()
    pair.initiator.cancel(0.0)
    pair.initiator.data_to_send()
    pair.inject(
        INIT,
        CMD,
        raw_start_data(tid, 4)
        + raw_data(tid, b"ab")
        + raw_end_data(tid, b"cd")
        + raw_response(ResponseCode.TransactionCancelled, tid),
    )
    assert pair.events(INIT) == [ResponseReceived(ResponseCode.TransactionCancelled, tid, ())]


def test_initiator_cancels_a_data_out(opened: SessionPair) -> None:
    pair = opened
    tid = pair.initiator.send_request(Op.SendObject, data_out_length=500, now=0.0)
    assert pair.initiator.send_data(b"x" * 100, 0.0)
    pair.pump()
    assert pair.events(RESP)[-1] == DataReceived(tid, b"x" * 100)
    assert pair.initiator.cancel(1.0) == tid
    assert pair.initiator.send_data(b"y" * 100, 1.0) is False
    pair.pump()
    assert pair.take_wire(INIT)[-1] == (CMD, Cancel(tid))
    assert pair.events(RESP) == [TransactionCancelled(tid, CMD)]
    pair.responder.send_response(ResponseCode.TransactionCancelled)
    pair.pump()
    assert pair.events(INIT) == [ResponseReceived(ResponseCode.TransactionCancelled, tid, ())]
    tid2 = pair.initiator.send_request(Op.SendObject, data_out_length=1, now=2.0)
    pair.initiator.send_data(b"z", 2.0)
    pair.pump()
    assert pair.events(RESP) == [
        OperationRequested(Op.SendObject, tid2, (), 2, True),
        DataPhaseStarted(tid2, 1),
        DataReceived(tid2, b"z"),
        DataPhaseEnded(tid2, 1),
    ]


def test_cancel_on_the_event_channel_and_late_data(opened: SessionPair) -> None:
    """A hand-made initiator cancels an upload on the event connection; its Data that
    was already on the command connection arrives afterwards and is dropped."""
    pair = opened
    pair.inject(RESP, CMD, raw_request(2, Op.SendObject, 1) + raw_start_data(1, 10))
    pair.inject(RESP, CMD, raw_data(1, b"abc"))
    assert pair.events(RESP)[-1] == DataReceived(1, b"abc")
    pair.inject(RESP, EVT, raw_cancel(1))
    assert pair.events(RESP) == [TransactionCancelled(1, EVT)]
    pair.responder.send_response(ResponseCode.TransactionCancelled)
    assert pair.sent(RESP) == [(CMD, OperationResponse(ResponseCode.TransactionCancelled, 1, ()))]
    pair.inject(RESP, CMD, raw_data(1, b"def") + raw_end_data(1, b"ghij"))
    assert pair.events(RESP) == []
    pair.inject(RESP, CMD, raw_request(1, Op.GetNumObjects, 2))
    assert pair.events(RESP) == [OperationRequested(Op.GetNumObjects, 2, (), 1, False)]


def test_responder_cancels_a_data_out(opened: SessionPair) -> None:
    pair = opened
    tid = pair.initiator.send_request(Op.SendObject, data_out_length=500, now=0.0)
    pair.initiator.send_data(b"x" * 100, 0.0)
    pair.pump()
    pair.events(RESP)
    assert pair.responder.cancel(1.0) == tid
    pair.responder.send_response(ResponseCode.TransactionCancelled)
    to_initiator = pair.responder.data_to_send()
    # Written by the initiator before it learnt of the Cancel.
    pair.initiator.send_data(b"y" * 100, 1.0)
    in_flight = pair.initiator.data_to_send()
    for channel, data in to_initiator:
        pair.inject(INIT, channel, data)
    assert pair.events(INIT) == [
        TransactionCancelled(tid, CMD),
        ResponseReceived(ResponseCode.TransactionCancelled, tid, ()),
    ]
    with pytest.raises(LocalProtocolError):  # the transaction is over
        pair.initiator.send_data(b"z", 1.0)
    for channel, data in in_flight:
        pair.inject(RESP, channel, data)
    assert pair.events(RESP) == []
    assert pair.responder.is_ready
    tid2 = pair.initiator.send_request(Op.GetNumObjects, now=2.0)
    pair.pump()
    assert pair.events(RESP) == [OperationRequested(Op.GetNumObjects, tid2, (), 1, False)]


def test_cancel_for_another_transaction_is_ignored(opened: SessionPair) -> None:
    pair = opened
    tid = pair.initiator.send_request(Op.GetNumObjects, now=0.0)
    pair.pump()
    pair.inject(RESP, CMD, raw_cancel(tid + 5))
    assert pair.events(RESP) == [OperationRequested(Op.GetNumObjects, tid, (), 1, False)]
    assert pair.responder.transaction is TransactionState.REQUESTED


def test_cancel_when_idle_does_nothing(opened: SessionPair) -> None:
    assert opened.initiator.cancel(0.0) is None
    assert opened.responder.cancel(0.0) is None
    assert opened.initiator.data_to_send() == []


# -- timers ----------------------------------------------------------------------------------------


def test_no_deadline_before_start_and_after_handshake(pair: SessionPair) -> None:
    assert pair.initiator.next_deadline() is None
    assert pair.responder.next_deadline() is None
    pair.handshake()
    assert pair.initiator.next_deadline() is None
    assert pair.responder.next_deadline() is None


def test_initiator_handshake_timeout(make_pair: Callable[..., SessionPair]) -> None:
    pair = make_pair(initiator_options={"handshake_timeout": 5.0})
    pair.initiator.start(100.0)
    assert pair.initiator.next_deadline() == 105.0
    pair.initiator.handle_timer(104.999)
    assert pair.events(INIT) == []
    pair.initiator.handle_timer(105.0)
    assert pair.events(INIT) == [TimedOut("handshake")]
    assert pair.initiator.link is LinkState.ERROR
    assert pair.initiator.next_deadline() is None


def test_initiator_handshake_timeout_after_the_ack(
    make_pair: Callable[..., SessionPair],
) -> None:
    """The Ack arrived but the Init Event Ack never does (gphoto2 gives up after 2.5 s)."""
    pair = make_pair(initiator_options={"handshake_timeout": 2.5})
    pair.initiator.start(0.0)
    pair.pump()
    pair.responder.accept(0.0)
    pair.pump()
    assert pair.initiator.link is LinkState.AWAIT_INIT_EVENT_ACK
    assert pair.initiator.next_deadline() == 2.5
    pair.initiator.handle_timer(2.5)
    assert pair.events(INIT)[-1] == TimedOut("handshake")


def test_responder_handshake_timeout(make_pair: Callable[..., SessionPair]) -> None:
    pair = make_pair(responder_options={"handshake_timeout": 10.0})
    pair.responder.start(50.0)
    assert pair.responder.next_deadline() == 60.0
    pair.initiator.start(51.0)
    pair.pump()
    pair.responder.accept(51.0)  # the event connection never comes
    pair.responder.handle_timer(59.0)
    assert pair.events(RESP) == [InitiatorConnected(INITIATOR_GUID, INITIATOR_NAME, 0x00010000)]
    pair.responder.handle_timer(60.0)
    assert pair.events(RESP) == [TimedOut("handshake")]
    assert pair.responder.link is LinkState.ERROR


def test_response_timeout(make_pair: Callable[..., SessionPair]) -> None:
    pair = make_pair(initiator_options={"response_timeout": 5.0})
    pair.handshake()
    pair.open_session()
    assert pair.initiator.next_deadline() is None
    tid = pair.initiator.send_request(Op.GetObject, (1,), now=100.0)
    assert pair.initiator.next_deadline() == 105.0
    pair.pump()
    # Data of the phase restarts its no-progress clock (the data timeout).
    pair.now = 103.0
    pair.responder.start_data_in(10, 103.0)
    pair.responder.send_data(b"12345", 103.0)
    pair.pump()
    assert pair.initiator.next_deadline() == 108.0
    pair.initiator.handle_timer(107.9)
    assert pair.events(INIT) == [DataPhaseStarted(tid, 10), DataReceived(tid, b"12345")]
    pair.initiator.handle_timer(108.0)
    assert pair.events(INIT) == [TimedOut("data")]
    assert pair.initiator.link is LinkState.ERROR
    with pytest.raises(LocalProtocolError):
        pair.initiator.send_request(Op.GetNumObjects, now=109.0)


def test_response_deadline_cleared_by_the_response(
    make_pair: Callable[..., SessionPair],
) -> None:
    pair = make_pair(initiator_options={"response_timeout": 5.0})
    pair.handshake()
    pair.open_session()
    pair.initiator.send_request(Op.GetNumObjects, now=10.0)
    pair.pump()
    pair.responder.send_response(OK, (0,))
    pair.pump()
    assert pair.initiator.next_deadline() is None
    pair.initiator.handle_timer(1000.0)
    assert pair.events(INIT) == [ResponseReceived(OK, 1, (0,))]
    assert pair.initiator.is_ready


def test_initiator_probe_timeout(ready: SessionPair) -> None:
    """A camera that has answered a probe and then stops answering: the link is dead.
    (One that never answered any: tests/unit/test_initiator_timers.py.)"""
    ready.initiator.probe(0.0)
    ready.pump()
    assert ready.events(INIT) == [ProbeAnswered(EVT)]
    ready.initiator.probe(20.0)
    assert ready.initiator.next_deadline() == 30.0  # default probe timeout: 10 s
    ready.initiator.data_to_send()  # the responder never sees it
    ready.initiator.handle_timer(29.0)
    assert ready.events(INIT) == []
    ready.initiator.handle_timer(30.0)
    assert ready.events(INIT) == [TimedOut("probe")]
    assert ready.initiator.link is LinkState.ERROR


def test_responder_probe_unanswered_keeps_the_session(opened: SessionPair) -> None:
    """gphoto2 never answers probes; the responder must carry on."""
    pair = opened
    pair.responder.probe(20.0)
    pair.responder.data_to_send()  # the initiator (like gphoto2) drops it
    assert pair.responder.next_deadline() == 30.0
    pair.responder.handle_timer(30.0)
    assert pair.events(RESP) == [ProbeUnanswered()]
    assert pair.responder.link is LinkState.READY
    assert pair.responder.next_deadline() is None
    tid = pair.initiator.send_request(Op.GetNumObjects, now=31.0)
    pair.pump()
    assert pair.events(RESP) == [OperationRequested(Op.GetNumObjects, tid, (), 1, False)]


def test_responder_idle_probes(make_pair: Callable[..., SessionPair]) -> None:
    pair = make_pair(responder_options={"probe_interval": 30.0, "probe_timeout": 5.0})
    pair.handshake()
    assert pair.responder.next_deadline() == 30.0
    pair.responder.handle_timer(29.0)
    assert pair.responder.data_to_send() == []
    pair.responder.handle_timer(30.0)
    assert pair.sent(RESP) == [(EVT, ProbeRequest())]
    assert pair.responder.next_deadline() == 35.0
    pair.responder.handle_timer(35.0)
    assert pair.events(RESP) == [ProbeUnanswered()]
    assert pair.responder.is_ready
    assert pair.responder.next_deadline() == 65.0
    # This time the initiator answers.
    pair.responder.handle_timer(65.0)
    pair.pump()
    assert pair.events(INIT) == [ProbeReceived(EVT)]
    assert pair.events(RESP) == [ProbeAnswered(EVT)]


def test_initiator_idle_probe_answered(make_pair: Callable[..., SessionPair]) -> None:
    pair = make_pair(initiator_options={"probe_interval": 20.0})
    pair.handshake()
    assert pair.initiator.next_deadline() == 20.0
    pair.now = 20.0
    pair.initiator.handle_timer(20.0)
    assert pair.initiator.next_deadline() == 30.0
    pair.pump()
    assert pair.events(INIT) == [ProbeAnswered(EVT)]
    assert pair.initiator.next_deadline() == 40.0
    pair.initiator.handle_timer(30.0)
    assert pair.events(INIT) == []
    assert pair.initiator.is_ready


def test_timers_do_nothing_once_failed_or_closed(ready: SessionPair) -> None:
    ready.initiator.probe(0.0)
    ready.inject(INIT, CMD, b"")
    assert ready.events(INIT) == [ConnectionClosed(CMD)]
    ready.initiator.handle_timer(1e9)
    assert ready.events(INIT) == []


# -- our own illegal moves: LocalProtocolError ---------------------------------------------------


def test_send_request_before_the_handshake(pair: SessionPair) -> None:
    with pytest.raises(LocalProtocolError):
        pair.initiator.send_request(Op.GetDeviceInfo, now=0.0)
    pair.initiator.start(0.0)
    with pytest.raises(LocalProtocolError):
        pair.initiator.send_request(Op.GetDeviceInfo, now=0.0)


def test_two_requests_at_once(opened: SessionPair) -> None:
    pair = opened
    tid = pair.initiator.send_request(Op.GetNumObjects, now=0.0)
    with pytest.raises(LocalProtocolError):
        pair.initiator.send_request(Op.GetNumObjects, now=0.0)
    # The refused move changed nothing: the first transaction completes normally.
    pair.pump()
    assert pair.events(RESP) == [OperationRequested(Op.GetNumObjects, tid, (), 1, False)]
    pair.responder.send_response(OK, (3,))
    pair.pump()
    assert pair.events(INIT) == [ResponseReceived(OK, tid, (3,))]


def test_data_beyond_the_announced_length(opened: SessionPair) -> None:
    pair = opened
    pair.initiator.send_request(Op.SendObject, data_out_length=10, now=0.0)
    with pytest.raises(LocalProtocolError):
        pair.initiator.data_header(11)
    with pytest.raises(LocalProtocolError):
        pair.initiator.send_data(b"x" * 11, 0.0)
    with pytest.raises(LocalProtocolError):
        pair.initiator.data_header(-1)
    assert pair.initiator.send_data(b"x" * 10, 0.0)
    with pytest.raises(LocalProtocolError):
        pair.initiator.send_data(b"x", 0.0)


def test_data_header_for_zero_copy_senders(opened: SessionPair) -> None:
    pair = opened
    tid = pair.initiator.send_request(Op.GetObject, (1,), now=0.0)
    pair.pump()
    pair.responder.start_data_in(6, 0.0)
    # Header and payload written separately, as an adapter with sendfile would.
    head = pair.responder.data_header(4)
    assert head == h("10000000 0a000000") + u32(tid)
    tail = pair.responder.data_header(2)
    assert tail == h("0e000000 0c000000") + u32(tid)
    pair.responder.send_response(OK)
    start, response = pair.responder.data_to_send()
    pair.inject(INIT, CMD, start[1] + head + b"abcd" + tail + b"ef" + response[1])
    assert pair.events(INIT) == [
        DataPhaseStarted(tid, 6),
        DataReceived(tid, b"abcdef"),
        DataPhaseEnded(tid, 6),
        ResponseReceived(OK, tid, ()),
    ]


@pytest.mark.parametrize(
    "move",
    [
        pytest.param(lambda p: p.responder.send_response(OK), id="response-without-request"),
        pytest.param(lambda p: p.responder.start_data_in(1, 0.0), id="data-in-without-request"),
        pytest.param(lambda p: p.responder.send_data(b"x", 0.0), id="responder-data-no-phase"),
        pytest.param(lambda p: p.initiator.send_data(b"x", 0.0), id="initiator-data-no-phase"),
        pytest.param(lambda p: p.responder.accept(0.0), id="accept-twice"),
        pytest.param(lambda p: p.responder.accept_event_channel(0.0), id="event-ack-twice"),
        pytest.param(lambda p: p.initiator.start(0.0), id="start-twice"),
    ],
)
def test_illegal_moves_when_idle(opened: SessionPair, move: Callable[[SessionPair], Any]) -> None:
    with pytest.raises(LocalProtocolError):
        move(opened)


def test_responder_illegal_data_moves(opened: SessionPair) -> None:
    pair = opened
    pair.initiator.send_request(Op.GetObject, (1,), now=0.0)
    pair.pump()
    with pytest.raises(LocalProtocolError):
        pair.responder.start_data_in(0xFFFFFFFFFFFFFFFF, 0.0)  # always the exact length
    pair.responder.start_data_in(3, 0.0)
    with pytest.raises(LocalProtocolError):
        pair.responder.start_data_in(3, 0.0)
    with pytest.raises(LocalProtocolError):
        pair.responder.send_response(OK)  # the data phase is not finished
    pair.responder.send_data(b"abc", 0.0)
    pair.responder.send_response(OK)


def test_handshake_moves_out_of_order(pair: SessionPair) -> None:
    with pytest.raises(LocalProtocolError):
        pair.responder.accept(0.0)  # nothing to accept yet
    with pytest.raises(LocalProtocolError):
        pair.responder.accept_event_channel(0.0)
    with pytest.raises(LocalProtocolError):
        pair.initiator.probe(0.0)


# -- the peer's illegal moves: RemoteProtocolError, then the session is dead --------------------

REMOTE_TO_INITIATOR = {
    # A responder may not send an Operation Request or an Init Command Request.
    "request-from-responder": (CMD, raw_request(1, Op.GetDeviceInfo, 1)),
    "init-request-from-responder": (CMD, raw(1, bytes(16) + h("0000 00000100"))),
    # An Event must come on the event connection.
    "event-on-command-channel": (CMD, raw_event(EventCode.ObjectAdded, 0xFFFFFFFF, 1)),
    # A response when nothing was asked.
    "response-when-idle": (CMD, raw_response(OK, 1)),
    "data-when-idle": (CMD, raw_data(1, b"x")),
    "start-data-when-idle": (CMD, raw_start_data(1, 1)),
    "init-event-ack-again": (EVT, raw(4, b"")),
    "length-below-header": (CMD, h("04000000 0d000000")),
    "control-packet-over-cap": (CMD, h("01001000 07000000")),
    "truncated-response": (CMD, h("0c000000 07000000 0120 0000")),
}


@pytest.mark.parametrize(
    ("channel", "data"), REMOTE_TO_INITIATOR.values(), ids=REMOTE_TO_INITIATOR.keys()
)
def test_initiator_rejects_illegal_packets(
    opened: SessionPair, channel: Channel, data: bytes
) -> None:
    with pytest.raises(RemoteProtocolError):
        opened.inject(INIT, channel, data)
    assert_dead(opened.initiator)
    with pytest.raises(LocalProtocolError):
        opened.initiator.send_request(Op.GetNumObjects, now=0.0)


REMOTE_TO_RESPONDER = {
    "response-from-initiator": (CMD, raw_response(OK, 1)),
    "event-from-initiator": (EVT, raw_event(EventCode.ObjectAdded, 0xFFFFFFFF, 1)),
    "init-fail-from-initiator": (CMD, raw(5, u32(1))),
    "request-on-event-channel": (EVT, raw_request(1, Op.GetNumObjects, 1)),
    "second-init-request": (CMD, raw(1, bytes(16) + h("0000 00000100"))),
    "start-data-when-idle": (CMD, raw_start_data(1, 4)),
    "end-data-when-idle": (CMD, raw_end_data(1, b"abcd")),
    "six-params": (CMD, raw_request(1, Op.GetNumObjects, 1, 1, 2, 3, 4, 5, 6)),
    "length-below-header": (CMD, h("07000000 06000000")),
    "control-packet-over-cap": (EVT, h("01001000 06000000")),
}


@pytest.mark.parametrize(
    ("channel", "data"), REMOTE_TO_RESPONDER.values(), ids=REMOTE_TO_RESPONDER.keys()
)
def test_responder_rejects_illegal_packets(
    opened: SessionPair, channel: Channel, data: bytes
) -> None:
    with pytest.raises(RemoteProtocolError):
        opened.inject(RESP, channel, data)
    assert_dead(opened.responder)


def test_response_with_the_wrong_tid(opened: SessionPair) -> None:
    """Once the camera has answered a transaction under its id, another id is refused.
    (A camera answering under its own counter from the first packet is accepted:
    tests/unit/test_initiator_timers.py.)"""
    pair = opened
    tid = pair.initiator.send_request(Op.GetObjectInfo, (1,), now=0.0)
    pair.inject(INIT, CMD, raw_start_data(tid, 3) + raw_end_data(tid, b"abc"))
    with pytest.raises(RemoteProtocolError) as info:
        pair.inject(INIT, CMD, raw_response(OK, tid + 1))
    assert info.value.response_code_hint == ResponseCode.InvalidTransactionID
    assert_dead(pair.initiator)


def test_second_request_while_busy(opened: SessionPair) -> None:
    pair = opened
    pair.inject(RESP, CMD, raw_request(1, Op.GetNumObjects, 1))
    with pytest.raises(RemoteProtocolError) as info:
        pair.inject(RESP, CMD, raw_request(1, Op.GetNumObjects, 2))
    assert info.value.response_code_hint == ResponseCode.DeviceBusy


def test_start_data_for_an_operation_without_data_out(opened: SessionPair) -> None:
    pair = opened
    pair.inject(RESP, CMD, raw_request(1, Op.GetNumObjects, 1))
    with pytest.raises(RemoteProtocolError):
        pair.inject(RESP, CMD, raw_start_data(1, 4))
    assert_dead(pair.responder)


def test_responder_sends_start_data_for_a_data_out(opened: SessionPair) -> None:
    pair = opened
    tid = pair.initiator.send_request(Op.SendObject, data_out_length=4, now=0.0)
    with pytest.raises(RemoteProtocolError):
        pair.inject(INIT, CMD, raw_start_data(tid, 4))


def test_more_data_than_announced(opened: SessionPair) -> None:
    pair = opened
    tid = pair.initiator.send_request(Op.GetObject, (1,), now=0.0)
    with pytest.raises(RemoteProtocolError) as info:
        pair.inject(INIT, CMD, raw_start_data(tid, 3) + raw_data(tid, b"abcd"))
    assert info.value.response_code_hint == ResponseCode.IncompleteTransfer
    assert_dead(pair.initiator)


def test_end_data_before_the_announced_length(opened: SessionPair) -> None:
    pair = opened
    pair.inject(RESP, CMD, raw_request(2, Op.SendObject, 1) + raw_start_data(1, 10))
    with pytest.raises(RemoteProtocolError) as info:
        pair.inject(RESP, CMD, raw_end_data(1, b"abc"))
    assert info.value.response_code_hint == ResponseCode.IncompleteTransfer


def test_data_with_the_wrong_tid(opened: SessionPair) -> None:
    pair = opened
    tid = pair.initiator.send_request(Op.GetObject, (1,), now=0.0)
    with pytest.raises(RemoteProtocolError) as info:
        pair.inject(INIT, CMD, raw_start_data(tid, 3) + raw_data(tid + 1, b"abc"))
    assert info.value.response_code_hint == ResponseCode.InvalidTransactionID


def test_request_before_the_handshake_completes(pair: SessionPair) -> None:
    pair.initiator.start(0.0)
    pair.pump()
    with pytest.raises(RemoteProtocolError):
        pair.inject(RESP, CMD, raw_request(1, Op.GetDeviceInfo, 0))
    assert_dead(pair.responder)


def test_unknown_packet_types_are_skipped(opened: SessionPair) -> None:
    opened.inject(RESP, CMD, raw(0x63, b"\x01\x02"))
    opened.inject(INIT, EVT, raw(0, b""))
    assert opened.events(RESP) == []
    assert opened.events(INIT) == []
    assert opened.initiator.is_ready
    assert opened.responder.is_ready


# -- closing -------------------------------------------------------------------------------------


@pytest.mark.parametrize("channel", [CMD, EVT], ids=["command", "event"])
@pytest.mark.parametrize("side", [INIT, RESP], ids=["initiator", "responder"])
def test_peer_close_ends_the_session(opened: SessionPair, side: Role, channel: Channel) -> None:
    opened.inject(side, channel, b"")
    assert opened.events(side) == [ConnectionClosed(channel)]
    session = opened.session(side)
    assert session.link is LinkState.CLOSED
    assert not session.is_ready
    session.receive_data(channel, h("08000000 0d000000"), 0.0)
    assert session.next_event() is None


def test_peer_close_in_the_middle_of_a_packet(opened: SessionPair) -> None:
    tid = opened.initiator.send_request(Op.GetObject, (1,), now=0.0)
    opened.inject(INIT, CMD, raw_start_data(tid, 10) + raw_data(tid, b"abc")[:14])
    with pytest.raises(DecodeError):
        opened.inject(INIT, CMD, b"")
    assert opened.initiator.link is LinkState.ERROR


def test_peer_close_during_the_handshake(pair: SessionPair) -> None:
    pair.initiator.start(0.0)
    pair.inject(INIT, CMD, b"")
    assert pair.events(INIT) == [ConnectionClosed(CMD)]


def test_local_close(opened: SessionPair) -> None:
    opened.initiator.close()
    assert opened.initiator.link is LinkState.CLOSED
    assert opened.initiator.next_deadline() is None
    with pytest.raises(LocalProtocolError):
        opened.initiator.send_request(Op.GetNumObjects, now=0.0)
