"""The camera commands: info, ls, get, sync, put, rm, capture, config, events, ping.

Parsing and rendering only; the work is :class:`ptpkit.aio.client.Camera`'s.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import click

from ptpkit.aio.client import (
    Camera,
    CameraObject,
    EventsDropped,
    EventStream,
    NotFoundError,
    object_matcher,
)
from ptpkit.cli.common import CameraOptions, camera_options, console, error_console, run_camera
from ptpkit.cli.render import (
    describe_form,
    device_info_rows,
    event_json,
    event_line,
    human_size,
    object_json,
    pretty_value,
    property_json,
    rate,
    storage_json,
)
from ptpkit.cli.transfers import (
    TransferProgress,
    download_with_progress,
    is_present,
    local_path_for,
    safe_relative,
)
from ptpkit.config import format_guid
from ptpkit.errors import PtpResponseError
from ptpkit.proto.codes import EventCode
from ptpkit.proto.datasets import PtpValue

__all__ = [
    "capture",
    "config",
    "events",
    "get",
    "info",
    "ls",
    "ping",
    "put",
    "rm",
    "sync",
]


# -- info -------------------------------------------------------------------------------
@click.command()
@camera_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def info(cam: CameraOptions, as_json: bool) -> None:
    """Show the camera's DeviceInfo and storages."""

    async def body(camera: Camera) -> int:
        storages = await camera.storages()
        out = console()
        named = camera.dialect.code_name
        if as_json:
            di = camera.device_info
            data = {
                "address": cam.address,
                "camera_name": camera.camera_name,
                "manufacturer": di.manufacturer,
                "model": di.model,
                "device_version": di.device_version,
                "serial_number": di.serial_number,
                "vendor_extension_id": di.vendor_extension_id,
                "dialect": camera.dialect.name,
                "operations": [named("operation", c) for c in di.operations_supported],
                "events": [named("event", c) for c in di.events_supported],
                "properties": [named("property", c) for c in camera.dialect.property_codes()],
                "storages": [storage_json(s) for s in storages],
            }
            out.print_json(json.dumps(data))
            return 0
        from rich.table import Table  # here: loading it costs every command 20 ms

        table = Table(show_header=False, box=None, pad_edge=False)
        table.add_column(style="bold")
        table.add_column(overflow="fold")
        table.add_row("Camera", f"{camera.camera_name} at {cam.address}")
        for key, value in device_info_rows(
            camera.device_info, named, camera.dialect.property_codes()
        ):
            table.add_row(key, value)
        table.add_row("Dialect", f"{camera.dialect.name}: {camera.dialect.summary}")
        table.add_row("Connected as", f"{camera.name} ({format_guid(camera.guid)})")
        out.print(table)
        for store in storages:
            s = store.info
            used = s.max_capacity - s.free_space_in_bytes
            out.print(
                f"[bold]{store.name}[/bold]  {store.label}: "
                f"{human_size(used)} used of {human_size(s.max_capacity)}, "
                f"{human_size(s.free_space_in_bytes)} free"
            )
        return 0

    run_camera(cam, body)


# -- ls -------------------------------------------------------------------------------
@click.command()
@camera_options
@click.argument("path", required=False)
@click.option("-l", "long", is_flag=True, help="Long listing: size, date, format, handle.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of the objects.")
def ls(cam: CameraOptions, path: str | None, long: bool, as_json: bool) -> None:
    """List the objects on the camera (everything, or below PATH), with full paths."""

    async def body(camera: Camera) -> int:
        objects = await camera.list_objects(path or None, folders=True)
        if path and not objects:
            objects = [await camera.find(path)]  # a single file, or NotFoundError
        # Plain text, written as it is: rich would wrap and measure every line of a long
        # card's listing (25 ms for 5,000 objects) for nothing.
        if as_json:
            click.echo(json.dumps([object_json(o) for o in objects], indent=2, ensure_ascii=False))
            return 0
        lines = []
        for obj in objects:
            shown = obj.path + ("/" if obj.is_folder else "")
            if not long:
                lines.append(shown)
                continue
            when = obj.captured
            stamp = when.strftime("%Y-%m-%d %H:%M:%S") if when else "-" * 19
            size = "-" if obj.is_folder else ("?" if obj.size is None else str(obj.size))
            lines.append(f"{size:>12}  {stamp}  {obj.format_name:<12} {obj.handle:>8}  {shown}")
        if lines:
            click.echo("\n".join(lines))
        return 0

    run_camera(cam, body)


# -- get ------------------------------------------------------------------------------
@click.command()
@camera_options
@click.argument("patterns", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(),
    show_default=True,
    help="Directory to download into.",
)
def get(cam: CameraOptions, patterns: tuple[str, ...], output: Path) -> None:
    """Download the objects matching PATTERN… (names or paths, shell wildcards)."""

    async def body(camera: Camera) -> int:
        objects = await camera.list_objects()
        chosen: dict[int, CameraObject] = {}
        for pattern in patterns:
            matcher = object_matcher(pattern)
            matches = [o for o in objects if matcher(o)]
            if not matches:
                raise NotFoundError(f"no object on the camera matches {pattern!r}")
            for obj in matches:
                chosen.setdefault(obj.handle, obj)
        output.mkdir(parents=True, exist_ok=True)
        names: dict[str, str] = {}
        out = console()
        todo = []
        for obj in chosen.values():
            name = safe_relative(obj.name).name
            if name in names:
                error_console().print(
                    f"skipping {obj.path}: same name as {names[name]}", markup=False
                )
                continue
            names[name] = obj.path
            todo.append((obj, output / name))
        total = sum(o.size or 0 for o, _ in todo)
        with TransferProgress(out, total, len(todo), "download") as progress:
            for obj, dest in todo:
                await download_with_progress(camera, obj, dest, obj.path, progress)
        out.print(
            f"Downloaded {progress.files_done} file(s), {human_size(progress.bytes_done)} "
            f"in {progress.elapsed:.2f} s ({rate(progress.bytes_moved, progress.elapsed)})",
            highlight=False,
        )
        return 0

    run_camera(cam, body)


# -- sync -----------------------------------------------------------------------------
class _Mirror:
    """``sync``'s rules: where each object goes, and whether it is already there."""

    def __init__(self, camera: Camera, root: Path) -> None:
        self.camera = camera
        self.root = root
        self.with_storage = False

    async def refresh_storages(self) -> None:
        self.with_storage = len(await self.camera.storages()) > 1

    def path_for(self, obj: CameraObject) -> Path:
        return local_path_for(obj, self.root, with_storage=self.with_storage)

    def label(self, obj: CameraObject) -> str:
        return obj.path if self.with_storage else obj.relative_path

    async def pass_once(self, out_label: str) -> tuple[int, int, int, float]:
        """Download every object not yet here; (downloaded, bytes, present, seconds)."""
        objects = await self.camera.list_objects()
        todo = [(o, self.path_for(o)) for o in objects]
        missing = [(o, p) for o, p in todo if not is_present(o, p)]
        present = len(todo) - len(missing)
        out = console()
        total = sum(o.size or 0 for o, _ in missing)
        if missing:
            out.print(
                f"{out_label} {len(missing)} file(s), {human_size(total)} "
                f"to {self.root}" + (f" ({present} already there)" if present else ""),
                highlight=False,
                markup=False,
            )
        with TransferProgress(out, total, len(missing), "sync") as progress:
            for obj, dest in missing:
                await download_with_progress(self.camera, obj, dest, self.label(obj), progress)
        return progress.files_done, progress.bytes_moved, present, progress.elapsed

    async def one(self, obj: CameraObject) -> None:
        dest = self.path_for(obj)
        if is_present(obj, dest):
            return
        out = console()
        with TransferProgress(out, obj.size or 0, 1, "sync") as progress:
            await download_with_progress(self.camera, obj, dest, self.label(obj), progress)


#: Events after which an object may need downloading: new, or changed (a file that was
#: still being written when it was first announced).
_NEW_DATA_EVENTS = frozenset({EventCode.ObjectAdded, EventCode.ObjectInfoChanged})


async def _watch(mirror: _Mirror, stream: EventStream) -> None:
    camera = mirror.camera
    out = console()
    out.print("Watching for new pictures (Ctrl-C to stop)…", highlight=False)
    async for event in stream:
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
        except PtpResponseError:
            continue  # already gone again
        if obj.is_folder:
            continue
        try:
            await mirror.one(obj)
        except PtpResponseError as exc:
            error_console().print(f"{obj.path}: {exc}", markup=False)


@click.command()
@camera_options
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--watch",
    is_flag=True,
    help="Then stay connected and download each new picture as the camera announces it.",
)
def sync(cam: CameraOptions, directory: Path, watch: bool) -> None:
    """Download everything not yet in DIRECTORY, keeping the camera's folders.

    Files already there with the right size are skipped; an interrupted download
    (a .part file) is resumed. With one storage the tree starts at its root; with
    several, each gets a store_XXXXXXXX folder."""

    async def body(camera: Camera) -> int:
        stream = camera.events() if watch else None  # subscribe before listing
        mirror = _Mirror(camera, directory)
        await mirror.refresh_storages()
        directory.mkdir(parents=True, exist_ok=True)
        done, nbytes, present, seconds = await mirror.pass_once("Syncing")
        out = console()
        if done:
            out.print(
                f"Synced {done} file(s), {human_size(nbytes)} in {seconds:.2f} s "
                f"({rate(nbytes, seconds)}); {present} already there.",
                highlight=False,
            )
        else:
            out.print(f"Up to date: {present} file(s) in {directory}.", highlight=False)
        if stream is not None:
            await _watch(mirror, stream)
        return 0

    run_camera(cam, body)


# -- put ------------------------------------------------------------------------------
@click.command()
@camera_options
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--to", "folder", metavar="FOLDER", help="Folder on the camera (default: root).")
def put(cam: CameraOptions, files: tuple[Path, ...], folder: str | None) -> None:
    """Upload FILE… to the camera, streamed."""

    async def body(camera: Camera) -> int:
        out = console()
        total = sum(f.stat().st_size for f in files)
        with TransferProgress(out, total, len(files), "upload") as progress:
            for path in files:
                size = path.stat().st_size
                progress.start_file(path.name, size)
                obj = await camera.upload(path, folder, progress=progress.update)
                progress.finish_file(f"{path} -> {obj.path}", size)
        return 0

    run_camera(cam, body)


# -- rm -------------------------------------------------------------------------------
@click.command()
@camera_options
@click.argument("paths", nargs=-1, required=True)
@click.option("-r", "--recursive", is_flag=True, help="Also delete folders, with their contents.")
def rm(cam: CameraOptions, paths: tuple[str, ...], recursive: bool) -> None:
    """Delete objects by path (or name pattern) from the camera."""

    async def body(camera: Camera) -> int:
        objects: list[CameraObject] | None = None
        targets: dict[int, CameraObject] = {}
        for path in paths:
            if any(c in path for c in "*?["):
                if objects is None:
                    objects = await camera.list_objects(folders=True)
                matcher = object_matcher(path)
                found = [o for o in objects if matcher(o)]
                if not found:
                    raise NotFoundError(f"no object on the camera matches {path!r}")
            else:
                found = [await camera.find(path)]
            for obj in found:
                targets.setdefault(obj.handle, obj)
        folders = [o.path for o in targets.values() if o.is_folder]
        if folders and not recursive:
            raise click.UsageError(
                f"{folders[0]} is a folder: add -r to delete it and its contents"
            )
        out = console()
        for obj in targets.values():
            await camera.delete(obj)
            out.print(f"deleted {obj.path}", markup=False, highlight=False)
        return 0

    run_camera(cam, body)


# -- capture ----------------------------------------------------------------------------
@click.command()
@camera_options
@click.option(
    "--download",
    "download_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Download each new picture into this directory.",
)
@click.option("--count", type=click.IntRange(min=1), default=1, show_default=True)
@click.option(
    "--interval", type=click.FloatRange(min=0), default=0.0, help="Seconds between captures."
)
@click.option(
    "--capture-timeout",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="Seconds to wait for each capture to complete.",
)
@click.option(
    "--target",
    type=click.Choice(["card", "memory"]),
    help="Where the camera keeps the picture, when it lets us choose (a Nikon's SDRAM is "
    "'memory': freed once downloaded). Default: memory with --download, else card.",
)
def capture(
    *,
    cam: CameraOptions,
    download_dir: Path | None,
    count: int,
    interval: float,
    capture_timeout: float,
    target: str | None,
) -> None:
    """Take pictures (InitiateCapture, or the vendor's way) and show, or download, what the
    camera stored."""

    async def body(camera: Camera) -> int:
        out = console()
        chosen = target or ("card" if download_dir is None else "memory")
        camera.dialect.capture_target = "memory" if chosen == "memory" else "card"
        for shot in range(count):
            if shot and interval:
                await asyncio.sleep(interval)
            objects = await camera.capture(capture_timeout)
            if not objects:
                out.print("captured (the camera announced no new object)", highlight=False)
            for obj in objects:
                if download_dir is None:
                    out.print(f"captured {obj.path}  {human_size(obj.size)}", highlight=False)
                    continue
                dest = await camera.download(obj, download_dir / safe_relative(obj.name))
                out.print(
                    f"captured {obj.path} -> {dest}  {human_size(dest.stat().st_size)}",
                    highlight=False,
                    markup=False,
                )
        return 0

    if download_dir is not None:
        download_dir.mkdir(parents=True, exist_ok=True)
    run_camera(cam, body)


# -- config ---------------------------------------------------------------------------
@click.command()
@camera_options
@click.argument("name", required=False)
@click.argument("value", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def config(cam: CameraOptions, name: str | None, value: str | None, as_json: bool) -> None:
    """List the camera's properties, show one (NAME), or set it (NAME VALUE).

    NAME is a property name in any case (batterylevel, ImageSize, exposure_time) or a
    code (0x5001). VALUE is a number (0x.. allowed), text, or a comma list for arrays."""

    async def body(camera: Camera) -> int:
        out = console()
        dialect = camera.dialect

        def shown(code: int, value: PtpValue) -> str:
            return dialect.format_value(code, value) or pretty_value(code, value)

        if name is None:
            descs = await camera.properties()
            if as_json:
                out.print_json(json.dumps([property_json(d, dialect.code_name) for d in descs]))
                return 0
            from rich.table import Table

            table = Table(box=None, pad_edge=False)
            for column in ("property", "code", "value", "type", "access", "allowed"):
                table.add_column(column, overflow="fold")
            for d in descs:
                table.add_row(
                    dialect.code_name("property", d.device_prop_code),
                    f"0x{d.device_prop_code:04X}",
                    shown(d.device_prop_code, d.current_value),
                    d.data_type.name,
                    "rw" if d.get_set else "r",
                    describe_form(d, shown),
                )
            out.print(table)
            return 0
        code = camera.property_code(name)
        if value is not None:
            await camera.set_property(code, value)
        desc = await camera.describe_property(code)
        if as_json:
            out.print_json(json.dumps(property_json(desc, dialect.code_name)))
            return 0
        label = dialect.code_name("property", code)
        out.print(f"{label} = {shown(code, desc.current_value)}", markup=False, highlight=False)
        out.print(
            f"  type {desc.data_type.name}, {'read-write' if desc.get_set else 'read-only'}, "
            f"default {shown(code, desc.factory_default_value)}",
            markup=False,
            highlight=False,
        )
        allowed = describe_form(desc, shown)
        if allowed:
            out.print(f"  allowed: {allowed}", markup=False, highlight=False)
        return 0

    run_camera(cam, body)


# -- events ---------------------------------------------------------------------------
@click.command()
@camera_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object per event (JSON Lines).")
@click.option("--count", type=click.IntRange(min=1), help="Stop after this many events.")
def events(cam: CameraOptions, as_json: bool, count: int | None) -> None:
    """Print the camera's events as they arrive (Ctrl-C to stop)."""

    async def body(camera: Camera) -> int:
        out = console()
        seen = 0
        if not as_json:
            error_console().print(
                f"Listening to {camera.camera_name} at {cam.address} (Ctrl-C to stop)",
                highlight=False,
            )
        async for event in camera.events():
            stamp = time.strftime("%H:%M:%S")
            if as_json:
                record = event_json(event)
                record["time"] = time.time()
                out.file.write(json.dumps(record) + "\n")
                out.file.flush()
            else:
                out.print(f"{stamp}  {event_line(event)}", markup=False, highlight=False)
            seen += 1
            if count is not None and seen >= count:
                break
        return 0

    run_camera(cam, body)


# -- ping -----------------------------------------------------------------------------
@click.command()
@camera_options
@click.option("--count", "-c", type=click.IntRange(min=1), default=4, show_default=True)
@click.option("--interval", "-i", type=click.FloatRange(min=0), default=0.5, show_default=True)
def ping(cam: CameraOptions, count: int, interval: float) -> None:
    """Check that the camera answers: PTP/IP probes on the event connection."""

    async def body(camera: Camera) -> int:
        out = console()
        times = []
        for seq in range(count):
            if seq and interval:
                await asyncio.sleep(interval)
            rtt = await camera.ping()
            times.append(rtt * 1000)
            out.print(
                f"probe reply from {cam.address} ({camera.camera_name}): "
                f"seq={seq + 1} time={rtt * 1000:.2f} ms",
                highlight=False,
                markup=False,
            )
        start = time.perf_counter()
        await camera.get_device_info()
        op_ms = (time.perf_counter() - start) * 1000
        out.print(
            f"{count} probes answered: min/avg/max = {min(times):.2f}/"
            f"{sum(times) / len(times):.2f}/{max(times):.2f} ms; "
            f"GetDeviceInfo took {op_ms:.2f} ms",
            highlight=False,
        )
        return 0

    run_camera(cam, body)
