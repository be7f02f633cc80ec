"""PacketReader: any split of the byte stream gives the same packets; caps, EOF and the
streaming of Data / End Data payloads. The input bytes are the hand-written golden
vectors from ``tests/helpers.py`` (reference §1.3), never our encoder's output."""

from __future__ import annotations

import random

import pytest
from helpers import (
    GOLDEN_PACKETS,
    Golden,
    drain_reader,
    feed_bytewise,
    feed_in_pieces,
    h,
    reassemble,
    split_at,
)

from ptpkit.errors import DecodeError, RemoteProtocolError
from ptpkit.proto.codes import PacketType
from ptpkit.proto.framing import DEFAULT_MAX_PACKET_SIZE, DataChunk, PacketReader, ReaderItem
from ptpkit.proto.packets import Data, EndData, OperationRequest, ProbeRequest, UnknownPacket

GOLDEN_IDS = [g.name for g in GOLDEN_PACKETS]
STREAM = b"".join(g.data for g in GOLDEN_PACKETS)
STREAM_PACKETS = [g.packet for g in GOLDEN_PACKETS]


def data_header(ptype: int, tid: int, payload_length: int) -> bytes:
    """Length, type and transaction id of a Data (10) / End Data (12) packet."""
    return (
        (12 + payload_length).to_bytes(4, "little")
        + ptype.to_bytes(4, "little")
        + tid.to_bytes(4, "little")
    )


# -- any split gives the same packets ---------------------------------------------------------


@pytest.mark.parametrize("golden", GOLDEN_PACKETS, ids=GOLDEN_IDS)
def test_each_golden_packet_whole_and_bytewise(golden: Golden) -> None:
    whole = PacketReader()
    whole.feed(golden.data)
    assert reassemble(drain_reader(whole)) == [golden.packet]
    assert whole.at_packet_boundary
    assert whole.packets_read == 1

    bytewise = PacketReader()
    assert reassemble(feed_bytewise(bytewise, golden.data)) == [golden.packet]
    assert bytewise.at_packet_boundary
    assert bytewise.packets_read == 1


def test_the_golden_stream_in_one_feed() -> None:
    reader = PacketReader()
    reader.feed(STREAM)
    assert reassemble(drain_reader(reader)) == STREAM_PACKETS
    assert reader.packets_read == len(STREAM_PACKETS)
    assert reader.buffered == 0


def test_the_golden_stream_one_byte_at_a_time() -> None:
    reader = PacketReader()
    assert reassemble(feed_bytewise(reader, STREAM)) == STREAM_PACKETS


@pytest.mark.parametrize("seed", range(25))
def test_the_golden_stream_in_random_splits(seed: int) -> None:
    rng = random.Random(seed)
    cuts = [rng.randrange(1, len(STREAM)) for _ in range(rng.randrange(1, 60))]
    reader = PacketReader()
    assert reassemble(feed_in_pieces(reader, split_at(STREAM, cuts))) == STREAM_PACKETS
    assert reader.at_packet_boundary


def test_feeding_everything_before_reading() -> None:
    """Several feeds without reading in between, then one drain."""
    reader = PacketReader()
    for piece in split_at(STREAM, range(7, len(STREAM), 13)):
        reader.feed(piece)
    assert reassemble(drain_reader(reader)) == STREAM_PACKETS


def test_reader_is_an_iterator() -> None:
    reader = PacketReader()
    reader.feed(h("08000000 0d000000 08000000 0d000000 0800"))
    assert list(reader) == [ProbeRequest(), ProbeRequest()]
    assert reader.buffered == 2


def test_needs_more_bytes_returns_none_and_keeps_state() -> None:
    reader = PacketReader()
    reader.feed(h("12000000 06000000 01000000 01"))
    assert reader.next_item() is None
    assert reader.next_item() is None  # asking again changes nothing
    reader.feed(h("10 00000000"))
    assert reader.next_item() == OperationRequest(1, 0x1001, 0, ())
    assert reader.next_item() is None


# -- framing errors ------------------------------------------------------------------------------


@pytest.mark.parametrize("length", range(8))
def test_length_below_the_header_is_a_decode_error(length: int) -> None:
    reader = PacketReader()
    reader.feed(length.to_bytes(4, "little") + h("0d000000"))
    with pytest.raises(DecodeError):
        reader.next_item()


@pytest.mark.parametrize("ptype", [PacketType.Data, PacketType.EndData])
@pytest.mark.parametrize("length", [8, 9, 10, 11])
def test_data_packet_without_room_for_a_transaction_id(ptype: int, length: int) -> None:
    reader = PacketReader()
    reader.feed(length.to_bytes(4, "little") + ptype.to_bytes(4, "little"))
    with pytest.raises(DecodeError):
        reader.next_item()


def test_default_cap_is_one_mebibyte() -> None:
    assert DEFAULT_MAX_PACKET_SIZE == 1 << 20
    assert PacketReader().max_packet_size == 1 << 20


@pytest.mark.parametrize("ptype", [1, 2, 6, 7, 8, 9, 0x63, 0])
def test_control_packet_over_the_default_cap_fails_on_its_header(ptype: int) -> None:
    """Only the 8-byte header is fed: the reader must refuse before buffering the body."""
    reader = PacketReader()
    reader.feed(((1 << 20) + 1).to_bytes(4, "little") + ptype.to_bytes(4, "little"))
    with pytest.raises(RemoteProtocolError):
        reader.next_item()


def test_control_packet_at_the_cap_is_waited_for() -> None:
    reader = PacketReader()
    reader.feed((1 << 20).to_bytes(4, "little") + h("63000000"))
    assert reader.next_item() is None
    reader.feed(bytes((1 << 20) - 8))
    assert reader.next_item() == UnknownPacket(0x63, bytes((1 << 20) - 8))


def test_custom_cap() -> None:
    reader = PacketReader(max_packet_size=64)
    reader.feed((64).to_bytes(4, "little") + h("63000000") + bytes(56))
    assert drain_reader(reader) == [UnknownPacket(0x63, bytes(56))]
    reader.feed((65).to_bytes(4, "little") + h("06000000"))
    with pytest.raises(RemoteProtocolError):
        reader.next_item()
    assert reader.buffered == 8


def test_control_length_near_u32_max_is_refused_at_once() -> None:
    reader = PacketReader()
    reader.feed(h("ffffffff 07000000"))
    with pytest.raises(RemoteProtocolError):
        reader.next_item()


def test_malformed_control_packet_is_a_decode_error() -> None:
    reader = PacketReader()
    reader.feed(h("0a000000 03000000 0100"))  # InitEventRequest with a 2-byte payload
    with pytest.raises(DecodeError):
        reader.next_item()


# -- EOF ------------------------------------------------------------------------------------------


def test_eof_at_a_packet_boundary_is_clean() -> None:
    reader = PacketReader()
    reader.feed(h("08000000 0d000000"))
    reader.feed(b"")
    assert drain_reader(reader) == [ProbeRequest()]
    assert reader.next_item() is None


@pytest.mark.parametrize(
    "partial",
    [
        "08",  # inside the length
        "12000000 06",  # inside the type
        "12000000 06000000 01000000",  # inside a control payload
        "0f000000 0a000000 02",  # inside a data packet's transaction id
        "0f000000 0a000000 02000000 61",  # inside a data payload
        "0c000000 0c000000",  # an End Data header and nothing more
    ],
)
def test_eof_in_the_middle_of_a_packet_is_a_decode_error(partial: str) -> None:
    reader = PacketReader()
    reader.feed(h(partial))
    drain_reader(reader)  # whatever can be handed out before the close
    reader.feed(b"")
    with pytest.raises(DecodeError):
        reader.next_item()


# -- Data / End Data are streamed ------------------------------------------------------------------


def test_data_payload_arrives_as_chunks_with_first_and_last() -> None:
    reader = PacketReader()
    reader.feed(h("0f000000 0a000000 02000000 61"))
    first = reader.next_item()
    assert first == DataChunk(10, 2, b"a", first=True, last=False, packet_length=15)
    assert reader.next_item() is None
    assert reader.in_data_payload
    reader.feed(h("62"))
    assert reader.next_item() == DataChunk(10, 2, b"b", first=False, last=False, packet_length=15)
    reader.feed(h("63 0e000000"))
    assert reader.next_item() == DataChunk(10, 2, b"c", first=False, last=True, packet_length=15)
    assert not reader.in_data_payload
    assert reader.next_item() is None
    reader.feed(h("0c000000 02000000 0102"))
    chunk = reader.next_item()
    assert chunk == DataChunk(12, 2, b"\x01\x02", first=True, last=True, packet_length=14)
    assert isinstance(chunk, DataChunk)
    assert chunk.is_end_data


@pytest.mark.parametrize("ptype", [PacketType.EndData, PacketType.Data])
def test_empty_data_packet_is_one_chunk_with_both_flags(ptype: int) -> None:
    reader = PacketReader()
    reader.feed(data_header(ptype, 5, 0))
    assert drain_reader(reader) == [
        DataChunk(ptype, 5, b"", first=True, last=True, packet_length=12)
    ]
    assert reader.at_packet_boundary


def test_data_header_without_payload_yields_nothing_yet() -> None:
    reader = PacketReader()
    reader.feed(data_header(PacketType.Data, 3, 10))
    assert reader.next_item() is None
    assert reader.in_data_payload
    assert reader.buffered == 0


def test_data_packet_far_above_the_cap_streams_with_bounded_buffering() -> None:
    """8 MiB in one Data packet, fed in 64 KiB pieces, with a 1 MiB control cap."""
    feed_size = 64 * 1024
    total = 8 * 1024 * 1024
    reader = PacketReader()
    reader.feed(data_header(PacketType.Data, 7, total))
    received = 0
    chunks = 0
    firsts = lasts = 0
    for index in range(total // feed_size):
        reader.feed(bytes([index % 251]) * feed_size)
        assert reader.buffered <= feed_size + 12
        # The reader's own storage must not grow with the packet either.
        assert len(reader._buf) <= 2 * (feed_size + 12)
        for item in drain_reader(reader):
            assert isinstance(item, DataChunk)
            assert item.transaction_id == 7
            assert item.data == bytes([index % 251]) * len(item.data)
            received += len(item.data)
            chunks += 1
            firsts += item.first
            lasts += item.last
        assert reader.buffered == 0
    assert received == total
    assert (firsts, lasts) == (1, 1)
    assert chunks == total // feed_size
    assert reader.at_packet_boundary
    assert reader.packets_read == 1


def test_end_data_above_the_cap_also_streams() -> None:
    reader = PacketReader(max_packet_size=64)
    payload = bytes(range(256)) * 4
    reader.feed(data_header(PacketType.EndData, 1, len(payload)) + payload)
    assert reassemble(drain_reader(reader)) == [EndData(1, payload)]


def test_never_rescans_a_data_packet_fed_one_byte_at_a_time() -> None:
    """100 KB fed byte by byte: each byte comes out exactly once, in its own chunk, so the
    work is one step per byte (a reader that rescanned would also have to re-emit)."""
    size = 100_000
    payload = bytes(i % 256 for i in range(size))
    packet = data_header(PacketType.Data, 9, size) + payload
    reader = PacketReader()
    items = feed_bytewise(reader, packet)
    assert len(items) == size
    assert all(isinstance(i, DataChunk) and len(i.data) == 1 for i in items)
    assert reassemble(items) == [Data(9, payload)]
    assert reader.buffered == 0


def test_never_rescans_a_control_packet_fed_one_byte_at_a_time() -> None:
    """A large control packet fed byte by byte is decoded once, when its last byte comes."""
    size = 50_000
    packet = (size + 8).to_bytes(4, "little") + h("63000000") + bytes(size)
    reader = PacketReader()
    items = []
    for i in range(len(packet)):
        reader.feed(packet[i : i + 1])
        item = reader.next_item()
        if i < len(packet) - 1:
            assert item is None
            assert reader.packets_read == 0
        items.append(item)
    assert items[-1] == UnknownPacket(0x63, bytes(size))
    assert reader.packets_read == 1
    assert reader.buffered == 0


def test_data_then_control_in_one_feed() -> None:
    stream = h(
        "14000000 09000000 02000000 0500000000000000"  # StartData(2, 5)
        "0f000000 0a000000 02000000 616263"  # Data "abc"
        "0e000000 0c000000 02000000 6465"  # EndData "de"
        "0e000000 07000000 0120 02000000"  # Response OK
    )
    reader = PacketReader()
    reader.feed(stream)
    items = drain_reader(reader)
    assert [type(i).__name__ for i in items] == [
        "StartData",
        "DataChunk",
        "DataChunk",
        "OperationResponse",
    ]
    assert reader.packets_read == 4


# -- borrowed buffers (no copy of data payloads) -----------------------------------------------

#: A data phase big enough to cross many reads: Start Data, three Data packets, End Data,
#: Response, then a Probe Request — written by hand, not by our encoder.
_PAYLOADS = [bytes(range(256)) * 40, b"\x5a" * 7001, b"", b"tail-of-the-phase"]
BORROW_STREAM = (
    h("14000000 09000000 03000000")
    + sum(map(len, _PAYLOADS)).to_bytes(8, "little")
    + b"".join(data_header(10, 3, len(p)) + p for p in _PAYLOADS[:3])
    + data_header(12, 3, len(_PAYLOADS[3]))
    + _PAYLOADS[3]
    + h("0e000000 07000000 0120 03000000")
    + h("08000000 0d000000")
)


def _feed_borrowed(reader: PacketReader, pieces: list[bytes]) -> tuple[list[ReaderItem], int]:
    """Feed each piece through one reused buffer, the way an asyncio BufferedProtocol
    does: copied in, fed as a view, drained, then overwritten with garbage. Chunk data is
    copied out while it is valid; returns the items and how many chunks were views."""
    buf = bytearray(max(map(len, pieces)))
    view = memoryview(buf)
    items: list[ReaderItem] = []
    borrowed = 0
    for piece in pieces:
        buf[: len(piece)] = piece
        reader.feed(view[: len(piece)])
        while (item := reader.next_item()) is not None:
            if isinstance(item, DataChunk) and isinstance(item.data, memoryview):
                borrowed += 1
                item = DataChunk(
                    item.packet_type,
                    item.transaction_id,
                    bytes(item.data),
                    item.first,
                    item.last,
                    item.packet_length,
                )
            items.append(item)
        buf[:] = b"\xee" * len(buf)  # the next read lands here
    return items, borrowed


@pytest.mark.parametrize("seed", range(30))
def test_borrowed_feeds_survive_the_buffer_being_reused(seed: int) -> None:
    rng = random.Random(seed)
    cuts = [rng.randrange(1, len(BORROW_STREAM)) for _ in range(rng.randrange(1, 40))]
    pieces = split_at(BORROW_STREAM, cuts)
    plain = PacketReader()
    expected = reassemble(feed_in_pieces(plain, pieces))
    reader = PacketReader(borrow=True)
    items, _ = _feed_borrowed(reader, pieces)
    assert reassemble(items) == expected
    assert [type(p).__name__ for p in expected][-2:] == ["OperationResponse", "ProbeRequest"]
    assert reader.at_packet_boundary


def test_borrowed_payload_pieces_are_views_not_copies() -> None:
    # Cut inside the first Data payload: the rest of it arrives as reads of its own.
    pieces = split_at(BORROW_STREAM, range(100, 10000, 1000))
    reader = PacketReader(borrow=True)
    items, borrowed = _feed_borrowed(reader, pieces)
    assert borrowed >= 8
    assert reassemble(items) == reassemble(feed_in_pieces(PacketReader(), pieces))


def test_reads_that_start_at_a_packet_boundary_are_not_copied() -> None:
    # One read per packet, as when a sender writes whole packets and the reader keeps up
    # (many initiators on one emulator): each payload still arrives as a view, and the
    # packets in between are decoded straight from the read.
    cuts, at = [], 0
    while at < len(BORROW_STREAM):
        at += int.from_bytes(BORROW_STREAM[at : at + 4], "little")
        cuts.append(at)
    pieces = split_at(BORROW_STREAM, cuts[:-1])
    reader = PacketReader(borrow=True)
    items, borrowed = _feed_borrowed(reader, pieces)
    assert borrowed == len(_PAYLOADS)  # the empty one too
    assert reassemble(items) == reassemble(feed_in_pieces(PacketReader(), pieces))
    assert reader.at_packet_boundary


def test_borrowed_feed_before_draining_is_refused() -> None:
    reader = PacketReader(borrow=True)
    reader.feed(data_header(10, 1, 100))
    assert drain_reader(reader) == []
    reader.feed(memoryview(bytearray(b"x" * 100 + h("08000000 0d000000"))))
    chunk = reader.next_item()  # the payload; the Probe Request is still in the view
    assert isinstance(chunk, DataChunk) and chunk.last
    with pytest.raises(RuntimeError):
        reader.feed(memoryview(bytearray(b"y" * 10)))


def test_without_borrowing_chunks_are_bytes() -> None:
    reader = PacketReader()
    items = feed_in_pieces(reader, split_at(BORROW_STREAM, range(100, 10000, 1000)))
    assert all(isinstance(i.data, bytes) for i in items if isinstance(i, DataChunk))
