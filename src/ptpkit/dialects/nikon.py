"""The Nikon dialect: how the client speaks to a Nikon body (dialects.md §3).

Chosen as gphoto2 chooses its Nikon path: VendorExtensionID 0xA, or Microsoft's 6 /
MTP's 0xFFFFFFFF with "Nikon" in Manufacturer (a Z 8 reports the latter). The wire
knowledge is :mod:`ptpkit.proto.vendors.nikon`'s.

- **After OpenSession**: GetVendorPropCodes 0x90CA (when listed) adds the vendor
  properties to DeviceInfo's; a failure only costs them.
- **Events**: polled with GetEventEx 0x941C when listed, else GetEvent 0x90C7, while
  anyone listens. Like gphoto2, once a poll has returned an event, events on the PTP/IP
  event channel are no longer taken (a body that sends both would give each twice);
  until then both arrive.
- **Capture**: ChangeCameraMode(1) when listed (0xA003 tolerated), then
  InitiateCaptureRecInMedia 0x9207 (retried while the camera answers busy), DeviceReady
  0x90C8 until the camera is ready, then the polled events: ObjectAddedInSDRAM 0xC101
  (the picture is object 0xFFFF0001, in the camera's memory) or ObjectAdded and a
  capture-complete event (the card). Without 0x9207, InitiateCaptureRecInSdram 0x90C0;
  without either, the generic InitiateCapture. :attr:`capture_target` ``"memory"`` (the
  default, as gphoto2's) keeps the picture in SDRAM; ``"card"`` writes it to the card.
  An SDRAM picture is downloaded like any object; then DeleteObject frees it
  (DelImageSDRAM 0x90C3 when DeleteObject is refused otherwise than for an unknown
  handle, as gphoto2 does).
- **Properties**: standard and vendor ones by code or by name (gphoto2's config names:
  ``iso``, ``f-number``/``aperture``, ``shutterspeed``, ``colorspace``,
  ``recordingmedia``...), read and written with the standard operations, with Nikon's
  names for values (``AdobeRGB``, ``AF-C``, ``SDRAM``).
- **Before CloseSession**: EndLiveView 0x9202 when listed (gphoto2 sends it at every
  exit), ChangeCameraMode(0) when a capture set it to 1.
- **OpenSession**: some Nikons (a D5300) want the Init Command Ack's connection number as
  the session id and drop the link otherwise; ``connect`` retries that way by itself
  (see :func:`ptpkit.aio.client.connect`, ``session_id="connection"``). Sources: theta4j
  issue 4 (a D5300 closed the connection on OpenSession(1); it worked with the connection
  number) and mmattes/ptpip, written against a D5300, which opens its sessions that way.
  gphoto2 2.5.30 does not: it sends session id 1 and retries 2…10 only on
  InvalidTransactionID (``camera_init``). Since the dialect is only known after
  GetDeviceInfo, which follows OpenSession, the retry is the client's, for every camera.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from ptpkit.aio.events import EventStream
from ptpkit.aio.models import CameraEvent, CameraObject, could_be_picture
from ptpkit.dialects.base import CaptureTarget, capture_event
from ptpkit.dialects.generic import GenericDialect, vendor_property_names
from ptpkit.errors import DecodeError, PtpResponseError, PtpTimeoutError
from ptpkit.proto.codes import (
    TID_NONE,
    DevicePropCode,
    EventCode,
    OperationCode,
    ResponseCode,
)
from ptpkit.proto.datasets import PtpValue
from ptpkit.proto.vendors import nikon
from ptpkit.proto.vendors.nikon import (
    CAPTURE_TARGET_CARD,
    CAPTURE_TARGET_SDRAM,
    CAPTURE_WITH_AF,
    CAPTURE_WITHOUT_AF,
    DEVICE_READY_BUSY,
    NIKON_VALUE_NAMES,
    SDRAM_OBJECT,
    NikonDevicePropCode,
    NikonEventCode,
    NikonEventList,
    NikonEventListEx,
    NikonLiveViewImage,
    NikonOperationCode,
    NikonResponseCode,
    NikonVendorPropCodes,
    nikon_value_name,
)

if TYPE_CHECKING:
    from ptpkit.aio.client import Camera

__all__ = ["NIKON_PROPERTY_NAMES", "NikonDialect"]

_log = logging.getLogger("ptpkit.client")

Op = NikonOperationCode
_P = NikonDevicePropCode
_S = DevicePropCode

#: gphoto2's config names for the properties a Nikon body has (``--get-config NAME``).
_GPHOTO2_NAMES: dict[str, int] = {
    "iso": _S.ExposureIndex,
    "fnumber": _S.FNumber,
    "aperture": _S.FNumber,
    "shutterspeed": _S.ExposureTime,
    "exposurecompensation": _S.ExposureBiasCompensation,
    "whitebalance": _S.WhiteBalance,
    "imagesize": _S.ImageSize,
    "focusmode": _S.FocusMode,
    "capturemode": _S.StillCaptureMode,
    "expprogram": _S.ExposureProgramMode,
    "exposuremetermode": _S.ExposureMeteringMode,
    "flashmode": _S.FlashMode,
    "burstnumber": _S.BurstNumber,
    "datetime": _S.DateTime,
    "batterylevel": _S.BatteryLevel,
    "focusmode2": _P.AutofocusMode,
    "colorspace": _P.ColorSpace,
    "recordingmedia": _P.RecordingMedia,
    "autoiso": _P.ISOAuto,
    "isoauto": _P.ISO_Auto,
    "longexpnr": _P.LongExposureNoiseReduction,
    "artist": _P.ArtistName,
    "copyright": _P.CopyrightInfo,
    "imagecomment": _P.ImageCommentString,
    "acpower": _P.ACPower,
    "lensname": _P.LensID,
    "dlighting": _P.ActiveDLighting,
    "liveviewprohibit": _P.LiveViewProhibitCondition,
    "exposurecompensation2": _P.ExposureCompensation,
}

#: Property names in the Nikon dialect (normalised: lower case, letters and digits):
#: the standard names, Nikon's own (``nikonexposurecompensation`` style names are not
#: needed: the vendor enum's names), and gphoto2's config names, which win.
NIKON_PROPERTY_NAMES = vendor_property_names(NikonDevicePropCode, _GPHOTO2_NAMES)

_CAPTURE_RETRY = 100  # 0x9207 answered busy: tries, as gphoto2
_CAPTURE_RETRY_PAUSE = 0.02
_READY_PAUSE = 0.1  # between two DeviceReady polls (gphoto2's 100 ms)
_CAMERA_MODE_FAILED = NikonResponseCode.ChangeCameraModeFailed
_SDRAM_DELETE_GIVE_UP = (ResponseCode.InvalidObjectHandle, ResponseCode.StoreNotAvailable)


class NikonDialect(GenericDialect):
    """A Nikon body (see the module documentation)."""

    name: ClassVar[str] = "nikon"
    summary: ClassVar[str] = (
        "Nikon: GetEvent polling, InitiateCaptureRecInMedia to SDRAM, DeviceReady, "
        "vendor properties (0x90CA)"
    )
    vendor = nikon.VENDOR
    poll_interval = 0.1
    capture_target: CaptureTarget = "memory"  # SDRAM, gphoto2's default

    def __init__(self, camera: Camera) -> None:
        super().__init__(camera)
        #: the vendor properties GetVendorPropCodes added (not in DeviceInfo)
        self.vendor_properties: tuple[int, ...] = ()
        #: a poll has returned events: the event channel is no longer listened to
        self.polls_work = False
        self._control_mode = False

    # -- the session ----------------------------------------------------------------------
    async def start(self) -> None:
        camera = self.camera
        self.polls_events = camera.supports(Op.GetEventEx) or camera.supports(Op.GetEvent)
        if camera.supports(Op.GetVendorPropCodes):
            try:
                codes = await self.get_vendor_prop_codes()
            except (PtpResponseError, DecodeError) as exc:
                _log.info("GetVendorPropCodes failed: %s", exc)
            else:
                listed = set(camera.device_info.device_properties_supported)
                self.vendor_properties = tuple(c for c in dict.fromkeys(codes) if c not in listed)

    async def stop(self) -> None:
        camera = self.camera
        if camera.supports(Op.EndLiveView):
            await camera.transaction(Op.EndLiveView, check=False)
        if self._control_mode:
            self._control_mode = False
            await camera.transaction(Op.ChangeCameraMode, (0,), check=False)

    # -- vendor operations --------------------------------------------------------------------
    async def get_event(self) -> NikonEventList:
        """GetEvent 0x90C7: the events the camera queued since the last call (a list
        gphoto2 could not read is taken as empty, as gphoto2 does, and logged)."""
        response = await self.camera.transaction(Op.GetEvent)
        events, rejected = NikonEventList.decode_lenient(response.data)
        if rejected:
            _log.info("GetEvent data unreadable, taken as empty: %s", response.data.hex())
        return events

    async def get_event_ex(self) -> NikonEventListEx:
        """GetEventEx 0x941C: events with up to five parameters each."""
        response = await self.camera.transaction(Op.GetEventEx)
        events, rejected = NikonEventListEx.decode_lenient(response.data)
        if rejected:
            _log.info("GetEventEx data unreadable, taken as empty: %s", response.data.hex())
        return events

    async def device_ready(self) -> int:
        """DeviceReady 0x90C8: the response code (OK: ready; DeviceBusy or 0xA200: busy)."""
        return (await self.camera.transaction(Op.DeviceReady, check=False)).code

    async def wait_ready(self, timeout: float = 30.0) -> None:
        """DeviceReady until the camera is no longer busy (0xA201 counts as ready);
        another answer raises :class:`PtpResponseError`, ``timeout`` seconds of busy
        answers :class:`PtpTimeoutError`."""
        deadline = self._now() + timeout
        while True:
            code = await self.device_ready()
            if code in (ResponseCode.OK, NikonResponseCode.SilentReleaseBusy):
                return
            if code not in DEVICE_READY_BUSY:
                raise PtpResponseError(code, operation=Op.DeviceReady)
            if self._now() >= deadline:
                raise PtpTimeoutError(f"the camera stayed busy for {timeout:g} s")
            await asyncio.sleep(_READY_PAUSE)

    async def get_vendor_prop_codes(self) -> tuple[int, ...]:
        """GetVendorPropCodes 0x90CA: the vendor properties the camera has."""
        response = await self.camera.transaction(Op.GetVendorPropCodes)
        return NikonVendorPropCodes.decode(response.data).codes

    async def change_camera_mode(self, mode: int) -> None:
        """ChangeCameraMode 0x90C2 (1: the computer controls the camera, 0: the body)."""
        await self.camera.transaction(Op.ChangeCameraMode, (mode,))

    async def initiate_capture_rec_in_media(
        self, *, autofocus: bool = False, card: bool = False
    ) -> int:
        """InitiateCaptureRecInMedia 0x9207: release (after focusing with ``autofocus``)
        into SDRAM, or onto the card with ``card``; the response code (busy codes are
        the caller's to retry)."""
        params = (
            CAPTURE_WITH_AF if autofocus else CAPTURE_WITHOUT_AF,
            CAPTURE_TARGET_CARD if card else CAPTURE_TARGET_SDRAM,
        )
        response = await self.camera.transaction(Op.InitiateCaptureRecInMedia, params, check=False)
        return response.code

    async def delete_image_sdram(self, handle: int = SDRAM_OBJECT) -> None:
        """DelImageSDRAM 0x90C3: free a picture held in the camera's memory."""
        await self.camera.transaction(Op.DelImageSDRAM, (handle,))

    async def start_live_view(self) -> None:
        """StartLiveView 0x9201, then DeviceReady until the view is up."""
        await self.camera.transaction(Op.StartLiveView)
        await self.wait_ready(2.0)

    async def end_live_view(self) -> None:
        await self.camera.transaction(Op.EndLiveView)

    async def get_live_view_image(self) -> NikonLiveViewImage:
        """GetLiveViewImg 0x9203: one frame (a vendor header and a JPEG)."""
        response = await self.camera.transaction(Op.GetLiveViewImg)
        return NikonLiveViewImage.decode(response.data)

    # -- events -------------------------------------------------------------------------
    async def poll_events(self) -> list[CameraEvent]:
        vendor = self.vendor
        if self.camera.supports(Op.GetEventEx):
            found = [
                CameraEvent(e.code, TID_NONE, e.params, "poll", vendor)
                for e in (await self.get_event_ex()).events
            ]
        else:
            found = [
                CameraEvent(e.code, TID_NONE, (e.param,), "poll", vendor)
                for e in (await self.get_event()).events
            ]
        if found and not self.polls_work:
            self.polls_work = True
            _log.debug("Nikon GetEvent works: the event channel is no longer listened to")
        return found

    def accepts_channel_event(self, event: CameraEvent) -> bool:
        return not self.polls_work

    # -- capture --------------------------------------------------------------------------
    async def capture(
        self, timeout: float, *, storage_id: int = 0, object_format: int = 0
    ) -> list[CameraObject]:
        camera = self.camera
        if not camera.supports(Op.InitiateCaptureRecInMedia) and not camera.supports(
            Op.InitiateCaptureRecInSdram
        ):
            return await super().capture(
                timeout, storage_id=storage_id, object_format=object_format
            )
        deadline = self._now() + timeout
        stream = camera._subscribe()  # polls GetEvent while the capture waits
        try:
            await self._take_control()
            await self._release()
            await self.wait_ready(max(0.1, deadline - self._now()))
            handles = await self._wait_for_picture(stream, deadline, timeout)
        finally:
            stream.close()
        objects = []
        for handle in handles:
            info = await camera.get_object_info(handle)
            if info.parent_object == 0 and info.storage_id == 0:  # in the camera's memory
                objects.append(camera._make_object(handle, info, f"/{info.filename}"))
            else:
                obj = await camera._object(handle, info)
                if not obj.is_folder:
                    objects.append(obj)
        return objects

    async def _take_control(self) -> None:
        if self._control_mode or not self.camera.supports(Op.ChangeCameraMode):
            return
        response = await self.camera.transaction(Op.ChangeCameraMode, (1,), check=False)
        if response.code not in (ResponseCode.OK, _CAMERA_MODE_FAILED):
            raise PtpResponseError(response.code, operation=Op.ChangeCameraMode, params=(1,))
        self._control_mode = True

    async def _release(self) -> None:
        camera = self.camera
        if not camera.supports(Op.InitiateCaptureRecInMedia):
            await camera.transaction(Op.InitiateCaptureRecInSdram, (CAPTURE_WITHOUT_AF,))
            return
        card = self.capture_target == "card"
        for _ in range(_CAPTURE_RETRY):
            code = await self.initiate_capture_rec_in_media(card=card)
            if code == ResponseCode.OK:
                return
            if code not in (ResponseCode.DeviceBusy, NikonResponseCode.InvalidStatus):
                break
            await asyncio.sleep(_CAPTURE_RETRY_PAUSE)
        raise PtpResponseError(code, operation=Op.InitiateCaptureRecInMedia)

    async def _wait_for_picture(
        self, stream: EventStream, deadline: float, timeout: float
    ) -> list[int]:
        """The polled events until the picture is there: ObjectAddedInSDRAM, or
        ObjectAdded and a capture-complete event. Polled events carry no transaction id:
        an ObjectAdded counts only for an object that could be a picture (not a folder,
        nor another initiator's upload of some other file, nor an object gone again)."""
        added: list[int] = []
        complete = False
        while True:
            event = await capture_event(stream, deadline, timeout)
            code, params = event.code, event.params
            if code == NikonEventCode.ObjectAddedInSDRAM:
                return [params[0] if params and params[0] else SDRAM_OBJECT]
            if code == EventCode.ObjectAdded and params:
                if params[0] in (0, SDRAM_OBJECT):
                    return [SDRAM_OBJECT]
                try:
                    info = await self.camera.get_object_info(params[0])
                except PtpResponseError:
                    continue  # deleted again (by whoever added it)
                if could_be_picture(info):
                    added.append(params[0])
            elif code in (EventCode.CaptureComplete, NikonEventCode.CaptureCompleteRecInSdram):
                complete = True
            elif code == EventCode.StoreFull:
                raise PtpResponseError(
                    ResponseCode.StoreFull, operation=Op.InitiateCaptureRecInMedia
                )
            if added and complete:
                return list(dict.fromkeys(added))

    async def after_download(self, obj: CameraObject) -> None:
        """Free a picture the camera held in its memory (DeleteObject, else
        DelImageSDRAM), as gphoto2 does after saving it."""
        if not (obj.handle == SDRAM_OBJECT or (obj.parent == 0 and obj.storage_id == 0)):
            return
        camera = self.camera
        response = await camera.transaction(
            OperationCode.DeleteObject, (obj.handle, 0), check=False
        )
        if response.code == ResponseCode.OK or response.code in _SDRAM_DELETE_GIVE_UP:
            return
        if camera.supports(Op.DelImageSDRAM):
            await self.delete_image_sdram(obj.handle)

    # -- properties -------------------------------------------------------------------------
    def property_codes(self) -> tuple[int, ...]:
        return (*super().property_codes(), *self.vendor_properties)

    def property_names(self) -> Mapping[str, int]:
        return NIKON_PROPERTY_NAMES

    def format_value(self, code: int, value: PtpValue) -> str | None:
        return nikon_value_name(code, value)

    def parse_value(self, code: int, text: str) -> PtpValue | None:
        table = NIKON_VALUE_NAMES.get(code)
        if table is None:
            return None
        wanted = text.strip().casefold()
        for value, name in table.items():
            if name.casefold() == wanted:
                return value
        return None
