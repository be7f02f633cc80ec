"""The Fujifilm sessions under the names the asyncio adapters call on the CIPA ones:
``data_header`` (zero-copy senders), ``cancel`` (no Cancel packet: the rest of the
data-in is dropped), ``probe`` (none), ``cancelled`` and ``accept_event_channel``."""

from __future__ import annotations

import pytest
from fuji_helpers import INITIATOR_GUID, RESPONDER_GUID, FujiPair, bytewise, whole

from ptpkit.errors import LocalProtocolError
from ptpkit.proto.codes import OperationCode, ResponseCode
from ptpkit.proto.events import (
    Channel,
    DataPhaseEnded,
    DataPhaseStarted,
    DataReceived,
    EventReceived,
    InitFailed,
    OperationRequested,
    ResponseReceived,
)
from ptpkit.proto.fuji_responder import FujiResponderSession
from ptpkit.proto.packets import InitCommandRequest
from ptpkit.proto.state import TransactionState


def opened(split: object = whole) -> FujiPair:
    """A pair past the double init and OpenSession (transaction ids count from 1)."""
    pair = FujiPair(split)  # type: ignore[arg-type]
    pair.handshake()
    pair.ini.send_request(OperationCode.OpenSession, (1,), now=0.0)
    pair.pump()
    pair.rsp.send_response(ResponseCode.OK)
    pair.pump()
    return pair


def test_data_header_counts_the_bytes_a_zero_copy_sender_writes() -> None:
    pair = opened()
    ini, rsp = pair.ini, pair.rsp
    ini.send_request(OperationCode.SetDevicePropValue, (0xDF24,), data_out_length=4, now=1.0)
    # The packet header went with the request; each piece has no header of its own.
    queued = ini.data_to_send()
    assert [len(d) for _, d in queued] == [16, 12]
    assert ini.data_header(1, 1.0) == b""
    assert ini.transaction is TransactionState.DATA_OUT
    assert ini.data_header(3) == b""
    assert ini.transaction is TransactionState.AWAIT_RESPONSE
    with pytest.raises(LocalProtocolError):
        ini.data_header(1)
    # What the sender wrote itself reaches the responder as one data phase.
    for channel, data in queued:
        rsp.receive_data(channel, data, 1.0)
    rsp.receive_data(Channel.COMMAND, b"\x01\x00\x02\x00", 1.0)
    events = []
    while (event := rsp.next_event()) is not None:
        events.append(event)
    assert events[1:] == [
        DataPhaseStarted(1, 4),
        DataReceived(1, b"\x01\x00\x02\x00"),
        DataPhaseEnded(1, 4),
    ]


def test_data_header_too_many_bytes() -> None:
    pair = FujiPair()
    pair.handshake()
    pair.ini.send_request(0x1016, (0xDF01,), data_out_length=2, now=0.0)
    with pytest.raises(LocalProtocolError):
        pair.ini.data_header(3)
    with pytest.raises(LocalProtocolError):
        pair.ini.data_header(-1)


@pytest.mark.parametrize("split", [whole, bytewise])
def test_cancel_drops_the_rest_of_a_data_in_phase(split: object) -> None:
    pair = opened(split)
    ini, rsp = pair.ini, pair.rsp
    tid = ini.send_request(OperationCode.GetObject, (5,), now=1.0)
    pair.pump()
    rsp.start_data_in(10, 1.0)
    rsp.send_data(b"abcd", 1.0)
    ini_events, _ = pair.pump()
    assert ini_events == [DataPhaseStarted(tid, 10), DataReceived(tid, b"abcd")]
    assert ini.cancel(2.0) == tid
    assert ini.data_to_send() == []  # no Cancel packet in this variant
    assert ini.cancel(2.0) is None  # already given up
    rsp.send_data(b"efghij", 2.0)
    rsp.send_response(ResponseCode.OK)
    ini_events, _ = pair.pump()
    assert ini_events == [ResponseReceived(0x2001, tid, ())]
    assert ini.transaction is TransactionState.IDLE
    # The session goes on.
    tid2 = ini.send_request(OperationCode.GetStorageIDs, now=3.0)
    assert tid2 == tid + 1


def test_cancel_before_any_data_and_when_idle() -> None:
    pair = FujiPair()
    pair.handshake()
    ini, rsp = pair.ini, pair.rsp
    assert ini.cancel(0.0) is None
    tid = ini.send_request(OperationCode.GetObjectInfo, (1,), now=0.0)
    pair.pump()
    assert ini.cancel(0.0) == tid
    rsp.answer(ResponseCode.OK, data=b"x" * 50)
    ini_events, _ = pair.pump()
    assert ini_events == [ResponseReceived(0x2001, tid, ())]


def test_cancel_during_our_data_packet_is_refused() -> None:
    pair = FujiPair()
    pair.handshake()
    pair.ini.send_request(0x1016, (0xDF01,), data_out_length=2, now=0.0)
    with pytest.raises(LocalProtocolError):
        pair.ini.cancel(0.0)


def test_no_probe() -> None:
    pair = FujiPair()
    pair.handshake()
    with pytest.raises(LocalProtocolError):
        pair.ini.probe(0.0)


def test_responder_names_of_the_cipa_session() -> None:
    pair = FujiPair()
    pair.handshake()
    ini, rsp = pair.ini, pair.rsp
    assert rsp.cancelled is False
    rsp.send_event(0x4002, (9,))
    assert rsp.data_to_send() == []
    rsp.accept_event_channel(1.0)
    ini_events, _ = pair.pump()
    assert ini_events == [EventReceived(0x4002, 0xFFFFFFFF, (9,))]
    # data_header on the responder: the data-in packet's header goes at start_data_in.
    tid = ini.send_request(OperationCode.GetThumb, (1,), now=2.0)
    _, rsp_events = pair.pump()
    assert rsp_events == [OperationRequested(0x100A, tid, (1,), 1, False)]
    rsp.start_data_in(3, 2.0)
    header = rsp.data_to_send()
    assert rsp.data_header(3) == b""
    for channel, data in header:
        ini.receive_data(channel, data, 2.0)
    ini.receive_data(Channel.COMMAND, b"xyz", 2.0)
    rsp.send_response(ResponseCode.OK)
    ini_events, _ = pair.pump()
    assert ini_events == [
        DataPhaseStarted(tid, 3),
        DataReceived(tid, b"xyz"),
        DataPhaseEnded(tid, 3),
        ResponseReceived(0x2001, tid, ()),
    ]


@pytest.mark.parametrize("split", [whole, bytewise])
def test_a_standard_init_request_gets_init_fail_0x201d(split: object) -> None:
    rsp = FujiResponderSession(3, RESPONDER_GUID, "X-T3")
    rsp.start(0.0)
    request = InitCommandRequest(INITIATOR_GUID, "laptop").encode()
    for piece in split(request):  # type: ignore[operator]
        rsp.receive_data(Channel.COMMAND, piece, 0.0)
    events = []
    while (event := rsp.next_event()) is not None:
        events.append(event)
    assert events == [InitFailed(0x201D, Channel.COMMAND)]
    # u32 12, u32 5 (Init Fail), u32 0x201D: what a Fujifilm body answers (§5.1 notes).
    assert rsp.data_to_send() == [(Channel.COMMAND, bytes.fromhex("0c000000050000001d200000"))]
    assert not rsp.is_ready
