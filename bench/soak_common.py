"""What the soak's processes share (``make soak``, see bench/soak.py): event loops, the
file descriptors and RSS of a process, hashes, and how an error is named and judged."""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import hashlib
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from ptpkit.errors import PtpError, PtpResponseError

T = TypeVar("T")

#: Where uploads go on every camera (a folder the controller creates on each card).
UPLOAD_FOLDER = "UPLOAD"
#: The folder of the files that never change: every one must be listed and intact.
STABLE_FOLDER = "DCIM/100SOAK"


def run(coro: Coroutine[Any, Any, T], loop: str) -> T:
    """Run ``coro`` in a fresh asyncio or uvloop event loop."""
    if loop == "uvloop":
        import uvloop

        event_loop = uvloop.new_event_loop()
    else:
        event_loop = asyncio.new_event_loop()
    try:
        return event_loop.run_until_complete(coro)
    finally:
        try:
            pending = [t for t in asyncio.all_tasks(event_loop) if not t.done()]
            for task in pending:
                task.cancel()
            if pending:
                event_loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            event_loop.run_until_complete(event_loop.shutdown_asyncgens())
        finally:
            event_loop.close()


def open_fds(pid: int | str = "self") -> int:
    return sum(1 for _ in Path(f"/proc/{pid}/fd").iterdir())


def rss_kib(pid: int | str = "self") -> int:
    """The process's resident memory; for the process itself, after collecting garbage
    and giving freed heap pages back to the system (see bench/soak.py's CHILD_ENV): what
    it still holds."""
    if pid == "self":
        gc.collect()
        _trim()
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _trim() -> None:
    """glibc's malloc_trim(0): free heap pages go back to the system (elsewhere: nothing)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        pass


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def error_name(exc: BaseException) -> str:
    """How the summary counts an error: its type, and a camera's response by name."""
    if isinstance(exc, PtpResponseError):
        return f"PtpResponseError({exc.name})"
    return type(exc).__name__


def expected(exc: BaseException) -> bool:
    """Errors a client may raise while faults are injected (ConnectionLost,
    PtpTimeoutError, TransferError, a camera's error response, ...): counted, never a
    failure. Anything else (OSError, a bare TimeoutError, an internal error) is a bug."""
    return isinstance(exc, PtpError)


def is_temporary(name: str) -> bool:
    """A file a download may leave behind when interrupted (``X.part``, its notes, a
    hidden temporary file): allowed, never a final name."""
    return ".part" in name or name.startswith(".")
