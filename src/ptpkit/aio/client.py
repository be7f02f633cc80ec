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
from collections.abc import Generator
from types import TracebackType

from ptpkit.aio.capture import Capture
from ptpkit.aio.connection import DEFAULT_PORT
from ptpkit.aio.events import EventStream
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
from ptpkit.aio.transfer import Transfers
from ptpkit.errors import NotFoundError, PtpError, TransferError

__all__ = [
    "DEFAULT_PORT",
    "Camera",
    "CameraEvent",
    "CameraObject",
    "EventStream",
    "EventsDropped",
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


# -- the camera -------------------------------------------------------------------------
class Camera(Capture, Properties, Transfers):
    """A connected PTP/IP camera. Get one from :func:`connect`.

    Every standard PTP operation has a typed method (``get_object_info`` returns an
    :class:`ObjectInfo`, and so on); the helpers above them list, download, upload,
    capture and handle device properties by name. A non-OK response raises
    :class:`~ptpkit.errors.PtpResponseError`.
    """

    # -- opening the session (a vendor's extra steps after OpenSession go here) ----------
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
