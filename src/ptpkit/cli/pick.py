"""Which camera a command run without ``-H`` (and without ``PTPKIT_HOST``) talks to: the
one that discovery finds. Imports nothing of the CLI (``cli.common`` calls it)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import click

from ptpkit.discovery import FoundCamera
from ptpkit.discovery import discover as find_cameras

__all__ = ["pick_camera"]

_EXIT_USAGE = 2  # ptpkit.cli.common.EXIT_USAGE: the user has to say which camera


def pick_camera(
    timeout: float, run: Callable[[Coroutine[Any, Any, list[FoundCamera]]], list[FoundCamera]]
) -> FoundCamera:
    """Discover for ``timeout`` seconds (the coroutine run by ``run``, the CLI's
    ``run_loop``); the camera if exactly one answered (said on stderr), else one line
    naming what was found and exit code 2 (usage)."""
    if timeout <= 0:
        raise click.UsageError("no camera address: give --host/-H or set PTPKIT_HOST")
    try:
        found = run(find_cameras(timeout).collect())
    except OSError as exc:
        click.echo(
            f"ptpkit: error: no camera address given and discovery failed ({exc}): "
            "give one with -H HOST (or PTPKIT_HOST)",
            err=True,
        )
        raise click.exceptions.Exit(_EXIT_USAGE) from None
    if len(found) == 1:
        click.echo(f"ptpkit: using {found[0].describe()}, found on the network", err=True)
        return found[0]
    if not found:
        click.echo(
            f"ptpkit: error: no camera address given and no camera found in {timeout:g} s: "
            "give one with -H HOST (or PTPKIT_HOST)",
            err=True,
        )
    else:
        listing = "; ".join(camera.describe() for camera in found)
        click.echo(
            f"ptpkit: error: {len(found)} cameras found, choose one with -H HOST: {listing}",
            err=True,
        )
    raise click.exceptions.Exit(_EXIT_USAGE)
