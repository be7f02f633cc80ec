"""Vendor wire knowledge, sans-IO: one module per camera family.

Each module holds that vendor's operation, event and property codes (``IntEnum``\\ s with
the names gphoto2 and the vendors use) and the codecs of its vendor datasets, as frozen
dataclasses with ``encode()``/``decode()`` built on :class:`~ptpkit.proto.buffer.Buffer`.
Like the rest of ``ptpkit.proto`` they never touch a socket, a file or a clock. The
client's dialects (``ptpkit.dialects``) and the emulator's personas
(``ptpkit.emulator.personas``) are built on them, one module of the same name per vendor.

Each vendor module also declares ``VENDOR``, a :class:`~ptpkit.proto.vendors.base.Vendor`
(how a DeviceInfo selects it, its code enums, the decoders of its operations' data), and
is listed in :data:`~ptpkit.proto.vendors.registry.KNOWN_VENDORS`: that is how ``ptpkit
dissect`` names vendor operations, events and properties and decodes vendor datasets.
"""

from __future__ import annotations
