"""Where a data phase meets the caller's bytes: the data-out sources, which write a
payload into the command channel from bytes or a file (``sendfile`` where the loop or the
OS has it), and the sink helpers, which say how a data-in phase reaches the caller.
"""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import Callable
from typing import BinaryIO, Protocol

from ptpkit.aio.channel import _ChannelProtocol
from ptpkit.aio.models import Sink
from ptpkit.aio.sockets import WATCH_ERRORS, wait_writable
from ptpkit.errors import TransferError

_SOCKET_WAIT_BOUND = 0.25  # waiting for room in the socket: look at the connection again


def _takes_views(sink: Sink | None) -> bool:
    """Whether ``sink`` is done with each chunk when its call returns: a binary file (its
    ``write`` copies or writes at once), or an object saying so with ``takes_views``."""
    return isinstance(sink, io.IOBase) or getattr(sink, "takes_views", False) is True


def _sink_callable(sink: Sink) -> Callable[[bytes], object]:
    write = getattr(sink, "write", None)
    if write is not None and callable(write):
        return write  # type: ignore[no-any-return]
    if callable(sink):
        return sink
    raise TypeError(f"a sink must be callable or have a write method, not {sink!r}")


# -- data-out sources -------------------------------------------------------------------
class _Source(Protocol):
    size: int

    def small_payload(self, limit: int) -> bytes | None:
        """The whole payload when it is at most ``limit`` bytes (it then leaves in one
        write with its request), else None (it is streamed with :meth:`send`)."""

    async def send(self, protocol: _ChannelProtocol, offset: int, length: int) -> None: ...


class _BytesSource:
    def __init__(self, data: bytes | bytearray | memoryview) -> None:
        self._data = memoryview(data).cast("B") if not isinstance(data, bytes) else data
        self.size = len(self._data)

    def small_payload(self, limit: int) -> bytes | None:
        if self.size > limit:
            return None
        data = self._data
        return data if isinstance(data, bytes) else bytes(data)

    async def send(self, protocol: _ChannelProtocol, offset: int, length: int) -> None:
        assert protocol.transport is not None
        chunk = self._data[offset : offset + length]
        protocol.transport.write(bytes(chunk) if isinstance(chunk, memoryview) else chunk)


class _FileSource:
    """A binary file, sent zero-copy where possible: with ``os.sendfile`` straight into
    the socket where the OS has it (on every loop), else with ``loop.sendfile`` (Windows'
    proactor loop), else read and written.

    ``os.sendfile`` comes first even on asyncio's own loops: their ``loop.sendfile`` stops
    reading the connection while it runs, refuses other writes, and when the transport is
    closed under it (the link failed: a timeout, the event connection lost) it loses its
    wait for room in the socket and never returns (CPython 3.11; issue 12's soak), where
    :func:`_sendfile_to` looks at the connection again at least every 0.25 s."""

    def __init__(self, file: BinaryIO, size: int | None) -> None:
        self._file = file
        self._start = file.tell() if file.seekable() else 0
        if size is None:
            try:
                size = os.fstat(file.fileno()).st_size - self._start
            except (OSError, AttributeError, ValueError):
                raise ValueError("give the size of a file that is not a regular file") from None
        self.size = size
        self._os_sendfile = hasattr(os, "sendfile")
        self._sendfile = not self._os_sendfile  # loop.sendfile: where os.sendfile is not

    def small_payload(self, limit: int) -> bytes | None:
        if self.size > limit:
            return None
        if self._file.seekable():
            self._file.seek(self._start)
        data = self._file.read(self.size)
        if len(data) != self.size:
            raise TransferError(f"the file ended after {len(data)} of {self.size} bytes")
        return data

    async def send(self, protocol: _ChannelProtocol, offset: int, length: int) -> None:
        transport = protocol.transport
        assert transport is not None
        done = 0
        if self._os_sendfile:
            try:
                done = await _sendfile_to(protocol, self._file, self._start + offset, length)
            except _NoSendfile as exc:
                self._os_sendfile = False
                done = exc.done
            else:
                if done != length and not protocol.lost.done() and not transport.is_closing():
                    raise TransferError(
                        f"the file ended after {offset + done} of {self.size} bytes"
                    )
                return  # (a lost connection fails the transaction itself)
        elif self._sendfile:
            loop = asyncio.get_running_loop()
            try:
                sent = await loop.sendfile(
                    transport, self._file, self._start + offset, length, fallback=True
                )
            except (NotImplementedError, AttributeError, TypeError, ValueError):
                self._sendfile = False
            else:
                if sent != length:
                    raise TransferError(
                        f"the file ended after {offset + sent} of {self.size} bytes"
                    )
                return
        if self._file.seekable():
            self._file.seek(self._start + offset + done)
        left = length - done
        while left:
            if transport.is_closing():
                return  # the link failed (the transaction's future says how)
            chunk = self._file.read(min(left, 1 << 20))
            if not chunk:
                raise TransferError(f"the file ended after {offset + length - left} bytes")
            transport.write(chunk)
            left -= len(chunk)
            await protocol.drain()


class _NoSendfile(Exception):
    """os.sendfile cannot send this file to this socket; ``done`` bytes went out."""

    def __init__(self, done: int) -> None:
        super().__init__(done)
        self.done = done


async def _sendfile_to(protocol: _ChannelProtocol, file: BinaryIO, offset: int, count: int) -> int:
    """``count`` bytes of ``file`` from ``offset`` into the protocol's socket with
    ``os.sendfile``, on any loop (uvloop has no ``loop.sendfile``): the bytes sent, fewer at
    the end of the file or once the connection is lost (which fails the transaction).

    Sends only while the transport's own buffer is empty, so that what was written before
    (the packet header) goes first; waits for room in the socket through a duplicate of
    its descriptor (uvloop will not watch the descriptor its transport owns), returning
    once the connection is lost or closing. Raises :class:`_NoSendfile` when sendfile
    cannot be used here.
    """
    transport = protocol.transport
    assert transport is not None
    sock = transport.get_extra_info("socket")
    if sock is None:
        raise _NoSendfile(0)
    try:
        out_fd, in_fd = sock.fileno(), file.fileno()
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        raise _NoSendfile(0) from None
    loop = asyncio.get_running_loop()
    watch: int | None = None
    done = 0
    try:
        while done < count:
            if protocol.lost.done() or transport.is_closing():
                return done
            if not transport.get_write_buffer_size():
                try:
                    sent = os.sendfile(out_fd, in_fd, offset + done, count - done)
                except (BlockingIOError, InterruptedError):
                    sent = -1
                except ConnectionError:  # the camera went away: as a failed write would
                    transport.abort()  # connection_lost fails the transaction
                    await protocol.lost
                    return done
                except OSError:
                    raise _NoSendfile(done) from None  # not a file sendfile can read
                if sent == 0:
                    return done  # end of file
                if sent > 0:
                    done += sent
                    continue
            # The socket (or the transport's buffer) is full: wait for room.
            if watch is None:
                try:
                    watch = os.dup(out_fd)
                except OSError:
                    raise _NoSendfile(done) from None
            try:  # woken by connection_lost too (a drain waiter); bounded: notices a close
                await wait_writable(loop, watch, _SOCKET_WAIT_BOUND, protocol._drain_waiters)
            except WATCH_ERRORS:
                raise _NoSendfile(done) from None
        return done
    finally:
        if watch is not None:
            os.close(watch)
