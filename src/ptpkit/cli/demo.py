"""``ptpkit demo``: ptpkit without a camera.

Generates sample pictures (Pillow) in a temporary folder, serves them with the camera
emulator on a free loopback port (in a thread of this process), and runs the real
``info``, ``ls``, ``sync`` and ``capture`` commands against it. ``make demo`` runs this.
"""

from __future__ import annotations

import asyncio
import shlex
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

import click

from ptpkit.cli.base import console

__all__ = ["EmulatorThread", "demo", "make_sample_pictures"]


def make_sample_pictures(root: Path, count: int = 8) -> list[Path]:
    """``count`` generated JPEGs in DCIM/100DEMO and DCIM/101DEMO, a few hundred KB each."""
    from ptpkit.emulator.imaging import generate_capture_jpeg

    paths = []
    start = datetime.now().replace(microsecond=0) - timedelta(hours=2)
    for index in range(count):
        folder = root / "DCIM" / ("100DEMO" if index < count * 3 // 4 else "101DEMO")
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"DEMO{index + 1:04d}.JPG"
        when = start + timedelta(minutes=7 * index)
        path.write_bytes(
            generate_capture_jpeg(1600, 1067, text=f"ptpkit demo #{index + 1}", when=when)
        )
        paths.append(path)
    return paths


class EmulatorThread:
    """An emulated camera (``ptpkit.emulator.serve``) running in a thread's own event loop,
    so that blocking code in this thread (the CLI, the sync facade) can talk to it."""

    def __init__(self, dirs: Sequence[str | Path], **options: Any) -> None:
        self._dirs = [str(d) for d in dirs]
        self._options = options
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._main, name="ptpkit-emulator", daemon=True)
        self.server: Any = None
        self.host = "127.0.0.1"
        self.port = 0

    def _main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to the starting thread
            self._error = exc
            self._ready.set()

    async def _serve(self) -> None:
        from ptpkit.emulator import serve

        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with serve(self._dirs, **self._options) as server:
            self.server = server
            self.host, self.port = server.host, server.port
            self._ready.set()
            await self._stop.wait()

    def call(self, func: Any, *args: Any) -> None:
        """Run ``func(*args)`` in the emulator's loop (e.g. ``server.inject_event``)."""
        assert self._loop is not None
        self._loop.call_soon_threadsafe(func, *args)

    def __enter__(self) -> EmulatorThread:
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            raise self._error
        if not self._ready.is_set():
            raise RuntimeError("the emulator did not start")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            try:
                self._loop.call_soon_threadsafe(self._stop.set)
            except RuntimeError:  # the loop already ended
                pass
        self._thread.join(10)


@click.command()
@click.option(
    "--keep",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the demo's folders here instead of a temporary directory.",
)
@click.pass_context
def demo(ctx: click.Context, keep: Path | None) -> None:
    """Try ptpkit without a camera: an emulated camera with sample pictures, and the
    info, ls, sync and capture commands run against it."""
    from rich.rule import Rule

    # The steps run through the command group this demo was called from (the `ptpkit`
    # group, where every command is registered): the demo never imports that group.
    ptpkit_main = ctx.find_root().command
    out = console()
    with tempfile.TemporaryDirectory(prefix="ptpkit-demo-") as tmp:
        base = keep if keep is not None else Path(tmp)
        card, photos = base / "card", base / "photos"
        started = time.perf_counter()
        pictures = make_sample_pictures(card)
        out.print(
            f"[bold]ptpkit demo[/bold]: {len(pictures)} generated pictures in {card}",
            highlight=False,
        )
        with EmulatorThread(
            [card], writable=True, name="ptpkit demo camera", model="Demo Camera"
        ) as emulator:
            out.print(
                f"Emulated PTP/IP camera listening on {emulator.host}:{emulator.port}",
                highlight=False,
            )
            address = ["-H", emulator.host, "-p", str(emulator.port)]
            steps = [
                ["info", *address],
                ["ls", "-l", *address],
                ["sync", str(photos), *address],
                ["capture", "--download", str(photos / "captured"), *address],
            ]
            for args in steps:
                out.print(Rule(f"$ ptpkit {shlex.join(args)}", align="left", style="cyan"))
                try:
                    ptpkit_main.main(args=args, prog_name="ptpkit", standalone_mode=False)
                except click.exceptions.Exit as exc:
                    if exc.exit_code:
                        raise
        files = sorted(p for p in photos.rglob("*") if p.is_file())
        out.print(Rule(style="cyan"))
        out.print(
            f"Done in {time.perf_counter() - started:.1f} s: {len(files)} files in {photos}"
            + ("" if keep else " (a temporary folder, now removed; keep it with --keep DIR)"),
            highlight=False,
        )
