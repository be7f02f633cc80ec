"""Every PTP/IP state transition, as data, the same for both roles.

Two machines run side by side in a session:

* the **link** machine (:class:`LinkState`): the Init handshake over both connections,
  then ``READY`` until the session fails, closes or breaks;
* the **transaction** machine (:class:`TransactionState`): one operation at a time,
  request → optional data phase → response.

Each table maps ``(state, packet type, sender role)`` to the next state. Initiator and
responder apply the same tables to the packets they send and to those they receive, so
our illegal move and the peer's are caught by the same rule: :func:`step` raises
:class:`~ptpkit.errors.LocalProtocolError` when the illegal move is ours and
:class:`~ptpkit.errors.RemoteProtocolError` when it is the peer's.

Pseudo-events (strings, not packet types) mark transitions that are not a packet:
``"data_complete"`` (the announced length has arrived) and ``"fail"``.

``docs/state-machines.md`` is generated from these tables by ``python -m
ptpkit.proto.state``.
"""

from __future__ import annotations

import enum
from typing import TypeVar, Union

from ptpkit.errors import LocalProtocolError, RemoteProtocolError
from ptpkit.proto.codes import PacketType as T
from ptpkit.proto.codes import ResponseCode
from ptpkit.proto.events import Channel, Role

__all__ = [
    "ALLOWED_PACKETS",
    "LINK_TRANSITIONS",
    "PACKET_CHANNELS",
    "PACKET_SENDERS",
    "TRANSACTION_TRANSITIONS",
    "LinkState",
    "TransactionState",
    "check_channel",
    "step",
]

I = Role.INITIATOR
R = Role.RESPONDER
Trigger = Union[int, str]


class LinkState(enum.Enum):
    # Identity hashing (Enum's own hashes the member name in Python): the transition
    # tables are looked up on every packet, with states as part of the key.
    __hash__ = object.__hash__

    AWAIT_INIT_COMMAND_REQUEST = "await-init-command-request"
    AWAIT_INIT_COMMAND_ACK = "await-init-command-ack"
    AWAIT_INIT_EVENT_REQUEST = "await-init-event-request"
    AWAIT_INIT_EVENT_ACK = "await-init-event-ack"
    READY = "ready"
    FAILED = "failed"  # Init Fail was sent or received
    CLOSED = "closed"  # a connection closed, or the session was closed
    ERROR = "error"  # a protocol error or timeout; unusable


class TransactionState(enum.Enum):
    __hash__ = object.__hash__  # as LinkState: cheap table lookups

    IDLE = "idle"
    REQUESTED = "requested"  # request sent; next: response or Start Data
    DATA_IN = "data-in"  # responder → initiator data phase under way
    DATA_OUT = "data-out"  # initiator → responder data phase under way
    AWAIT_RESPONSE = "await-response"  # data phase complete
    CANCELLED = "cancelled"  # Cancel sent or received; Data is discarded until the response


#: Which role may send each packet type.
PACKET_SENDERS: dict[int, frozenset[Role]] = {
    T.InitCommandRequest: frozenset({I}),
    T.InitCommandAck: frozenset({R}),
    T.InitEventRequest: frozenset({I}),
    T.InitEventAck: frozenset({R}),
    T.InitFail: frozenset({R}),
    T.OperationRequest: frozenset({I}),
    T.OperationResponse: frozenset({R}),
    T.Event: frozenset({R}),
    T.StartData: frozenset({I, R}),
    T.Data: frozenset({I, R}),
    T.Cancel: frozenset({I, R}),
    T.EndData: frozenset({I, R}),
    T.ProbeRequest: frozenset({I, R}),
    T.ProbeResponse: frozenset({I, R}),
}

#: Which connection may carry each packet type.
PACKET_CHANNELS: dict[int, frozenset[Channel]] = {
    T.InitCommandRequest: frozenset({Channel.COMMAND}),
    T.InitCommandAck: frozenset({Channel.COMMAND}),
    T.InitEventRequest: frozenset({Channel.EVENT}),
    T.InitEventAck: frozenset({Channel.EVENT}),
    T.InitFail: frozenset({Channel.COMMAND, Channel.EVENT}),
    T.OperationRequest: frozenset({Channel.COMMAND}),
    T.OperationResponse: frozenset({Channel.COMMAND}),
    T.Event: frozenset({Channel.EVENT}),
    T.StartData: frozenset({Channel.COMMAND}),
    T.Data: frozenset({Channel.COMMAND}),
    T.Cancel: frozenset({Channel.COMMAND, Channel.EVENT}),
    T.EndData: frozenset({Channel.COMMAND}),
    T.ProbeRequest: frozenset({Channel.COMMAND, Channel.EVENT}),
    T.ProbeResponse: frozenset({Channel.COMMAND, Channel.EVENT}),
}

#: Every legal ``(sender, packet type, connection)``, from the two tables above: the hot
#: paths check a packet with one look-up here, and :func:`check_channel` says what is wrong.
ALLOWED_PACKETS: frozenset[tuple[Role, int, Channel]] = frozenset(
    (sender, ptype, channel)
    for ptype, senders in PACKET_SENDERS.items()
    for sender in senders
    for channel in PACKET_CHANNELS[ptype]
)

L = LinkState
LINK_TRANSITIONS: dict[tuple[LinkState, Trigger, Role], LinkState] = {
    (L.AWAIT_INIT_COMMAND_REQUEST, T.InitCommandRequest, I): L.AWAIT_INIT_COMMAND_ACK,
    (L.AWAIT_INIT_COMMAND_ACK, T.InitCommandAck, R): L.AWAIT_INIT_EVENT_REQUEST,
    (L.AWAIT_INIT_COMMAND_ACK, T.InitFail, R): L.FAILED,
    (L.AWAIT_INIT_EVENT_REQUEST, T.InitEventRequest, I): L.AWAIT_INIT_EVENT_ACK,
    (L.AWAIT_INIT_EVENT_REQUEST, T.InitFail, R): L.FAILED,
    (L.AWAIT_INIT_EVENT_ACK, T.InitEventAck, R): L.READY,
    (L.AWAIT_INIT_EVENT_ACK, T.InitFail, R): L.FAILED,
}

X = TransactionState
TRANSACTION_TRANSITIONS: dict[tuple[TransactionState, Trigger, Role], TransactionState] = {
    (X.IDLE, T.OperationRequest, I): X.REQUESTED,
    # No data phase, or the responder answers before any data (an error).
    (X.REQUESTED, T.OperationResponse, R): X.IDLE,
    # Start Data comes from the side that sends the data (the sessions check direction).
    (X.REQUESTED, T.StartData, R): X.DATA_IN,
    (X.REQUESTED, T.StartData, I): X.DATA_OUT,
    (X.DATA_IN, T.Data, R): X.DATA_IN,
    (X.DATA_IN, T.EndData, R): X.AWAIT_RESPONSE,
    (X.DATA_IN, "data_complete", R): X.AWAIT_RESPONSE,
    (X.DATA_OUT, T.Data, I): X.DATA_OUT,
    (X.DATA_OUT, T.EndData, I): X.AWAIT_RESPONSE,
    (X.DATA_OUT, "data_complete", I): X.AWAIT_RESPONSE,
    # A responder may refuse a data-out phase part way (e.g. StoreFull).
    (X.DATA_OUT, T.OperationResponse, R): X.IDLE,
    (X.AWAIT_RESPONSE, T.OperationResponse, R): X.IDLE,
    # Cancel, by either side, at any point of a transaction.
    (X.REQUESTED, T.Cancel, I): X.CANCELLED,
    (X.REQUESTED, T.Cancel, R): X.CANCELLED,
    (X.DATA_IN, T.Cancel, I): X.CANCELLED,
    (X.DATA_IN, T.Cancel, R): X.CANCELLED,
    (X.DATA_OUT, T.Cancel, I): X.CANCELLED,
    (X.DATA_OUT, T.Cancel, R): X.CANCELLED,
    (X.AWAIT_RESPONSE, T.Cancel, I): X.CANCELLED,
    (X.CANCELLED, T.StartData, R): X.CANCELLED,
    (X.CANCELLED, T.StartData, I): X.CANCELLED,
    (X.CANCELLED, T.Data, R): X.CANCELLED,
    (X.CANCELLED, T.Data, I): X.CANCELLED,
    (X.CANCELLED, T.EndData, R): X.CANCELLED,
    (X.CANCELLED, T.EndData, I): X.CANCELLED,
    (X.CANCELLED, T.Cancel, I): X.CANCELLED,
    (X.CANCELLED, T.Cancel, R): X.CANCELLED,
    (X.CANCELLED, T.OperationResponse, R): X.IDLE,
}

#: The response code that ends a cancelled transaction.
CANCELLED_RESPONSE = ResponseCode.TransactionCancelled


def _fail(me: Role, sender: Role, message: str, hint: int | None = None) -> Exception:
    if sender is me:
        return LocalProtocolError(message)
    return RemoteProtocolError(message, response_code_hint=hint)


def check_channel(me: Role, sender: Role, ptype: int, channel: Channel) -> None:
    """Raise if ``sender`` may not send ``ptype``, or not on ``channel``."""
    if (sender, ptype, channel) in ALLOWED_PACKETS:
        return
    senders = PACKET_SENDERS.get(ptype)
    if senders is None or sender not in senders:
        raise _fail(me, sender, f"a {sender.value} may not send packet type {ptype}")
    if channel not in PACKET_CHANNELS[ptype]:
        raise _fail(
            me, sender, f"packet type {ptype} may not travel on the {channel.value} connection"
        )


S = TypeVar("S", LinkState, TransactionState)


def step(
    table: dict[tuple[S, Trigger, Role], S],
    state: S,
    trigger: Trigger,
    sender: Role,
    me: Role,
) -> S:
    """The next state, or a Local/RemoteProtocolError for an illegal move."""
    try:
        return table[(state, trigger, sender)]
    except KeyError:
        name = (
            T(trigger).name
            if isinstance(trigger, int) and trigger in T._value2member_map_
            else trigger
        )
        raise _fail(
            me,
            sender,
            f"{name} from the {sender.value} is not allowed in state {state.value}",
            hint=ResponseCode.DeviceBusy if state is not X.IDLE else None,
        ) from None


def render_markdown() -> str:
    """The transition tables as Markdown (the source of docs/state-machines.md)."""
    lines = [
        "# PTP/IP state machines",
        "",
        "Generated from `src/ptpkit/proto/state.py` by `python -m ptpkit.proto.state`;",
        "do not edit by hand. Both roles apply the same tables to what they send and receive.",
        "",
    ]
    for title, table in (
        ("Link (handshake)", LINK_TRANSITIONS),
        ("Transaction", TRANSACTION_TRANSITIONS),
    ):
        lines += [
            f"## {title}",
            "",
            "| state | trigger | sent by | next state |",
            "|---|---|---|---|",
        ]
        for (state, trigger, sender), nxt in table.items():
            trig = T(trigger).name if isinstance(trigger, int) else f"*{trigger}*"
            lines.append(f"| {state.value} | {trig} | {sender.value} | {nxt.value} |")
        lines.append("")
    lines += ["## Who sends what, where", "", "| packet | senders | connections |", "|---|---|---|"]
    for ptype, senders in PACKET_SENDERS.items():
        who = ", ".join(sorted(r.value for r in senders))
        where = ", ".join(sorted(c.value for c in PACKET_CHANNELS[ptype]))
        lines.append(f"| {T(ptype).name} ({ptype}) | {who} | {where} |")
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(render_markdown(), end="")
