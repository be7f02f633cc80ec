"""Hypothesis: every packet survives encode → decode (whole and through the framing layer
in any split), and garbage only ever raises ptpkit's own errors — from ``decode_packet``,
from a ``PacketReader``, and from READY initiator and responder sessions on either
channel, including while the application keeps making (possibly illegal) moves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from helpers import SessionPair, drain_reader, feed_in_pieces, reassemble, split_at
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ptpkit.errors import DecodeError, LocalProtocolError, ProtocolError, RemoteProtocolError
from ptpkit.proto.codes import EventCode, OperationCode, ResponseCode
from ptpkit.proto.events import Channel, Role
from ptpkit.proto.framing import PacketReader
from ptpkit.proto.packets import (
    PACKET_CLASSES,
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
    Packet,
    ProbeRequest,
    ProbeResponse,
    StartData,
    UnknownPacket,
    decode_packet,
    decode_payload,
    decode_payload_at,
)

u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)
u64 = st.integers(0, 0xFFFFFFFFFFFFFFFF)
guids = st.binary(min_size=16, max_size=16)
names = st.text(
    st.characters(blacklist_characters="\x00", blacklist_categories=["Cs"]), max_size=40
)
payloads = st.binary(max_size=300)

PACKETS: dict[type, st.SearchStrategy[Any]] = {
    InitCommandRequest: st.builds(InitCommandRequest, guids, names, u32),
    InitCommandAck: st.builds(InitCommandAck, u32, guids, names, u32),
    InitEventRequest: st.builds(InitEventRequest, u32),
    InitEventAck: st.just(InitEventAck()),
    InitFail: st.builds(InitFail, u32),
    OperationRequest: st.builds(
        OperationRequest, u32, u16, u32, st.lists(u32, max_size=5).map(tuple)
    ),
    OperationResponse: st.builds(OperationResponse, u16, u32, st.lists(u32, max_size=5).map(tuple)),
    Event: st.builds(Event, u16, u32, st.lists(u32, max_size=3).map(tuple)),
    StartData: st.builds(StartData, u32, u64),
    Data: st.builds(Data, u32, payloads),
    Cancel: st.builds(Cancel, u32),
    EndData: st.builds(EndData, u32, payloads),
    ProbeRequest: st.just(ProbeRequest()),
    ProbeResponse: st.just(ProbeResponse()),
    UnknownPacket: st.builds(
        UnknownPacket, u32.filter(lambda t: t not in PACKET_CLASSES), payloads
    ),
}
any_packet = st.one_of(*PACKETS.values())


def test_every_packet_class_has_a_strategy() -> None:
    assert set(PACKET_CLASSES.values()) | {UnknownPacket} == set(PACKETS)


@pytest.mark.parametrize("cls", list(PACKETS), ids=lambda c: c.__name__)
@given(data=st.data())
def test_round_trip(cls: type[Any], data: st.DataObject) -> None:
    packet = data.draw(PACKETS[cls])
    wire = packet.encode()
    assert int.from_bytes(wire[:4], "little") == len(wire)
    assert decode_packet(wire) == packet
    assert cls.decode(wire) == packet
    assert decode_packet(wire).encode() == wire


@given(packets=st.lists(any_packet, max_size=8), data=st.data())
def test_round_trip_through_the_reader_in_any_split(
    packets: list[Packet], data: st.DataObject
) -> None:
    stream = b"".join(p.encode() for p in packets)
    cuts = data.draw(st.lists(st.integers(0, max(len(stream), 1)), max_size=20))
    reader = PacketReader()
    assert reassemble(feed_in_pieces(reader, split_at(stream, cuts))) == packets
    assert reader.buffered == 0


@given(
    ptype=st.one_of(st.sampled_from(sorted(PACKET_CLASSES)), st.integers(0, 20)),
    payload=st.one_of(payloads, st.builds(lambda p: p.encode()[8:], any_packet)),
    before=st.binary(max_size=12),
    after=st.binary(max_size=12),
)
def test_decoding_in_place_is_decoding_a_copy(
    ptype: int, payload: bytes, before: bytes, after: bytes
) -> None:
    """The framing decodes the hot packets straight from its buffer: the same packet, or
    the same error, as decode_payload gives for the payload alone."""
    buffer = bytearray(before + payload + after)
    start, end = len(before), len(before) + len(payload)
    try:
        expected: Any = decode_payload(ptype, payload)
    except DecodeError as exc:
        expected = type(exc)
    try:
        got: Any = decode_payload_at(ptype, buffer, start, end)
    except DecodeError as exc:
        got = type(exc)
    assert got == expected
    if not isinstance(got, type):
        assert hash(got) == hash(expected)


# -- garbage --------------------------------------------------------------------------------------


def frame(ptype: int, payload: bytes) -> bytes:
    """A header with a length field that matches (so decoding gets past the framing)."""
    return (8 + len(payload)).to_bytes(4, "little") + ptype.to_bytes(4, "little") + payload


@st.composite
def mangled(draw: st.DrawFn) -> bytes:
    """A valid packet with bytes flipped, cut or added; its length field fixed or not."""
    wire = bytearray(draw(any_packet).encode())
    for _ in range(draw(st.integers(0, 3))):
        index = draw(st.integers(0, len(wire) - 1))
        wire[index] = draw(st.integers(0, 255))
    cut = draw(st.integers(0, len(wire)))
    wire = wire[:cut] + draw(st.binary(max_size=8))
    if draw(st.booleans()) and len(wire) >= 4:
        wire[:4] = len(wire).to_bytes(4, "little")
    return bytes(wire)


garbage = st.one_of(
    st.binary(max_size=64),
    st.builds(frame, st.integers(0, 16), st.binary(max_size=64)),
    mangled(),
)


@given(garbage)
def test_decode_packet_raises_only_decode_error(data: bytes) -> None:
    try:
        decode_packet(data)
    except DecodeError:
        pass


@given(
    pieces=st.lists(garbage, max_size=8),
    data=st.data(),
    cap=st.sampled_from([16, 64, 1 << 20]),
    close=st.booleans(),
)
def test_reader_raises_only_remote_protocol_errors(
    pieces: list[bytes], data: st.DataObject, cap: int, close: bool
) -> None:
    stream = b"".join(pieces)
    cuts = data.draw(st.lists(st.integers(0, max(len(stream), 1)), max_size=20))
    reader = PacketReader(max_packet_size=cap)
    try:
        feed_in_pieces(reader, split_at(stream, cuts))
        if close:
            reader.feed(b"")
            drain_reader(reader)
    except RemoteProtocolError:
        pass


# -- sessions under fire -------------------------------------------------------------------------

small_tid = st.sampled_from([0, 1, 2, 3, 0xFFFFFFFF])
codes = st.sampled_from([int(c) for c in OperationCode] + [0x9001])


@st.composite
def plausible(draw: st.DrawFn) -> bytes:
    """Packets a confused peer might send: real types with small ids and lengths."""
    packet = draw(
        st.one_of(
            st.builds(
                OperationRequest,
                st.integers(0, 3),
                codes,
                small_tid,
                st.lists(st.integers(0, 3), max_size=5).map(tuple),
            ),
            st.builds(OperationResponse, st.sampled_from(list(ResponseCode)), small_tid),
            st.builds(Event, st.sampled_from(list(EventCode)), small_tid),
            st.builds(StartData, small_tid, st.sampled_from([0, 1, 3, 0xFFFFFFFFFFFFFFFF])),
            st.builds(Data, small_tid, st.binary(max_size=4)),
            st.builds(EndData, small_tid, st.binary(max_size=4)),
            st.builds(Cancel, small_tid),
            st.just(ProbeRequest()),
            st.just(ProbeResponse()),
            st.builds(InitEventRequest, st.integers(6, 8)),
            st.just(InitEventAck()),
            st.builds(InitFail, st.integers(1, 3)),
        )
    )
    wire: bytes = packet.encode()
    return wire


inputs = st.lists(
    st.tuples(st.sampled_from([Channel.COMMAND, Channel.EVENT]), st.one_of(plausible(), garbage)),
    max_size=12,
)

# Moves the application may try at any time; each is legal or a LocalProtocolError.
INITIATOR_MOVES: list[Callable[[Any], object]] = [
    lambda s: s.send_request(OperationCode.GetNumObjects, now=0.0),
    lambda s: s.send_request(OperationCode.GetObject, (1,), now=0.0),
    lambda s: s.send_request(OperationCode.SendObject, data_out_length=2, now=0.0),
    lambda s: s.send_data(b"x", 0.0),
    lambda s: s.cancel(0.0),
    lambda s: s.probe(0.0),
    lambda s: s.handle_timer(1000.0),
]
RESPONDER_MOVES: list[Callable[[Any], object]] = [
    lambda s: s.send_response(ResponseCode.OK),
    lambda s: s.answer(ResponseCode.OK, (1,), b"xy", 0.0),
    lambda s: s.start_data_in(2, 0.0),
    lambda s: s.send_data(b"x", 0.0),
    lambda s: s.send_event(EventCode.ObjectAdded, (1,)),
    lambda s: s.cancel(0.0),
    lambda s: s.probe(0.0, Channel.COMMAND),
    lambda s: s.handle_timer(1000.0),
]


@pytest.mark.parametrize("role", [Role.INITIATOR, Role.RESPONDER], ids=["initiator", "responder"])
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=inputs, open_session=st.booleans(), data=st.data())
def test_sessions_raise_only_protocol_errors(
    role: Role, pieces: list[tuple[Channel, bytes]], open_session: bool, data: st.DataObject
) -> None:
    pair = SessionPair()
    pair.handshake()
    if open_session:
        pair.open_session()
    session = pair.session(role)
    moves = INITIATOR_MOVES if role is Role.INITIATOR else RESPONDER_MOVES
    dead = False
    for channel, chunk in pieces:
        session.receive_data(channel, chunk, 0.0)
        try:
            while session.next_event() is not None:
                pass
        except ProtocolError as exc:
            assert isinstance(exc, RemoteProtocolError)
            dead = True
        if dead:
            assert session.next_event() is None  # a dead session stays quiet
        move = data.draw(st.one_of(st.none(), st.sampled_from(moves)))
        if move is not None:
            try:
                move(session)
            except LocalProtocolError:
                pass
        session.data_to_send()
