"""What crosses the boundary of the sans-IO sessions.

The I/O adapter feeds bytes in with ``receive_data(channel, data, now)``, takes these
events out with ``next_event()`` and writes what ``data_to_send()`` returns. Every
event is a frozen dataclass named for what happened.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Union

__all__ = [
    "Channel",
    "CommandAckReceived",
    "ConnectionClosed",
    "DataPhaseEnded",
    "DataPhaseStarted",
    "DataReceived",
    "EventChannelRequested",
    "EventReceived",
    "ForeignTransactionId",
    "HandshakeCompleted",
    "InitFailed",
    "InitiatorConnected",
    "OperationRequested",
    "ProbeAnswered",
    "ProbeReceived",
    "ProbeUnanswered",
    "ResponseReceived",
    "Role",
    "SessionEvent",
    "TimedOut",
    "TransactionCancelled",
]


class Channel(enum.Enum):
    """The two TCP connections of a PTP/IP session."""

    # Identity hashing (Enum's own hashes the member name in Python): channels and roles
    # are dictionary and set keys on every packet.
    __hash__ = object.__hash__

    COMMAND = "command"
    EVENT = "event"


class Role(enum.Enum):
    __hash__ = object.__hash__  # as Channel: cheap lookups

    INITIATOR = "initiator"
    RESPONDER = "responder"

    @property
    def peer(self) -> Role:
        return Role.RESPONDER if self is Role.INITIATOR else Role.INITIATOR


# -- handshake ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class InitiatorConnected:
    """Responder side: an Init Command Request arrived; call ``accept()`` or ``reject()``."""

    guid: bytes
    friendly_name: str
    protocol_version: int


@dataclass(frozen=True, slots=True)
class CommandAckReceived:
    """Initiator side: the command connection is accepted; open the event connection now
    (the Init Event Request is already queued on :attr:`Channel.EVENT`).
    ``protocol_version`` is None when the ack carried none (Sony bodies)."""

    connection_number: int
    guid: bytes
    friendly_name: str
    protocol_version: int | None


@dataclass(frozen=True, slots=True)
class EventChannelRequested:
    """Responder side: an Init Event Request arrived; call ``accept_event_channel()``."""

    connection_number: int


@dataclass(frozen=True, slots=True)
class HandshakeCompleted:
    """Both connections are up; operations may flow. ``guid``/``friendly_name`` are the
    peer's."""

    connection_number: int
    guid: bytes
    friendly_name: str


@dataclass(frozen=True, slots=True)
class InitFailed:
    """The responder refused the connection with Init Fail (or we did, on the responder)."""

    reason: int
    channel: Channel


# -- transactions ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class OperationRequested:
    """Responder side: an Operation Request arrived. ``data_out`` says whether the
    initiator will send a data phase (decided from DataPhaseInfo, or from the operation's
    known direction when DataPhaseInfo is 0 or 3)."""

    code: int
    transaction_id: int
    params: tuple[int, ...]
    data_phase: int
    data_out: bool


@dataclass(frozen=True, slots=True)
class DataPhaseStarted:
    """A Start Data arrived: ``total_length`` is None when the sender did not know it."""

    transaction_id: int
    total_length: int | None


@dataclass(frozen=True, slots=True)
class DataReceived:
    """A piece of a data phase's payload, handed on as it arrives.

    With a session made with ``borrow_data=True`` the data may be a ``memoryview`` of the
    receive buffer, valid only until ``next_event()`` returns ``None``."""

    transaction_id: int
    data: bytes | memoryview = field(repr=False)


@dataclass(frozen=True, slots=True)
class DataPhaseEnded:
    """The data phase is complete: ``length`` bytes arrived in all."""

    transaction_id: int
    length: int


@dataclass(frozen=True, slots=True)
class ResponseReceived:
    """Initiator side: the Operation Response that ends a transaction."""

    code: int
    transaction_id: int
    params: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class TransactionCancelled:
    """The peer sent Cancel for this transaction (see docs/protocol.md)."""

    transaction_id: int
    channel: Channel


# -- events and liveness ----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class EventReceived:
    """Initiator side: a PTP event arrived on the event connection."""

    code: int
    transaction_id: int
    params: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ProbeReceived:
    """The peer probed us; the Probe Response is already queued."""

    channel: Channel


@dataclass(frozen=True, slots=True)
class ProbeAnswered:
    """The peer answered our Probe Request."""

    channel: Channel


@dataclass(frozen=True, slots=True)
class ProbeUnanswered:
    """Advisory: a probe got no answer in time. The session stays up: on the responder
    side always (initiators such as gphoto2 never answer probes); on the initiator side
    when the camera has never answered one (many do not), which also ends idle probing."""


@dataclass(frozen=True, slots=True)
class ForeignTransactionId:
    """Initiator side, advisory: the camera answered the transaction under way
    (``transaction_id``) under an id of its own (``foreign_id``), first in ``what``
    ("StartData", "data" or "Operation Response"); taken as its answer."""

    transaction_id: int
    foreign_id: int
    what: str


@dataclass(frozen=True, slots=True)
class TimedOut:
    """A deadline passed (``what``: "handshake", "response", "data" — a data phase that
    made no progress — or "probe"); the session is dead."""

    what: str


@dataclass(frozen=True, slots=True)
class ConnectionClosed:
    """The peer closed one of the connections; the session is over."""

    channel: Channel


SessionEvent = Union[
    InitiatorConnected,
    CommandAckReceived,
    EventChannelRequested,
    HandshakeCompleted,
    InitFailed,
    OperationRequested,
    DataPhaseStarted,
    DataReceived,
    DataPhaseEnded,
    ResponseReceived,
    TransactionCancelled,
    EventReceived,
    ProbeReceived,
    ProbeAnswered,
    ProbeUnanswered,
    ForeignTransactionId,
    TimedOut,
    ConnectionClosed,
]
