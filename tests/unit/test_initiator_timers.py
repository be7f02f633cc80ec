"""The initiator's deadlines and its tolerance of cameras that count transactions their
own way (issue 12, points 1 and 2), sans-IO: every ``now`` is passed by hand.

* A response deadline runs from the request; a data phase has a no-progress deadline;
  neither is pushed back by probes, probe answers or events (on the old core any byte
  on either connection restarted the response clock, so a camera answering probes but
  never the request hung the client forever).
* An unanswered probe ends the session only with a camera that has answered one before
  (or with ``strict_probes``); otherwise it is advisory and idle probing stops.
* A reply under another transaction id, from the camera's first packet of the
  transaction on, is taken for the one transaction under way.
"""

from __future__ import annotations

import struct

import pytest
from helpers import SessionPair

from ptpkit.errors import RemoteProtocolError
from ptpkit.proto.codes import EventCode, OperationCode, ResponseCode
from ptpkit.proto.events import (
    Channel,
    DataPhaseEnded,
    DataPhaseStarted,
    DataReceived,
    EventReceived,
    ForeignTransactionId,
    ProbeAnswered,
    ProbeReceived,
    ProbeUnanswered,
    ResponseReceived,
    Role,
    TimedOut,
)
from ptpkit.proto.packets import ProbeRequest
from ptpkit.proto.state import LinkState

INIT = Role.INITIATOR
CMD = Channel.COMMAND
EVT = Channel.EVENT
OK = ResponseCode.OK
Op = OperationCode


# Packets written by hand from the PTP/IP layouts (reference §1.3), not by our encoder.
def _raw(ptype: int, payload: bytes) -> bytes:
    return struct.pack("<II", 8 + len(payload), ptype) + payload


def response(code: int, tid: int, *params: int) -> bytes:
    return _raw(7, struct.pack(f"<HI{len(params)}I", code, tid, *params))


def event(code: int, tid: int, *params: int) -> bytes:
    return _raw(8, struct.pack(f"<HI{len(params)}I", code, tid, *params))


def start_data(tid: int, length: int) -> bytes:
    return _raw(9, struct.pack("<IQ", tid, length))


def data(tid: int, payload: bytes) -> bytes:
    return _raw(10, struct.pack("<I", tid) + payload)


def end_data(tid: int, payload: bytes = b"") -> bytes:
    return _raw(12, struct.pack("<I", tid) + payload)


PROBE_RESPONSE = _raw(0x0E, b"")


def opened(**options: object) -> SessionPair:
    pair = SessionPair(initiator_options=dict(options))
    pair.handshake()
    pair.open_session()
    return pair


def at(pair: SessionPair, now: float, channel: Channel, raw: bytes) -> None:
    """The camera's bytes arriving at ``now``."""
    pair.now = now
    pair.inject(INIT, channel, raw)


# -- the response deadline runs from the request ----------------------------------------
def test_probe_answers_do_not_push_the_response_deadline_back() -> None:
    """A camera that answers every probe but never the request is timed out on time."""
    pair = opened(response_timeout=5.0, probe_interval=1.0)
    session = pair.initiator
    session.send_request(Op.GetNumObjects, (0xFFFFFFFF,), now=100.0)
    pair.initiator.data_to_send()
    assert session.next_deadline() == 101.0  # the idle probe comes first
    answered = 0
    while (now := session.next_deadline()) is not None and now < 105.0:
        session.handle_timer(now)
        assert session.data_to_send() == [(EVT, ProbeRequest().encode())]
        at(pair, now + 0.01, EVT, PROBE_RESPONSE)
        assert pair.events(INIT) == [ProbeAnswered(EVT)]
        answered += 1
    assert answered == 4
    session.handle_timer(104.99)
    assert pair.events(INIT) == []
    session.handle_timer(105.0)
    assert pair.events(INIT) == [TimedOut("response")]
    assert session.link is LinkState.ERROR


def test_events_and_camera_probes_do_not_push_the_response_deadline_back() -> None:
    pair = opened(response_timeout=5.0)
    session = pair.initiator
    session.send_request(Op.InitiateCapture, (0, 0), now=10.0)
    session.data_to_send()
    at(pair, 12.0, EVT, event(EventCode.DevicePropChanged, 0xFFFFFFFF, 0x5001))
    at(pair, 13.0, EVT, ProbeRequest().encode())  # the camera probes us
    at(pair, 14.0, CMD, ProbeRequest().encode())
    assert pair.events(INIT) == [
        EventReceived(EventCode.DevicePropChanged, 0xFFFFFFFF, (0x5001,)),
        ProbeReceived(EVT),
        ProbeReceived(CMD),
    ]
    assert session.next_deadline() == 15.0
    session.handle_timer(15.0)
    assert pair.events(INIT) == [TimedOut("response")]


def test_a_data_in_phase_has_a_no_progress_deadline() -> None:
    """Data restarts the clock; events and probe answers during the phase do not."""
    pair = opened(response_timeout=5.0)
    session = pair.initiator
    tid = session.send_request(Op.GetObject, (1,), now=0.0)
    at(pair, 4.0, CMD, start_data(tid, 10) + data(tid, b"1234"))
    assert session.next_deadline() == 9.0
    at(pair, 8.0, CMD, data(tid, b"56"))
    assert session.next_deadline() == 13.0
    at(pair, 10.0, EVT, event(EventCode.ObjectAdded, 0xFFFFFFFF, 7))
    at(pair, 11.0, EVT, ProbeRequest().encode())
    assert session.next_deadline() == 13.0
    pair.events(INIT)
    session.handle_timer(13.0)
    assert pair.events(INIT) == [TimedOut("data")]


def test_the_data_timeout_can_differ_from_the_response_timeout() -> None:
    pair = opened(response_timeout=30.0, data_timeout=2.0)
    session = pair.initiator
    tid = session.send_request(Op.GetObject, (1,), now=0.0)
    assert session.next_deadline() == 30.0  # waiting for the camera to start
    at(pair, 20.0, CMD, start_data(tid, 4) + data(tid, b"ab"))
    assert session.next_deadline() == 22.0  # inside the phase: no progress for 2 s
    at(pair, 21.0, CMD, end_data(tid, b"cd"))
    assert session.next_deadline() == 51.0  # the response: 30 s from the last data
    at(pair, 22.0, CMD, response(OK, tid))
    assert session.next_deadline() is None


def test_a_data_out_phase_moves_with_each_packet_header() -> None:
    pair = opened(response_timeout=5.0)
    session = pair.initiator
    session.send_request(Op.SendObject, data_out_length=8, now=0.0)
    assert session.next_deadline() == 5.0
    session.data_header(4, 3.0)
    assert session.next_deadline() == 8.0
    session.handle_timer(8.0)
    assert pair.events(INIT) == [TimedOut("data")]  # the camera stopped reading


def test_a_timeout_for_one_transaction() -> None:
    pair = opened(response_timeout=60.0)
    session = pair.initiator
    session.send_request(Op.GetDeviceInfo, now=0.0, timeout=2.0)
    assert session.next_deadline() == 2.0
    assert session.current_timeout == 2.0
    tid = session.transaction_id
    assert tid is not None
    at(pair, 1.0, CMD, start_data(tid, 0) + response(OK, tid))
    session.send_request(Op.GetStorageIDs, now=3.0)
    assert session.next_deadline() == 63.0


# -- probes count only with a camera that answers them ------------------------------------
def test_an_unanswered_probe_from_a_camera_that_never_answers_is_advisory() -> None:
    pair = opened(probe_interval=15.0, probe_timeout=10.0)
    session = pair.initiator
    pair.now = 0.0
    assert session.next_deadline() == 15.0
    session.handle_timer(15.0)
    assert session.data_to_send() == [(EVT, ProbeRequest().encode())]  # never delivered
    assert session.next_deadline() == 25.0
    session.handle_timer(25.0)
    assert pair.events(INIT) == [ProbeUnanswered()]
    assert session.is_ready
    assert session.probes_ignored
    assert session.next_deadline() is None  # no more idle probes: the adapter uses commands
    tid = session.send_request(Op.GetStorageIDs, now=26.0)
    at(pair, 26.5, CMD, start_data(tid, 4) + end_data(tid, bytes(4)) + response(OK, tid))
    assert pair.events(INIT)[-1] == ResponseReceived(OK, tid, ())


def test_a_camera_that_answered_a_probe_and_stops_is_dead() -> None:
    pair = opened(probe_interval=15.0, probe_timeout=10.0)
    session = pair.initiator
    session.handle_timer(15.0)
    pair.now = 15.1
    pair.pump()
    assert pair.events(INIT) == [ProbeAnswered(EVT)]
    assert session.probes_answered
    session.handle_timer(30.1)
    session.data_to_send()  # this one is lost
    session.handle_timer(40.1)
    assert pair.events(INIT) == [TimedOut("probe")]
    assert session.link is LinkState.ERROR


def test_strict_probes_make_the_first_miss_fatal() -> None:
    pair = opened(strict_probes=True)
    pair.initiator.probe(0.0)
    pair.initiator.data_to_send()
    pair.initiator.handle_timer(10.0)
    assert pair.events(INIT) == [TimedOut("probe")]


# -- a camera with its own transaction counter --------------------------------------------
def test_a_response_under_the_cameras_own_id_is_taken() -> None:
    pair = opened()
    session = pair.initiator
    tid = session.send_request(Op.GetNumObjects, (0xFFFFFFFF,), now=0.0)
    at(pair, 0.1, CMD, response(OK, 1000, 42))
    assert pair.events(INIT) == [
        ForeignTransactionId(tid, 1000, "Operation Response"),
        ResponseReceived(OK, 1000, (42,)),
    ]
    assert session.foreign_tids == 1
    assert session.is_ready
    assert session.send_request(Op.GetStorageIDs, now=1.0) == tid + 1


def test_a_data_phase_under_the_cameras_own_id_is_taken() -> None:
    pair = opened()
    session = pair.initiator
    tid = session.send_request(Op.GetObject, (5,), now=0.0)
    # The camera's ids, an empty trailing End Data after a complete phase included.
    at(pair, 0.1, CMD, start_data(77, 3) + data(77, b"abc") + response(OK, 77) + end_data(77))
    assert pair.events(INIT) == [
        ForeignTransactionId(tid, 77, "StartData"),
        DataPhaseStarted(77, 3),
        DataReceived(77, b"abc"),
        DataPhaseEnded(tid, 3),
        ResponseReceived(OK, 77, ()),
    ]
    assert session.is_ready


def test_a_camera_changing_ids_within_a_transaction_is_refused() -> None:
    pair = opened()
    tid = pair.initiator.send_request(Op.GetObject, (5,), now=0.0)
    with pytest.raises(RemoteProtocolError):
        at(pair, 0.1, CMD, start_data(tid + 5, 3) + data(tid + 6, b"abc"))


def test_a_response_while_nothing_is_under_way_is_still_refused() -> None:
    pair = opened()
    with pytest.raises(RemoteProtocolError):
        at(pair, 0.1, CMD, response(OK, 9))


@pytest.mark.parametrize("cut", [1, 5, 13])
def test_foreign_ids_byte_by_byte(cut: int) -> None:
    """The same exchange fed one byte at a time gives the same events."""
    pair = SessionPair(bytewise=True)
    pair.handshake()
    pair.open_session()
    tid = pair.initiator.send_request(Op.GetObjectInfo, (cut,), now=0.0)
    at(pair, 0.1, CMD, start_data(500, 2) + end_data(500, b"xy") + response(OK, 500))
    events = pair.events(INIT)
    assert events[0] == ForeignTransactionId(tid, 500, "StartData")
    assert events[-1] == ResponseReceived(OK, 500, ())
