"""The asyncio initiator: ``async with ptpkit.connect(host) as camera``.

A thin adapter around :class:`~ptpkit.proto.initiator.InitiatorSession`. Two asyncio
protocols (the command and the event connection) feed the bytes they receive into the
sans-IO session, drain its events, and write what it queues; nothing else touches a
socket. The event connection is therefore read continuously, whatever the caller is
doing, probes from the camera are answered at once, and an idle link is kept alive with
probes of our own.

One transaction runs at a time (PTP allows no more), serialised by a lock; each resolves
one future. Data-in phases are handed to a *sink* chunk by chunk as they arrive, so a
download never holds the object in memory; data-out phases are written from bytes or
streamed from a file (``sendfile`` where the loop has it).

OS errors and timeouts become :class:`~ptpkit.errors.ConnectError`,
:class:`~ptpkit.errors.PtpTimeoutError` and :class:`~ptpkit.errors.ConnectionLost` here,
at the boundary; a non-OK response raises :class:`~ptpkit.errors.PtpResponseError`.
Cancelling a task in the middle of a transaction (Ctrl-C) sends a PTP/IP Cancel, waits
for the camera's response and leaves the session usable.
"""

from __future__ import annotations

import asyncio
import errno
import fnmatch
import io
import logging
import os
import re
import socket
from collections import deque
from collections.abc import AsyncIterator, Callable, Generator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol, Union, cast, overload

from ptpkit.aio.sockets import WATCH_ERRORS, wait_writable
from ptpkit.config import load_identity
from ptpkit.errors import (
    ConnectError,
    ConnectionLost,
    DecodeError,
    InitFailError,
    LocalProtocolError,
    NotFoundError,
    ProtocolError,
    PtpError,
    PtpResponseError,
    PtpTimeoutError,
    TransferError,
)
from ptpkit.proto.codes import (
    ALL,
    ROOT,
    TID_NONE,
    AssociationType,
    DataType,
    DevicePropCode,
    EventCode,
    MtpDevicePropCode,
    MtpObjectPropCode,
    MtpOperationCode,
    ObjectFormat,
    OperationCode,
    ResponseCode,
    VendorOperationCode,
    code_enum,
    code_name,
    is_image,
)
from ptpkit.proto.datasets import (
    DeviceInfo,
    DevicePropDesc,
    ObjectInfo,
    ObjectPropList,
    PtpValue,
    StorageInfo,
    decode_u16_array,
    decode_u32_array,
    decode_value,
    encode_value,
)
from ptpkit.proto.events import (
    Channel,
    CommandAckReceived,
    ConnectionClosed,
    DataPhaseEnded,
    DataPhaseStarted,
    DataReceived,
    EventReceived,
    HandshakeCompleted,
    InitFailed,
    ProbeAnswered,
    ProbeReceived,
    ResponseReceived,
    TimedOut,
    TransactionCancelled,
)
from ptpkit.proto.initiator import InitiatorSession
from ptpkit.proto.state import TransactionState

if TYPE_CHECKING:
    from ptpkit.aio.transfer import ProgressCallback

__all__ = [
    "DEFAULT_PORT",
    "Camera",
    "CameraEvent",
    "CameraObject",
    "EventStream",
    "EventsDropped",
    "NotFoundError",
    "Response",
    "Storage",
    "TransferError",
    "coerce_value",
    "connect",
    "format_code",
    "object_matcher",
    "property_code",
]

_log = logging.getLogger("ptpkit.client")
_DATA_IN = TransactionState.DATA_IN

#: The PTP/IP port (CIPA DC-005), for both connections.
DEFAULT_PORT = 15740

_U32_MAX = 0xFFFFFFFF
_RECV_BUFFER = 1 << 20  # one read hands the session up to 1 MiB
_WRITE_HIGH_WATER = 4 << 20
_PACKET_SIZE = 4 << 20  # payload per Data packet when we upload
_SOCKET_WAIT_BOUND = 0.25  # waiting for room in the socket: look at the connection again
#: During a data-in phase, the command socket wakes us for no less than this (or what the
#: phase still owes): SO_RCVLOWAT (see Camera._tune_rcvlowat).
_RCVLOWAT = 256 << 10
_RCVLOWAT_CHECK = 0.1  # a data phase stalled this long below the mark: wake for any byte
_EVENT_CONNECT_RETRIES = 2  # on ECONNREFUSED, 100 ms apart (a Ricoh Theta quirk)


# -- what the client hands out ---------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Response:
    """The Operation Response that ended a transaction (and the data-in, if kept)."""

    code: int
    params: tuple[int, ...]
    transaction_id: int
    data: bytes = b""
    data_length: int = 0

    @property
    def name(self) -> str:
        return code_name("response", self.code)


@dataclass(frozen=True, slots=True)
class CameraEvent:
    """A PTP event from the camera; ``code`` is an :class:`EventCode` when known."""

    code: int
    transaction_id: int
    params: tuple[int, ...]

    @property
    def name(self) -> str:
        return code_name("event", self.code)


@dataclass(frozen=True, slots=True)
class EventsDropped:
    """``count`` events were dropped here because the consumer fell behind the queue bound."""

    count: int

    @property
    def name(self) -> str:
        return "EventsDropped"


@dataclass(frozen=True, slots=True)
class Storage:
    """A storage (card, internal memory) and its StorageInfo."""

    storage_id: int
    info: StorageInfo

    @property
    def name(self) -> str:
        """The path component naming this storage, as gphoto2 spells it (store_00010001)."""
        return f"store_{self.storage_id:08x}"

    @property
    def label(self) -> str:
        return self.info.volume_label or self.info.storage_description or self.name


@dataclass(frozen=True, slots=True)
class CameraObject:
    """An object on the camera with its ObjectInfo and its full path.

    ``path`` is ``/store_XXXXXXXX/folder/…/name``; ``size`` is in bytes, or ``None`` for an
    object of 4 GiB or more whose 64-bit size the camera did not tell.
    """

    handle: int
    info: ObjectInfo
    path: str
    size: int | None

    @property
    def name(self) -> str:
        return self.info.filename

    @property
    def storage_id(self) -> int:
        return self.info.storage_id

    @property
    def parent(self) -> int:
        return self.info.parent_object

    @property
    def format(self) -> int:
        return self.info.object_format

    @property
    def format_name(self) -> str:
        return code_name("format", self.info.object_format)

    @property
    def is_folder(self) -> bool:
        return self.info.object_format == ObjectFormat.Association

    @property
    def relative_path(self) -> str:
        """The path inside its storage, without the ``/store_…/`` prefix."""
        parts = self.path.split("/", 2)
        return parts[2] if len(parts) > 2 else ""

    @property
    def captured(self) -> datetime | None:
        return self.info.capture_datetime or self.info.modification_datetime

    @property
    def modified(self) -> datetime | None:
        return self.info.modification_datetime or self.info.capture_datetime


class _Writable(Protocol):
    def write(self, data: bytes, /) -> object: ...


#: Where a data-in phase goes: a callable taking each chunk, or anything with ``write``.
Sink = Union[Callable[[bytes], object], _Writable]


# -- names of codes ----------------------------------------------------------------------
def _norm(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


_PROP_NAMES: dict[str, int] = {}
for _enum in (MtpDevicePropCode, DevicePropCode):
    for _member in _enum:
        _PROP_NAMES[_norm(_member.name)] = _member.value

_FORMAT_NAMES: dict[str, int] = {_norm(m.name): m.value for m in ObjectFormat}
_FORMAT_NAMES.update(
    {
        "jpeg": ObjectFormat.EXIF_JPEG,
        "jpg": ObjectFormat.EXIF_JPEG,
        "tif": ObjectFormat.TIFF,
        "folder": ObjectFormat.Association,
        "mov": ObjectFormat.QuickTime,
        "text": ObjectFormat.Text,
        "txt": ObjectFormat.Text,
    }
)


def _ignore(event: object) -> None:
    """What the client does with an event that needs nothing done."""


def _parse_int(text: str) -> int | None:
    try:
        return int(text, 0)
    except ValueError:
        try:
            return int(text, 16) if re.fullmatch(r"[0-9a-fA-F]{4}", text) else None
        except ValueError:  # pragma: no cover - the pattern guarantees hex
            return None


def property_code(prop: str | int) -> int:
    """A device property code from a code or a name, e.g. ``"batterylevel"``,
    ``"BatteryLevel"``, ``"battery_level"``, ``"0x5001"`` or ``0x5001``."""
    if isinstance(prop, int):
        return prop
    code = _PROP_NAMES.get(_norm(prop))
    if code is not None:
        return code
    number = _parse_int(prop.strip())
    if number is None or not 0 <= number <= 0xFFFF:
        raise NotFoundError(f"no device property named {prop!r}")
    return number


def format_code(fmt: str | int) -> int:
    """An object format code from a code or a name (``"EXIF_JPEG"``, ``"jpeg"``, ``"0x3801"``)."""
    if isinstance(fmt, int):
        return fmt
    code = _FORMAT_NAMES.get(_norm(fmt))
    if code is not None:
        return code
    number = _parse_int(fmt.strip())
    if number is None or not 0 <= number <= 0xFFFF:
        raise NotFoundError(f"no object format named {fmt!r}")
    return number


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


# -- events -----------------------------------------------------------------------------
class EventStream:
    """The camera's events, in order, as an async iterator.

    Bounded: when the consumer falls more than ``maxsize`` events behind, newer events are
    dropped and an :class:`EventsDropped` marker takes their place in the stream, so a loss
    is always visible. The stream ends when the camera is closed, and raises the error
    when the connection failed. Subscribes at creation: nothing that happens afterwards
    is missed.
    """

    def __init__(self, camera: Camera, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError("an event queue needs room for at least one event")
        self._camera = camera
        self._maxsize = maxsize
        self._items: deque[CameraEvent | EventsDropped] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._ended = False
        self._error: BaseException | None = None
        self.dropped = 0

    # called by the camera, from protocol callbacks
    def _push(self, event: CameraEvent) -> None:
        if self._ended:
            return
        items = self._items
        if len(items) >= self._maxsize:
            self.dropped += 1
            last = items[-1]
            if isinstance(last, EventsDropped):
                items[-1] = EventsDropped(last.count + 1)
            else:
                items.append(EventsDropped(1))
        else:
            items.append(event)
        self._wake()

    def _end(self, error: BaseException | None) -> None:
        if self._ended:
            return
        self._ended = True
        self._error = error
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # the consumer's side
    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> CameraEvent | EventsDropped:
        while not self._items:
            if self._ended:
                if self._error is not None:
                    raise self._error
                raise StopAsyncIteration
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._items.popleft()

    async def get(self, timeout: float | None = None) -> CameraEvent | EventsDropped:
        """The next event; :class:`PtpTimeoutError` after ``timeout`` seconds without one."""
        try:
            return await asyncio.wait_for(self.__anext__(), timeout)
        except asyncio.TimeoutError:
            raise PtpTimeoutError(f"no event from the camera within {timeout:g} s") from None
        except StopAsyncIteration:
            raise ConnectionLost("the camera connection is closed") from None

    def pending(self) -> int:
        """Events waiting to be read."""
        return len(self._items)

    def close(self) -> None:
        """Stop receiving events."""
        self._camera._unsubscribe(self)
        self._end(None)

    async def __aenter__(self) -> EventStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


# -- the two connections --------------------------------------------------------------
class _ChannelProtocol(asyncio.BufferedProtocol):
    """One TCP connection: reads into a reused buffer and hands the bytes to the camera."""

    def __init__(self, camera: Camera, channel: Channel, buffer_size: int) -> None:
        self._camera = camera
        self.channel = channel
        self._buffer = bytearray(buffer_size)
        self._view = memoryview(self._buffer)
        self.transport: asyncio.Transport | None = None
        self.sock: Any = None  # the transport's socket (setsockopt only)
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
        # The kernel's receive buffer is left to autotune: setting SO_RCVBUF would cap it
        # at net.core.rmem_max (often 208 KiB), below what autotuning reaches.
        transport.set_write_buffer_limits(high=_WRITE_HIGH_WATER)

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._view

    def buffer_updated(self, nbytes: int) -> None:
        self._camera._on_data(self.channel, self._view[:nbytes])

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
    """One operation run with many parameter sets, back to back (Camera._run_chain)."""

    __slots__ = ("answered", "code", "done", "error", "on_data", "params", "sent", "stop")

    def __init__(
        self,
        code: int,
        params: list[tuple[int, ...]],
        on_data: Callable[[tuple[int, ...], bytes], object],
        done: asyncio.Future[None],
    ) -> None:
        self.code = code
        self.params = params
        self.on_data = on_data
        #: set once the last transaction under way has ended and every answer was handed
        #: to on_data; or set with the connection's failure
        self.done = done
        self.sent = 0  # how many requests went out
        self.stop = False  # send no more requests
        self.error: BaseException | None = None  # what ends the chain: a non-OK response,
        # or what on_data raised
        #: finished transactions, not yet handed on: (params, response, data-in)
        self.answered: deque[tuple[tuple[int, ...], ResponseReceived, bytes]] = deque()


# -- the camera -------------------------------------------------------------------------
class Camera:
    """A connected PTP/IP camera. Get one from :func:`connect`.

    Every standard PTP operation has a typed method (``get_object_info`` returns an
    :class:`ObjectInfo`, and so on); the helpers above them list, download, upload,
    capture and handle device properties by name. A non-OK response raises
    :class:`~ptpkit.errors.PtpResponseError`.
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
        probe_interval: float | None = 15.0,
        probe_timeout: float = 10.0,
        connect_timeout: float = 10.0,
        cancel_timeout: float = 10.0,
        event_queue_size: int = 1000,
        session_id: int = 1,
        open_session: bool = True,
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
        self._session = InitiatorSession(
            identity.guid,
            identity.name,
            handshake_timeout=handshake_timeout,
            response_timeout=response_timeout,
            probe_interval=probe_interval,
            probe_timeout=probe_timeout,
            borrow_data=True,  # every event is handled before the next read (_after_input)
        )
        self._handshake_timeout = handshake_timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._channels: dict[Channel, _ChannelProtocol] = {}
        self._pending_event_out: list[bytes] = []
        self._lock = asyncio.Lock()
        self._txn: _Transaction | None = None
        self._chain: _Chain | None = None
        self._failure: PtpError | None = None
        # SO_RCVLOWAT of the command socket (0: it cannot be set here), the check that
        # puts it back to 1 when a data phase stops short, and the bytes owed at the last
        # check.
        self._rcvlowat = 1
        self._rcvlowat_check: asyncio.TimerHandle | None = None
        self._rcvlowat_owed: int | None = None
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
        }
        self._closing = False
        self._closed = False
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
        #: What the camera said about itself in its Init Command Ack.
        self.camera_name = ""
        self.camera_guid = b""
        self.connection_number: int | None = None

    # -- connecting -------------------------------------------------------------------
    async def _open(self) -> Camera:
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._backlog = self._subscribe()
        try:
            await self._handshake(loop)
            if self._want_session:
                await self.open_session(self.session_id)
            self.device_info = await self.get_device_info()
        except BaseException:
            self._shutdown(None)
            await self._wait_closed()
            raise
        return self

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
            raise ConnectError(f"cannot connect to {where}: {_oserror_words(exc)}") from exc
        return protocol

    async def _handshake(self, loop: asyncio.AbstractEventLoop) -> None:
        self._ack_waiter = loop.create_future()
        self._ready_waiter = loop.create_future()
        command = await self._connect_channel(loop, Channel.COMMAND, self.port)
        self._channels[Channel.COMMAND] = command
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

    # -- closing ----------------------------------------------------------------------
    async def close(self) -> None:
        """Close the PTP session (CloseSession) and both connections."""
        if self._closed:
            return
        self._closed = True
        if self._failure is None and self._session.is_ready and self._session.session_open:
            try:
                await asyncio.wait_for(self.close_session(), self.cancel_timeout)
            except (PtpError, asyncio.TimeoutError):
                pass
        self._shutdown(None)
        await self._wait_closed()

    async def __aenter__(self) -> Camera:
        if self._loop is None:
            await self._open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

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
            if txn.chain is not None:
                txn.future.exception()  # retrieved: the chain's caller awaits chain.done
        chain = self._chain
        if chain is not None and not chain.done.done():
            chain.done.set_exception(failure)
        for probe in self._probe_waiters:
            if not probe.done():
                probe.set_exception(failure)
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
        self._session.receive_data(channel, data, self._now())
        self._after_input()
        if self._rcvlowat:
            self._tune_rcvlowat()

    def _tune_rcvlowat(self) -> None:
        """Ask the kernel not to wake us for fewer bytes than a data-in phase still owes,
        up to _RCVLOWAT (SO_RCVLOWAT on the command socket); outside one, for any byte.

        Each wake-up costs a read and a pass through the session, however little it
        brings; with many initiators on one camera (the emulator), being woken for every
        64 KiB segment also preempts the camera's own sending, which then falls behind.
        Only what is certainly coming is waited for: a Cancel of ours sets the mark back
        to 1 at once (the phase stops at a packet boundary); a phase that stops short on
        the camera's side (its own Cancel, a broken camera) is caught by a check every
        _RCVLOWAT_CHECK s, which wakes us for any byte again when nothing came."""
        session = self._session
        owed = session.data_phase_remaining
        want = min(owed, _RCVLOWAT) if owed and session.transaction is _DATA_IN else 1
        if want != self._rcvlowat:
            self._set_rcvlowat(want)

    def _set_rcvlowat(self, value: int) -> None:
        protocol = self._channels.get(Channel.COMMAND)
        sock = None if protocol is None else protocol.sock
        try:
            if sock is None:
                raise OSError("no socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, value)
        except (OSError, AttributeError, ValueError):  # not on this platform or loop
            self._rcvlowat = 0
            return
        self._rcvlowat = value
        if value > 1 and self._rcvlowat_check is None:
            self._watch_rcvlowat()

    def _watch_rcvlowat(self) -> None:
        assert self._loop is not None
        self._rcvlowat_owed = self._session.data_phase_remaining
        self._rcvlowat_check = self._loop.call_later(_RCVLOWAT_CHECK, self._check_rcvlowat)

    def _check_rcvlowat(self) -> None:
        self._rcvlowat_check = None
        if self._rcvlowat <= 1 or self._closing:
            return
        if self._session.data_phase_remaining == self._rcvlowat_owed:
            self._set_rcvlowat(1)  # nothing came: what did may be all there is
        else:
            self._watch_rcvlowat()

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

    # -- what each session event does (Camera._handlers) ---------------------------------
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
        camera_event = CameraEvent(
            code_enum("event", event.code), event.transaction_id, event.params
        )
        self._on_camera_event(camera_event)

    def _on_probe_answered(self, event: ProbeAnswered) -> None:
        waiters, self._probe_waiters = self._probe_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def _on_command_ack(self, event: CommandAckReceived) -> None:
        if self._ack_waiter is not None and not self._ack_waiter.done():
            self._ack_waiter.set_result(event)

    def _on_handshake_completed(self, event: HandshakeCompleted) -> None:
        if self._ready_waiter is not None and not self._ready_waiter.done():
            self._ready_waiter.set_result(event)

    def _on_init_failed(self, event: InitFailed) -> None:
        self._fail(InitFailError(event.reason))

    def _on_timed_out(self, event: TimedOut) -> None:
        self._fail(_timeout_error(event.what, self._handshake_timeout, self._session))

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
        return stream

    def _unsubscribe(self, stream: EventStream) -> None:
        if stream in self._streams:
            self._streams.remove(stream)
        if stream is self._backlog:
            self._backlog = None

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
            return backlog
        return self._subscribe(maxsize)

    async def ping(self) -> float:
        """Send a Probe Request on the event connection; the round trip in seconds."""
        self._check_usable()
        assert self._loop is not None
        waiter: asyncio.Future[None] = self._loop.create_future()
        self._probe_waiters.append(waiter)
        start = self._loop.time()
        self._session.probe(start)
        self._flush()
        self._arm_timer()
        await waiter
        return self._loop.time() - start

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
    ) -> Response:
        self._check_usable()
        assert self._loop is not None
        async with self._lock:
            self._check_usable()
            write = None if sink is None else _sink_callable(sink)
            future: asyncio.Future[ResponseReceived] = self._loop.create_future()
            txn = _Transaction(code, params, future, write, progress, views_ok=_takes_views(sink))
            self._txn = txn
            debug = _log.isEnabledFor(logging.DEBUG)
            try:
                txn.tid = self._session.send_request(
                    code,
                    params,
                    data_out_length=None if source is None else source.size,
                    now=self._now(),
                )
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
                try:
                    if source is not None:
                        await self._send_source(txn, source)
                    response = await future
                except asyncio.CancelledError:
                    await self._cancel_transaction(txn)
                    raise
            finally:
                self._txn = None
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
    ) -> None:
        """Run ``code`` once for each parameter set, in order, one transaction at a time,
        and hand each one's data-in to ``on_data(params, data)``.

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
            return
        assert self._loop is not None
        async with self._lock:
            self._check_usable()
            chain = _Chain(
                code, [tuple(p) for p in params_list], on_data, self._loop.create_future()
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
            finally:
                self._chain = None
                self._txn = None

    def _chain_deliver(self, chain: _Chain) -> None:
        """Hand the chain's answers to its on_data; end the chain once nothing is under way."""
        while chain.answered:
            params, response, data = chain.answered.popleft()
            if chain.error is not None:
                continue  # the chain is ending: what still arrives is dropped
            if response.code != ResponseCode.OK:
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
        if response.code == ResponseCode.OK and not chain.stop and chain.sent < len(chain.params):
            self._chain_send(chain)  # written out by _after_input, once this event is done

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
            header = session.data_header(length, self._now())
            if not header:
                return
            self._write_command(header)
            # A packet, once begun, must be finished: shield it from cancellation.
            send = asyncio.ensure_future(source.send(protocol, sent, length))
            try:
                await asyncio.shield(send)
            except asyncio.CancelledError:
                if not send.done():
                    await asyncio.wait({send})
                raise
            sent += length
            if txn.progress is not None:
                txn.progress(sent, total)
            await protocol.drain()

    # -- typed operations ----------------------------------------------------------------
    async def get_device_info(self) -> DeviceInfo:
        """GetDeviceInfo; also refreshes :attr:`device_info`."""
        response = await self._run(OperationCode.GetDeviceInfo, ())
        info = DeviceInfo.decode(response.data)
        self.device_info = info
        return info

    async def open_session(self, session_id: int = 1) -> None:
        """OpenSession (done by :func:`connect`); SessionAlreadyOpen counts as success."""
        response = await self._run(OperationCode.OpenSession, (session_id,), check=False)
        if response.code not in (ResponseCode.OK, ResponseCode.SessionAlreadyOpen):
            raise PtpResponseError(
                response.code, operation=OperationCode.OpenSession, params=(session_id,)
            )
        self.session_id = session_id

    async def close_session(self) -> None:
        await self._run(OperationCode.CloseSession, ())

    async def get_storage_ids(self) -> tuple[int, ...]:
        response = await self._run(OperationCode.GetStorageIDs, ())
        return decode_u32_array(response.data)

    async def get_storage_info(self, storage_id: int) -> StorageInfo:
        response = await self._run(OperationCode.GetStorageInfo, (storage_id,))
        return StorageInfo.decode(response.data)

    async def get_num_objects(
        self, storage_id: int = ALL, object_format: int = 0, parent: int = 0
    ) -> int:
        """GetNumObjects: parent 0 = every object, 0xFFFFFFFF = the root only."""
        response = await self._run(OperationCode.GetNumObjects, (storage_id, object_format, parent))
        return response.params[0] if response.params else 0

    async def get_object_handles(
        self, storage_id: int = ALL, object_format: int = 0, parent: int = 0
    ) -> tuple[int, ...]:
        """GetObjectHandles: parent 0 = every object, 0xFFFFFFFF = the root only."""
        response = await self._run(
            OperationCode.GetObjectHandles, (storage_id, object_format, parent)
        )
        return decode_u32_array(response.data)

    async def get_object_info(self, handle: int) -> ObjectInfo:
        response = await self._run(OperationCode.GetObjectInfo, (handle,))
        return ObjectInfo.decode(response.data)

    async def get_object_infos(self, handles: Sequence[int]) -> dict[int, ObjectInfo]:
        """GetObjectInfo for each handle, one transaction each (each next request goes
        out as soon as the previous answer is in, while that answer is decoded)."""
        infos: dict[int, ObjectInfo] = {}

        def keep(params: tuple[int, ...], data: bytes) -> None:
            infos[params[0]] = ObjectInfo.decode(data)

        await self._run_chain(OperationCode.GetObjectInfo, [(h,) for h in handles], keep)
        return infos

    async def get_object_props_supported(self, object_format: int = 0) -> tuple[int, ...]:
        """MTP GetObjectPropsSupported (0x9801): the object property codes of a format."""
        response = await self._run(MtpOperationCode.GetObjectPropsSupported, (object_format,))
        return decode_u16_array(response.data)

    async def get_object_prop_list(
        self,
        handle: int = ALL,
        object_format: int = 0,
        prop_code: int = ALL,
        group: int = 0,
        depth: int = 0,
    ) -> ObjectPropList:
        """MTP GetObjectPropList (0x9805): object properties of many objects at once.

        ``handle`` 0xFFFFFFFF = every object; otherwise ``depth`` 0 is that object, N the
        objects up to N levels below it (0xFFFFFFFF: all). ``object_format`` 0 = any;
        ``prop_code`` 0xFFFFFFFF = every property (0: by ``group``, rarely supported).
        """
        response = await self._run(
            MtpOperationCode.GetObjectPropList, (handle, object_format, prop_code, group, depth)
        )
        return ObjectPropList.decode(response.data)

    @overload
    async def get_object(self, handle: int) -> bytes: ...
    @overload
    async def get_object(
        self, handle: int, sink: Sink, *, progress: ProgressCallback | None = None
    ) -> int: ...
    async def get_object(
        self, handle: int, sink: Sink | None = None, *, progress: ProgressCallback | None = None
    ) -> bytes | int:
        """GetObject. Without a sink the object is returned as bytes (small objects only);
        with one, each chunk goes to the sink as it arrives and the byte count is returned."""
        response = await self._run(OperationCode.GetObject, (handle,), sink=sink, progress=progress)
        return response.data if sink is None else response.data_length

    @overload
    async def get_partial_object(self, handle: int, offset: int, max_bytes: int) -> bytes: ...
    @overload
    async def get_partial_object(
        self,
        handle: int,
        offset: int,
        max_bytes: int,
        sink: Sink,
        *,
        progress: ProgressCallback | None = None,
    ) -> int: ...
    async def get_partial_object(
        self,
        handle: int,
        offset: int,
        max_bytes: int,
        sink: Sink | None = None,
        *,
        progress: ProgressCallback | None = None,
    ) -> bytes | int:
        """GetPartialObject: up to ``max_bytes`` (0xFFFFFFFF = to the end) from a 32-bit
        ``offset``. Returns the bytes, or with a sink the number of bytes received."""
        response = await self._run(
            OperationCode.GetPartialObject,
            (handle, offset, max_bytes),
            sink=sink,
            progress=progress,
        )
        return response.data if sink is None else response.data_length

    @overload
    async def get_partial_object_64(self, handle: int, offset: int, max_bytes: int) -> bytes: ...
    @overload
    async def get_partial_object_64(
        self,
        handle: int,
        offset: int,
        max_bytes: int,
        sink: Sink,
        *,
        progress: ProgressCallback | None = None,
    ) -> int: ...
    async def get_partial_object_64(
        self,
        handle: int,
        offset: int,
        max_bytes: int,
        sink: Sink | None = None,
        *,
        progress: ProgressCallback | None = None,
    ) -> bytes | int:
        """GetPartialObject64 (0x95C1, Android/MTP): a 64-bit ``offset``, for objects of
        4 GiB and more. ``max_bytes`` is 32-bit."""
        response = await self._run(
            VendorOperationCode.AndroidGetPartialObject64,
            (handle, offset & _U32_MAX, offset >> 32, max_bytes),
            sink=sink,
            progress=progress,
        )
        return response.data if sink is None else response.data_length

    async def get_thumb(self, handle: int) -> bytes:
        response = await self._run(OperationCode.GetThumb, (handle,))
        return response.data

    async def delete_object(self, handle: int, object_format: int = 0) -> None:
        """DeleteObject (handle 0xFFFFFFFF = every object, then ``object_format`` filters)."""
        params = (handle, object_format) if object_format else (handle,)
        await self._run(OperationCode.DeleteObject, params)
        self._path_cache.pop(handle, None)

    async def send_object_info(
        self, info: ObjectInfo, storage_id: int = 0, parent: int = ROOT
    ) -> tuple[int, int, int]:
        """SendObjectInfo: parent 0xFFFFFFFF = the root. Returns the camera's
        (storage id, parent handle, new object handle)."""
        response = await self._run(
            OperationCode.SendObjectInfo,
            (storage_id, parent),
            source=_BytesSource(info.encode()),
        )
        params = (*response.params, 0, 0, 0)
        return params[0], params[1], params[2]

    async def send_object(
        self,
        data: bytes | bytearray | memoryview | BinaryIO,
        *,
        size: int | None = None,
        progress: ProgressCallback | None = None,
    ) -> None:
        """SendObject: the data of the object announced by :meth:`send_object_info`,
        from bytes or streamed from a binary file (from its current position)."""
        source: _Source
        if isinstance(data, (bytes, bytearray, memoryview)):
            source = _BytesSource(data)
        else:
            source = _FileSource(data, size)
        await self._run(OperationCode.SendObject, (), source=source, progress=progress)

    async def initiate_capture(self, storage_id: int = 0, object_format: int = 0) -> int:
        """InitiateCapture; returns its transaction id (the new objects come as events)."""
        response = await self._run(OperationCode.InitiateCapture, (storage_id, object_format))
        return response.transaction_id

    async def initiate_open_capture(self, storage_id: int = 0, object_format: int = 0) -> int:
        """InitiateOpenCapture; returns the transaction id TerminateOpenCapture needs."""
        response = await self._run(OperationCode.InitiateOpenCapture, (storage_id, object_format))
        return response.transaction_id

    async def terminate_open_capture(self, transaction_id: int) -> None:
        await self._run(OperationCode.TerminateOpenCapture, (transaction_id,))

    async def format_store(self, storage_id: int, filesystem_format: int | None = None) -> None:
        params = (storage_id,) if filesystem_format is None else (storage_id, filesystem_format)
        await self._run(OperationCode.FormatStore, params)
        self._path_cache.clear()

    async def reset_device(self) -> None:
        await self._run(OperationCode.ResetDevice, ())

    async def self_test(self, test_type: int = 0) -> None:
        await self._run(OperationCode.SelfTest, (test_type,))

    async def set_object_protection(self, handle: int, protection_status: int) -> None:
        await self._run(OperationCode.SetObjectProtection, (handle, protection_status))

    async def power_down(self) -> None:
        await self._run(OperationCode.PowerDown, ())

    async def get_device_prop_desc(self, code: int) -> DevicePropDesc:
        response = await self._run(OperationCode.GetDevicePropDesc, (code,))
        desc = DevicePropDesc.decode(response.data)
        self._prop_types[code] = desc.data_type
        return desc

    async def _prop_type(self, code: int, data_type: int | None) -> DataType:
        if data_type is not None:
            return DataType(data_type)
        known = self._prop_types.get(code)
        if known is None:
            known = (await self.get_device_prop_desc(code)).data_type
        return known

    async def get_device_prop_value(self, code: int, data_type: int | None = None) -> PtpValue:
        """GetDevicePropValue, decoded with ``data_type`` (read from the property's
        descriptor when not given)."""
        dt = await self._prop_type(code, data_type)
        response = await self._run(OperationCode.GetDevicePropValue, (code,))
        return decode_value(dt, response.data)

    async def set_device_prop_value(
        self, code: int, value: PtpValue, data_type: int | None = None
    ) -> None:
        dt = await self._prop_type(code, data_type)
        await self._run(
            OperationCode.SetDevicePropValue, (code,), source=_BytesSource(encode_value(dt, value))
        )

    async def reset_device_prop_value(self, code: int = ALL) -> None:
        await self._run(OperationCode.ResetDevicePropValue, (code,))

    async def move_object(self, handle: int, storage_id: int, parent: int = 0) -> None:
        """MoveObject: parent 0 = the root of ``storage_id``."""
        await self._run(OperationCode.MoveObject, (handle, storage_id, parent))
        self._path_cache.clear()

    async def copy_object(self, handle: int, storage_id: int, parent: int = 0) -> int:
        """CopyObject: parent 0 = the root; returns the new handle."""
        response = await self._run(OperationCode.CopyObject, (handle, storage_id, parent))
        return response.params[0] if response.params else 0

    def supports(self, operation: int) -> bool:
        """Whether the camera lists ``operation`` in its DeviceInfo."""
        return operation in self.device_info.operations_supported

    # -- storages and objects -------------------------------------------------------------
    async def storages(self) -> list[Storage]:
        """Every mounted storage with its StorageInfo (IDs with a zero low half, which
        mean "not mounted", are skipped as gphoto2 does)."""
        result = []
        for sid in await self.get_storage_ids():
            if sid & 0xFFFF == 0:
                continue
            storage = Storage(sid, await self.get_storage_info(sid))
            self._storages[sid] = storage
            result.append(storage)
        return result

    async def _storage_list(self) -> list[Storage]:
        if not self._storages:
            await self.storages()
        return list(self._storages.values())

    async def _object(
        self, handle: int, info: ObjectInfo | None = None, depth: int = 0
    ) -> CameraObject:
        """The object with its full path, following ParentObject links (folders cached)."""
        if info is None:
            info = await self.get_object_info(handle)
        parent = info.parent_object
        base: str | None = None
        if parent not in (0, ROOT, handle) and depth < 64:
            base = self._path_cache.get(parent)
            if base is None:
                try:
                    base = (await self._object(parent, None, depth + 1)).path
                except PtpResponseError:
                    base = None
        if base is None:
            base = f"/store_{info.storage_id:08x}"
        return self._make_object(handle, info, f"{base}/{info.filename}")

    def _make_object(
        self, handle: int, info: ObjectInfo, path: str, size: int | None = None
    ) -> CameraObject:
        if size is None:
            size = info.object_compressed_size
            if size == _U32_MAX:
                size = None  # 4 GiB or more: the 32-bit field cannot say
        obj = CameraObject(handle, info, path, size)
        if obj.is_folder:
            self._path_cache[handle] = path
        return obj

    async def object_at(self, handle: int) -> CameraObject:
        """The object with this handle, with its full path."""
        return await self._object(handle)

    async def _list_storage(
        self, storage: Storage, bulk: dict[int, _Listed] | None = None
    ) -> list[CameraObject]:
        """Every object of a storage: one GetObjectHandles, then one GetObjectInfo each
        (or what one GetObjectPropList for the whole camera said: ``bulk``).

        Cameras that cannot list a whole storage (an error for parent 0), or that take
        parent 0 to mean "the root only" (folders come back, nothing inside them), are
        listed folder by folder instead.
        """
        sizes: dict[int, int] = {}
        if bulk is not None:
            infos = {h: listed.info for h, listed in bulk.items()}
            sizes = {h: listed.size for h, listed in bulk.items() if listed.size is not None}
        else:
            infos = await self._list_infos(storage)
        prefix = f"/{storage.name}"
        paths: dict[int, str] = {}

        def path_of(handle: int, depth: int = 0) -> str:
            known = paths.get(handle)
            if known is not None:
                return known
            info = infos[handle]
            parent = info.parent_object
            if parent in infos and parent != handle and depth < 64:
                path = f"{path_of(parent, depth + 1)}/{info.filename}"
            else:
                path = f"{prefix}/{info.filename}"
            paths[handle] = path
            return path

        objects = [
            self._make_object(h, info, path_of(h), sizes.get(h)) for h, info in infos.items()
        ]
        objects.sort(key=lambda o: o.path)
        return objects

    async def _list_infos(self, storage: Storage) -> dict[int, ObjectInfo]:
        """The ObjectInfo of every object of a storage, one transaction each."""
        try:
            handles = await self.get_object_handles(storage.storage_id, 0, 0)
            infos = await self.get_object_infos(handles)
        except PtpResponseError as exc:
            if exc.code not in (
                ResponseCode.ParameterNotSupported,
                ResponseCode.InvalidParentObject,
            ):
                raise
            return await self._list_by_folder(storage.storage_id)
        folders = {h for h, i in infos.items() if i.object_format == ObjectFormat.Association}
        if folders and not any(i.parent_object in folders for i in infos.values()):
            return await self._list_by_folder(storage.storage_id)
        return infos

    async def _list_bulk(self, storages: list[Storage]) -> dict[int, dict[int, _Listed]]:
        """Every object of the camera with one MTP GetObjectPropList, by storage.

        Cameras' GetObjectPropList is not always complete: objects it leaves out (one
        GetObjectHandles says which exist) and objects whose properties do not make an
        ObjectInfo (a property missing or of the wrong type) are read with GetObjectInfo.
        """
        plist = await self.get_object_prop_list(ALL, 0, ALL, 0, _DEPTH_ALL)
        objects = plist.by_object()
        listed: dict[int, _Listed] = {}
        for handle, props in objects.items():
            made = _listed_from_props(props)
            if made is not None:
                listed[handle] = made
        try:
            handles = await self.get_object_handles(ALL, 0, 0)
        except PtpResponseError:  # no check then
            handles = ()
        missing = [h for h in dict.fromkeys((*objects, *handles)) if h not in listed]
        if missing:
            for handle, info in (await self.get_object_infos(missing)).items():
                listed[handle] = _Listed(info, None)
        found: dict[int, dict[int, _Listed]] = {store.storage_id: {} for store in storages}
        for handle, item in listed.items():
            by_storage = found.get(item.info.storage_id)
            if by_storage is not None:
                by_storage[handle] = item
        return found

    async def _list_by_folder(self, storage_id: int) -> dict[int, ObjectInfo]:
        """For cameras that cannot list a whole storage at once: folder by folder."""
        infos: dict[int, ObjectInfo] = {}
        folders = [ROOT]
        while folders:
            parent = folders.pop()
            handles = await self.get_object_handles(storage_id, 0, parent)
            found = await self.get_object_infos([h for h in handles if h not in infos])
            infos.update(found)
            folders.extend(
                h for h, info in found.items() if info.object_format == ObjectFormat.Association
            )
        return infos

    async def walk(
        self,
        folder: str | None = None,
        *,
        storage: int | str | None = None,
        object_format: int | str | None = None,
        pattern: str | None = None,
        since: datetime | None = None,
        folders: bool = False,
        bulk: bool | None = None,
    ) -> AsyncIterator[CameraObject]:
        """Every object (files, and folders too with ``folders=True``), with full paths.

        Filters: ``folder`` (a path such as ``"DCIM/100CANON"`` or
        ``"/store_00010001/DCIM"``; everything below it), ``storage`` (an id or a name),
        ``object_format`` (a code or a name: ``"jpeg"``, ``"EXIF_JPEG"``, ``"images"``),
        ``pattern`` (a shell pattern on the name, or on the path when it contains ``/``;
        case-insensitive) and ``since`` (captured at or after).

        ``bulk``: how the objects are read. ``True``: one MTP GetObjectPropList for the
        whole camera (an error if the camera has none); ``False``: one GetObjectInfo per
        object; ``None`` (the default): GetObjectPropList when the camera lists it, and
        per object should it fail. A bulk listing carries no thumbnail facts (the
        ``thumb_*`` fields of :attr:`CameraObject.info` are 0), and gives the 64-bit size
        of objects of 4 GiB and more.
        """
        for obj in await self.list_objects(
            folder,
            storage=storage,
            object_format=object_format,
            pattern=pattern,
            since=since,
            folders=folders,
            bulk=bulk,
        ):
            yield obj

    async def list_objects(
        self,
        folder: str | None = None,
        *,
        storage: int | str | None = None,
        object_format: int | str | None = None,
        pattern: str | None = None,
        since: datetime | None = None,
        folders: bool = False,
        bulk: bool | None = None,
    ) -> list[CameraObject]:
        """:meth:`walk` as a list (built whole, then handed out by walk)."""
        selected = await self._select_storages(storage, folder)
        by_storage: dict[int, dict[int, _Listed]] | None = None
        if bulk or (bulk is None and self.supports(MtpOperationCode.GetObjectPropList)):
            try:
                by_storage = await self._list_bulk(selected)
            except (PtpResponseError, DecodeError) as exc:
                if bulk:
                    raise
                _log.debug("GetObjectPropList failed (%s): listing object by object", exc)
        want_format: int | None = None
        images_only = False
        if object_format is not None:
            if isinstance(object_format, str) and _norm(object_format) in ("image", "images"):
                images_only = True
            else:
                want_format = format_code(object_format)
        folder_rel = _strip_storage(folder)[1] if folder else ""
        matcher = None if pattern is None else object_matcher(pattern)
        chosen: list[CameraObject] = []
        for store in selected:
            listed = None if by_storage is None else by_storage[store.storage_id]
            for obj in await self._list_storage(store, listed):
                if not folders and obj.is_folder:
                    continue
                if folder_rel and not obj.relative_path.startswith(folder_rel + "/"):
                    continue
                if want_format is not None and obj.format != want_format:
                    continue
                if images_only and not is_image(obj.format):
                    continue
                if matcher is not None and not matcher(obj):
                    continue
                if since is not None and not _at_or_after(obj.captured, since):
                    continue
                chosen.append(obj)
        return chosen

    async def list_objects_bulk(
        self, folder: str | None = None, *, folders: bool = True
    ) -> list[CameraObject]:
        """Every object (folders too, unless ``folders=False``) with one MTP
        GetObjectPropList: :meth:`list_objects` with ``bulk=True``."""
        return await self.list_objects(folder, folders=folders, bulk=True)

    async def _select_storages(
        self, storage: int | str | None, folder: str | None
    ) -> list[Storage]:
        stores = await self._storage_list()
        if folder:
            store_name = _strip_storage(folder)[0]
            if store_name is not None:
                storage = store_name
        if storage is None:
            return stores
        for store in stores:
            if storage in (store.storage_id, store.name) or (
                isinstance(storage, str) and _parse_int(storage) == store.storage_id
            ):
                return [store]
        raise NotFoundError(f"no storage {storage!r} on the camera")

    async def find(self, path: str) -> CameraObject:
        """The object at ``path`` (``/store_00010001/DCIM/x.jpg``, or ``DCIM/x.jpg`` in any
        storage); :class:`NotFoundError` when there is none."""
        store_name, rel = _strip_storage(path)
        parts = [p for p in rel.split("/") if p]
        for store in await self._select_storages(store_name, None):
            if not parts:
                continue
            obj = await self._find_in(store, parts)
            if obj is not None:
                return obj
        raise NotFoundError(f"no such object on the camera: {path}")

    async def _find_in(self, store: Storage, parts: list[str]) -> CameraObject | None:
        parent = ROOT
        current: CameraObject | None = None
        prefix = f"/{store.name}"
        for depth, part in enumerate(parts):
            try:
                handles = await self.get_object_handles(store.storage_id, 0, parent)
            except PtpResponseError:
                return None
            match = None
            for handle in handles:
                info = await self.get_object_info(handle)
                if info.filename == part:
                    match = (handle, info)
                    break
            if match is None:
                return None
            prefix = f"{prefix}/{part}"
            current = self._make_object(match[0], match[1], prefix)
            if depth < len(parts) - 1 and not current.is_folder:
                return None
            parent = match[0]
        return current

    async def _resolve(self, obj: CameraObject | int | str) -> CameraObject:
        if isinstance(obj, CameraObject):
            return obj
        if isinstance(obj, int):
            return await self._object(obj)
        return await self.find(obj)

    async def download(
        self,
        obj: CameraObject | int | str,
        destination: str | os.PathLike[str],
        *,
        progress: ProgressCallback | None = None,
        resume: bool = True,
    ) -> Path:
        """Download an object (a :class:`CameraObject`, handle or path) to a file.

        ``destination`` is a file path or an existing directory (the object's name is
        used). Data goes to ``<file>.part`` and is renamed on success; an existing
        ``.part`` is resumed with GetPartialObject (GetPartialObject64 beyond 4 GiB), and
        the size is checked. ``progress(done, total)`` is called as data arrives.
        """
        from ptpkit.aio.transfer import download_object, safe_file_name

        target = await self._resolve(obj)
        if target.is_folder:
            raise NotFoundError(f"{target.path} is a folder, not a file")
        dest = Path(destination)
        if dest.is_dir():
            dest = dest / safe_file_name(target.name)
        return await download_object(self, target, dest, progress=progress, resume=resume)

    async def upload(
        self,
        path: str | os.PathLike[str],
        folder: CameraObject | str | None = None,
        *,
        name: str | None = None,
        storage: int | str | None = None,
        progress: ProgressCallback | None = None,
    ) -> CameraObject:
        """Upload a file, streamed: SendObjectInfo, then SendObject from the file.

        ``folder`` is a folder object or path on the camera (default: the root of the
        first storage, or of ``storage``)."""
        from ptpkit.aio.transfer import upload_file

        if folder is None or folder in ("", "/"):
            stores = await self._select_storages(storage, None)
            if not stores:
                raise NotFoundError("the camera has no storage")
            storage_id, parent = stores[0].storage_id, ROOT
            folder_path = f"/{stores[0].name}"
        else:
            if isinstance(folder, str):
                store_name, rel = _strip_storage(folder)
                if store_name is not None and not rel.strip("/"):
                    store = (await self._select_storages(store_name, None))[0]
                    folder_obj = None
                    storage_id, parent, folder_path = store.storage_id, ROOT, f"/{store.name}"
                else:
                    folder_obj = await self.find(folder)
            else:
                folder_obj = folder
            if folder_obj is not None:
                if not folder_obj.is_folder:
                    raise NotFoundError(f"{folder_obj.path} is not a folder")
                storage_id, parent = folder_obj.storage_id, folder_obj.handle
                folder_path = folder_obj.path
        handle = await upload_file(
            self, Path(path), storage_id, parent, name=name, progress=progress
        )
        info = await self.get_object_info(handle)
        return self._make_object(handle, info, f"{folder_path}/{info.filename}")

    async def delete(self, obj: CameraObject | int | str) -> None:
        """Delete an object (a :class:`CameraObject`, handle or path)."""
        target = await self._resolve(obj)
        await self.delete_object(target.handle)

    async def mkdir(self, path: str) -> CameraObject:
        """Create a folder (and any missing parents) with SendObjectInfo; the folder."""
        store_name, rel = _strip_storage(path)
        parts = [p for p in rel.split("/") if p]
        if not parts:
            raise ValueError(f"not a folder path: {path!r}")
        store = (await self._select_storages(store_name, None))[0]
        parent_obj: CameraObject | None = None
        for depth in range(len(parts)):
            found = await self._find_in(store, parts[: depth + 1])
            if found is None:
                parent = ROOT if parent_obj is None else parent_obj.handle
                info = ObjectInfo(
                    storage_id=store.storage_id,
                    object_format=ObjectFormat.Association,
                    association_type=AssociationType.GenericFolder,
                    parent_object=parent,
                    filename=parts[depth],
                )
                _, _, handle = await self.send_object_info(info, store.storage_id, parent)
                found = await self._object(handle)
            elif not found.is_folder:
                raise NotFoundError(f"{found.path} exists and is not a folder")
            parent_obj = found
        assert parent_obj is not None
        return parent_obj

    async def capture(
        self, timeout: float = 30.0, *, storage_id: int = 0, object_format: int = 0
    ) -> list[CameraObject]:
        """InitiateCapture, then wait for ObjectAdded and CaptureComplete; the new objects.

        Cameras that do not list CaptureComplete among their events are taken to be done
        at the first ObjectAdded. StoreFull raises :class:`PtpResponseError`.
        """
        stream = self._subscribe()
        try:
            tid = await self.initiate_capture(storage_id, object_format)
            added: list[int] = []
            waits_for_complete = (
                EventCode.CaptureComplete in self.device_info.events_supported
                or not self.device_info.events_supported
            )
            assert self._loop is not None
            deadline = self._loop.time() + timeout
            while True:
                left = deadline - self._loop.time()
                if left <= 0:
                    raise PtpTimeoutError(f"the capture did not complete within {timeout:g} s")
                try:
                    event = await stream.get(left)
                except PtpTimeoutError:
                    raise PtpTimeoutError(
                        f"the capture did not complete within {timeout:g} s"
                    ) from None
                if isinstance(event, EventsDropped):
                    continue
                if event.transaction_id not in (tid, TID_NONE):
                    continue
                if event.code == EventCode.ObjectAdded and event.params:
                    added.append(event.params[0])
                    if not waits_for_complete:
                        break
                elif event.code == EventCode.CaptureComplete:
                    break
                elif event.code == EventCode.StoreFull:
                    raise PtpResponseError(
                        ResponseCode.StoreFull, operation=OperationCode.InitiateCapture
                    )
        finally:
            stream.close()
        objects = [await self._object(handle) for handle in dict.fromkeys(added)]
        return [obj for obj in objects if not obj.is_folder]

    # -- device properties ------------------------------------------------------------
    async def properties(self) -> list[DevicePropDesc]:
        """The descriptor of every property the camera lists in its DeviceInfo."""
        return [
            await self.get_device_prop_desc(code)
            for code in self.device_info.device_properties_supported
        ]

    async def describe_property(self, prop: str | int) -> DevicePropDesc:
        """A property's descriptor: type, current and default value, allowed values."""
        return await self.get_device_prop_desc(property_code(prop))

    async def get_property(self, prop: str | int) -> PtpValue:
        """A property's current value, by name or code (e.g. ``"batterylevel"``)."""
        return await self.get_device_prop_value(property_code(prop))

    async def set_property(self, prop: str | int, value: PtpValue | str) -> None:
        """Set a property; text is converted to the property's type (``"0x10"``,
        ``"1,2,3"`` for arrays)."""
        code = property_code(prop)
        dt = await self._prop_type(code, None)
        await self.set_device_prop_value(code, coerce_value(dt, value), dt)

    async def reset_property(self, prop: str | int) -> None:
        await self.reset_device_prop_value(property_code(prop))


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


_DEPTH_ALL = 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class _Listed:
    """An object as a bulk listing found it: its ObjectInfo and, when told, its size."""

    info: ObjectInfo
    size: int | None


#: ObjectInfo field ← MTP object property, and its value when the camera does not say
#: (None: required).
_INFO_FROM_PROPS: tuple[tuple[str, int, int | str | None], ...] = (
    ("storage_id", MtpObjectPropCode.StorageID, None),
    ("object_format", MtpObjectPropCode.ObjectFormat, None),
    ("protection_status", MtpObjectPropCode.ProtectionStatus, 0),
    ("image_pix_width", MtpObjectPropCode.Width, 0),
    ("image_pix_height", MtpObjectPropCode.Height, 0),
    ("parent_object", MtpObjectPropCode.ParentObject, None),
    ("association_type", MtpObjectPropCode.AssociationType, 0),
    ("association_desc", MtpObjectPropCode.AssociationDesc, 0),
    ("filename", MtpObjectPropCode.ObjectFileName, None),
    ("capture_date", MtpObjectPropCode.DateCreated, ""),
    ("modification_date", MtpObjectPropCode.DateModified, ""),
    ("keywords", MtpObjectPropCode.Keywords, ""),
)


def _listed_from_props(props: dict[int, PtpValue]) -> _Listed | None:
    """An ObjectInfo made of MTP object properties; None when they do not make one (a
    required property missing, or a value of the wrong type: ObjectInfo checks them)."""
    fields: dict[str, Any] = {}
    for name, code, default in _INFO_FROM_PROPS:
        value = props.get(code, default)
        if value is None:
            return None
        fields[name] = value
    size = props.get(MtpObjectPropCode.ObjectSize)
    if size is not None and not isinstance(size, int):
        return None
    fields["object_compressed_size"] = 0 if size is None else min(size, _U32_MAX)
    try:
        info = ObjectInfo(**fields)
    except LocalProtocolError:
        return None
    return _Listed(info, size)


def coerce_value(data_type: DataType, value: PtpValue | str) -> PtpValue:
    """Turn text into a value of ``data_type`` (ints accept 0x…; arrays are comma lists)."""
    if not isinstance(value, str) or data_type is DataType.STR:
        return value
    text = value.strip()
    try:
        if data_type.is_array:
            return tuple(int(part, 0) for part in text.split(",") if part.strip())
        return int(text, 0)
    except ValueError:
        raise ValueError(f"{value!r} is not a valid {data_type.name} value") from None


def _strip_storage(path: str) -> tuple[str | None, str]:
    """Split ``/store_00010001/a/b`` into ("store_00010001", "a/b"); other paths have no
    storage part."""
    clean = path.strip().strip("/")
    head, _, rest = clean.partition("/")
    if re.fullmatch(r"store_[0-9a-fA-F]{8}", head):
        return head.lower(), rest.strip("/")
    return None, clean


def object_matcher(pattern: str) -> Callable[[CameraObject], bool]:
    """A case-insensitive shell pattern as a test on objects: on the name, or, when the
    pattern contains ``/``, on the full path or the path inside the storage."""
    pat = pattern.lower()
    if "/" not in pat:
        return lambda obj: fnmatch.fnmatchcase(obj.name.lower(), pat)
    bare = pat.strip("/")

    def by_path(obj: CameraObject) -> bool:
        full = obj.path.lower().strip("/")
        return fnmatch.fnmatchcase(full, bare) or fnmatch.fnmatchcase(
            obj.relative_path.lower(), bare
        )

    return by_path


def _at_or_after(when: datetime | None, since: datetime) -> bool:
    if when is None:
        return False
    if (when.tzinfo is None) != (since.tzinfo is None):
        when = when.replace(tzinfo=None)
        since = since.replace(tzinfo=None)
    return when >= since


def _timeout_error(
    what: str, handshake_timeout: float | None, session: InitiatorSession
) -> PtpTimeoutError:
    if what == "handshake":
        return PtpTimeoutError(
            f"no answer to the PTP/IP handshake within {handshake_timeout or 0:g} s "
            "(a camera pairing for the first time may be waiting for its owner to confirm)"
        )
    if what == "probe":
        return PtpTimeoutError("the camera stopped answering probes: the link is dead")
    operation = code_name("operation", session.operation)
    return PtpTimeoutError(f"no response to {operation} in time")


def _hex_params(params: Sequence[int]) -> str:
    return ", ".join(f"0x{p:X}" for p in params)


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

    async def send(self, protocol: _ChannelProtocol, offset: int, length: int) -> None: ...


class _BytesSource:
    def __init__(self, data: bytes | bytearray | memoryview) -> None:
        self._data = memoryview(data).cast("B") if not isinstance(data, bytes) else data
        self.size = len(self._data)

    async def send(self, protocol: _ChannelProtocol, offset: int, length: int) -> None:
        assert protocol.transport is not None
        chunk = self._data[offset : offset + length]
        protocol.transport.write(bytes(chunk) if isinstance(chunk, memoryview) else chunk)


class _FileSource:
    """A binary file, sent zero-copy where possible: with ``loop.sendfile`` (asyncio's
    loops), else with ``os.sendfile`` straight into the socket (uvloop has no
    loop.sendfile), else read and written."""

    def __init__(self, file: BinaryIO, size: int | None) -> None:
        self._file = file
        self._start = file.tell() if file.seekable() else 0
        if size is None:
            try:
                size = os.fstat(file.fileno()).st_size - self._start
            except (OSError, AttributeError, ValueError):
                raise ValueError("give the size of a file that is not a regular file") from None
        self.size = size
        self._sendfile = True  # loop.sendfile
        self._os_sendfile = hasattr(os, "sendfile")

    async def send(self, protocol: _ChannelProtocol, offset: int, length: int) -> None:
        transport = protocol.transport
        assert transport is not None
        loop = asyncio.get_running_loop()
        if self._sendfile:
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
        done = 0
        if self._os_sendfile:
            try:
                done = await _sendfile_to(protocol, self._file, self._start + offset, length)
            except _NoSendfile as exc:
                self._os_sendfile = False
                done = exc.done
            else:
                if done != length and not protocol.lost.done():
                    raise TransferError(
                        f"the file ended after {offset + done} of {self.size} bytes"
                    )
                return  # (a lost connection fails the transaction itself)
        if self._file.seekable():
            self._file.seek(self._start + offset + done)
        left = length - done
        while left:
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
    ``os.sendfile``, for loops without ``loop.sendfile`` (uvloop): the bytes sent, fewer at
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


# -- connect --------------------------------------------------------------------------
class _Connection:
    """What :func:`connect` returns: ``await`` it, or use it with ``async with``."""

    def __init__(self, camera: Camera) -> None:
        self._camera = camera

    def __await__(self) -> Generator[object, None, Camera]:
        return self._camera._open().__await__()

    async def __aenter__(self) -> Camera:
        return await self._camera._open()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._camera.close()


def connect(
    host: str,
    port: int = DEFAULT_PORT,
    *,
    guid: bytes | str | None = None,
    name: str | None = None,
    event_port: int | None = None,
    handshake_timeout: float | None = 60.0,
    response_timeout: float | None = 60.0,
    probe_interval: float | None = 15.0,
    probe_timeout: float = 10.0,
    connect_timeout: float = 10.0,
    cancel_timeout: float = 10.0,
    event_queue_size: int = 1000,
    session_id: int = 1,
    open_session: bool = True,
) -> _Connection:
    """Connect to a PTP/IP camera and open a PTP session.

    ``async with ptpkit.connect("192.168.1.10") as camera:`` (or ``camera = await
    ptpkit.connect(...)`` and later ``await camera.close()``).

    ``guid``/``name`` default to the user's stored identity (:mod:`ptpkit.config`).
    ``handshake_timeout`` is generous because a camera pairing for the first time asks its
    owner to confirm. ``probe_interval`` keeps an idle link alive (None: never probe);
    ``event_queue_size`` bounds each event stream. Raises :class:`ConnectError`,
    :class:`InitFailError` (with the reason in words) or :class:`PtpTimeoutError`.
    """
    camera = Camera(
        host,
        port,
        guid=guid,
        name=name,
        event_port=event_port,
        handshake_timeout=handshake_timeout,
        response_timeout=response_timeout,
        probe_interval=probe_interval,
        probe_timeout=probe_timeout,
        connect_timeout=connect_timeout,
        cancel_timeout=cancel_timeout,
        event_queue_size=event_queue_size,
        session_id=session_id,
        open_session=open_session,
    )
    return _Connection(camera)
