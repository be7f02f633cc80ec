"""Errors in words (issue 12, point 5): what a user sees when the peer is not a camera,
the name does not resolve, or the camera closes during the handshake; and no asyncio
"Future exception was never retrieved" noise on any failure path (Ctrl-C while the
camera ignores the Cancel included)."""

from __future__ import annotations

import asyncio
import gc
import io
import logging
import os
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import pytest
from click.testing import CliRunner
from fakecam import FakeCamera, running_in_thread

import ptpkit
from ptpkit.cli.main import main as cli_main
from ptpkit.errors import (
    ConnectError,
    ConnectionLost,
    InitFailError,
    PtpError,
    PtpTimeoutError,
)
from ptpkit.proto.codes import OperationCode
from ptpkit.proto.events import OperationRequested

T = TypeVar("T")
HTTP_REPLY = (
    b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\nContent-Length: 11\r\n\r\nbad request"
)


# -- peers that are not cameras (threads: the CLI runs its own event loop) ------------------
@contextmanager
def peer(handle: Callable[[socket.socket], None]) -> Iterator[int]:
    """A TCP server on loopback calling ``handle(connection)`` for each client."""

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            try:
                handle(self.request)
            except OSError:
                pass

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def http_server(conn: socket.socket) -> None:
    conn.recv(1024)
    conn.sendall(HTTP_REPLY)


def closes_after_request(conn: socket.socket) -> None:
    conn.recv(1024)


def closes_at_once(conn: socket.socket) -> None:
    pass


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli_main, list(args))


def run(coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
    return asyncio.run(asyncio.wait_for(coro, timeout))


# -- the library ---------------------------------------------------------------------------------
def test_an_http_server_does_not_speak_ptpip() -> None:
    with peer(http_server) as port:

        async def main() -> None:
            await ptpkit.connect("127.0.0.1", port, handshake_timeout=5)

        with pytest.raises(ConnectError) as caught:
            run(main())
    assert str(caught.value) == (
        f"127.0.0.1:{port} does not speak PTP/IP (it sent 'HTTP/1.1 400 Bad Request …')"
    )


@pytest.mark.parametrize(
    "handler", [closes_after_request, closes_at_once], ids=["after", "at-once"]
)
def test_a_close_during_the_handshake_is_said_so(handler: Callable[[socket.socket], None]) -> None:
    with peer(handler) as port:

        async def main() -> None:
            await ptpkit.connect("127.0.0.1", port, handshake_timeout=5)

        with pytest.raises(ConnectionLost) as caught:
            run(main())
    assert str(caught.value).startswith("the camera closed the connection during the handshake")


def test_a_name_that_does_not_resolve_is_said_so(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_such_name(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)

    async def main() -> None:
        await ptpkit.connect("camera.invalid")

    with pytest.raises(ConnectError) as caught:
        run(main())
    assert str(caught.value) == (
        "cannot find the camera 'camera.invalid': the name does not resolve "
        "(Name or service not known)"
    )


def test_fujifilms_port_is_named() -> None:
    """Port 55740 is Fujifilm's: with the standard transport forced there (dialect
    generic; by default connect() picks Fujifilm's for that port), a camera that closes on
    our Init Command Request is named as the Fujifilm dialect."""
    try:
        probe = socket.socket()
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", 55740))
        probe.close()
    except OSError:
        pytest.skip("port 55740 is in use here")

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            self.request.recv(1024)  # not 82 bytes: an X-T4 closes the socket

    socketserver.TCPServer.allow_reuse_address = True
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 55740), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:

        async def main() -> None:
            await ptpkit.connect("127.0.0.1", 55740, handshake_timeout=5, dialect="generic")

        with pytest.raises(ConnectionLost, match="Fujifilm") as caught:
            run(main())
        assert 'dialect="fujifilm"' in str(caught.value)
    finally:
        server.shutdown()
        server.server_close()


def test_fujifilms_init_fail_is_named_on_any_port() -> None:
    """Init Fail 0x201D, a Fujifilm body's answer to the standard Init Command Request,
    names the Fujifilm dialect on any port (with the standard transport forced)."""
    init_fail = bytes.fromhex("0c000000 05000000 1d200000")  # length 12, InitFail, 0x201D

    def fuji_camera(conn: socket.socket) -> None:
        conn.recv(1024)
        conn.sendall(init_fail)
        conn.recv(1024)

    with peer(fuji_camera) as port:

        async def main() -> None:
            await ptpkit.connect("127.0.0.1", port, handshake_timeout=5, dialect="generic")

        with pytest.raises(InitFailError, match="Init Fail reason 8221") as caught:
            run(main())
    assert caught.value.reason == 0x201D
    assert 'dialect="fujifilm"' in str(caught.value)


def test_fujifilm_framing_after_the_ack_is_named() -> None:
    """A camera that acks and then goes on in Fujifilm's framing (a kind-3 OK response:
    ``u32 12, u16 3, u16 0x2001, u32 0``) is named, not a decode error or a hang."""
    ack = bytes.fromhex("28000000 02000000 01000000") + bytes(16) + "X-T\0".encode("utf-16-le")
    ack = ack[:8] + ack[8:] + bytes.fromhex("00000100")
    ack = len(ack).to_bytes(4, "little") + ack[4:]
    fuji = bytes.fromhex("0c000000 0300 0120 00000000")

    def fuji_camera(conn: socket.socket) -> None:
        conn.recv(1024)
        conn.sendall(ack + fuji)
        conn.recv(1024)

    with peer(fuji_camera) as port:

        async def main() -> None:
            await ptpkit.connect("127.0.0.1", port, handshake_timeout=1)

        with pytest.raises(ConnectError, match="Fujifilm's framing"):
            run(main())


# -- the CLI: one line, exit 3 --------------------------------------------------------------------
def test_cli_http_server_exit_3() -> None:
    with peer(http_server) as port:
        result = invoke("info", "-H", "127.0.0.1", "-p", str(port))
    assert result.exit_code == 3, result.output
    assert f"127.0.0.1:{port} does not speak PTP/IP (it sent 'HTTP/1.1 400 Bad Request …')" in (
        result.stderr
    )


def test_cli_close_during_handshake_exit_3() -> None:
    with peer(closes_at_once) as port:
        result = invoke("ls", "-H", "127.0.0.1", "-p", str(port))
    assert result.exit_code == 3, result.output
    assert "the camera closed the connection during the handshake" in result.stderr
    assert "internal" not in result.stderr


def test_cli_name_lookup_exit_3() -> None:
    result = invoke("info", "-H", "camera.invalid", "--timeout", "5")
    assert result.exit_code == 3, result.output
    assert "cannot find the camera 'camera.invalid': the name does not resolve" in result.stderr
    assert "Unknown error" not in result.stderr


# -- no "never retrieved" on any path ----------------------------------------------------------
class _Noise:
    """Everything asyncio reports: its logger and the loop's exception handler."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def handler(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        self.messages.append(str(context.get("message")))


async def _ignores_cancel(cam: FakeCamera, request: OperationRequested) -> None:
    now = cam.now()
    cam.session.start_data_in(8 << 20, now)
    cam.session.send_data(bytes(64 << 10), now)
    await cam.flush()  # then nothing, and the Cancel is never answered


def _failure_paths() -> list[Callable[[], Coroutine[Any, Any, None]]]:
    async def http() -> None:
        with peer(http_server) as port:
            await ptpkit.connect("127.0.0.1", port, handshake_timeout=2)

    async def closing() -> None:
        with peer(closes_after_request) as port:
            await ptpkit.connect("127.0.0.1", port, handshake_timeout=2)

    async def silent() -> None:
        with peer(lambda conn: conn.recv(1024) and conn.recv(1024)) as port:
            await ptpkit.connect("127.0.0.1", port, handshake_timeout=0.3)

    async def refused() -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        await ptpkit.connect("127.0.0.1", port)

    async def cancel_ignored() -> None:
        async with FakeCamera({OperationCode.GetObject: _ignores_cancel}) as fake:
            camera = await ptpkit.connect("127.0.0.1", fake.port, cancel_timeout=0.3)
            try:
                task = asyncio.ensure_future(camera.get_object(1, io.BytesIO()))
                await asyncio.sleep(0.3)
                task.cancel()  # Ctrl-C
                with pytest.raises(asyncio.CancelledError):
                    await task
                assert not camera.is_connected  # the camera never answered the Cancel
            finally:
                await camera.close()
            raise PtpTimeoutError("done")  # the path ends in an error, as the others

    async def stalled() -> None:
        fake = FakeCamera({OperationCode.GetObject: _ignores_cancel})
        async with fake, ptpkit.connect("127.0.0.1", fake.port, data_timeout=0.3) as camera:
            await camera.get_object(1, io.BytesIO())

    return [http, closing, silent, refused, cancel_ignored, stalled]


@pytest.mark.parametrize(
    "path", _failure_paths(), ids=["http", "closing", "silent", "refused", "cancel", "stall"]
)
def test_no_never_retrieved_noise(
    path: Callable[[], Coroutine[Any, Any, None]], caplog: pytest.LogCaptureFixture
) -> None:
    noise = _Noise()

    async def main() -> None:
        asyncio.get_running_loop().set_exception_handler(noise.handler)
        with pytest.raises(PtpError):
            await path()
        await asyncio.sleep(0.1)
        gc.collect()  # futures are reported when they are collected
        await asyncio.sleep(0)

    with caplog.at_level(logging.DEBUG, logger="asyncio"):
        asyncio.run(main())
        gc.collect()
    reported = noise.messages + [r.getMessage() for r in caplog.records if r.name == "asyncio"]
    assert not [m for m in reported if "never retrieved" in m or "was destroyed" in m], reported


def test_ctrl_c_twice_while_the_camera_ignores_the_cancel() -> None:
    """The CLI, as a user meets it: the first Ctrl-C sends Cancel, the camera ignores it,
    the second one ends the command: exit 130, one line, no asyncio noise."""

    async def stall_capture(cam: FakeCamera, request: OperationRequested) -> None:
        await asyncio.sleep(3600)  # never answered, Cancel or not

    ops = (OperationCode.GetDeviceInfo, OperationCode.OpenSession, OperationCode.InitiateCapture)
    fake = FakeCamera({OperationCode.InitiateCapture: stall_capture}, operations=ops)
    with running_in_thread(fake):
        proc = subprocess.Popen(
            [sys.executable, "-m", "ptpkit", "capture", "-H", "127.0.0.1", "-p", str(fake.port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            start = time.monotonic()
            while OperationCode.InitiateCapture not in [r.code for r in fake.requests]:
                assert time.monotonic() - start < 20, "the capture never started"
                time.sleep(0.05)
            proc.send_signal(signal.SIGINT)  # Cancel sent; never answered
            time.sleep(0.5)
            proc.send_signal(signal.SIGINT)  # the user gives up
            _, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == 130, err
    assert "never retrieved" not in err and "Traceback" not in err, err
    assert err.strip().splitlines()[-1].startswith("ptpkit: error: interrupted"), err


def test_cli_capture_timeout_has_its_own_exit_code() -> None:
    """A capture that stores nothing: exit 6, not 3 ("link lost")."""
    ops = (
        OperationCode.GetDeviceInfo,
        OperationCode.OpenSession,
        OperationCode.GetObjectHandles,
        OperationCode.InitiateCapture,
    )
    with running_in_thread(FakeCamera(operations=ops)) as fake:
        result = invoke(
            "capture", "-H", "127.0.0.1", "-p", str(fake.port), "--capture-timeout", "0.5"
        )
    assert result.exit_code == 6, result.output
    assert "the capture did not complete within 0.5 s" in result.stderr
