"""The sans-IO session a client connection pumps, and how one is made.

The pump (:class:`~ptpkit.aio.connection.Connection`) and the layer above it
(:class:`~ptpkit.aio.transactions.Transactions`) drive any session that has the methods
of :class:`ClientSession`: the CIPA :class:`~ptpkit.proto.initiator.InitiatorSession`
(made by :func:`ptpip_session`, the default) and Fujifilm's
:class:`~ptpkit.proto.fuji_initiator.FujiInitiatorSession` (made by
:func:`fuji_session`) emit the same core events, so that one client serves both
transports. A connection is given its session by a :class:`SessionFactory`.
"""

from __future__ import annotations

from typing import Protocol

from ptpkit.proto.events import Channel, SessionEvent
from ptpkit.proto.initiator import InitiatorSession
from ptpkit.proto.state import TransactionState

__all__ = ["ClientSession", "SessionFactory", "fuji_session", "ptpip_session"]


class ClientSession(Protocol):
    """What the client calls on its sans-IO initiator session."""

    transaction: TransactionState
    session_open: bool
    probe_timeout: float
    #: the camera has answered a probe; an unanswered probe is fatal (see liveness.py)
    probes_answered: bool
    strict_probes: bool
    #: no probes (the camera ignored one, or the transport has none): commands instead
    probes_ignored: bool

    @property
    def current_timeout(self) -> float | None: ...

    @property
    def is_ready(self) -> bool: ...

    @property
    def operation(self) -> int: ...

    @property
    def data_phase_remaining(self) -> int | None: ...

    def start(self, now: float) -> None: ...

    def receive_data(
        self, channel: Channel, data: bytes | bytearray | memoryview, now: float
    ) -> None: ...

    def next_event(self) -> SessionEvent | None: ...

    def data_to_send(self) -> list[tuple[Channel, bytes]]: ...

    def next_deadline(self) -> float | None: ...

    def handle_timer(self, now: float) -> None: ...

    def close(self) -> None: ...

    def send_request(
        self,
        code: int,
        params: tuple[int, ...] = (),
        *,
        data_out_length: int | None = None,
        now: float,
        timeout: float | None = None,
    ) -> int: ...

    def send_data(self, data: bytes | bytearray | memoryview, now: float) -> bool: ...

    def data_header(self, length: int, now: float | None = None) -> bytes: ...

    def cancel(self, now: float) -> int | None: ...

    def probe(
        self, now: float, channel: Channel = Channel.EVENT, *, timeout: float | None = None
    ) -> None: ...


class SessionFactory(Protocol):
    """Makes the session of a new connection from the identity and the timeouts."""

    def __call__(
        self,
        guid: bytes,
        name: str,
        *,
        handshake_timeout: float | None,
        response_timeout: float | None,
        data_timeout: float | None,
        probe_interval: float | None,
        probe_timeout: float,
        strict_probes: bool,
    ) -> ClientSession: ...


def ptpip_session(
    guid: bytes,
    name: str,
    *,
    handshake_timeout: float | None,
    response_timeout: float | None,
    data_timeout: float | None,
    probe_interval: float | None,
    probe_timeout: float,
    strict_probes: bool,
) -> ClientSession:
    """Standard PTP/IP (CIPA DC-005)."""
    return InitiatorSession(
        guid,
        name,
        handshake_timeout=handshake_timeout,
        response_timeout=response_timeout,
        data_timeout=data_timeout,
        probe_interval=probe_interval,
        probe_timeout=probe_timeout,
        strict_probes=strict_probes,
        borrow_data=True,  # every event is handled before the next read (_after_input)
    )


def fuji_session(
    guid: bytes,
    name: str,
    *,
    handshake_timeout: float | None,
    response_timeout: float | None,
    data_timeout: float | None,
    probe_interval: float | None,
    probe_timeout: float,
    strict_probes: bool,
) -> ClientSession:
    """Fujifilm's variant: the double init (as gphoto2 and Fujifilm's own app send it),
    no probes (the variant has none: a quiet link is checked with a command). Its
    modules are imported here, when a Fujifilm connection is made."""
    from ptpkit.proto.fuji_initiator import FujiInitiatorSession
    from ptpkit.proto.vendors.fuji import INIT_NAME_MAX_CHARS

    return FujiInitiatorSession(
        guid,
        name[:INIT_NAME_MAX_CHARS],  # the fixed-size request holds no more
        handshake_timeout=handshake_timeout,
        response_timeout=response_timeout,
        data_timeout=data_timeout,
        probe_timeout=probe_timeout,
    )
