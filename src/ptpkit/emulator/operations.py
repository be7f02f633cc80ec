"""The operation table: what a handler receives, what it returns, how it is registered.

A table maps an operation code to an :class:`OperationSpec`: the handler, the data
direction, whether an open session is needed and what the camera must offer for the
operation to be listed and allowed (``needs``). The generic camera's table is
:data:`ptpkit.emulator.camera.OPERATION_HANDLERS`, put together from one table per group
of operations (``ops_session``, ``ops_listing``, ``ops_reading``, ``ops_writing``,
``ops_capture``, ``ops_properties``). A persona adds or overrides entries by code::

    NIKON: OperationTable = {**OPERATION_HANDLERS}

    @operation(NIKON, 0x90C7, "in")
    def _get_event(cam: CameraCore, who: Initiator, req: Request) -> Reply: ...

The order of a table is the order of OperationsSupported in DeviceInfo.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeAlias, TypeVar, Union

from ptpkit.aio.responder_app import DataSink, InitiatorLink, Reply
from ptpkit.emulator.properties import PropertyError
from ptpkit.emulator.store_uploads import PendingUpload
from ptpkit.errors import StoreError
from ptpkit.proto.codes import TID_NONE, ResponseCode
from ptpkit.proto.records import unchecked_builder

__all__ = [
    "BufferSink",
    "Direction",
    "Handler",
    "Initiator",
    "Needs",
    "OperationSpec",
    "Request",
    "Result",
    "build_request",
    "in_executor",
    "operation",
]

_MAX_DATASET = 64 << 10  # largest ObjectInfo / property value we accept as data-out


class Initiator:
    """One connected initiator, as the camera sees it."""

    def __init__(self, link: InitiatorLink) -> None:
        self.link = link
        self.session_id: int | None = None
        self.pending: PendingUpload | None = None
        #: the rescan this initiator's arrival started: its operations wait for it
        self.arrival_scan: asyncio.Task[None] | None = None

    @property
    def session_open(self) -> bool:
        return self.session_id is not None

    def send_event(
        self, code: int, params: tuple[int, ...] = (), transaction_id: int = TID_NONE
    ) -> None:
        self.link.send_event(code, params, transaction_id)

    def drop_pending(self) -> None:
        if self.pending is not None:
            pending, self.pending = self.pending, None
            pending.abort()

    def __repr__(self) -> str:
        return f"<Initiator {self.link.connection_number} {self.link.friendly_name!r}>"


@dataclass(frozen=True, slots=True)
class Request:
    """An operation as handlers see it; missing parameters read as 0."""

    code: int
    transaction_id: int
    params: tuple[int, ...]

    def p(self, index: int) -> int:
        return self.params[index] if index < len(self.params) else 0


# Made for every operation, from fields the session has already read off the wire.
build_request = unchecked_builder(Request)

C = TypeVar("C")  # the camera a handler works on
Result = Union[Reply, DataSink, Coroutine[Any, Any, Reply]]
Handler = Callable[[C, Initiator, Request], Result]
Direction: TypeAlias = Literal["none", "in", "out"]
Needs: TypeAlias = Literal["", "writable", "format", "mtp"]


@dataclass(frozen=True, slots=True)
class OperationSpec(Generic[C]):
    """One entry of an operation table: how the camera answers one operation code."""

    code: int
    handler: Handler[C]
    data: Direction = "none"  # data phase: none, in (to the initiator), out (from it)
    session: bool = True  # needs an open session (else SessionNotOpen)
    needs: Needs = ""  # "writable": listed and allowed only when writable; "format": FormatStore;
    # "mtp": an MTP operation, listed and allowed only when the camera offers MTP


def operation(
    table: dict[int, OperationSpec[C]],
    code: int,
    data: Direction = "none",
    *,
    session: bool = True,
    needs: Needs = "",
) -> Callable[[Handler[C]], Handler[C]]:
    """Register the decorated handler in ``table`` for ``code`` (replacing any entry)."""

    def register(handler: Handler[C]) -> Handler[C]:
        table[code] = OperationSpec(code, handler, data, session, needs)
        return handler

    return register


async def in_executor(func: Callable[[], Reply]) -> Reply:
    """Run slow storage work (disk trees, copies) off the event loop."""
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(None, func)
    except (StoreError, PropertyError) as exc:
        return Reply(exc.code)


class BufferSink:
    """Collects a small data-out phase (a dataset or a value) and answers at the end."""

    def __init__(self, on_complete: Callable[[bytes], Reply], limit: int = _MAX_DATASET) -> None:
        self._parts: list[bytes] = []
        self._size = 0
        self._limit = limit
        self._on_complete = on_complete

    def write(self, data: bytes) -> None:
        self._size += len(data)
        if self._size <= self._limit:
            self._parts.append(data)

    def finish(self) -> Reply:
        if self._size > self._limit:
            return Reply(ResponseCode.InvalidDataSet)
        return self._on_complete(b"".join(self._parts))

    def abort(self) -> None:
        self._parts.clear()
