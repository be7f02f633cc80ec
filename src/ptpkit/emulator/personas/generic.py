"""The generic persona: a standard PTP camera (ISO 15740) that keeps gphoto2 on its
generic path (VendorExtensionID 0, a manufacturer no vendor path knows). What it does is
described in :mod:`ptpkit.emulator.camera`."""

from __future__ import annotations

from ptpkit.emulator.camera import OPERATION_HANDLERS, EmulatedCamera
from ptpkit.emulator.device import GENERIC_DEVICE, CameraIdentity
from ptpkit.emulator.personas.base import Persona
from ptpkit.emulator.properties import DeviceProperties

__all__ = ["GENERIC"]

GENERIC = Persona(
    name="generic",
    summary="a standard PTP camera (events on the event channel, InitiateCapture)",
    identity=CameraIdentity(),
    description=GENERIC_DEVICE,
    operations=OPERATION_HANDLERS,
    properties=DeviceProperties,
    camera_class=EmulatedCamera,
)
