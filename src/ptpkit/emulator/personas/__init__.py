"""Emulator personas: the camera families the emulator can play, one module per vendor
(of the same name as its wire knowledge in :mod:`ptpkit.proto.vendors`)."""

from __future__ import annotations
