"""The ``ptpkit`` command group.

Every camera command takes ``--host/-H`` and ``--port/-p`` (or ``PTPKIT_HOST`` /
``PTPKIT_PORT``). Errors are one line on stderr, ``ptpkit: error: ...``, and a documented
exit code (see :mod:`ptpkit.cli.base`), usage errors included; ``--debug`` (anywhere on
the line) adds logging and tracebacks.

Each command lives in a module that is imported only when that command runs (or when
``--help`` lists them all), so that a command pays only for what it uses.
"""

from __future__ import annotations

import errno
import importlib
import importlib.util
import os
import sys
from typing import Any, NoReturn

import click

from ptpkit import __version__
from ptpkit.cli.base import EXIT_CODES_HELP, Settings, setup_logging, shorten

__all__ = ["main"]

#: Every command: name -> "module:attribute", loaded on first use.
LAZY_COMMANDS = {
    "info": "ptpkit.cli.info:info",
    "ls": "ptpkit.cli.listing:ls",
    "get": "ptpkit.cli.download:get",
    "thumb": "ptpkit.cli.download:thumb",
    "sync": "ptpkit.cli.mirror:sync",
    "put": "ptpkit.cli.edit:put",
    "rm": "ptpkit.cli.edit:rm",
    "mkdir": "ptpkit.cli.edit:mkdir",
    "capture": "ptpkit.cli.capture:capture",
    "config": "ptpkit.cli.properties:config",
    "events": "ptpkit.cli.events:events",
    "ping": "ptpkit.cli.info:ping",
    "identity": "ptpkit.cli.identity:identity",
    "demo": "ptpkit.cli.demo:demo",
    "serve": "ptpkit.cli.serve:serve",
    "dissect": "ptpkit.cli.dissect:dissect",
    "discover": "ptpkit.cli.discover:discover",
}


def _debug_anywhere(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """``--debug`` given after the command name: the same as before it."""
    if not value:
        return
    root = ctx.find_root()
    if not isinstance(root.obj, Settings):
        root.obj = Settings()
    root.obj.debug = True
    setup_logging(True)


_GLOBAL_DEBUG = click.Option(
    ["--debug"],
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_debug_anywhere,
    help="Log the protocol and show tracebacks (also before the command name).",
)


class _Group(click.Group):
    """The ``ptpkit`` group: imports each command on first use, gives every command the
    global options, and prints every error in the house style."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(super().list_commands(ctx))
        names.update(name for name in LAZY_COMMANDS if self._lazy_available(name))
        return sorted(names)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None or cmd_name not in LAZY_COMMANDS:
            return command
        if not self._lazy_available(cmd_name):
            return None
        module_name, _, attr = LAZY_COMMANDS[cmd_name].partition(":")
        loaded = getattr(importlib.import_module(module_name), attr)
        if not isinstance(loaded, click.Command):  # pragma: no cover - a broken module
            raise click.ClickException(f"{module_name}.{attr} is not a click command")
        for option in (_GLOBAL_DEBUG, _GLOBAL_DIALECT):
            if not any(p.name == option.name for p in loaded.params):
                loaded.params.append(option)
        self.add_command(loaded, cmd_name)
        return loaded

    @staticmethod
    def _lazy_available(name: str) -> bool:
        module_name = LAZY_COMMANDS[name].partition(":")[0]
        try:
            return importlib.util.find_spec(module_name) is not None
        except (ImportError, ValueError):
            return False

    def main(
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """click's main, with its own error reports replaced by ours: one line,
        ``ptpkit: error: ...``, and the exit code of the error."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            result = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as exc:
            hint = ""  # for click's own complaints about the line, not for ours
            if exc.ctx is not None and type(exc) is not click.UsageError:
                hint = f" (see '{exc.ctx.command_path} --help')"
            message = exc.format_message()
            _fail(f"{message.rstrip('.') if hint else message}{hint}", exc.exit_code)
        except click.ClickException as exc:
            _fail(exc.format_message(), exc.exit_code)
        except click.Abort:
            _fail("interrupted", 130)
        except OSError as exc:
            if exc.errno != errno.EPIPE:
                raise
            # the reader went away (``ptpkit ls | head``): quietly, with nothing to flush
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


def _fail(message: str, code: int) -> NoReturn:
    first = message.strip().splitlines()[0] if message.strip() else "error"
    click.echo(f"ptpkit: error: {shorten(first, 300)}", err=True)
    sys.exit(code)


#: Let the camera's DeviceInfo choose the dialect (ptpkit.dialects.AUTO, spelled here so
#: that the group does not import the client).
AUTO = "auto"

_DIALECT_HELP = (
    "How to speak to the camera's vendor: auto (from its DeviceInfo, as gphoto2 "
    "chooses), or a dialect's name (`ptpkit info` shows the one in use; a wrong name "
    "lists them) [env PTPKIT_DIALECT]."
)


def _check_dialect(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    name = value.strip().lower()
    if name != AUTO:
        from ptpkit.dialects import dialect_class  # the client: only when one is named

        try:
            dialect_class(name)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
    return name


def _dialect_anywhere(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """``--dialect`` given after the command name: the same as before it."""
    name = _check_dialect(ctx, param, value)
    if name is None:
        return
    root = ctx.find_root()
    if not isinstance(root.obj, Settings):
        root.obj = Settings()
    root.obj.dialect = name


_GLOBAL_DIALECT = click.Option(
    ["--dialect"],
    default=None,
    metavar="NAME",
    expose_value=False,
    callback=_dialect_anywhere,
    help=_DIALECT_HELP.replace(" [env PTPKIT_DIALECT].", " (also before the command name)."),
)


@click.group(
    cls=_Group, epilog=EXIT_CODES_HELP, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.option(
    "--debug", is_flag=True, help="Log the protocol and show tracebacks (anywhere on the line)."
)
@click.option(
    "--dialect",
    envvar="PTPKIT_DIALECT",
    default=AUTO,
    show_default=True,
    metavar="NAME",
    callback=_check_dialect,
    help=_DIALECT_HELP,
)
@click.version_option(__version__, prog_name="ptpkit", help="Show the version and exit.")
@click.pass_context
def main(ctx: click.Context, debug: bool, dialect: str) -> None:
    """ptpkit: talk to PTP/IP cameras (ISO 15740 over TCP/IP).

    Start with `ptpkit demo` (no camera needed), or `ptpkit info -H CAMERA-ADDRESS`."""
    if not isinstance(ctx.obj, Settings):
        ctx.obj = Settings()
    ctx.obj.debug = ctx.obj.debug or debug
    ctx.obj.dialect = dialect
    setup_logging(debug)
