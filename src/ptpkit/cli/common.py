"""What every ``ptpkit`` camera command shares: the connection options and running the
asyncio client (errors as one line and an exit code: :mod:`ptpkit.cli.base`, whose names
are importable from here too).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import click

from ptpkit.aio.client import (
    DEFAULT_PORT,
    FUJI_PORT,
    Camera,
    camera_class,
    connect,
)
from ptpkit.cli.base import (
    EXIT_CAMERA,
    EXIT_CAPTURE_TIMEOUT,
    EXIT_CODES_HELP,
    EXIT_CONNECT,
    EXIT_ERROR,
    EXIT_INIT_FAIL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    Interrupted,
    Settings,
    console,
    error_console,
    exit_code_for,
    run_async,
    run_loop,
    run_main,
    settings,
    setup_logging,
)

__all__ = [
    "EXIT_CAMERA",
    "EXIT_CAPTURE_TIMEOUT",
    "EXIT_CODES_HELP",
    "EXIT_CONNECT",
    "EXIT_ERROR",
    "EXIT_INIT_FAIL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "CameraOptions",
    "Interrupted",
    "Settings",
    "camera_options",
    "console",
    "error_console",
    "exit_code_for",
    "run_async",
    "run_camera",
    "run_loop",
    "run_main",
    "settings",
    "setup_logging",
]


@dataclass(frozen=True)
class CameraOptions:
    host: str
    port: int
    guid: str | None
    name: str | None
    timeout: float
    dialect: str = "auto"
    keepalive: str = "auto"

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def connect(self, **extra: Any) -> Any:
        extra.setdefault("response_timeout", self.timeout)
        extra.setdefault("keepalive", self.keepalive)
        return connect(
            self.host,
            self.port,
            guid=self.guid,
            name=self.name,
            handshake_timeout=self.timeout,
            dialect=self.dialect,
            **extra,
        )


def camera_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--host/-H, --port/-p (PTPKIT_HOST, PTPKIT_PORT), --guid, --name, --timeout,
    --keepalive, --discover-timeout; the command receives them as ``cam: CameraOptions``.
    Without a host, the one camera that discovery finds is used."""

    @click.option(
        "--host",
        "-H",
        envvar="PTPKIT_HOST",
        metavar="HOST",
        help="Camera address [env PTPKIT_HOST].",
    )
    @click.option(
        "--port",
        "-p",
        envvar="PTPKIT_PORT",
        type=click.IntRange(1, 65535),
        default=None,
        help=f"PTP/IP port [env PTPKIT_PORT; default: {DEFAULT_PORT}, "
        f"{FUJI_PORT} with --dialect fujifilm].",
    )
    @click.option(
        "--guid",
        "initiator_guid",
        envvar="PTPKIT_GUID",
        metavar="HEX",
        help="Initiator GUID for this run (default: the stored one, see `ptpkit identity`).",
    )
    @click.option(
        "--name",
        "initiator_name",
        envvar="PTPKIT_NAME",
        help="Initiator friendly name for this run.",
    )
    @click.option(
        "--timeout",
        "timeout",
        envvar="PTPKIT_TIMEOUT",
        type=click.FloatRange(min=0.1),
        default=60.0,
        show_default=True,
        help="Seconds to wait for the camera: to accept the connection (first pairing "
        "needs the owner), to answer each request, and for the next byte of a transfer "
        "[env PTPKIT_TIMEOUT].",
    )
    @click.option(
        "--keepalive",
        envvar="PTPKIT_KEEPALIVE",
        type=click.Choice(["auto", "probe", "command", "off"]),
        default="auto",
        show_default=True,
        help="How a quiet link is kept alive and checked: PTP/IP probes, a cheap command "
        "(GetStorageIDs), or nothing; auto probes while the camera answers probes and "
        "uses the command otherwise [env PTPKIT_KEEPALIVE].",
    )
    @click.option(
        "--discover-timeout",
        envvar="PTPKIT_DISCOVER_TIMEOUT",
        type=click.FloatRange(min=0),
        default=2.0,
        show_default=True,
        help="Without -H: look this long for the one camera on the network (0 = don't).",
    )
    @functools.wraps(func)
    def wrapper(
        *,
        host: str | None,
        port: int | None,
        initiator_guid: str | None,
        initiator_name: str | None,
        timeout: float,
        keepalive: str,
        discover_timeout: float,
        **kwargs: Any,
    ) -> Any:
        dialect = settings().dialect
        if not host:  # discover: the one camera that answers, or a usage error
            from ptpkit.cli.pick import pick_camera

            found = pick_camera(discover_timeout, run_loop)
            host = found.address
            if port is None:  # not given: the one the camera advertises
                port = found.port
        if port is None:
            try:
                # the other class is FujiCamera: Fujifilm's transport and port
                fuji = camera_class(dialect) is not Camera
            except ValueError:  # an unknown dialect: connect says so
                fuji = False
            port = FUJI_PORT if fuji else DEFAULT_PORT
        options = CameraOptions(
            host, port, initiator_guid, initiator_name, timeout, dialect, keepalive
        )
        return func(cam=options, **kwargs)

    return wrapper


def run_camera(
    cam: CameraOptions,
    body: Callable[[Camera], Awaitable[int | None]],
    *,
    quiet_interrupt: bool = False,
    **connect_extra: Any,
) -> None:
    """Connect, run ``body(camera)``, close; errors as in :func:`run_main`."""

    async def main() -> int | None:
        async with cam.connect(**connect_extra) as camera:
            return await body(camera)

    run_main(main, quiet_interrupt=quiet_interrupt)
