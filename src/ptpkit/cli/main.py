"""The ``ptpkit`` command group.

Every camera command takes ``--host/-H`` and ``--port/-p`` (or ``PTPKIT_HOST`` /
``PTPKIT_PORT``). Errors are one line on stderr and a documented exit code (see
:mod:`ptpkit.cli.common`); ``--debug`` adds logging and tracebacks. ``serve`` and
``dissect`` come from their own modules and are loaded only when used.
"""

from __future__ import annotations

import importlib
import importlib.util

import click

from ptpkit import __version__
from ptpkit.cli.commands import capture, config, events, get, info, ls, ping, put, rm, sync
from ptpkit.cli.common import EXIT_CODES_HELP, Settings, setup_logging
from ptpkit.cli.demo import demo
from ptpkit.cli.identity import identity
from ptpkit.dialects import AUTO, DIALECTS, dialect_class

__all__ = ["main"]

#: Commands that live in modules of their own: name -> "module:attribute".
LAZY_COMMANDS = {
    "serve": "ptpkit.cli.serve:serve",
    "dissect": "ptpkit.cli.dissect:dissect",
    "discover": "ptpkit.cli.discover:discover",
}


class _Group(click.Group):
    """A group that imports the lazy commands on first use, and lists only those whose
    module is present."""

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
        self.add_command(loaded, cmd_name)
        return loaded

    @staticmethod
    def _lazy_available(name: str) -> bool:
        module_name = LAZY_COMMANDS[name].partition(":")[0]
        try:
            return importlib.util.find_spec(module_name) is not None
        except (ImportError, ValueError):
            return False


def _check_dialect(ctx: click.Context, param: click.Parameter, value: str) -> str:
    name = value.strip().lower()
    if name != AUTO:
        try:
            dialect_class(name)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
    return name


@click.group(
    cls=_Group, epilog=EXIT_CODES_HELP, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.option("--debug", is_flag=True, help="Log the protocol and show tracebacks.")
@click.option(
    "--dialect",
    envvar="PTPKIT_DIALECT",
    default=AUTO,
    show_default=True,
    metavar="NAME",
    callback=_check_dialect,
    help="How to speak to the camera's vendor: auto (from its DeviceInfo, as gphoto2 "
    f"chooses), or one of {', '.join(DIALECTS)} [env PTPKIT_DIALECT].",
)
@click.version_option(__version__, prog_name="ptpkit")
@click.pass_context
def main(ctx: click.Context, debug: bool, dialect: str) -> None:
    """ptpkit: talk to PTP/IP cameras (ISO 15740 over TCP/IP).

    Start with `ptpkit demo` (no camera needed), or `ptpkit info -H CAMERA-ADDRESS`."""
    ctx.obj = Settings(debug=debug, dialect=dialect)
    setup_logging(debug)


for _command in (info, ls, get, sync, put, rm, capture, config, events, ping, identity, demo):
    main.add_command(_command)
