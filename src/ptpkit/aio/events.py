"""The camera's events as a bounded async iterator (:class:`EventStream`).

The connection pushes each event into every open stream (``Connection._on_camera_event``);
wherever events come from (the event channel, or polling a vendor operation), they end here.
"""

from __future__ import annotations

import asyncio
from collections import deque
from types import TracebackType
from typing import Protocol

from ptpkit.aio.models import CameraEvent, EventsDropped
from ptpkit.errors import ConnectionLost, PtpTimeoutError


class _Subscriptions(Protocol):
    """What a stream needs from the camera it listens to."""

    def _unsubscribe(self, stream: EventStream, /) -> None: ...


# -- events -----------------------------------------------------------------------------
class EventStream:
    """The camera's events, in order, as an async iterator.

    Bounded: when the consumer falls more than ``maxsize`` events behind, newer events are
    dropped and an :class:`EventsDropped` marker takes their place in the stream, so a loss
    is always visible. The stream ends when the camera is closed, and raises the error
    when the connection failed. Subscribes at creation: nothing that happens afterwards
    is missed.
    """

    def __init__(self, camera: _Subscriptions, maxsize: int) -> None:
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
