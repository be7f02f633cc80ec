"""``python -m bench.loop_run LOOP ARGS…``: the ``ptpkit`` command on a chosen event loop.

``uvloop``: uvloop's, whatever ptpkit would pick; ``asyncio``: asyncio's own, with uvloop
hidden (ptpkit's commands use uvloop when they can import it). For ``--loop``.
"""

from __future__ import annotations

import asyncio
import sys

if __name__ == "__main__":
    loop = sys.argv.pop(1)
    if loop == "uvloop":
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    elif loop == "asyncio":
        sys.modules["uvloop"] = None  # type: ignore[assignment]  # import uvloop fails
    else:
        raise SystemExit(f"unknown loop {loop!r}")

    from ptpkit.cli.main import main

    sys.exit(main())
