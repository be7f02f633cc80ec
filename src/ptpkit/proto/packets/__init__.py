"""PTP/IP packets: the 14 types of CIPA DC-005, each a frozen dataclass.

Every packet has ``encode() -> bytes`` (the whole packet, header included) and a
classmethod ``decode(data) -> packet`` that takes the whole packet. :func:`decode_packet`
dispatches on the type field through :data:`PACKET_CLASSES`; a type we do not know
decodes to :class:`UnknownPacket`, never an exception.

Layouts (reference §1.3): ``u32 length, u32 type, payload``; all little-endian.

One module per job: :mod:`~ptpkit.proto.packets.layouts` (sizes, field layouts, the hot
packets packed from their fields), :mod:`~ptpkit.proto.packets.classes` (the packet
dataclasses and decoding by type) and :mod:`~ptpkit.proto.packets.readers` (the hot
packets read in place). Import from ``ptpkit.proto.packets``: every name is here.
"""

from __future__ import annotations

from ptpkit.proto.packets.classes import (
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
)
from ptpkit.proto.packets.layouts import (
    DATA_LENGTH_UNKNOWN,
    GUID_SIZE,
    HEADER_SIZE,
    MAX_EVENT_PARAMS,
    MAX_FRIENDLY_NAME_UNITS,
    MAX_OPERATION_PARAMS,
    data_header_packet,
    request_packet,
    response_packet,
    start_data_packet,
)
from ptpkit.proto.packets.readers import decode_payload_at

__all__ = [
    "DATA_LENGTH_UNKNOWN",
    "GUID_SIZE",
    "HEADER_SIZE",
    "MAX_EVENT_PARAMS",
    "MAX_FRIENDLY_NAME_UNITS",
    "MAX_OPERATION_PARAMS",
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
    "data_header_packet",
    "decode_packet",
    "decode_payload",
    "decode_payload_at",
    "request_packet",
    "response_packet",
    "start_data_packet",
]
