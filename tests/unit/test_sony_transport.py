"""Sony's two transport habits in the sans-IO core, with bytes written by hand
(ptpip-reference.md §1.3/§1.4, dialects.md §4.3): an Init Command Ack that ends after the
friendly name (no protocol-version field), and a data phase sent as Data packets that
carry every announced byte, followed by an *empty* End Data. Each stream is also fed one
byte at a time."""

from __future__ import annotations

import pytest
from helpers import (
    CONNECTION_NUMBER,
    INITIATOR_GUID,
    INITIATOR_NAME,
    RESPONDER_GUID,
    RESPONDER_NAME,
    SessionPair,
    feed_bytewise,
    h,
    merge_data_events,
    reassemble,
)
from hypothesis import given
from hypothesis import strategies as st

from ptpkit.errors import DecodeError
from ptpkit.proto.events import (
    Channel,
    CommandAckReceived,
    DataPhaseEnded,
    DataPhaseStarted,
    DataReceived,
    HandshakeCompleted,
    ResponseReceived,
)
from ptpkit.proto.framing import PacketReader
from ptpkit.proto.initiator import InitiatorSession
from ptpkit.proto.packets import InitCommandAck, decode_packet
from ptpkit.proto.state import LinkState, TransactionState
from ptpkit.proto.vendors.sony import SonyPropertyBlob

CMD, EVT = Channel.COMMAND, Channel.EVENT

# Length 0x24 = 8 header + 4 connection number + 16 GUID + "cam" and NUL in UTF-16LE.
ACK_NO_VERSION = h(
    "24000000 02000000 07000000 a0a1a2a3a4a5a6a7a8a9aaabacadaeaf 6300 6100 6d00 0000"
)
ACK_WITH_VERSION = h(
    "28000000 02000000 07000000 a0a1a2a3a4a5a6a7a8a9aaabacadaeaf 6300 6100 6d00 0000 00000100"
)


# -- the Init Command Ack without a version -----------------------------------------------


def test_ack_without_version_decodes_and_encodes_back_the_same_bytes() -> None:
    ack = decode_packet(ACK_NO_VERSION)
    assert ack == InitCommandAck(CONNECTION_NUMBER, RESPONDER_GUID, RESPONDER_NAME, None)
    assert ack.encode() == ACK_NO_VERSION
    with_version = decode_packet(ACK_WITH_VERSION)
    assert with_version == InitCommandAck(CONNECTION_NUMBER, RESPONDER_GUID, RESPONDER_NAME)
    assert with_version.encode() == ACK_WITH_VERSION


@pytest.mark.parametrize("cut", [1, 2, 3])
def test_ack_with_a_cut_version_is_refused(cut: int) -> None:
    data = bytearray(ACK_WITH_VERSION[:-cut])
    data[0] = len(data)
    with pytest.raises(DecodeError):
        decode_packet(bytes(data))


@pytest.mark.parametrize("bytewise", [False, True])
def test_initiator_takes_an_ack_without_version(bytewise: bool) -> None:
    session = InitiatorSession(INITIATOR_GUID, INITIATOR_NAME)
    session.start(0.0)
    session.data_to_send()
    if bytewise:
        events = feed_bytewise(session, ACK_NO_VERSION)
    else:
        session.receive_data(CMD, ACK_NO_VERSION, 0.0)
        events = list(iter(session.next_event, None))
    assert events == [CommandAckReceived(CONNECTION_NUMBER, RESPONDER_GUID, RESPONDER_NAME, None)]
    assert session.data_to_send() == [(EVT, h("0c000000 03000000 07000000"))]
    session.receive_data(EVT, h("08000000 04000000"), 0.0)
    assert session.next_event() == HandshakeCompleted(
        CONNECTION_NUMBER, RESPONDER_GUID, RESPONDER_NAME
    )
    assert session.link is LinkState.READY


def test_responder_sends_the_ack_without_version_when_told() -> None:
    pair = SessionPair(responder_options={"ack_protocol_version": None})
    pair.initiator.start(0.0)
    pair.pump()
    pair.events(pair.responder)
    pair.responder.accept(0.0)
    ((channel, data), *_) = pair.responder.data_to_send()
    assert (channel, data) == (CMD, ACK_NO_VERSION)


def test_responder_default_ack_carries_version_1_0() -> None:
    pair = SessionPair()
    pair.initiator.start(0.0)
    pair.pump()
    pair.responder.accept(0.0)
    ((channel, data), *_) = pair.responder.data_to_send()
    assert (channel, data) == (CMD, ACK_WITH_VERSION)


def test_handshake_and_a_transaction_after_an_ack_without_version() -> None:
    pair = SessionPair(responder_options={"ack_protocol_version": None})
    pair.initiator.start(0.0)
    pair.pump()
    pair.responder.accept(0.0)
    pair.pump()
    assert pair.events(pair.initiator)[0] == CommandAckReceived(
        CONNECTION_NUMBER, RESPONDER_GUID, RESPONDER_NAME, None
    )
    pair.responder.accept_event_channel(0.0)
    pair.pump()
    assert pair.initiator.is_ready and pair.responder.is_ready


# -- Data packets, then an empty End Data ----------------------------------------------------

# 0x9209 blob (dialects.md §4.3): u32 count 2, u32 0, then
# 0x5004 CompressionSetting UINT8 get/set 1 enabled 1, default 2, current 3, enum [2, 3]
# 0x500A FocusMode UINT16, default 1, current 1, no form
BLOB = h("02000000 00000000 0450 0200 01 01 02 03 02 0200 02 03 0a50 0400 01 01 0100 0100 00")
TID = 1


def sony_answer(tid: int = TID) -> bytes:
    """StartData(len), Data(first 10 bytes), Data(the rest), empty EndData, Response OK."""
    t = tid.to_bytes(4, "little").hex()
    head, rest = BLOB[:10], BLOB[10:]
    return (
        h(f"14000000 09000000 {t}") + len(BLOB).to_bytes(8, "little")
        + (12 + len(head)).to_bytes(4, "little") + h(f"0a000000 {t}") + head
        + (12 + len(rest)).to_bytes(4, "little") + h(f"0a000000 {t}") + rest
        + h(f"0c000000 0c000000 {t}")
        + h(f"0e000000 07000000 0120 {t}")
    )  # fmt: skip


@pytest.mark.parametrize("bytewise", [False, True])
def test_data_then_empty_end_data_is_one_dataset(bytewise: bool) -> None:
    pair = SessionPair(bytewise=bytewise)
    pair.handshake()
    pair.open_session(1)
    tid = pair.initiator.send_request(0x9209, now=0.0)
    assert tid == TID
    pair.pump()
    pair.events(pair.responder)
    pair.inject(pair.initiator, CMD, sony_answer())
    events = merge_data_events(pair.events(pair.initiator, merge_data=False))
    assert events == [
        DataPhaseStarted(TID, len(BLOB)),
        DataReceived(TID, BLOB),
        DataPhaseEnded(TID, len(BLOB)),
        ResponseReceived(0x2001, TID, ()),
    ]
    assert pair.initiator.transaction is TransactionState.IDLE
    blob = SonyPropertyBlob.decode(events[1].data)  # type: ignore[union-attr]
    assert [entry.code for entry in blob.entries] == [0x5004, 0x500A]
    # the initiator goes on (the responder here was bypassed by inject)
    assert pair.initiator.send_request(0x1001, now=0.0) == TID + 1


@given(
    number=st.integers(0, 0xFFFFFFFF),
    guid=st.binary(min_size=16, max_size=16),
    name=st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), max_size=40
    ),
    version=st.none() | st.integers(0, 0xFFFFFFFF),
)
def test_ack_round_trip_with_or_without_version(
    number: int, guid: bytes, name: str, version: int | None
) -> None:
    ack = InitCommandAck(number, guid, name, version)
    data = ack.encode()
    assert decode_packet(data) == ack
    reader = PacketReader()
    assert reassemble(feed_bytewise(reader, data)) == [ack]
