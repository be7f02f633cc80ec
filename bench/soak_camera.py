"""One camera of the soak: ``python -m bench.soak_camera DIR [--port N] [--loop L]``.

An emulated camera (:func:`ptpkit.emulator.serve`, writable) that the soak's controller
restarts on command, each time on the same port and folder and with new faults. Commands
come on stdin and answers go to stdout, one JSON object a line, each answer starting with
the command's ``id``:

``{"id": 1, "cmd": "restart", "faults": {...}, "down": 0.5}``
    End every session (the camera goes away), stay down ``down`` seconds, and come back
    with these faults (see :func:`faults_from`).
``{"id": 2, "cmd": "stats"}``
    Sessions connected, open file descriptors, RSS, and hidden upload files left in
    the folder.
``{"id": 3, "cmd": "stop"}``
    Close and exit 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from bench.soak_common import open_fds, rss_kib
from bench.soak_common import run as run_loop
from ptpkit.emulator import Faults
from ptpkit.emulator.serve import EmulatorServer, serve
from ptpkit.emulator.store_paths import TEMP_PREFIX


def faults_from(spec: dict[str, Any]) -> Faults:
    """Faults from the controller's JSON: ``delay`` and ``fail`` map operation codes
    (as decimal strings) to seconds / response codes; ``drop_operations`` and ``quirks``
    are lists; the rest are :class:`Faults` fields as they are."""
    return Faults(
        delay={int(op): float(s) for op, s in spec.get("delay", {}).items()},
        fail={int(op): int(rc) for op, rc in spec.get("fail", {}).items()},
        drop_after_bytes=spec.get("drop_after_bytes"),
        drop_operations=frozenset(spec.get("drop_operations", ())),
        split_writes=spec.get("split_writes"),
        coalesce=bool(spec.get("coalesce", False)),
        random_drops=spec.get("random_drops"),
        quirks=frozenset(spec.get("quirks", ())),
    )


def say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


class SoakCamera:
    def __init__(self, root: Path, port: int) -> None:
        self.root = root
        self.port = port
        self.server: EmulatorServer | None = None

    async def start(self, faults: Faults) -> None:
        server = serve(
            [self.root],
            port=self.port,
            writable=True,
            name="soak camera",
            faults=faults,
            rescan_interval=2.0,
        )
        for attempt in range(50):  # the port of the previous run may linger a moment
            try:
                await server.start()
                break
            except OSError:
                if attempt == 49:
                    raise
                await asyncio.sleep(0.1)
        self.server = server
        self.port = server.port

    async def stop(self) -> None:
        server, self.server = self.server, None
        if server is not None:
            await server.close()

    def stats(self) -> dict[str, Any]:
        leftovers = [p.name for p in self.root.rglob(f"{TEMP_PREFIX}*")]
        return {
            "sessions": self.server.sessions if self.server is not None else 0,
            "fds": open_fds(),
            "rss_kib": rss_kib(),
            "temp_files": len(leftovers),
        }


async def main(root: Path, port: int) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    camera = SoakCamera(root, port)
    await camera.start(Faults())
    say({"id": 0, "event": "listening", "port": camera.port, "pid": os.getpid()})
    try:
        while line := await reader.readline():
            command = json.loads(line)
            cid, what = command["id"], command["cmd"]
            if what == "restart":
                await camera.stop()
                await asyncio.sleep(float(command.get("down", 0.0)))
                await camera.start(faults_from(command.get("faults", {})))
                say({"id": cid, "ok": True, "port": camera.port})
            elif what == "stats":
                say({"id": cid, "ok": True, **camera.stats()})
            elif what == "stop":
                say({"id": cid, "ok": True})
                break
            else:
                say({"id": cid, "ok": False, "error": f"unknown command {what!r}"})
    finally:
        await camera.stop()


def run() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.soak_camera")
    parser.add_argument("dir", type=Path)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    args = parser.parse_args()
    run_loop(main(args.dir, args.port), args.loop)


if __name__ == "__main__":
    run()
