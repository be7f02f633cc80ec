"""The hot packets read in place from the framing's receive buffer
(:func:`decode_payload_at`): Operation Request, Operation Response, Event and Start Data."""

from __future__ import annotations

from ptpkit.proto.codes import PacketType
from ptpkit.proto.packets.classes import (
    Event,
    OperationRequest,
    OperationResponse,
    Packet,
    StartData,
    decode_payload,
)
from ptpkit.proto.packets.layouts import (
    _CODE_PAYLOADS,
    _REQUEST_PAYLOADS,
    _START_DATA_PAYLOAD,
    MAX_EVENT_PARAMS,
    MAX_OPERATION_PARAMS,
)
from ptpkit.proto.records import unchecked_builder

__all__ = ["decode_payload_at"]

# -- the hot packets, straight from the receive buffer -----------------------------------------
# Every transaction brings an Operation Request or Response and most a Start Data: these
# are read in place, in one struct step, and built without __post_init__, whose checks a
# value unpacked from a u16/u32/u64 field always passes (only the parameter count can be
# wrong, and is checked here). Anything irregular takes decode_payload, which says what.
_build_request = unchecked_builder(OperationRequest)
_build_response = unchecked_builder(OperationResponse)
_build_event = unchecked_builder(Event)
_build_start_data = unchecked_builder(StartData)


def _request_at(
    data: bytes | bytearray | memoryview, start: int, size: int
) -> OperationRequest | None:
    count, odd = divmod(size - 10, 4)
    if size < 10 or odd or count > MAX_OPERATION_PARAMS:
        return None
    v = _REQUEST_PAYLOADS[count].unpack_from(data, start)
    return _build_request(v[0], v[1], v[2], v[3:])


def _response_at(
    data: bytes | bytearray | memoryview, start: int, size: int
) -> OperationResponse | None:
    count, odd = divmod(size - 6, 4)
    if size < 6 or odd or count > MAX_OPERATION_PARAMS:
        return None
    v = _CODE_PAYLOADS[count].unpack_from(data, start)
    return _build_response(v[0], v[1], v[2:])


def _event_at(data: bytes | bytearray | memoryview, start: int, size: int) -> Event | None:
    count, odd = divmod(size - 6, 4)
    if size < 6 or odd or count > MAX_EVENT_PARAMS:
        return None
    v = _CODE_PAYLOADS[count].unpack_from(data, start)
    return _build_event(v[0], v[1], v[2:])


def _start_data_at(data: bytes | bytearray | memoryview, start: int, size: int) -> StartData | None:
    if size != _START_DATA_PAYLOAD.size:
        return None
    tid, total = _START_DATA_PAYLOAD.unpack_from(data, start)
    return _build_start_data(tid, total)


_DECODE_AT = {
    int(PacketType.OperationRequest): _request_at,
    int(PacketType.OperationResponse): _response_at,
    int(PacketType.Event): _event_at,
    int(PacketType.StartData): _start_data_at,
}


def decode_payload_at(
    ptype: int, data: bytes | bytearray | memoryview, start: int, end: int
) -> Packet:
    """:func:`decode_payload` of ``data[start:end]``, without copying the hot packets'
    payloads out of ``data`` first (the framing's receive buffer)."""
    decode_at = _DECODE_AT.get(ptype)
    if decode_at is not None:
        packet = decode_at(data, start, end - start)
        if packet is not None:
            return packet
    return decode_payload(ptype, bytes(memoryview(data)[start:end]))
