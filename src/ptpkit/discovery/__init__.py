"""Finding cameras on the network, and being found.

:func:`discover` looks for PTP/IP cameras (DNS-SD ``_ptp._tcp`` and SSDP) and gives
:class:`FoundCamera` records; :mod:`ptpkit.discovery.advertise` announces an emulated
camera (``ptpkit serve --advertise``). The wire format of SSDP is in
:mod:`ptpkit.proto.ssdp` (sans-IO).
"""

from __future__ import annotations

from ptpkit.discovery.browse import Discovery, discover
from ptpkit.discovery.records import FoundCamera

__all__ = ["Discovery", "FoundCamera", "discover"]
