"""The connection: both TCP connections, and the pump that feeds the sans-IO session.

A thin adapter around a sans-IO initiator session: the CIPA
:class:`~ptpkit.proto.initiator.InitiatorSession` by default, or any other with the same
methods (:mod:`~ptpkit.aio.sessions`: Fujifilm's variant). Two asyncio
protocols (the command and the event connection) feed the bytes they receive into the
sans-IO session, drain its events, and write what it queues; nothing else touches a
socket. The event connection is therefore read continuously, whatever the caller is
doing, probes from the camera are answered at once, and an idle link is kept alive with
probes of our own.

Everything here runs in protocol callbacks: the session's events and timer, the data-in
of the transaction under way (handed to its sink chunk by chunk as it arrives), the next
request of a chain, the camera's events. What a caller's task awaits (the handshake, a
probe, a transaction and its Cancel, a data-out phase) is
:class:`~ptpkit.aio.transactions.Transactions`, the layer above this one.

OS errors and timeouts become :class:`~ptpkit.errors.ConnectError`,
:class:`~ptpkit.errors.PtpTimeoutError` and :class:`~ptpkit.errors.ConnectionLost` here,
at the boundary.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from ptpkit.aio.channel import _Chain, _ChannelProtocol, _oserror_words, _Transaction
from ptpkit.aio.diagnosis import HANDSHAKE_BYTES_KEPT, timeout_error
from ptpkit.aio.events import EventStream
from ptpkit.aio.lowwater import _LowWaterMark
from ptpkit.aio.models import CameraEvent, Storage
from ptpkit.aio.sessions import ClientSession, SessionFactory, ptpip_session
from ptpkit.config import load_identity
from ptpkit.errors import (
    ConnectionLost,
    InitFailError,
    LocalProtocolError,
    ProtocolError,
    PtpError,
    PtpResponseError,
)
from ptpkit.proto.codes import DataType, EventCode, ResponseCode, code_enum
from ptpkit.proto.datasets import DeviceInfo
from ptpkit.proto.events import (
    Channel,
    CommandAckReceived,
    ConnectionClosed,
    DataPhaseEnded,
    DataPhaseStarted,
    DataReceived,
    EventReceived,
    ForeignTransactionId,
    HandshakeCompleted,
    InitFailed,
    ProbeAnswered,
    ProbeReceived,
    ProbeUnanswered,
    ResponseReceived,
    TimedOut,
    TransactionCancelled,
)

if TYPE_CHECKING:
    from ptpkit.dialects.base import Dialect

_log = logging.getLogger("ptpkit.client")

#: The PTP/IP port (CIPA DC-005), for both connections.
DEFAULT_PORT = 15740

#: How an idle link is kept alive and checked (see :mod:`ptpkit.aio.liveness`): "auto"
#: probes while the camera answers probes and switches to a cheap command when it
#: ignores one; "probe" only probes (a miss is a dead link); "command" runs a cheap
#: command; "off" does nothing.
KEEPALIVE_MODES = ("auto", "probe", "command", "off")


#: Events after which the cached folder paths (and, for store events, storages) are stale.
_INVALIDATING_EVENTS = frozenset(
    {
        EventCode.ObjectRemoved,
        EventCode.ObjectInfoChanged,
        EventCode.StoreAdded,
        EventCode.StoreRemoved,
        EventCode.DeviceReset,
        EventCode.StorageInfoChanged,
    }
)


def _ignore(event: object) -> None:
    """What the client does with an event that needs nothing done."""


def _log_foreign_tid(event: ForeignTransactionId) -> None:
    _log.debug(
        "warning: the camera answered transaction %d as %d (its own counter); taken as its answer",
        event.transaction_id,
        event.foreign_id,
    )


class _ProbesIgnored(ConnectionLost):
    """A probe of ours went unanswered by a camera that never answers them."""


class Connection(_LowWaterMark):
    """The camera's connection: its state, the pump, shutting down.

    The base of :class:`~ptpkit.aio.client.Camera`; the layers above it add the
    handshake and transactions, the typed operations, listing, transfers, capture and
    device properties.
    """

    def __init__(
        self,
        host: str,
        port: int = DEFAULT_PORT,
        *,
        guid: bytes | str | None = None,
        name: str | None = None,
        event_port: int | None = None,
        handshake_timeout: float | None = 60.0,
        response_timeout: float | None = 60.0,
        data_timeout: float | None = None,
        keepalive: str = "auto",
        probe_interval: float | None = 15.0,
        probe_timeout: float = 10.0,
        connect_timeout: float = 10.0,
        cancel_timeout: float = 10.0,
        event_queue_size: int = 1000,
        session_id: int = 1,
        open_session: bool = True,
        session_factory: SessionFactory | None = None,
    ) -> None:
        identity = load_identity(guid, name)
        self.host = host
        self.port = port
        self.event_port = port if event_port is None else event_port
        self.guid = identity.guid
        self.name = identity.name
        self.connect_timeout = connect_timeout
        self.cancel_timeout = cancel_timeout
        self.event_queue_size = event_queue_size
        self.session_id = session_id
        self._want_session = open_session
        if keepalive not in KEEPALIVE_MODES:
            raise ValueError(f"keepalive must be one of {', '.join(KEEPALIVE_MODES)}")
        if probe_interval is None:
            keepalive = "off"  # the old way to say it
        self.keepalive = keepalive
        #: Seconds of quiet after which the link is checked (probe or command).
        self.keepalive_interval = probe_interval or 15.0
        self._session: ClientSession = (session_factory or ptpip_session)(
            identity.guid,
            identity.name,
            handshake_timeout=handshake_timeout,
            response_timeout=response_timeout,
            data_timeout=data_timeout,
            probe_interval=probe_interval if keepalive in ("auto", "probe") else None,
            probe_timeout=probe_timeout,
            strict_probes=keepalive == "probe",
        )
        self._handshake_timeout = handshake_timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._channels: dict[Channel, _ChannelProtocol] = {}
        self._pending_event_out: list[bytes] = []
        self._lock = asyncio.Lock()
        self._txn: _Transaction | None = None
        self._chain: _Chain | None = None
        self._failure: PtpError | None = None
        # SO_RCVLOWAT of the command socket (see _LowWaterMark).
        self._rcvlowat = 1
        self._rcvlowat_check = None
        self._rcvlowat_owed = None
        # Session events by type: the handler of each (see _after_input).
        self._handlers: dict[type, Callable[[Any], None]] = {
            DataReceived: self._on_data_received,
            ResponseReceived: self._on_response,
            DataPhaseStarted: self._on_data_started,
            DataPhaseEnded: _ignore,
            EventReceived: self._on_event_received,
            ProbeAnswered: self._on_probe_answered,
            CommandAckReceived: self._on_command_ack,
            HandshakeCompleted: self._on_handshake_completed,
            InitFailed: self._on_init_failed,
            TimedOut: self._on_timed_out,
            ConnectionClosed: self._on_connection_closed,
            TransactionCancelled: self._on_transaction_cancelled,
            # ProbeReceived: the core has already queued the Probe Response.
            ProbeReceived: _ignore,
            ProbeUnanswered: self._on_probe_unanswered,
            ForeignTransactionId: _log_foreign_tid,
        }
        self._closing = False
        self._closed = False
        self._idle_since = 0.0  # when the last transaction ended (see Transactions._run)
        self._last_request_tid = 0  # our id of the last transaction (the camera may use its own)
        # The start of what the camera sent before the handshake completed (then None).
        self._handshake_bytes: bytearray | None = bytearray()
        self._ack_waiter: asyncio.Future[CommandAckReceived] | None = None
        self._ready_waiter: asyncio.Future[HandshakeCompleted] | None = None
        self._probe_waiters: list[asyncio.Future[None]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at: float | None = None
        self._streams: list[EventStream] = []
        self._backlog: EventStream | None = None
        self._path_cache: dict[int, str] = {}
        self._storages: dict[int, Storage] = {}
        self._prop_types: dict[int, DataType] = {}
        #: The camera's DeviceInfo, read right after the session opened.
        self.device_info = DeviceInfo()
        #: How this camera's vendor is spoken (:mod:`ptpkit.dialects`): set by the
        #: client once DeviceInfo is read (the generic dialect until then).
        self.dialect: Dialect
        #: What the camera said about itself in its Init Command Ack.
        self.camera_name = ""
        self.camera_guid = b""
        self.connection_number: int | None = None

    # -- state, failing and shutting down ------------------------------------------------
    @property
    def is_connected(self) -> bool:
        return self._failure is None and not self._closing and self._session.is_ready

    def _shutdown(self, error: PtpError | None) -> None:
        """End everything: waiters, event streams, timer and both connections."""
        if error is not None and self._failure is None:
            self._failure = error
        self._closing = True
        failure: PtpError = self._failure or ConnectionLost("the camera connection is closed")
        for waiter in (self._ack_waiter, self._ready_waiter):
            if waiter is not None and not waiter.done():
                waiter.set_exception(failure)
                waiter.exception()  # retrieved: nobody else may await it
        txn = self._txn
        if txn is not None and not txn.future.done():
            txn.future.set_exception(failure)
            # Retrieved here: a task awaiting it still gets the error, and one that gave up
            # (a chain's caller awaits chain.done; a Cancel nobody answered) leaves no
            # "Future exception was never retrieved" behind.
            txn.future.exception()
        chain = self._chain
        if chain is not None and not chain.done.done():
            chain.done.set_exception(failure)
        for probe in self._probe_waiters:
            if not probe.done():
                probe.set_exception(failure)
                probe.exception()  # as above
        self._probe_waiters.clear()
        for stream in list(self._streams):
            stream._end(self._failure)
        self._streams.clear()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._rcvlowat_check is not None:
            self._rcvlowat_check.cancel()
            self._rcvlowat_check = None
        self._session.close()
        for protocol in self._channels.values():
            protocol._wake_drain(None)  # a close waits for the camera to read what is queued
            if protocol.transport is not None:
                protocol.transport.close()

    async def _wait_closed(self) -> None:
        pending = [p.lost for p in self._channels.values() if not p.lost.done()]
        if pending:
            await asyncio.wait(pending, timeout=2.0)
            for protocol in self._channels.values():
                if protocol.transport is not None and not protocol.lost.done():
                    protocol.transport.abort()

    def _fail(self, error: PtpError) -> None:
        if self._failure is not None or self._closing:
            return
        _log.debug("connection failed: %s", error)
        self._shutdown(error)

    def _check_usable(self) -> None:
        if self._failure is not None:
            raise self._failure
        if self._closing or self._loop is None:
            raise ConnectionLost("the camera connection is closed")

    # -- feeding the session ------------------------------------------------------------
    def _now(self) -> float:
        loop = self._loop
        assert loop is not None
        return loop.time()

    def _on_data(self, channel: Channel, data: memoryview) -> None:
        kept = self._handshake_bytes
        if kept is not None and channel is Channel.COMMAND and len(kept) < HANDSHAKE_BYTES_KEPT:
            kept += data[: HANDSHAKE_BYTES_KEPT - len(kept)]  # for errors in words
        self._session.receive_data(channel, data, self._now())
        self._after_input()
        if self._rcvlowat:
            self._tune_rcvlowat()

    def _on_eof(self, channel: Channel) -> None:
        if self._closing:
            return
        self._session.receive_data(channel, b"", self._now())
        self._after_input()

    def _on_connection_lost(self, channel: Channel, exc: Exception | None) -> None:
        if self._closing:
            return
        self._session.receive_data(channel, b"", self._now())
        self._after_input()
        if exc is not None:
            detail = _oserror_words(exc)
            self._fail(ConnectionLost(f"the {channel.value} connection was lost: {detail}"))
        else:
            self._fail(ConnectionLost(f"the camera closed the {channel.value} connection"))

    def _after_input(self) -> None:
        """Drain the session's events, write what it queued, re-arm the timer; then hand
        a chain's answers on (after the write: see _run_chain)."""
        session = self._session
        handlers = self._handlers
        try:
            while True:
                event = session.next_event()
                if event is None:
                    break
                handlers[type(event)](event)
        except ProtocolError as exc:
            self._flush()
            if "closed in the middle" in str(exc):
                self._fail(ConnectionLost(f"the camera closed the connection: {exc}"))
            else:
                self._fail(exc)
            return
        self._flush()
        self._arm_timer()
        chain = self._chain
        if chain is not None and chain.answered:
            self._chain_deliver(chain)

    # -- what each session event does (Connection._handlers) -----------------------------
    def _on_data_received(self, event: DataReceived) -> None:
        txn = self._txn
        if txn is not None:
            self._on_txn_data(txn, event.data)

    def _on_response(self, event: ResponseReceived) -> None:
        txn = self._txn
        if txn is not None and not txn.future.done():
            if txn.chain is not None:
                self._chain_answered(txn, event)
            txn.future.set_result(event)

    def _on_data_started(self, event: DataPhaseStarted) -> None:
        txn = self._txn
        if txn is not None:
            txn.total = event.total_length
            if txn.progress is not None:
                txn.progress(0, event.total_length)

    def _on_event_received(self, event: EventReceived) -> None:
        dialect = self.dialect
        camera_event = CameraEvent(
            code_enum("event", event.code),
            event.transaction_id,
            event.params,
            "channel",
            dialect.vendor,
        )
        if dialect.accepts_channel_event(camera_event):
            self._on_camera_event(camera_event)
        elif _log.isEnabledFor(logging.DEBUG):
            _log.debug("event %s from the event channel ignored (the dialect polls)", camera_event)

    def _on_probe_answered(self, event: ProbeAnswered) -> None:
        waiters, self._probe_waiters = self._probe_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def _on_probe_unanswered(self, event: ProbeUnanswered) -> None:
        """A camera that never answered a probe ignored one: keep the link alive with
        commands from now on (see :mod:`ptpkit.aio.keepalive`)."""
        _log.debug("the camera does not answer probes: keep-alive by command from now on")
        waiters, self._probe_waiters = self._probe_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_exception(_ProbesIgnored())
                waiter.exception()  # retrieved here: ping() falls back to a command
        self._probes_ignored()

    def _probes_ignored(self) -> None:
        """Hook: the keep-alive layer switches to commands."""

    def _on_command_ack(self, event: CommandAckReceived) -> None:
        if self._ack_waiter is not None and not self._ack_waiter.done():
            self._ack_waiter.set_result(event)

    def _on_handshake_completed(self, event: HandshakeCompleted) -> None:
        self._handshake_bytes = None
        if self._ready_waiter is not None and not self._ready_waiter.done():
            self._ready_waiter.set_result(event)

    def _on_init_failed(self, event: InitFailed) -> None:
        self._fail(InitFailError(event.reason))

    def _on_timed_out(self, event: TimedOut) -> None:
        session = self._session
        self._fail(
            timeout_error(
                event.what,
                handshake_timeout=self._handshake_timeout,
                operation=session.operation,
                timeout=session.current_timeout,
            )
        )

    def _on_connection_closed(self, event: ConnectionClosed) -> None:
        self._fail(ConnectionLost(f"the camera closed the {event.channel.value} connection"))

    def _on_transaction_cancelled(self, event: TransactionCancelled) -> None:
        _log.debug("the camera cancelled transaction %d", event.transaction_id)

    def _on_txn_data(self, txn: _Transaction, data: bytes | memoryview) -> None:
        if txn.error is not None:
            return
        txn.received += len(data)
        sink = txn.sink
        try:
            # data may be a view of the receive buffer, reused by the next read: kept or
            # handed to a callable of the caller's, it is copied first.
            if sink is None:
                txn.chunks.append(bytes(data))
            elif txn.views_ok:
                sink(cast(bytes, data))  # bytes-like: all a file's write needs
            else:
                sink(bytes(data))
            if txn.progress is not None:
                txn.progress(txn.received, txn.total)
        except Exception as exc:  # a full disk, a failing callback: cancel, keep the session
            txn.error = exc
            try:
                self._session.cancel(self._now())
            except LocalProtocolError:  # pragma: no cover - nothing under way any more
                pass
            if self._rcvlowat:
                self._tune_rcvlowat()  # the rest of the phase is not coming

    def _flush(self) -> None:
        out = self._session.data_to_send()
        if not out:
            return
        command: list[bytes] = []
        for channel, data in out:
            if channel is Channel.COMMAND:
                command.append(data)
            else:
                self._write_event(data)
        if command:
            self._write_command(command[0] if len(command) == 1 else b"".join(command))

    def _write_command(self, data: bytes) -> None:
        protocol = self._channels.get(Channel.COMMAND)
        if protocol is not None and protocol.transport is not None:
            protocol.transport.write(data)

    def _write_event(self, data: bytes) -> None:
        protocol = self._channels.get(Channel.EVENT)
        if protocol is None or protocol.transport is None:
            self._pending_event_out.append(data)  # the event connection is being opened
        else:
            protocol.transport.write(data)

    def _arm_timer(self) -> None:
        deadline = self._session.next_deadline()
        if deadline is None:
            return
        armed = self._timer_at
        if armed is not None and armed <= deadline:
            return  # fires early, finds nothing due, and re-arms
        if self._timer is not None:
            self._timer.cancel()
        assert self._loop is not None
        self._timer_at = deadline
        self._timer = self._loop.call_at(deadline, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self._timer_at = None
        if self._closing:
            return
        self._session.handle_timer(self._now())
        self._after_input()

    # -- events -------------------------------------------------------------------------
    def _subscribe(self, maxsize: int | None = None) -> EventStream:
        stream = EventStream(self, maxsize or self.event_queue_size)
        self._streams.append(stream)
        self._listeners_changed()
        return stream

    def _unsubscribe(self, stream: EventStream) -> None:
        if stream in self._streams:
            self._streams.remove(stream)
        if stream is self._backlog:
            self._backlog = None
        self._listeners_changed()

    @property
    def _listening(self) -> bool:
        """Whether anyone waits for events: a stream other than the backlog kept since
        the connection opened (an ``events()`` reader, a capture, ``sync --watch``)."""
        backlog = self._backlog
        return any(stream is not backlog for stream in self._streams)

    def _listeners_changed(self) -> None:
        """A stream was opened or closed (the camera starts or stops polling here)."""

    def _on_camera_event(self, event: CameraEvent) -> None:
        if event.code in _INVALIDATING_EVENTS:
            self._path_cache.clear()
            if event.code in (EventCode.StoreAdded, EventCode.StoreRemoved):
                self._storages.clear()
        if _log.isEnabledFor(logging.DEBUG):
            _log.debug("event %s tid=%d params=%s", event.name, event.transaction_id, event.params)
        for stream in self._streams:
            stream._push(event)

    def events(self, maxsize: int | None = None) -> EventStream:
        """The camera's events as an async iterator (see :class:`EventStream`).

        The first call also receives what arrived since the connection opened (up to the
        queue bound); later calls start from the moment they are made.
        """
        self._check_usable()
        backlog = self._backlog
        if backlog is not None and maxsize is None:
            self._backlog = None
            self._listeners_changed()
            return backlog
        return self._subscribe(maxsize)

    # -- a chain's callbacks (see Transactions._run_chain) ------------------------------
    def _chain_deliver(self, chain: _Chain) -> None:
        """Hand the chain's answers to its on_data; end the chain once nothing is under way."""
        while chain.answered:
            params, response, data = chain.answered.popleft()
            if chain.error is not None:
                continue  # the chain is ending: what still arrives is dropped
            if response.code != ResponseCode.OK:
                if response.code in chain.skip:
                    chain.skipped.append(params)
                    continue
                chain.error = PtpResponseError(response.code, operation=chain.code, params=params)
                chain.stop = True
                continue
            try:
                chain.on_data(params, data)
            except Exception as exc:  # raised by _run_chain once the chain has ended
                chain.error = exc
                chain.stop = True
        current = self._txn
        if (current is None or current.future.done()) and not chain.done.done():
            chain.done.set_result(None)

    def _chain_send(self, chain: _Chain) -> None:
        """Send the chain's next request (the caller writes it out)."""
        assert self._loop is not None
        params = chain.params[chain.sent]
        chain.sent += 1
        txn = _Transaction(chain.code, params, self._loop.create_future(), None, None)
        txn.chain = chain
        self._txn = txn
        txn.tid = self._session.send_request(chain.code, params, now=self._now())

    def _chain_answered(self, txn: _Transaction, response: ResponseReceived) -> None:
        """A chained transaction ended: keep its answer, and send the next request now."""
        chain = txn.chain
        assert chain is not None
        chain.answered.append((txn.params, response, b"".join(txn.chunks)))
        going = response.code == ResponseCode.OK or response.code in chain.skip
        if going and not chain.stop and chain.sent < len(chain.params):
            self._chain_send(chain)  # written out by _after_input, once this event is done
