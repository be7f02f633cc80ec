"""``ptpkit identity``: the GUID and friendly name this computer shows cameras."""

from __future__ import annotations

import click

from ptpkit.cli.base import console, run_main
from ptpkit.config import config_path, format_guid, get_guid, get_name, set_guid, set_name

__all__ = ["identity"]


@click.command()
@click.option("--guid", metavar="HEX", help="Use this GUID from now on (16 hex bytes).")
@click.option("--new-guid", is_flag=True, help="Generate a new random GUID (cameras forget us).")
@click.option("--name", help="Use this friendly name from now on (at most 39 characters).")
@click.option("--reset-name", is_flag=True, help="Go back to the host name as friendly name.")
def identity(guid: str | None, new_guid: bool, name: str | None, reset_name: bool) -> None:
    """Show or set this computer's PTP/IP identity.

    Cameras pair with the GUID, so it is generated once and kept; set it to reuse the
    GUID a camera already knows (e.g. the vendor app's)."""
    if guid and new_guid:
        raise click.UsageError("--guid and --new-guid exclude each other")
    if name and reset_name:
        raise click.UsageError("--name and --reset-name exclude each other")

    async def body() -> int:
        if guid or new_guid:
            set_guid(guid)
        if name or reset_name:
            set_name(name)
        out = console()
        out.print(f"GUID  {format_guid(get_guid())}", highlight=False, markup=False)
        out.print(f"name  {get_name()}", highlight=False, markup=False)
        out.print(f"kept in {config_path()}", highlight=False, markup=False)
        return 0

    run_main(body)
