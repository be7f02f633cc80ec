"""``ptpkit discover``: list the PTP/IP cameras on the local network; and the choice of
a camera for commands run without ``-H`` (:func:`pick_camera`).

Cameras are found through DNS-SD ``_ptp._tcp`` (Nikon Z bodies, ``ptpkit serve
--advertise``) and SSDP (Canon EOS, Sony), each printed once as soon as it answers.
"""

from __future__ import annotations

import json
import sys

import click

from ptpkit.cli.common import EXIT_USAGE, run_loop, run_main
from ptpkit.discovery import FoundCamera
from ptpkit.discovery import discover as find_cameras

__all__ = ["DEFAULT_PICK_TIMEOUT", "discover", "pick_camera"]

#: How long a camera command without ``-H`` looks for a camera (seconds).
DEFAULT_PICK_TIMEOUT = 2.0


@click.command()
@click.option(
    "--timeout",
    type=click.FloatRange(0.1, 600),
    default=3.0,
    show_default=True,
    help="Seconds to listen for answers.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per camera (JSON Lines).")
def discover(timeout: float, as_json: bool) -> None:
    """Find PTP/IP cameras on the local network (DNS-SD _ptp._tcp and SSDP).

    Each camera is printed once: address:port, name, vendor and model when known, and
    how it was found. Use the address with -H.
    """

    async def body() -> int:
        count = 0
        async for camera in find_cameras(timeout):
            count += 1
            if as_json:
                click.echo(json.dumps(camera.to_json(), ensure_ascii=False))
            else:
                guid = f" guid={camera.guid}" if camera.guid else ""
                click.echo(camera.describe() + guid)
            sys.stdout.flush()
        if not count:
            click.echo(f"ptpkit: no camera found in {timeout:g} s", err=True)
        return 0

    run_main(body)


def pick_camera(timeout: float) -> FoundCamera:
    """Discover for ``timeout`` seconds; the camera if exactly one answered (said on
    stderr), else one line naming what was found and exit code 2."""
    if timeout <= 0:
        raise click.UsageError("no camera address: give --host/-H or set PTPKIT_HOST")
    try:
        found = run_loop(find_cameras(timeout).collect())
    except OSError as exc:
        click.echo(
            f"ptpkit: error: no camera address given and discovery failed ({exc}): "
            "give one with -H HOST (or PTPKIT_HOST)",
            err=True,
        )
        raise click.exceptions.Exit(EXIT_USAGE) from None
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
    raise click.exceptions.Exit(EXIT_USAGE)
