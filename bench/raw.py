"""The physical limits ptpkit is measured against, each in two processes on loopback.

* :func:`raw_transfer`: ``sendfile`` on one side, ``recv_into`` a reused buffer and write
  to disk on the other — the ceiling for a download (and, reversed, an upload).
* :func:`pingpong`: a minimal request/response exchange over one blocking TCP
  connection, with PTP/IP-sized packets: the ceiling for one-transaction-at-a-time
  listings; :func:`pingpong_asyncio` the same with asyncio protocols, and
  :func:`exchange_asyncio` a listing's real GetObjectInfo exchange with the least Python
  there can be (the floor of any Python implementation of it).
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
import socket
import struct
import time
from collections.abc import Callable
from pathlib import Path
from typing import cast

_BUF = 1 << 20


def _sendfile_server(path: str, ready: mp.Queue, count: int) -> None:  # type: ignore[type-arg]
    with socket.create_server(("127.0.0.1", 0)) as srv:
        ready.put(srv.getsockname()[1])
        conn, _ = srv.accept()
        with conn, Path(path).open("rb") as f:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
            sent = 0
            while sent < count:
                n = os.sendfile(conn.fileno(), f.fileno(), sent, count - sent)
                if n == 0:
                    break
                sent += n
            conn.shutdown(socket.SHUT_WR)
            conn.recv(1)


def raw_transfer(source: Path, dest: Path, *, to_disk: bool = True) -> float:
    """Seconds to move ``source`` over loopback into ``dest`` (sendfile → recv_into+write)."""
    size = source.stat().st_size
    ctx = mp.get_context("spawn")
    ready: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    proc = ctx.Process(target=_sendfile_server, args=(str(source), ready, size))
    proc.start()
    try:
        port = ready.get(timeout=30)
        buf = bytearray(_BUF)
        view = memoryview(buf)
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            start = time.perf_counter()
            got = 0
            with dest.open("wb") as out:
                while got < size:
                    n = sock.recv_into(view)
                    if n == 0:
                        break
                    if to_disk:
                        out.write(view[:n])
                    got += n
            elapsed = time.perf_counter() - start
            sock.sendall(b"x")
        if got != size:
            raise RuntimeError(f"raw transfer moved {got} of {size} bytes")
        return elapsed
    finally:
        proc.join(timeout=30)
        if proc.is_alive():
            proc.kill()


_REQ = struct.pack("<IIIHI I", 22, 6, 1, 0x1008, 1, 1)  # an OperationRequest with one param
_RESP = struct.pack("<IIHI", 14, 7, 0x2001, 1)


def _pingpong_server(ready: mp.Queue) -> None:  # type: ignore[type-arg]
    with socket.create_server(("127.0.0.1", 0)) as srv:
        ready.put(srv.getsockname()[1])
        conn, _ = srv.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with conn:
            need = len(_REQ)
            while True:
                data = b""
                while len(data) < need:
                    chunk = conn.recv(need - len(data))
                    if not chunk:
                        return
                    data += chunk
                conn.sendall(_RESP)


def pingpong(rounds: int) -> float:
    """Round trips per second of a blocking request/response loop in two processes."""
    ctx = mp.get_context("spawn")
    ready: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    proc = ctx.Process(target=_pingpong_server, args=(ready,))
    proc.start()
    try:
        port = ready.get(timeout=30)
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            need = len(_RESP)
            start = time.perf_counter()
            for _ in range(rounds):
                sock.sendall(_REQ)
                got = 0
                while got < need:
                    chunk = sock.recv(need - got)
                    if not chunk:
                        raise RuntimeError("ping-pong server went away")
                    got += len(chunk)
            elapsed = time.perf_counter() - start
        return rounds / elapsed
    finally:
        proc.join(timeout=10)
        if proc.is_alive():
            proc.kill()


# -- the same ping-pong with asyncio protocols on both ends -------------------------------
def _pingpong_asyncio_server(ready: mp.Queue, loop: str) -> None:  # type: ignore[type-arg]
    if loop == "uvloop":
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())

    async def main() -> None:
        loop = asyncio.get_running_loop()
        closed = asyncio.Event()

        class Answer(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                # uvloop's transports are no asyncio.Transport subclasses: cast, not assert
                self.transport = cast("asyncio.Transport", transport)
                self.got = 0
                sock = transport.get_extra_info("socket")
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def data_received(self, data: bytes) -> None:
                self.got += len(data)
                while self.got >= len(_REQ):
                    self.got -= len(_REQ)
                    self.transport.write(_RESP)

            def connection_lost(self, exc: Exception | None) -> None:
                closed.set()

        server = await loop.create_server(Answer, "127.0.0.1", 0)
        ready.put(server.sockets[0].getsockname()[1])
        await closed.wait()
        server.close()

    asyncio.run(main())


def pingpong_asyncio(rounds: int, loop: str = "asyncio") -> float:
    """Round trips per second with asyncio protocols (no streams) on both ends, on
    ``loop`` ("asyncio" or "uvloop") in both processes."""
    if loop == "uvloop":
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    ctx = mp.get_context("spawn")
    ready: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    proc = ctx.Process(target=_pingpong_asyncio_server, args=(ready, loop))
    proc.start()

    class Client(asyncio.Protocol):
        def __init__(self, finished: asyncio.Future[float]) -> None:
            self.finished = finished
            self.left = rounds
            self.got = 0
            self.start = 0.0

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = cast("asyncio.Transport", transport)
            transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.start = time.perf_counter()
            self.transport.write(_REQ)

        def data_received(self, data: bytes) -> None:
            self.got += len(data)
            if self.got < len(_RESP):
                return
            self.got -= len(_RESP)
            self.left -= 1
            if self.left:
                self.transport.write(_REQ)
            else:
                self.finished.set_result(time.perf_counter() - self.start)

    return _rounds_per_s(proc, ready, Client, rounds)


def _rounds_per_s(
    proc: mp.process.BaseProcess,
    ready: mp.Queue,  # type: ignore[type-arg]
    protocol: Callable[[asyncio.Future[float]], asyncio.Protocol],
    rounds: int,
) -> float:
    """Run ``protocol`` (made with the future it sets to the seconds taken) against the
    server ``proc`` started, which puts its port on ``ready``; ``rounds`` per second.
    Reaps the server, which ends when the connection closes."""

    async def main(port: int) -> float:
        loop = asyncio.get_running_loop()
        finished: asyncio.Future[float] = loop.create_future()
        transport, _ = await loop.create_connection(lambda: protocol(finished), "127.0.0.1", port)
        try:
            return rounds / await finished
        finally:
            transport.close()

    try:
        return asyncio.run(main(ready.get(timeout=30)))
    finally:
        proc.join(timeout=10)
        if proc.is_alive():
            proc.kill()


# -- the listing exchange itself, with nothing but struct in between ---------------------
# What a GetObjectInfo listing costs with the least Python there can be: the same bytes as
# ptpkit's (a 22-byte request; Start Data, End Data with a real ObjectInfo, Response in one
# write), asyncio protocols on both ends, the answer looked up whole and its transaction id
# packed in, the client finding the three packets by their lengths and decoding the
# ObjectInfo. No framing layer, state machine, events or handlers: the floor of Python
# work for the exchange ptpkit does, in two processes like the rest.
_REQUEST = struct.Struct("<IIIHII")  # length, type 6, DataPhaseInfo, code, tid, handle
_ANSWER_HEAD = struct.Struct("<IIIQIII")  # Start Data (20 bytes), End Data header (12)
_RESPONSE = struct.Struct("<IIHI")


def _object_infos(count: int) -> list[bytes]:
    from ptpkit.proto.datasets import ObjectInfo

    return [
        ObjectInfo(
            storage_id=0x00010001,
            object_format=0x3801,
            object_compressed_size=2048,
            parent_object=1 + i // 250,
            filename=f"IMG_{i:05d}.JPG",
            capture_date="20261206T120000",
            modification_date="20261206T120000",
        ).encode()
        for i in range(count)
    ]


def _exchange_server(ready: mp.Queue, loop: str, count: int) -> None:  # type: ignore[type-arg]
    if loop == "uvloop":
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    infos = _object_infos(count)

    def answer(tid: int, handle: int) -> bytes:
        info = infos[handle % count]
        n = len(info)
        head = _ANSWER_HEAD.pack(20, 9, tid, n, 12 + n, 12, tid)
        return head + info + _RESPONSE.pack(14, 7, 0x2001, tid)

    async def main() -> None:
        closed = asyncio.Event()

        class Responder(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                self.transport = cast("asyncio.Transport", transport)
                self.buf = b""
                sock = transport.get_extra_info("socket")
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def data_received(self, data: bytes) -> None:
                buf = self.buf + data
                while len(buf) >= _REQUEST.size:
                    _, _, _, _, tid, handle = _REQUEST.unpack_from(buf)
                    self.transport.write(answer(tid, handle))
                    buf = buf[_REQUEST.size :]
                self.buf = buf

            def connection_lost(self, exc: Exception | None) -> None:
                closed.set()

        server = await asyncio.get_running_loop().create_server(Responder, "127.0.0.1", 0)
        ready.put(server.sockets[0].getsockname()[1])
        await closed.wait()
        server.close()

    asyncio.run(main())


def exchange_asyncio(rounds: int, loop: str = "asyncio", count: int = 1000) -> float:
    """GetObjectInfo exchanges per second between a minimal raw-struct asyncio client and
    responder in two processes (see above), on ``loop`` in both."""
    from ptpkit.proto.datasets import ObjectInfo

    if loop == "uvloop":
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    ctx = mp.get_context("spawn")
    ready: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    proc = ctx.Process(target=_exchange_server, args=(ready, loop, count))
    proc.start()

    class Initiator(asyncio.Protocol):
        def __init__(self, finished: asyncio.Future[float]) -> None:
            self.finished = finished
            self.tid = 0
            self.buf = b""
            self.start = 0.0
            self.infos: list[ObjectInfo] = []

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = cast("asyncio.Transport", transport)
            transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.start = time.perf_counter()
            self.send()

        def send(self) -> None:
            self.tid += 1
            self.transport.write(_REQUEST.pack(22, 6, 1, 0x1008, self.tid, self.tid))

        def data_received(self, data: bytes) -> None:
            buf = self.buf + data
            while len(buf) >= _ANSWER_HEAD.size:
                length = _ANSWER_HEAD.unpack_from(buf)[3]
                end = _ANSWER_HEAD.size + length + _RESPONSE.size
                if len(buf) < end:
                    break
                info = buf[_ANSWER_HEAD.size : _ANSWER_HEAD.size + length]
                buf = buf[end:]
                if self.tid < rounds:
                    self.send()  # the next request first, as ptpkit's client does
                else:
                    self.finished.set_result(time.perf_counter() - self.start)
                self.infos.append(ObjectInfo.decode(info))
            self.buf = buf

    return _rounds_per_s(proc, ready, Initiator, rounds)


# -- a raw server for many receivers at once ----------------------------------------------------
def serve_sendfile_forever(path: str) -> None:
    """Accept connections forever; send each the whole file with ``sendfile`` (a thread per
    connection). Prints ``listening on 127.0.0.1:PORT``. For the concurrency baseline."""
    import sys
    import threading

    size = Path(path).stat().st_size

    def handle(conn: socket.socket) -> None:
        with conn, Path(path).open("rb") as f:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
            sent = 0
            while sent < size:
                n = os.sendfile(conn.fileno(), f.fileno(), sent, size - sent)
                if n == 0:
                    break
                sent += n
            conn.shutdown(socket.SHUT_WR)
            conn.recv(1)

    with socket.create_server(("127.0.0.1", 0), backlog=128) as srv:
        sys.stdout.write(f"listening on 127.0.0.1:{srv.getsockname()[1]}\n")
        sys.stdout.flush()
        while True:
            conn, _ = srv.accept()
            threading.Thread(target=handle, args=(conn,), daemon=True).start()


def fetch(port: int, size: int, dest: Path) -> tuple[float, float]:
    """Receive ``size`` bytes from :func:`serve_sendfile_forever` into ``dest``;
    (start, end) on CLOCK_MONOTONIC."""
    buf = bytearray(_BUF)
    view = memoryview(buf)
    start = time.clock_gettime(time.CLOCK_MONOTONIC)
    with socket.create_connection(("127.0.0.1", port)) as sock, dest.open("wb") as out:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        got = 0
        while got < size:
            n = sock.recv_into(view)
            if n == 0:
                break
            out.write(view[:n])
            got += n
        end = time.clock_gettime(time.CLOCK_MONOTONIC)
        sock.sendall(b"x")
    if got != size:
        raise RuntimeError(f"raw fetch moved {got} of {size} bytes")
    return start, end
