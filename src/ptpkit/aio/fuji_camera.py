"""A Fujifilm camera: :class:`FujiCamera`, the standard :class:`~ptpkit.aio.camera.Camera`
over Fujifilm's variant of PTP/IP (:mod:`~ptpkit.aio.fuji_transport`). Imported only when
that transport is used (:func:`~ptpkit.aio.client.camera_class`), so that a command
talking to any other camera loads nothing of the variant."""

from __future__ import annotations

from typing import Any

from ptpkit.aio.camera import Camera
from ptpkit.aio.fuji_transport import FujiTransport
from ptpkit.aio.sessions import fuji_session
from ptpkit.proto.vendors.fuji_ids import COMMAND_PORT as FUJI_PORT

__all__ = ["FujiCamera"]


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
