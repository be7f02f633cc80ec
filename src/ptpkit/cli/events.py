"""``ptpkit events``: the camera's events as they arrive, with names: the new object's
path, the property's name and new value, the storage; ``--json`` gives the same fields.
Ctrl-C, the way to stop it, ends it quietly (exit 130); when the link drops, it
reconnects (:mod:`ptpkit.cli.reconnect`) and goes on."""

from __future__ import annotations

import json
import time
from typing import Any

import click

from ptpkit.aio.client import Camera, CameraEvent, EventsDropped
from ptpkit.cli.common import CameraOptions, camera_options, console, error_console
from ptpkit.cli.properties import words_of
from ptpkit.cli.reconnect import run_reconnecting
from ptpkit.errors import PtpError
from ptpkit.proto.codes import EventCode

__all__ = ["EventNamer", "events"]

TID_NONE = 0xFFFFFFFF

_OBJECT_EVENTS = frozenset(
    {EventCode.ObjectAdded, EventCode.ObjectInfoChanged, EventCode.RequestObjectTransfer}
)
_STORAGE_EVENTS = frozenset(
    {
        EventCode.StoreAdded,
        EventCode.StoreRemoved,
        EventCode.StorageInfoChanged,
        EventCode.StoreFull,
    }
)


class EventNamer:
    """What an event is about, in names: it asks the camera (the object's path, the
    property's new value) and remembers paths, so that ObjectRemoved names the object
    this run saw added."""

    def __init__(self, camera: Camera) -> None:
        self.camera = camera
        self.words = words_of(camera)
        self.paths: dict[int, str] = {}

    async def fields(self, event: CameraEvent | EventsDropped) -> dict[str, Any]:
        if isinstance(event, EventsDropped):
            return {"event": "EventsDropped", "dropped": event.count}
        record: dict[str, Any] = {
            "event": event.name,
            "code": event.code,
            "transaction_id": None if event.transaction_id == TID_NONE else event.transaction_id,
            "params": list(event.params),
            "source": event.source,  # "channel", or "poll" (a vendor's polled events)
        }
        if event.detail:  # a vendor record's words: a file name, "iso = 400"
            record["detail"] = event.detail
        first = event.params[0] if event.params else None
        if first is None:
            return record
        code = self.camera.dialect.standard_event(event.code)  # a vendor's ObjectAdded...
        try:
            if code in _OBJECT_EVENTS:
                obj = await self.camera.object_at(first)
                self.paths[first] = obj.path
                record["path"] = obj.path
                record["folder"] = obj.is_folder
            elif code == EventCode.ObjectRemoved:
                record["path"] = self.paths.pop(first, None)
            elif code == EventCode.DevicePropChanged:
                record["property"] = self.camera.dialect.code_name("property", first)
                value = await self.camera.get_property(first)
                record["value"] = list(value) if isinstance(value, tuple) else value
                record["value_text"] = self.words(first, value)
            elif code in _STORAGE_EVENTS:
                record["storage"] = f"store_{first:08x}"
        except PtpError:  # gone again, or the camera will not say: the numbers remain
            pass
        return record


def event_line(record: dict[str, Any]) -> str:
    """One event in words: ``ObjectAdded  /store_00010001/DCIM/100TEST/IMG_0003.JPG``."""
    name = record["event"]
    if name == "EventsDropped":
        return f"{name:<21} {record['dropped']} events were lost (the reader fell behind)"
    if record.get("path"):
        detail = record["path"] + ("/" if record.get("folder") else "")
    elif record.get("property"):
        text = record.get("value_text")
        detail = record["property"] + ("" if text is None else f" = {text}")
    elif record.get("storage"):
        detail = record["storage"]
    elif record.get("detail"):
        detail = record["detail"]
    else:
        detail = " ".join(f"0x{p:08X}" for p in record["params"])
    tid = record.get("transaction_id")
    if tid is not None:
        detail = f"{detail}  (transaction {tid})".strip()
    if record.get("source") == "poll":
        detail = f"{detail}  (polled)".strip()
    return f"{name:<21} {detail}".rstrip()


@click.command()
@camera_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object per event (JSON Lines).")
@click.option("--count", type=click.IntRange(min=1), help="Stop after this many events.")
def events(cam: CameraOptions, as_json: bool, count: int | None) -> None:
    """Print the camera's events as they arrive, with names: the new object's path, the
    property's name and new value (Ctrl-C to stop). When the link drops, ptpkit
    reconnects (waiting longer after each failed attempt) and goes on."""
    seen = 0

    async def body(camera: Camera, reconnected: bool) -> int:
        nonlocal seen
        out = console()
        namer = EventNamer(camera)
        if not as_json and not reconnected:
            error_console().print(
                f"Listening to {camera.camera_name} at {cam.address} (Ctrl-C to stop)",
                highlight=False,
                markup=False,
            )
        async for event in camera.events():
            record = await namer.fields(event)
            if as_json:
                record["time"] = time.time()
                out.file.write(json.dumps(record, ensure_ascii=False) + "\n")
                out.file.flush()
            else:
                stamp = time.strftime("%H:%M:%S")
                out.print(f"{stamp}  {event_line(record)}", markup=False, highlight=False)
            seen += 1
            if count is not None and seen >= count:
                break
        return 0

    run_reconnecting(cam, body)
