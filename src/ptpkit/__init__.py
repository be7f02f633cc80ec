"""ptpkit: PTP/IP (ISO 15740 over TCP/IP) for Python.

A sans-IO protocol core (:mod:`ptpkit.proto`), an asyncio initiator with a synchronous
facade, a camera emulator, and the ``ptpkit`` command line.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
