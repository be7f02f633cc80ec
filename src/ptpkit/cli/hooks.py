"""``--hook CMD``: a command run after each downloaded file, the heart of tethered
shooting (``ptpkit capture --download shots --hook ./show-it``).

CMD is split like a shell line (no shell runs it) and called with the file's path as its
last argument. Its environment also carries gphoto2's hook variables, so a
``--hook-script`` written for gphoto2 works as it is: ``ACTION=download`` and
``ARGUMENT=<path>`` (and ``PTPKIT_FILE=<path>``). Hooks run one at a time, in order; a hook
that fails or cannot start is reported and the transfer goes on.
"""

from __future__ import annotations

import asyncio
import os
import shlex
from pathlib import Path

import click

__all__ = ["Hook"]


class Hook:
    """A command to run after each downloaded file."""

    def __init__(self, command: str) -> None:
        try:
            self.argv = shlex.split(command)
        except ValueError as exc:
            raise click.BadParameter(f"{command!r}: {exc}", param_hint="--hook") from None
        if not self.argv:
            raise click.BadParameter("an empty command", param_hint="--hook")
        self.command = command

    async def run(self, path: Path) -> str | None:
        """Run the hook for ``path``; None when it succeeded, else what went wrong."""
        env = {**os.environ, "ACTION": "download", "ARGUMENT": str(path), "PTPKIT_FILE": str(path)}
        try:
            proc = await asyncio.create_subprocess_exec(*self.argv, str(path), env=env)
        except OSError as exc:
            return f"hook {self.argv[0]!r} cannot run: {exc.strerror or exc}"
        try:
            code = await proc.wait()
        except asyncio.CancelledError:  # Ctrl-C: the hook is stopped too
            if proc.returncode is None:
                proc.terminate()
                await proc.wait()
            raise
        return None if code == 0 else f"hook {self.argv[0]!r} exited with status {code}"
