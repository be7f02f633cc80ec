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

Layout: this module accepts and identifies connections (:class:`PtpipServer`); the
contract with the application is :mod:`~ptpkit.aio.responder_app`; the settings and the
fault policy are :mod:`~ptpkit.aio.server_options`; each session's link (the session
pump, operations, answers, timers) is :mod:`~ptpkit.aio.server_link`; and everything
written to a socket — the TCP connection protocol, the joined or separate writes, the
data phases and ``sendfile`` — is :mod:`~ptpkit.aio.responder_io`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Generic

from ptpkit.aio.responder_app import DataSink, FileRegion, InitiatorLink, Reply, ResponderApp, S
from ptpkit.aio.responder_io import _Connection
from ptpkit.aio.server_link import _Link
from ptpkit.aio.server_options import FaultPolicy, NoFaults, Quirk, ServerOptions
from ptpkit.proto.codes import PROTOCOL_VERSION_1_0, TID_NONE, InitFailReason
from ptpkit.proto.events import Channel
from ptpkit.proto.packets import InitCommandRequest, InitEventRequest, InitFail, Packet
from ptpkit.proto.responder import ResponderSession

__all__ = [
    "DataSink",
    "FaultPolicy",
    "FileRegion",
    "InitiatorLink",
    "NoFaults",
    "PtpipServer",
    "Quirk",
    "Reply",
    "ResponderApp",
    "ServerOptions",
]

#: One receive buffer for every connection of a server: each read is consumed before the
#: loop makes the next one (the session borrows it; sinks that keep data get copies).
_RECV_BUFFER = 1 << 20
#: Zero bytes after the Init Command Ack's protocol version with Quirk.PADDED_INIT_ACK.
INIT_ACK_PADDING = 8

log = logging.getLogger("ptpkit.server")


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
            faults = self.options.faults
            probe_interval = self.options.probe_interval or faults.probe_interval
            session = ResponderSession(
                number,
                self.app.guid,
                self.app.friendly_name,
                borrow_data=True,  # data payloads as views of _recv_buffer, not copies
                handshake_timeout=self.options.handshake_timeout,
                probe_interval=probe_interval,
                # an unanswered probe is only noted (never fatal); probe again soon
                probe_timeout=min(10.0, probe_interval) if probe_interval else 10.0,
                answer_probes=not faults.has(Quirk.NO_PROBE_ANSWERS),
                own_transaction_ids=faults.has(Quirk.OWN_TRANSACTION_IDS),
                response_params=not faults.has(Quirk.NO_RESPONSE_PARAMS),
                init_ack_padding=INIT_ACK_PADDING if faults.has(Quirk.PADDED_INIT_ACK) else 0,
                ack_protocol_version=(
                    None if faults.has(Quirk.NO_ACK_VERSION) else PROTOCOL_VERSION_1_0
                ),
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
