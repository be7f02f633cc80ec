"""PTP/IP packets against byte vectors written by hand from the reference tables
(shared/reference/ptpip-reference.md §1.3 layouts, §1.4 field values).

Every golden vector is checked both ways (bytes → object, object → bytes), through the
class's own ``decode`` and through ``decode_packet``, and one byte at a time through the
framing layer. The vectors live in ``tests/helpers.py`` so the framing tests use the same.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from helpers import (
    GOLDEN_PACKETS,
    INITIATOR_GUID,
    RESPONDER_GUID,
    Golden,
    feed_bytewise,
    h,
    reassemble,
)

from ptpkit.errors import DecodeError, LocalProtocolError
from ptpkit.proto.codes import PacketType
from ptpkit.proto.framing import PacketReader
from ptpkit.proto.packets import (
    MAX_FRIENDLY_NAME_UNITS,
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
    ProbeRequest,
    ProbeResponse,
    StartData,
    UnknownPacket,
    decode_packet,
)

G = "00112233445566778899aabbccddeeff"
RG = "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"  # RESPONDER_GUID
GOLDEN_IDS = [g.name for g in GOLDEN_PACKETS]


def test_golden_vectors_cover_every_packet_type() -> None:
    covered = {type(g.packet) for g in GOLDEN_PACKETS}
    assert set(PACKET_CLASSES.values()) <= covered
    assert UnknownPacket in covered
    assert len(PACKET_CLASSES) == 14
    assert sorted(PACKET_CLASSES) == list(range(1, 15))


def test_golden_vectors_have_consistent_length_fields() -> None:
    """A guard on the hand-written hex itself: the length field equals the byte count."""
    for g in GOLDEN_PACKETS:
        assert int.from_bytes(g.data[:4], "little") == len(g.data), g.name


@pytest.mark.parametrize("golden", GOLDEN_PACKETS, ids=GOLDEN_IDS)
def test_decode_golden(golden: Golden) -> None:
    cls = type(golden.packet)
    assert cls.decode(golden.data) == golden.packet
    assert decode_packet(golden.data) == golden.packet
    assert type(decode_packet(golden.data)) is cls


@pytest.mark.parametrize("golden", GOLDEN_PACKETS, ids=GOLDEN_IDS)
def test_encode_golden(golden: Golden) -> None:
    assert golden.packet.encode() == golden.data


@pytest.mark.parametrize("golden", GOLDEN_PACKETS, ids=GOLDEN_IDS)
def test_decode_golden_one_byte_at_a_time(golden: Golden) -> None:
    reader = PacketReader()
    items = feed_bytewise(reader, golden.data)
    assert reassemble(items) == [golden.packet]
    assert reader.at_packet_boundary


@pytest.mark.parametrize("golden", GOLDEN_PACKETS, ids=GOLDEN_IDS)
def test_decode_accepts_bytearray_and_memoryview(golden: Golden) -> None:
    assert decode_packet(bytearray(golden.data)) == golden.packet
    assert decode_packet(memoryview(golden.data)) == golden.packet


def test_packet_type_field_matches_the_class() -> None:
    for ptype, cls in PACKET_CLASSES.items():
        assert cls.type == ptype
        assert PacketType(ptype).name == cls.__name__
    # The seed's "Pong 13" typo: 13 is the request, 14 the response.
    assert ProbeRequest.type == 13
    assert ProbeResponse.type == 14


# -- field values (reference §1.4) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("hex_version", "value"),
    [("00000100", 0x00010000), ("00010000", 0x00000100), ("64000000", 0x00000064)],
    ids=["cipa-1.0", "theta4j", "ptpy"],
)
def test_any_protocol_version_is_accepted(hex_version: str, value: int) -> None:
    request = InitCommandRequest.decode(h(f"22000000 01000000 {G} 7600 6d00 0000 {hex_version}"))
    assert request.protocol_version == value
    ack = InitCommandAck.decode(h(f"22000000 02000000 01000000 {G} 0000 {hex_version}"))
    assert ack.protocol_version == value
    assert ack.friendly_name == ""


@pytest.mark.parametrize(
    ("hex_packet", "version"),
    [
        # 0x28-byte Ack for "cam" + 2 zero bytes of padding to 0x2a.
        (f"2a000000 02000000 07000000 {RG} 6300 6100 6d00 0000 00000100 0000", 0x00010000),
        # Padded with zeros to 64 bytes (0x40): 40 + 24.
        (f"40000000 02000000 07000000 {RG} 6300 6100 6d00 0000 00000100 {'00' * 24}", 0x00010000),
        # No version at all, zeros after the name: version 0, kept as sent.
        (f"2c000000 02000000 07000000 {RG} 6300 6100 6d00 0000 {'00' * 8}", 0),
    ],
    ids=["2-bytes", "to-64", "zeros-no-version"],
)
def test_a_padded_init_command_ack_is_accepted(hex_packet: str, version: int) -> None:
    data = h(hex_packet)
    expected = InitCommandAck(7, RESPONDER_GUID, "cam", version)
    assert InitCommandAck.decode(data) == expected
    assert decode_packet(data) == expected
    reader = PacketReader()
    assert feed_bytewise(reader, data) == [expected]


def test_protocol_version_defaults_to_1_0() -> None:
    assert InitCommandRequest(INITIATOR_GUID, "x").protocol_version == 0x00010000
    assert InitCommandAck(1, INITIATOR_GUID, "x").protocol_version == 0x00010000


def test_init_command_request_without_version_reads_as_1_0() -> None:
    """Tolerance for pre-CIPA initiators (the seed's layout): name, then nothing."""
    packet = decode_packet(h(f"1e000000 01000000 {G} 7600 6d00 0000"))
    assert packet == InitCommandRequest(INITIATOR_GUID, "vm", 0x00010000)


@pytest.mark.parametrize("reason", [1, 2, 3, 4, 0x2019, 0x201D, 0xFFFFFFFF])
def test_init_fail_reasons_are_kept_as_numbers(reason: int) -> None:
    data = h("0c000000 05000000") + reason.to_bytes(4, "little")
    packet = decode_packet(data)
    assert packet == InitFail(reason)
    assert isinstance(packet, InitFail)
    assert packet.reason == reason


def test_start_data_length_known() -> None:
    assert StartData(1, 0).length_known
    assert StartData(1, 0xFFFFFFFFFFFFFFFE).length_known
    assert not StartData(1, 0xFFFFFFFFFFFFFFFF).length_known


@pytest.mark.parametrize("dp", [0, 1, 2, 3])
def test_data_phase_info_values_decode(dp: int) -> None:
    data = h("12000000 06000000") + dp.to_bytes(4, "little") + h("0d10 01000000")
    assert decode_packet(data) == OperationRequest(dp, 0x100D, 1, ())


def test_zero_padded_parameters_are_ordinary_zeros() -> None:
    """theta4j pads requests to 5 and events to 3 params; the padding is decoded as zeros."""
    request = decode_packet(
        h("26000000 06000000 01000000 0210 00000000 01000000 00000000 00000000 00000000 00000000")
    )
    assert request == OperationRequest(1, 0x1002, 0, (1, 0, 0, 0, 0))
    event = decode_packet(h("1a000000 08000000 0d40 05000000 00000000 00000000 00000000"))
    assert event == Event(0x400D, 5, (0, 0, 0))


def test_unknown_packet_round_trip_and_type() -> None:
    packet = decode_packet(h("0e000000 99000000 010203040506"))
    assert packet == UnknownPacket(0x99, h("010203040506"))
    assert packet.type == 0x99
    assert UnknownPacket.decode(h("0e000000 99000000 010203040506")) == packet
    # A known type is not an UnknownPacket even through UnknownPacket.decode's eyes.
    assert UnknownPacket.decode(h("08000000 0d000000")) == UnknownPacket(13, b"")


def test_friendly_name_is_utf16_with_surrogate_pairs() -> None:
    # U+1F4F7 (camera) = d83d dcf7 → LE 3dd8 f7dc; 24 + 2*(2+1) + 4 = 34.
    data = h(f"22000000 01000000 {G} 3dd8 f7dc 0000 00000100")
    packet = decode_packet(data)
    assert packet == InitCommandRequest(INITIATOR_GUID, "\U0001f4f7")
    assert packet.encode() == data


# -- decode errors --------------------------------------------------------------------------

BAD_PACKETS = {
    # The length field says 13; 12 bytes are given (and the reverse).
    "length-field-too-big": (InitEventRequest, "0d000000 03000000 01000000"),
    "length-field-too-small": (InitEventRequest, "0b000000 03000000 01000000"),
    "length-field-trailing-bytes": (InitEventAck, "08000000 04000000 00"),
    # Truncated fields.
    "init-event-request-2-bytes": (InitEventRequest, "0a000000 03000000 0100"),
    "init-fail-no-reason": (InitFail, "08000000 05000000"),
    "init-command-request-short-guid": (InitCommandRequest, "10000000 01000000 0011223344556677"),
    "init-command-ack-no-guid": (InitCommandAck, "0c000000 02000000 01000000"),
    "operation-request-no-tid": (OperationRequest, "0e000000 06000000 01000000 0110"),
    "operation-request-half-code": (OperationRequest, "0d000000 06000000 01000000 01"),
    "operation-response-half-tid": (OperationResponse, "0c000000 07000000 0120 0000"),
    "event-no-tid": (Event, "0a000000 08000000 0240"),
    "start-data-u32-length": (StartData, "10000000 09000000 02000000 34120000"),
    "start-data-7-byte-length": (StartData, "13000000 09000000 02000000 34120000000000"),
    "data-no-tid": (Data, "0a000000 0a000000 0200"),
    "end-data-no-tid": (EndData, "08000000 0c000000"),
    "cancel-no-tid": (Cancel, "08000000 0b000000"),
    "probe-request-with-payload": (ProbeRequest, "0c000000 0d000000 00000000"),
    "probe-response-with-payload": (ProbeResponse, "09000000 0e000000 00"),
    # Parameter counts: 6 operation/response params, 4 event params.
    "operation-request-6-params": (
        OperationRequest,
        "2a000000 06000000 01000000 0710 01000000"
        " 01000000 02000000 03000000 04000000 05000000 06000000",
    ),
    "operation-response-6-params": (
        OperationResponse,
        "26000000 07000000 0120 01000000 01000000 02000000 03000000 04000000 05000000 06000000",
    ),
    "event-4-params": (
        Event,
        "1e000000 08000000 0240 01000000 01000000 02000000 03000000 04000000",
    ),
    # Parameter bytes not a multiple of 4.
    "operation-request-params-5-bytes": (
        OperationRequest,
        "17000000 06000000 01000000 0710 01000000 0100000000",
    ),
    "operation-response-params-2-bytes": (
        OperationResponse,
        "10000000 07000000 0120 01000000 0100",
    ),
    "event-params-3-bytes": (Event, "11000000 08000000 0240 01000000 010000"),
    # FriendlyName without its 0x0000 (and nothing after it).
    "name-unterminated": (InitCommandRequest, f"1c000000 01000000 {G} 7600 6d00"),
    "name-odd-byte": (InitCommandRequest, f"1b000000 01000000 {G} 7600 6d"),
    "ack-name-unterminated": (InitCommandAck, f"20000000 02000000 01000000 {G} 6300 6100"),
    # A name, then 1..3 stray bytes where the version should be.
    "version-truncated": (InitCommandRequest, f"21000000 01000000 {G} 7600 6d00 0000 000001"),
    "version-then-trailing": (
        InitCommandRequest,
        f"23000000 01000000 {G} 0000 00000100 00000000 ff",
    ),
}


@pytest.mark.parametrize(("cls", "hex_data"), BAD_PACKETS.values(), ids=BAD_PACKETS.keys())
def test_bad_bytes_raise_decode_error(cls: type[Any], hex_data: str) -> None:
    data = h(hex_data)
    with pytest.raises(DecodeError):
        cls.decode(data)
    with pytest.raises(DecodeError):
        decode_packet(data)


def test_friendly_name_over_the_limit_is_a_decode_error() -> None:
    name = "a" * 2000
    data = (
        (8 + 16 + 2 * 2001 + 4).to_bytes(4, "little")
        + h("01000000")
        + INITIATOR_GUID
        + name.encode("utf-16-le")
        + h("0000 00000100")
    )
    with pytest.raises(DecodeError):
        decode_packet(data)


@pytest.mark.parametrize("size", range(8))
def test_shorter_than_a_header_is_a_decode_error(size: int) -> None:
    data = h("08000000 0d000000")[:size]
    with pytest.raises(DecodeError):
        decode_packet(data)
    with pytest.raises(DecodeError):
        ProbeRequest.decode(data)


@pytest.mark.parametrize(
    ("cls", "hex_data"),
    [
        (InitEventRequest, "0c000000 05000000 01000000"),  # an InitFail
        (InitFail, "0c000000 03000000 01000000"),  # an InitEventRequest
        (Data, "0c000000 0c000000 02000000"),  # an EndData
        (EndData, "0c000000 0a000000 02000000"),  # a Data
        (ProbeRequest, "08000000 0e000000"),  # a ProbeResponse
        (ProbeResponse, "08000000 0d000000"),  # a ProbeRequest
        (OperationResponse, "0e000000 08000000 0240 ffffffff"),  # an Event
        (Event, "0e000000 07000000 0120 00000000"),  # an OperationResponse
    ],
)
def test_decode_with_the_wrong_class_is_a_decode_error(cls: type[Any], hex_data: str) -> None:
    with pytest.raises(DecodeError):
        cls.decode(h(hex_data))


# -- construction-time validation ------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda: InitCommandRequest(b"\x00" * 15, "x"),
        lambda: InitCommandRequest(b"\x00" * 17, "x"),
        lambda: InitCommandRequest("0" * 16, "x"),  # type: ignore[arg-type]
        lambda: InitCommandRequest(INITIATOR_GUID, "x", 1 << 32),
        lambda: InitCommandRequest(INITIATOR_GUID, "a\x00b"),
        lambda: InitCommandAck(1 << 32, INITIATOR_GUID, "x"),
        lambda: InitCommandAck(-1, INITIATOR_GUID, "x"),
        lambda: InitCommandAck(1, b"short", "x"),
        lambda: InitEventRequest(1 << 32),
        lambda: InitFail(-1),
        lambda: OperationRequest(1, 0x1001, 1 << 32),
        lambda: OperationRequest(1, 0x10000, 0),
        lambda: OperationRequest(1 << 32, 0x1001, 0),
        lambda: OperationRequest(1, 0x1001, 0, (1, 2, 3, 4, 5, 6)),
        lambda: OperationRequest(1, 0x1001, 0, (1 << 32,)),
        lambda: OperationRequest(1, 0x1001, 0, (-1,)),
        lambda: OperationResponse(0x2001, 1 << 32),
        lambda: OperationResponse(0x2001, 0, (0, 0, 0, 0, 0, 0)),
        lambda: Event(0x4002, 0, (1, 2, 3, 4)),
        lambda: Event(0x10000, 0),
        lambda: StartData(1 << 32, 0),
        lambda: StartData(0, 1 << 64),
        lambda: StartData(0, -1),
        lambda: Data(1 << 32, b""),
        lambda: EndData(-1, b""),
        lambda: Cancel(1 << 32),
    ],
)
def test_invalid_fields_raise_local_protocol_error(build: Callable[[], object]) -> None:
    with pytest.raises(LocalProtocolError):
        build()


def test_friendly_name_length_limit() -> None:
    longest = InitCommandRequest(INITIATOR_GUID, "a" * MAX_FRIENDLY_NAME_UNITS)
    assert decode_packet(longest.encode()) == longest
    with pytest.raises(LocalProtocolError):
        InitCommandRequest(INITIATOR_GUID, "a" * (MAX_FRIENDLY_NAME_UNITS + 1))


def test_packets_are_frozen() -> None:
    packet = OperationRequest(1, 0x1001, 0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        packet.transaction_id = 1  # type: ignore[misc]


def test_maximum_params_are_accepted() -> None:
    five = OperationRequest(1, 0x1007, 1, (1, 2, 3, 4, 5))
    assert decode_packet(five.encode()) == five
    three = Event(0x4002, 1, (1, 2, 3))
    assert decode_packet(three.encode()) == three
