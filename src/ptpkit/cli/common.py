"""What every ``ptpkit`` camera command shares: the connection options, running the
asyncio client under Ctrl-C, and turning errors into one line and an exit code.

Exit codes (also in ``ptpkit --help``):

====  ==========================================================================
0     success
1     any other error (local files, protocol violations by the camera, …)
2     usage error (bad option or argument)
3     could not connect, or the connection failed (refused, lost, timed out, not
      PTP/IP, closed during the handshake)
4     the camera refused the connection (Init Fail: not paired, busy, …)
5     the camera answered an error, or the object/property asked for is not there
      (or the camera does not support the operation)
6     a capture did not complete in time (no new picture appeared; the link is fine)
130   interrupted (Ctrl-C); a transfer under way was cancelled cleanly
====  ==========================================================================
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
import sys
import traceback
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ptpkit.aio.client import (
    DEFAULT_PORT,
    FUJI_PORT,
    Camera,
    FujiCamera,
    NotFoundError,
    TransferError,
    camera_class,
    connect,
)
from ptpkit.config import ConfigError
from ptpkit.errors import (
    CaptureTimeoutError,
    ConnectError,
    InitFailError,
    PtpError,
    PtpResponseError,
    TransportError,
)

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "EXIT_CAMERA",
    "EXIT_CAPTURE_TIMEOUT",
    "EXIT_CONNECT",
    "EXIT_ERROR",
    "EXIT_INIT_FAIL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "CameraOptions",
    "Interrupted",
    "camera_options",
    "console",
    "error_console",
    "exit_code_for",
    "run_async",
    "run_camera",
    "run_loop",
    "run_main",
]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_CONNECT = 3
EXIT_INIT_FAIL = 4
EXIT_CAMERA = 5
EXIT_CAPTURE_TIMEOUT = 6
EXIT_INTERRUPTED = 130

EXIT_CODES_HELP = (
    "Exit codes: 0 ok, 1 error, 2 usage, 3 cannot connect / link failed, "
    "4 camera refused the connection (Init Fail), 5 camera error or not found, "
    "6 capture timed out, 130 interrupted."
)

T = TypeVar("T")


class Interrupted(Exception):
    """Ctrl-C stopped the command."""


@dataclass
class Settings:
    """Group-level options, kept in the click context."""

    debug: bool = False
    dialect: str = "auto"


def settings() -> Settings:
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        obj = ctx.find_root().obj
        if isinstance(obj, Settings):
            return obj
    return Settings()


# rich is loaded when a command first prints through it: 25 ms that a plain listing
# (written with click.echo) does not need to pay.
def console() -> Console:
    """Standard output, looked up now (so CliRunner's capture is honoured)."""
    from rich.console import Console

    return Console(file=sys.stdout, highlight=False, soft_wrap=True)


def error_console() -> Console:
    from rich.console import Console

    return Console(file=sys.stderr, highlight=False, soft_wrap=True)


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    return loop


def run_loop(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coro)``, in uvloop's event loop when it is installed."""
    loop = _new_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        try:
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for t in pending:
                t.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` in a new event loop (uvloop when installed).

    The first Ctrl-C cancels it (a transfer under way sends Cancel and waits for the
    camera) and raises :class:`Interrupted`; a second one interrupts at once.
    """
    loop = _new_loop()
    task = loop.create_task(coro)
    interrupted = False

    def on_sigint() -> None:
        nonlocal interrupted
        interrupted = True
        task.cancel()
        with contextlib.suppress(Exception):
            loop.remove_signal_handler(signal.SIGINT)

    handler_set = False
    try:
        loop.add_signal_handler(signal.SIGINT, on_sigint)
        handler_set = True
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread; Windows
        pass
    try:
        return loop.run_until_complete(task)
    except asyncio.CancelledError:
        if interrupted:
            raise Interrupted() from None
        raise
    except KeyboardInterrupt:
        raise Interrupted() from None
    finally:
        if handler_set:
            with contextlib.suppress(Exception):
                loop.remove_signal_handler(signal.SIGINT)
        try:
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for t in pending:
                t.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()


def exit_code_for(exc: BaseException) -> int:
    """The documented exit code for an error."""
    if isinstance(exc, (Interrupted, KeyboardInterrupt)):
        return EXIT_INTERRUPTED
    if isinstance(exc, InitFailError):
        return EXIT_INIT_FAIL
    if isinstance(exc, CaptureTimeoutError):
        return EXIT_CAPTURE_TIMEOUT
    if isinstance(exc, (ConnectError, TransportError)):
        return EXIT_CONNECT
    if isinstance(exc, (PtpResponseError, NotFoundError)):
        return EXIT_CAMERA
    if isinstance(exc, click.UsageError):
        return EXIT_USAGE
    return EXIT_ERROR


def _message(exc: BaseException) -> str:
    if isinstance(exc, (Interrupted, KeyboardInterrupt)):
        return "interrupted"
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror}{where}"
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def run_main(body: Callable[[], Coroutine[Any, Any, int | None]]) -> None:
    """Run an async command body; errors become one line on stderr and an exit code."""
    debug = settings().debug
    try:
        code = run_async(body())
    except (click.exceptions.Exit, click.ClickException):
        raise
    except (
        PtpError,
        ConfigError,
        OSError,
        ValueError,
        Interrupted,
        KeyboardInterrupt,
        asyncio.TimeoutError,
    ) as exc:
        if debug and not isinstance(exc, (Interrupted, KeyboardInterrupt)):
            traceback.print_exc(file=sys.stderr)
        kind = "error"
        if isinstance(exc, TransferError):
            kind = "transfer failed"
        click.echo(f"ptpkit: {kind}: {_message(exc)}", err=True)
        raise click.exceptions.Exit(exit_code_for(exc)) from None
    except Exception as exc:  # a bug: still one line, unless --debug
        if debug:
            traceback.print_exc(file=sys.stderr)
        else:
            click.echo(
                f"ptpkit: internal error: {type(exc).__name__}: {_message(exc)} "
                "(run with --debug for the traceback)",
                err=True,
            )
        raise click.exceptions.Exit(EXIT_ERROR) from None
    raise click.exceptions.Exit(code or EXIT_OK)


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
                fuji = camera_class(dialect) is FujiCamera
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
    **connect_extra: Any,
) -> None:
    """Connect, run ``body(camera)``, close; errors as in :func:`run_main`."""

    async def main() -> int | None:
        async with cam.connect(**connect_extra) as camera:
            return await body(camera)

    run_main(main)


def setup_logging(debug: bool) -> None:
    if not debug:
        return
    from rich.logging import RichHandler

    logging.basicConfig(
        level=logging.DEBUG,
        format="%(name)s: %(message)s",
        handlers=[RichHandler(console=error_console(), show_path=False)],
    )
