"""The emulator's quirks (real cameras' habits, ``ptpkit serve --quirk NAME``) seen from a
raw socket initiator: each test shows the emulator really behaves so, next to the same
exchange without the quirk. Packets are packed and parsed by hand here, not with ptpkit.
"""

from __future__ import annotations

import asyncio
import functools
import os
import re
import signal
import socket
import struct
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

import ptpkit.emulator
from ptpkit.emulator import Faults
from ptpkit.emulator.serve import EmulatorServer
from ptpkit.proto.codes import DevicePropCode, EventCode, OperationCode, ResponseCode
from ptpkit.proto.responder import OWN_TID_START

pytestmark = pytest.mark.timeout(60)

Op = OperationCode
OK = ResponseCode.OK
GUID = bytes(range(16))
SID = 0x00010001
STORE_ALL = 0xFFFFFFFF


def raw(ptype: int, payload: bytes) -> bytes:
    return struct.pack("<II", 8 + len(payload), ptype) + payload


def request(code: int, tid: int, *params: int, data_out: bool = False) -> bytes:
    body = struct.pack("<IHI", 2 if data_out else 1, code, tid)
    return raw(6, body + b"".join(struct.pack("<I", p) for p in params))


def start_data(tid: int, total: int) -> bytes:
    return raw(9, struct.pack("<IQ", tid, total))


def end_data(tid: int, payload: bytes) -> bytes:
    return raw(12, struct.pack("<I", tid) + payload)


PROBE_REQUEST = raw(13, b"")
PROBE_RESPONSE = raw(14, b"")


class RawInitiator:
    """Two plain TCP connections and hand-packed packets."""

    def __init__(self) -> None:
        self.cmd_reader: asyncio.StreamReader
        self.cmd: asyncio.StreamWriter
        self.evt_reader: asyncio.StreamReader
        self.evt: asyncio.StreamWriter
        self.ack = b""  # the whole Init Command Ack as it came
        self.tid = 0

    async def connect(self, host: str, port: int) -> None:
        self.cmd_reader, self.cmd = await asyncio.open_connection(host, port)
        name = "raw".encode("utf-16-le") + b"\0\0"
        self.cmd.write(raw(1, GUID + name + struct.pack("<I", 0x00010000)))
        ptype, payload = await self.packet(self.cmd_reader)
        assert ptype == 2, ptype
        self.ack = raw(2, payload)
        number = struct.unpack_from("<I", payload)[0]
        self.evt_reader, self.evt = await asyncio.open_connection(host, port)
        self.evt.write(raw(3, struct.pack("<I", number)))
        assert await self.packet(self.evt_reader) == (4, b"")

    @staticmethod
    async def packet(reader: asyncio.StreamReader, timeout: float = 10.0) -> tuple[int, bytes]:
        head = await asyncio.wait_for(reader.readexactly(8), timeout)
        length, ptype = struct.unpack("<II", head)
        return ptype, await asyncio.wait_for(reader.readexactly(length - 8), timeout)

    async def answer(self) -> list[tuple[int, bytes]]:
        """Packets on the command connection up to and including the Operation Response."""
        packets = []
        while True:
            ptype, payload = await self.packet(self.cmd_reader)
            packets.append((ptype, payload))
            if ptype == 7:
                return packets

    async def transaction(self, code: int, *params: int) -> list[tuple[int, bytes]]:
        self.tid += 1
        self.cmd.write(request(code, self.tid, *params))
        return await self.answer()

    async def open(self) -> None:
        response = (await self.transaction(Op.OpenSession, 1))[-1]
        assert response_of(response)[0] == OK

    async def close(self) -> None:
        for writer in (self.cmd, self.evt):
            writer.close()
            try:
                await writer.wait_closed()
            except (ConnectionError, OSError):
                pass


def response_of(packet: tuple[int, bytes]) -> tuple[int, int, tuple[int, ...]]:
    """(code, transaction id, params) of an Operation Response."""
    ptype, payload = packet
    assert ptype == 7
    code, tid = struct.unpack_from("<HI", payload)
    rest = payload[6:]
    return code, tid, struct.unpack(f"<{len(rest) // 4}I", rest)


def tid_of(packet: tuple[int, bytes]) -> int:
    ptype, payload = packet
    return int(struct.unpack_from("<I", payload, 2 if ptype == 7 else 0)[0])


@pytest.fixture
def card(tmp_path: Path) -> Path:
    root = tmp_path / "card"
    (root / "DCIM" / "100TEST").mkdir(parents=True)
    (root / "DCIM" / "100TEST" / "a.txt").write_bytes(b"hello camera\n")
    (root / "DCIM" / "100TEST" / "b.bin").write_bytes(os.urandom(200_000))
    return root


@asynccontextmanager
async def camera(
    root: Path, *quirks: str, open_session: bool = True, **kwargs: Any
) -> AsyncIterator[tuple[EmulatorServer, RawInitiator]]:
    faults = kwargs.pop("faults", None) or Faults(quirks=frozenset(quirks))
    kwargs.setdefault("rescan_interval", None)
    async with ptpkit.emulator.serve([root], faults=faults, **kwargs) as server:
        client = RawInitiator()
        await client.connect(server.host, server.port)
        try:
            if open_session:
                await client.open()
            yield server, client
        finally:
            await client.close()


async def closed(reader: asyncio.StreamReader, timeout: float = 10.0) -> bool:
    """True when the peer closes (or resets) the connection before sending more."""
    try:
        data = await asyncio.wait_for(reader.read(1 << 16), timeout)
    except (ConnectionError, OSError):
        return True
    return data == b""


async def silent(reader: asyncio.StreamReader, seconds: float = 0.3) -> bool:
    """True when nothing arrives for ``seconds``."""
    try:
        await asyncio.wait_for(reader.read(1), seconds)
    except asyncio.TimeoutError:
        return True
    return False


# -- no-probe-answers -------------------------------------------------------------------------
@pytest.mark.parametrize("quirks", [(), ("no-probe-answers",)], ids=["default", "quirk"])
async def test_no_probe_answers(card: Path, quirks: tuple[str, ...]) -> None:
    async with camera(card, *quirks) as (_, client):
        # A probe, then a request, in one write: the response comes first only if the
        # probe was ignored (answers on one connection keep their order).
        client.tid += 1
        client.cmd.write(PROBE_REQUEST + request(Op.GetStorageIDs, client.tid))
        first = await client.packet(client.cmd_reader)
        if quirks:
            assert first[0] == 9  # the Start Data of GetStorageIDs: no Probe Response
            await client.answer()
            client.evt.write(PROBE_REQUEST)  # on the event connection: silence too
            assert await silent(client.evt_reader)
            # and the link is alive
            assert response_of((await client.transaction(Op.GetStorageIDs))[-1])[0] == OK
        else:
            assert raw(*first) == PROBE_RESPONSE
            client.evt.write(PROBE_REQUEST)
            assert raw(*await client.packet(client.evt_reader)) == PROBE_RESPONSE


# -- no-response-params -------------------------------------------------------------------------
@pytest.mark.parametrize("quirks", [(), ("no-response-params",)], ids=["default", "quirk"])
async def test_no_response_params(card: Path, quirks: tuple[str, ...]) -> None:
    async with camera(card, *quirks, writable=True) as (_, client):
        code, _, params = response_of((await client.transaction(Op.GetNumObjects, STORE_ALL))[-1])
        assert code == OK
        assert params == (() if quirks else (4,))  # two folders, two files
        # SendObjectInfo answers storage, parent and the new handle in its parameters
        info = object_info("new.txt", 3)
        client.tid += 1
        client.cmd.write(
            request(Op.SendObjectInfo, client.tid, SID, 0, data_out=True)
            + start_data(client.tid, len(info))
            + end_data(client.tid, info)
        )
        code, _, params = response_of((await client.answer())[-1])
        assert code == OK
        assert len(params) == (0 if quirks else 3)


def object_info(name: str, size: int) -> bytes:
    """An ObjectInfo dataset (ISO 15740 5.5.2) for a plain file, packed by hand."""
    fixed = struct.pack("<IHHI", SID, 0x3000, 0, size)  # storage, format, protection, size
    # thumb format, size, width, height; image width, height, depth; parent;
    # association type, description; sequence number
    fixed += struct.pack("<HIIIIIIIHII", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    text = name.encode("utf-16-le") + b"\0\0"
    string = bytes([len(name) + 1]) + text
    return fixed + string + b"\0\0\0"  # filename, then empty dates and keywords


# -- own-transaction-ids ------------------------------------------------------------------------
@pytest.mark.parametrize("quirks", [(), ("own-transaction-ids",)], ids=["default", "quirk"])
async def test_own_transaction_ids(card: Path, quirks: tuple[str, ...]) -> None:
    async with camera(card, *quirks, open_session=False) as (_, client):
        client.tid = 41
        packets = await client.transaction(Op.GetDeviceInfo)  # tid 42
        assert [p for p, _ in packets] == [9, 12, 7]  # Start Data, End Data, Response
        tids = {tid_of(p) for p in packets}
        assert tids == ({OWN_TID_START} if quirks else {42})
        packets = await client.transaction(Op.GetDeviceInfo)  # tid 43
        assert {tid_of(p) for p in packets} == ({OWN_TID_START + 1} if quirks else {43})


# -- padded-init-ack ----------------------------------------------------------------------------
@pytest.mark.parametrize("quirks", [(), ("padded-init-ack",)], ids=["default", "quirk"])
async def test_padded_init_ack(card: Path, quirks: tuple[str, ...]) -> None:
    async with camera(card, *quirks, name="cam", open_session=False) as (_, client):
        ack = client.ack
        # 8 length/type, 4 connection number, 16 GUID, "cam" + NUL in UTF-16, version
        unpadded = 8 + 4 + 16 + 2 * 4 + 4
        assert struct.unpack_from("<I", ack)[0] == len(ack)
        assert ack[unpadded - 4 : unpadded] == struct.pack("<I", 0x00010000)
        assert ack[unpadded:] == (bytes(8) if quirks else b"")
        await client.open()  # and the session works


# -- no-events ----------------------------------------------------------------------------------
@pytest.mark.parametrize("quirks", [(), ("no-events",)], ids=["default", "quirk"])
async def test_no_events(card: Path, quirks: tuple[str, ...]) -> None:
    async with camera(card, *quirks, writable=True) as (server, client):
        before = files(card)
        assert response_of((await client.transaction(Op.InitiateCapture, 0, 0))[-1])[0] == OK
        server.inject_event(EventCode.DeviceInfoChanged)
        # the next transaction's answer is written after the capture's events would be
        assert response_of((await client.transaction(Op.GetStorageIDs))[-1])[0] == OK
        if quirks:
            assert await silent(client.evt_reader)
        else:
            ptype, _ = await client.packet(client.evt_reader)
            assert ptype == 8
        # the picture is taken either way
        for _ in range(200):
            if len(files(card)) > len(before):
                break
            await asyncio.sleep(0.05)
        assert len(files(card) - before) == 1


def files(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if path.is_file()}


# -- one-recv-per-packet ------------------------------------------------------------------------
def set_prop(tid: int, value: int) -> tuple[bytes, bytes]:
    """SetDevicePropValue(WhiteBalance, value) as (request + Start Data + End Data
    header, End Data payload)."""
    payload = struct.pack("<H", value)
    head = request(Op.SetDevicePropValue, tid, DevicePropCode.WhiteBalance, data_out=True)
    head += start_data(tid, len(payload)) + end_data(tid, payload)[:12]
    return head, payload


async def test_one_recv_per_packet_takes_whole_packets(card: Path) -> None:
    async with camera(card, "one-recv-per-packet", writable=True) as (_, client):
        for _ in range(20):  # each small phase in one write: always fine
            client.tid += 1
            head, payload = set_prop(client.tid, 2)
            client.cmd.write(head + payload)
            assert response_of((await client.answer())[-1])[0] == OK
            packets = await client.transaction(Op.GetObjectInfo, 1)
            assert response_of(packets[-1])[0] == OK
        # a big data phase may come in pieces: it is streamed
        data = os.urandom(100_000)
        info = object_info("big.bin", len(data))
        client.tid += 1
        client.cmd.write(
            request(Op.SendObjectInfo, client.tid, SID, 0, data_out=True)
            + start_data(client.tid, len(info))
            + end_data(client.tid, info)
        )
        assert response_of((await client.answer())[-1])[0] == OK
        client.tid += 1
        client.cmd.write(
            request(Op.SendObject, client.tid, data_out=True) + start_data(client.tid, len(data))
        )
        packet = end_data(client.tid, data)
        for start in range(0, len(packet), 7000):
            client.cmd.write(packet[start : start + 7000])
            await client.cmd.drain()
            await asyncio.sleep(0.01)
        assert response_of((await client.answer())[-1])[0] == OK
        assert (card / "big.bin").read_bytes() == data


@pytest.mark.parametrize("quirks", [(), ("one-recv-per-packet",)], ids=["default", "quirk"])
async def test_one_recv_per_packet_closes_on_a_split_packet(
    card: Path, quirks: tuple[str, ...]
) -> None:
    async with camera(card, *quirks, writable=True) as (_, client):
        client.tid += 1
        head, payload = set_prop(client.tid, 2)
        client.cmd.write(head)  # the End Data header without its payload...
        await client.cmd.drain()
        await asyncio.sleep(0.2)  # ... is read on its own
        client.cmd.write(payload)
        if quirks:
            assert await closed(client.cmd_reader)
            assert await closed(client.evt_reader)
        else:
            assert response_of((await client.answer())[-1])[0] == OK


# -- nagle ------------------------------------------------------------------------------------
def data_segments_in(writer: asyncio.StreamWriter) -> int:
    """TCP segments with data this socket received so far (Linux tcp_info)."""
    sock = writer.get_extra_info("socket")
    info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
    if len(info) < 160:
        pytest.skip("tcp_info without tcpi_data_segs_in (Linux before 4.6)")
    return int(struct.unpack_from("<I", info, 152)[0])  # tcpi_data_segs_in


@pytest.mark.skipif(not hasattr(socket, "TCP_INFO"), reason="needs Linux tcp_info")
@pytest.mark.parametrize("quirks", [(), ("nagle",)], ids=["default", "quirk"])
async def test_nagle_writes_each_packet_on_its_own(card: Path, quirks: tuple[str, ...]) -> None:
    async with camera(card, *quirks) as (server, client):
        (link,) = server.links
        sock = link.cmd.transport.get_extra_info("socket")  # type: ignore[attr-defined]
        nodelay = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        assert (nodelay == 0) if quirks else (nodelay != 0)
        for _ in range(5):
            before = data_segments_in(client.cmd)
            packets = await client.transaction(Op.GetObjectInfo, 1)
            assert [p for p, _ in packets] == [9, 12, 7]
            segments = data_segments_in(client.cmd) - before
            # Joined: the whole answer in one segment. Nagle: the first write leaves at
            # once, the next ones wait for its ACK, so at least two segments.
            assert segments >= 2 if quirks else segments == 1


# -- random drops (the soak's restarts) ----------------------------------------------------------
async def test_random_drops_end_every_session(card: Path) -> None:
    async with camera(card, faults=Faults(random_drops=0.05)) as (server, client):
        assert await closed(client.cmd_reader)
        assert await closed(client.evt_reader)
        again = RawInitiator()
        await again.connect(server.host, server.port)  # a new session is served
        await again.open()
        await again.close()


# -- the command line ----------------------------------------------------------------------------
def test_serve_takes_quirks(card: Path) -> None:
    bad = subprocess.run(
        [sys.executable, "-m", "ptpkit", "serve", str(card), "--quirk", "slow"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "slow" in bad.stderr
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ptpkit",
            "serve",
            str(card),
            "--port",
            "0",
            "--quirk",
            "no-response-params",
            "--quirk",
            "own-transaction-ids",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        match = re.search(r"listening on ([\d.]+):(\d+)", first)
        assert match, first

        async def check() -> None:
            client = RawInitiator()
            await client.connect(match.group(1), int(match.group(2)))
            await client.open()
            code, tid, params = response_of(
                (await client.transaction(Op.GetNumObjects, STORE_ALL))[-1]
            )
            assert (code, params) == (OK, ())
            assert tid != client.tid
            await client.close()

        asyncio.run(asyncio.wait_for(check(), 30))
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        finally:
            if proc.poll() is None:
                proc.kill()


# -- run the coroutine tests (no pytest-asyncio needed) ----------------------------------------
def _run_in_loop(test: Callable[..., Any]) -> Callable[..., None]:
    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        async def main() -> None:
            await asyncio.wait_for(test(*args, **kwargs), 50)

        asyncio.run(main())

    return wrapper


for _name, _test in list(globals().items()):
    if _name.startswith("test_") and asyncio.iscoroutinefunction(_test):
        globals()[_name] = _run_in_loop(_test)
