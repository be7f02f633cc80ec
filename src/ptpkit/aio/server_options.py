"""How the PTP/IP responder behaves: its transport settings (:class:`ServerOptions`) and
the misbehaviours it injects on purpose (:class:`FaultPolicy`; :class:`NoFaults` injects
none, :class:`ptpkit.emulator.faults.Faults` is the emulator's), among them real cameras'
habits (:class:`Quirk`)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["FaultPolicy", "NoFaults", "Quirk", "ServerOptions"]


class Quirk(str, enum.Enum):
    """A habit of real cameras that initiators must cope with (``ptpkit serve --quirk``)."""

    #: Probe Requests are never answered (many responders, and gphoto2 as an initiator).
    NO_PROBE_ANSWERS = "no-probe-answers"
    #: No TCP_NODELAY, and every packet its own write (a Data packet's header apart from
    #: its payload): an initiator that delays its ACKs waits ~40 ms per transaction.
    NAGLE = "nagle"
    #: Operation Responses carry no parameters (GetNumObjects, SendObjectInfo, CopyObject).
    NO_RESPONSE_PARAMS = "no-response-params"
    #: Answers (Start Data, Data, End Data, Response) under the responder's own
    #: transaction counter, not the request's id.
    OWN_TRANSACTION_IDS = "own-transaction-ids"
    #: Each small packet is read with one recv: a packet of up to 32 KiB (of a data phase
    #: of up to 32 KiB) whose bytes do not arrive in one read closes the connection.
    ONE_RECV_PER_PACKET = "one-recv-per-packet"
    #: Nothing is sent on the event connection (captures are stored, not announced).
    NO_EVENTS = "no-events"
    #: The Init Command Ack has zero padding after its protocol version.
    PADDED_INIT_ACK = "padded-init-ack"
    #: The Init Command Ack ends after the friendly name: no protocol version (Sony).
    NO_ACK_VERSION = "no-ack-version"


class FaultPolicy(Protocol):
    """Transport misbehaviours to inject (:class:`ptpkit.emulator.faults.Faults` is one)."""

    @property
    def delay(self) -> Mapping[int, float]: ...
    @property
    def fail(self) -> Mapping[int, int]: ...
    @property
    def init_fail(self) -> int | None: ...
    @property
    def withhold_event_ack(self) -> bool: ...
    @property
    def probe_interval(self) -> float | None: ...
    @property
    def split_writes(self) -> int | None: ...
    @property
    def coalesce(self) -> bool: ...
    @property
    def random_drops(self) -> float | None: ...
    def drops(self, operation: int) -> int | None: ...
    def has(self, quirk: Quirk) -> bool: ...


@dataclass(frozen=True, slots=True)
class NoFaults:
    """The fault policy that injects nothing."""

    delay: Mapping[int, float] = field(default_factory=dict)
    fail: Mapping[int, int] = field(default_factory=dict)
    init_fail: int | None = None
    withhold_event_ack: bool = False
    probe_interval: float | None = None
    split_writes: int | None = None
    coalesce: bool = False
    random_drops: float | None = None

    def drops(self, operation: int) -> int | None:
        return None

    def has(self, quirk: Quirk) -> bool:
        return False


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerOptions:
    """Transport settings of :class:`PtpipServer`."""

    host: str = "127.0.0.1"
    port: int = 0
    allow_guids: frozenset[bytes] | None = None  # others get Init Fail reason 1
    max_sessions: int | None = None  # the next initiator gets Init Fail reason 2
    data_chunk_size: int = 1 << 20  # payload bytes per Data packet
    probe_interval: float | None = None  # probe idle initiators (never drops them)
    handshake_timeout: float = 10.0
    faults: FaultPolicy = field(default_factory=NoFaults)
    use_sendfile: bool = True
    # What the session queues at once (a small transaction's Start Data, End Data and
    # Response) in one write. False: one write per packet, slower, but tshark (which reads
    # only the first PTP/IP packet of a TCP segment) then decodes every packet.
    join_writes: bool = True

    def __post_init__(self) -> None:
        if self.data_chunk_size < 1:
            raise ValueError("data_chunk_size must be at least 1")
        if self.max_sessions is not None and self.max_sessions < 0:
            raise ValueError("max_sessions must not be negative")
