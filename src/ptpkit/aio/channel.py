"""What the connection's pump works with: one TCP connection (:class:`_ChannelProtocol`),
the transaction under way (:class:`_Transaction`) and a chain of them (:class:`_Chain`).

A channel reads into a reused buffer and hands each read to its owner, the connection
(``Connection._on_data``); it never parses anything itself.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol, cast

from ptpkit.aio.models import ProgressCallback
from ptpkit.proto.events import Channel, ResponseReceived

_WRITE_HIGH_WATER = 4 << 20
_TCP_QUICKACK: int | None = getattr(socket, "TCP_QUICKACK", None)  # Linux only


class _Receiver(Protocol):
    """What a channel hands its bytes to (the connection)."""

    def _on_data(self, channel: Channel, data: memoryview, /) -> None: ...
    def _on_eof(self, channel: Channel, /) -> None: ...
    def _on_connection_lost(self, channel: Channel, exc: Exception | None, /) -> None: ...


def _oserror_words(exc: BaseException) -> str:
    """An OS error in words: "Connection refused", not asyncio's "Connect call failed"."""
    if isinstance(exc, OSError):
        number = exc.errno
        if number is None:  # asyncio's "Multiple exceptions: [Errno 111] ..., ..."
            found = re.search(r"\[Errno (\d+)\]", str(exc))
            number = int(found.group(1)) if found else None
        if number:
            try:
                return os.strerror(number)
            except ValueError:  # pragma: no cover - an errno the platform does not know
                pass
        if exc.strerror:
            return exc.strerror
    return str(exc) or type(exc).__name__


# -- the two connections --------------------------------------------------------------
class _ChannelProtocol(asyncio.BufferedProtocol):
    """One TCP connection: reads into a reused buffer and hands the bytes to the camera."""

    def __init__(self, camera: _Receiver, channel: Channel, buffer_size: int) -> None:
        self._camera = camera
        self.channel = channel
        self._buffer = bytearray(buffer_size)
        self._view = memoryview(self._buffer)
        self.transport: asyncio.Transport | None = None
        self.sock: Any = None  # the transport's socket (setsockopt only)
        self._quickack = False  # TCP_QUICKACK after each read (Linux)
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._paused = False
        self._drain_waiters: list[asyncio.Future[None]] = []

    def connection_made(self, base: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but behave as one.
        transport = cast(asyncio.Transport, base)
        self.transport = transport
        sock = self.sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:  # pragma: no cover - not a TCP socket
                pass
            self._quickack = _TCP_QUICKACK is not None
        # The kernel's receive buffer is left to autotune: setting SO_RCVBUF would cap it
        # at net.core.rmem_max (often 208 KiB), below what autotuning reaches.
        transport.set_write_buffer_limits(high=_WRITE_HIGH_WATER)

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._view

    def buffer_updated(self, nbytes: int) -> None:
        if self._quickack:
            self._ack_now()
        self._camera._on_data(self.channel, self._view[:nbytes])

    def _ack_now(self) -> None:
        """TCP_QUICKACK: acknowledge what was just read at once, not ~40 ms later.

        A camera that writes a Data packet and then its response without TCP_NODELAY
        (Nagle) holds the response until the Data is acknowledged; with Linux's delayed
        ACK that costs 40 ms a transaction (a 1,000-object listing: 44 s). The kernel
        leaves quick-ACK mode on its own, so it is asked for again after every read."""
        try:
            self.sock.setsockopt(socket.IPPROTO_TCP, _TCP_QUICKACK, 1)
        except (OSError, AttributeError, TypeError, ValueError):
            self._quickack = False

    def eof_received(self) -> bool:
        self._camera._on_eof(self.channel)
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.lost.done():
            self.lost.set_result(None)
        self._wake_drain(exc)
        self._camera._on_connection_lost(self.channel, exc)

    def pause_writing(self) -> None:
        self._paused = True

    def resume_writing(self) -> None:
        self._paused = False
        self._wake_drain(None)

    def _wake_drain(self, exc: Exception | None) -> None:
        waiters, self._drain_waiters = self._drain_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def drain(self) -> None:
        if not self._paused or self.lost.done():
            return
        waiter = asyncio.get_running_loop().create_future()
        self._drain_waiters.append(waiter)
        await waiter


class _Transaction:
    """The transaction under way: its future, and where its data-in goes."""

    __slots__ = (
        "chain",
        "chunks",
        "code",
        "error",
        "future",
        "params",
        "progress",
        "received",
        "sink",
        "tid",
        "total",
        "views_ok",
    )

    def __init__(
        self,
        code: int,
        params: tuple[int, ...],
        future: asyncio.Future[ResponseReceived],
        sink: Callable[[bytes], object] | None,
        progress: ProgressCallback | None,
        *,
        views_ok: bool = False,
    ) -> None:
        self.code = code
        self.params = params
        self.future = future
        self.sink = sink
        # The sink consumes each chunk during the call (a file's write): it may be given a
        # view of the receive buffer instead of a copy.
        self.views_ok = views_ok
        self.progress = progress
        self.chunks: list[bytes] = []
        self.received = 0
        self.total: int | None = None
        self.error: BaseException | None = None
        self.tid = 0
        self.chain: _Chain | None = None


class _Chain:
    """One operation run with many parameter sets, back to back (Transactions._run_chain)."""

    __slots__ = (
        "answered",
        "code",
        "done",
        "error",
        "on_data",
        "params",
        "sent",
        "skip",
        "skipped",
        "stop",
    )

    def __init__(
        self,
        code: int,
        params: list[tuple[int, ...]],
        on_data: Callable[[tuple[int, ...], bytes], object],
        done: asyncio.Future[None],
        skip: frozenset[int] = frozenset(),
    ) -> None:
        self.code = code
        self.params = params
        self.on_data = on_data
        #: response codes that do not end the chain: that transaction's parameters go to
        #: ``skipped`` instead of on_data (an object deleted meanwhile: InvalidObjectHandle)
        self.skip = skip
        self.skipped: list[tuple[int, ...]] = []
        #: set once the last transaction under way has ended and every answer was handed
        #: to on_data; or set with the connection's failure
        self.done = done
        self.sent = 0  # how many requests went out
        self.stop = False  # send no more requests
        self.error: BaseException | None = None  # what ends the chain: a non-OK response,
        # or what on_data raised
        #: finished transactions, not yet handed on: (params, response, data-in)
        self.answered: deque[tuple[tuple[int, ...], ResponseReceived, bytes]] = deque()
