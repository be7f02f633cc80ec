"""The camera: :class:`Camera`, the layers of the client put together (see
:mod:`ptpkit.aio.client`), with what a session does when it opens (the dialect chosen
from DeviceInfo and started) and closes, and the events a dialect polls for."""

from __future__ import annotations

import asyncio
import logging
from types import TracebackType
from typing import Any, Literal

from ptpkit.aio.capture import Capture
from ptpkit.aio.connection import DEFAULT_PORT
from ptpkit.aio.properties import Properties
from ptpkit.aio.transfer import Transfers
from ptpkit.dialects import AUTO, choose_dialect
from ptpkit.dialects.base import Dialect
from ptpkit.dialects.generic import GenericDialect
from ptpkit.errors import ConnectionLost, PtpError, PtpResponseError, PtpTimeoutError

__all__ = ["Camera"]

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
