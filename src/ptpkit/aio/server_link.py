"""One PTP/IP session on the responder (command and event connection): the link pumps
the sans-IO session (:class:`~ptpkit.proto.responder.ResponderSession`, or another with
its methods, :class:`~ptpkit.aio.responder_app.ServerSession`), hands operations to the
application and answers them (delays, data-out sinks, cancels, timers, teardown). Its
output half — writes, data phases, sendfile — is :class:`~ptpkit.aio.responder_io.LinkOutput`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Coroutine
from typing import Any, Generic, Protocol, cast

from ptpkit.aio.responder_app import (
    DataSink,
    Dispatched,
    FileRegion,
    InitiatorLink,
    Reply,
    ResponderApp,
    S,
    ServerSession,
)
from ptpkit.aio.responder_io import LinkOutput, ServerHost, _Closed, _Connection
from ptpkit.aio.server_options import Quirk
from ptpkit.errors import ConnectionLost, RemoteProtocolError
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

__all__ = ["LinkHost"]

log = logging.getLogger("ptpkit.server")


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


class LinkHost(ServerHost, Protocol[S]):
    """What a link needs from its server (:class:`~ptpkit.aio.server.PtpipServer`)."""

    app: ResponderApp[S]
    _links: dict[int, Any]  # connection number → link

    def _accepted_count(self) -> int:
        """How many links have been accepted and are not closed."""


class _Link(InitiatorLink, LinkOutput, Generic[S]):
    """Drives one ResponderSession: events in, answers out, timers, streaming."""

    server: LinkHost[S]

    def __init__(
        self,
        server: LinkHost[S],
        connection_number: int,
        session: ServerSession,
        command: _Connection,
    ) -> None:
        super().__init__(connection_number, session)
        self.server = server
        self.loop = server.loop
        self.options = server.options
        self.faults = server.options.faults
        self.cmd = command
        self.evt = None
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
        self._drop_timer: asyncio.TimerHandle | None = None  # Faults.random_drops
        self._no_events = self.faults.has(Quirk.NO_EVENTS)
        self._cmd_busy = False
        self._held = []
        self._region: FileRegion | None = None  # the file of a data-in phase under way
        self._write_fd = None  # see LinkOutput

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
            mean = self.faults.random_drops
            if mean is not None:
                self._drop_timer = self.loop.call_later(
                    random.expovariate(1.0 / mean), self._random_drop
                )
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
            if isinstance(result, Reply) and result.data is not None:
                # A data-in operation sent with a data-out phase: no data can go back in
                # this transaction; read and drop the initiator's data, answer an error.
                if isinstance(result.data, FileRegion):
                    result.data.file.close()
                log.info(
                    "connection %d: 0x%04X came with a data-out phase, but its data "
                    "phase goes to the initiator",
                    self.connection_number,
                    request.code,
                )
                result = Reply(ResponseCode.GeneralError)
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

    def send_event(
        self, code: int, params: tuple[int, ...] = (), transaction_id: int = TID_NONE
    ) -> None:
        if self.closed or not self.session.is_ready or self.evt is None or self._no_events:
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
    def _random_drop(self) -> None:
        self._drop_timer = None
        log.info("connection %d: fault: dropping at a random moment", self.connection_number)
        self.close(abort=True)

    def close(self, *, graceful: bool = False, abort: bool = False) -> None:
        """End the session: both connections, timers, tasks, the application's state."""
        if self.closed:
            return
        self.closed = True
        self.session.close()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._drop_timer is not None:
            self._drop_timer.cancel()
            self._drop_timer = None
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
