"""``ptpkit discover``: list the PTP/IP cameras on the local network (commands run without
``-H`` choose theirs with :func:`ptpkit.cli.pick.pick_camera`).

Cameras are found through DNS-SD ``_ptp._tcp`` (Nikon Z bodies, ``ptpkit serve
--advertise``) and SSDP (Canon EOS, Sony), each printed once as soon as it answers.
"""

from __future__ import annotations

import json
import sys

import click

from ptpkit.cli.common import run_main
from ptpkit.discovery import discover as find_cameras

__all__ = ["discover"]


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
