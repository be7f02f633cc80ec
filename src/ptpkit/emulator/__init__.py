"""The camera emulator: a folder-backed storage (and, later, the PTP/IP responder around it)."""

from __future__ import annotations

from ptpkit.emulator.camera import CameraIdentity, EmulatedCamera
from ptpkit.emulator.faults import CaptureMode, Faults, Quirk
from ptpkit.emulator.properties import DeviceProperties
from ptpkit.emulator.serve import EmulatorServer, serve

__all__ = [
    "CameraIdentity",
    "CaptureMode",
    "DeviceProperties",
    "EmulatedCamera",
    "EmulatorServer",
    "Faults",
    "Quirk",
    "serve",
]
