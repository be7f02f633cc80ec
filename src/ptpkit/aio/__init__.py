"""asyncio adapters around the sans-IO core: the client (connect) and the server (serve)."""

from __future__ import annotations
