"""Vendor personas of the emulated camera: one module per vendor (``canon``: ``canon-eos``)."""

from __future__ import annotations
