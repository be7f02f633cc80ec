"""The Fujifilm persona: an X-T3 over Fujifilm's variant of PTP/IP.

The camera's store, objects and standard handlers are the generic camera's; this module
adds what a Fujifilm body does differently (dialects.md §5, §10.4), as operation
handlers over :class:`FujiCameraCore`. It is served by
:class:`~ptpkit.aio.fuji_server.FujiServer` on three ports: commands (55740, or the
``--port`` given), events (+1) and live view (+2).

What gphoto2's "Fuji X (WLAN)" driver (2.5.30) sends, and what the persona answers:

* **The double init.** Two 82-byte Init Command Requests on the command connection,
  the second right after the first Ack (observed on the wire, see docs/protocol.md):
  both acknowledged (``reject_first_init`` on the server answers the first with Init
  Fail 0x2019, as the bodies do; gphoto2 then retries after 500 ms).
* **The init sequence.** SetDevicePropValue 0xDF01 InitSequence = 5; Get and Set 0xDF24
  AppVersion; InitiateOpenCapture (OK, and nothing is captured: it opens the event and
  live-view ports on a real body). With ``pc_connection=False`` (a body in a mode with
  no PC connection) the InitSequence write is refused with AccessDenied.
* **DeviceInfo**: VendorExtensionID 0xE, Manufacturer "FUJIFILM", the X-H1's list of
  standard operations (tests/fixtures) and 0x902B, whose answer lists every property's
  DevicePropDesc (gphoto2 then uses exactly that list). ``empty_device_info=True``
  answers GetDeviceInfo with no data, as the X-T4 does.
* **Properties**: the generic camera's (ExposureIndex as INT32, as Fujifilm has it) and
  FilmSimulation 0xD001, Quality 0xD018, PriorityMode 0xD207 (gphoto2 sets 2 at
  start and 1 at exit, which must succeed), CameraAction 0xD208, AFStatus 0xD209,
  CurrentState 0xD212 (the value read is the changed-properties list:
  :class:`~ptpkit.proto.vendors.fuji.FujiCurrentState`; its descriptor says UINT16),
  CaptureRemaining 0xD229, the "PC mode" 0xD38C, InitSequence 0xDF01, AppVersion 0xDF24.
* **Capture**: InitiateCapture after CameraAction 0x0200 only focuses (AFStatus reads 1
  once, then 2); after 0x0304 (or with CameraAction never set) it takes the picture,
  sends ObjectAdded 0x4002 (the handle) on the event connection; CaptureComplete follows
  when the initiator deletes the new object, 0.2 s after it read it, or 1 s after
  ObjectAdded, whichever comes first.
  gphoto2's capture loop reads and drops every event that arrives while it runs (and it
  reads the object before it ends); after the capture it waits up to 3 s for
  CaptureComplete, which ends that wait.
* **gphoto2 and the card** (2.5.30, observed): with CurrentState 0xD212 listed, its
  event wait after a capture takes every object it has not looked at in this run for a
  new one; ``--capture-image-and-download`` without ``--keep`` then downloads *and
  deletes* them. A real body listing 0xD212 gets the same.
* A data-in operation always gets a data packet, empty on error (the server's rule).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Mapping
from types import MappingProxyType
from typing import Any

from ptpkit.aio.responder_app import Reply
from ptpkit.emulator.backend import Storage
from ptpkit.emulator.camera import OPERATION_HANDLERS
from ptpkit.emulator.camera_core import CameraCore, OperationTable
from ptpkit.emulator.device import CameraIdentity, DeviceDescription
from ptpkit.emulator.operations import (
    BufferSink,
    Initiator,
    OperationSpec,
    Request,
    Result,
    operation,
)
from ptpkit.emulator.personas.base import Persona
from ptpkit.emulator.properties import (
    DeviceProperties,
    PropertyError,
    PropertySpec,
    default_property_specs,
)
from ptpkit.errors import StoreError
from ptpkit.proto.codes import (
    OPERATION_DATA_DIRECTION,
    DataDirection,
    DataType,
    DevicePropCode,
    EventCode,
    ObjectFormat,
    OperationCode,
    ResponseCode,
)
from ptpkit.proto.datasets import PropEnum, PropRange
from ptpkit.proto.vendors.fuji import (
    COMMAND_PORT,
    EVENT_PORT,
    FILM_SIMULATIONS,
    FUJI_OPERATION_DATA_DIRECTION,
    INIT_SEQUENCE,
    LIVEVIEW_PORT,
    VENDOR_EXTENSION_ID,
    FujiAFStatus,
    FujiCameraAction,
    FujiCurrentState,
    FujiDevicePropCode,
    FujiDevicePropList,
    FujiOperationCode,
    FujiPriorityMode,
)

__all__ = [
    "FUJIFILM",
    "FUJI_DEVICE",
    "FUJI_IDENTITY",
    "FUJI_OPERATIONS",
    "FujiCameraCore",
    "fuji_data_directions",
    "fuji_properties",
]

log = logging.getLogger("ptpkit.emulator")

Op = OperationCode
_P = FujiDevicePropCode
_U16 = DataType.UINT16

#: CaptureComplete goes out this long after the initiator has read the new object, or
#: this long after ObjectAdded if it does not (see FujiCameraCore.complete_after_download).
CAPTURE_COMPLETE_AFTER_READ = 0.2
CAPTURE_COMPLETE_FALLBACK = 1.0

#: Who the persona says it is.
FUJI_IDENTITY = CameraIdentity(
    friendly_name="X-T3",
    manufacturer="FUJIFILM",
    model="X-T3",
    device_version="5.10",
)

#: What its DeviceInfo says besides: the X-H1's extension text, events and formats, with
#: VendorExtensionID 0xE (the X-H1 reports 6 over USB; gphoto2 needs 0xE over PTP/IP).
FUJI_DEVICE = DeviceDescription(
    vendor_extension_id=VENDOR_EXTENSION_ID,
    vendor_extension_version=100,
    vendor_extension_desc="fujifilm.co.jp: 1.0; ",
    events_supported=(
        EventCode.ObjectAdded,
        EventCode.ObjectRemoved,
        EventCode.StoreAdded,
        EventCode.StoreRemoved,
        EventCode.CaptureComplete,
        0xC006,
    ),
    capture_formats=(ObjectFormat.UndefinedImage, ObjectFormat.EXIF_JPEG, 0xB103),
    image_formats=(
        ObjectFormat.Association,
        ObjectFormat.UndefinedImage,
        ObjectFormat.EXIF_JPEG,
        0xB103,
    ),
)

# The X-H1's operations (tests/fixtures), in its order, from the generic camera's table
# (MTP listing only with ``mtp``; the unnamed 0x900C/0x900D/0x901D left out), then 0x902B.
_XH1_OPERATIONS = (
    *range(Op.GetDeviceInfo, Op.DeleteObject + 1),
    Op.InitiateCapture,
    Op.FormatStore,
    *range(Op.GetDevicePropDesc, Op.TerminateOpenCapture + 1),
    Op.GetPartialObject,
    Op.InitiateOpenCapture,
    0x9801,
    0x9805,
)

#: Operation code → how the persona answers it (the order is DeviceInfo's).
FUJI_OPERATIONS: OperationTable = {
    code: OPERATION_HANDLERS[code] for code in _XH1_OPERATIONS if code in OPERATION_HANDLERS
}


def fuji_properties() -> DeviceProperties:
    """A fresh set of the persona's device properties (see the module documentation)."""
    generic = [
        spec
        for spec in default_property_specs(battery_level=80)
        if spec.code != DevicePropCode.ExposureIndex
    ]
    u16 = _U16
    return DeviceProperties(
        [
            *generic,
            PropertySpec(
                DevicePropCode.ExposureIndex,
                DataType.INT32,
                400,
                PropEnum((160, 200, 400, 800, 1600, 3200, 6400, 12800)),
            ),
            PropertySpec(_P.FilmSimulation, u16, 1, PropEnum(tuple(FILM_SIMULATIONS))),
            PropertySpec(_P.Quality, u16, 2, PropEnum((1, 2, 3, 4, 5))),
            PropertySpec(_P.PriorityMode, u16, 1, PropEnum(tuple(FujiPriorityMode))),
            PropertySpec(_P.CameraAction, u16, 0, PropEnum((0, *FujiCameraAction))),
            PropertySpec(_P.AFStatus, u16, 0, PropEnum(tuple(FujiAFStatus)), settable=False),
            PropertySpec(_P.CurrentState, u16, 0, settable=False),
            PropertySpec(_P.CaptureRemaining, DataType.UINT32, 999, settable=False),
            PropertySpec(_P.LensZoomPosCaps, u16, 0, PropEnum((0, 1))),
            PropertySpec(_P.InitSequence, u16, 1, PropRange(1, INIT_SEQUENCE, 1)),
            PropertySpec(_P.AppVersion, DataType.UINT32, 0x00020001),
        ]
    )


def fuji_data_directions(
    operations: Mapping[int, OperationSpec[CameraCore]] = FUJI_OPERATIONS,
) -> dict[int, DataDirection]:
    """Every operation's data direction, for the server's sessions (the Fujifilm request
    does not say): the standard and Fujifilm tables, then the persona's own."""
    return {
        **OPERATION_DATA_DIRECTION,
        **FUJI_OPERATION_DATA_DIRECTION,
        **{code: spec.data for code, spec in operations.items()},
    }


class FujiCameraCore(CameraCore):
    """The camera behind the persona's handlers: the generic machinery, and the state a
    Fujifilm body keeps (the CurrentState of each initiator, the focus)."""

    def __init__(
        self,
        store: Storage,
        *,
        pc_connection: bool = True,
        empty_device_info: bool = False,
        **options: Any,
    ) -> None:
        options.setdefault("operations", FUJI_OPERATIONS)
        options.setdefault("description", FUJI_DEVICE)
        options.setdefault("identity", FUJI_IDENTITY)
        if options.get("properties") is None:
            options["properties"] = fuji_properties()
        super().__init__(store, **options)
        #: False: a body in a mode with no PC connection (the init sequence is refused).
        self.pc_connection = pc_connection
        #: True: GetDeviceInfo answers with no data (the X-T4 habit).
        self.empty_device_info = empty_device_info
        self._changes: dict[Initiator, list[tuple[int, int]]] = {}
        self._focus_reads = 0  # reads of AFStatus left before "focusing" becomes "focused"
        # Captures whose CaptureComplete waits for the initiator to read the new object:
        # (initiator, handle) -> (capture's transaction id, the fallback timer).
        self._completions: dict[tuple[Initiator, int], tuple[int, asyncio.TimerHandle]] = {}

    def disconnect(self, who: Initiator) -> None:
        self._changes.pop(who, None)
        for key in [key for key in self._completions if key[0] is who]:
            self._completions.pop(key)[1].cancel()
        super().disconnect(who)

    def complete_after_download(self, who: Initiator, handle: int, tid: int) -> None:
        """Send CaptureComplete once ``who`` deletes ``handle``, a moment after it read
        it, or a second after ObjectAdded. gphoto2's capture loop reads and drops every
        event that arrives while it runs, and it reads the new object before it ends;
        arriving after it, CaptureComplete ends the event drain that follows (3 s of
        waiting otherwise)."""
        timer = asyncio.get_running_loop().call_later(
            CAPTURE_COMPLETE_FALLBACK, self._complete, who, handle
        )
        self._completions[(who, handle)] = (tid, timer)

    def _complete(self, who: Initiator, handle: int) -> None:
        found = self._completions.pop((who, handle), None)
        if found is not None:
            found[1].cancel()
            who.send_event(EventCode.CaptureComplete, (), found[0])

    def completion_due(
        self, who: Initiator, handle: int, delay: float
    ) -> Callable[[], Awaitable[None]] | None:
        """What to run once ``who`` has read (``delay`` 0.2 s) or deleted (0) ``handle``:
        the capture's CaptureComplete, ``delay`` seconds later, if it still waits."""
        if (who, handle) not in self._completions:
            return None

        async def reschedule() -> None:
            found = self._completions.get((who, handle))
            if found is not None:
                tid, timer = found
                timer.cancel()
                timer = asyncio.get_running_loop().call_later(delay, self._complete, who, handle)
                self._completions[(who, handle)] = (tid, timer)

        return reschedule

    def note_change(self, code: int, value: int) -> None:
        """A property changed: every initiator's next CurrentState read lists it."""
        for who in self.initiators:
            pending = self._changes.setdefault(who, [])
            pending[:] = [(c, v) for c, v in pending if c != code]
            pending.append((code, value & 0xFFFFFFFF))

    def take_changes(self, who: Initiator) -> FujiCurrentState:
        """What changed since ``who`` last read CurrentState (and forget it)."""
        return FujiCurrentState(tuple(self._changes.pop(who, [])))

    def set_state(self, code: int, value: int) -> None:
        """The camera's own change of a property (focus status, shots left)."""
        if self.properties.update(code, value):
            self.note_change(code, value)

    def focus_status(self) -> int:
        """AFStatus as read now: "focusing" for one read after a half-press, then
        "focused"."""
        if self.properties.get(_P.AFStatus) == FujiAFStatus.Focusing:
            if self._focus_reads > 0:
                self._focus_reads -= 1
            else:
                self.set_state(_P.AFStatus, FujiAFStatus.Focused)
        value = self.properties.get(_P.AFStatus)
        assert isinstance(value, int)
        return value


_GENERIC_GET_VALUE = OPERATION_HANDLERS[Op.GetDevicePropValue].handler
_GENERIC_GET_OBJECT = OPERATION_HANDLERS[Op.GetObject].handler
_GENERIC_GET_PARTIAL = OPERATION_HANDLERS[Op.GetPartialObject].handler
_GENERIC_DELETE = OPERATION_HANDLERS[Op.DeleteObject].handler


def _fuji(cam: CameraCore) -> FujiCameraCore:
    assert isinstance(cam, FujiCameraCore)
    return cam


@operation(FUJI_OPERATIONS, Op.GetDeviceInfo, "in", session=False)
def _get_device_info(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    if _fuji(cam).empty_device_info:
        return Reply(data=b"")
    if cam._device_info is None:
        cam._device_info = cam.device_info().encode()
    return Reply(data=cam._device_info)


@operation(FUJI_OPERATIONS, Op.GetDevicePropValue, "in")
def _get_device_prop_value(cam: CameraCore, who: Initiator, req: Request) -> Result:
    fuji = _fuji(cam)
    code = req.p(0)
    if code == _P.CurrentState:
        return Reply(data=fuji.take_changes(who).encode())
    if code == _P.AFStatus:
        return Reply(data=fuji.focus_status().to_bytes(2, "little"))
    return _GENERIC_GET_VALUE(cam, who, req)


@operation(FUJI_OPERATIONS, Op.SetDevicePropValue, "out")
def _set_device_prop_value(cam: CameraCore, who: Initiator, req: Request) -> Result:
    fuji = _fuji(cam)
    code = req.p(0)
    if code == _P.InitSequence and not fuji.pc_connection:
        return Reply(ResponseCode.AccessDenied)
    cam.properties.spec(code)  # DevicePropNotSupported before reading the data

    def complete(data: bytes) -> Reply:
        try:
            changed = cam.properties.set_encoded(code, data)
        except PropertyError as exc:
            return Reply(exc.code)
        value = cam.properties.get(code)
        if changed and isinstance(value, int):
            fuji.note_change(code, value)  # told through CurrentState, not DevicePropChanged
        return Reply()

    return BufferSink(complete, limit=4096)


@operation(FUJI_OPERATIONS, Op.InitiateOpenCapture)
def _initiate_open_capture(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    # On a body this opens the event and live-view ports; nothing is captured.
    if not _fuji(cam).pc_connection:
        return Reply(ResponseCode.AccessDenied)
    return Reply()


@operation(FUJI_OPERATIONS, Op.TerminateOpenCapture)
def _terminate_open_capture(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    return Reply()


@operation(FUJI_OPERATIONS, Op.InitiateCapture, needs="writable")
def _initiate_capture(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    fuji = _fuji(cam)
    action = cam.properties.get(_P.CameraAction)
    if action == FujiCameraAction.ShootS1:  # half-press: focus, no picture
        fuji._focus_reads = 1
        fuji.set_state(_P.AFStatus, FujiAFStatus.Focusing)
        return Reply()
    if action == FujiCameraAction.CancelS1:
        fuji.set_state(_P.AFStatus, FujiAFStatus.Idle)
        return Reply()
    sid = cam._capture_storage(req.p(0))
    if cam._capturing:
        return Reply(ResponseCode.DeviceBusy)
    cam._capturing = True
    tid = req.transaction_id

    async def shoot() -> None:
        try:
            handle = await cam.capture(sid)
        except StoreError as exc:
            log.info("capture failed: %s", exc)
            return
        finally:
            cam._capturing = False
            fuji.set_state(_P.AFStatus, FujiAFStatus.Idle)
        left = cam.properties.get(_P.CaptureRemaining)
        if isinstance(left, int) and left > 0:
            fuji.set_state(_P.CaptureRemaining, left - 1)
        who.send_event(EventCode.ObjectAdded, (handle,), tid)
        cam.broadcast(EventCode.ObjectAdded, (handle,), exclude=who)
        fuji.complete_after_download(who, handle, tid)

    return Reply(after=shoot)


@operation(FUJI_OPERATIONS, FujiOperationCode.GetDeviceInfo, "in")
def _get_fuji_device_info(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    descs = tuple(cam.properties.desc(code) for code in cam.properties.codes)
    return Reply(data=FujiDevicePropList(descs).encode())


def _then_complete(
    cam: CameraCore, who: Initiator, handle: int, result: Result, delay: float
) -> Result:
    """``result``, and once it is answered OK, the CaptureComplete still owed for
    ``handle`` (see FujiCameraCore.complete_after_download)."""
    due = _fuji(cam).completion_due(who, handle, delay)
    if due is None:
        return result

    def completing(reply: Reply) -> Reply:
        if reply.code != ResponseCode.OK:
            return reply
        after = reply.after

        async def run() -> None:
            await due()
            if after is not None:
                await after()

        return dataclasses.replace(reply, after=run)

    if isinstance(result, Reply):
        return completing(result)
    if asyncio.iscoroutine(result):
        pending = result

        async def answer() -> Reply:
            return completing(await pending)

        return answer()
    return result


@operation(FUJI_OPERATIONS, Op.GetObject, "in")
def _get_object(cam: CameraCore, who: Initiator, req: Request) -> Result:
    result = _GENERIC_GET_OBJECT(cam, who, req)
    return _then_complete(cam, who, req.p(0), result, CAPTURE_COMPLETE_AFTER_READ)


@operation(FUJI_OPERATIONS, Op.GetPartialObject, "in")
def _get_partial_object(cam: CameraCore, who: Initiator, req: Request) -> Result:
    result = _GENERIC_GET_PARTIAL(cam, who, req)
    return _then_complete(cam, who, req.p(0), result, CAPTURE_COMPLETE_AFTER_READ)


@operation(FUJI_OPERATIONS, Op.DeleteObject, needs="writable")
def _delete_object(cam: CameraCore, who: Initiator, req: Request) -> Result:
    return _then_complete(cam, who, req.p(0), _GENERIC_DELETE(cam, who, req), 0.0)


#: The persona: ``ptpkit serve --persona fujifilm`` (commands on 55740 or ``--port``,
#: events on the next port, live view on the one after).
FUJIFILM = Persona(
    name="fujifilm",
    summary="Fujifilm X over Wi-Fi: its own PTP/IP variant on three ports (55740-55742)",
    identity=FUJI_IDENTITY,
    description=FUJI_DEVICE,
    operations=FUJI_OPERATIONS,
    properties=fuji_properties,
    camera_class=FujiCameraCore,
    transport="fuji",
    ports=(COMMAND_PORT, EVENT_PORT, LIVEVIEW_PORT),
    store_options=MappingProxyType({"capture_folder_suffix": "_FUJI", "capture_prefix": "DSCF"}),
)
