"""Test plumbing for the sans-IO core, shared by the unit, property and integration tests.

Import it as ``from helpers import ...`` (``tests/`` is on ``sys.path`` because
``tests/conftest.py`` lives there).

What is here:

* :data:`GOLDEN_PACKETS`: one byte vector per packet layout, **written by hand as hex from
  the reference tables** (``shared/reference/ptpip-reference.md`` §1.3/§1.4), next to the
  packet object it must decode to. Never generate these with our own encoder.
* :func:`feed_bytewise`, :func:`feed_in_pieces`, :func:`drain_reader`,
  :func:`reassemble`, :func:`decode_stream`: feed a :class:`PacketReader` (or a session)
  in any split and turn what comes out into comparable values.
* :class:`SessionPair`: an :class:`InitiatorSession` and a :class:`ResponderSession`
  joined in memory, optionally delivering every byte on its own.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Union

from ptpkit.proto.codes import OperationCode, PacketType, ResponseCode
from ptpkit.proto.events import (
    Channel,
    CommandAckReceived,
    DataReceived,
    EventChannelRequested,
    HandshakeCompleted,
    InitiatorConnected,
    OperationRequested,
    ResponseReceived,
    Role,
    SessionEvent,
)
from ptpkit.proto.framing import DataChunk, PacketReader, ReaderItem
from ptpkit.proto.initiator import InitiatorSession
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
    Packet,
    ProbeRequest,
    ProbeResponse,
    StartData,
    UnknownPacket,
)
from ptpkit.proto.responder import ResponderSession

__all__ = [
    "CONNECTION_NUMBER",
    "GOLDEN_PACKETS",
    "INITIATOR_GUID",
    "INITIATOR_NAME",
    "RESPONDER_GUID",
    "RESPONDER_NAME",
    "Golden",
    "SessionPair",
    "Side",
    "decode_stream",
    "drain_reader",
    "feed_bytewise",
    "feed_in_pieces",
    "h",
    "merge_data_events",
    "reassemble",
    "split_at",
]

INITIATOR_GUID = bytes.fromhex("00112233445566778899aabbccddeeff")
RESPONDER_GUID = bytes.fromhex("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf")
INITIATOR_NAME = "vm"  # what gphoto2 sent in shared/reference/gphoto2-interop.md
RESPONDER_NAME = "cam"
CONNECTION_NUMBER = 7


def h(text: str) -> bytes:
    """Bytes from hex written with any spacing: ``h("0c000000 03000000")``."""
    return bytes.fromhex(text)


# -- golden vectors -------------------------------------------------------------------------


@dataclass(frozen=True)
class Golden:
    """One hand-written packet: ``hex`` is the whole packet as it goes on the wire."""

    name: str
    hex: str
    packet: Packet

    @property
    def data(self) -> bytes:
        return h(self.hex)


_G = "00112233445566778899aabbccddeeff"  # INITIATOR_GUID as hex
_RG = "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"  # RESPONDER_GUID as hex

#: Reference §1.3 layouts as hex. Length fields were counted by hand (noted where useful).
GOLDEN_PACKETS: tuple[Golden, ...] = (
    # 24 + 2*(2+1) + 4 = 34 = 0x22, exactly what gphoto2 sent from the host "vm".
    Golden(
        "InitCommandRequest-gphoto2",
        f"22000000 01000000 {_G} 7600 6d00 0000 00000100",
        InitCommandRequest(INITIATOR_GUID, "vm", 0x00010000),
    ),
    # theta4j sends 0x00000100; PTPY's major/minor swap reads as 0x00000064.
    Golden(
        "InitCommandRequest-version-0x100",
        f"22000000 01000000 {_G} 7600 6d00 0000 00010000",
        InitCommandRequest(INITIATOR_GUID, "vm", 0x00000100),
    ),
    Golden(
        "InitCommandRequest-version-0x64",
        f"22000000 01000000 {_G} 7600 6d00 0000 64000000",
        InitCommandRequest(INITIATOR_GUID, "vm", 0x00000064),
    ),
    # Non-ASCII name: "é" is U+00E9 → e9 00. 24 + 2*(1+1) + 4 = 32 = 0x20.
    Golden(
        "InitCommandRequest-non-ascii-name",
        f"20000000 01000000 {_G} e900 0000 00000100",
        InitCommandRequest(INITIATOR_GUID, "\u00e9", 0x00010000),
    ),
    # Empty name: just the NUL. 24 + 2 + 4 = 30 = 0x1e.
    Golden(
        "InitCommandRequest-empty-name",
        f"1e000000 01000000 {_G} 0000 00000100",
        InitCommandRequest(INITIATOR_GUID, "", 0x00010000),
    ),
    # 28 + 2*(3+1) + 4 = 40 = 0x28.
    Golden(
        "InitCommandAck",
        f"28000000 02000000 07000000 {_RG} 6300 6100 6d00 0000 00000100",
        InitCommandAck(7, RESPONDER_GUID, "cam", 0x00010000),
    ),
    Golden("InitEventRequest", "0c000000 03000000 07000000", InitEventRequest(7)),
    Golden("InitEventAck", "08000000 04000000", InitEventAck()),
    Golden("InitFail-rejected", "0c000000 05000000 01000000", InitFail(1)),
    Golden("InitFail-busy", "0c000000 05000000 02000000", InitFail(2)),
    Golden("InitFail-unspecified", "0c000000 05000000 03000000", InitFail(3)),
    # Fujifilm puts a PTP response code there: kept as a plain number.
    Golden("InitFail-fuji-0x201d", "0c000000 05000000 1d200000", InitFail(0x201D)),
    # 18 bytes, no params, as gphoto2 sends GetDeviceInfo.
    Golden(
        "OperationRequest-GetDeviceInfo",
        "12000000 06000000 01000000 0110 00000000",
        OperationRequest(1, 0x1001, 0, ()),
    ),
    # OpenSession(SessionID 1) with TID 0: 18 + 4 = 22 = 0x16.
    Golden(
        "OperationRequest-OpenSession",
        "16000000 06000000 01000000 0210 00000000 01000000",
        OperationRequest(1, 0x1002, 0, (1,)),
    ),
    # GetObjectHandles(0x00010001, 0, 0xFFFFFFFF), TID 4: 18 + 12 = 30 = 0x1e.
    Golden(
        "OperationRequest-GetObjectHandles",
        "1e000000 06000000 01000000 0710 04000000 01000100 00000000 ffffffff",
        OperationRequest(1, 0x1007, 4, (0x00010001, 0, 0xFFFFFFFF)),
    ),
    # SendObject with DataPhaseInfo 2 (data out), TID 9.
    Golden(
        "OperationRequest-SendObject-dataout",
        "12000000 06000000 02000000 0d10 09000000",
        OperationRequest(2, 0x100D, 9, ()),
    ),
    # theta4j always sends five parameters, zero-padded: 18 + 20 = 38 = 0x26.
    Golden(
        "OperationRequest-padded-5",
        "26000000 06000000 01000000 0810 03000000 05000000 00000000 00000000 00000000 00000000",
        OperationRequest(1, 0x1008, 3, (5, 0, 0, 0, 0)),
    ),
    Golden(
        "OperationResponse-OK",
        "0e000000 07000000 0120 00000000",
        OperationResponse(0x2001, 0, ()),
    ),
    # SendObjectInfo's three response params: storage, parent, handle. 14 + 12 = 26 = 0x1a.
    Golden(
        "OperationResponse-OK-3-params",
        "1a000000 07000000 0120 05000000 01000100 ffffffff 2a000000",
        OperationResponse(0x2001, 5, (0x00010001, 0xFFFFFFFF, 0x2A)),
    ),
    # Five params (the maximum): 14 + 20 = 34 = 0x22.
    Golden(
        "OperationResponse-5-params",
        "22000000 07000000 1e20 00000000 01000000 02000000 03000000 04000000 05000000",
        OperationResponse(0x201E, 0, (1, 2, 3, 4, 5)),
    ),
    # ObjectAdded(0x2a) not tied to a transaction: TID 0xFFFFFFFF. 14 + 4 = 18.
    Golden(
        "Event-ObjectAdded",
        "12000000 08000000 0240 ffffffff 2a000000",
        Event(0x4002, 0xFFFFFFFF, (0x2A,)),
    ),
    Golden(
        "Event-CaptureComplete-no-params",
        "0e000000 08000000 0d40 03000000",
        Event(0x400D, 3, ()),
    ),
    # theta4j pads events to three parameters: 14 + 12 = 26 = 0x1a.
    Golden(
        "Event-padded-3",
        "1a000000 08000000 0240 03000000 2a000000 00000000 00000000",
        Event(0x4002, 3, (0x2A, 0, 0)),
    ),
    # TotalDataLength is a u64: 0x1234.
    Golden(
        "StartData",
        "14000000 09000000 02000000 3412000000000000",
        StartData(2, 0x1234),
    ),
    Golden(
        "StartData-zero",
        "14000000 09000000 02000000 0000000000000000",
        StartData(2, 0),
    ),
    Golden(
        "StartData-unknown-length",
        "14000000 09000000 02000000 ffffffffffffffff",
        StartData(2, 0xFFFFFFFFFFFFFFFF),
    ),
    # 4 GiB + 1 needs the high half of the u64.
    Golden(
        "StartData-over-4GiB",
        "14000000 09000000 02000000 0100000001000000",
        StartData(2, 0x1_0000_0001),
    ),
    Golden("Data", "0f000000 0a000000 02000000 616263", Data(2, b"abc")),
    Golden("Data-empty", "0c000000 0a000000 02000000", Data(2, b"")),
    Golden("EndData", "0e000000 0c000000 02000000 0102", EndData(2, b"\x01\x02")),
    Golden("EndData-empty", "0c000000 0c000000 02000000", EndData(2, b"")),
    Golden("Cancel", "0c000000 0b000000 09000000", Cancel(9)),
    Golden("ProbeRequest", "08000000 0d000000", ProbeRequest()),
    Golden("ProbeResponse", "08000000 0e000000", ProbeResponse()),
    Golden("Unknown-0x63", "0a000000 63000000 dead", UnknownPacket(0x63, b"\xde\xad")),
    Golden("Unknown-type-0", "08000000 00000000", UnknownPacket(0, b"")),
)


# -- feeding a reader ---------------------------------------------------------------------


def drain_reader(reader: PacketReader) -> list[ReaderItem]:
    """Every item the reader can hand out now."""
    items: list[ReaderItem] = []
    while (item := reader.next_item()) is not None:
        items.append(item)
    return items


def feed_in_pieces(reader: PacketReader, pieces: Iterable[bytes]) -> list[ReaderItem]:
    """Feed each piece, draining the reader after each one; return everything handed out."""
    items: list[ReaderItem] = []
    for piece in pieces:
        reader.feed(piece)
        items += drain_reader(reader)
    return items


def split_at(data: bytes, cuts: Iterable[int]) -> list[bytes]:
    """``data`` cut at the given offsets (sorted, deduplicated, out-of-range ignored)."""
    points = sorted({c for c in cuts if 0 < c < len(data)})
    bounds = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


Target = Union[PacketReader, InitiatorSession, ResponderSession]


def feed_bytewise(
    target: Target,
    data: bytes,
    *,
    channel: Channel = Channel.COMMAND,
    now: float = 0.0,
) -> list[Any]:
    """Feed ``data`` one byte at a time, taking everything out after each byte.

    For a :class:`PacketReader` this returns its items (packets and DataChunks); for a
    session, its events (``receive_data(channel, byte, now)`` then ``next_event()``
    until ``None``). Errors propagate from the byte that causes them.
    """
    out: list[Any] = []
    for i in range(len(data)):
        piece = data[i : i + 1]
        if isinstance(target, PacketReader):
            target.feed(piece)
            out += drain_reader(target)
        else:
            target.receive_data(channel, piece, now)
            while (event := target.next_event()) is not None:
                out.append(event)
    return out


def reassemble(items: Iterable[ReaderItem]) -> list[Packet]:
    """Reader output with the DataChunks of each Data / End Data glued back into a packet.

    Also checks the chunk flags: exactly one ``first`` and one ``last`` per packet, and
    the same transaction id and packet type throughout.
    """
    packets: list[Packet] = []
    pending: list[DataChunk] = []
    for item in items:
        if not isinstance(item, DataChunk):
            assert not pending, f"{item!r} arrived inside a data packet"
            packets.append(item)
            continue
        assert item.first == (not pending), "first flag wrong"
        if pending:
            assert item.packet_type == pending[0].packet_type
            assert item.transaction_id == pending[0].transaction_id
        pending.append(item)
        if item.last:
            payload = b"".join(c.data for c in pending)
            assert pending[0].packet_length == 12 + len(payload)
            cls = EndData if item.packet_type == PacketType.EndData else Data
            packets.append(cls(item.transaction_id, payload))
            pending = []
    assert not pending, "stream ended inside a data packet"
    return packets


def decode_stream(data: bytes) -> list[Packet]:
    """A concatenation of whole packets, decoded (through the framing layer)."""
    reader = PacketReader(max_packet_size=1 << 30)
    reader.feed(data)
    packets = reassemble(drain_reader(reader))
    assert reader.buffered == 0, "trailing partial packet"
    return packets


def merge_data_events(events: Iterable[SessionEvent]) -> list[SessionEvent]:
    """Consecutive DataReceived events of one transaction merged into one.

    How a data phase is cut into DataReceived events depends on how the bytes arrived;
    after merging, a whole-packet delivery and a byte-at-a-time one give equal lists.
    """
    merged: list[SessionEvent] = []
    for event in events:
        last = merged[-1] if merged else None
        if (
            isinstance(event, DataReceived)
            and isinstance(last, DataReceived)
            and last.transaction_id == event.transaction_id
        ):
            merged[-1] = DataReceived(event.transaction_id, last.data + event.data)
        else:
            merged.append(event)
    return merged


# -- an initiator and a responder joined in memory ---------------------------------------

Side = Union[Role, InitiatorSession, ResponderSession]


class SessionPair:
    """An :class:`InitiatorSession` and a :class:`ResponderSession` wired back to back.

    * :meth:`pump` moves what each side queued (``data_to_send()``) into the other side's
      ``receive_data(channel, ...)``, processing the receiver's events after every
      delivery, and repeats until neither side has anything left to send. Events are
      kept until :meth:`events` takes them; a protocol error raised while processing
      comes out of :meth:`pump`.
    * With ``bytewise=True`` every delivery (pump and :meth:`inject`) is made one byte at
      a time, with the events processed after each byte, so every scenario can be run
      against the worst possible split.
    * ``now`` is the time handed to the sessions; tests move it forward by hand.
    * :attr:`wire` records every packet :meth:`pump` delivered, decoded, as
      ``(sender, channel, packet)``; :meth:`take_wire` returns and clears it.

    A side is named by :class:`Role` or by the session object itself.
    """

    def __init__(
        self,
        *,
        bytewise: bool = False,
        initiator_options: dict[str, Any] | None = None,
        responder_options: dict[str, Any] | None = None,
        now: float = 0.0,
    ) -> None:
        self.bytewise = bytewise
        self.now = now
        self.initiator = InitiatorSession(
            INITIATOR_GUID, INITIATOR_NAME, **(initiator_options or {})
        )
        self.responder = ResponderSession(
            CONNECTION_NUMBER, RESPONDER_GUID, RESPONDER_NAME, **(responder_options or {})
        )
        self._backlog: dict[Role, list[SessionEvent]] = {
            Role.INITIATOR: [],
            Role.RESPONDER: [],
        }
        self.wire: list[tuple[Role, Channel, Packet]] = []

    # -- naming sides ---------------------------------------------------------------
    @staticmethod
    def role_of(side: Side) -> Role:
        if isinstance(side, Role):
            return side
        return side.role

    def session(self, side: Side) -> InitiatorSession | ResponderSession:
        role = self.role_of(side)
        return self.initiator if role is Role.INITIATOR else self.responder

    # -- moving bytes -----------------------------------------------------------------
    def pump(self) -> int:
        """Deliver both ways until quiet; returns the number of bytes moved."""
        moved = 0
        while True:
            to_responder = self.initiator.data_to_send()
            for channel, data in to_responder:
                self._record(Role.INITIATOR, channel, data)
                self._deliver(Role.RESPONDER, channel, data)
            to_initiator = self.responder.data_to_send()
            for channel, data in to_initiator:
                self._record(Role.RESPONDER, channel, data)
                self._deliver(Role.INITIATOR, channel, data)
            if not to_responder and not to_initiator:
                return moved
            moved += sum(len(d) for _, d in to_responder) + sum(len(d) for _, d in to_initiator)

    def take_wire(self, sender: Side | None = None) -> list[tuple[Channel, Packet]]:
        """The packets delivered by :meth:`pump` since the last call, oldest first, as
        ``(channel, packet)``; only those ``sender`` sent when it is given."""
        role = None if sender is None else self.role_of(sender)
        taken = [(c, p) for r, c, p in self.wire if role is None or r is role]
        self.wire = [] if role is None else [w for w in self.wire if w[0] is not role]
        return taken

    def _record(self, sender: Role, channel: Channel, data: bytes) -> None:
        self.wire += [(sender, channel, packet) for packet in decode_stream(data)]

    def inject(self, side: Side, channel: Channel, data: bytes) -> None:
        """Hand raw bytes (e.g. a hand-written packet) to one side, as if from its peer.

        ``b""`` closes the connection. Honours ``bytewise``.
        """
        self._deliver(self.role_of(side), channel, data)

    def sent(self, side: Side) -> list[tuple[Channel, Packet]]:
        """Take what ``side`` has queued, without delivering it, as decoded packets."""
        out: list[tuple[Channel, Packet]] = []
        for channel, data in self.session(side).data_to_send():
            out += [(channel, packet) for packet in decode_stream(data)]
        return out

    def events(self, side: Side, *, merge_data: bool = True) -> list[SessionEvent]:
        """Every event ``side`` has produced since the last call (``next_event()`` drained).

        With ``merge_data`` (the default) consecutive DataReceived events are merged,
        so the list does not depend on how the bytes were split.
        """
        role = self.role_of(side)
        self._drain(role)
        events, self._backlog[role] = self._backlog[role], []
        return merge_data_events(events) if merge_data else events

    def _deliver(self, role: Role, channel: Channel, data: bytes) -> None:
        session = self.session(role)
        if self.bytewise and data:
            for i in range(len(data)):
                session.receive_data(channel, data[i : i + 1], self.now)
                self._drain(role)
        else:
            session.receive_data(channel, data, self.now)
            self._drain(role)

    def _drain(self, role: Role) -> None:
        session = self.session(role)
        backlog = self._backlog[role]
        while (event := session.next_event()) is not None:
            backlog.append(event)

    # -- common openings ---------------------------------------------------------------
    def handshake(self) -> tuple[list[SessionEvent], list[SessionEvent]]:
        """Run the whole Init exchange (with ``accept()`` and ``accept_event_channel()``).

        Checks each step and returns every event seen, ``(initiator's, responder's)``.
        The handshake packets are left out of :attr:`wire`.
        """
        i_events: list[SessionEvent] = []
        r_events: list[SessionEvent] = []
        self.initiator.start(self.now)
        self.responder.start(self.now)
        self.pump()
        r_events += self._expect(
            Role.RESPONDER,
            [InitiatorConnected(INITIATOR_GUID, INITIATOR_NAME, 0x00010000)],
        )
        self.responder.accept(self.now)
        self.pump()
        i_events += self._expect(
            Role.INITIATOR,
            [CommandAckReceived(CONNECTION_NUMBER, RESPONDER_GUID, RESPONDER_NAME, 0x00010000)],
        )
        r_events += self._expect(Role.RESPONDER, [EventChannelRequested(CONNECTION_NUMBER)])
        self.responder.accept_event_channel(self.now)
        r_events += self._expect(
            Role.RESPONDER,
            [HandshakeCompleted(CONNECTION_NUMBER, INITIATOR_GUID, INITIATOR_NAME)],
        )
        self.pump()
        i_events += self._expect(
            Role.INITIATOR,
            [HandshakeCompleted(CONNECTION_NUMBER, RESPONDER_GUID, RESPONDER_NAME)],
        )
        self.wire.clear()
        return i_events, r_events

    def open_session(self, session_id: int = 1) -> None:
        """OpenSession(session_id) with transaction id 0, answered OK (not kept in :attr:`wire`)."""
        tid = self.initiator.send_request(OperationCode.OpenSession, (session_id,), now=self.now)
        assert tid == 0
        self.pump()
        self._expect(
            Role.RESPONDER,
            [OperationRequested(OperationCode.OpenSession, 0, (session_id,), 1, False)],
        )
        self.responder.send_response(ResponseCode.OK, now=self.now)
        self.pump()
        self._expect(Role.INITIATOR, [ResponseReceived(ResponseCode.OK, 0, ())])
        self.wire.clear()

    def _expect(self, side: Side, expected: Sequence[SessionEvent]) -> list[SessionEvent]:
        got = self.events(side)
        assert got == list(expected), f"{self.role_of(side).value}: {got!r} != {expected!r}"
        return got
