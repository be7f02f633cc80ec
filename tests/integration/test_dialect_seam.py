"""The dialect / persona seam (issue 13, point 2) with the generic dialect and persona,
and a dialect of the test's own that polls: events from polling and from the event
channel end in the same ``events()`` stream, marked with their source."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import pytest
from click.testing import CliRunner
from PIL import Image

import ptpkit
from ptpkit.aio.models import CameraEvent, EventsDropped
from ptpkit.cli.demo import EmulatorThread
from ptpkit.cli.main import main
from ptpkit.dialects import DIALECTS, GenericDialect, choose_dialect, dialect_class
from ptpkit.emulator import serve
from ptpkit.emulator.personas import PERSONAS, get_persona
from ptpkit.proto.codes import TID_NONE, EventCode
from ptpkit.proto.datasets import DeviceInfo

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
    return asyncio.run(asyncio.wait_for(coro, timeout))


@pytest.fixture
def card(tmp_path: Path) -> Path:
    root = tmp_path / "card"
    (root / "DCIM").mkdir(parents=True)
    Image.new("RGB", (64, 48), (10, 20, 30)).save(root / "DCIM" / "IMG_0001.JPG", "JPEG")
    return root


class PollingDialect(GenericDialect):
    """A dialect whose "vendor GetEvent" is GetDeviceInfo, answering one made-up event
    per poll."""

    name: ClassVar[str] = "test-polling"
    polls_events: ClassVar[bool] = True
    poll_interval: ClassVar[float] = 0.02
    polls = 0

    async def poll_events(self) -> list[CameraEvent]:
        await self.camera.get_device_info()  # an ordinary transaction
        type(self).polls += 1
        return [CameraEvent(EventCode.DevicePropChanged, TID_NONE, (0x5001,), "poll")]


# -- choosing -------------------------------------------------------------------------------
def test_the_generic_dialect_is_last_and_takes_every_camera() -> None:
    assert list(DIALECTS)[-1] == "generic"
    assert choose_dialect(DeviceInfo()) is GenericDialect
    assert choose_dialect(DeviceInfo(), "generic") is GenericDialect
    assert choose_dialect(DeviceInfo(), PollingDialect) is PollingDialect
    assert choose_dialect(DeviceInfo(), "auto") is GenericDialect


def test_an_unknown_dialect_is_refused_before_connecting() -> None:
    with pytest.raises(ValueError, match="no dialect named 'bogus'"):
        dialect_class("bogus")
    with pytest.raises(ValueError, match="known: auto, "):
        ptpkit.connect("127.0.0.1", 1, dialect="bogus")


def test_a_camera_has_the_generic_dialect(card: Path) -> None:
    async def main() -> None:
        async with serve(card) as server, ptpkit.connect(*server.address) as camera:
            assert camera.dialect.name == "generic"
            assert camera.dialect.camera is camera
            assert camera.dialect.property_codes() == camera.device_info.device_properties_supported
            assert camera.property_code("batterylevel") == 0x5001
            assert await camera.get_property("batterylevel") == 87

    run(main())


# -- events from polling --------------------------------------------------------------------
def test_polled_and_channel_events_share_one_stream(card: Path) -> None:
    async def main() -> None:
        PollingDialect.polls = 0
        async with (
            serve(card) as server,
            ptpkit.connect(*server.address, dialect=PollingDialect) as camera,
        ):
            assert isinstance(camera.dialect, PollingDialect)
            await asyncio.sleep(0.2)
            assert PollingDialect.polls == 0, "nobody listens: nobody polls"
            seen: dict[str, CameraEvent] = {}
            async with camera.events() as stream:
                server.inject_event(EventCode.StoreFull, (0x00010001,))
                while len(seen) < 2:
                    event = await stream.get(5)
                    assert not isinstance(event, EventsDropped)
                    seen.setdefault(event.source, event)
            assert seen["poll"].code == EventCode.DevicePropChanged
            assert seen["channel"].code == EventCode.StoreFull
            assert seen["channel"].name == "StoreFull"
            await asyncio.sleep(0.1)
            stopped_at = PollingDialect.polls
            await asyncio.sleep(0.2)
            assert PollingDialect.polls == stopped_at, "the stream closed: polls stopped"
            # the command lock is free between polls: other operations go through
            async with camera.events():
                for _ in range(5):
                    assert (await camera.get_storage_ids()) == (0x00010001,)

    run(main())


def test_a_capture_polls_while_it_waits(card: Path) -> None:
    async def main() -> None:
        PollingDialect.polls = 0
        async with (
            serve(card, writable=True) as server,
            ptpkit.connect(*server.address, dialect=PollingDialect) as camera,
        ):
            objects = await camera.capture(10)
            assert [o.name for o in objects] and PollingDialect.polls >= 1

    run(main())


# -- personas -------------------------------------------------------------------------------
def test_the_generic_persona(card: Path) -> None:
    assert "generic" in PERSONAS
    assert get_persona("Generic") is PERSONAS["generic"]
    with pytest.raises(ValueError, match="no persona named 'bogus'"):
        get_persona("bogus")
    with pytest.raises(ValueError):
        serve(card, persona="bogus")

    async def main() -> None:
        async with serve(card, persona="generic", model="Other") as server:
            assert server.persona == "generic"
            async with ptpkit.connect(*server.address) as camera:
                assert camera.device_info.manufacturer == "ptpkit"
                assert camera.device_info.model == "Other"
                assert camera.device_info.vendor_extension_id == 0

    run(main())


# -- the command line -------------------------------------------------------------------------
def test_cli_dialect_option_and_info(card: Path) -> None:
    with EmulatorThread([card], rescan_interval=None) as emu:
        where = ["-H", emu.host, "-p", str(emu.port)]
        result = CliRunner().invoke(main, ["--dialect", "generic", "info", *where])
        assert result.exit_code == 0, result.output
        assert "Dialect" in result.output and "generic" in result.output
        result = CliRunner().invoke(
            main, ["info", "--json", *where], env={"PTPKIT_DIALECT": "auto"}
        )
        assert result.exit_code == 0, result.output
        assert '"dialect": "generic"' in result.output
    result = CliRunner().invoke(main, ["--dialect", "bogus", "info", "-H", "127.0.0.1"])
    assert result.exit_code == 2
    assert "no dialect named 'bogus'" in result.output


def test_cli_lists_personas() -> None:
    result = CliRunner().invoke(main, ["serve", "--list-personas"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("generic")
