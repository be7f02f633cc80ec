"""Emulator personas: the emulated camera as one vendor's body (one module per vendor)."""

from __future__ import annotations
