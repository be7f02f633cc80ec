"""What the first five-minute ``make soak`` found (issue 12, point 7), each reproduced
without the soak: an upload that hung when the link failed part way through a sendfile,
listings that failed when another initiator deleted an object, and captures that claimed
other initiators' objects. Each test failed (hung, raised, or claimed a stranger's object)
before its fix.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import pytest
from fakecam import FakeCamera

import ptpkit
from ptpkit.errors import ConnectionLost, PtpTimeoutError
from ptpkit.proto.codes import OperationCode
from ptpkit.proto.datasets import ObjectInfo
from ptpkit.proto.events import Channel, OperationRequested

T = TypeVar("T")
Op = OperationCode
MiB = 1 << 20


def _loop_factory(kind: str) -> Callable[[], asyncio.AbstractEventLoop]:
    if kind == "uvloop":
        uvloop = pytest.importorskip("uvloop")
        return uvloop.new_event_loop  # type: ignore[no-any-return]
    return asyncio.new_event_loop


def run_or_hang(coro: Coroutine[Any, Any, T], timeout: float, loop: str = "asyncio") -> T:
    """Run ``coro``; fail the test (without waiting on a task that cannot be cancelled)
    when it has not ended within ``timeout``, or when the loop reported an error of its
    own (asyncio's "Exception in callback ... InvalidStateError")."""
    event_loop = _loop_factory(loop)()
    reported: list[str] = []
    event_loop.set_exception_handler(lambda _, context: reported.append(context["message"]))
    try:
        task = event_loop.create_task(coro)
        event_loop.run_until_complete(asyncio.wait({task}, timeout=timeout))
        if not task.done():
            pytest.fail(f"still running after {timeout} s: hung")
        result = task.result()
        event_loop.run_until_complete(asyncio.sleep(0.1))  # what the close left to do
    finally:
        event_loop.close()
    assert reported == []
    return result


# -- 1. an upload whose link fails part way through the data-out phase ----------------------
@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
@pytest.mark.parametrize("how", ["data-timeout", "event-connection-closed"])
def test_an_upload_ends_when_the_link_fails_during_its_sendfile(
    tmp_path: Any, loop: str, how: str
) -> None:
    """The camera stops reading part way through SendObject's data (the socket fills, the
    sendfile waits for room); then the data phase's no-progress deadline fires, or the
    camera closes its event connection. Either ends the link, and the upload must end with
    it: on asyncio's loop, closing the transport took away the sendfile's wait for room,
    and the upload hung for ever (issue 12's soak)."""
    source = tmp_path / "big.bin"
    source.write_bytes(bytes(48 * MiB))

    async def send_info(cam: FakeCamera, request: OperationRequested) -> None:
        await cam.ok((0x00010001, 0xFFFFFFFF, 5))
        command = cam.writers[Channel.COMMAND].transport
        command.pause_reading()  # and never again: SendObject's data piles up
        if how == "event-connection-closed":
            await asyncio.sleep(0.5)  # the sockets fill; the sendfile waits for room
            cam.writers[Channel.EVENT].close()

    async def body() -> None:
        ops = (Op.SendObjectInfo, Op.SendObject)
        async with FakeCamera({Op.SendObjectInfo: send_info}, operations=ops) as fake:
            options: dict[str, Any] = {"response_timeout": 30.0, "probe_interval": None}
            if how == "data-timeout":
                options["data_timeout"] = 1.0
            async with ptpkit.connect("127.0.0.1", fake.port, **options) as camera:
                info = ObjectInfo(filename="big.bin", object_compressed_size=48 * MiB)
                await camera.send_object_info(info)
                with pytest.raises((ConnectionLost, PtpTimeoutError)), source.open("rb") as file:
                    await camera.send_object(file)
                assert not camera.is_connected

    run_or_hang(body(), 20, loop)
