"""Who the emulated camera says it is: its identity (Init Command Ack, DeviceInfo) and
the description of its camera family that DeviceInfo is built from."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from ptpkit import __version__
from ptpkit.proto.codes import EventCode, ObjectFormat
from ptpkit.proto.datasets import DeviceInfo

Ev = EventCode

__all__ = ["GENERIC_DEVICE", "CameraIdentity", "DeviceDescription", "build_device_info"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CameraIdentity:
    """Who the camera says it is (Init Command Ack and DeviceInfo).

    The defaults keep gphoto2 on its generic PTP path: VendorExtensionID 0 and a
    manufacturer without a brand gphoto2 knows. ``guid`` None = a random GUID.
    """

    friendly_name: str = "ptpkit camera"
    manufacturer: str = "ptpkit"
    model: str = "Emulated Camera"
    device_version: str = __version__
    serial_number: str = ""
    guid: bytes | None = None

    def resolved(self) -> CameraIdentity:
        """The same identity with a GUID and a serial number filled in."""
        guid = self.guid if self.guid is not None else uuid.uuid4().bytes
        if len(guid) != 16:
            raise ValueError("a GUID is 16 bytes")
        serial = self.serial_number or guid.hex()[:12].upper()
        return CameraIdentity(
            friendly_name=self.friendly_name,
            manufacturer=self.manufacturer,
            model=self.model,
            device_version=self.device_version,
            serial_number=serial,
            guid=guid,
        )


_EVENTS_SUPPORTED: tuple[int, ...] = (
    Ev.CancelTransaction,
    Ev.ObjectAdded,
    Ev.ObjectRemoved,
    Ev.DevicePropChanged,
    Ev.ObjectInfoChanged,
    Ev.StoreFull,
    Ev.StorageInfoChanged,
    Ev.CaptureComplete,
)

_IMAGE_FORMATS: tuple[int, ...] = (
    ObjectFormat.Undefined,
    ObjectFormat.Association,
    ObjectFormat.Text,
    ObjectFormat.WAV,
    ObjectFormat.MP3,
    ObjectFormat.AVI,
    ObjectFormat.MPEG,
    ObjectFormat.QuickTime,
    ObjectFormat.UndefinedImage,
    ObjectFormat.EXIF_JPEG,
    ObjectFormat.TIFF_EP,
    ObjectFormat.BMP,
    ObjectFormat.GIF,
    ObjectFormat.PNG,
    ObjectFormat.TIFF,
    ObjectFormat.JP2,
    ObjectFormat.DNG,
    ObjectFormat.MTP_MP4,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceDescription:
    """What a camera family's DeviceInfo says besides its identity, its operations and
    its properties (those come from :class:`CameraIdentity`, the operation table and
    :class:`~ptpkit.emulator.properties.DeviceProperties`). A persona replaces it."""

    standard_version: int = 100
    vendor_extension_id: int = 0  # 0: gphoto2 takes its generic PTP path
    vendor_extension_version: int = 0
    vendor_extension_desc: str = ""
    functional_mode: int = 0
    events_supported: tuple[int, ...] = _EVENTS_SUPPORTED
    capture_formats: tuple[int, ...] = (ObjectFormat.EXIF_JPEG,)
    image_formats: tuple[int, ...] = _IMAGE_FORMATS


#: The generic PTP camera.
GENERIC_DEVICE = DeviceDescription()


def build_device_info(
    description: DeviceDescription,
    identity: CameraIdentity,
    operations: tuple[int, ...],
    properties: tuple[int, ...],
) -> DeviceInfo:
    """The DeviceInfo of a camera: its family's description, identity, the operations it
    lists and the device properties it has."""
    return DeviceInfo(
        standard_version=description.standard_version,
        vendor_extension_id=description.vendor_extension_id,
        vendor_extension_version=description.vendor_extension_version,
        vendor_extension_desc=description.vendor_extension_desc,
        functional_mode=description.functional_mode,
        operations_supported=operations,
        events_supported=description.events_supported,
        device_properties_supported=properties,
        capture_formats=description.capture_formats,
        image_formats=description.image_formats,
        manufacturer=identity.manufacturer,
        model=identity.model,
        device_version=identity.device_version,
        serial_number=identity.serial_number,
    )
