"""``ptpkit sync DIR``: mirror the camera into a folder, and with ``--watch`` stay and
fetch each new picture (tethered shooting); ``--new`` only what no earlier ``--new`` run
has seen. ``--watch`` reconnects when the link drops (:mod:`ptpkit.cli.reconnect`) and
catches up with a full pass, which fetches nothing twice."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import click

from ptpkit.aio.client import Camera, CameraObject, EventsDropped, EventStream
from ptpkit.cli.base import shorten
from ptpkit.cli.common import CameraOptions, camera_options, console, error_console, run_camera
from ptpkit.cli.download import download_options, make_options
from ptpkit.cli.reconnect import run_reconnecting
from ptpkit.cli.render import human_size
from ptpkit.cli.transfers import DownloadOptions, Downloads, Outcome, local_path_for
from ptpkit.errors import PtpError, PtpResponseError, TransportError
from ptpkit.localfiles import make_dirs, place
from ptpkit.proto.codes import EventCode

__all__ = ["STATE_FILE", "sync"]

#: What ``sync --new`` has seen, kept in the synced folder.
STATE_FILE = ".ptpkit-sync.json"


class _Seen:
    """The objects earlier ``--new`` runs have seen (downloaded, or found there)."""

    def __init__(self, root: Path, camera: Camera) -> None:
        self.path = root / STATE_FILE
        info = camera.device_info
        self.camera_id = f"{info.manufacturer}|{info.model}|{info.serial_number}"
        self.keys: set[str] = set()
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and isinstance(data.get("seen"), list):
                self.keys = {k for k in data["seen"] if isinstance(k, str)}
        except (OSError, ValueError):
            pass

    def key(self, obj: CameraObject) -> str:
        when = obj.captured.isoformat() if obj.captured else ""
        return f"{self.camera_id}|{obj.path}|{obj.size}|{when}"

    def __contains__(self, obj: CameraObject) -> bool:
        return self.key(obj) in self.keys

    def add(self, objects: list[CameraObject]) -> None:
        self.keys.update(self.key(o) for o in objects)
        temp = self.path.with_name(self.path.name + ".tmp")
        temp.write_text(json.dumps({"version": 1, "seen": sorted(self.keys)}), encoding="utf-8")
        temp.replace(self.path)


class _Mirror:
    """``sync``'s rules: where each object goes, and what a pass downloads."""

    def __init__(
        self, camera: Camera, root: Path, options: DownloadOptions, only_new: bool
    ) -> None:
        self.camera = camera
        self.root = root
        self.options = options
        self.with_storage = False
        self.seen = _Seen(root, camera) if only_new else None
        self.number = 0  # files named so far, for --filename's %n across passes
        self.known: set[int] = set()  # the handles seen by the last listing or poll

    async def refresh_storages(self) -> None:
        self.with_storage = len(await self.camera.storages()) > 1

    def label(self, obj: CameraObject) -> str:
        return obj.path if self.with_storage else obj.relative_path

    async def download(self, objects: list[CameraObject], headline: str | None) -> Outcome:
        """Download what of ``objects`` is not here yet (a new run of names: the same
        objects get the same paths each time)."""
        runner = Downloads(self.camera, self.options, console())
        runner.number = self.number
        if self.seen is not None:
            objects = [o for o in objects if o not in self.seen]
        items = []
        for obj in sorted(objects, key=lambda o: (o.path, o.handle)):
            rel = self.label(obj)
            if self.options.template is not None:
                dest = runner.destination(obj, self.root, rel)
            else:
                dest = local_path_for(obj, self.root, with_storage=self.with_storage)
            items.append((obj, dest, rel))
        taken: set[Path] = set()
        todo, present = 0, 0
        for obj, dest, _ in items:
            placement = place(dest, obj.size, obj.modified, self.options.existing, taken)
            taken.add(placement.path)
            todo += placement.action == "download"
            present += placement.action == "present"
        if todo and headline:
            total = sum(o.size or 0 for o, _, _ in items)
            console().print(
                f"{headline} {todo} file(s) to {self.root}"
                + (f" ({present} already there)" if present else "")
                + f"; {human_size(total)} on the camera",
                highlight=False,
                markup=False,
            )
        self.number = runner.number
        outcome = await runner.run(items, "sync")
        if self.seen is not None:
            failed = {path for path, _ in outcome.failures}
            self.seen.add([o for o, _, _ in items if o.path not in failed])
        return outcome

    async def pass_once(self, headline: str) -> Outcome:
        objects = await self.camera.list_objects()
        self.known = {o.handle for o in objects}
        return await self.download(objects, headline)

    async def poll(self) -> None:
        """For a camera that announces nothing: download the objects whose handles
        appeared since the last look (one GetObjectHandles)."""
        try:
            handles = set(await self.camera.get_object_handles())
        except PtpResponseError:
            return  # it cannot list them all at once (no storage, say)
        new = sorted(handles - self.known)
        self.known = handles
        objects = []
        for handle in new:
            try:
                obj = await self.camera.object_at(handle)
            except PtpResponseError:
                continue  # already gone again
            if not obj.is_folder:
                objects.append(obj)
        if objects:
            _report(await self.download(objects, None))


#: Events after which an object may need downloading: new, or changed (a file that was
#: still being written when it was first announced).
_NEW_DATA_EVENTS = frozenset({EventCode.ObjectAdded, EventCode.ObjectInfoChanged})

#: Seconds without an event after which ``--watch`` compares the camera's handles with
#: the last ones (cameras that send no events; a cheap check on those that do).
_POLL_INTERVAL = 3.0


async def _watch(mirror: _Mirror, stream: EventStream, *, announce: bool = True) -> None:
    camera = mirror.camera
    out = console()
    if announce:
        out.print("Watching for new pictures (Ctrl-C to stop)…", highlight=False)
    while True:
        try:  # a camera that sends no events is looked at every _POLL_INTERVAL s instead
            event = await asyncio.wait_for(stream.__anext__(), _POLL_INTERVAL)
        except asyncio.TimeoutError:
            await mirror.poll()
            continue
        except StopAsyncIteration:
            return
        if isinstance(event, EventsDropped):
            await mirror.pass_once("Catching up:")  # events were lost: compare everything
            continue
        if event.code in (EventCode.StoreAdded, EventCode.StoreRemoved):
            await mirror.refresh_storages()
            continue
        if event.code not in _NEW_DATA_EVENTS or not event.params:
            continue
        try:
            obj = await camera.object_at(event.params[0])
        except TransportError:
            raise
        except PtpError:
            continue  # already gone again
        if obj.is_folder:
            continue
        mirror.known.add(obj.handle)
        _report(await mirror.download([obj], None))


def _report(outcome: Outcome) -> None:
    for path, exc in outcome.failures:
        error_console().print(f"{shorten(path)}: {exc}", markup=False, highlight=False)


@click.command()
@camera_options
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--watch",
    is_flag=True,
    help="Then stay connected and download each new picture as the camera announces it "
    "(Ctrl-C to stop).",
)
@click.option(
    "--new",
    "only_new",
    is_flag=True,
    help=f"Only files no earlier --new run has seen, even if moved away since (kept in "
    f"DIRECTORY/{STATE_FILE}).",
)
@download_options()
def sync(
    *,
    cam: CameraOptions,
    directory: Path,
    watch: bool,
    only_new: bool,
    existing: str | None,
    template: str | None,
    hook: str | None,
    delete_after: bool,
) -> None:
    """Download everything not yet in DIRECTORY, keeping the camera's folders (or naming
    files with --filename).

    A complete copy already there is skipped; an interrupted download (a .part file) is
    resumed when it provably holds the same object. A different file already there is
    kept, and the camera's file saved beside it as NAME-2.EXT (--overwrite replaces it,
    --skip-existing leaves it). With one storage the tree starts at its root; with
    several, each gets a store_XXXXXXXX folder. One file that fails is reported and the
    others go on; the exit status is then that of the first failure."""
    options = make_options(existing, template, hook, delete_after)
    number = 0  # files named so far (--filename's %n), kept across reconnects

    async def body(camera: Camera, reconnected: bool) -> int:
        nonlocal number
        stream = camera.events() if watch else None  # subscribe before listing
        make_dirs(directory)
        mirror = _Mirror(camera, directory, options, only_new)
        mirror.number = number
        await mirror.refresh_storages()
        # After a reconnect: whatever came while the link was down (what is here already,
        # a finished file or a .part to resume, is not fetched again).
        try:
            outcome = await mirror.pass_once("Catching up:" if reconnected else "Syncing")
        finally:
            number = mirror.number
        out = console()
        if outcome.downloaded or outcome.failures or outcome.kept:
            out.print(outcome.summary("Synced"), highlight=False, markup=False)
        elif not reconnected:
            out.print(
                f"Up to date: {outcome.present} file(s) in {directory}.",
                highlight=False,
                markup=False,
            )
        if stream is not None:
            try:
                await _watch(mirror, stream, announce=not reconnected)
            finally:
                number = mirror.number
        return outcome.exit_code

    if watch:  # stays with the camera through Wi-Fi drops
        run_reconnecting(cam, body)
    else:
        run_camera(cam, lambda camera: body(camera, False))
