"""The asyncio initiator: ``async with ptpkit.connect(host) as camera``.

:class:`Camera` is assembled from layers, each in its own module, each built on the one
below it (no module imports one above it):

- :mod:`~ptpkit.aio.connection`: both TCP connections and the pump that feeds the sans-IO
  :class:`~ptpkit.proto.initiator.InitiatorSession` (everything run in protocol callbacks);
- :mod:`~ptpkit.aio.transactions`: what a task awaits: the handshake, probes, transactions,
  chains of them, Cancel;
- :mod:`~ptpkit.aio.operations`: the standard operations as typed methods;
- :mod:`~ptpkit.aio.listing`: storages, objects with paths, walk, find;
- :mod:`~ptpkit.aio.transfer`, :mod:`~ptpkit.aio.capture`, :mod:`~ptpkit.aio.properties`:
  downloads and uploads, capture, device properties by name.

What the client hands out (:class:`CameraObject`, :class:`CameraEvent`, ...) is in
:mod:`~ptpkit.aio.models`, the event stream in :mod:`~ptpkit.aio.events`. This module
adds what a session does when it opens and closes, and :func:`connect`; every public name
of the client is importable from here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Generator
from types import TracebackType
from typing import Any, Literal

from ptpkit.aio.capture import Capture
from ptpkit.aio.connection import DEFAULT_PORT
from ptpkit.aio.events import EventStream
from ptpkit.aio.fuji_transport import FujiTransport
from ptpkit.aio.models import (
    CameraEvent,
    CameraObject,
    EventsDropped,
    Response,
    Sink,
    Storage,
    coerce_value,
    format_code,
    object_matcher,
    property_code,
)
from ptpkit.aio.properties import Properties
from ptpkit.aio.sessions import fuji_session
from ptpkit.aio.transfer import Transfers
from ptpkit.dialects import AUTO, Dialect, choose_dialect, dialect_class
from ptpkit.dialects.generic import GenericDialect
from ptpkit.errors import (
    ConnectionLost,
    InitFailError,
    NotFoundError,
    PtpError,
    PtpResponseError,
    PtpTimeoutError,
    TransferError,
)
from ptpkit.proto.vendors.fuji import COMMAND_PORT as FUJI_PORT
from ptpkit.proto.vendors.fuji import INIT_FAIL_WRONG_VERSION

__all__ = [
    "DEFAULT_PORT",
    "FUJI_PORT",
    "Camera",
    "CameraEvent",
    "CameraObject",
    "EventStream",
    "EventsDropped",
    "FujiCamera",
    "NotFoundError",
    "Response",
    "Sink",
    "Storage",
    "TransferError",
    "coerce_value",
    "connect",
    "format_code",
    "object_matcher",
    "property_code",
]

_log = logging.getLogger("ptpkit.client")

#: How long a dialect's start (after OpenSession) and stop (before CloseSession) may take.
_DIALECT_TIMEOUT = 10.0
#: A failing poll is retried after the poll interval times this, doubling, at most 50.
_POLL_BACKOFF_MAX = 50


# -- the camera -------------------------------------------------------------------------
class Camera(Capture, Properties, Transfers):
    """A connected PTP/IP camera. Get one from :func:`connect`.

    Every standard PTP operation has a typed method (``get_object_info`` returns an
    :class:`ObjectInfo`, and so on); the helpers above them list, download, upload,
    capture and handle device properties by name. A non-OK response raises
    :class:`~ptpkit.errors.PtpResponseError`. What differs per camera family (what runs
    after OpenSession, where events come from, capture, vendor properties) is the
    camera's :attr:`dialect` (:mod:`ptpkit.dialects`).
    """

    def __init__(
        self,
        host: str,
        port: int = DEFAULT_PORT,
        *,
        dialect: str | type[Dialect] = AUTO,
        session_id: int | Literal["connection"] = 1,
        retry_session_id: bool = True,
        **options: Any,
    ) -> None:
        super().__init__(
            host, port, session_id=1 if session_id == "connection" else session_id, **options
        )
        self._options = dict(options, dialect=dialect, retry_session_id=retry_session_id)
        self._dialect_choice = dialect
        self._session_choice = session_id
        self._retry_session_id = retry_session_id
        self._session_lost = False  # the camera dropped the link on our OpenSession
        self.dialect = GenericDialect(self)
        self._poller: asyncio.Task[None] | None = None
        self._poll_wake = asyncio.Event()

    # -- opening the session, then the dialect's start ------------------------------------
    async def _open(self) -> Camera:
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._backlog = self._subscribe()
        try:
            await self._handshake(loop)
            if self._want_session:
                await self._open_session()
            self.device_info = await self.get_device_info()
            self.dialect = choose_dialect(self.device_info, self._dialect_choice)(self)
            _log.debug("dialect: %s", self.dialect.name)
            try:
                await asyncio.wait_for(self.dialect.start(), _DIALECT_TIMEOUT)
            except asyncio.TimeoutError:
                raise PtpTimeoutError(
                    f"the {self.dialect.name} dialect's start took over {_DIALECT_TIMEOUT:g} s"
                ) from None
        except BaseException:
            self._shutdown(None)
            await self._wait_closed()
            raise
        self._listeners_changed()  # someone may already listen
        return self

    async def _open_session(self) -> None:
        """OpenSession with the chosen session id; when the camera refuses session id 1,
        once more with the Init Command Ack's connection number (the Nikon habit)."""
        number = self.connection_number
        if self._session_choice == "connection":
            await self.open_session(number or 1)
            return
        wanted = self._session_choice
        retry = self._retry_session_id and number not in (None, 0, wanted)
        try:
            await self.open_session(wanted)
        except PtpResponseError:
            if not retry or number is None:
                raise
            _log.info("OpenSession(%d) refused: retrying with connection number %d", wanted, number)
            await self.open_session(number)
        except ConnectionLost:
            self._session_lost = retry
            raise

    def _session_retry(self) -> Camera | None:
        """A new camera that opens its session with the connection number, when this one
        lost its link on OpenSession (a Nikon D5300 closes it when the session id is not
        its connection number); None otherwise."""
        if not self._session_lost:
            return None
        options = dict(self._options)
        options["session_id"] = "connection"
        return Camera(self.host, self.port, **options)

    # -- events polled by the dialect -----------------------------------------------------
    def _listeners_changed(self) -> None:
        if not self._listening:
            self._poll_wake.set()  # the poller ends at once instead of after its sleep
            return
        if (
            self._poller is None
            and self.dialect.polls_events
            and self._loop is not None
            and not self._closing
            and not self._closed
            and self._session.is_ready
        ):
            self._poller = self._loop.create_task(self._poll_loop())

    async def _poll_loop(self) -> None:
        """Poll the dialect's vendor GetEvent while anyone listens, feeding the same
        streams as the event channel. Polls are ordinary transactions: the command lock
        is free between them."""
        dialect = self.dialect
        failures = 0
        try:
            while self._listening and not self._closed and self._failure is None:
                try:
                    found = await dialect.poll_events()
                    failures = 0
                except PtpResponseError as exc:
                    failures += 1
                    found = []
                    _log.debug("event poll failed: %s", exc)
                except PtpError:
                    return  # the link failed: the streams end with it
                for event in found:
                    self._on_camera_event(event)
                pause = dialect.poll_interval * min(1 << failures, _POLL_BACKOFF_MAX)
                self._poll_wake.clear()
                if not self._listening:
                    break
                try:
                    await asyncio.wait_for(self._poll_wake.wait(), pause)
                except asyncio.TimeoutError:
                    pass
        finally:
            self._poller = None

    async def _stop_polling(self) -> None:
        poller = self._poller
        if poller is None:
            return
        self._poll_wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(poller), self.cancel_timeout)
        except (asyncio.TimeoutError, PtpError):
            poller.cancel()

    # -- closing ----------------------------------------------------------------------
    async def close(self) -> None:
        """End the dialect's work (its stop step), close the PTP session
        (CloseSession) and both connections."""
        if self._closed:
            return
        self._closed = True
        await self._stop_polling()
        if self._failure is None and self._session.is_ready and self._session.session_open:
            try:
                await asyncio.wait_for(self.dialect.stop(), _DIALECT_TIMEOUT)
            except (PtpError, asyncio.TimeoutError) as exc:
                _log.debug("the %s dialect's stop failed: %s", self.dialect.name, exc)
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


class FujiCamera(FujiTransport, Camera):
    """A Fujifilm camera, over its variant of PTP/IP (:mod:`~ptpkit.aio.fuji_transport`):
    the connection pumps a Fujifilm session, and the init sequence follows OpenSession.

    ``port`` is the command port (55740); ``event_port`` defaults to ``port + 1``
    (gphoto2 keeps 55741 whatever the command port is). Other keyword arguments are
    :class:`Camera`'s.
    """

    def __init__(
        self,
        host: str,
        port: int = FUJI_PORT,
        *,
        event_port: int | None = None,
        **options: Any,
    ) -> None:
        options.setdefault("session_factory", fuji_session)
        super().__init__(
            host, port, event_port=port + 1 if event_port is None else event_port, **options
        )

    async def _open_session(self) -> None:
        await super()._open_session()
        await self.start_fuji()

    def _session_retry(self) -> Camera | None:
        return None  # (the Nikon habit it serves is not a Fujifilm one)


def camera_class(dialect: str | type[Dialect] = AUTO, port: int = DEFAULT_PORT) -> type[Camera]:
    """The camera class (the transport) for a dialect and port: :class:`FujiCamera` for a
    dialect on Fujifilm's transport (``"fujifilm"``), or with ``"auto"`` on port 55740;
    :class:`Camera` otherwise."""
    if isinstance(dialect, str):
        if dialect.strip().lower() == AUTO:
            return FujiCamera if port == FUJI_PORT else Camera
        dialect = dialect_class(dialect)
    return FujiCamera if dialect.transport == "fuji" else Camera


# -- connect --------------------------------------------------------------------------
class _Connection:
    """What :func:`connect` returns: ``await`` it, or use it with ``async with``."""

    def __init__(self, camera: Camera) -> None:
        self._camera = camera

    async def _open(self) -> Camera:
        camera = self._camera
        try:
            return await camera._open()
        except InitFailError as exc:
            if not (
                exc.reason == INIT_FAIL_WRONG_VERSION
                and type(camera) is Camera
                and camera._dialect_choice == AUTO
            ):
                raise
            # What a Fujifilm body answers a standard Init Command Request: its variant.
            _log.info("Init Fail 0x201D: a Fujifilm body; reconnecting with its variant")
            options = dict(camera._options, session_id=camera._session_choice)
            self._camera = FujiCamera(camera.host, camera.port, **options)
            return await self._camera._open()
        except ConnectionLost:
            retry = camera._session_retry()
            if retry is None:
                raise
            _log.info(
                "the camera dropped the link on OpenSession: reconnecting, with the "
                "connection number as the session id"
            )
            self._camera = retry
            return await retry._open()

    def __await__(self) -> Generator[object, None, Camera]:
        return self._open().__await__()

    async def __aenter__(self) -> Camera:
        return await self._open()

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
    data_timeout: float | None = None,
    keepalive: str = "auto",
    probe_interval: float | None = 15.0,
    probe_timeout: float = 10.0,
    connect_timeout: float = 10.0,
    cancel_timeout: float = 10.0,
    event_queue_size: int = 1000,
    session_id: int | Literal["connection"] = 1,
    open_session: bool = True,
    dialect: str | type[Dialect] = AUTO,
    retry_session_id: bool = True,
) -> _Connection:
    """Connect to a PTP/IP camera and open a PTP session.

    ``async with ptpkit.connect("192.168.1.10") as camera:`` (or ``camera = await
    ptpkit.connect(...)`` and later ``await camera.close()``).

    ``guid``/``name`` default to the user's stored identity (:mod:`ptpkit.config`).
    ``handshake_timeout`` is generous because a camera pairing for the first time asks its
    owner to confirm. ``response_timeout`` runs from each request to its response;
    ``data_timeout`` (default: the same) is the longest a data phase may go without a
    byte. ``keepalive`` says how a quiet link is kept alive and checked every
    ``probe_interval`` seconds: "auto" (probes while the camera answers them, else a
    cheap command), "probe", "command" or "off" (see :mod:`ptpkit.aio.liveness`);
    ``event_queue_size`` bounds each event stream.

    ``dialect`` is how the camera's vendor is spoken (:mod:`ptpkit.dialects`):
    ``"auto"`` chooses from DeviceInfo as gphoto2 does; a name (``"generic"``,
    ``"nikon"``...) or a :class:`~ptpkit.dialects.base.Dialect` subclass of one's own
    forces one. ``session_id`` is OpenSession's SessionID, or
    ``"connection"``: the connection number of the camera's Init Command Ack, which some
    Nikons (a D5300) want, closing the link otherwise. With ``retry_session_id`` a
    refused OpenSession, or a link dropped on it, is retried once that way.

    The transport follows the dialect: Fujifilm's variant (:class:`FujiCamera`) for
    ``"fujifilm"``, or with ``"auto"`` on its port 55740 or when the camera answers the
    standard Init Command Request with Init Fail 0x201D, as Fujifilm bodies do.

    Raises :class:`ConnectError`, :class:`InitFailError` (with the reason in words),
    :class:`PtpTimeoutError`, or ValueError for an unknown dialect.
    """
    if isinstance(dialect, str) and dialect.strip().lower() != AUTO:
        dialect_class(dialect)  # an unknown name fails here, before connecting
    camera = camera_class(dialect, port)(
        host,
        port,
        guid=guid,
        name=name,
        event_port=event_port,
        handshake_timeout=handshake_timeout,
        response_timeout=response_timeout,
        data_timeout=data_timeout,
        keepalive=keepalive,
        probe_interval=probe_interval,
        probe_timeout=probe_timeout,
        connect_timeout=connect_timeout,
        cancel_timeout=cancel_timeout,
        event_queue_size=event_queue_size,
        session_id=session_id,
        open_session=open_session,
        dialect=dialect,
        retry_session_id=retry_session_id,
    )
    return _Connection(camera)
