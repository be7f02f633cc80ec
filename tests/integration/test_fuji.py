"""Fujifilm's variant of PTP/IP end to end, on loopback: the client (``FujiCamera``, the
``fujifilm`` dialect) against the persona (``FujiServer`` + ``FujiCameraCore``), through
the library and through ``ptpkit info | ls | get | capture --download | events``."""

from __future__ import annotations

import asyncio
import json
import random
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Coroutine, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import address, invoke, jpeg, run
from PIL import Image

import ptpkit
from ptpkit.aio.client import FUJI_PORT, Camera, FujiCamera, camera_class
from ptpkit.aio.fuji_server import FujiServer
from ptpkit.aio.server_options import ServerOptions
from ptpkit.cli.common import EXIT_CAMERA
from ptpkit.cli.demo import EmulatorThread
from ptpkit.emulator import Faults, serve
from ptpkit.emulator.folder_store import FolderStore
from ptpkit.emulator.personas.fuji import FujiCameraCore, fuji_data_directions
from ptpkit.errors import CameraStateError
from ptpkit.proto.codes import EventCode, OperationCode, ResponseCode
from ptpkit.proto.vendors.fuji import FujiDevicePropCode

MiB = 1 << 20
_P = FujiDevicePropCode


@pytest.fixture
def card(tmp_path: Path) -> Path:
    root = tmp_path / "card"
    jpeg(root / "DCIM" / "100_FUJI" / "DSCF0001.JPG", (200, 10, 10))
    jpeg(root / "DCIM" / "100_FUJI" / "DSCF0002.JPG", (10, 200, 10))
    (root / "DCIM" / "100_FUJI" / "DSCF0003.RAF").write_bytes(
        random.Random(3).randbytes(3 * MiB + 5)
    )
    return root


@asynccontextmanager
async def persona(card: Path, **options: Any) -> AsyncIterator[Any]:
    options.setdefault("rescan_interval", None)
    async with serve([card], persona="fujifilm", port=0, writable=True, **options) as server:
        yield server


@asynccontextmanager
async def fuji_core(
    card: Path, *, server_options: dict[str, Any] | None = None, **camera_options: Any
) -> AsyncIterator[FujiServer[Any]]:
    """The persona's camera and server built by hand (options ``serve`` does not take)."""
    store = FolderStore([str(card)], writable=True)
    camera = FujiCameraCore(store, writable=True, rescan_interval=None, **camera_options)
    server = FujiServer(
        camera,
        ServerOptions(port=0),
        data_directions=fuji_data_directions(),
        **(server_options or {}),
    )
    try:
        async with server:
            yield server
    finally:
        await camera.aclose()
        store.close()


# -- the library ------------------------------------------------------------------------
def test_connect_list_download(card: Path, tmp_path: Path) -> None:
    async def main() -> None:
        async with persona(card) as server:
            assert len(server.ports) == 3 and server.ports[1] == server.port + 1
            async with ptpkit.connect(server.host, server.port, dialect="fujifilm") as camera:
                assert isinstance(camera, FujiCamera)
                assert camera.dialect.name == "fujifilm"
                info = camera.device_info
                assert (info.vendor_extension_id, info.manufacturer) == (0xE, "FUJIFILM")
                assert info.model == "X-T3" and camera.camera_name == "X-T3"
                # The property list is 0x902B's, the types came with it.
                assert _P.CurrentState in info.device_properties_supported
                assert camera._prop_types[_P.AppVersion] == 6  # UINT32
                assert camera.open_capture_tid is not None
                names = sorted([o.name async for o in camera.walk()])
                assert names == ["DSCF0001.JPG", "DSCF0002.JPG", "DSCF0003.RAF"]
                raf = await camera.find("/DCIM/100_FUJI/DSCF0003.RAF")
                path = await camera.download(raf, tmp_path)
                assert path.read_bytes() == (card / "DCIM/100_FUJI/DSCF0003.RAF").read_bytes()
                assert not camera.supports(OperationCode.GetPartialObject)
                # No Probe in the variant: the round trip is a command (issue 12).
                assert camera.link_check == "GetStorageIDs"
                assert (await camera.ping()).via == "GetStorageIDs"

    run(main())


def test_transport_follows_dialect_and_port() -> None:
    assert camera_class("fujifilm") is FujiCamera
    assert camera_class("auto", FUJI_PORT) is FujiCamera
    assert camera_class("auto", 15740) is Camera
    assert camera_class("generic", FUJI_PORT) is Camera


def test_auto_dialect_finds_the_body_by_its_init_fail(card: Path) -> None:
    """A standard Init Command Request gets Init Fail 0x201D: the client switches."""

    async def main() -> None:
        async with persona(card) as server, ptpkit.connect(server.host, server.port) as camera:
            assert isinstance(camera, FujiCamera)
            assert camera.dialect.name == "fujifilm"
            assert await camera.storages()

    run(main())


def test_capture_and_its_object_added(card: Path, tmp_path: Path) -> None:
    async def main() -> None:
        async with persona(card) as server:
            host, port = server.host, server.port
            async with (
                ptpkit.connect(host, port, dialect="fujifilm") as camera,
                ptpkit.connect(host, port, dialect="fujifilm") as other,
            ):
                stream = other.events()
                shots = await camera.capture(timeout=10)
                assert len(shots) == 1
                shot = shots[0]
                assert shot.path.startswith("/store_00010001/DCIM/1")
                assert shot.name.startswith("DSCF") and shot.name.endswith(".JPG")
                saved = await camera.download(shot, tmp_path)
                with Image.open(saved) as image:
                    assert image.format == "JPEG"
                # The other initiator hears of it on its event connection.
                while True:
                    event = await stream.get(5)
                    if getattr(event, "code", None) == EventCode.ObjectAdded:
                        assert event.params[0] == shot.handle
                        break
                # The focus went 1 -> 2; CameraAction was written twice.
                changes = dict((await camera.dialect.current_state()).changes)  # type: ignore[attr-defined]
                assert changes.get(_P.CameraAction) == 0x0304

    run(main())


def test_properties_by_name_and_in_words(card: Path) -> None:
    async def main() -> None:
        async with (
            persona(card) as server,
            ptpkit.connect(server.host, server.port, dialect="fujifilm") as camera,
        ):
            assert await camera.get_property("filmsimulation") == 1
            await camera.set_property("filmsimulation", "Velvia/Vivid")
            assert await camera.get_property("filmsimulation") == 2
            assert camera.dialect.format_value(_P.FilmSimulation, 11) == "Classic Chrome"
            state = await camera.dialect.current_state()  # type: ignore[attr-defined]
            assert (_P.FilmSimulation, 2) in state.changes
            assert await camera.get_property("prioritymode") == 1

    run(main())


def test_standard_names_reach_the_properties_the_body_offers(card: Path) -> None:
    """gphoto2's names (``iso``, ``aperture``, ``shutterspeed``) and every name ``config``
    lists work: where Fujifilm's table has a property of the same name the body does not
    offer (ExposureIndex 0xD02A), the standard one it offers (0x500F) is meant."""

    async def main() -> None:
        async with (
            persona(card) as server,
            ptpkit.connect(server.host, server.port, dialect="fujifilm") as camera,
        ):
            assert camera.property_code("iso") == 0x500F
            assert camera.property_code("ExposureIndex") == 0x500F
            assert camera.property_code("aperture") == 0x5007
            assert camera.property_code("shutterspeed") == 0x500D
            assert camera.property_code("filmsimulation") == _P.FilmSimulation
            await camera.set_property("iso", "800")
            assert await camera.get_property("ExposureIndex") == 800
            await camera.set_property("aperture", "f/8")
            assert await camera.get_property("f-number") == 800
            await camera.set_property("shutterspeed", "1/250")
            assert await camera.get_property("shutterspeed") == 40
            for desc in await camera.properties():
                name = camera.dialect.code_name("property", desc.device_prop_code)
                assert camera.property_code(name) == desc.device_prop_code, name

    run(main())


def test_a_body_with_no_pc_connection_says_so(card: Path) -> None:
    async def main() -> None:
        async with fuji_core(card, pc_connection=False) as server:
            with pytest.raises(CameraStateError) as caught:
                await ptpkit.connect(server.host, server.port, dialect="fujifilm")
            assert caught.value.code == ResponseCode.AccessDenied
            assert "mode" in str(caught.value) and "PC" in str(caught.value)

    run(main())


def test_an_empty_device_info_and_the_real_camera_init_pattern(card: Path) -> None:
    """GetDeviceInfo without data (the X-T4): the built-in DeviceInfo and 0x902B's list;
    the first Init Command Request refused, the retry 0.5 s later accepted."""

    async def main() -> None:
        async with (
            fuji_core(
                card, empty_device_info=True, server_options={"reject_first_init": True}
            ) as server,
            ptpkit.connect(server.host, server.port, dialect="fujifilm") as camera,
        ):
            info = camera.device_info
            assert info.manufacturer == "FUJIFILM" and info.model == ""
            assert _P.FilmSimulation in info.device_properties_supported
            assert len([o async for o in camera.walk()]) == 3

    run(main())


def test_downloads_are_whole_objects(card: Path, tmp_path: Path) -> None:
    """GetPartialObject is never used: a .part left over is started over."""

    async def main() -> None:
        faults = Faults(fail={OperationCode.GetPartialObject: ResponseCode.OperationNotSupported})
        async with (
            persona(card, faults=faults) as server,
            ptpkit.connect(server.host, server.port, dialect="fujifilm") as camera,
        ):
            (tmp_path / "DSCF0003.RAF.part").write_bytes(b"x" * 1000)
            path = await camera.download("/DCIM/100_FUJI/DSCF0003.RAF", tmp_path)
            assert path.read_bytes() == (card / "DCIM/100_FUJI/DSCF0003.RAF").read_bytes()

    run(main())


def test_a_cancelled_download_leaves_the_session_usable(card: Path, tmp_path: Path) -> None:
    async def main() -> None:
        async with (
            persona(card) as server,
            ptpkit.connect(server.host, server.port, dialect="fujifilm") as camera,
        ):
            started = asyncio.Event()

            def progress(done: int, total: int | None) -> None:
                if done:
                    started.set()

            raf = "/DCIM/100_FUJI/DSCF0003.RAF"
            task = asyncio.ensure_future(camera.download(raf, tmp_path, progress=progress))
            await started.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            # The variant has no Cancel: the rest was dropped, the response ended it.
            assert len(await camera.storages()) == 1
            path = await camera.download(raf, tmp_path)
            assert path.stat().st_size == 3 * MiB + 5

    run(main())


# -- the command line ---------------------------------------------------------------------
@pytest.fixture
def emulator(card: Path) -> Iterator[EmulatorThread]:
    with EmulatorThread([card], persona="fujifilm", writable=True, rescan_interval=None) as emu:
        yield emu


def test_cli_info_ls_get(emulator: EmulatorThread, card: Path, tmp_path: Path) -> None:
    info = invoke("--dialect", "fujifilm", "info", *address(emulator))
    assert info.exit_code == 0, info.output
    assert "FUJIFILM" in info.stdout and "X-T3" in info.stdout and "fujifilm" in info.stdout
    listing = invoke("ls", "-l", *address(emulator))  # auto: found by its Init Fail
    assert listing.exit_code == 0, listing.output
    assert "DSCF0001.JPG" in listing.stdout and "DSCF0003.RAF" in listing.stdout
    got = invoke("get", "DSCF000*", "-o", str(tmp_path / "out"), *address(emulator))
    assert got.exit_code == 0, got.output
    for name in ("DSCF0001.JPG", "DSCF0002.JPG", "DSCF0003.RAF"):
        assert (tmp_path / "out" / name).read_bytes() == (
            card / "DCIM" / "100_FUJI" / name
        ).read_bytes()


def test_cli_capture_download(emulator: EmulatorThread, tmp_path: Path) -> None:
    out = tmp_path / "shots"
    result = invoke("--dialect", "fujifilm", "capture", "--download", str(out), *address(emulator))
    assert result.exit_code == 0, result.output
    (shot,) = out.iterdir()
    assert shot.name.startswith("DSCF")
    with Image.open(shot) as image:
        assert image.format == "JPEG"


def test_cli_events(emulator: EmulatorThread) -> None:
    stop = threading.Event()

    def injector() -> None:
        n = 0
        while not stop.wait(0.1):
            n += 1
            emulator.call(emulator.server.inject_event, EventCode.ObjectAdded, (n,))

    thread = threading.Thread(target=injector, daemon=True)
    thread.start()
    try:
        result = invoke(
            "--dialect", "fujifilm", "events", "--json", "--count", "2", *address(emulator)
        )
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["event"] for r in records] == ["ObjectAdded", "ObjectAdded"]


def test_cli_no_pc_connection_is_a_camera_error(card: Path) -> None:
    done = threading.Event()
    address: list[str] = []

    async def serve_it() -> None:
        async with fuji_core(card, pc_connection=False) as server:
            address.extend(["-H", server.host, "-p", str(server.port)])
            done.set()
            await asyncio.sleep(15)

    thread = threading.Thread(target=lambda: asyncio.run(_bounded(serve_it())), daemon=True)
    thread.start()
    assert done.wait(10)
    result = invoke("--dialect", "fujifilm", "info", *address)
    assert result.exit_code == EXIT_CAMERA
    assert "PC" in result.stderr


async def _bounded(coro: Coroutine[Any, Any, None]) -> None:
    try:
        await asyncio.wait_for(coro, 15)
    except asyncio.TimeoutError:
        pass


def _serve_stderr(*args: str) -> str:
    """``ptpkit serve ARGS`` on free ports until it has printed its banner; its stderr."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "ptpkit", "serve", *args, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # the banner ends with the gphoto2 command line
            if "gphoto2 --" in line:
                break
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    return err


def test_serve_warns_that_gphoto2_deletes_unseen_files_of_a_writable_fuji_card(
    tmp_path: Path,
) -> None:
    """gphoto2's Fuji capture takes every file it did not list in that run for a new
    picture and deletes it (docs/protocol.md): serving a real folder writable says so."""
    card = tmp_path / "card"
    (card / "DCIM").mkdir(parents=True)
    writable = _serve_stderr(str(card), "--persona", "fujifilm", "--writable")
    assert "deletes it" in writable
    read_only = _serve_stderr(str(card), "--persona", "fujifilm")
    assert "deletes it" not in read_only
