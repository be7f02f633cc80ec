"""The commands that change the camera's card: ``put`` (upload), ``rm`` (delete, after
showing what and asking) and ``mkdir``."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from ptpkit.aio.client import Camera, CameraObject
from ptpkit.cli.base import shorten
from ptpkit.cli.common import CameraOptions, camera_options, console, run_camera
from ptpkit.cli.progress import TransferProgress
from ptpkit.cli.select import resolve
from ptpkit.errors import NotFoundError, NotSupportedError

__all__ = ["mkdir", "put", "rm"]


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
@click.argument("names", nargs=-1, required=True, metavar="NAME|PATH|PATTERN...")
@click.option("-r", "--recursive", is_flag=True, help="Also delete folders, with their contents.")
@click.option("-n", "--dry-run", is_flag=True, help="Show what would be deleted; delete nothing.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask before deleting several objects.")
def rm(
    cam: CameraOptions, names: tuple[str, ...], recursive: bool, dry_run: bool, yes: bool
) -> None:
    """Delete objects from the camera, named as for `ls` and `get` (a name anywhere on the
    card, a path, or a pattern). Shows what it will delete, and asks first when that is
    more than one object (--yes does not ask)."""

    async def body(camera: Camera) -> int:
        targets, listing = await resolve(camera, names)
        storages = [t.path for t in targets if t.obj is None]
        if storages:
            raise click.UsageError(
                f"{storages[0]} is a whole storage: name the folders or files in it"
            )
        folders = [t for t in targets if t.is_folder]
        if folders and not recursive:
            raise click.UsageError(
                f"{shorten(folders[0].path)} is a folder: add -r to delete it and its contents"
            )
        chosen = [t.obj for t in targets if t.obj is not None]
        # A folder's contents go with it: nothing inside a chosen folder is deleted twice.
        top = [o for o in chosen if not any(f.holds(o) for f in folders)]
        inside = {o.handle: o for f in folders for o in listing if f.holds(o)}
        count = len(top) + len(inside)
        out = console()
        for obj in top:
            below = sum(1 for o in inside.values() if o.path.startswith(obj.path + "/"))
            extra = f" (a folder, with the {below} objects in it)" if obj.is_folder else ""
            verb = "would delete" if dry_run else "to delete:"
            out.print(f"{verb} {obj.path}{extra}", markup=False, highlight=False)
        if dry_run:
            out.print(f"{count} object(s) would be deleted (dry run).", highlight=False)
            return 0
        if count > 1 and not yes and not await _confirm(f"Delete these {count} objects?"):
            out.print("Nothing deleted.", highlight=False)
            return 1
        for obj in top:
            await camera.delete(obj)
            out.print(f"deleted {obj.path}", markup=False, highlight=False)
        return 0

    run_camera(cam, body)


async def _confirm(question: str) -> bool:
    """Ask on the terminal (in a thread: the connection stays served meanwhile); an
    answer that is not yes, or no answer at all (end of input), is no."""

    def ask() -> bool:
        try:
            return bool(click.confirm(question, default=False, err=True))
        except click.Abort:
            return False

    return await asyncio.to_thread(ask)


# -- mkdir --------------------------------------------------------------------------------
@click.command()
@camera_options
@click.argument("paths", nargs=-1, required=True, metavar="FOLDER...")
def mkdir(cam: CameraOptions, paths: tuple[str, ...]) -> None:
    """Create folders on the camera (and any missing parents), e.g. DCIM/200PTPKT or
    /store_00010001/DCIM/200PTPKT."""

    async def body(camera: Camera) -> int:
        out = console()
        for path in paths:
            try:
                folder: CameraObject = await camera.find(path)
                verb = "exists:" if folder.is_folder else "exists, and is not a folder:"
            except NotFoundError:
                folder, verb = await _mkdir(camera, path), "created"
            if not folder.is_folder:
                raise NotFoundError(f"{shorten(folder.path)} exists and is not a folder")
            out.print(f"{verb} {folder.path}", markup=False, highlight=False)
        return 0

    run_camera(cam, body)


async def _mkdir(camera: Camera, path: str) -> CameraObject:
    """Create the folder ``path``; a camera that takes no new objects (no SendObjectInfo,
    which a folder is created with) is refused as one that cannot create folders."""
    try:
        return await camera.mkdir(path)
    except NotSupportedError as exc:
        if exc.what != "uploading" or exc.operation is None:
            raise
        raise NotSupportedError(exc.operation, "creating folders") from None
