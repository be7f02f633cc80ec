"""A scriptable fake PTP/IP camera on loopback, for behaviours the emulator does not have
(a stall in the middle of a data phase, a Cancel ignored, a capture that stores nothing).

Built on :class:`~ptpkit.proto.responder.ResponderSession` and asyncio streams. Each
operation code maps to a coroutine ``answer(cam, request)`` that sends what it likes with
``cam.session`` and ``await cam.flush()``; operations without one are answered OK (a
minimal DeviceInfo for GetDeviceInfo, one storage for GetStorageIDs, no objects).
``async with FakeCamera(...) as cam`` gives ``cam.port``; ``with running_in_thread(fake)``
serves it from a thread (for the CLI, which runs its own event loop).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ptpkit.proto.codes import OperationCode, ResponseCode
from ptpkit.proto.datasets import DeviceInfo, encode_u32_array
from ptpkit.proto.events import (
    Channel,
    EventChannelRequested,
    InitiatorConnected,
    OperationRequested,
)
from ptpkit.proto.packets import InitCommandRequest
from ptpkit.proto.responder import ResponderSession, peek_init_packet

Answer = Callable[["FakeCamera", OperationRequested], Awaitable[None]]

__all__ = ["Answer", "FakeCamera", "running_in_thread"]


class FakeCamera:
    def __init__(
        self,
        answers: dict[int, Answer] | None = None,
        *,
        operations: tuple[int, ...] = (),
        **session_options: Any,
    ) -> None:
        self.answers = dict(answers or {})
        self.operations = operations
        self.session_options = session_options
        self.session: ResponderSession
        self.writers: dict[Channel, asyncio.StreamWriter] = {}
        self.requests: list[OperationRequested] = []
        self.port = 0
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> FakeCamera:
        loop = asyncio.get_running_loop()
        self.session = ResponderSession(1, bytes(range(16)), "fake", **self.session_options)
        self.session.start(loop.time())
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self.writers.values():
            writer.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    async def flush(self) -> None:
        for channel, data in self.session.data_to_send():
            writer = self.writers.get(channel)
            if writer is not None and not writer.is_closing():
                writer.write(data)
                await writer.drain()

    async def ok(self, params: tuple[int, ...] = (), data: bytes | None = None) -> None:
        """Answer the transaction under way: an optional data-in phase, then OK."""
        now = self.now()
        if data is not None:
            self.session.start_data_in(len(data), now)
            self.session.send_data(data, now)
        self.session.send_response(ResponseCode.OK, params, now)
        await self.flush()

    async def _default(self, request: OperationRequested) -> None:
        if request.code == OperationCode.GetDeviceInfo:
            info = DeviceInfo(operations_supported=self.operations, model="Fake")
            await self.ok(data=info.encode())
        elif request.code == OperationCode.GetStorageIDs:
            await self.ok(data=encode_u32_array((0x00010001,)))
        elif request.code == OperationCode.GetObjectHandles:
            await self.ok(data=encode_u32_array(()))
        else:
            await self.ok()

    async def _answer(self, request: OperationRequested) -> None:
        self.requests.append(request)
        answer = self.answers.get(request.code)
        if answer is None:
            await self._default(request)
        else:
            await answer(self, request)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = self.session
        head = b""
        while (packet := peek_init_packet(head)) is None:
            if not (more := await reader.read(4096)):
                return
            head += more
        channel = Channel.COMMAND if isinstance(packet, InitCommandRequest) else Channel.EVENT
        self.writers[channel] = writer
        data = head
        while data:
            session.receive_data(channel, data, self.now())
            while (event := session.next_event()) is not None:
                if isinstance(event, InitiatorConnected):
                    session.accept(self.now())
                elif isinstance(event, EventChannelRequested):
                    session.accept_event_channel(self.now())
                elif isinstance(event, OperationRequested):
                    # Answered in a task of its own: a stalled answer must not stop this
                    # connection from reading (probes, Cancel).
                    task = asyncio.get_running_loop().create_task(self._answer(event))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
            await self.flush()
            data = await reader.read(1 << 16)


@contextmanager
def running_in_thread(fake: FakeCamera) -> Iterator[FakeCamera]:
    """``fake`` served from a thread of its own (for blocking callers: the CLI)."""
    ready = threading.Event()
    holder: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    async def serve() -> None:
        async with fake:
            holder.append((asyncio.get_running_loop(), asyncio.Event()))
            ready.set()
            await holder[0][1].wait()

    thread = threading.Thread(target=lambda: asyncio.run(serve()), daemon=True)
    thread.start()
    if not ready.wait(10):
        raise RuntimeError("the fake camera did not start")
    try:
        yield fake
    finally:
        loop, stop = holder[0]
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
