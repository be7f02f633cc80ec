"""How the responder imitates two habits of simple cameras' TCP code (see
:class:`~ptpkit.aio.server_options.Quirk`), without I/O of its own:

* :func:`packet_writes`: what was queued at once, cut into one write per packet, with a
  Data / End Data packet's 12-byte header apart from its payload (``Quirk.NAGLE``);
* :class:`WholePacketReads`: whether each read brought only whole packets, as a camera
  that reads each packet with one ``recv`` needs (``Quirk.ONE_RECV_PER_PACKET``).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from ptpkit.proto.codes import PacketType

__all__ = ["ONE_RECV_LIMIT", "WholePacketReads", "packet_writes"]

#: Packets up to this size, and the packets of data phases up to this size, must arrive
#: in one read. Bigger ones are streamed by such cameras too (and a single write that big
#: may leave in more than one TCP segment even on loopback).
ONE_RECV_LIMIT = 32 << 10

_HEADER = struct.Struct("<II")
_DATA_TYPES = (int(PacketType.Data), int(PacketType.EndData))
_DATA_HEADER = 12
_START_DATA = int(PacketType.StartData)
_REQUEST = int(PacketType.OperationRequest)
_START_DATA_LENGTH = 20  # header, transaction id, u64 total length
_UNKNOWN_LENGTH = 0xFFFFFFFFFFFFFFFF


def packet_writes(data: bytes | bytearray | memoryview) -> Iterator[bytes]:
    """The packets in ``data``, one piece each; a Data / End Data packet with a payload
    gives its header and its payload as two pieces. Bytes that do not form a whole
    packet (never queued by a session) come last, as they are."""
    view = memoryview(data)
    size = len(view)
    pos = 0
    while pos + 8 <= size:
        length, ptype = _HEADER.unpack_from(view, pos)
        if length < 8 or pos + length > size:
            break
        if ptype in _DATA_TYPES and length > _DATA_HEADER:
            yield bytes(view[pos : pos + _DATA_HEADER])
            yield bytes(view[pos + _DATA_HEADER : pos + length])
        else:
            yield bytes(view[pos : pos + length])
        pos += length
    if pos < size:
        yield bytes(view[pos:])


class WholePacketReads:
    """Follows the packets of one connection across reads and tells, for each read,
    whether it ended inside a small packet: a packet of up to :data:`ONE_RECV_LIMIT`
    bytes that is not part of a data phase announced bigger than that.

    A read that filled the reader's whole buffer is not held against the sender (the cut
    is the reader's). Malformed lengths are left to the session, which rejects them.
    """

    __slots__ = ("_big_phase", "_exempt", "_head", "_left", "_length", "_type")

    def __init__(self) -> None:
        self._head = bytearray()  # the first bytes of the packet under way (up to 20)
        self._length = 0  # its length, once its header is in
        self._type = 0
        self._left = 0  # bytes of it still to come after the head
        self._exempt = False  # it may take several reads
        self._big_phase = False  # inside a data phase announced bigger than the limit

    def feed(self, data: bytes | bytearray | memoryview, *, full: bool = False) -> bool:
        """Account for one read; False when it ended inside a small packet (and did not
        fill the reader's buffer)."""
        view = memoryview(data)
        size = len(view)
        pos = 0
        while pos < size:
            if self._left:
                take = min(self._left, size - pos)
                pos += take
                self._left -= take
                if not self._left:
                    self._end_packet()
                continue
            head = self._head
            if len(head) < 8:
                take = min(8 - len(head), size - pos)
                head += view[pos : pos + take]
                pos += take
                if len(head) < 8:
                    break
                length, self._type = _HEADER.unpack_from(head)
                self._length = max(length, 8)
                self._exempt = self._length > ONE_RECV_LIMIT or (
                    self._big_phase and self._type in _DATA_TYPES
                )
            want = min(self._length, _START_DATA_LENGTH)
            if len(head) < want:
                take = min(want - len(head), size - pos)
                head += view[pos : pos + take]
                pos += take
                if len(head) < want:
                    break
            self._left = self._length - len(head)
            if not self._left:
                self._end_packet()
        return full or not self.inside_packet or self._exempt

    @property
    def inside_packet(self) -> bool:
        """True when the last read ended inside a packet."""
        return bool(self._head) or self._left > 0

    def _end_packet(self) -> None:
        head, ptype = self._head, self._type
        if ptype == _REQUEST:
            self._big_phase = False
        elif ptype == _START_DATA and len(head) >= _START_DATA_LENGTH:
            total = int.from_bytes(head[12:20], "little")
            self._big_phase = total == _UNKNOWN_LENGTH or total > ONE_RECV_LIMIT
        self._head = bytearray()
        self._exempt = False
