"""``ptpkit events`` with names (the object's path, the property's name and new value,
the storage), the same fields in ``--json``, and Ctrl-C ending it quietly with 130."""

from __future__ import annotations

import json
from pathlib import Path

from clitools import Process, address, emulator_for, make_card, wait_for

import ptpkit.sync
from ptpkit.cli.base import EXIT_INTERRUPTED
from ptpkit.emulator import Faults
from ptpkit.proto.codes import DevicePropCode, EventCode


def _handle_of(host: str, port: int, path: str) -> int:
    with ptpkit.sync.connect(host, port) as camera:
        return camera.find(path).handle


def _run_events(tmp_path: Path, *extra: str) -> tuple[list[str], list[str], int]:
    """Start ``ptpkit events`` against an emulator, make the camera announce an object,
    a property change, the object's removal and a full card, stop it with Ctrl-C."""
    with emulator_for([make_card(tmp_path / "card")]) as emu:
        handle = _handle_of(emu.host, emu.port, "DCIM/100TEST/IMG_0002.JPG")
        with ptpkit.sync.connect(emu.host, emu.port) as other:
            other.set_property("whitebalance", 4)  # Daylight: what the event will show
        proc = Process("events", *extra, *address(emu))
        try:
            if not extra:
                proc.wait_for_line("Listening to", stderr=True)
            # with --json nothing is printed before the first event: wait for the session
            assert wait_for(lambda: len(emu.server.links) >= 1)
            for code, params in (
                (EventCode.ObjectAdded, (handle,)),
                (EventCode.DevicePropChanged, (DevicePropCode.WhiteBalance,)),
                (EventCode.ObjectRemoved, (handle,)),
                (EventCode.StoreFull, (0x00010001,)),
            ):
                emu.call(emu.server.inject_event, code, params)
            assert wait_for(lambda: len(proc.out) >= 4), (proc.out, proc.err)
        finally:
            code = proc.interrupt()
    return proc.out, proc.err, code


def test_events_show_names_and_ctrl_c_ends_them_quietly(tmp_path: Path):
    out, err, code = _run_events(tmp_path)
    assert code == EXIT_INTERRUPTED
    assert not [line for line in err if "Listening to" not in line]  # no "interrupted"
    lines = [line.split("  ", 1)[1].strip() for line in out]  # without the time
    path = "/store_00010001/DCIM/100TEST/IMG_0002.JPG"
    assert lines[0] == f"ObjectAdded           {path}"
    assert lines[1] == "DevicePropChanged     WhiteBalance = Daylight"
    assert lines[2] == f"ObjectRemoved         {path}"  # remembered from ObjectAdded
    assert lines[3] == "StoreFull             store_00010001"


def test_events_json_has_the_same_fields(tmp_path: Path):
    out, err, code = _run_events(tmp_path, "--json")
    assert code == EXIT_INTERRUPTED and err == []
    records = [json.loads(line) for line in out]
    path = "/store_00010001/DCIM/100TEST/IMG_0002.JPG"
    assert records[0]["event"] == "ObjectAdded" and records[0]["path"] == path
    assert records[0]["code"] == 0x4002 and records[0]["transaction_id"] is None
    assert records[1]["property"] == "WhiteBalance"
    assert records[1]["value"] == 4 and records[1]["value_text"] == "Daylight"
    assert records[2]["event"] == "ObjectRemoved" and records[2]["path"] == path
    assert records[3]["storage"] == "store_00010001"
    assert all(isinstance(r["time"], float) for r in records)


def test_sync_watch_ends_quietly_on_ctrl_c(tmp_path: Path):
    with emulator_for([make_card(tmp_path / "card")]) as emu:
        proc = Process("sync", str(tmp_path / "photos"), "--watch", *address(emu))
        try:
            proc.wait_for_line("Watching for new pictures")
        finally:
            code = proc.interrupt()
    assert code == EXIT_INTERRUPTED
    assert proc.err == []


def test_sync_watch_fetches_from_a_camera_that_sends_no_events(tmp_path: Path):
    """``--quirk no-events``: nothing announces the new picture, so ``sync --watch``
    looks at the camera's handles when it has heard nothing for a while."""
    photos = tmp_path / "photos"
    faults = Faults(quirks={"no-events"})
    with emulator_for([make_card(tmp_path / "card")], faults=faults) as emu:
        proc = Process("sync", str(photos), "--watch", *address(emu))
        try:
            proc.wait_for_line("Watching for new pictures")
            with ptpkit.sync.connect(emu.host, emu.port) as other:
                [shot] = other.capture()
            proc.wait_for_line(rf"{shot.name}\s", timeout=30)
        finally:
            code = proc.interrupt()
    assert code == EXIT_INTERRUPTED, (proc.out, proc.err)
    got = list(photos.rglob(shot.name))
    assert len(got) == 1 and got[0].stat().st_size == shot.size
    assert sum(shot.name in line for line in proc.out) == 1  # downloaded once
