"""What every ``ptpkit`` command shares, light enough for the command group itself: exit
codes, the group's settings, the consoles, running a coroutine under Ctrl-C, and turning
errors into one line in the house style (``ptpkit: error: ...``) and an exit code.

Nothing here imports asyncio or the client at module level: ``ptpkit --help``,
``identity`` and ``dissect`` do not pay for them.

Exit codes (also in ``ptpkit --help``):

====  ==========================================================================
0     success
1     any other error (local files, protocol violations by the camera, …); some
      objects of a transfer failed (the others were done)
2     usage error (bad option or argument, a property value that is not allowed)
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

import contextlib
import logging
import sys
import traceback
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ptpkit.errors import (
    BadValueError,
    CaptureTimeoutError,
    ConnectError,
    InitFailError,
    NotFoundError,
    PtpError,
    PtpResponseError,
    TransferError,
    TransportError,
    shorten,
)

if TYPE_CHECKING:
    import asyncio

    from rich.console import Console

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
    "Interrupted",
    "Settings",
    "console",
    "error_console",
    "exit_code_for",
    "message_of",
    "run_async",
    "run_loop",
    "run_main",
    "settings",
    "setup_logging",
    "shorten",
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
    "Exit codes: 0 ok, 1 error (or some files of a transfer failed), 2 usage (also a "
    "property value that is not allowed), 3 cannot connect / link failed, 4 camera refused "
    "the connection (Init Fail), 5 camera error or not found, 6 capture timed out, 130 interrupted."
)

#: The longest error line: a camera's names can be anything (a 2,000-folder-deep path).
MAX_MESSAGE = 300

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
    import asyncio

    try:
        import uvloop  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    return loop


def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
    import asyncio

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


def run_loop(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coro)``, in uvloop's event loop when it is installed."""
    loop = _new_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        _close_loop(loop)


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` in a new event loop (uvloop when installed).

    The first Ctrl-C cancels it (a transfer under way sends Cancel and waits for the
    camera) and raises :class:`Interrupted`; a second one interrupts at once.
    """
    import asyncio
    import signal

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
        _close_loop(loop)


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
    if isinstance(exc, (click.UsageError, BadValueError)):
        return EXIT_USAGE
    return EXIT_ERROR


def message_of(exc: BaseException) -> str:
    """An error in one line of words, at most :data:`MAX_MESSAGE` characters."""
    if isinstance(exc, (Interrupted, KeyboardInterrupt)):
        return "interrupted"
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        text = f"{exc.strerror}{where}"
    else:
        lines = str(exc).strip().splitlines()
        text = lines[0] if lines else type(exc).__name__
    return shorten(text, MAX_MESSAGE)


def run_main(
    body: Callable[[], Coroutine[Any, Any, int | None]], *, quiet_interrupt: bool = False
) -> None:
    """Run an async command body; errors become one line on stderr and an exit code.

    ``quiet_interrupt``: Ctrl-C is how this command is meant to end (``events``, ``sync
    --watch``): exit 130 without a word.
    """
    import asyncio

    from ptpkit.config import ConfigError

    debug = settings().debug
    try:
        code = run_async(body())
    except (click.exceptions.Exit, click.ClickException):
        raise
    except (Interrupted, KeyboardInterrupt):
        if not quiet_interrupt:
            click.echo("ptpkit: error: interrupted", err=True)
        raise click.exceptions.Exit(EXIT_INTERRUPTED) from None
    except (PtpError, ConfigError, OSError, ValueError, asyncio.TimeoutError) as exc:
        if debug:
            traceback.print_exc(file=sys.stderr)
        kind = "transfer failed" if isinstance(exc, TransferError) else "error"
        click.echo(f"ptpkit: {kind}: {message_of(exc)}", err=True)
        raise click.exceptions.Exit(exit_code_for(exc)) from None
    except Exception as exc:  # a bug: still one line, unless --debug
        if debug:
            traceback.print_exc(file=sys.stderr)
        else:
            click.echo(
                f"ptpkit: internal error: {type(exc).__name__}: {message_of(exc)} "
                "(run with --debug for the traceback)",
                err=True,
            )
        raise click.exceptions.Exit(EXIT_ERROR) from None
    raise click.exceptions.Exit(code or EXIT_OK)


def setup_logging(debug: bool) -> None:
    if not debug:
        return
    from rich.logging import RichHandler

    root = logging.getLogger()
    if any(isinstance(h, RichHandler) for h in root.handlers):
        return
    logging.basicConfig(
        level=logging.DEBUG,
        format="%(name)s: %(message)s",
        handlers=[RichHandler(console=error_console(), show_path=False)],
    )
