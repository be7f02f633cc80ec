"""The Nikon dialect against the nikon persona, on loopback (issue 13, "Done when" 3).

``ptpkit info | ls | get | capture --download | config | events`` through the command
line; the library's capture to SDRAM and to the card, vendor properties by name, events
that arrive by GetEvent polling (``source == "poll"``), the choice of the dialect from
Manufacturer alone, the OpenSession retry with the connection number; and ``ptpkit
dissect`` of a session recorded by a TCP proxy, which must name every Nikon operation
and event in it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import dpkt
import pytest
from cli_helpers import address, jpeg, run
from cli_helpers import invoke as invoke_cli
from click.testing import CliRunner, Result
from PIL import Image

import ptpkit
from ptpkit.cli.demo import EmulatorThread
from ptpkit.cli.main import main
from ptpkit.dialects import NikonDialect
from ptpkit.emulator import serve
from ptpkit.emulator.personas.nikon import NIKON, NIKON_DEVICE, NikonCamera
from ptpkit.proto.codes import EventCode
from ptpkit.proto.vendors.nikon import SDRAM_OBJECT, NikonEventCode, NikonOperationCode


@pytest.fixture
def card(tmp_path: Path) -> Path:
    root = tmp_path / "card"
    jpeg(root / "DCIM" / "100NIKON" / "DSC_0001.JPG", (200, 10, 10))
    jpeg(root / "DCIM" / "100NIKON" / "DSC_0002.JPG", (10, 200, 10))
    return root


@pytest.fixture
def emulator(card: Path) -> Iterator[EmulatorThread]:
    with EmulatorThread([card], persona="nikon", writable=True, rescan_interval=None) as emu:
        yield emu


def invoke(emu: EmulatorThread, *args: str) -> Result:
    """``ptpkit COMMAND -H HOST -p PORT ARGS``, which must succeed."""
    result = invoke_cli(args[0], *address(emu), *args[1:])
    assert result.exit_code == 0, result.output
    return result


# -- the command line ---------------------------------------------------------------------------
def test_cli_info_ls_get(emulator: EmulatorThread, card: Path, tmp_path: Path) -> None:
    out = invoke(emulator, "info").output
    assert "Dialect" in out and "nikon" in out
    assert "Nikon Corporation" in out and "Z 6" in out
    assert "GetEvent" in out and "InitiateCaptureRecInMedia" in out  # Nikon's names
    assert "ColorSpace" in out and "RecordingMedia" in out  # the 0x90CA properties
    info = json.loads(invoke(emulator, "info", "--json").output)
    assert info["dialect"] == "nikon" and "ObjectAddedInSDRAM" in info["events"]

    listing = invoke(emulator, "ls").output.split()
    assert "/store_00010001/DCIM/100NIKON/DSC_0001.JPG" in listing

    dest = tmp_path / "got"
    invoke(emulator, "get", "DSC_*.JPG", "-o", str(dest))
    for name in ("DSC_0001.JPG", "DSC_0002.JPG"):
        original = (card / "DCIM" / "100NIKON" / name).read_bytes()
        assert next(dest.rglob(name)).read_bytes() == original


def test_cli_capture_download_uses_sdram(emulator: EmulatorThread, tmp_path: Path) -> None:
    shots = tmp_path / "shots"
    out = invoke(emulator, "capture", "--download", str(shots)).output
    assert "captured /DSC_" in out, out
    (picture,) = shots.iterdir()
    with Image.open(picture) as im:
        assert im.format == "JPEG" and im.size == (1920, 1080)
    camera = emulator.server.camera
    assert isinstance(camera, NikonCamera) and camera.sdram is None  # freed after download
    out = invoke(emulator, "capture").output  # no download: to the card
    assert "captured /store_00010001/" in out


def test_cli_config_names_and_human_values(emulator: EmulatorThread) -> None:
    out = invoke(emulator, "config").output
    assert "ColorSpace" in out and "sRGB" in out and "AdobeRGB" in out
    out = invoke(emulator, "config", "colorspace", "AdobeRGB").output
    assert "ColorSpace = AdobeRGB" in out
    out = invoke(emulator, "config", "recordingmedia").output
    assert "RecordingMedia = SDRAM" in out and "allowed: Card, SDRAM" in out
    out = invoke(emulator, "config", "iso", "400").output
    assert "ExposureIndex = 400" in out
    data = json.loads(invoke(emulator, "config", "focusmode2", "--json").output)
    assert data["name"] == "AutofocusMode" and data["code"] == 0xD161


def test_cli_events_arrive_by_polling(emulator: EmulatorThread) -> None:
    def later() -> None:
        time.sleep(0.5)
        emulator.call(emulator.server.inject_event, EventCode.StoreFull, (0x00010001,))

    thread = threading.Thread(target=later)
    thread.start()
    try:
        out = invoke(emulator, "events", "--json", "--count", "1").output
    finally:
        thread.join()
    record = json.loads(out.splitlines()[-1])
    assert record["event"] == "StoreFull" and record["source"] == "poll"


# -- the library --------------------------------------------------------------------------------
def test_capture_to_sdram_and_card(card: Path, tmp_path: Path) -> None:
    async def main() -> None:
        async with (
            serve(card, persona="nikon", writable=True, rescan_interval=None) as server,
            ptpkit.connect(*server.address) as camera,
        ):
            assert isinstance(camera.dialect, NikonDialect)
            assert camera.dialect.polls_events
            (shot,) = await camera.capture(10)
            assert shot.handle == SDRAM_OBJECT and shot.path.startswith("/DSC_")
            assert shot.storage_id == 0 and shot.parent == 0
            path = await camera.download(shot, tmp_path)
            assert path.stat().st_size == shot.size
            nikon = server.camera
            assert isinstance(nikon, NikonCamera) and nikon.sdram is None
            camera.dialect.capture_target = "card"
            (stored,) = await camera.capture(10)
            assert stored.path.startswith("/store_00010001/") and not stored.is_folder
            assert (await camera.find(stored.path)).handle == stored.handle

    run(main())


def test_events_arrive_by_polling(card: Path) -> None:
    async def main() -> None:
        async with (
            serve(card, persona="nikon", rescan_interval=None) as server,
            ptpkit.connect(*server.address) as camera,
            camera.events(maxsize=100) as stream,
        ):
            server.inject_event(EventCode.DevicePropChanged, (0x5001,))
            event = await stream.get(5)
            assert not isinstance(event, ptpkit.EventsDropped)
            assert event.code == EventCode.DevicePropChanged and event.source == "poll"
            assert camera.dialect.polls_work  # the event channel is no longer listened to
            # a vendor event is named by the vendor
            server.inject_event(NikonEventCode.CaptureCompleteRecInSdram, ())
            event = await stream.get(5)
            assert not isinstance(event, ptpkit.EventsDropped)
            assert event.name == "CaptureCompleteRecInSdram" and event.source == "poll"

    run(main())


def test_vendor_properties_and_operations(card: Path) -> None:
    async def main() -> None:
        async with (
            serve(card, persona="nikon", rescan_interval=None) as server,
            ptpkit.connect(*server.address) as camera,
        ):
            dialect = camera.dialect
            assert isinstance(dialect, NikonDialect)
            assert 0xD032 in dialect.vendor_properties
            assert 0xD032 in [d.device_prop_code for d in await camera.properties()]
            await camera.set_property("colorspace", "AdobeRGB")
            assert await camera.get_property(0xD032) == 1
            assert dialect.format_value(0xD032, 1) == "AdobeRGB"
            assert dialect.parse_value(0xD10B, "sdram") == 1
            assert camera.property_code("f-number") == 0x5007
            assert await dialect.device_ready() == 0x2001
            await dialect.start_live_view()
            frame = await dialect.get_live_view_image()
            assert frame.frame().startswith(b"\xff\xd8")
            await dialect.end_live_view()
            # the change of ColorSpace waited in the queue: nobody was listening
            events = (await dialect.get_event()).events
            assert [(e.code, e.param) for e in events] == [(EventCode.DevicePropChanged, 0xD032)]
            assert (await dialect.get_event()).events == ()

    run(main())


def test_dialect_chosen_by_manufacturer(card: Path) -> None:
    """A Z 8 reports MTP's 0xFFFFFFFF and "Nikon Corporation" (dialects.md §1.2)."""
    z8 = dataclasses.replace(
        NIKON,
        description=dataclasses.replace(NIKON_DEVICE, vendor_extension_id=0xFFFFFFFF),
    )

    async def main() -> None:
        async with serve(card, persona=z8, model="Z 8", rescan_interval=None) as server:
            async with ptpkit.connect(*server.address) as camera:
                assert camera.dialect.name == "nikon"
            async with ptpkit.connect(*server.address, dialect="generic") as camera:
                assert camera.dialect.name == "generic"
                assert not camera.dialect.polls_events

    run(main())


def test_open_session_retried_with_the_connection_number(card: Path) -> None:
    async def main() -> None:
        async with serve(card, persona="nikon", rescan_interval=None) as server:
            nikon = server.camera
            assert isinstance(nikon, NikonCamera)
            async with ptpkit.connect(*server.address):
                pass  # connection 1: session id 1 is its number anyway
            nikon.session_id_is_connection_number = True
            async with ptpkit.connect(*server.address) as camera:
                # connection 2 was dropped on OpenSession(1); connection 3 opened with 3
                assert camera.connection_number == 3 and camera.session_id == 3
                assert camera.dialect.name == "nikon"
            async with ptpkit.connect(*server.address, session_id="connection") as camera:
                assert camera.session_id == camera.connection_number == 4
            with pytest.raises(ptpkit.ConnectionLost):
                await ptpkit.connect(*server.address, retry_session_id=False)

    run(main())


# -- dissect of a recorded session ----------------------------------------------------------------
class Recorder:
    """A TCP proxy in front of the emulator that keeps every byte, in order, per
    connection and direction; :meth:`write_pcap` turns that into a capture."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.log: list[tuple[int, bool, bytes]] = []  # (connection, to the camera?, bytes)
        self.connections = 0
        self.server: asyncio.Server | None = None
        self.tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> tuple[str, int]:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        host, port = self.server.sockets[0].getsockname()[:2]
        return host, port

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        number = self.connections
        self.connections += 1
        up_reader, up_writer = await asyncio.open_connection(*self.target)

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter, up: bool) -> None:
            while data := await src.read(1 << 16):
                self.log.append((number, up, data))
                dst.write(data)
                await dst.drain()
            dst.close()

        await asyncio.gather(pump(reader, up_writer, True), pump(up_reader, writer, False))

    async def close(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    def write_pcap(self, path: Path, port: int = 15740) -> Path:
        camera, client = b"\x0a\x00\x00\x01", b"\x0a\x00\x00\x02"
        seqs: dict[tuple[int, bool], int] = {}
        frames: list[bytes] = []

        def frame(number: int, up: bool, data: bytes, flags: int) -> bytes:
            ends = ((client, 50000 + number), (camera, port))
            src, dst = ends if up else ends[::-1]
            seq = seqs.setdefault((number, up), 1000)
            ack = seqs.setdefault((number, not up), 1000)
            tcp = dpkt.tcp.TCP(sport=src[1], dport=dst[1], seq=seq, ack=ack, flags=flags, data=data)
            seqs[(number, up)] = seq + len(data) + (1 if flags & dpkt.tcp.TH_SYN else 0)
            ip = dpkt.ip.IP(src=src[0], dst=dst[0], p=dpkt.ip.IP_PROTO_TCP, data=tcp)
            return bytes(dpkt.ethernet.Ethernet(type=dpkt.ethernet.ETH_TYPE_IP, data=ip))

        opened: set[int] = set()
        for number, up, data in self.log:
            if number not in opened:
                opened.add(number)
                frames.append(frame(number, True, b"", dpkt.tcp.TH_SYN))
                frames.append(frame(number, False, b"", dpkt.tcp.TH_SYN | dpkt.tcp.TH_ACK))
            for start in range(0, len(data), 1400):
                frames.append(frame(number, up, data[start : start + 1400], dpkt.tcp.TH_ACK))
        with path.open("wb") as f:
            writer = dpkt.pcap.Writer(f, snaplen=262144)
            for index, raw in enumerate(frames):
                writer.writepkt(raw, ts=1_700_000_000 + index / 1000)
        return path


def test_dissect_names_every_nikon_operation_and_event(card: Path, tmp_path: Path) -> None:
    async def session() -> Recorder:
        async with serve(card, persona="nikon", writable=True, rescan_interval=None) as server:
            recorder = Recorder(server.address)
            address = await recorder.start()
            async with ptpkit.connect(*address) as camera:
                (shot,) = await camera.capture(10)
                await camera.download(shot, tmp_path)
                await camera.set_property("colorspace", "AdobeRGB")
                dialect = camera.dialect
                assert isinstance(dialect, NikonDialect)
                await dialect.start_live_view()
                await dialect.get_live_view_image()
            await recorder.close()
            return recorder

    recorder = run(session())
    pcap = recorder.write_pcap(tmp_path / "nikon.pcap")
    result = CliRunner().invoke(main, ["dissect", str(pcap), "--json"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.splitlines()]
    assert not [r for r in records if "error" in r]
    requests = [r for r in records if r["type_name"] == "OperationRequest"]
    vendor_ops = {r["code"]: r["code_name"] for r in requests if r["code"] >= 0x9000}
    # every Nikon operation of the session is named, as gphoto2 names it
    assert vendor_ops == {op.value: op.name for op in map(NikonOperationCode, vendor_ops)}
    assert set(vendor_ops) >= {
        NikonOperationCode.GetVendorPropCodes,
        NikonOperationCode.ChangeCameraMode,
        NikonOperationCode.InitiateCaptureRecInMedia,
        NikonOperationCode.DeviceReady,
        NikonOperationCode.GetEvent,
        NikonOperationCode.StartLiveView,
        NikonOperationCode.GetLiveViewImg,
        NikonOperationCode.EndLiveView,
    }
    # every event in GetEvent's data is decoded and named
    datasets = [r["dataset"] for r in records if "dataset" in r]
    events = [e for d in datasets if d["type"] == "NikonEventList" for e in d["events"]]
    assert {e["name"] for e in events} >= {"ObjectAddedInSDRAM", "CaptureCompleteRecInSdram"}
    assert all(not e["name"].startswith("0x") for e in events), events
    # and Nikon's properties by their names
    codes = [d for d in datasets if d["type"] == "NikonVendorPropCodes"]
    assert codes and 0xD032 in codes[0]["codes"]
    props = {d["device_prop_name"] for d in datasets if d["type"].startswith("DeviceProp")}
    assert "ColorSpace" in props
    table = CliRunner().invoke(main, ["dissect", str(pcap)]).output
    assert "NikonEventList: 1 [ObjectAddedInSDRAM(0xFFFF0001)]" in table
    assert "DevicePropDesc: ColorSpace UINT8" in table
