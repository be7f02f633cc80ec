"""How a client knows a Fujifilm body before it loads anything of its variant of PTP/IP
(dialects.md §5): the variant's TCP ports, and the Init Fail reason a body gives a
standard Init Command Request. :mod:`ptpkit.proto.vendors.fuji` holds the rest."""

from __future__ import annotations

__all__ = ["COMMAND_PORT", "EVENT_PORT", "INIT_FAIL_WRONG_VERSION", "LIVEVIEW_PORT"]

#: TCP ports (§5.1). The event port does not follow a custom command port; the live-view
#: port is the event port + 1.
COMMAND_PORT = 55740
EVENT_PORT = 55741
LIVEVIEW_PORT = 55742

#: The Init Fail reason a Fujifilm body gives a request without the magic number (a
#: standard CIPA Init Command Request): PTP's InvalidParameter, which malc0mn/ptp-ip
#: saw an X-T1 send for a wrong protocol version. A client can tell a Fujifilm body by it.
INIT_FAIL_WRONG_VERSION = 0x201D
