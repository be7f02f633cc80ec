"""The caller's side of the connection: what a task awaits.

The PTP/IP handshake, a probe, and transactions. One transaction runs at a time (PTP
allows no more), serialised by a lock; each resolves one future, set by the pump
(:class:`~ptpkit.aio.connection.Connection`). Data-out phases are written from bytes or
streamed from a file (:mod:`ptpkit.aio.sources`). A non-OK response raises
:class:`~ptpkit.errors.PtpResponseError`. Cancelling a task in the middle of a transaction
(Ctrl-C) sends a PTP/IP Cancel, waits for the camera's response and leaves the session
usable.
"""

from __future__ import annotations

import asyncio
import errno
import logging
from collections.abc import Callable, Collection, Sequence
from typing import Any

from ptpkit.aio.channel import _Chain, _ChannelProtocol, _oserror_words, _Transaction
from ptpkit.aio.connection import Connection
from ptpkit.aio.diagnosis import connect_error, handshake_error
from ptpkit.aio.models import ProgressCallback, Response, Sink
from ptpkit.aio.sources import _BytesSource, _sink_callable, _Source, _takes_views
from ptpkit.errors import (
    ConnectError,
    ConnectionLost,
    InitFailError,
    LocalProtocolError,
    ProtocolError,
    PtpResponseError,
    PtpTimeoutError,
)
from ptpkit.proto.codes import ResponseCode, code_name
from ptpkit.proto.events import Channel, ResponseReceived
from ptpkit.proto.state import TransactionState

_log = logging.getLogger("ptpkit.client")

_RECV_BUFFER = 1 << 20  # one read hands the session up to 1 MiB
_PACKET_SIZE = 4 << 20  # payload per Data packet when we upload
_ONE_WRITE = 64 << 10  # a data-out phase up to this size leaves with its request, at once
_EVENT_CONNECT_RETRIES = 2  # on ECONNREFUSED, 100 ms apart (a Ricoh Theta quirk)


class Transactions(Connection):
    """The handshake, probes and transactions, on top of the pump."""

    # -- connecting -------------------------------------------------------------------
    async def _connect_channel(
        self, loop: asyncio.AbstractEventLoop, channel: Channel, port: int
    ) -> _ChannelProtocol:
        where = f"{self.host}:{port}"
        try:
            _, protocol = await asyncio.wait_for(
                loop.create_connection(
                    lambda: _ChannelProtocol(self, channel, _RECV_BUFFER), self.host, port
                ),
                self.connect_timeout,
            )
        except asyncio.TimeoutError:
            raise ConnectError(
                f"cannot connect to {where}: no answer within {self.connect_timeout:g} s"
            ) from None
        except OSError as exc:
            raise connect_error(self.host, port, exc, _oserror_words(exc)) from exc
        return protocol

    async def _handshake(self, loop: asyncio.AbstractEventLoop) -> None:
        """The PTP/IP handshake on both connections; a failure is said in words
        (:func:`~ptpkit.aio.diagnosis.handshake_error`)."""
        try:
            await self._handshake_steps(loop)
        except (ConnectionLost, ProtocolError, PtpTimeoutError, InitFailError) as exc:
            ack = self._ack_waiter
            raise handshake_error(
                exc,
                host=self.host,
                port=self.port,
                received=bytes(self._handshake_bytes or b""),
                acked=ack is not None and ack.done() and ack.exception() is None,
            ) from exc

    async def _handshake_steps(self, loop: asyncio.AbstractEventLoop) -> None:
        self._ack_waiter = loop.create_future()
        self._ready_waiter = loop.create_future()
        command = await self._connect_channel(loop, Channel.COMMAND, self.port)
        self._channels[Channel.COMMAND] = command
        if self._failure is not None:  # closed (or reset) right after accepting
            raise self._failure
        _log.debug("command connection to %s:%d is up", self.host, self.port)
        self._session.start(loop.time())
        self._after_input()
        ack = await self._ack_waiter
        self.connection_number = ack.connection_number
        self.camera_guid = ack.guid
        self.camera_name = ack.friendly_name
        _log.debug(
            "Init Command Ack from %r, connection %d", ack.friendly_name, ack.connection_number
        )
        event = await self._connect_event_channel(loop)
        if self._failure is not None:  # Init Fail or a timeout while we connected
            if event.transport is not None:
                event.transport.close()
            raise self._failure
        self._channels[Channel.EVENT] = event
        pending, self._pending_event_out = self._pending_event_out, []
        assert event.transport is not None
        for data in pending:
            event.transport.write(data)
        await self._ready_waiter
        _log.debug("PTP/IP handshake complete")

    async def _connect_event_channel(self, loop: asyncio.AbstractEventLoop) -> _ChannelProtocol:
        attempt = 0
        while True:
            try:
                return await self._connect_channel(loop, Channel.EVENT, self.event_port)
            except ConnectError as exc:
                cause = exc.__cause__
                refused = isinstance(cause, OSError) and cause.errno == errno.ECONNREFUSED
                if not refused or attempt >= _EVENT_CONNECT_RETRIES:
                    raise
                attempt += 1
                _log.debug("event connection refused; retry %d in 100 ms", attempt)
                await asyncio.sleep(0.1)

    # -- transactions -------------------------------------------------------------------
    async def transaction(
        self,
        code: int,
        params: Sequence[int] = (),
        *,
        data: bytes | bytearray | memoryview | None = None,
        sink: Sink | None = None,
        progress: ProgressCallback | None = None,
        check: bool = True,
    ) -> Response:
        """Run one operation: ``data`` is sent as its data-out phase; a data-in phase goes
        to ``sink`` (a callable or anything with ``write``) or, without one, into
        :attr:`Response.data`. A non-OK response raises unless ``check`` is False."""
        source = None if data is None else _BytesSource(data)
        return await self._run(
            code, tuple(params), source=source, sink=sink, progress=progress, check=check
        )

    async def _run(
        self,
        code: int,
        params: tuple[int, ...],
        *,
        source: _Source | None = None,
        sink: Sink | None = None,
        progress: ProgressCallback | None = None,
        check: bool = True,
        timeout: float | None = None,
    ) -> Response:
        """One transaction; ``timeout`` replaces the response timeout for it alone."""
        self._check_usable()
        assert self._loop is not None
        async with self._lock:
            self._check_usable()
            write = None if sink is None else _sink_callable(sink)
            future: asyncio.Future[ResponseReceived] = self._loop.create_future()
            txn = _Transaction(code, params, future, write, progress, views_ok=_takes_views(sink))
            self._txn = txn
            debug = _log.isEnabledFor(logging.DEBUG)
            session = self._session
            try:
                now = self._now()
                txn.tid = session.send_request(
                    code,
                    params,
                    data_out_length=None if source is None else source.size,
                    now=now,
                    timeout=timeout,
                )
                small = None if source is None else source.small_payload(_ONE_WRITE)
                if small is not None:
                    # Request, Start Data, End Data and payload leave in one write: a
                    # camera that reads each packet with one recv must get it whole.
                    session.send_data(small, now)
                if debug:
                    _log.debug(
                        "-> %s(%s) tid=%d%s",
                        code_name("operation", code),
                        _hex_params(params),
                        txn.tid,
                        "" if source is None else f" + {source.size} bytes",
                    )
                self._flush()
                self._arm_timer()
                if small is not None and progress is not None:
                    progress(len(small), len(small))
                try:
                    if source is not None and small is None:
                        await self._send_source(txn, source)
                    response = await future
                except asyncio.CancelledError:
                    await self._cancel_transaction(txn)
                    raise
            finally:
                self._txn = None
                self._idle_since = self._now()
                self._last_request_tid = txn.tid
        if debug:
            _log.debug(
                "<- %s(%s) tid=%d%s",
                code_name("response", response.code),
                _hex_params(response.params),
                response.transaction_id,
                f", {txn.received} bytes in" if txn.received else "",
            )
        if txn.error is not None:
            raise txn.error
        if check and response.code != ResponseCode.OK:
            raise PtpResponseError(response.code, operation=code, params=params)
        data = b"".join(txn.chunks) if sink is None else b""
        return Response(response.code, response.params, response.transaction_id, data, txn.received)

    async def _run_chain(
        self,
        code: int,
        params_list: Sequence[tuple[int, ...]],
        on_data: Callable[[tuple[int, ...], bytes], object],
        *,
        skip: Collection[int] = (),
    ) -> list[tuple[int, ...]]:
        """Run ``code`` once for each parameter set, in order, one transaction at a time,
        and hand each one's data-in to ``on_data(params, data)``; returns the parameter
        sets answered with a response code in ``skip`` (the chain goes on past them).

        All of it happens in the protocol callback that receives each Operation Response:
        the next Operation Request is written first, then ``on_data`` runs for the answer
        just in, so that the work on one answer (decoding it) overlaps the camera's on the
        next request instead of adding to it, and this task wakes once, at the end. Only
        one transaction is ever under way, as PTP requires. A non-OK response ends the
        chain with :class:`PtpResponseError`; an exception from ``on_data`` ends it too,
        and is raised here, once the transaction under way has ended.
        """
        self._check_usable()
        if not params_list:
            return []
        assert self._loop is not None
        async with self._lock:
            self._check_usable()
            chain = _Chain(
                code,
                [tuple(p) for p in params_list],
                on_data,
                self._loop.create_future(),
                frozenset(skip),
            )
            if _log.isEnabledFor(logging.DEBUG):
                _log.debug("-> %s x %d, chained", code_name("operation", code), len(chain.params))
            self._chain = chain
            try:
                self._chain_send(chain)
                self._flush()
                self._arm_timer()
                try:
                    await chain.done
                except asyncio.CancelledError:
                    chain.stop = True
                    current = self._txn
                    if current is not None and current.chain is chain:
                        await self._cancel_transaction(current)  # if it is still under way
                    raise
                if chain.error is not None:
                    raise chain.error
                return chain.skipped
            finally:
                self._chain = None
                self._txn = None
                self._idle_since = self._now()

    async def _cancel_transaction(self, txn: _Transaction) -> None:
        """Our task was cancelled mid-transaction: Cancel it and wait for the response, so
        that the session stays usable. Gives up (and closes) after ``cancel_timeout``."""
        if self._failure is not None:
            return
        if txn.future.done() and not txn.future.cancelled():
            return  # the response is already in: nothing to cancel
        if self._session.transaction is TransactionState.IDLE:
            return
        assert self._loop is not None
        # Cancelling our task cancelled the future it awaited: wait on a fresh one.
        waiter: asyncio.Future[ResponseReceived] = self._loop.create_future()
        txn.future = waiter
        try:
            tid = self._session.cancel(self._now())
        except LocalProtocolError:
            return
        if self._rcvlowat:
            self._tune_rcvlowat()  # the rest of the phase is not coming
        if tid is not None:
            _log.debug("cancelling transaction %d", tid)
        self._flush()
        done: set[asyncio.Future[ResponseReceived]] = set()
        try:
            done, _ = await asyncio.wait({waiter}, timeout=self.cancel_timeout)
        except asyncio.CancelledError:  # cancelled again: stop waiting, drop the link
            pass
        if not done:
            self._fail(PtpTimeoutError("the camera did not answer the Cancel"))
        elif waiter.exception() is None:
            _log.debug("cancelled: %s", code_name("response", waiter.result().code))

    async def _send_source(self, txn: _Transaction, source: _Source) -> None:
        """Write the data-out phase: Data packets of up to 4 MiB, the last an End Data."""
        protocol = self._channels[Channel.COMMAND]
        session = self._session
        sent = 0
        total = source.size
        while sent < total:
            if session.transaction is not TransactionState.DATA_OUT or txn.future.done():
                return  # the camera answered early (e.g. StoreFull) or we cancelled
            length = min(_PACKET_SIZE, total - sent)
            # (Fujifilm's variant: the phase is one packet, whose header went first; its
            # pieces have none, and b"" is written.)
            self._write_command(session.data_header(length, self._now()))
            # A packet, once begun, must be finished: our task's cancellation waits for it.
            send = asyncio.ensure_future(source.send(protocol, sent, length))
            try:
                await self._packet_sent(send, txn, protocol)
            except asyncio.CancelledError:
                await self._packet_sent(send, txn, protocol)
                raise
            if self._failure is not None:
                return  # the transaction's future has the failure
            sent += length
            if txn.progress is not None:
                txn.progress(sent, total)
            await protocol.drain()  # (woken when the link fails: Connection._shutdown)

    async def _packet_sent(
        self, send: asyncio.Future[None], txn: _Transaction, protocol: _ChannelProtocol
    ) -> None:
        """Wait until ``send`` has handed one Data packet's payload to the socket, or the
        link has failed (the session's no-progress deadline, a lost connection): then the
        send is cancelled, and the failure is the transaction's (its future has it). After
        an early answer from the camera (nothing tells then whether it still reads) the
        rest of the packet is given ``cancel_timeout``. Our task's cancellation does not
        end the wait: the caller waits again (a packet, once begun, must be finished)."""
        lost = protocol.lost
        answered = txn.future
        deadline: float | None = None
        while not send.done():
            waits: set[asyncio.Future[Any]] = {send, lost}
            if not answered.done():
                waits.add(answered)
            elif deadline is None:
                deadline = self._now() + self.cancel_timeout
            left = None if deadline is None else deadline - self._now()
            if left is not None and left <= 0:
                self._fail(PtpTimeoutError("the camera stopped reading the data we sent"))
            if self._failure is not None or lost.done():
                send.cancel()  # it may wait on a socket that is gone (asyncio's sendfile)
                await asyncio.wait({send})
                break
            await asyncio.wait(waits, timeout=left, return_when=asyncio.FIRST_COMPLETED)
        if send.cancelled():
            return
        error = send.exception()
        if error is not None and self._failure is None and not lost.done():
            raise error


def _hex_params(params: Sequence[int]) -> str:
    return ", ".join(f"0x{p:X}" for p in params)
