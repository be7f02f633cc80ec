"""``ptpkit ls``: the objects on the camera, with full paths."""

from __future__ import annotations

import json

import click

from ptpkit.aio.client import Camera
from ptpkit.cli.common import CameraOptions, camera_options, run_camera
from ptpkit.cli.render import object_json
from ptpkit.cli.select import contents, resolve

__all__ = ["ls"]


@click.command()
@camera_options
@click.argument("paths", nargs=-1, metavar="[NAME|PATH|PATTERN]...")
@click.option("-l", "long", is_flag=True, help="Long listing: size, date, format, handle.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of the objects.")
def ls(cam: CameraOptions, paths: tuple[str, ...], long: bool, as_json: bool) -> None:
    """List the objects on the camera, with full paths: everything, or what each NAME,
    PATH or PATTERN names (a folder or storage: everything below it; an empty one lists
    nothing)."""

    async def body(camera: Camera) -> int:
        if paths:
            targets, listing = await resolve(camera, paths)
            objects = contents(targets, listing)
        else:
            objects = await camera.list_objects(folders=True)
            if not objects and not await camera.storages():  # say why nothing is listed
                hint = camera.dialect.no_storage_hint()
                said = hint or "the camera offers no storage (no card in it?): nothing to list"
                click.echo(f"ptpkit: {said}", err=True)
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
