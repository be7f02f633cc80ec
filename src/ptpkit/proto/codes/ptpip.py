"""PTP/IP transport codes (CIPA DC-005): packet types, DataPhaseInfo, Init Fail reasons,
and the special values of the packets' fields."""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "DATA_LENGTH_UNKNOWN",
    "PROTOCOL_VERSION_1_0",
    "DataPhaseInfo",
    "InitFailReason",
    "PacketType",
]

PROTOCOL_VERSION_1_0 = 0x00010000
"""PTP/IP ProtocolVersion 1.0: major in the high 16 bits, minor in the low 16 bits."""

DATA_LENGTH_UNKNOWN = 0xFFFFFFFFFFFFFFFF
"""StartData TotalDataLength when the sender does not know the length in advance."""


# -- PTP/IP transport --------------------------------------------------------------------


class PacketType(IntEnum):
    """PTP/IP packet types (the u32 after the length in every packet)."""

    InitCommandRequest = 1
    InitCommandAck = 2
    InitEventRequest = 3
    InitEventAck = 4
    InitFail = 5
    OperationRequest = 6
    OperationResponse = 7
    Event = 8
    StartData = 9
    Data = 10
    Cancel = 11
    EndData = 12
    ProbeRequest = 13
    ProbeResponse = 14


class DataPhaseInfo(IntEnum):
    """The DataPhaseInfo field of an Operation Request.

    Send only 1 or 2. Both 0 and 3 have been used for "unknown" by different
    implementations; ptpkit accepts either and then decides from the operation code.
    """

    Unknown0 = 0
    NoDataOrDataIn = 1
    DataOut = 2
    Unknown = 3


class InitFailReason(IntEnum):
    """Reason codes of an Init Fail packet (Fujifilm sends PTP response codes instead)."""

    RejectedInitiator = 1
    Busy = 2
    Unspecified = 3
