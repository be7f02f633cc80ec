"""Keeping a quiet link alive, and knowing it is still there: probes or commands.

Many cameras never answer a PTP/IP Probe Request (nor does gphoto2 as an initiator), so
a probe proves nothing until the camera has answered one. With ``keepalive="auto"`` (the
default) the session probes an idle link; the first probe such a camera ignores switches
the link to a cheap command round trip (GetStorageIDs in a session, else GetDeviceInfo)
after each ``keepalive_interval`` of quiet. A camera that has answered a probe and then
stops answering is a dead link (the core decides: :mod:`ptpkit.proto.initiator`).
``"probe"`` only probes (every miss is fatal), ``"command"`` only uses commands,
``"off"`` does neither. :meth:`Liveness.ping` measures a round trip the same way and
says which it used.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

from ptpkit.aio.connection import _ProbesIgnored
from ptpkit.aio.transactions import Transactions
from ptpkit.errors import PtpError, PtpResponseError
from ptpkit.proto.codes import OperationCode, code_name

__all__ = ["Liveness", "PingTime"]

_log = logging.getLogger("ptpkit.client")

#: The first probe of a camera that has never answered one gets this long (at most).
_FIRST_PROBE_WAIT = 2.0


class PingTime(float):
    """A round trip in seconds; ``via`` says how it was measured: ``"probe"`` or the
    name of the command used ("GetStorageIDs", "GetDeviceInfo")."""

    via: str

    def __new__(cls, seconds: float, via: str) -> PingTime:
        value = super().__new__(cls, seconds)
        value.via = via
        return value


class Liveness(Transactions):
    """Keep-alive by probe or command, and :meth:`ping`, on top of the transactions."""

    _keepalive_task: asyncio.Task[None] | None = None

    # -- how the link is checked ----------------------------------------------------------
    @property
    def link_check(self) -> str:
        """What checks this link now: "probe", a command's name, or "off"."""
        if self.keepalive == "off":
            return "off"
        if self._uses_probes():
            return "probe"
        return code_name("operation", self._check_operation())

    def _uses_probes(self) -> bool:
        session = self._session
        if self.keepalive == "probe":
            return True
        return self.keepalive == "auto" and not session.probes_ignored

    def _check_operation(self) -> int:
        """The cheapest command every camera has: GetStorageIDs once a session is open
        (unless the camera does not list it), else GetDeviceInfo."""
        listed = self.device_info.operations_supported
        if self._session.session_open and (not listed or OperationCode.GetStorageIDs in listed):
            return OperationCode.GetStorageIDs
        return OperationCode.GetDeviceInfo

    async def _command_round_trip(self) -> PingTime:
        assert self._loop is not None
        operation = self._check_operation()
        start = self._loop.time()
        try:
            await self._run(operation, (), timeout=self._session.probe_timeout)
        except PtpResponseError:
            pass  # an answer all the same: the camera is there
        return PingTime(self._loop.time() - start, code_name("operation", operation))

    # -- ping -----------------------------------------------------------------------------
    async def ping(self) -> PingTime:
        """The round trip to the camera, in seconds (a :class:`PingTime`, whose ``via``
        says how): a Probe Request on the event connection while probes are in use, else
        a cheap command. A camera that ignores its first probe is checked by command."""
        self._check_usable()
        if self._uses_probes():
            try:
                return await self._probe_round_trip()
            except _ProbesIgnored:
                _log.debug("ping: the camera ignores probes; a command instead")
        return await self._command_round_trip()

    async def _probe_round_trip(self) -> PingTime:
        assert self._loop is not None
        session = self._session
        waiter: asyncio.Future[None] = self._loop.create_future()
        self._probe_waiters.append(waiter)
        start = self._loop.time()
        first = not (session.probes_answered or session.strict_probes)
        session.probe(
            start, timeout=min(_FIRST_PROBE_WAIT, session.probe_timeout) if first else None
        )
        self._flush()
        self._arm_timer()
        await waiter
        return PingTime(self._loop.time() - start, "probe")

    # -- keep-alive by command -------------------------------------------------------------
    async def _handshake(self, loop: asyncio.AbstractEventLoop) -> None:
        await super()._handshake(loop)
        self._begin_liveness(loop)

    def _begin_liveness(self, loop: asyncio.AbstractEventLoop) -> None:
        """The link is up: the idle clock starts, and so do command keep-alives where
        probes are not used (``keepalive="command"``, or a transport without probes)."""
        self._idle_since = loop.time()
        if self.keepalive == "command" or (
            self.keepalive == "auto" and self._session.probes_ignored
        ):
            self._start_keepalive()

    def _probes_ignored(self) -> None:
        if self.keepalive == "auto":
            self._start_keepalive()

    def _start_keepalive(self) -> None:
        if self._keepalive_task is not None or self._closing or self._loop is None:
            return
        task = self._loop.create_task(self._keepalive())
        task.add_done_callback(_retrieved)
        self._keepalive_task = task

    async def _keepalive(self) -> None:
        """After each ``keepalive_interval`` without a transaction, one command round trip
        (bounded by ``probe_timeout``; no answer fails the connection)."""
        loop = self._loop
        assert loop is not None
        interval = self.keepalive_interval
        while not self._closing and self._failure is None:
            wait = self._idle_since + interval - loop.time()
            if wait > 0 or self._lock.locked():
                await asyncio.sleep(wait if wait > 0 else interval)
                continue
            try:
                await self._command_round_trip()
            except PtpError as exc:  # the connection has failed with it: nothing to add
                _log.debug("keep-alive: %s", exc)
                return

    def _shutdown(self, error: PtpError | None) -> None:
        task, self._keepalive_task = self._keepalive_task, None
        if task is not None and task is not _current_task():
            task.cancel()
        super()._shutdown(error)


def _current_task() -> asyncio.Task[object] | None:
    with suppress(RuntimeError):
        return asyncio.current_task()
    return None


def _retrieved(task: asyncio.Task[None]) -> None:
    """A background task's outcome is always looked at (no "never retrieved" noise)."""
    if not task.cancelled() and task.exception() is not None:
        _log.debug("keep-alive ended: %r", task.exception())
