"""``ptpkit get`` (download objects, or whole folders with their tree) and ``ptpkit
thumb`` (their thumbnails), with the options they share with ``sync``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ptpkit.aio.client import Camera
from ptpkit.cli.common import CameraOptions, camera_options, console, run_camera
from ptpkit.cli.hooks import Hook
from ptpkit.cli.naming import check_template
from ptpkit.cli.select import files_of, resolve
from ptpkit.cli.transfers import DownloadOptions, Downloads
from ptpkit.localfiles import Existing

__all__ = ["download_options", "get", "make_options", "thumb"]


def download_options(*, delete: bool = True) -> Callable[[Callable[..., Any]], Any]:
    """--overwrite/--skip-existing, --filename, --hook (and --delete-after)."""

    def decorate(func: Callable[..., Any]) -> Any:
        if delete:
            func = click.option(
                "--delete-after",
                is_flag=True,
                help="Delete each object from the camera once its copy is complete and "
                "safely on disk (card offload).",
            )(func)
        func = click.option(
            "--hook",
            metavar="CMD",
            help="Run CMD with each downloaded file's path (gphoto2's ACTION and ARGUMENT "
            "are set too).",
        )(func)
        func = click.option(
            "--filename",
            "template",
            metavar="TEMPLATE",
            callback=lambda _c, _p, v: None if v is None else check_template(v),
            help="Name files with gphoto2's codes, e.g. %Y%m%d-%H%M%S-%f.%C "
            "(%f name, %C suffix, %F folder, %n number, %Y %m %d %H %M %S date; "
            "/ makes folders).",
        )(func)
        func = click.option(
            "--skip-existing",
            "existing",
            flag_value=Existing.SKIP.value,
            help="Leave a different file already there alone, and do not download.",
        )(func)
        return click.option(
            "--overwrite",
            "existing",
            flag_value=Existing.OVERWRITE.value,
            help="Replace a different file already there (default: keep it, and save "
            "the camera's file beside it as NAME-2.EXT).",
        )(func)

    return decorate


def make_options(
    existing: str | None,
    template: str | None,
    hook: str | None,
    delete_after: bool = False,
    *,
    thumbnails: bool = False,
) -> DownloadOptions:
    return DownloadOptions(
        existing=Existing.of(existing or Existing.KEEP_BOTH),
        template=template,
        hook=None if hook is None else Hook(hook),
        delete_after=delete_after,
        thumbnails=thumbnails,
    )


_OUTPUT_HELP = "Directory to download into ('-': write the one file to standard output)."


# -- get --------------------------------------------------------------------------------
@click.command()
@camera_options
@click.argument("names", nargs=-1, required=True, metavar="NAME|PATH|PATTERN...")
@click.option("-o", "--output", default=".", show_default=True, metavar="DIR", help=_OUTPUT_HELP)
@download_options()
def get(
    *,
    cam: CameraOptions,
    names: tuple[str, ...],
    output: str,
    existing: str | None,
    template: str | None,
    hook: str | None,
    delete_after: bool,
) -> None:
    """Download objects, named as for `ls` (a name anywhere on the card, a path, a pattern
    with shell wildcards); a folder comes with the tree below it.

    A different file already at the destination is kept, and the camera's file saved
    beside it as NAME-2.EXT (--overwrite replaces it, --skip-existing leaves it); a
    complete copy is not downloaded again. One file that fails is reported and the others
    go on; the exit status is then that of the first failure."""
    options = make_options(existing, template, hook, delete_after)
    to_stdout = output == "-"

    async def body(camera: Camera) -> int:
        targets, listing = await resolve(camera, names)
        files = files_of(targets, listing)
        if to_stdout:
            if len(files) != 1:
                raise click.UsageError(f"-o - writes one file, and {len(files)} match")
            obj = files[0][0]
            sys.stdout.flush()
            stream = sys.stdout.buffer
            await camera.get_object(obj.handle, stream.write)
            stream.flush()
            return 0
        root = Path(output)
        runner = Downloads(camera, options, console())
        items = [(obj, runner.destination(obj, root, rel), obj.path) for obj, rel in files]
        outcome = await runner.run(items, "download")
        console().print(outcome.summary("Downloaded"), highlight=False, markup=False)
        return outcome.exit_code

    run_camera(cam, body)


# -- thumb --------------------------------------------------------------------------------
@click.command()
@camera_options
@click.argument("names", nargs=-1, required=True, metavar="NAME|PATH|PATTERN...")
@click.option(
    "-o", "--output", default=".", show_default=True, metavar="DIR", help="Directory to save in."
)
@download_options(delete=False)
def thumb(
    *,
    cam: CameraOptions,
    names: tuple[str, ...],
    output: str,
    existing: str | None,
    template: str | None,
    hook: str | None,
) -> None:
    """Download the thumbnails of objects (named as for `get`), as thumb_NAME.jpg (or
    as --filename says)."""
    options = make_options(existing, template, hook, thumbnails=True)

    async def body(camera: Camera) -> int:
        targets, listing = await resolve(camera, names)
        files = files_of(targets, listing)
        root = Path(output)
        runner = Downloads(camera, options, console())
        items = [(obj, runner.destination(obj, root, rel), obj.path) for obj, rel in files]
        outcome = await runner.run(items, "thumbnails")
        console().print(outcome.summary("Saved thumbnails of"), highlight=False, markup=False)
        return outcome.exit_code

    run_camera(cam, body)
