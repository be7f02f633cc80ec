"""The responder's write path: each TCP connection (:class:`_Connection`: socket options,
reads into the server's shared receive buffer, writes, flow control) and the output half
of a session's link (:class:`LinkOutput`: what the session queues, joined or one write per
packet; data-in phases in bounded Data packets, zero-copy with ``sendfile``).

Everything the responder writes to a socket goes through here (the Init Fail for an
unknown Init Event Request excepted, see :meth:`~ptpkit.aio.server.PtpipServer._identify`).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import socket
from collections.abc import Iterable
from typing import BinaryIO, Protocol, cast

from ptpkit.aio.responder_app import FileRegion, ServerSession
from ptpkit.aio.responder_quirks import WholePacketReads, packet_writes
from ptpkit.aio.server_options import FaultPolicy, Quirk, ServerOptions
from ptpkit.aio.sockets import WATCH_ERRORS, wait_writable
from ptpkit.errors import ConnectionLost, DecodeError
from ptpkit.proto.events import Channel, OperationRequested
from ptpkit.proto.packets import Packet
from ptpkit.proto.responder import peek_init_packet

__all__ = ["ChannelOwner", "LinkOutput", "ServerHost"]

log = logging.getLogger("ptpkit.server")

_SOCKET_BUFFER = 4 << 20
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


class ServerHost(Protocol):
    """What connections and links need from their server
    (:class:`~ptpkit.aio.server.PtpipServer`)."""

    options: ServerOptions
    use_sendfile: bool
    loop_sendfile: bool  # False once the loop turns out to lack loop.sendfile
    watch_dup_fd: bool  # False once the loop turns out unable to watch a dup'd fd
    _recv_view: memoryview  # the receive buffer every connection reads into
    _connections: set[_Connection]

    @property
    def loop(self) -> asyncio.AbstractEventLoop: ...

    def _identify(self, conn: _Connection, packet: Packet, head: bytes) -> None:
        """A connection's first packet arrived: start a session or join one."""


class ChannelOwner(Protocol):
    """The link a connection belongs to, once identified (one of its two channels)."""

    def received(self, channel: Channel, data: bytes | memoryview) -> None: ...
    def connection_lost(self, channel: Channel) -> None: ...


class _Closed(Exception):
    """The session was closed while a transaction task was running."""


# -- one TCP connection -----------------------------------------------------------------
class _Connection(asyncio.BufferedProtocol):
    """A TCP connection: unidentified until its first packet, then one channel of a link.

    Reads go into the server's shared receive buffer (no bytes object per read); what is
    received is handed on as a view of it, consumed before the next read.
    """

    def __init__(self, server: ServerHost) -> None:
        self.server = server
        self.loop = server.loop
        self.transport: asyncio.Transport | None = None
        self.link: ChannelOwner | None = None
        self.channel = Channel.COMMAND
        self.closed = False
        self._head = bytearray()
        self._paused = False
        self._waiters: list[asyncio.Future[None]] = []
        self._identify_timer: asyncio.TimerHandle | None = None
        faults = server.options.faults
        self.split = faults.split_writes
        self.nagle = faults.has(Quirk.NAGLE)
        # Quirk.ONE_RECV_PER_PACKET: a small packet cut across reads closes the connection.
        self.reads = WholePacketReads() if faults.has(Quirk.ONE_RECV_PER_PACKET) else None

    # asyncio.Protocol
    def connection_made(self, base: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but behave as one.
        transport = cast(asyncio.Transport, base)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            for level, opt, value in (
                # Quirk.NAGLE: asyncio switches Nagle's algorithm off; a camera may not.
                (socket.IPPROTO_TCP, socket.TCP_NODELAY, 0 if self.nagle else 1),
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
        reads = self.reads
        if reads is not None:
            view = self.server._recv_view
            if not reads.feed(view[:nbytes], full=nbytes == len(view)):
                log.info("quirk: a packet did not arrive in one read, closing the connection")
                self.close(abort=True)
                return
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


class LinkOutput:
    """The output half of a link (see :class:`~ptpkit.aio.server_link._Link`): what the
    session queues goes out through :meth:`flush`, data-in phases through
    :meth:`_send_data_phase`. While a Data packet's payload is being written
    (``_cmd_busy``), command packets the session queues are held back, then released."""

    server: ServerHost
    loop: asyncio.AbstractEventLoop
    options: ServerOptions
    faults: FaultPolicy
    session: ServerSession
    connection_number: int
    cmd: _Connection
    evt: _Connection | None
    closed: bool
    _cmd_busy: bool  # a Data packet's payload is being written
    _held: list[bytes]  # command packets queued meanwhile
    # A duplicate of the command socket's descriptor, to wait for room in the socket
    # during os.sendfile on loops without loop.sendfile (uvloop will not watch a
    # descriptor its transport owns); closed with the link.
    _write_fd: int | None

    async def _send_data_phase(self, request: OperationRequested, data: bytes | FileRegion) -> None:
        session = self.session
        total = data.length if isinstance(data, FileRegion) else len(data)
        session.start_data_in(total, self.loop.time())
        self.flush()
        limit = self.faults.drops(request.code)
        if limit is not None and limit == 0:
            raise _Closed
        chunk = self.options.data_chunk_size
        join = -1 if self.cmd.nagle else _ONE_WRITE  # Quirk.NAGLE: never joined
        sent = 0
        view = memoryview(data) if isinstance(data, bytes) else None
        while sent < total:
            await self.cmd.drain()
            if self.closed:
                raise _Closed
            if session.cancelled:
                return
            n = min(chunk, total - sent)
            header = session.data_header(n)  # b"" in Fujifilm's variant: one packet
            cut = n if limit is None else min(n, limit - sent)
            self._cmd_busy = True
            try:
                if view is not None:
                    if cut <= join:  # header and payload in one TCP segment
                        self.cmd.write(header + view[sent : sent + cut])
                    else:
                        self.cmd.write(header)
                        self.cmd.write(view[sent : sent + cut])
                else:
                    assert isinstance(data, FileRegion)
                    if cut <= join:
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
        if self.cmd.nagle:  # Quirk.NAGLE: one write per packet, data headers apart
            out = [(channel, piece) for channel, data in out for piece in packet_writes(data)]
        elif len(out) > 1 and (self.options.join_writes or self.faults.coalesce):
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
