"""Staying with a camera whose Wi-Fi drops: reconnect with backoff and go on.

``events`` and ``sync --watch`` run for hours; a camera that goes to sleep, walks out of
range or is switched off and on again ends the link. :func:`run_reconnecting` then
connects again, waiting :data:`FIRST_WAIT` seconds, doubling up to :data:`MAX_WAIT`, and
runs the command's body again with ``reconnected=True`` (``sync --watch`` then catches
up with a full pass, which skips everything already downloaded, so nothing is fetched
twice). Only a link that worked once is retried: a wrong address still fails at once
(exit 3), and so do Init Fail (the camera refuses us) and Ctrl-C (quietly, exit 130:
it is how these commands are meant to end).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from ptpkit.aio.client import Camera
from ptpkit.cli.base import message_of
from ptpkit.cli.common import CameraOptions, error_console, run_main
from ptpkit.errors import ConnectError, ConnectionLost, PtpTimeoutError

__all__ = ["FIRST_WAIT", "MAX_WAIT", "run_reconnecting"]

#: Seconds before the first attempt to reconnect; each failed attempt doubles it.
FIRST_WAIT = 1.0
#: The longest wait between two attempts.
MAX_WAIT = 30.0

#: What ends a link that may come back (Init Fail and camera errors are final).
LINK_ERRORS = (ConnectionLost, PtpTimeoutError, ConnectError)

Body = Callable[[Camera, bool], Awaitable["int | None"]]


async def reconnecting(cam: CameraOptions, body: Body) -> int | None:
    """Connect and run ``body(camera, reconnected)``; when the link drops, reconnect with
    backoff and run it again, until it returns (or raises anything else)."""
    connected = reconnected = False
    wait = FIRST_WAIT
    while True:
        try:
            async with cam.connect() as camera:
                connected = True
                wait = FIRST_WAIT
                if reconnected:
                    error_console().print(f"reconnected to {cam.address}", highlight=False)
                return await body(camera, reconnected)
        except LINK_ERRORS as exc:
            if not connected:
                raise  # never connected at all: the address is wrong, or the camera off
            error_console().print(
                f"link lost ({message_of(exc)}); reconnecting in {wait:g} s (Ctrl-C to stop)",
                highlight=False,
                markup=False,
            )
            reconnected = True
            await asyncio.sleep(wait)
            wait = min(wait * 2, MAX_WAIT)


def run_reconnecting(cam: CameraOptions, body: Body) -> None:
    """:func:`~ptpkit.cli.common.run_camera` for commands that stay connected (Ctrl-C,
    their way to stop, ends them quietly)."""

    async def main() -> int | None:
        return await reconnecting(cam, body)

    run_main(main, quiet_interrupt=True)
