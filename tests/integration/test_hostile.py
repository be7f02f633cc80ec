"""Hostile input on loopback: garbage, oversized packets, stalls, vanishing peers and path
tricks. Each must end in a clear ptpkit error — never a crash, a hang, or a file outside
its folder or half-written under its final name."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import random
import struct
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest

import ptpkit
from ptpkit.aio.transfer import safe_file_name
from ptpkit.cli.transfers import safe_relative
from ptpkit.emulator import serve
from ptpkit.errors import (
    ConnectError,
    ConnectionLost,
    PtpError,
    PtpResponseError,
    PtpTimeoutError,
    RemoteProtocolError,
    TransferError,
)
from ptpkit.proto.codes import OperationCode, ResponseCode
from ptpkit.proto.datasets import DeviceInfo
from ptpkit.proto.events import (
    Channel,
    EventChannelRequested,
    InitiatorConnected,
    OperationRequested,
)
from ptpkit.proto.packets import InitCommandRequest
from ptpkit.proto.responder import ResponderSession, peek_init_packet

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
    return asyncio.run(asyncio.wait_for(coro, timeout))


@pytest.fixture
def card(tmp_path: Path) -> Path:
    root = tmp_path / "card"
    (root / "DCIM" / "100TEST").mkdir(parents=True)
    (root / "DCIM" / "100TEST" / "a.txt").write_bytes(b"alpha\n" * 1000)
    return root


async def _raw_exchange(host: str, port: int, data: bytes) -> bytes:
    """Send ``data`` on a fresh connection; what the emulator answers before closing."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(data)
        await writer.drain()
        try:
            return await asyncio.wait_for(reader.read(1 << 16), 2.0)
        except (asyncio.TimeoutError, ConnectionError):
            return b""
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except ConnectionError:
            pass


def test_the_emulator_survives_garbage_and_still_serves(card: Path) -> None:
    """Random bytes, lengths below the header, oversized lengths and truncated Init
    packets each end only their own connection; a real client works afterwards."""
    rng = random.Random(15740)
    blobs = [rng.randbytes(rng.randrange(1, 200)) for _ in range(25)]
    blobs += [
        struct.pack("<II", 4, 1),  # length below the 8-byte header
        struct.pack("<II", 0xFFFFFFFF, 1) + b"\x00" * 32,  # a 4 GiB Init Command Request
        struct.pack("<II", 50, 1) + b"\x00" * 10,  # truncated, then EOF
        struct.pack("<II", 12, 3) + struct.pack("<I", 999),  # event channel for no session
        InitCommandRequest(bytes(16), "x").encode()[:-3],  # cut inside the version
    ]

    async def main() -> None:
        async with serve([card]) as server:
            for blob in blobs:
                await _raw_exchange(server.host, server.port, blob)
            async with ptpkit.connect(server.host, server.port) as camera:
                names = [obj.name async for obj in camera.walk()]
                assert "a.txt" in names

    run(main())


def test_a_silent_camera_is_a_timeout_not_a_hang() -> None:
    """A listener that accepts and never answers: the handshake times out cleanly."""

    async def main() -> None:
        server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            with pytest.raises(PtpTimeoutError):
                await ptpkit.connect("127.0.0.1", port, handshake_timeout=0.5)
        finally:
            server.close()
            await server.wait_closed()

    run(main(), timeout=20)


@pytest.mark.parametrize(
    "reply",
    [
        struct.pack("<II", 0x7FFFFFFF, 2) + b"\x00" * 64,  # an Ack "2 GiB long"
        struct.pack("<II", 3, 2),  # length below the header
        b"\xde\xad\xbe\xef" * 8,  # noise
    ],
    ids=["oversized-ack", "short-length", "noise"],
)
def test_a_camera_sending_garbage_gets_a_protocol_error(reply: bytes) -> None:
    async def main() -> None:
        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.read(100)
            writer.write(reply)
            await writer.drain()
            await asyncio.sleep(2)
            writer.close()

        server = await asyncio.start_server(answer, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            # Garbage instead of an Init Command Ack: "does not speak PTP/IP" (ConnectError).
            with pytest.raises((RemoteProtocolError, ConnectionLost, ConnectError)):
                await ptpkit.connect("127.0.0.1", port, handshake_timeout=5)
        finally:
            server.close()
            await server.wait_closed()

    run(main(), timeout=20)


def test_a_camera_cancelling_mid_download_is_heard_at_once() -> None:
    """A camera that stops a data-in phase with a Cancel on the command connection: the
    client had asked to be woken only for what the phase still owed (SO_RCVLOWAT), yet
    it hears the Cancel and the response at once, not at the response timeout."""

    async def main() -> None:
        loop = asyncio.get_running_loop()
        session = ResponderSession(1, bytes(range(16)), "canceller")
        session.start(loop.time())
        writers: dict[Channel, asyncio.StreamWriter] = {}

        async def flush() -> None:
            for channel, data in session.data_to_send():
                writers[channel].write(data)
                await writers[channel].drain()

        async def answer(request: OperationRequested) -> None:
            now = loop.time()
            if request.code == OperationCode.GetDeviceInfo:
                session.start_data_in(len(info := DeviceInfo().encode()), now)
                session.send_data(info, now)
            elif request.code == OperationCode.GetObject:
                session.start_data_in(8 << 20, now)
                session.send_data(bytes(64 << 10), now)
                await flush()
                await asyncio.sleep(0.3)  # the client reads it and waits for more
                session.cancel(loop.time())
                session.send_response(ResponseCode.TransactionCancelled, (), loop.time())
                await flush()
                return
            session.send_response(ResponseCode.OK, (), now)
            await flush()

        async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            head = b""
            while (packet := peek_init_packet(head)) is None:
                if not (more := await reader.read(4096)):
                    return
                head += more
            channel = Channel.COMMAND if isinstance(packet, InitCommandRequest) else Channel.EVENT
            writers[channel] = writer
            data = head
            while data:
                session.receive_data(channel, data, loop.time())
                while (event := session.next_event()) is not None:
                    if isinstance(event, InitiatorConnected):
                        session.accept(loop.time())
                    elif isinstance(event, EventChannelRequested):
                        session.accept_event_channel(loop.time())
                    elif isinstance(event, OperationRequested):
                        await answer(event)
                await flush()
                data = await reader.read(1 << 16)

        server = await asyncio.start_server(connection, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            async with ptpkit.connect("127.0.0.1", port, response_timeout=30) as camera:
                start = loop.time()
                with pytest.raises(PtpResponseError) as caught:
                    await asyncio.wait_for(camera.get_object(1, io.BytesIO()), 10)
                assert caught.value.code == ResponseCode.TransactionCancelled
                assert loop.time() - start < 10  # heard, not timed out
        finally:
            server.close()
            await server.wait_closed()

    run(main(), timeout=40)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../evil.txt", ".._.._evil.txt"),
        ("/etc/passwd", "_etc_passwd"),
        ("a\\b", "a_b"),
        ("nul\x00byte", "nul_byte"),
        ("  spaced.jpg ", "spaced.jpg"),
    ],
)
def test_camera_file_names_cannot_leave_the_folder(name: str, expected: str) -> None:
    assert safe_file_name(name) == expected


@pytest.mark.parametrize("name", ["", ".", "..", "   "])
def test_unusable_camera_file_names_are_refused(name: str) -> None:
    with pytest.raises(TransferError):
        safe_file_name(name)


def test_camera_paths_stay_below_the_sync_folder() -> None:
    assert safe_relative("/store_1/../../etc/x") == Path("store_1/etc/x")
    assert safe_relative("DCIM/./100/IMG.JPG") == Path("DCIM/100/IMG.JPG")


def test_download_of_a_hostile_name_lands_inside_the_destination(
    card: Path, tmp_path: Path
) -> None:
    dest = tmp_path / "out"
    dest.mkdir()

    async def main() -> Path:
        async with serve([card]) as server, ptpkit.connect(server.host, server.port) as camera:
            (obj,) = [o async for o in camera.walk() if o.name == "a.txt"]
            hostile = dataclasses.replace(
                obj, info=dataclasses.replace(obj.info, filename="../../escaped.txt")
            )
            return await camera.download(hostile, dest)

    written = run(main())
    assert written.parent == dest
    assert written.read_bytes() == (card / "DCIM" / "100TEST" / "a.txt").read_bytes()
    assert not (tmp_path / "escaped.txt").exists()


def test_uploads_with_path_tricks_are_refused_and_leave_nothing(card: Path, tmp_path: Path) -> None:
    source = tmp_path / "payload.txt"
    source.write_bytes(b"x" * 100)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))

    async def main() -> None:
        async with (
            serve([card], writable=True) as server,
            ptpkit.connect(server.host, server.port) as camera,
        ):
            for bad in ("../evil.txt", "a/b.txt", "..", "x\x00y"):
                with pytest.raises(PtpError):
                    await camera.upload(source, "/store_00010001/DCIM", name=bad)

    run(main())
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert after == before


async def _raw_packet(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    length, ptype = struct.unpack("<II", await asyncio.wait_for(reader.readexactly(8), 5.0))
    return ptype, await asyncio.wait_for(reader.readexactly(length - 8), 5.0)


def _raw(ptype: int, payload: bytes) -> bytes:
    return struct.pack("<II", 8 + len(payload), ptype) + payload


@pytest.mark.parametrize(
    ("persona", "code"),
    [
        ("generic", OperationCode.GetDeviceInfo),
        ("generic", OperationCode.GetStorageIDs),
        ("nikon", 0x90C7),  # Nikon GetEvent
        ("canon-eos", 0x9116),  # EOS GetEvent
        ("sony", 0x9209),  # GetAllDevicePropData
    ],
)
def test_a_data_in_operation_sent_with_data_out_is_an_error_answer(
    card: Path, persona: str, code: int
) -> None:
    """An initiator that sends data with an operation whose data goes the other way gets
    a GeneralError response for that transaction (its data read and dropped), and the
    session goes on: no internal error, no closed connection."""

    async def main() -> None:
        async with serve([card], persona=persona) as server:
            reader, writer = await asyncio.open_connection(server.host, server.port)
            name = "raw".encode("utf-16-le") + b"\0\0"
            writer.write(_raw(1, bytes(16) + name + struct.pack("<I", 0x00010000)))
            ptype, ack = await _raw_packet(reader)
            assert ptype == 2
            ev_reader, ev_writer = await asyncio.open_connection(server.host, server.port)
            ev_writer.write(_raw(3, ack[:4]))
            assert (await _raw_packet(ev_reader))[0] == 4

            async def transaction(tid: int, op: int, *params: int, data: bytes | None = None):
                body = struct.pack("<IHI", 1 if data is None else 2, op, tid)
                out = _raw(6, body + b"".join(struct.pack("<I", p) for p in params))
                if data is not None:
                    out += _raw(9, struct.pack("<IQ", tid, len(data)))
                    out += _raw(12, struct.pack("<I", tid) + data)
                writer.write(out)
                while True:
                    ptype, payload = await _raw_packet(reader)
                    if ptype == 7:
                        return struct.unpack_from("<HI", payload)

            try:
                assert await transaction(0, OperationCode.OpenSession, 1) == (ResponseCode.OK, 0)
                got = await transaction(1, code, data=b"\x01\x02\x03")
                assert got == (ResponseCode.GeneralError, 1)
                assert await transaction(2, OperationCode.GetDeviceInfo) == (ResponseCode.OK, 2)
            finally:
                for w in (writer, ev_writer):
                    w.close()

    run(main())
