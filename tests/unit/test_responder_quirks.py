"""Real cameras' habits in the sans-IO responder (ResponderSession's options) and the
emulator's helpers for the TCP-level ones (:mod:`ptpkit.aio.responder_quirks`).

Packets are packed by hand (reference §1.3), not with ptpkit's encoder.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ptpkit.aio.responder_quirks import ONE_RECV_LIMIT, WholePacketReads, packet_writes
from ptpkit.emulator.faults import QUIRKS, Faults, Quirk
from ptpkit.proto.codes import OperationCode, ResponseCode
from ptpkit.proto.events import (
    Channel,
    DataPhaseEnded,
    DataPhaseStarted,
    DataReceived,
    EventChannelRequested,
    HandshakeCompleted,
    InitiatorConnected,
    OperationRequested,
    ProbeReceived,
    TransactionCancelled,
)
from ptpkit.proto.responder import OWN_TID_START, ResponderSession

CMD = Channel.COMMAND
EVT = Channel.EVENT
OK = ResponseCode.OK
Op = OperationCode
GUID = bytes(range(16))
CAM_GUID = bytes(range(16, 32))


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


def raw_start_data(tid: int, length: int) -> bytes:
    return raw(9, u32(tid) + u64(length))


def raw_data(tid: int, payload: bytes) -> bytes:
    return raw(10, u32(tid) + payload)


def raw_end_data(tid: int, payload: bytes = b"") -> bytes:
    return raw(12, u32(tid) + payload)


PROBE_REQUEST = bytes.fromhex("08000000 0d000000")
# gphoto2's Init Command Request from the host "vm" (reference §1.3, 34 bytes).
INIT_REQUEST = bytes.fromhex(
    "22000000 01000000 000102030405060708090a0b0c0d0e0f 7600 6d00 0000 00000100"
)


def events(session: ResponderSession) -> list[object]:
    out = []
    while (event := session.next_event()) is not None:
        out.append(event)
    return out


def ready(**options: object) -> ResponderSession:
    """A responder whose handshake is done, with OpenSession(1) answered (tid 0)."""
    session = ResponderSession(7, CAM_GUID, "cam", **options)  # type: ignore[arg-type]
    session.start(0.0)
    session.receive_data(CMD, INIT_REQUEST, 0.0)
    assert isinstance(events(session)[0], InitiatorConnected)
    session.accept(0.0)
    session.receive_data(EVT, raw(3, u32(7)), 0.0)
    assert events(session) == [EventChannelRequested(7)]
    session.accept_event_channel(0.0)
    assert isinstance(events(session)[0], HandshakeCompleted)
    session.data_to_send()
    session.receive_data(CMD, raw_request(1, Op.OpenSession, 0, 1), 0.0)
    events(session)
    session.send_response(OK)
    session.data_to_send()
    return session


def test_every_quirk_has_a_command_line_name() -> None:
    assert set(QUIRKS) == {
        "no-probe-answers",
        "nagle",
        "no-response-params",
        "own-transaction-ids",
        "one-recv-per-packet",
        "no-events",
        "padded-init-ack",
        "no-ack-version",
    }
    faults = Faults(quirks={"nagle", Quirk.NO_EVENTS})
    assert faults.quirks == {Quirk.NAGLE, Quirk.NO_EVENTS}
    assert faults.has(Quirk.NAGLE) and not faults.has(Quirk.NO_PROBE_ANSWERS)
    assert faults.any and not Faults().any
    with pytest.raises(ValueError, match="unknown quirk slow"):
        Faults(quirks={"slow"})
    with pytest.raises(ValueError, match="random_drops"):
        Faults(random_drops=0)


# -- probes ---------------------------------------------------------------------------------
@pytest.mark.parametrize("channel", [CMD, EVT])
def test_a_responder_that_ignores_probes_notes_them_and_sends_nothing(channel: Channel) -> None:
    session = ready(answer_probes=False)
    session.receive_data(channel, PROBE_REQUEST, 1.0)
    assert events(session) == [ProbeReceived(channel)]
    assert session.data_to_send() == []
    assert session.is_ready
    # the default answers
    session = ready()
    session.receive_data(channel, PROBE_REQUEST, 1.0)
    assert events(session) == [ProbeReceived(channel)]
    assert session.data_to_send() == [(channel, bytes.fromhex("08000000 0e000000"))]


# -- response parameters ----------------------------------------------------------------------
def test_responses_without_parameters() -> None:
    session = ready(response_params=False)
    session.receive_data(CMD, raw_request(1, Op.GetNumObjects, 1, 0xFFFFFFFF), 0.0)
    assert events(session) == [OperationRequested(Op.GetNumObjects, 1, (0xFFFFFFFF,), 1, False)]
    session.send_response(OK, (42,))
    assert session.data_to_send() == [(CMD, bytes.fromhex("0e000000 07000000 0120 01000000"))]
    session.receive_data(CMD, raw_request(1, Op.GetObjectInfo, 2, 5), 0.0)
    events(session)
    session.answer(OK, (1, 2), b"xy")
    assert session.data_to_send() == [
        (CMD, raw_start_data(2, 2) + raw_end_data(2, b"xy") + raw_response(OK, 2))
    ]


# -- the responder's own transaction counter ----------------------------------------------------
def test_own_transaction_ids_on_every_answer_packet() -> None:
    session = ready(own_transaction_ids=True)
    own = OWN_TID_START + 1  # OpenSession, in ready(), took the first
    # no data phase
    session.receive_data(CMD, raw_request(1, Op.GetNumObjects, 1, 0xFFFFFFFF), 0.0)
    assert events(session)[0] == OperationRequested(Op.GetNumObjects, 1, (0xFFFFFFFF,), 1, False)
    session.send_response(OK, (3,))
    assert session.data_to_send() == [(CMD, raw_response(OK, own, 3))]
    # data-in phase, joined
    session.receive_data(CMD, raw_request(1, Op.GetObjectInfo, 2, 5), 0.0)
    events(session)
    session.answer(OK, (), b"abc")
    assert session.data_to_send() == [
        (
            CMD,
            raw_start_data(own + 1, 3) + raw_end_data(own + 1, b"abc") + raw_response(OK, own + 1),
        )
    ]
    # data-in phase, streamed
    session.receive_data(CMD, raw_request(1, Op.GetObject, 3, 5), 0.0)
    events(session)
    session.start_data_in(4, 0.0)
    session.send_data(b"ab", 0.0)
    header = session.data_header(2)
    session.send_response(OK)
    assert b"".join(d for _, d in session.data_to_send()) == (
        raw_start_data(own + 2, 4) + raw_data(own + 2, b"ab") + raw_response(OK, own + 2)
    )
    assert header == raw_end_data(own + 2, b"cd")[:12]  # the header of End Data("cd")
    # data-out: the initiator's packets keep the request's id, and are accepted
    session.receive_data(
        CMD, raw_request(2, Op.SendObjectInfo, 4, 0x10001) + raw_start_data(4, 2), 0.0
    )
    session.receive_data(CMD, raw_end_data(4, b"hi"), 0.0)
    assert events(session) == [
        OperationRequested(Op.SendObjectInfo, 4, (0x10001,), 2, True),
        DataPhaseStarted(4, 2),
        DataReceived(4, b"hi"),
        DataPhaseEnded(4, 2),
    ]
    session.send_response(OK, (0x10001, 0, 9))
    assert session.data_to_send() == [(CMD, raw_response(OK, own + 3, 0x10001, 0, 9))]
    # and so is a Cancel under the request's id
    session.receive_data(CMD, raw_request(1, Op.GetObject, 5, 5), 0.0)
    events(session)
    session.start_data_in(10, 0.0)
    session.receive_data(EVT, raw(11, u32(5)), 0.0)
    assert events(session) == [TransactionCancelled(5, EVT)]
    session.send_response(ResponseCode.TransactionCancelled)
    assert session.data_to_send()[-1] == (
        CMD,
        raw_response(ResponseCode.TransactionCancelled, own + 4),
    )


def test_the_default_answers_under_the_request_id() -> None:
    session = ready()
    session.receive_data(CMD, raw_request(1, Op.GetObjectInfo, 1, 5), 0.0)
    events(session)
    session.answer(OK, (), b"abc")
    assert session.data_to_send() == [
        (CMD, raw_start_data(1, 3) + raw_end_data(1, b"abc") + raw_response(OK, 1))
    ]


# -- padded Init Command Ack --------------------------------------------------------------------
def test_padded_init_command_ack() -> None:
    session = ResponderSession(7, CAM_GUID, "cam", init_ack_padding=8)
    session.start(0.0)
    session.receive_data(CMD, INIT_REQUEST, 0.0)
    events(session)
    session.accept(0.0)
    # 28 + 2*(3+1) + 4 = 40 bytes, + 8 of padding = 48 = 0x30
    assert session.data_to_send() == [
        (
            CMD,
            bytes.fromhex(
                "30000000 02000000 07000000 101112131415161718191a1b1c1d1e1f"
                "6300 6100 6d00 0000 00000100 0000000000000000"
            ),
        )
    ]
    with pytest.raises(ValueError):
        ResponderSession(7, CAM_GUID, "cam", init_ack_padding=-1)


# -- one write per packet (nagle) -------------------------------------------------------------
def test_packet_writes_cuts_every_packet_and_data_headers_apart() -> None:
    blob = raw_start_data(2, 3) + raw_end_data(2, b"abc") + raw_response(OK, 2)
    assert list(packet_writes(blob)) == [
        raw_start_data(2, 3),
        raw_end_data(2, b"abc")[:12],
        b"abc",
        raw_response(OK, 2),
    ]
    # an empty End Data stays one piece; stray bytes come last as they are
    assert list(packet_writes(raw_end_data(2) + b"\x01\x02")) == [raw_end_data(2), b"\x01\x02"]


# -- one recv per packet ----------------------------------------------------------------------
SMALL = raw_request(1, Op.GetObjectInfo, 3, 5)


def test_whole_packets_in_each_read_pass() -> None:
    reads = WholePacketReads()
    assert reads.feed(SMALL)
    assert reads.feed(SMALL + PROBE_REQUEST + SMALL)
    assert not reads.inside_packet


@pytest.mark.parametrize("cut", [1, 7, 8, 12, len(SMALL) - 1])
def test_a_small_packet_cut_across_reads_is_caught(cut: int) -> None:
    reads = WholePacketReads()
    assert reads.feed(PROBE_REQUEST)
    assert not reads.feed(SMALL[:cut])


def test_a_small_data_phase_must_come_whole_but_a_big_one_is_streamed() -> None:
    small = raw_request(2, Op.SetDevicePropValue, 4, 0x5001) + raw_start_data(4, 2)
    reads = WholePacketReads()
    assert reads.feed(small)
    end = raw_end_data(4, b"\x01\x00")
    assert not reads.feed(end[:12])  # the End Data header without its payload
    big = ONE_RECV_LIMIT + 1
    reads = WholePacketReads()
    assert reads.feed(raw_request(2, Op.SendObject, 5) + raw_start_data(5, big))
    payload = bytes(big)
    assert reads.feed(raw_end_data(5, payload)[:100])
    assert reads.feed(payload[88:5000])
    assert reads.feed(payload[5000:])
    assert not reads.inside_packet
    # the next request's small packets are checked again
    assert not reads.feed(SMALL[:10])


def test_a_big_packet_or_a_full_read_is_never_held_against_the_sender() -> None:
    reads = WholePacketReads()
    big = raw_data(5, bytes(ONE_RECV_LIMIT))
    assert reads.feed(big[:100])
    assert reads.feed(big[100:])
    reads = WholePacketReads()
    assert reads.feed(SMALL[:5], full=True)  # our buffer was full: our cut
    assert reads.feed(SMALL[5:])


@given(st.lists(st.integers(0, 200), max_size=6), st.data())
def test_any_split_at_packet_boundaries_passes(sizes: list[int], data: st.DataObject) -> None:
    packets = [raw_data(1, bytes(n)) for n in sizes] + [SMALL, PROBE_REQUEST]
    reads = WholePacketReads()
    groups = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=8))
    i = 0
    for size in groups:
        chunk = b"".join(packets[i : i + size])
        i += size
        if chunk:
            assert reads.feed(chunk)
    assert not reads.inside_packet
