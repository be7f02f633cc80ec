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
(with :mod:`~ptpkit.aio.camera`, the session's opening and closing, and
:mod:`~ptpkit.aio.fuji_camera`, Fujifilm's transport, imported only when used) adds
:func:`connect`; every public name of the client is importable from here.
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from ptpkit.aio.camera import Camera
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
from ptpkit.dialects import AUTO, dialect_class
from ptpkit.errors import ConnectionLost, InitFailError, NotFoundError, TransferError
from ptpkit.proto.vendors.fuji_ids import COMMAND_PORT as FUJI_PORT
from ptpkit.proto.vendors.fuji_ids import INIT_FAIL_WRONG_VERSION

if TYPE_CHECKING:
    from ptpkit.aio.fuji_camera import FujiCamera
    from ptpkit.dialects.base import Dialect

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


def __getattr__(name: str) -> Any:
    """:class:`~ptpkit.aio.fuji_camera.FujiCamera`, imported on first use."""
    if name == "FujiCamera":
        return _fuji_camera()
    raise AttributeError(f"module 'ptpkit.aio.client' has no attribute {name!r}")


def _fuji_camera() -> type[FujiCamera]:
    from ptpkit.aio.fuji_camera import FujiCamera

    return FujiCamera


def camera_class(dialect: str | type[Dialect] = AUTO, port: int = DEFAULT_PORT) -> type[Camera]:
    """The camera class (the transport) for a dialect and port: :class:`FujiCamera` for a
    dialect on Fujifilm's transport (``"fujifilm"``), or with ``"auto"`` on port 55740;
    :class:`Camera` otherwise."""
    if isinstance(dialect, str):
        if dialect.strip().lower() == AUTO:
            return _fuji_camera() if port == FUJI_PORT else Camera
        dialect = dialect_class(dialect)
    return _fuji_camera() if dialect.transport == "fuji" else Camera


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
            self._camera = _fuji_camera()(camera.host, camera.port, **options)
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
