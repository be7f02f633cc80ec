"""The asyncio responder for Fujifilm's variant of PTP/IP: three listening sockets in,
:class:`~ptpkit.proto.fuji_responder.FujiResponderSession` in the middle, the same
application on top as the CIPA server's (the emulated camera's store and handlers).

A Fujifilm body listens on three ports (dialects.md §5.1): the command port (55740),
the event port (55741) and the live-view port (55742). :class:`FujiServer` listens on
``port`` for commands and, unless told otherwise, on ``port + 1`` for events and
``port + 2`` for live view (port 0 picks three free consecutive ports). Each command
connection is a session from its first byte: the session reads the 82-byte Init Command
Request itself (twice, as gphoto2 sends it) and answers a standard CIPA one with Init
Fail 0x201D, as the bodies do.

The event and live-view connections are plain TCP, made after InitiateOpenCapture, with
no handshake to say whose they are: each is given to the newest session from the same
host that has none yet (two initiators on one host connecting at the same instant could
be paired the wrong way round; cameras take one initiator anyway). Events the camera
raises before the event connection exists are held by the session and sent once it does.
An event or live-view connection nobody waits for is closed.

Everything else is the CIPA server's (:mod:`~ptpkit.aio.server`,
:mod:`~ptpkit.aio.server_link`, :mod:`~ptpkit.aio.responder_io`): the link pumps the
session, dispatches operations to the application, streams data-in phases with
``sendfile`` (one data packet per phase here, its header first), and ends the session on
a protocol error, a timeout or a closed connection. Two rules of the variant are kept
here: a data-in operation always gets its data packet, empty when the answer is an
error (gphoto2 reads the first packet of the answer as the data phase), and the Fuji
link accepts the second Init Command Request of the double init.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import socket
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, Literal

from ptpkit.aio.responder_app import Reply, ResponderApp, S
from ptpkit.aio.responder_io import _Connection
from ptpkit.aio.server import PtpipServer
from ptpkit.aio.server_link import _Link
from ptpkit.aio.server_options import ServerOptions
from ptpkit.proto.codes import TID_NONE, DataDirection
from ptpkit.proto.events import Channel, InitiatorConnected, OperationRequested
from ptpkit.proto.fuji_responder import FujiResponderSession
from ptpkit.proto.vendors.fuji import FUJI_OPERATION_DATA_DIRECTION, FujiLiveViewFrame

__all__ = ["FujiServer"]

log = logging.getLogger("ptpkit.server")

Role = Literal["command", "event", "liveview"]
_PORT_TRIES = 50  # port 0: attempts at three free consecutive ports
_TCP_QUICKACK: int | None = getattr(socket, "TCP_QUICKACK", None)  # Linux only
#: What a Fujifilm body answers the first of the double init with, in the real-camera
#: pattern (``reject_first_init``): busy (malc0mn/ptp-ip saw 0x2019 from an X-T1).
_FIRST_INIT_FAIL = 0x2019


class _FujiConnection(_Connection):
    """A TCP connection on one of the three ports: its role is known from the port."""

    def __init__(self, server: FujiServer[Any], role: Role) -> None:
        super().__init__(server)
        self.fuji_server = server
        self.role: Role = role

    def connection_made(self, base: asyncio.BaseTransport) -> None:
        super().connection_made(base)
        self._cancel_identify_timer()  # no Init packet to wait for: known by its port
        self.fuji_server._connected(self)

    def buffer_updated(self, nbytes: int) -> None:
        super().buffer_updated(nbytes)
        if self.role == "command" and not self.closed:
            self._quick_ack()

    def data_received(self, data: bytes | memoryview) -> None:
        if self.link is not None:
            self.link.received(self.channel, data)
        # else: an unclaimed connection; what it sends is not read

    def _quick_ack(self) -> None:
        """Acknowledge what comes next at once: gphoto2 writes a request, the data
        packet's header and its payload in three small writes with Nagle on, so each
        waits for our ACK, which Linux would delay by 40 ms."""
        transport = self.transport
        sock = transport.get_extra_info("socket") if transport is not None else None
        if sock is not None and _TCP_QUICKACK is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, _TCP_QUICKACK, 1)


class _LiveView:
    """The owner of a live-view connection: the link it serves (nothing is read on it)."""

    def __init__(self, link: _FujiLink[Any]) -> None:
        self.link = link

    def received(self, channel: Channel, data: bytes | memoryview) -> None:
        pass

    def connection_lost(self, channel: Channel) -> None:
        self.link.lv = None


class _FujiLink(_Link[S]):
    """A CIPA link driving a :class:`FujiResponderSession` (see the module docstring)."""

    def __init__(
        self,
        server: FujiServer[S],
        connection_number: int,
        session: FujiResponderSession,
        command: _Connection,
        *,
        direction: Callable[[int], DataDirection | None],
        reject_first_init: bool,
    ) -> None:
        super().__init__(server, connection_number, session, command)
        self.fuji = session
        self.lv: _Connection | None = None
        self.peer_host = _peer_host(command)
        self._direction = direction
        self._reject_first_init = reject_first_init

    # -- the other two connections ------------------------------------------------------
    def attach_event_channel(self, conn: _Connection) -> None:
        super().attach_event_channel(conn)
        self.fuji.event_channel_opened(self.loop.time())
        self.flush()  # the events held until now

    def attach_liveview(self, conn: _Connection) -> None:
        self.lv = conn
        conn.link = _LiveView(self)

    def send_liveview(self, jpeg: bytes) -> bool:
        """Send one frame on the live-view connection; False when there is none."""
        conn = self.lv
        if conn is None or self.closed:
            return False
        conn.write(FujiLiveViewFrame(jpeg).encode())
        return True

    def send_event(
        self, code: int, params: tuple[int, ...] = (), transaction_id: int = TID_NONE
    ) -> None:
        if self.closed or not self.session.is_ready:
            return
        self.session.send_event(code, tuple(params), transaction_id)  # held until connected
        self.flush()

    # -- the handshake ------------------------------------------------------------------
    def _on_initiator(self, event: InitiatorConnected, now: float) -> None:
        if self.accepted:  # the second request of the double init
            self.session.accept(now)
            return
        if self._reject_first_init and self.fuji.init_requests == 1:
            self.session.reject(_FIRST_INIT_FAIL, now)  # the retry comes 500 ms later
            return
        super()._on_initiator(event, now)

    # -- answers --------------------------------------------------------------------------
    def _with_data(self, request: OperationRequested, reply: Reply) -> Reply:
        """A data-in operation's answer always carries a data packet (empty on error)."""
        if reply.data is None and self._direction(request.code) == "in":
            return dataclasses.replace(reply, data=b"")
        return reply

    def _answer(self, request: OperationRequested, reply: Reply) -> None:
        super()._answer(request, self._with_data(request, reply))

    async def _answer_later(
        self,
        request: OperationRequested,
        pending: Reply | Coroutine[Any, Any, Reply],
        delay: float,
    ) -> None:
        if isinstance(pending, Reply):
            pending = self._with_data(request, pending)
        else:
            pending = self._then_with_data(request, pending)
        await super()._answer_later(request, pending, delay)

    async def _then_with_data(
        self, request: OperationRequested, pending: Coroutine[Any, Any, Reply]
    ) -> Reply:
        return self._with_data(request, await pending)

    def close(self, *, graceful: bool = False, abort: bool = False) -> None:
        lv, self.lv = self.lv, None
        if lv is not None:
            lv.close()
        super().close(graceful=graceful, abort=abort)


def _peer_host(conn: _Connection) -> str | None:
    transport = conn.transport
    peer = transport.get_extra_info("peername") if transport is not None else None
    return str(peer[0]) if isinstance(peer, tuple) and peer else None


class FujiServer(PtpipServer[S]):
    """Listens for Fujifilm initiators on three ports and serves each with ``app``.

    ``event_port`` defaults to ``port + 1`` and ``liveview_port`` to ``event_port + 1``
    (gphoto2's rule). ``data_directions`` tells the sessions which operations take a
    data-out phase (the variant's request does not say) and which a data-in one (those
    always get a data packet); by default the standard and Fujifilm operations.
    ``reject_first_init`` answers the first of the double init with Init Fail, as
    Fujifilm bodies do; by default both are acknowledged.
    """

    def __init__(
        self,
        app: ResponderApp[S],
        options: ServerOptions | None = None,
        *,
        event_port: int | None = None,
        liveview_port: int | None = None,
        data_directions: Mapping[int, DataDirection] = FUJI_OPERATION_DATA_DIRECTION,
        reject_first_init: bool = False,
    ) -> None:
        super().__init__(app, options)
        self.event_port = 0 if event_port is None else event_port
        self.liveview_port = 0 if liveview_port is None else liveview_port
        self._wanted = (event_port, liveview_port)
        self.data_directions = data_directions
        self.reject_first_init = reject_first_init
        self._servers: list[asyncio.Server] = []

    async def start(self) -> None:
        """Bind the three ports and start accepting connections."""
        self._loop = asyncio.get_running_loop()
        tries = _PORT_TRIES if self.options.port == 0 else 1
        for attempt in range(tries):
            try:
                await self._bind()
                return
            except OSError:
                await self._close_servers()
                if attempt == tries - 1:
                    raise

    async def _bind(self) -> None:
        host = self.options.host
        command = await self._listen("command", self.options.port)
        self._server = command
        sockname = command.sockets[0].getsockname()
        self.host, self.port = str(sockname[0]), int(sockname[1])
        wanted_event, wanted_lv = self._wanted
        self.event_port = self.port + 1 if wanted_event is None else wanted_event
        self.liveview_port = self.event_port + 1 if wanted_lv is None else wanted_lv
        await self._listen("event", self.event_port)
        await self._listen("liveview", self.liveview_port)
        log.debug(
            "Fujifilm ports %s:%d/%d/%d", host, self.port, self.event_port, self.liveview_port
        )

    async def _listen(self, role: Role, port: int) -> asyncio.Server:
        assert self._loop is not None
        server = await self._loop.create_server(
            lambda: _FujiConnection(self, role),
            self.options.host,
            port,
            reuse_address=True,
            backlog=128,
        )
        self._servers.append(server)
        return server

    async def _close_servers(self) -> None:
        servers, self._servers = self._servers, []
        self._server = None
        for server in servers:
            server.close()
            await server.wait_closed()

    @property
    def ports(self) -> tuple[int, int, int]:
        """(command, event, live view)."""
        return (self.port, self.event_port, self.liveview_port)

    # -- connections ------------------------------------------------------------------------
    def _connected(self, conn: _FujiConnection) -> None:
        if conn.role == "command":
            self._new_session(conn)
            return
        host = _peer_host(conn)
        waiting = [
            link
            for link in self._links.values()
            if isinstance(link, _FujiLink)
            and not link.closed
            and link.peer_host == host
            and (link.evt is None if conn.role == "event" else link.lv is None)
        ]
        if not waiting:
            log.info("closing a %s connection no session waits for", conn.role)
            conn.close()
            return
        link = waiting[-1]
        if conn.role == "event":
            link.attach_event_channel(conn)
        else:
            link.attach_liveview(conn)

    def _new_session(self, conn: _FujiConnection) -> None:
        number = self._next_number
        self._next_number = number + 1 if number < 0xFFFFFFFF else 1
        directions = self.data_directions
        session = FujiResponderSession(
            number,
            self.app.guid,
            self.app.friendly_name,
            data_directions=directions,
            handshake_timeout=self.options.handshake_timeout,
        )
        link = _FujiLink(
            self,
            number,
            session,
            conn,
            direction=directions.get,
            reject_first_init=self.reject_first_init,
        )
        self._links[number] = link
        conn.link = link
        conn.channel = Channel.COMMAND
        session.start(self.loop.time())

    def _identify(self, conn: _Connection, packet: object, head: bytes) -> None:
        conn.close()  # every connection here is known by its port (never called)

    def close(self) -> None:
        for server in self._servers:
            server.close()
        super().close()

    async def wait_closed(self) -> None:
        servers, self._servers = self._servers, []
        for server in servers:
            await server.wait_closed()
        self._server = None
        await super().wait_closed()
