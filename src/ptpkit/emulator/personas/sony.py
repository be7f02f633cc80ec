"""The Sony persona: an ILCE-7M3-like Alpha in "PC remote" mode, as Debian's gphoto2 2.5.30
and ptpkit's ``sony`` dialect expect it (dialects.md §4 and §10.3).

What it answers:

* **DeviceInfo**: VendorExtensionID 0xFFFFFFFF with Manufacturer exactly "Sony
  Corporation", as Sony bodies report it over PTP/IP (an ILCE-5000 on Wi-Fi,
  libgphoto2 issue #16; 0x11 is their USB form). gphoto2 turns that into Sony (rule i of
  §1.2) and so do ptpkit's dialect and dissector: the persona proves the harder path.
  It lists the standard operations, SDIOConnect 0x9201 and GetSDIOGetExtDeviceInfo
  0x9202, no events and no properties: the rest comes from 0x9202.
* **The SDIO handshake**: 0x9201 with 1, 2 and 3 (an empty data phase and OK), 0x9202
  (the asked version echoed, 0xC8 or 0x12C; then the Sony operations 0x9205, 0x9207,
  0x9209, 0x9280 and 0x9281, the events 0xC201-0xC203 and the properties; a second list
  holds the controls 0xD2C1 and 0xD2C2).
* **Properties**: GetAllDevicePropData 0x9209 (the blob of
  :class:`~ptpkit.emulator.personas.sony_props.SonyProperties`), SetControlDeviceA 0x9205
  (a value in the property's type), SetControlDeviceB 0x9207 (a control press, or a
  signed one-byte step for ISO, shutter, aperture and exposure compensation). A change
  is announced with 0xC203(code). 0x9205 with a value outside a stepped property's
  enumeration is ignored, not refused: gphoto2 2.5.30 sends one after stepping the shutter
  (its value converted to an integer, 0) and real bodies evidently accept it.
* **Capture**: 0x9207 AutoFocus 2 (half press; with autofocus, FocusFound 0xD213 becomes 2
  and 0xC203(0xD213) is sent), Capture 2 (full press: a JPEG is made in memory; then
  ObjectInMemory 0xD215 = 0x8001 and the event 0xC201(0xFFFFC001) on the event channel),
  the releases (1). GetObjectInfo / GetObject / GetPartialObject of 0xFFFFC001 read it;
  the download sets 0xD215 back to 0. The picture stays readable until the next one.
* **0x9280 / 0x9281**, listed together (§4.4): 0x9280 takes the notice (16 or 18 bytes),
  0x9281 answers an empty data phase.
* **Storage**: served with folders, one storage per folder as the generic camera; with
  none (:class:`~ptpkit.emulator.no_storage.NoStorage`), the "remote" mode of real bodies:
  no storage at all.
* **Transport**: real bodies send an Init Command Ack without its protocol-version field
  (Wireshark 4.0 calls that malformed); ``ptpkit serve --persona sony --quirk
  no-ack-version`` plays that too.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from dataclasses import replace

from ptpkit.aio.responder_app import Reply
from ptpkit.emulator.backend import Storage
from ptpkit.emulator.camera import OPERATION_HANDLERS
from ptpkit.emulator.camera_core import CameraCore, OperationTable
from ptpkit.emulator.device import CameraIdentity, DeviceDescription
from ptpkit.emulator.faults import Faults
from ptpkit.emulator.imaging import generate_capture_jpeg
from ptpkit.emulator.operations import BufferSink, Initiator, Request, Result, operation
from ptpkit.emulator.personas.base import Persona
from ptpkit.emulator.personas.held import HeldPicture, held_object_info, serve_held_pictures
from ptpkit.emulator.personas.sony_props import CONTROLS, STEPPED, SonyProperties
from ptpkit.emulator.properties import DeviceProperties
from ptpkit.errors import DecodeError, PropertyError, StoreError
from ptpkit.proto.codes import (
    DataType,
    DevicePropCode,
    ObjectFormat,
    OperationCode,
    ResponseCode,
    VendorOperationCode,
)
from ptpkit.proto.datasets import DeviceInfo, decode_value
from ptpkit.proto.vendors.sony import (
    CAPTURE_OBJECT,
    SONY_PROTOCOL_200,
    SONY_PROTOCOL_300,
    SonyDevicePropCode,
    SonyEventCode,
    SonyExtDeviceInfo,
    SonyNotice,
    SonyOperationCode,
)

__all__ = [
    "EXT_INFO_OPERATIONS",
    "SONY",
    "SONY_DEVICE",
    "SONY_IDENTITY",
    "SONY_OPERATIONS",
    "MemoryObject",
    "SonyCamera",
]

log = logging.getLogger("ptpkit.emulator.sony")

Op = OperationCode
SOp = SonyOperationCode
SEv = SonyEventCode
_D = SonyDevicePropCode

SONY_IDENTITY = CameraIdentity(
    friendly_name="ILCE-7M3",
    manufacturer="Sony Corporation",
    model="ILCE-7M3",
    device_version="3.01",
)

SONY_DEVICE = DeviceDescription(
    standard_version=100,
    vendor_extension_id=0xFFFFFFFF,
    vendor_extension_version=100,
    vendor_extension_desc="Sony PTP Extensions",
    events_supported=(),
    capture_formats=(ObjectFormat.EXIF_JPEG,),
    image_formats=(ObjectFormat.Association, ObjectFormat.EXIF_JPEG, 0xB101),
)

#: Sony operations announced by 0x9202 rather than in DeviceInfo.
EXT_INFO_OPERATIONS: tuple[int, ...] = (
    SOp.SetControlDeviceA,
    SOp.SetControlDeviceB,
    SOp.GetAllDevicePropData,
    SOp.Notice,
    SOp.NoticeReply,
)
_EXT_INFO_EVENTS = (SEv.ObjectAdded, SEv.ObjectRemoved, SEv.PropertyChanged)
_NOT_ON_SONY = frozenset(
    {
        Op.InitiateCapture,
        Op.InitiateOpenCapture,
        Op.TerminateOpenCapture,
        VendorOperationCode.AndroidGetPartialObject64,
    }
)

#: The persona's operations: the generic camera's (without its capture) and Sony's.
SONY_OPERATIONS: OperationTable = {
    code: spec for code, spec in OPERATION_HANDLERS.items() if code not in _NOT_ON_SONY
}

_PRESS, _RELEASE = 2, 1
_FOCUSED, _NOT_FOCUSED = 2, 1
_IN_MEMORY = 0x8001


#: The picture a capture left in the camera's memory (handle 0xFFFFC001).
MemoryObject = HeldPicture


class SonyCamera(CameraCore):
    """The Sony body (see the module documentation). Takes CameraCore's arguments; the
    operations, description, identity and properties default to the Sony persona's."""

    def __init__(
        self,
        store: Storage,
        *,
        operations: OperationTable | None = None,
        description: DeviceDescription | None = None,
        identity: CameraIdentity | None = None,
        properties: DeviceProperties | None = None,
        writable: bool = False,
        allow_format: bool = False,
        faults: Faults | None = None,
        rescan_interval: float | None = 2.0,
        open_capture_interval: float = 1.0,
        mtp: bool = False,
    ) -> None:
        if properties is None:
            properties = SonyProperties()
        elif not isinstance(properties, SonyProperties):  # the same properties, as a blob
            properties = SonyProperties(tuple(properties.spec(c) for c in properties.codes))
        self.sony: SonyProperties = properties
        super().__init__(
            store,
            operations=SONY_OPERATIONS if operations is None else operations,
            description=description or SONY_DEVICE,
            identity=identity or SONY_IDENTITY,
            properties=self.sony,
            writable=writable,
            allow_format=allow_format,
            faults=faults,
            rescan_interval=rescan_interval,
            open_capture_interval=open_capture_interval,
            mtp=mtp,
        )
        self.memory: MemoryObject | None = None
        self.notices: list[SonyNotice] = []  # every 0x9280 notice received, in order
        self.sdio_steps: list[int] = []  # every SDIOConnect phase asked for, in order
        self.pictures = 0

    def device_info(self) -> DeviceInfo:
        info = super().device_info()
        return replace(
            info,
            operations_supported=tuple(
                code for code in info.operations_supported if code not in EXT_INFO_OPERATIONS
            ),
            device_properties_supported=(),
        )

    def ext_device_info(self, version: int) -> SonyExtDeviceInfo:
        """The answer to 0x9202: Sony's operations, events and properties; the controls
        in the second list."""
        props = tuple(code for code in self.sony.codes if code not in CONTROLS)
        controls = tuple(code for code in self.sony.codes if code in CONTROLS)
        return SonyExtDeviceInfo(
            version, (*EXT_INFO_OPERATIONS, *_EXT_INFO_EVENTS, *props), controls
        )

    # -- state changes --------------------------------------------------------------
    def changed(self, code: int) -> None:
        """Announce a property change (0xC203) to every initiator."""
        self.broadcast(SEv.PropertyChanged, (code,))

    def force(self, code: int, value: int) -> None:
        if self.sony.force(code, value):
            self.changed(code)

    async def take_picture(self) -> None:
        """The full press: make the picture, keep it in memory, announce it."""
        self.force(_D.ObjectInMemory, 0)
        loop = asyncio.get_running_loop()
        width, height = self.sony.image_size
        self.pictures += 1
        when = self.sony.now()
        data = await loop.run_in_executor(
            None,
            functools.partial(
                generate_capture_jpeg,
                width,
                height,
                text=f"{self.identity.model} #{self.pictures}",
                when=when,
                make="SONY",
                model=self.identity.model,
            ),
        )
        info = held_object_info(
            data, f"DSC{self.pictures % 100000:05d}.JPG", when, size=(width, height)
        )
        self.memory = MemoryObject(data, info)
        self.force(_D.ObjectInMemory, _IN_MEMORY)
        self.broadcast(SEv.ObjectAdded, (CAPTURE_OBJECT,))

    async def after_download(self) -> None:
        """The picture in memory was read: nothing waits any more."""
        self.force(_D.ObjectInMemory, 0)


def _sony(cam: CameraCore) -> SonyCamera:
    assert isinstance(cam, SonyCamera), "a Sony operation on a camera that is not Sony's"
    return cam


# -- the SDIO handshake --------------------------------------------------------------------


@operation(SONY_OPERATIONS, SOp.SDIOConnect, "in")
def _sdio_connect(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    phase = req.p(0)
    if phase not in (1, 2, 3):
        return Reply(ResponseCode.InvalidParameter)
    _sony(cam).sdio_steps.append(phase)
    return Reply(data=b"")  # gphoto2 ignores the data but needs a data phase (§1.4)


@operation(SONY_OPERATIONS, SOp.GetSDIOGetExtDeviceInfo, "in")
def _get_ext_device_info(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    asked = req.p(0)
    version = asked if asked in (SONY_PROTOCOL_200, SONY_PROTOCOL_300) else SONY_PROTOCOL_200
    return Reply(data=_sony(cam).ext_device_info(version).encode())


# -- properties ------------------------------------------------------------------------------


@operation(SONY_OPERATIONS, SOp.GetAllDevicePropData, "in")
def _get_all_device_prop_data(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    return Reply(data=_sony(cam).sony.blob().encode())


@operation(SONY_OPERATIONS, SOp.SetControlDeviceA, "out")
def _set_control_device_a(cam: CameraCore, who: Initiator, req: Request) -> Result:
    sony = _sony(cam)
    code = req.p(0)
    spec = sony.sony.spec(code)  # DevicePropNotSupported before reading the data

    def complete(data: bytes) -> Reply:
        try:
            value = decode_value(spec.data_type, data)
        except DecodeError:
            return Reply(ResponseCode.InvalidDevicePropFormat)
        if code in STEPPED and not spec.allows(value):
            log.info("0x9205: ignoring 0x%04X = %r (not a value of the property)", code, value)
            return Reply()
        if code in CONTROLS:
            return _control(sony, who, code, value)
        try:
            if sony.sony.set(code, value):
                sony.changed(code)
        except PropertyError as exc:
            return Reply(exc.code)
        return Reply()

    return BufferSink(complete, limit=64)


@operation(SONY_OPERATIONS, SOp.SetControlDeviceB, "out")
def _set_control_device_b(cam: CameraCore, who: Initiator, req: Request) -> Result:
    sony = _sony(cam)
    code = req.p(0)
    sony.sony.spec(code)

    def complete(data: bytes) -> Reply:
        if code in CONTROLS:
            try:
                value = decode_value(DataType.UINT16, data)
            except DecodeError:
                return Reply(ResponseCode.InvalidDevicePropFormat)
            return _control(sony, who, code, value)
        if len(data) != 1:
            return Reply(ResponseCode.InvalidDevicePropFormat)
        try:
            if sony.sony.step(code, int.from_bytes(data, "little", signed=True)):
                sony.changed(code)
        except PropertyError as exc:
            return Reply(exc.code)
        return Reply()

    return BufferSink(complete, limit=64)


def _control(sony: SonyCamera, who: Initiator, code: int, value: object) -> Reply:
    """A button: AutoFocus (half press) or Capture (full press), 2 pressed, 1 released."""
    if value not in (_PRESS, _RELEASE):
        return Reply(ResponseCode.InvalidDevicePropValue)
    assert isinstance(value, int)
    sony.sony.force(code, value)
    if code == _D.AutoFocus:
        manual = sony.sony.get(DevicePropCode.FocusMode) == 1
        if value == _PRESS and not manual:
            sony.force(_D.FocusFound, _FOCUSED)
        elif value == _RELEASE:
            sony.force(_D.FocusFound, _NOT_FOCUSED)
        return Reply()
    if value == _PRESS:
        return Reply(after=sony.take_picture)
    return Reply()


# -- 0x9280 / 0x9281 -------------------------------------------------------------------------


@operation(SONY_OPERATIONS, SOp.Notice, "out")
def _notice(cam: CameraCore, who: Initiator, req: Request) -> Result:
    sony = _sony(cam)

    def complete(data: bytes) -> Reply:
        try:
            sony.notices.append(SonyNotice.decode(data))
        except DecodeError:
            return Reply(ResponseCode.InvalidDataSet)
        return Reply()

    return BufferSink(complete, limit=64)


@operation(SONY_OPERATIONS, SOp.NoticeReply, "in")
def _notice_reply(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    return Reply(data=b"")


# -- the picture in memory (0xFFFFC001) ----------------------------------------------------


def _memory(cam: CameraCore, handle: int) -> HeldPicture | None:
    if handle != CAPTURE_OBJECT:
        return None
    memory = _sony(cam).memory
    if memory is None:
        raise StoreError(ResponseCode.InvalidObjectHandle, "no picture in memory")
    return memory


serve_held_pictures(
    SONY_OPERATIONS,
    _memory,
    (Op.GetObjectInfo, Op.GetObject, Op.GetPartialObject, Op.GetThumb),
    after_read=lambda cam: _sony(cam).after_download,
)


SONY = Persona(
    name="sony",
    summary="an Alpha in PC remote: SDIO handshake, the 0x9209 property blob, "
    "SetControlDevice presses, captures in memory at 0xFFFFC001",
    identity=SONY_IDENTITY,
    description=SONY_DEVICE,
    operations=SONY_OPERATIONS,
    properties=SonyProperties,
    camera_class=SonyCamera,
)
"""The Sony persona (``ptpkit serve --persona sony``)."""
