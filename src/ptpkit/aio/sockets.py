"""Waiting for room in a socket that an asyncio transport owns.

A sender that writes past its transport (``os.sendfile`` straight into the socket; see
:class:`~ptpkit.aio.sources._FileSource`) must wait for room when the socket is full.
uvloop will not watch a descriptor its transport owns, so the wait watches a duplicate
of it; and it is bounded, so that a connection closing meanwhile is noticed by the
caller's next look at it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

__all__ = ["WATCH_ERRORS", "wait_writable"]

#: What ``loop.add_writer`` raises when the loop cannot watch the descriptor.
WATCH_ERRORS = (OSError, RuntimeError, NotImplementedError, ValueError)


async def wait_writable(
    loop: asyncio.AbstractEventLoop,
    fd: int,
    bound: float,
    waiters: list[asyncio.Future[None]] | None = None,
    still_open: Callable[[], bool] | None = None,
) -> None:
    """Return once ``fd`` (a duplicate of the socket's descriptor) is writable, or after
    ``bound`` seconds. The wait is also added to ``waiters`` while it lasts, so that
    whoever wakes those (a lost connection) wakes it too. ``still_open``: whether ``fd``
    is still the caller's when the wait ends (if it was closed meanwhile, its number may
    already be another descriptor's, whose watch must stay). Raises one of
    :data:`WATCH_ERRORS` when the loop cannot watch ``fd``.
    """
    ready: asyncio.Future[None] = loop.create_future()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_writer(fd, wake)
    if waiters is not None:
        waiters.append(ready)
    timer = loop.call_later(bound, wake)
    try:
        await ready
    finally:
        timer.cancel()
        if still_open is None or still_open():
            loop.remove_writer(fd)
        if waiters is not None and ready in waiters:
            waiters.remove(ready)
