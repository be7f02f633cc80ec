"""PTP/IP packet layouts (reference §1.3): sizes and limits, the precompiled field
layouts, and the hot packets packed as bytes straight from their fields."""

from __future__ import annotations

from ptpkit.errors import LocalProtocolError
from ptpkit.proto.buffer import Fields
from ptpkit.proto.codes import PacketType

__all__ = [
    "DATA_LENGTH_UNKNOWN",
    "GUID_SIZE",
    "HEADER_SIZE",
    "MAX_EVENT_PARAMS",
    "MAX_FRIENDLY_NAME_UNITS",
    "MAX_OPERATION_PARAMS",
    "data_header_packet",
    "request_packet",
    "response_packet",
    "start_data_packet",
]

HEADER_SIZE = 8
MAX_OPERATION_PARAMS = 5
MAX_EVENT_PARAMS = 3
DATA_LENGTH_UNKNOWN = 0xFFFFFFFFFFFFFFFF
GUID_SIZE = 16
#: Longest FriendlyName we encode or accept, in UTF-16 units (without the NUL). Fuji's
#: fixed packet leaves room for 26; PTPY stops at 40. We accept more, up to the cap.
MAX_FRIENDLY_NAME_UNITS = 1024

_U16_MAX = 0xFFFF
_U32_MAX = 0xFFFFFFFF
_U64_MAX = 0xFFFFFFFFFFFFFFFF

# The operation packets are built and parsed for every transaction: each has its fixed
# layout, by number of parameters, so that it is packed (header included) in one step.
_PARAMS = tuple(Fields("I" * n) for n in range(MAX_OPERATION_PARAMS + 1))
_REQUEST_HEAD = Fields("IHI")  # DataPhaseInfo, OperationCode, TransactionID
_REQUEST_PAYLOADS = tuple(Fields("IHI" + "I" * n) for n in range(MAX_OPERATION_PARAMS + 1))
_REQUEST_PACKETS = tuple(Fields("IIIHI" + "I" * n) for n in range(MAX_OPERATION_PARAMS + 1))
_CODE_HEAD = Fields("HI")  # response or event code, TransactionID
_CODE_PAYLOADS = tuple(Fields("HI" + "I" * n) for n in range(MAX_OPERATION_PARAMS + 1))
_CODE_PACKETS = tuple(Fields("IIHI" + "I" * n) for n in range(MAX_OPERATION_PARAMS + 1))
_START_DATA_PAYLOAD = Fields("IQ")
_START_DATA_PACKET = Fields("IIIQ")
_DATA_HEADER = Fields("III")  # length, type, TransactionID: a Data / End Data packet's head


# The hot packets as bytes, straight from their fields: the sessions queue these without
# building a packet object first, and the classes' encode() uses them too. Fields.pack
# refuses a value that does not fit (LocalProtocolError), as validation on construction would.
def request_packet(
    data_phase: int, code: int, transaction_id: int, params: tuple[int, ...]
) -> bytes:
    """A whole Operation Request packet (type 6)."""
    if len(params) > MAX_OPERATION_PARAMS:
        raise LocalProtocolError(
            f"OperationRequest takes at most {MAX_OPERATION_PARAMS} parameters, got {len(params)}"
        )
    fields = _REQUEST_PACKETS[len(params)]
    return fields.pack(
        fields.size, PacketType.OperationRequest, data_phase, code, transaction_id, *params
    )


def response_packet(code: int, transaction_id: int, params: tuple[int, ...]) -> bytes:
    """A whole Operation Response packet (type 7)."""
    if len(params) > MAX_OPERATION_PARAMS:
        raise LocalProtocolError(
            f"OperationResponse takes at most {MAX_OPERATION_PARAMS} parameters, got {len(params)}"
        )
    fields = _CODE_PACKETS[len(params)]
    return fields.pack(fields.size, PacketType.OperationResponse, code, transaction_id, *params)


def start_data_packet(transaction_id: int, total_length: int) -> bytes:
    """A whole Start Data packet (type 9)."""
    fields = _START_DATA_PACKET
    return fields.pack(fields.size, PacketType.StartData, transaction_id, total_length)


def data_header_packet(payload_length: int, ptype: int, transaction_id: int) -> bytes:
    """The 12 bytes before the payload of a Data (10) or End Data (12) packet."""
    fields = _DATA_HEADER
    return fields.pack(fields.size + payload_length, ptype, transaction_id)
