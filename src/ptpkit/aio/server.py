"""The asyncio PTP/IP responder: TCP in, :class:`~ptpkit.proto.responder.ResponderSession`
in the middle, an application (the emulated camera) on top.

The adapter is thin. It accepts TCP connections, reads the first packet of each with
:func:`~ptpkit.proto.responder.peek_init_packet` (an Init Command Request starts a new
session; an Init Event Request joins the session whose connection number it carries;
anything else is closed), feeds bytes to the session, writes what the session queues
(what is queued at once in one ``transport.write``: a small transaction's Start Data, End
Data and Response in one TCP segment; with ``ServerOptions(join_writes=False)`` one write
per packet, two system calls more per transaction, so that tshark, which decodes only
the first PTP/IP packet of a TCP segment, sees every packet), and drives its timers with
``call_at``.

The application answers operations through a narrow contract (:class:`ResponderApp`):
``dispatch(state, request)`` returns a :class:`Reply` (response code, parameters, and
optionally the data-in phase as ``bytes`` or a :class:`FileRegion` to stream) or, for
an operation whose data comes from the initiator, a :class:`DataSink` that receives the
data as it arrives and gives the Reply at the end.

* Object data is streamed in bounded Data packets (``data_chunk_size``, 1 MiB by default)
  with ``loop.sendfile`` after the 12-byte packet header (zero-copy), falling back to
  bounded reads when the loop or the transport cannot sendfile. Flow control is
  respected (``pause_writing``/``resume_writing``), so no file is ever buffered whole.
* A Cancel stops the data phase at the next packet boundary and the transaction ends with
  TransactionCancelled; the session stays usable.
* A protocol error by the peer, a timeout or a closed connection ends that session (both
  of its connections) and nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Generic, Protocol, TypeVar, Union, cast

from ptpkit.aio.sockets import WATCH_ERRORS, wait_writable
from ptpkit.errors import ConnectionLost, DecodeError, RemoteProtocolError
from ptpkit.proto.codes import TID_NONE, InitFailReason, ResponseCode
from ptpkit.proto.events import (
    Channel,
    ConnectionClosed,
    DataPhaseEnded,
    DataPhaseStarted,
    DataReceived,
    EventChannelRequested,
    HandshakeCompleted,
    InitFailed,
    InitiatorConnected,
    OperationRequested,
    ProbeAnswered,
    ProbeReceived,
    ProbeUnanswered,
    SessionEvent,
    TimedOut,
    TransactionCancelled,
)
from ptpkit.proto.packets import InitCommandRequest, InitEventRequest, InitFail, Packet
from ptpkit.proto.responder import ResponderSession, peek_init_packet

__all__ = [
    "DataSink",
    "FaultPolicy",
    "FileRegion",
    "InitiatorLink",
    "NoFaults",
    "PtpipServer",
    "Reply",
    "ResponderApp",
    "ServerOptions",
]

log = logging.getLogger("ptpkit.server")

_SOCKET_BUFFER = 4 << 20
#: One receive buffer for every connection of a server: each read is consumed before the
#: loop makes the next one (the session borrows it; sinks that keep data get copies).
_RECV_BUFFER = 1 << 20
_WRITE_HIGH_WATER = 4 << 20
#: Back-off while os.sendfile finds the socket full and the loop has no sendfile.
_SOCKET_FULL_WAIT_MIN = 0.0002
_SOCKET_FULL_WAIT_MAX = 0.01
_SOCKET_FULL_WAIT_BOUND = 0.25  # waiting for room in the socket: look at the link again
_ZEROS = bytes(64 << 10)
#: Data packets up to this size go out as one write (one TCP segment on loopback, which is
#: what tshark needs to decode them); bigger ones are header + zero-copy payload.
_ONE_WRITE = 64000


def _read_exactly(file: BinaryIO, offset: int, count: int) -> bytes:
    """``count`` bytes from ``offset``, padded with zeros should the file have shrunk."""
    file.seek(offset)
    data = file.read(count)
    if len(data) < count:
        data += bytes(count - len(data))
    return data


# -- the application contract ---------------------------------------------------------
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
    def drops(self, operation: int) -> int | None: ...


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

    def drops(self, operation: int) -> int | None:
        return None


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


class _DiscardSink:
    """Reads and drops a data-out phase, then answers with a fixed reply."""

    takes_views = True

    def __init__(self, reply: Reply) -> None:
        self._reply = reply

    def write(self, data: bytes) -> None:
        pass

    def finish(self) -> Reply:
        return self._reply

    def abort(self) -> None:
        pass


class _Closed(Exception):
    """The session was closed while a transaction task was running."""


# -- one TCP connection -----------------------------------------------------------------
class _Connection(asyncio.BufferedProtocol):
    """A TCP connection: unidentified until its first packet, then one channel of a link.

    Reads go into the server's shared receive buffer (no bytes object per read); what is
    received is handed on as a view of it, consumed before the next read.
    """

    def __init__(self, server: PtpipServer[Any]) -> None:
        self.server = server
        self.loop = server.loop
        self.transport: asyncio.Transport | None = None
        self.link: _Link[Any] | None = None
        self.channel = Channel.COMMAND
        self.closed = False
        self._head = bytearray()
        self._paused = False
        self._waiters: list[asyncio.Future[None]] = []
        self._identify_timer: asyncio.TimerHandle | None = None
        self.split = server.options.faults.split_writes

    # asyncio.Protocol
    def connection_made(self, base: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but behave as one.
        transport = cast(asyncio.Transport, base)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            for level, opt, value in (
                (socket.IPPROTO_TCP, socket.TCP_NODELAY, 1),
                (socket.SOL_SOCKET, socket.SO_SNDBUF, _SOCKET_BUFFER),
                (socket.SOL_SOCKET, socket.SO_RCVBUF, _SOCKET_BUFFER),
            ):
                with contextlib.suppress(OSError):
                    sock.setsockopt(level, opt, value)
        transport.set_write_buffer_limits(high=_WRITE_HIGH_WATER)
        self.server._connections.add(self)
        self._identify_timer = self.loop.call_later(
            self.server.options.handshake_timeout, self._identify_timeout
        )

    def get_buffer(self, sizehint: int) -> memoryview:
        return self.server._recv_view

    def buffer_updated(self, nbytes: int) -> None:
        link = self.link
        if link is not None:
            link.received(self.channel, self.server._recv_view[:nbytes])
        else:
            self.data_received(self.server._recv_view[:nbytes])

    def data_received(self, data: bytes | memoryview) -> None:
        link = self.link
        if link is not None:
            link.received(self.channel, data)
            return
        if self.closed:
            return
        self._head += data
        try:
            packet = peek_init_packet(self._head)
        except DecodeError as exc:
            log.info("closing a connection whose first bytes are not PTP/IP: %s", exc)
            self.close()
            return
        if packet is not None:
            self._cancel_identify_timer()
            head, self._head = bytes(self._head), bytearray()
            self.server._identify(self, packet, head)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._cancel_identify_timer()
        self.server._connections.discard(self)
        self._wake(ConnectionLost("connection closed"))
        if self.link is not None:
            self.link.connection_lost(self.channel)

    def pause_writing(self) -> None:
        self._paused = True

    def resume_writing(self) -> None:
        self._paused = False
        self._wake(None)

    # helpers
    def _identify_timeout(self) -> None:
        self._identify_timer = None
        if self.link is None:
            log.info("closing a connection that sent no Init packet in time")
            self.close()

    def _cancel_identify_timer(self) -> None:
        if self._identify_timer is not None:
            self._identify_timer.cancel()
            self._identify_timer = None

    def _wake(self, exc: Exception | None) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                if exc is None:
                    waiter.set_result(None)
                else:
                    waiter.set_exception(exc)

    async def drain(self) -> None:
        """Wait until the transport's write buffer is below its high-water mark."""
        if self.closed or self.transport is None or self.transport.is_closing():
            raise ConnectionLost("connection closed")
        if not self._paused:
            return
        waiter = self.loop.create_future()
        self._waiters.append(waiter)
        await waiter

    def write(self, data: bytes | bytearray | memoryview) -> None:
        transport = self.transport
        if transport is None or self.closed or transport.is_closing():
            return
        split = self.split
        if split is None or len(data) <= split:
            transport.write(data)
            return
        view = memoryview(data)
        for start in range(0, len(view), split):
            transport.write(bytes(view[start : start + split]))

    def close(self, *, abort: bool = False) -> None:
        transport = self.transport
        self._cancel_identify_timer()
        if transport is None or transport.is_closing():
            return
        if abort:
            transport.abort()
        else:
            transport.close()


# -- one PTP/IP session (command + event connection) ------------------------------------
class InitiatorLink:
    """What the application sees of one connected initiator."""

    def __init__(self, connection_number: int, session: ResponderSession) -> None:
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


class _Link(InitiatorLink, Generic[S]):
    """Drives one ResponderSession: events in, answers out, timers, streaming."""

    def __init__(
        self,
        server: PtpipServer[S],
        connection_number: int,
        session: ResponderSession,
        command: _Connection,
    ) -> None:
        super().__init__(connection_number, session)
        self.server = server
        self.loop = server.loop
        self.options = server.options
        self.faults = server.options.faults
        self.cmd = command
        self.evt: _Connection | None = None
        self.state: S | None = None
        self.accepted = False
        self.closed = False
        self._request: OperationRequested | None = None
        self._sink: DataSink | None = None
        self._sink_bytes = 0
        self._task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0
        self._cmd_busy = False  # a Data packet's payload is being written
        self._held: list[bytes] = []
        self._region: FileRegion | None = None  # the file of a data-in phase under way
        # A duplicate of the command socket's descriptor, to wait for room in the socket
        # during os.sendfile on loops without loop.sendfile (uvloop will not watch a
        # descriptor its transport owns); closed with the link.
        self._write_fd: int | None = None

    # -- input ----------------------------------------------------------------------
    def received(self, channel: Channel, data: bytes | memoryview) -> None:
        if self.closed:
            return
        self.session.receive_data(channel, data, self.loop.time())
        self._pump()

    def connection_lost(self, channel: Channel) -> None:
        if not self.closed:
            log.debug("connection %d: %s connection closed", self.connection_number, channel.value)
            self.close()

    def attach_event_channel(self, conn: _Connection) -> None:
        self.evt = conn
        conn.link = self
        conn.channel = Channel.EVENT

    def _pump(self) -> None:
        session = self.session
        try:
            while not self.closed:
                event = session.next_event()
                if event is None:
                    break
                self._on_event(event)
        except RemoteProtocolError as exc:
            log.info("connection %d: protocol error, closing: %s", self.connection_number, exc)
            self.close()
            return
        except Exception:
            log.exception("connection %d: internal error, closing", self.connection_number)
            self.close()
            return
        if not self.closed:
            self.flush()
            self._arm_timer()

    def _on_event(self, event: SessionEvent) -> None:
        if isinstance(event, OperationRequested):
            self._begin_operation(event)
        elif isinstance(event, DataReceived):
            self._sink_write(event.data)
        elif isinstance(event, DataPhaseEnded):
            self._sink_finish()
        elif isinstance(event, DataPhaseStarted):
            pass
        elif isinstance(event, TransactionCancelled):
            self._on_cancel()
        elif isinstance(event, InitiatorConnected):
            self._on_initiator(event, self.loop.time())
        elif isinstance(event, EventChannelRequested):
            if not self.faults.withhold_event_ack:
                self.session.accept_event_channel(self.loop.time())
        elif isinstance(event, HandshakeCompleted):
            self.state = self.server.app.connect(self)
            log.info(
                "connection %d: initiator %r (GUID %s) connected",
                self.connection_number,
                event.friendly_name,
                event.guid.hex(),
            )
        elif isinstance(event, InitFailed):
            self.flush()
            self.close(graceful=True)
        elif isinstance(event, (TimedOut, ConnectionClosed)):
            log.info("connection %d: %s", self.connection_number, event)
            self.close()
        elif isinstance(event, (ProbeReceived, ProbeAnswered, ProbeUnanswered)):
            log.debug("connection %d: %s", self.connection_number, event)

    def _on_initiator(self, event: InitiatorConnected, now: float) -> None:
        options = self.options
        reason: int | None = None
        if self.faults.init_fail is not None:
            reason = self.faults.init_fail
        elif options.allow_guids is not None and event.guid not in options.allow_guids:
            reason = InitFailReason.RejectedInitiator
        elif (
            options.max_sessions is not None
            and self.server._accepted_count() >= options.max_sessions
        ):
            reason = InitFailReason.Busy
        if reason is not None:
            log.info(
                "connection %d: refusing %r (GUID %s) with Init Fail %d",
                self.connection_number,
                event.friendly_name,
                event.guid.hex(),
                reason,
            )
            self.session.reject(reason, now)
            return
        self.accepted = True
        self.session.accept(now)

    # -- operations -----------------------------------------------------------------
    def _begin_operation(self, request: OperationRequested) -> None:
        self._request = request
        self._sink_bytes = 0
        failure = self.faults.fail.get(request.code)
        result: Dispatched
        if failure is not None:
            result = Reply(failure)
        else:
            assert self.state is not None
            try:
                result = self.server.app.dispatch(self.state, request)
            except Exception:
                log.exception("operation 0x%04X failed", request.code)
                result = Reply(ResponseCode.GeneralError)
        if not isinstance(result, Reply) and asyncio.iscoroutine(result):  # Reply: most often
            if request.data_out:  # not expected: run it, then read and drop the data
                result.close()
                result = Reply(ResponseCode.GeneralError)
            else:
                self._task = self.loop.create_task(self._answer_later(request, result, 0.0))
                return
        if request.data_out:
            self._sink = result if not isinstance(result, Reply) else _DiscardSink(result)
            return
        if not isinstance(result, Reply):  # a data-out operation sent without data
            result = self._finish(result)
        self._answer(request, result)

    def _sink_write(self, data: bytes | memoryview) -> None:
        sink = self._sink
        if sink is None:
            return
        self._sink_bytes += len(data)
        limit = self.faults.drops(self._request.code) if self._request else None
        if limit is not None and self._sink_bytes >= limit:
            log.info("connection %d: fault: dropping after %d bytes", self.connection_number, limit)
            self.close(abort=True)
            return
        try:
            if isinstance(data, memoryview) and not getattr(sink, "takes_views", False):
                data = bytes(data)  # the sink may keep it: a copy of its own
            sink.write(cast(bytes, data))  # a view only where the sink takes views
        except Exception:
            log.exception("data-out sink failed")
            sink.abort()
            self._sink = _DiscardSink(Reply(ResponseCode.GeneralError))

    def _sink_finish(self) -> None:
        sink, self._sink = self._sink, None
        request = self._request
        if sink is None or request is None:
            return
        self._answer(request, self._finish(sink))

    @staticmethod
    def _finish(sink: DataSink) -> Reply:
        try:
            return sink.finish()
        except Exception:
            log.exception("data-out sink failed to finish")
            sink.abort()
            return Reply(ResponseCode.GeneralError)

    def _on_cancel(self) -> None:
        if self._sink is not None:
            sink, self._sink = self._sink, None
            sink.abort()
        if self._task is None:  # nobody else owns the transaction: answer it here
            self.session.send_response(ResponseCode.TransactionCancelled, (), self.loop.time())
        # else: the task streaming or delaying the answer notices session.cancelled

    def _answer(self, request: OperationRequested, reply: Reply) -> None:
        delay = self.faults.delay.get(request.code, 0.0)
        if (
            delay
            or reply.before is not None
            or isinstance(reply.data, FileRegion)
            or self.faults.drops(request.code) is not None
        ):
            if isinstance(reply.data, FileRegion):
                self._region = reply.data  # closed by close() should the task never run
            self._task = self.loop.create_task(self._answer_later(request, reply, delay))
            return
        session = self.session
        now = self.loop.time()
        data = reply.data
        chunk = self.options.data_chunk_size
        if data is None:
            session.send_response(reply.code, reply.params, now)
        elif len(data) <= chunk and (self.options.join_writes or self.faults.coalesce):
            session.answer(reply.code, reply.params, data, now)  # queued as one piece
        else:  # one packet per write, or Data packets of data_chunk_size
            session.start_data_in(len(data), now)
            view = memoryview(data)
            for start in range(0, len(view), chunk):
                session.send_data(view[start : start + chunk], now)
            session.send_response(reply.code, reply.params, now)
        if reply.after is not None:
            self.flush()
            self.spawn(reply.after())

    async def _answer_later(
        self,
        request: OperationRequested,
        pending: Reply | Coroutine[Any, Any, Reply],
        delay: float,
    ) -> None:
        session = self.session
        region: FileRegion | None = None
        try:
            if isinstance(pending, Reply):
                reply = pending
            else:
                reply = await pending
                delay = self.faults.delay.get(request.code, 0.0)
            region = reply.data if isinstance(reply.data, FileRegion) else None
            if delay:
                await asyncio.sleep(delay)
            if reply.before is not None and not session.cancelled:
                await reply.before()
            if self.closed:
                return
            if not session.cancelled and reply.data is not None:
                await self._send_data_phase(request, reply.data)
            if self.closed:
                return
            self._task = None
            now = self.loop.time()
            if session.cancelled:
                session.send_response(ResponseCode.TransactionCancelled, (), now)
                self.flush()
                return
            session.send_response(reply.code, reply.params, now)
            self.flush()
            self._arm_timer()
            if reply.after is not None:
                self.spawn(reply.after())
        except (_Closed, ConnectionLost, ConnectionError):
            self.close()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception(
                "connection %d: answering 0x%04X failed", self.connection_number, request.code
            )
            self.close()
        finally:
            if self._task is asyncio.current_task():
                self._task = None
            if region is not None:
                with contextlib.suppress(OSError):
                    region.file.close()
                if self._region is region:
                    self._region = None

    async def _send_data_phase(self, request: OperationRequested, data: bytes | FileRegion) -> None:
        session = self.session
        total = data.length if isinstance(data, FileRegion) else len(data)
        session.start_data_in(total, self.loop.time())
        self.flush()
        limit = self.faults.drops(request.code)
        if limit is not None and limit == 0:
            raise _Closed
        chunk = self.options.data_chunk_size
        sent = 0
        view = memoryview(data) if isinstance(data, bytes) else None
        while sent < total:
            await self.cmd.drain()
            if self.closed:
                raise _Closed
            n = min(chunk, total - sent)
            header = session.data_header(n)
            if not header:
                return  # cancelled
            cut = n if limit is None else min(n, limit - sent)
            self._cmd_busy = True
            try:
                if view is not None:
                    if cut <= _ONE_WRITE:  # header and payload in one TCP segment
                        self.cmd.write(header + view[sent : sent + cut])
                    else:
                        self.cmd.write(header)
                        self.cmd.write(view[sent : sent + cut])
                else:
                    assert isinstance(data, FileRegion)
                    if cut <= _ONE_WRITE:
                        self.cmd.write(header + _read_exactly(data.file, data.offset + sent, cut))
                    else:
                        self.cmd.write(header)
                        await self._send_file_part(data.file, data.offset + sent, cut)
            finally:
                self._cmd_busy = False
            sent += n
            if limit is not None and sent >= limit:
                log.info(
                    "connection %d: fault: dropping after %d bytes", self.connection_number, limit
                )
                raise _Closed
            self._release_held()
            # Let the loop run between packets: other initiators get their turn, and a
            # Cancel on this command connection gets read.
            await asyncio.sleep(0)

    async def _send_file_part(self, file: BinaryIO, offset: int, count: int) -> None:
        """Write ``count`` bytes of ``file`` from ``offset`` to the command connection.

        Zero-copy first: ``os.sendfile`` straight into the socket while the transport's
        own buffer is empty (so bytes cannot overtake each other) and the socket takes
        them; the rest, if the socket fills up, through ``loop.sendfile`` (which waits for
        room); where neither works, bounded reads. A file that turns out shorter than
        announced is padded with zeros.
        """
        transport = self.cmd.transport
        if transport is None or self.closed:
            raise _Closed
        done = 0
        eof = False
        if self.server.use_sendfile and self.cmd.split is None:
            wait = _SOCKET_FULL_WAIT_MIN
            while True:
                sent, eof = self._sendfile_now(transport, file, offset + done, count - done)
                done += sent
                if done >= count or eof or not self.server.use_sendfile:
                    break
                if self.server.loop_sendfile:
                    try:
                        done += await self.loop.sendfile(
                            transport, file, offset + done, count - done, fallback=False
                        )
                        break
                    except (NotImplementedError, asyncio.SendfileNotAvailableError):
                        self.server.loop_sendfile = False
                    except RuntimeError:
                        if transport.is_closing():
                            raise _Closed from None
                        self.server.loop_sendfile = False  # e.g. uvloop: no loop.sendfile
                else:
                    # The socket is full and the loop cannot wait for it on our behalf
                    # (uvloop): wait until it has room, or where even that is not
                    # possible give it a moment to drain, backing off while it stays full.
                    if transport.is_closing() or self.closed:
                        raise _Closed
                    if not await self._wait_writable(transport):
                        await asyncio.sleep(wait)
                        wait = (
                            _SOCKET_FULL_WAIT_MIN if sent else min(wait * 2, _SOCKET_FULL_WAIT_MAX)
                        )
        if done < count and not eof:
            file.seek(offset + done)
            while done < count:
                piece = file.read(min(count - done, self.options.data_chunk_size))
                if not piece:
                    break
                self.cmd.write(piece)
                done += len(piece)
                if done < count:
                    await self.cmd.drain()
        while done < count:  # the file shrank: the length is already announced
            pad = min(count - done, len(_ZEROS))
            self.cmd.write(_ZEROS[:pad])
            done += pad

    async def _wait_writable(self, transport: asyncio.Transport) -> bool:
        """Wait (up to a bound, so that a closing link is noticed) until the command
        socket has room; False when the loop cannot watch it for us."""
        fd = self._write_fd
        if fd is None:
            sock = transport.get_extra_info("socket")
            if sock is None or not self.server.watch_dup_fd:
                return False
            try:
                fd = self._write_fd = os.dup(sock.fileno())
            except (OSError, ValueError):
                self.server.watch_dup_fd = False
                return False
        try:
            await wait_writable(
                self.loop, fd, _SOCKET_FULL_WAIT_BOUND, still_open=lambda: self._write_fd == fd
            )
        except WATCH_ERRORS:
            self.server.watch_dup_fd = False
            return False
        return True

    def _close_write_fd(self) -> None:
        fd, self._write_fd = self._write_fd, None
        if fd is not None:
            with contextlib.suppress(Exception):
                self.loop.remove_writer(fd)
            with contextlib.suppress(OSError):
                os.close(fd)

    def _sendfile_now(
        self, transport: asyncio.Transport, file: BinaryIO, offset: int, count: int
    ) -> tuple[int, bool]:
        """``os.sendfile`` as far as the socket takes it without blocking: (sent, at EOF)."""
        if transport.get_write_buffer_size():
            return 0, False
        sock = transport.get_extra_info("socket")
        if sock is None:
            return 0, False
        try:
            out_fd, in_fd = sock.fileno(), file.fileno()
        except (OSError, ValueError, io.UnsupportedOperation):
            self.server.use_sendfile = False
            return 0, False
        done = 0
        while done < count:
            try:
                sent = os.sendfile(out_fd, in_fd, offset + done, count - done)
            except (BlockingIOError, InterruptedError):
                break
            except (BrokenPipeError, ConnectionError) as exc:
                raise _Closed from exc
            except OSError:
                if done == 0:  # not a file sendfile can read (or no sendfile here)
                    self.server.use_sendfile = False
                break
            if sent == 0:
                return done, True
            done += sent
        return done, False

    # -- output -----------------------------------------------------------------------
    def flush(self) -> None:
        """Write what the session has queued: joined, one write per connection (or one
        write per packet, without ``join_writes``)."""
        out = self.session.data_to_send()
        if not out:
            return
        if len(out) > 1 and (self.options.join_writes or self.faults.coalesce):
            self._write_coalesced(out)
            return
        for channel, data in out:
            if channel is Channel.COMMAND:
                if self._cmd_busy:
                    self._held.append(data)
                else:
                    self.cmd.write(data)
            elif self.evt is not None:
                self.evt.write(data)

    def _write_coalesced(self, out: Iterable[tuple[Channel, bytes]]) -> None:
        command = [data for channel, data in out if channel is Channel.COMMAND]
        event = [data for channel, data in out if channel is Channel.EVENT]
        if command:
            if self._cmd_busy:
                self._held.extend(command)
            else:
                self.cmd.write(b"".join(command))
        if event and self.evt is not None:
            self.evt.write(b"".join(event))

    def _release_held(self) -> None:
        if self._held:
            held, self._held = self._held, []
            for data in held:
                self.cmd.write(data)

    def send_event(
        self, code: int, params: tuple[int, ...] = (), transaction_id: int = TID_NONE
    ) -> None:
        if self.closed or not self.session.is_ready or self.evt is None:
            return
        self.session.send_event(code, tuple(params), transaction_id)
        self.flush()

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        if self.closed:
            coro.close()
            return
        task = self.loop.create_task(self._guard(coro))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guard(self, coro: Coroutine[Any, Any, None]) -> None:
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("connection %d: background task failed", self.connection_number)

    # -- timers -------------------------------------------------------------------------
    def _arm_timer(self) -> None:
        deadline = self.session.next_deadline()
        if deadline is None:
            return
        if self._timer is not None:
            if self._timer_at <= deadline:
                return  # it fires first; handle_timer then finds nothing due and re-arms
            self._timer.cancel()
        self._timer_at = deadline
        self._timer = self.loop.call_at(deadline, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        if self.closed:
            return
        self.session.handle_timer(max(self.loop.time(), self._timer_at))
        self._pump()

    # -- teardown -------------------------------------------------------------------------
    def close(self, *, graceful: bool = False, abort: bool = False) -> None:
        """End the session: both connections, timers, tasks, the application's state."""
        if self.closed:
            return
        self.closed = True
        self.session.close()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._sink is not None:
            sink, self._sink = self._sink, None
            sink.abort()
        current = asyncio.current_task() if self.loop.is_running() else None
        if self._task is not None and self._task is not current:
            self._task.cancel()
        for task in list(self._tasks):
            if task is not current:
                task.cancel()
        if self._region is not None:
            region, self._region = self._region, None
            with contextlib.suppress(OSError):
                region.file.close()
        self._close_write_fd()  # before the transports close: the socket must not linger
        for conn in (self.cmd, self.evt):
            if conn is not None:
                conn.close(abort=abort and not graceful)
        self.server._links.pop(self.connection_number, None)
        if self.state is not None:
            state, self.state = self.state, None
            try:
                self.server.app.disconnect(state)
            except Exception:
                log.exception("connection %d: disconnect failed", self.connection_number)
        log.debug("connection %d closed", self.connection_number)


# -- the server ---------------------------------------------------------------------------
class PtpipServer(Generic[S]):
    """Listens for PTP/IP initiators and serves each with ``app``.

    Use as ``async with PtpipServer(app, options) as server:`` or call :meth:`start` and
    :meth:`close` / :meth:`wait_closed` yourself.
    """

    def __init__(self, app: ResponderApp[S], options: ServerOptions | None = None) -> None:
        self.app = app
        self.options = options or ServerOptions()
        self.use_sendfile = self.options.use_sendfile
        self.loop_sendfile = True  # False once the loop turns out to lack loop.sendfile
        self.watch_dup_fd = True  # False once the loop turns out unable to watch a dup'd fd
        self._recv_buffer = bytearray(_RECV_BUFFER)  # shared by every connection
        self._recv_view = memoryview(self._recv_buffer)
        self._server: asyncio.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._links: dict[int, _Link[S]] = {}
        self._connections: set[_Connection] = set()
        self._next_number = 1
        self.host = self.options.host
        self.port = self.options.port

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        return self._loop

    async def start(self) -> None:
        """Bind and start accepting connections (``port`` 0 picks a free port)."""
        self._loop = asyncio.get_running_loop()
        self._server = await self._loop.create_server(
            lambda: _Connection(self),
            self.options.host,
            self.options.port,
            reuse_address=True,
            backlog=128,
        )
        sockname = self._server.sockets[0].getsockname()
        self.host, self.port = str(sockname[0]), int(sockname[1])

    @property
    def address(self) -> tuple[str, int]:
        return (self.host, self.port)

    @property
    def links(self) -> list[InitiatorLink]:
        """The initiators whose handshake is complete."""
        return [link for link in self._links.values() if link.state is not None]

    @property
    def sessions(self) -> int:
        """How many initiators are connected (handshake complete)."""
        return len(self.links)

    def _accepted_count(self) -> int:
        return sum(1 for link in self._links.values() if link.accepted and not link.closed)

    def inject_event(
        self, code: int, params: tuple[int, ...] = (), transaction_id: int = TID_NONE
    ) -> None:
        """Send a PTP event to every connected initiator (for tests)."""
        for link in self.links:
            link.send_event(code, tuple(params), transaction_id)

    def _identify(self, conn: _Connection, packet: Packet, head: bytes) -> None:
        if isinstance(packet, InitCommandRequest):
            number = self._next_number
            self._next_number = number + 1 if number < 0xFFFFFFFF else 1
            probe_interval = self.options.probe_interval or self.options.faults.probe_interval
            session = ResponderSession(
                number,
                self.app.guid,
                self.app.friendly_name,
                borrow_data=True,  # data payloads as views of _recv_buffer, not copies
                handshake_timeout=self.options.handshake_timeout,
                probe_interval=probe_interval,
                # an unanswered probe is only noted (never fatal); probe again soon
                probe_timeout=min(10.0, probe_interval) if probe_interval else 10.0,
            )
            link = _Link(self, number, session, conn)
            self._links[number] = link
            conn.link = link
            conn.channel = Channel.COMMAND
            session.start(self.loop.time())
            link.received(Channel.COMMAND, head)
        elif isinstance(packet, InitEventRequest):
            target = self._links.get(packet.connection_number)
            if target is None or target.evt is not None or target.closed:
                log.info("Init Event Request for unknown connection %d", packet.connection_number)
                if conn.transport is not None:
                    conn.transport.write(InitFail(InitFailReason.Unspecified).encode())
                conn.close()
                return
            target.attach_event_channel(conn)
            target.received(Channel.EVENT, head)
        else:
            log.info("closing a connection that began with %s", type(packet).__name__)
            conn.close()

    def close(self) -> None:
        """Stop accepting and end every session."""
        if self._server is not None:
            self._server.close()
        for link in list(self._links.values()):
            link.close()
        for conn in list(self._connections):
            conn.close()

    async def wait_closed(self) -> None:
        if self._server is not None:
            await self._server.wait_closed()
        for _ in range(100):  # let transports finish closing (connection_lost callbacks)
            if not self._connections:
                break
            await asyncio.sleep(0.01)

    async def __aenter__(self) -> PtpipServer[S]:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()
        await self.wait_closed()
