"""The 14 PTP/IP packet types of CIPA DC-005, each a frozen dataclass, and the dispatch
table that decodes a packet from its type (:data:`PACKET_CLASSES`, :func:`decode_payload`,
:func:`decode_packet`)."""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from typing import ClassVar, TypeVar, Union

from ptpkit.errors import DecodeError, LocalProtocolError
from ptpkit.proto.buffer import Buffer, pack_header
from ptpkit.proto.codes import PROTOCOL_VERSION_1_0, PacketType
from ptpkit.proto.packets.layouts import (
    _CODE_HEAD,
    _CODE_PACKETS,
    _CODE_PAYLOADS,
    _PARAMS,
    _REQUEST_HEAD,
    _REQUEST_PAYLOADS,
    _START_DATA_PAYLOAD,
    _U16_MAX,
    _U32_MAX,
    _U64_MAX,
    DATA_LENGTH_UNKNOWN,
    GUID_SIZE,
    HEADER_SIZE,
    MAX_EVENT_PARAMS,
    MAX_FRIENDLY_NAME_UNITS,
    MAX_OPERATION_PARAMS,
    request_packet,
    response_packet,
    start_data_packet,
)

__all__ = [
    "PACKET_CLASSES",
    "Cancel",
    "Data",
    "EndData",
    "Event",
    "InitCommandAck",
    "InitCommandRequest",
    "InitEventAck",
    "InitEventRequest",
    "InitFail",
    "OperationRequest",
    "OperationResponse",
    "Packet",
    "ProbeRequest",
    "ProbeResponse",
    "StartData",
    "UnknownPacket",
    "decode_packet",
    "decode_payload",
]

P = TypeVar("P", bound="_PacketBase")


def _check_u(value: int, limit: int, what: str) -> None:
    if not isinstance(value, int) or not 0 <= value <= limit:
        raise LocalProtocolError(f"{what} out of range: {value!r}")


def _check_guid(guid: bytes) -> None:
    if not isinstance(guid, bytes) or len(guid) != GUID_SIZE:
        raise LocalProtocolError(f"GUID must be {GUID_SIZE} bytes, got {guid!r}")


def _check_params(params: tuple[int, ...], limit: int, what: str) -> None:
    if len(params) > limit:
        raise LocalProtocolError(f"{what} takes at most {limit} parameters, got {len(params)}")
    for p in params:
        _check_u(p, _U32_MAX, "parameter")


def _encode_friendly_name(name: str) -> bytes:
    if not isinstance(name, str):
        raise LocalProtocolError(f"friendly name must be a str, got {name!r}")
    encoded = name.encode("utf-16-le", errors="surrogatepass")
    if len(encoded) // 2 > MAX_FRIENDLY_NAME_UNITS or "\x00" in name:
        raise LocalProtocolError(f"friendly name too long or contains NUL: {name!r}")
    return encoded


def _push_friendly_name(buf: Buffer, name: str) -> None:
    buf.push_bytes(_encode_friendly_name(name))
    buf.push_u16(0)


def _pull_friendly_name(buf: Buffer) -> str:
    """UTF-16LE up to a 0x0000 unit; no length prefix (unlike a PTP string)."""
    units = bytearray()
    while True:
        if buf.remaining() < 2:
            raise DecodeError("friendly name is not NUL-terminated")
        unit = buf.pull_bytes(2)
        if unit == b"\x00\x00":
            break
        units += unit
        if len(units) // 2 > MAX_FRIENDLY_NAME_UNITS:
            raise DecodeError("friendly name too long")
    return units.decode("utf-16-le", errors="replace")


def _pull_params(buf: Buffer, limit: int, what: str) -> tuple[int, ...]:
    rest = buf.remaining()
    if rest % 4:
        raise DecodeError(f"{what}: {rest} parameter bytes is not a multiple of 4")
    count = rest // 4
    if count > limit:
        raise DecodeError(f"{what}: {count} parameters, at most {limit} allowed")
    return buf.pull_fields(_PARAMS[count])


class _PacketBase:
    """Shared encode/decode plumbing; subclasses define the payload codec."""

    __slots__ = ()
    type: ClassVar[int]

    def push_payload(self, buf: Buffer) -> None:
        """Write the payload (everything after the header)."""

    @classmethod
    def pull_payload(cls: builtins.type[P], buf: Buffer) -> P:
        raise NotImplementedError

    def encode(self) -> bytes:
        body = Buffer()
        self.push_payload(body)
        payload = body.data()
        return pack_header(HEADER_SIZE + len(payload), self.type) + payload

    @classmethod
    def decode(cls: builtins.type[P], data: bytes | bytearray | memoryview) -> P:
        buf = Buffer(data)
        length, ptype = buf.pull_header()
        if length != len(data):
            raise DecodeError(f"length field {length} but {len(data)} bytes given")
        if ptype != cls.type:
            raise DecodeError(f"packet type {ptype} is not {cls.__name__} ({cls.type})")
        packet = cls.pull_payload(buf)
        buf.check_end(cls.__name__)
        return packet


@dataclass(frozen=True, slots=True)
class InitCommandRequest(_PacketBase):
    """Type 1, initiator → responder on the command connection."""

    guid: bytes
    friendly_name: str
    protocol_version: int = PROTOCOL_VERSION_1_0
    type: ClassVar[int] = PacketType.InitCommandRequest

    def __post_init__(self) -> None:
        _check_guid(self.guid)
        _encode_friendly_name(self.friendly_name)
        _check_u(self.protocol_version, _U32_MAX, "protocol version")

    def push_payload(self, buf: Buffer) -> None:
        buf.push_bytes(self.guid)
        _push_friendly_name(buf, self.friendly_name)
        buf.push_u32(self.protocol_version)

    @classmethod
    def pull_payload(cls, buf: Buffer) -> InitCommandRequest:
        guid = buf.pull_bytes(GUID_SIZE)
        name = _pull_friendly_name(buf)
        # A missing version (pre-CIPA initiators) reads as 1.0; anything is accepted.
        version = buf.pull_u32() if buf.remaining() >= 4 else PROTOCOL_VERSION_1_0
        return cls(guid, name, version)


@dataclass(frozen=True, slots=True)
class InitCommandAck(_PacketBase):
    """Type 2, responder → initiator on the command connection.

    ``protocol_version`` None: the packet ends after the friendly name, with no version
    field, as Sony bodies send it (decoded so, and encoded so: the same bytes back).
    """

    connection_number: int
    guid: bytes
    friendly_name: str
    protocol_version: int | None = PROTOCOL_VERSION_1_0
    type: ClassVar[int] = PacketType.InitCommandAck

    def __post_init__(self) -> None:
        _check_u(self.connection_number, _U32_MAX, "connection number")
        _check_guid(self.guid)
        _encode_friendly_name(self.friendly_name)
        if self.protocol_version is not None:
            _check_u(self.protocol_version, _U32_MAX, "protocol version")

    def push_payload(self, buf: Buffer) -> None:
        buf.push_u32(self.connection_number)
        buf.push_bytes(self.guid)
        _push_friendly_name(buf, self.friendly_name)
        if self.protocol_version is not None:
            buf.push_u32(self.protocol_version)

    @classmethod
    def pull_payload(cls, buf: Buffer) -> InitCommandAck:
        number = buf.pull_u32()
        guid = buf.pull_bytes(GUID_SIZE)
        name = _pull_friendly_name(buf)
        version = None if buf.eof() else buf.pull_u32()  # a cut version is refused
        # Some cameras pad the Ack after its version (zeros to a fixed size or a multiple
        # of 4): what follows is not ours to judge, and refusing it would refuse them.
        buf.pull_bytes(buf.remaining())
        return cls(number, guid, name, version)


@dataclass(frozen=True, slots=True)
class InitEventRequest(_PacketBase):
    """Type 3, initiator → responder on the event connection."""

    connection_number: int
    type: ClassVar[int] = PacketType.InitEventRequest

    def __post_init__(self) -> None:
        _check_u(self.connection_number, _U32_MAX, "connection number")

    def push_payload(self, buf: Buffer) -> None:
        buf.push_u32(self.connection_number)

    @classmethod
    def pull_payload(cls, buf: Buffer) -> InitEventRequest:
        return cls(buf.pull_u32())


@dataclass(frozen=True, slots=True)
class InitEventAck(_PacketBase):
    """Type 4, responder → initiator on the event connection. No payload."""

    type: ClassVar[int] = PacketType.InitEventAck

    @classmethod
    def pull_payload(cls, buf: Buffer) -> InitEventAck:
        return cls()


@dataclass(frozen=True, slots=True)
class InitFail(_PacketBase):
    """Type 5, responder → initiator on either connection; both sides then close.

    Reasons: 1 rejected initiator, 2 busy, 3 unspecified; any other value is kept as is
    (Fujifilm sends PTP response codes here).
    """

    reason: int
    type: ClassVar[int] = PacketType.InitFail

    def __post_init__(self) -> None:
        _check_u(self.reason, _U32_MAX, "Init Fail reason")

    def push_payload(self, buf: Buffer) -> None:
        buf.push_u32(self.reason)

    @classmethod
    def pull_payload(cls, buf: Buffer) -> InitFail:
        return cls(buf.pull_u32())


@dataclass(frozen=True, slots=True)
class OperationRequest(_PacketBase):
    """Type 6: DataPhaseInfo, operation code, transaction id, up to 5 parameters."""

    data_phase: int
    code: int
    transaction_id: int
    params: tuple[int, ...] = ()
    type: ClassVar[int] = PacketType.OperationRequest

    def __post_init__(self) -> None:
        _check_u(self.data_phase, _U32_MAX, "DataPhaseInfo")
        _check_u(self.code, _U16_MAX, "operation code")
        _check_u(self.transaction_id, _U32_MAX, "transaction id")
        _check_params(self.params, MAX_OPERATION_PARAMS, "OperationRequest")

    def push_payload(self, buf: Buffer) -> None:
        fields = _REQUEST_PAYLOADS[len(self.params)]
        buf.push_fields(fields, self.data_phase, self.code, self.transaction_id, *self.params)

    def encode(self) -> bytes:
        return request_packet(self.data_phase, self.code, self.transaction_id, self.params)

    @classmethod
    def pull_payload(cls, buf: Buffer) -> OperationRequest:
        data_phase, code, tid = buf.pull_fields(_REQUEST_HEAD)
        return cls(data_phase, code, tid, _pull_params(buf, MAX_OPERATION_PARAMS, "request"))


@dataclass(frozen=True, slots=True)
class OperationResponse(_PacketBase):
    """Type 7: response code, transaction id, up to 5 parameters."""

    code: int
    transaction_id: int
    params: tuple[int, ...] = ()
    type: ClassVar[int] = PacketType.OperationResponse

    def __post_init__(self) -> None:
        _check_u(self.code, _U16_MAX, "response code")
        _check_u(self.transaction_id, _U32_MAX, "transaction id")
        _check_params(self.params, MAX_OPERATION_PARAMS, "OperationResponse")

    def push_payload(self, buf: Buffer) -> None:
        buf.push_fields(
            _CODE_PAYLOADS[len(self.params)], self.code, self.transaction_id, *self.params
        )

    def encode(self) -> bytes:
        return response_packet(self.code, self.transaction_id, self.params)

    @classmethod
    def pull_payload(cls, buf: Buffer) -> OperationResponse:
        code, tid = buf.pull_fields(_CODE_HEAD)
        return cls(code, tid, _pull_params(buf, MAX_OPERATION_PARAMS, "response"))


@dataclass(frozen=True, slots=True)
class Event(_PacketBase):
    """Type 8, on the event connection: event code, transaction id, up to 3 parameters.

    The transaction id is the one the event belongs to (e.g. the InitiateCapture), or
    0xFFFFFFFF when it is tied to none.
    """

    code: int
    transaction_id: int
    params: tuple[int, ...] = ()
    type: ClassVar[int] = PacketType.Event

    def __post_init__(self) -> None:
        _check_u(self.code, _U16_MAX, "event code")
        _check_u(self.transaction_id, _U32_MAX, "transaction id")
        _check_params(self.params, MAX_EVENT_PARAMS, "Event")

    def push_payload(self, buf: Buffer) -> None:
        buf.push_fields(
            _CODE_PAYLOADS[len(self.params)], self.code, self.transaction_id, *self.params
        )

    def encode(self) -> bytes:
        fields = _CODE_PACKETS[len(self.params)]
        return fields.pack(fields.size, self.type, self.code, self.transaction_id, *self.params)

    @classmethod
    def pull_payload(cls, buf: Buffer) -> Event:
        code, tid = buf.pull_fields(_CODE_HEAD)
        return cls(code, tid, _pull_params(buf, MAX_EVENT_PARAMS, "event"))


@dataclass(frozen=True, slots=True)
class StartData(_PacketBase):
    """Type 9: opens a data phase; ``total_length`` is u64, 0xFFFF…FF meaning unknown."""

    transaction_id: int
    total_length: int
    type: ClassVar[int] = PacketType.StartData

    def __post_init__(self) -> None:
        _check_u(self.transaction_id, _U32_MAX, "transaction id")
        _check_u(self.total_length, _U64_MAX, "total data length")

    @property
    def length_known(self) -> bool:
        return self.total_length != DATA_LENGTH_UNKNOWN

    def push_payload(self, buf: Buffer) -> None:
        buf.push_fields(_START_DATA_PAYLOAD, self.transaction_id, self.total_length)

    def encode(self) -> bytes:
        return start_data_packet(self.transaction_id, self.total_length)

    @classmethod
    def pull_payload(cls, buf: Buffer) -> StartData:
        tid, total = buf.pull_fields(_START_DATA_PAYLOAD)
        return cls(tid, total)


@dataclass(frozen=True, slots=True)
class Data(_PacketBase):
    """Type 10: a piece of a data phase."""

    transaction_id: int
    payload: bytes = field(default=b"", repr=False)
    type: ClassVar[int] = PacketType.Data

    def __post_init__(self) -> None:
        _check_u(self.transaction_id, _U32_MAX, "transaction id")

    def push_payload(self, buf: Buffer) -> None:
        buf.push_u32(self.transaction_id)
        buf.push_bytes(self.payload)

    @classmethod
    def pull_payload(cls, buf: Buffer) -> Data:
        return cls(buf.pull_u32(), buf.pull_rest())


@dataclass(frozen=True, slots=True)
class Cancel(_PacketBase):
    """Type 11: cancel the transaction with this id (see docs/protocol.md)."""

    transaction_id: int
    type: ClassVar[int] = PacketType.Cancel

    def __post_init__(self) -> None:
        _check_u(self.transaction_id, _U32_MAX, "transaction id")

    def push_payload(self, buf: Buffer) -> None:
        buf.push_u32(self.transaction_id)

    @classmethod
    def pull_payload(cls, buf: Buffer) -> Cancel:
        return cls(buf.pull_u32())


@dataclass(frozen=True, slots=True)
class EndData(_PacketBase):
    """Type 12: the last piece of a data phase; its payload may be empty."""

    transaction_id: int
    payload: bytes = field(default=b"", repr=False)
    type: ClassVar[int] = PacketType.EndData

    def __post_init__(self) -> None:
        _check_u(self.transaction_id, _U32_MAX, "transaction id")

    def push_payload(self, buf: Buffer) -> None:
        buf.push_u32(self.transaction_id)
        buf.push_bytes(self.payload)

    @classmethod
    def pull_payload(cls, buf: Buffer) -> EndData:
        return cls(buf.pull_u32(), buf.pull_rest())


@dataclass(frozen=True, slots=True)
class ProbeRequest(_PacketBase):
    """Type 13 (the seed's "Ping"): the receiver must answer with a ProbeResponse."""

    type: ClassVar[int] = PacketType.ProbeRequest

    @classmethod
    def pull_payload(cls, buf: Buffer) -> ProbeRequest:
        return cls()


@dataclass(frozen=True, slots=True)
class ProbeResponse(_PacketBase):
    """Type 14 (the seed's "Pong", which it mislabels as 13)."""

    type: ClassVar[int] = PacketType.ProbeResponse

    @classmethod
    def pull_payload(cls, buf: Buffer) -> ProbeResponse:
        return cls()


@dataclass(frozen=True, slots=True)
class UnknownPacket:
    """A packet whose type ptpkit does not know, kept whole so it can be reported."""

    packet_type: int
    payload: bytes = field(default=b"", repr=False)

    @property
    def type(self) -> int:
        return self.packet_type

    def encode(self) -> bytes:
        return pack_header(HEADER_SIZE + len(self.payload), self.packet_type) + self.payload

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> UnknownPacket:
        buf = Buffer(data)
        length, ptype = buf.pull_header()
        if length != len(data):
            raise DecodeError(f"length field {length} but {len(data)} bytes given")
        return cls(ptype, buf.pull_rest())


Packet = Union[
    InitCommandRequest,
    InitCommandAck,
    InitEventRequest,
    InitEventAck,
    InitFail,
    OperationRequest,
    OperationResponse,
    Event,
    StartData,
    Data,
    Cancel,
    EndData,
    ProbeRequest,
    ProbeResponse,
    UnknownPacket,
]

#: Packet type number → class. The one dispatch table for decoding.
PACKET_CLASSES: dict[int, type[_PacketBase]] = {
    cls.type: cls
    for cls in (
        InitCommandRequest,
        InitCommandAck,
        InitEventRequest,
        InitEventAck,
        InitFail,
        OperationRequest,
        OperationResponse,
        Event,
        StartData,
        Data,
        Cancel,
        EndData,
        ProbeRequest,
        ProbeResponse,
    )
}


def decode_payload(ptype: int, payload: bytes | bytearray | memoryview) -> Packet:
    """Decode a packet from its type and payload (the bytes after the 8-byte header)."""
    cls = PACKET_CLASSES.get(ptype)
    if cls is None:
        return UnknownPacket(ptype, bytes(payload))
    buf = Buffer(payload)
    packet = cls.pull_payload(buf)
    buf.check_end(cls.__name__)
    return packet  # type: ignore[return-value]


def decode_packet(data: bytes | bytearray | memoryview) -> Packet:
    """Decode one whole packet, header included. Unknown types give an UnknownPacket."""
    if len(data) < HEADER_SIZE:
        raise DecodeError(f"a packet needs {HEADER_SIZE} header bytes, got {len(data)}")
    length, ptype = Buffer(bytes(data[:HEADER_SIZE])).pull_header()
    if length != len(data):
        raise DecodeError(f"length field {length} but {len(data)} bytes given")
    return decode_payload(ptype, memoryview(data)[HEADER_SIZE:])
