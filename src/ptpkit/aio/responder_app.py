"""What the PTP/IP responder (:class:`~ptpkit.aio.server.PtpipServer`) asks of the
application on top of it (the emulated camera), and what it offers it.

``dispatch(state, request)`` returns a :class:`Reply` (response code, parameters, and
optionally the data-in phase as ``bytes`` or a :class:`FileRegion` to stream) or, for an
operation whose data comes from the initiator, a :class:`DataSink` that receives the data
as it arrives and gives the Reply at the end; or a coroutine giving the Reply (slow work).
The application sees each initiator as an :class:`InitiatorLink`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, BinaryIO, Protocol, TypeVar, Union

from ptpkit.proto.codes import TID_NONE, ResponseCode
from ptpkit.proto.events import Channel, OperationRequested, SessionEvent

__all__ = [
    "DataSink",
    "Dispatched",
    "FileRegion",
    "InitiatorLink",
    "Reply",
    "ResponderApp",
    "ServerSession",
]


@dataclass(frozen=True, slots=True)
class FileRegion:
    """``length`` bytes of an open binary file from ``offset``: a data-in phase to stream.

    The server closes ``file`` when the transaction is over. Should the file turn out
    shorter than announced, the missing bytes are sent as zeros (the length was already
    on the wire).
    """

    file: BinaryIO
    offset: int
    length: int


@dataclass(frozen=True, slots=True)
class Reply:
    """How to answer one operation.

    ``data``: the data-in phase (bytes, or a :class:`FileRegion` to stream), sent before
    the response. ``before`` runs after any injected delay and before the data phase and
    the response; ``after`` runs once the response is written (e.g. a capture that ends
    with events). Both are coroutine functions.
    """

    code: int = ResponseCode.OK
    params: tuple[int, ...] = ()
    data: bytes | FileRegion | None = None
    before: Callable[[], Awaitable[None]] | None = None
    after: Callable[[], Coroutine[Any, Any, None]] | None = None


class DataSink(Protocol):
    """Receives the data-out phase of an operation as it arrives.

    A sink whose ``write`` is done with each piece when it returns (it writes it to a
    file, or drops it) may have a true ``takes_views`` attribute: it is then given
    ``memoryview`` pieces of the server's receive buffer, which are overwritten by the
    next read, instead of copies. Without it, ``write`` gets bytes of its own.
    """

    def write(self, data: bytes) -> None:
        """A piece of the data phase, in order."""

    def finish(self) -> Reply:
        """The data phase is complete: how to answer."""

    def abort(self) -> None:
        """The transaction was cancelled or the connection lost: drop what was written."""


S = TypeVar("S")
Dispatched = Union[Reply, DataSink, Coroutine[Any, Any, Reply]]


class ResponderApp(Protocol[S]):
    """What the server needs from the application (the emulated camera)."""

    @property
    def guid(self) -> bytes:
        """The responder's GUID, sent in the Init Command Ack."""

    @property
    def friendly_name(self) -> str:
        """The responder's name, sent in the Init Command Ack."""

    def connect(self, link: InitiatorLink) -> S:
        """An initiator completed the handshake: its per-initiator state."""

    def disconnect(self, state: S) -> None:
        """The initiator is gone (closed, failed or timed out)."""

    def dispatch(self, state: S, request: OperationRequested) -> Dispatched:
        """Answer an operation: a Reply; a DataSink that receives the data-out phase; or
        a coroutine that gives the Reply (slow work, run as a task)."""


class ServerSession(Protocol):
    """What the server calls on a sans-IO responder session: the CIPA
    :class:`~ptpkit.proto.responder.ResponderSession` and Fujifilm's
    :class:`~ptpkit.proto.fuji_responder.FujiResponderSession` both have it."""

    initiator_guid: bytes
    initiator_name: str

    @property
    def is_ready(self) -> bool: ...

    @property
    def cancelled(self) -> bool: ...

    def receive_data(
        self, channel: Channel, data: bytes | bytearray | memoryview, now: float
    ) -> None: ...

    def next_event(self) -> SessionEvent | None: ...

    def data_to_send(self) -> list[tuple[Channel, bytes]]: ...

    def next_deadline(self) -> float | None: ...

    def handle_timer(self, now: float) -> None: ...

    def close(self) -> None: ...

    def accept(self, now: float) -> None: ...

    def reject(self, reason: int, now: float) -> None: ...

    def accept_event_channel(self, now: float) -> None: ...

    def start_data_in(self, total_length: int, now: float) -> None: ...

    def data_header(self, length: int, now: float | None = None) -> bytes: ...

    def send_data(self, data: bytes | bytearray | memoryview, now: float) -> bool: ...

    def send_response(self, code: int, params: tuple[int, ...] = (), now: float = 0.0) -> None: ...

    def answer(
        self,
        code: int,
        params: tuple[int, ...] = (),
        data: bytes | None = None,
        now: float = 0.0,
    ) -> None: ...

    def send_event(
        self, code: int, params: tuple[int, ...] = (), transaction_id: int = TID_NONE
    ) -> None: ...


class InitiatorLink:
    """What the application sees of one connected initiator."""

    def __init__(self, connection_number: int, session: ServerSession) -> None:
        self.connection_number = connection_number
        self.session = session

    @property
    def guid(self) -> bytes:
        return self.session.initiator_guid

    @property
    def friendly_name(self) -> str:
        return self.session.initiator_name

    @property
    def is_open(self) -> bool:
        """True while both connections are up and the handshake is done."""
        return self.session.is_ready

    def send_event(
        self, code: int, params: tuple[int, ...] = (), transaction_id: int = TID_NONE
    ) -> None:
        """Send a PTP event on the event connection (dropped when the link is gone)."""
        raise NotImplementedError

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run ``coro`` for as long as this initiator stays connected."""
        raise NotImplementedError

    def close(self) -> None:
        """Hang up: close both connections at once (a camera that drops an initiator)."""
        raise NotImplementedError
