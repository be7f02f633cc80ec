"""The client against cameras that behave as real ones do (issue 12, points 1 and 2): the
emulator's quirks (``Faults(quirks=...)``, ``ptpkit serve --quirk``) and, where the
emulator has no such habit, a hand-made fake camera (tests/fakecam.py).

Each test names the fix it shows; on the client before issue 12 each of them failed
(hung until the test's own bound, lost the link, or returned a wrong value).
"""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
from click.testing import CliRunner
from fakecam import FakeCamera
from helpers import decode_stream

import ptpkit
from ptpkit.aio.client import Camera
from ptpkit.cli.demo import EmulatorThread
from ptpkit.cli.main import main as cli_main
from ptpkit.emulator import serve
from ptpkit.emulator.faults import Faults
from ptpkit.errors import (
    CaptureTimeoutError,
    ConnectionLost,
    MissingParameterError,
    NotSupportedError,
    PtpTimeoutError,
)
from ptpkit.proto.codes import DevicePropCode, OperationCode, ResponseCode
from ptpkit.proto.events import Channel, OperationRequested

T = TypeVar("T")
Op = OperationCode


def run(coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
    return asyncio.run(asyncio.wait_for(coro, timeout))


@pytest.fixture
def card(tmp_path: Path) -> Path:
    root = tmp_path / "card"
    (root / "DCIM" / "100TEST").mkdir(parents=True)
    (root / "DCIM" / "100TEST" / "a.txt").write_bytes(b"hello camera\n")
    (root / "DCIM" / "100TEST" / "b.bin").write_bytes(os.urandom(200_000))
    return root


@asynccontextmanager
async def quirky(
    card: Path, *quirks: str, connect: dict[str, Any] | None = None, **serve_kw: Any
) -> AsyncIterator[tuple[Any, Camera]]:
    faults = serve_kw.pop("faults", None) or Faults(quirks=frozenset(quirks))
    serve_kw.setdefault("rescan_interval", None)
    async with serve([card], faults=faults, **serve_kw) as server:  # noqa: SIM117
        async with ptpkit.connect(server.host, server.port, **(connect or {})) as camera:
            yield server, camera


# -- point 1: timeouts that always fire ----------------------------------------------------
def test_a_camera_answering_probes_but_not_the_request_times_out(card: Path) -> None:
    """Probe answers no longer push the response deadline back (it hung forever)."""

    async def body() -> None:
        faults = Faults(delay={Op.GetNumObjects: 60.0})
        options = {"response_timeout": 0.5, "probe_interval": 0.05, "probe_timeout": 5.0}
        async with quirky(card, faults=faults, connect=options) as (_, camera):
            assert (await camera.ping()).via == "probe"  # this camera answers probes
            loop = asyncio.get_running_loop()
            start = loop.time()
            with pytest.raises(PtpTimeoutError, match=r"no response to GetNumObjects within 0.5 s"):
                await camera.get_num_objects()
            assert loop.time() - start < 10.0
            assert not camera.is_connected

    run(body(), timeout=30)


def test_a_camera_stalling_mid_object_is_timed_out() -> None:
    """A data phase that stops moving has its own deadline; probes do not reset it."""

    async def stall(cam: FakeCamera, request: OperationRequested) -> None:
        now = cam.now()
        cam.session.start_data_in(1 << 20, now)
        cam.session.send_data(bytes(64 << 10), now)
        await cam.flush()  # ... and never another byte (probes are still answered)

    async def body() -> None:
        async with FakeCamera({Op.GetObject: stall}) as fake:
            options = {"response_timeout": 5.0, "data_timeout": 0.5, "probe_interval": 0.05}
            async with ptpkit.connect("127.0.0.1", fake.port, **options) as camera:
                with pytest.raises(PtpTimeoutError, match=r"GetObject made no progress for 0\.5 s"):
                    await camera.get_object(1, io.BytesIO())

    run(body(), timeout=30)


def test_a_camera_that_never_answers_probes_keeps_its_link(card: Path) -> None:
    """no-probe-answers: the link is kept alive (and checked) with commands instead of
    being declared dead after the first unanswered probe."""

    async def body() -> None:
        options = {"probe_interval": 0.1, "probe_timeout": 0.2}
        async with quirky(card, "no-probe-answers", connect=options) as (_, camera):
            stream = camera.events()
            await asyncio.sleep(1.5)  # several keep-alive rounds
            assert camera.is_connected
            assert camera.link_check == "GetStorageIDs"
            ping = await camera.ping()
            assert ping.via == "GetStorageIDs" and ping >= 0
            assert len(await camera.list_objects()) == 2
            assert stream.pending() == 0 or camera.is_connected
            stream.close()

    run(body(), timeout=30)


def test_ping_says_when_it_used_a_command(card: Path) -> None:
    """The first ping of a camera that ignores probes falls back to a command round trip."""

    async def body() -> None:
        async with quirky(card, "no-probe-answers") as (_, camera):
            assert camera.link_check == "probe"  # not known yet
            ping = await camera.ping()
            assert ping.via == "GetStorageIDs"
            assert camera.link_check == "GetStorageIDs"
            assert (await camera.ping()).via == "GetStorageIDs"
        async with quirky(card) as (_, camera):
            assert (await camera.ping()).via == "probe"

    run(body(), timeout=30)


def test_command_keepalive_notices_a_dead_camera(card: Path) -> None:
    """keepalive="command": an idle link whose camera stops answering ends, with the
    event stream, within the keep-alive bounds (the old client never noticed)."""

    async def body() -> None:
        faults = Faults(delay={Op.GetStorageIDs: 60.0})
        options = {"keepalive": "command", "probe_interval": 0.2, "probe_timeout": 0.3}
        async with quirky(card, faults=faults, connect=options) as (_, camera):
            assert camera.link_check == "GetDeviceInfo" or camera.link_check == "GetStorageIDs"
            stream = camera.events()
            with pytest.raises(PtpTimeoutError, match="no response to GetStorageIDs"):
                async for _ in stream:
                    pass
            assert not camera.is_connected

    run(body(), timeout=30)


def test_keepalive_off_sends_nothing(card: Path) -> None:
    async def body() -> None:
        options = {"keepalive": "off", "probe_interval": 0.05}
        async with quirky(card, "no-probe-answers", connect=options) as (_, camera):
            await asyncio.sleep(0.5)
            assert camera.is_connected
            assert camera.link_check == "off"
            assert (await camera.ping()).via == "GetStorageIDs"

    run(body(), timeout=30)


# -- point 2: tolerant of real cameras -------------------------------------------------------
def test_one_recv_per_packet_cameras_take_settings_and_uploads(card: Path, tmp_path: Path) -> None:
    """Small data-out phases leave with their request in one write (the End Data header
    and its payload used to go separately, and such a camera closed the link)."""

    async def body() -> None:
        async with quirky(card, "one-recv-per-packet", writable=True) as (_, camera):
            code = DevicePropCode.WhiteBalance
            desc = await camera.get_device_prop_desc(code)
            other = next(v for v in desc.form.values if v != desc.current_value)  # type: ignore[union-attr]
            await camera.set_device_prop_value(code, other)
            assert await camera.get_device_prop_value(code) == other
            small = tmp_path / "small.txt"
            small.write_bytes(b"s" * 30_000)
            uploaded = await camera.upload(small, "/DCIM/100TEST")
            assert await camera.get_object(uploaded.handle) == small.read_bytes()
            assert camera.is_connected

    run(body())


def test_small_data_out_phases_leave_in_one_write(card: Path, tmp_path: Path) -> None:
    """What the one-recv-per-packet camera needs, seen at the client's socket (on
    loopback two quick writes often reach the camera as one read anyway, so the quirk
    alone does not always show the old split): request, Start Data, End Data header and
    payload in one write when the phase is small; larger ones still stream."""

    async def body() -> None:
        async with quirky(card, writable=True) as (_, camera):
            transport = camera._channels[Channel.COMMAND].transport
            assert transport is not None
            writes: list[bytes] = []
            real_write = transport.write

            def spy(data: Any) -> None:
                writes.append(bytes(data))
                real_write(data)

            transport.write = spy  # type: ignore[method-assign]
            code = DevicePropCode.WhiteBalance
            desc = await camera.get_device_prop_desc(code)
            writes.clear()
            await camera.set_device_prop_value(code, desc.current_value)
            assert len(writes) == 1
            assert [type(p).__name__ for p in decode_stream(writes[0])] == [
                "OperationRequest",
                "StartData",
                "EndData",
            ]
            small = tmp_path / "small.bin"
            small.write_bytes(os.urandom(60_000))
            writes.clear()
            await camera.upload(small, "/DCIM/100TEST")
            phases = [[type(p).__name__ for p in decode_stream(w)] for w in writes]
            data_out = [p for p in phases if "StartData" in p]  # SendObjectInfo, SendObject
            assert data_out == [["OperationRequest", "StartData", "EndData"]] * 2, phases
            big = tmp_path / "big.bin"
            big.write_bytes(os.urandom(200_000))
            uploaded = await camera.upload(big, "/DCIM/100TEST")
            assert await camera.get_object(uploaded.handle) == big.read_bytes()

    run(body())


def test_nagle_cameras_are_listed_and_read(card: Path) -> None:
    """nagle: works (and fast, with TCP_QUICKACK: see `make bench`, listing_nagle)."""

    async def body() -> None:
        async with quirky(card, "nagle") as (_, camera):
            objects = await camera.list_objects()
            assert len(objects) == 2
            data = await camera.get_object(next(o for o in objects if o.name == "b.bin").handle)
            assert data == (card / "DCIM" / "100TEST" / "b.bin").read_bytes()

    run(body())


def test_missing_response_parameters_are_never_a_silent_zero(card: Path, tmp_path: Path) -> None:
    async def body() -> None:
        async with quirky(card, "no-response-params", writable=True) as (_, camera):
            handles = await camera.get_object_handles()
            assert await camera.get_num_objects() == len(handles) == 4  # counted
            source = tmp_path / "up.txt"
            source.write_bytes(b"uploaded\n")
            uploaded = await camera.upload(source, "/DCIM/100TEST")  # found by name
            assert uploaded.name == "up.txt"
            assert await camera.get_object(uploaded.handle) == b"uploaded\n"
            folder = await camera.mkdir("/DCIM/101NEW")
            assert folder.is_folder and folder.name == "101NEW"
            with pytest.raises(MissingParameterError, match="did not say the new handle"):
                await camera.copy_object(uploaded.handle, uploaded.storage_id, folder.handle)
            assert camera.is_connected

    run(body())


def test_a_camera_counting_its_own_transaction_ids(card: Path, tmp_path: Path) -> None:
    """own-transaction-ids: every answer is taken for the one transaction under way (the
    link used to be killed), captures included (their events carry our id)."""

    async def body() -> None:
        async with quirky(card, "own-transaction-ids", writable=True) as (_, camera):
            objects = await camera.list_objects()
            assert len(objects) == 2
            b = next(o for o in objects if o.name == "b.bin")
            assert await camera.get_object(b.handle) == (card / "DCIM/100TEST/b.bin").read_bytes()
            source = tmp_path / "x.txt"
            source.write_bytes(b"x" * 100)
            assert (await camera.upload(source)).name == "x.txt"
            shots = await camera.capture(timeout=10)
            assert len(shots) == 1
            assert camera._session.foreign_tids > 0
            assert camera.is_connected

    run(body())


def test_capture_without_events_compares_handles(card: Path) -> None:
    async def body() -> None:
        async with quirky(card, "no-events", writable=True) as (_, camera):
            before = set(await camera.get_object_handles())
            shots = await camera.capture(timeout=10)
            assert len(shots) == 1 and shots[0].handle not in before and not shots[0].is_folder

    run(body())


def test_a_capture_that_stores_nothing_is_a_capture_timeout() -> None:
    """Its own error (and exit code), not "link lost"; the link is still usable."""

    async def body() -> None:
        ops = (Op.GetDeviceInfo, Op.OpenSession, Op.GetObjectHandles, Op.InitiateCapture)
        fake = FakeCamera(operations=ops)
        async with fake, ptpkit.connect("127.0.0.1", fake.port) as camera:
            with pytest.raises(CaptureTimeoutError, match=r"within 0\.6 s"):
                await camera.capture(timeout=0.6)
            assert camera.is_connected
            await camera.get_device_info()

    run(body(), timeout=30)


def test_a_padded_init_ack_is_accepted(card: Path) -> None:
    async def body() -> None:
        async with quirky(card, "padded-init-ack", name="padded") as (_, camera):
            assert camera.camera_name == "padded"
            assert len(await camera.list_objects()) == 2

    run(body())


def test_optional_operations_are_checked_against_device_info(card: Path, tmp_path: Path) -> None:
    """A read-only camera does not list SendObjectInfo: nothing is sent, and the error
    says what cannot be done."""

    async def body() -> None:
        source = tmp_path / "up.txt"
        source.write_bytes(b"x")
        async with quirky(card) as (_, camera):
            assert not camera.supports(Op.SendObjectInfo)
            with pytest.raises(NotSupportedError) as caught:
                await camera.upload(source)
            assert str(caught.value) == "this camera does not support uploading (SendObjectInfo)"
            assert caught.value.code == ResponseCode.OperationNotSupported
            with pytest.raises(NotSupportedError, match="deleting"):
                await camera.delete("/DCIM/100TEST/a.txt")
            assert (card / "DCIM" / "100TEST" / "a.txt").exists()
            assert camera.is_connected

    run(body())


def test_get_num_objects_without_the_operation_counts_handles() -> None:
    async def body() -> None:
        ops = (Op.GetDeviceInfo, Op.OpenSession, Op.GetObjectHandles)
        fake = FakeCamera(operations=ops)
        async with fake, ptpkit.connect("127.0.0.1", fake.port) as camera:
            assert await camera.get_num_objects() == 0
            assert Op.GetNumObjects not in [r.code for r in fake.requests]

    run(body(), timeout=30)


def test_all_quirks_at_once(card: Path, tmp_path: Path) -> None:
    """Every habit together: list, download, upload, set, capture."""

    async def body() -> None:
        quirks = (
            "no-probe-answers",
            "nagle",
            "no-response-params",
            "own-transaction-ids",
            "one-recv-per-packet",
            "no-events",
            "padded-init-ack",
        )
        options = {"probe_interval": 0.2, "probe_timeout": 0.2}
        async with quirky(card, *quirks, writable=True, connect=options) as (_, camera):
            assert len(await camera.list_objects()) == 2
            source = tmp_path / "all.txt"
            source.write_bytes(b"all quirks\n")
            uploaded = await camera.upload(source, "/DCIM/100TEST")
            assert await camera.get_object(uploaded.handle) == b"all quirks\n"
            assert len(await camera.capture(timeout=10)) == 1
            await asyncio.sleep(0.8)  # a probe ignored, then commands
            assert camera.is_connected and camera.link_check == "GetStorageIDs"

    run(body())


def test_connection_lost_is_still_connection_lost(card: Path) -> None:
    """The keep-alive machinery adds nothing when the camera simply goes away."""

    async def body() -> None:
        async with serve([card], rescan_interval=None) as server:
            camera = await ptpkit.connect(server.host, server.port)
            try:
                await server.close()
                with pytest.raises(ConnectionLost):
                    for _ in range(50):
                        await camera.get_device_info()
                        await asyncio.sleep(0.05)
            finally:
                await camera.close()

    run(body())


# -- the CLI -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("quirks", "options", "via", "why"),
    [
        ((), (), "probe", ""),
        (("no-probe-answers",), (), "GetStorageIDs", "the camera does not answer probes"),
        ((), ("--keepalive", "command"), "GetStorageIDs", "--keepalive command"),
        ((), ("--keepalive", "off"), "GetStorageIDs", "--keepalive off"),
    ],
    ids=["answers-probes", "ignores-probes", "keepalive-command", "keepalive-off"],
)
def test_cli_ping_says_how_it_checked(
    card: Path, quirks: tuple[str, ...], options: tuple[str, ...], via: str, why: str
) -> None:
    """It says why it used a command: the user's --keepalive, or a camera that ignores
    probes (not the latter for a camera that answers them)."""
    faults = Faults(quirks=frozenset(quirks))
    with EmulatorThread([card], faults=faults, rescan_interval=None) as emu:
        result = CliRunner().invoke(
            cli_main,
            ["ping", "-H", emu.host, "-p", str(emu.port), "-c", "2", "-i", "0", *options],
        )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{via} reply from {emu.host}:{emu.port}"), lines
    if via == "probe":
        assert lines[-1].startswith("2 probes answered"), lines
    else:
        assert lines[-1].startswith(f"2 GetStorageIDs round trips ({why})"), lines
