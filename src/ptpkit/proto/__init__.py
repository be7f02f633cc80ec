"""The sans-IO PTP/IP and PTP core: no sockets, no clocks, no files."""

from __future__ import annotations
