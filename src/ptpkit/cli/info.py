"""``ptpkit info`` (DeviceInfo and storages) and ``ptpkit ping`` (is the camera there)."""

from __future__ import annotations

import asyncio
import json
import time

import click

from ptpkit.aio.client import Camera
from ptpkit.cli.common import CameraOptions, camera_options, console, run_camera
from ptpkit.cli.render import device_info_rows, human_size, storage_json
from ptpkit.config import format_guid

__all__ = ["info", "ping"]


# -- info -------------------------------------------------------------------------------
@click.command()
@camera_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
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


# -- ping -----------------------------------------------------------------------------
@click.command()
@camera_options
@click.option(
    "--count",
    "-c",
    type=click.IntRange(min=1),
    default=4,
    show_default=True,
    help="Number of probes to send.",
)
@click.option(
    "--interval",
    "-i",
    type=click.FloatRange(min=0),
    default=0.5,
    show_default=True,
    help="Seconds between probes.",
)
def ping(cam: CameraOptions, count: int, interval: float) -> None:
    """Check that the camera answers: PTP/IP probes on the event connection, or a cheap
    command (GetStorageIDs) with a camera that ignores probes (the output says which)."""

    async def body(camera: Camera) -> int:
        out = console()
        times = []
        via = "probe"
        for seq in range(count):
            if seq and interval:
                await asyncio.sleep(interval)
            rtt = await camera.ping()
            via = rtt.via
            times.append(rtt * 1000)
            out.print(
                f"{via} reply from {cam.address} ({camera.camera_name}): "
                f"seq={seq + 1} time={rtt * 1000:.2f} ms",
                highlight=False,
                markup=False,
            )
        start = time.perf_counter()
        await camera.get_device_info()
        op_ms = (time.perf_counter() - start) * 1000
        if via == "probe":
            answered = f"{count} probes answered"
        else:  # the user's choice, or a camera that ignored a probe
            why = (
                f"--keepalive {cam.keepalive}"
                if cam.keepalive in ("command", "off")
                else "the camera does not answer probes"
            )
            answered = f"{count} {via} round trips ({why})"
        out.print(
            f"{answered}: min/avg/max = {min(times):.2f}/"
            f"{sum(times) / len(times):.2f}/{max(times):.2f} ms; "
            f"GetDeviceInfo took {op_ms:.2f} ms",
            highlight=False,
        )
        return 0

    run_camera(cam, body)
