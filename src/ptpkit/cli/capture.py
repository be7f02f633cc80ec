"""``ptpkit capture``: take pictures, and show or download what the camera stored (with
``--filename`` and ``--hook``, the tethered-shooting loop)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from ptpkit.aio.client import Camera
from ptpkit.cli.common import CameraOptions, camera_options, console, run_camera
from ptpkit.cli.download import download_options, make_options
from ptpkit.cli.render import human_size
from ptpkit.cli.transfers import Downloads, Outcome

__all__ = ["capture"]


@click.command()
@camera_options
@click.option(
    "--download",
    "download_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Download each new picture into this directory.",
)
@click.option(
    "--count",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Number of pictures to take.",
)
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
    "'memory': freed once downloaded). Default: card without --download; with it, memory, "
    "or the camera's own setting where it has one (a Canon's capturetarget).",
)
@download_options()
def capture(
    *,
    cam: CameraOptions,
    download_dir: Path | None,
    count: int,
    interval: float,
    capture_timeout: float,
    target: str | None,
    existing: str | None,
    template: str | None,
    hook: str | None,
    delete_after: bool,
) -> None:
    """Take pictures (InitiateCapture, or the vendor's way) and show, or download, what the
    camera stored."""
    options = make_options(existing, template, hook, delete_after)
    if download_dir is None and (template or hook or delete_after or existing):
        raise click.UsageError("--filename, --hook, --delete-after and friends need --download")

    async def body(camera: Camera) -> int:
        out = console()
        if target is not None or download_dir is None:  # nothing left in memory to lose
            camera.dialect.capture_target = "memory" if target == "memory" else "card"
        # else: the dialect's default (Nikon: memory) or the camera's setting (Canon)
        runner = Downloads(camera, options, out)
        total = Outcome()
        for shot in range(count):
            if shot and interval:
                await asyncio.sleep(interval)
            objects = await camera.capture(capture_timeout)
            if not objects:
                out.print("captured (the camera announced no new object)", highlight=False)
            for obj in objects:
                if download_dir is None:
                    out.print(
                        f"captured {obj.path}  {human_size(obj.size)}",
                        highlight=False,
                        markup=False,
                    )
                    continue
                dest = runner.destination(obj, download_dir, obj.name)
                outcome = await runner.run([(obj, dest, obj.path)], "download")
                total.add(outcome)
                for path in outcome.downloaded:
                    out.print(
                        f"captured {obj.path} -> {path}  {human_size(path.stat().st_size)}",
                        highlight=False,
                        markup=False,
                    )
        return total.exit_code

    run_camera(cam, body)
