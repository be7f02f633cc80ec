"""The ``nikon`` persona: a Nikon Z 6 over Wi-Fi, as Debian's gphoto2 (2.5.30) expects one.

What it answers (dialects.md §3, §9 and §10.2; the codes are
:mod:`ptpkit.proto.vendors.nikon`'s):

* DeviceInfo: VendorExtensionID 0xA, "Nikon Corporation", "Z 6". The standard properties
  are in DeviceInfo; the vendor ones (0xD0xx-0xD1xx) only in **GetVendorPropCodes
  0x90CA**, and all are read and written with the standard GetDevicePropDesc/Value and
  SetDevicePropValue.
* Events are **not** sent on the event channel: every event for an initiator is queued
  for its **GetEvent 0x90C7**, which answers the queue (at most 65535 records) and
  empties it; an empty queue is a count of 0, always with a data phase (gphoto2 waits
  for one). ``also_on_channel`` sends them on the channel too.
* **InitiateCaptureRecInMedia 0x9207** (p1 AF mode, p2 target: 1 SDRAM, 0 card) answers
  OK at once; then **DeviceReady 0x90C8** answers DeviceBusy while the picture is being
  made and ``busy_answers`` times more, then OK. An SDRAM capture becomes object
  **0xFFFF0001** (ParentObject 0, StorageID 0) announced by ObjectAddedInSDRAM 0xC101;
  GetObjectInfo, GetObject, GetPartialObject and DeleteObject (or DelImageSDRAM 0x90C3)
  work on it. CaptureCompleteRecInSdram 0xC102 follows in the *next* GetEvent answer:
  gphoto2's capture loop consumes every event of the answer that brought 0xC101, and
  its end-of-capture wait ends only at a capture-complete event (else after 3 s). A
  card capture (writable cameras only) is a real file: ObjectAdded to every initiator,
  then CaptureComplete to the one that shot.
* **ChangeCameraMode 0x90C2** answers OK and keeps the mode.
* Live view: **StartLiveView 0x9201** (refused with the LiveViewProhibitCondition
  0xD1A4 bits when they are set), **GetLiveViewImg 0x9203** (a 384-byte header, then a
  small JPEG without EXIF, so no thumbnail can cut gphoto2's frame short), and
  **EndLiveView 0x9202**, which answers OK whatever the state: gphoto2 sends it at every
  exit and skips CloseSession when it fails.
* ``session_id_is_connection_number``: OpenSession with any other session id than the
  Init Command Ack's connection number drops the link, as a Nikon D5300 does (theta4j
  issue 4; mmattes/ptpip opens its sessions that way).
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from collections import deque
from collections.abc import Mapping
from typing import Any

from ptpkit.aio.responder_app import Reply
from ptpkit.emulator.backend import Storage
from ptpkit.emulator.camera import OPERATION_HANDLERS
from ptpkit.emulator.camera_core import CameraCore, OperationTable
from ptpkit.emulator.device import GENERIC_DEVICE, CameraIdentity, DeviceDescription
from ptpkit.emulator.imaging import generate_capture_jpeg
from ptpkit.emulator.operations import Initiator, OperationSpec, Request, Result, operation
from ptpkit.emulator.personas.base import Persona
from ptpkit.emulator.personas.held import HeldPicture, held_object_info, serve_held_pictures
from ptpkit.emulator.properties import DeviceProperties, PropertySpec, default_property_specs
from ptpkit.errors import StoreError
from ptpkit.proto.codes import TID_NONE, DataType, EventCode, ObjectFormat, OperationCode
from ptpkit.proto.codes import ResponseCode as RC
from ptpkit.proto.datasets import DeviceInfo, PropEnum
from ptpkit.proto.vendors.nikon import (
    CAPTURE_TARGET_CARD,
    SDRAM_OBJECT,
    NikonDevicePropCode,
    NikonEvent,
    NikonEventCode,
    NikonEventList,
    NikonOperationCode,
    NikonResponseCode,
    NikonVendorPropCodes,
)

__all__ = ["NIKON", "NIKON_OPERATIONS", "NikonCamera", "SdramImage", "nikon_properties"]

log = logging.getLogger("ptpkit.emulator")

Op = OperationCode
NOp = NikonOperationCode
NP = NikonDevicePropCode
Ev = EventCode

#: A queue of events awaiting an initiator's GetEvent holds at most this many.
_QUEUE_BOUND = 4096
_MAX_EVENTS = 0xFFFF  # one GetEvent answer carries at most a u16 count
_VENDOR_PROPERTIES = 0xD000  # property codes from here on are the vendor's (0x90CA)
_LIVE_VIEW_HEADER = bytes(384)  # Z-series-like header size; zeros contain no FF D8
_LIVE_VIEW_SIZE = (320, 240)
_OFF_ON = PropEnum((0, 1))


#: The picture held in the camera's memory after an SDRAM capture (object 0xFFFF0001).
SdramImage = HeldPicture


def nikon_properties() -> DeviceProperties:
    """A Z 6's properties: the standard ones, and the vendor ones gphoto2's Nikon
    configuration knows (types as gphoto2 expects them)."""
    vendor = (
        PropertySpec(NP.RecordingMedia, DataType.UINT8, 1, PropEnum((0, 1))),  # SDRAM
        PropertySpec(NP.ColorSpace, DataType.UINT8, 0, PropEnum((0, 1))),
        PropertySpec(NP.AutofocusMode, DataType.UINT8, 0, PropEnum((0, 1, 2, 3, 4))),
        PropertySpec(NP.ISOAuto, DataType.UINT8, 0, _OFF_ON),
        PropertySpec(NP.LongExposureNoiseReduction, DataType.UINT8, 0, _OFF_ON),
        PropertySpec(NP.ArtistName, DataType.STR, ""),
        PropertySpec(NP.ACPower, DataType.UINT8, 0, _OFF_ON, settable=False),
        PropertySpec(NP.LiveViewStatus, DataType.UINT8, 0, _OFF_ON, settable=False),
        PropertySpec(NP.LiveViewProhibitCondition, DataType.UINT32, 0, settable=False),
    )
    return DeviceProperties((*default_property_specs(battery_level=76), *vendor))


class NikonCamera(CameraCore):
    """A Nikon body: per-initiator GetEvent queues, the SDRAM picture, the busy state
    after a capture, the camera mode and live view (see the module documentation)."""

    #: DeviceReady answers DeviceBusy this many times after a picture is made.
    busy_answers = 3
    #: Also send every event on the PTP/IP event channel (real Wi-Fi bodies: unknown).
    also_on_channel = False
    #: Drop the link on an OpenSession whose session id is not the connection number.
    session_id_is_connection_number = False

    def __init__(self, store: Storage, **options: Any) -> None:
        super().__init__(store, **options)
        self.queues: dict[Initiator, deque[NikonEvent]] = {}
        #: events that join an initiator's queue once its next GetEvent has answered
        self.follow_ups: dict[Initiator, list[NikonEvent]] = {}
        self.sdram: SdramImage | None = None
        self.camera_mode = 0
        self._busy = 0  # DeviceBusy answers still owed after the picture is made
        self._shot_pending = False  # 0x9207 answered, the shot not yet under way
        self._shooting: asyncio.Task[None] | None = None
        self._live_frames = 0

    # -- events: queued for GetEvent ------------------------------------------------------
    def deliver_event(
        self, who: Initiator, code: int, params: tuple[int, ...] = (), tid: int = TID_NONE
    ) -> None:
        queue = self.queues.get(who)
        if queue is None:
            queue = self.queues[who] = deque(maxlen=_QUEUE_BOUND)
        queue.append(NikonEvent(code, params[0] if params else 0))
        if self.also_on_channel:
            who.send_event(code, params, tid)

    def take_events(self, who: Initiator) -> tuple[NikonEvent, ...]:
        """What GetEvent answers ``who``: its queued events, oldest first (removed); the
        follow-ups then join the queue for the next answer."""
        queue = self.queues.get(who)
        taken: tuple[NikonEvent, ...] = ()
        if queue:
            count = min(len(queue), _MAX_EVENTS)
            taken = tuple(queue.popleft() for _ in range(count))
        later = self.follow_ups.pop(who, None)
        if later:
            for event in later:
                self.deliver_event(who, event.code, (event.param,))
        return taken

    def follow_up(self, who: Initiator, code: int, param: int = 0) -> None:
        """Queue an event for ``who`` once its next GetEvent has answered."""
        self.follow_ups.setdefault(who, []).append(NikonEvent(code, param))

    def disconnect(self, who: Initiator) -> None:
        self.queues.pop(who, None)
        self.follow_ups.pop(who, None)
        super().disconnect(who)

    # -- DeviceInfo: the vendor properties are GetVendorPropCodes' ------------------------
    def device_info(self) -> DeviceInfo:
        info = super().device_info()
        standard = tuple(c for c in info.device_properties_supported if c < _VENDOR_PROPERTIES)
        return dataclasses.replace(info, device_properties_supported=standard)

    def vendor_property_codes(self) -> tuple[int, ...]:
        return tuple(c for c in self.properties.codes if c >= _VENDOR_PROPERTIES)

    # -- capture ----------------------------------------------------------------------------
    @property
    def shooting(self) -> bool:
        """Whether a picture is being made (from 0x9207's answer until it is stored)."""
        return self._shot_pending or (self._shooting is not None and not self._shooting.done())

    def device_ready(self) -> bool:
        """DeviceReady's answer: False (busy) while shooting and for ``busy_answers``
        answers more, then True."""
        if self.shooting:
            return False
        if self._busy > 0:
            self._busy -= 1
            return False
        return True

    def arm_capture(self) -> None:
        """0x9207 was accepted: busy from now on (the shot starts once OK is written)."""
        self._shot_pending = True
        self._busy = self.busy_answers

    def start_capture(self, who: Initiator, tid: int, to_card: bool) -> None:
        self._shot_pending = False
        self._shooting = asyncio.get_running_loop().create_task(self._shoot(who, tid, to_card))
        self._tasks.add(self._shooting)
        self._shooting.add_done_callback(self._tasks.discard)

    async def _shoot(self, who: Initiator, tid: int, to_card: bool) -> None:
        if self.faults.event_delay:
            await asyncio.sleep(self.faults.event_delay)
        if to_card:
            try:
                handle = await self.capture(self._capture_storage(0))
            except StoreError as exc:
                log.info("capture failed: %s", exc)
                self.deliver_event(who, Ev.CaptureComplete, (), tid)
                return
            self.broadcast(Ev.ObjectAdded, (handle,))
            self.deliver_event(who, Ev.CaptureComplete, (), tid)
            return
        data = await self.render_capture()
        info = held_object_info(
            data,
            f"DSC_{self.captures % 10000:04d}.JPG",
            self.properties.now(),
            size=self.properties.image_size,
        )
        self.sdram = SdramImage(data, info)
        self.deliver_event(who, NikonEventCode.ObjectAddedInSDRAM, (SDRAM_OBJECT,), tid)
        self.follow_up(who, NikonEventCode.CaptureCompleteRecInSdram)

    # -- live view --------------------------------------------------------------------------
    @property
    def in_live_view(self) -> bool:
        return self.properties.get(NP.LiveViewStatus) == 1

    def set_live_view(self, on: bool) -> None:
        self.properties.update(NP.LiveViewStatus, 1 if on else 0)

    async def live_view_frame(self) -> bytes:
        self._live_frames += 1
        width, height = _LIVE_VIEW_SIZE
        loop = asyncio.get_running_loop()
        jpeg = await loop.run_in_executor(
            None,
            functools.partial(
                generate_capture_jpeg,
                width,
                height,
                text=f"live view {self._live_frames}",
                when=self.properties.now(),
                quality=70,
                exif=False,
            ),
        )
        return _LIVE_VIEW_HEADER + jpeg


# -- the operation table --------------------------------------------------------------------
#: The generic camera's operations, SDRAM-aware where gphoto2 uses them on 0xFFFF0001,
#: and Nikon's own, in DeviceInfo's order.
NIKON_OPERATIONS: OperationTable = {**OPERATION_HANDLERS}
_GENERIC: Mapping[int, OperationSpec[CameraCore]] = dict(OPERATION_HANDLERS)


def _nikon(cam: CameraCore) -> NikonCamera:
    assert isinstance(cam, NikonCamera)
    return cam


@operation(NIKON_OPERATIONS, Op.OpenSession, session=False)
def _open_session(cam: CameraCore, who: Initiator, req: Request) -> Result:
    nikon = _nikon(cam)
    if (
        nikon.session_id_is_connection_number
        and who.session_id is None
        and req.p(0) != who.link.connection_number
    ):
        log.info(
            "OpenSession(%d) on connection %d: hanging up", req.p(0), who.link.connection_number
        )

        async def hang_up() -> None:
            who.link.close()

        return Reply(RC.GeneralError, before=hang_up)
    return _GENERIC[Op.OpenSession].handler(cam, who, req)


def _sdram(cam: CameraCore, handle: int) -> HeldPicture | None:
    if handle != SDRAM_OBJECT:
        return None
    image = _nikon(cam).sdram
    if image is None:
        raise StoreError(RC.InvalidObjectHandle, "no picture in SDRAM")
    return image


serve_held_pictures(NIKON_OPERATIONS, _sdram)


@operation(NIKON_OPERATIONS, Op.DeleteObject, needs="writable")
def _delete_object(cam: CameraCore, who: Initiator, req: Request) -> Result:
    if req.p(0) == SDRAM_OBJECT:
        return _delete_sdram(_nikon(cam))
    return _GENERIC[Op.DeleteObject].handler(cam, who, req)


def _delete_sdram(cam: NikonCamera) -> Reply:
    if cam.sdram is None:
        return Reply(RC.InvalidObjectHandle)
    cam.sdram = None
    return Reply()


@operation(NIKON_OPERATIONS, NOp.ChangeCameraMode)
def _change_camera_mode(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    _nikon(cam).camera_mode = req.p(0)
    return Reply()


@operation(NIKON_OPERATIONS, NOp.DelImageSDRAM)
def _del_image_sdram(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    if req.p(0) not in (SDRAM_OBJECT, 0):
        return Reply(RC.InvalidObjectHandle)
    return _delete_sdram(_nikon(cam))


@operation(NIKON_OPERATIONS, NOp.GetEvent, "in")
def _get_event(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    return Reply(data=NikonEventList(_nikon(cam).take_events(who)).encode())


@operation(NIKON_OPERATIONS, NOp.DeviceReady)
def _device_ready(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    return Reply() if _nikon(cam).device_ready() else Reply(RC.DeviceBusy)


@operation(NIKON_OPERATIONS, NOp.GetVendorPropCodes, "in")
def _get_vendor_prop_codes(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    return Reply(data=NikonVendorPropCodes(_nikon(cam).vendor_property_codes()).encode())


@operation(NIKON_OPERATIONS, NOp.StartLiveView)
def _start_live_view(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    nikon = _nikon(cam)
    if nikon.properties.get(NP.LiveViewProhibitCondition):
        return Reply(NikonResponseCode.InvalidStatus)
    if nikon.shooting:
        return Reply(RC.DeviceBusy)
    nikon.set_live_view(True)
    return Reply()


@operation(NIKON_OPERATIONS, NOp.EndLiveView)
def _end_live_view(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    _nikon(cam).set_live_view(False)  # OK in every state: gphoto2 sends it at every exit
    return Reply()


@operation(NIKON_OPERATIONS, NOp.GetLiveViewImg, "in")
def _get_live_view_img(cam: CameraCore, who: Initiator, req: Request) -> Result:
    nikon = _nikon(cam)
    if not nikon.in_live_view:
        return Reply(NikonResponseCode.NotLiveView)

    async def frame() -> Reply:
        return Reply(data=await nikon.live_view_frame())

    return frame()


@operation(NIKON_OPERATIONS, NOp.InitiateCaptureRecInMedia)
def _initiate_capture_rec_in_media(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    """p1: 0xFFFFFFFF without AF, 0xFFFFFFFE with AF; p2: 1 SDRAM, 0 card."""
    nikon = _nikon(cam)
    to_card = len(req.params) >= 2 and req.p(1) == CAPTURE_TARGET_CARD
    if nikon.shooting:
        return Reply(RC.DeviceBusy)
    if to_card:
        if not cam.writable:
            return Reply(RC.StoreReadOnly)
        cam._capture_storage(0)  # StoreError (full, read-only) before anything starts
    tid = req.transaction_id
    nikon.arm_capture()

    async def shoot() -> None:
        nikon.start_capture(who, tid, to_card)

    return Reply(after=shoot)


# -- the persona ------------------------------------------------------------------------------
NIKON_DEVICE = DeviceDescription(
    vendor_extension_id=0xA,
    vendor_extension_version=100,
    vendor_extension_desc="microsoft.com: 1.0",
    events_supported=(
        *GENERIC_DEVICE.events_supported,
        NikonEventCode.ObjectAddedInSDRAM,
        NikonEventCode.CaptureCompleteRecInSdram,
    ),
    capture_formats=(ObjectFormat.EXIF_JPEG,),
    image_formats=GENERIC_DEVICE.image_formats,
)

NIKON = Persona(
    name="nikon",
    summary="Nikon Z 6: GetEvent polling, InitiateCaptureRecInMedia to SDRAM or card, "
    "DeviceReady, vendor properties (0x90CA), live view",
    identity=CameraIdentity(
        friendly_name="Z 6",
        manufacturer="Nikon Corporation",
        model="Z 6",
        device_version="V3.40",
    ),
    description=NIKON_DEVICE,
    operations=NIKON_OPERATIONS,
    properties=nikon_properties,
    camera_class=NikonCamera,
)
