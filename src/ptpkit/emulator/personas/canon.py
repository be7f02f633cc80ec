"""The ``canon-eos`` persona: a Canon EOS 5D Mark IV on Wi-Fi, as Debian's gphoto2 (2.5.30)
and ptpkit's ``canon-eos`` dialect drive it (dialects.md §2 and §10.1).

DeviceInfo: VendorExtensionID 0xB, Manufacturer "Canon Inc.", Model "Canon EOS 5D Mark IV"
(not "EOS M…", which gphoto2 treats otherwise). Operations: the generic camera's standard
ones (without InitiateCapture and the Android/MTP extras) and the EOS ones:

======  ============================  ==============================================
0x9101  GetStorageIDs                 the storage ids (gphoto2 calls it unlisted too)
0x9102  GetStorageInfo                the standard StorageInfo dataset
0x9108  GetDeviceInfoEx               three non-empty arrays (events, properties, 0)
0x9109  GetObjectInfoEx               one folder level (see below)
0x910F  RemoteRelease                 a capture (0x9128 RemoteReleaseOn is not listed)
0x9110  SetDevicePropValueEx          an EOS property, checked against allowed values
0x9114  SetRemoteMode, 0x9115 SetEventMode
0x9116  GetEvent                      the records queued for the caller, then
                                      the terminator; an empty list is the terminator
0x9117  TransferComplete              frees a capture held in memory
0x911A  PCHDDCapacity, 0x911B SetUILock, 0x911C ResetUILock, 0x911D KeepDeviceOn
======  ============================  ==============================================

GetPartialObject (0x101B), GetObject and GetObjectInfo also read the captures held in the
camera's memory. GetObjectInfoEx has 12 characters for a name: a longer one is listed by a
FAT short name (``NOTESF~1.TXT``), as a camera sees a file a computer wrote; GetObjectInfo
gives the whole name. Every data-in operation answers OK with a data phase (gphoto2
waits for a second response otherwise). The records and captures themselves:
:mod:`~ptpkit.emulator.personas.canon_camera`; the property values:
:mod:`~ptpkit.emulator.personas.canon_properties`.

:data:`OPERATIONS_WITH_PRESS` adds RemoteReleaseOn/Off (0x9128/0x9129, half and full
press), as newer bodies list them.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ptpkit.aio.responder_app import Reply
from ptpkit.emulator.backend import Storage
from ptpkit.emulator.camera import OPERATION_HANDLERS
from ptpkit.emulator.camera_core import CameraCore, OperationTable
from ptpkit.emulator.device import CameraIdentity, DeviceDescription
from ptpkit.emulator.operations import BufferSink, Initiator, Request, Result, operation
from ptpkit.emulator.personas.base import Persona
from ptpkit.emulator.personas.canon_camera import EosCamera, eos_camera
from ptpkit.emulator.personas.held import HeldPicture, serve_held_pictures
from ptpkit.emulator.properties import DeviceProperties, default_property_specs
from ptpkit.errors import DecodeError, PropertyError
from ptpkit.proto.codes import (
    ALL,
    ROOT,
    DevicePropCode,
    EventCode,
    MtpOperationCode,
    ObjectFormat,
    OperationCode,
    ResponseCode,
    VendorOperationCode,
)
from ptpkit.proto.datasets import encode_u32_array
from ptpkit.proto.vendors.canon import (
    CANON_EXTENSION_ID,
    CanonDevicePropCode,
    CanonEventCode,
    CanonObjectFormat,
    CanonOperationCode,
    DeviceInfoEx,
    EosObjectInfo,
    PropValueChanged,
    SetPropValueEx,
    encode_events,
    encode_object_info_ex,
)

__all__ = [
    "CANON_EOS",
    "CANON_EOS_PRESS",
    "DESCRIPTION",
    "IDENTITY",
    "OPERATIONS",
    "OPERATIONS_WITH_PRESS",
    "STORE_OPTIONS",
    "EosCamera",
    "make_camera",
    "short_names",
    "standard_properties",
]

Op = OperationCode
Eos = CanonOperationCode
_P = CanonDevicePropCode
_U32_MAX = 0xFFFFFFFF
_NAME_FIELD = 12  # GetObjectInfoEx's filename field: 12 characters and a NUL

IDENTITY = CameraIdentity(
    friendly_name="Canon EOS 5D Mark IV",
    manufacturer="Canon Inc.",
    model="Canon EOS 5D Mark IV",
    device_version="1-1.3.0",
)

#: FolderStore options: captures land in DCIM/100CANON/IMG_0001.JPG, as on the body.
STORE_OPTIONS: dict[str, Any] = {"capture_folder_suffix": "CANON", "capture_prefix": "IMG_"}

_EVENTS = (
    EventCode.ObjectAdded,
    EventCode.ObjectRemoved,
    EventCode.DevicePropChanged,
    EventCode.StoreAdded,
    EventCode.StoreRemoved,
    EventCode.StorageInfoChanged,
    EventCode.CaptureComplete,
    CanonEventCode.RequestGetEvent,
    CanonEventCode.ObjectAddedEx,
    CanonEventCode.ObjectRemoved,
    CanonEventCode.RequestObjectTransfer,
    CanonEventCode.ObjectInfoChangedEx,
    CanonEventCode.PropValueChanged,
    CanonEventCode.AvailListChanged,
    CanonEventCode.CameraStatusChanged,
    CanonEventCode.StoreAdded,
    CanonEventCode.StoreRemoved,
)

DESCRIPTION = DeviceDescription(
    vendor_extension_id=CANON_EXTENSION_ID,
    vendor_extension_version=100,
    events_supported=_EVENTS,
    capture_formats=(ObjectFormat.EXIF_JPEG,),
    image_formats=(
        ObjectFormat.Association,
        ObjectFormat.Text,
        ObjectFormat.WAV,
        ObjectFormat.AVI,
        ObjectFormat.QuickTime,
        ObjectFormat.EXIF_JPEG,
        ObjectFormat.TIFF,
        ObjectFormat.MTP_MP4,
        CanonObjectFormat.CRW3,
        CanonObjectFormat.MOV,
        CanonObjectFormat.CR3,
    ),
)

_NOT_ON_EOS = {
    Op.InitiateCapture,
    Op.InitiateOpenCapture,
    Op.TerminateOpenCapture,
    VendorOperationCode.AndroidGetPartialObject64,  # 0x95C1 means something else to Canon
    MtpOperationCode.GetObjectPropsSupported,
    MtpOperationCode.GetObjectPropList,
}

#: The persona's operation table (its order is DeviceInfo's OperationsSupported).
OPERATIONS: OperationTable = {
    code: spec for code, spec in OPERATION_HANDLERS.items() if code not in _NOT_ON_EOS
}


def standard_properties() -> DeviceProperties:
    """The standard properties DeviceInfo lists: DateTime only (EOS properties come in
    GetEvent records; a standard BatteryLevel would show twice in gphoto2's config)."""
    specs = [s for s in default_property_specs() if s.code == DevicePropCode.DateTime]
    return DeviceProperties(specs)


def make_camera(store: Storage, *, press: bool = False, **options: Any) -> EosCamera:
    """The persona's camera over ``store`` (``press``: also list RemoteReleaseOn/Off)."""
    camera = (CANON_EOS_PRESS if press else CANON_EOS).make_camera(store, **options)
    assert isinstance(camera, EosCamera)
    return camera


# -- objects, also in the camera's memory ---------------------------------------------------


def _held(cam: CameraCore, handle: int) -> HeldPicture | None:
    held = eos_camera(cam).memory.get(handle)
    return None if held is None else HeldPicture(held.data, held.object_info())


serve_held_pictures(OPERATIONS, _held)


# -- EOS storage and listing ---------------------------------------------------------------
@operation(OPERATIONS, Eos.GetStorageIDs, "in")
def _eos_get_storage_ids(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    return Reply(data=encode_u32_array(cam.store.storage_ids()))


@operation(OPERATIONS, Eos.GetStorageInfo, "in")
def _eos_get_storage_info(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    return Reply(data=cam.store.storage_info(req.p(0)).encode())


@operation(OPERATIONS, Eos.GetObjectInfoEx, "in")
def _get_object_info_ex(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    """One level of a folder: ``(storage, folder or 0xFFFFFFFF for the root, max)``."""
    storage, parent = req.p(0), req.p(1)
    if storage in (0, ALL):
        return Reply(ResponseCode.InvalidStorageID)
    cam.store.storage_info(storage)  # InvalidStorageID for an unknown one
    level = ROOT if parent in (0, ALL) else parent
    facts = [cam.objects.facts(handle) for handle in cam.store.handles(storage, 0, level)]
    names = short_names([f.info.filename for f in facts])
    entries = [
        EosObjectInfo(
            handle=fact.handle,
            storage_id=fact.info.storage_id,
            ofc=fact.info.object_format,
            flags=1 if fact.info.protection_status else 0,
            size=min(fact.size, _U32_MAX),
            filename=name,
            time=(fact.key[1] // 1_000_000_000) & _U32_MAX if fact.key else 0,
        )
        for fact, name in zip(facts, names, strict=True)
    ]
    return Reply(data=encode_object_info_ex(entries))


def short_names(names: list[str]) -> list[str]:
    """The names as GetObjectInfoEx's 12-character field holds them: a name that fits
    stays; a longer one gets a short name in the FAT way (``NOTESF~1.TXT``), unique among
    its siblings, as a camera sees a file a computer wrote with a long name."""
    taken = {name.upper() for name in names if _fits(name)}
    out = []
    for name in names:
        if _fits(name):
            out.append(name)
            continue
        stem, dot, ext = name.rpartition(".")
        if not dot:
            stem, ext = name, ""
        base = "".join(c for c in stem.upper() if c.isascii() and (c.isalnum() or c in "_-"))
        ext = "".join(c for c in ext.upper() if c.isascii() and c.isalnum())[:3]
        number = 1
        while True:
            tail = f"~{number}"
            short = (base or "FILE")[: 8 - len(tail)] + tail + (f".{ext}" if ext else "")
            if short not in taken:
                break
            number += 1
        taken.add(short)
        out.append(short)
    return out


def _fits(name: str) -> bool:
    return len(name.encode("utf-8", "surrogateescape")) <= _NAME_FIELD


@operation(OPERATIONS, Eos.GetDeviceInfoEx, "in")
def _get_device_info_ex(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    eos = eos_camera(cam)
    events = tuple(int(code) for code in _EVENTS if code >= 0xC000)
    info = DeviceInfoEx(events=events, properties=tuple(eos.eos.codes), unknown=(0,))
    return Reply(data=info.encode())


# -- remote control ------------------------------------------------------------------------
@operation(OPERATIONS, Eos.SetRemoteMode)
def _set_remote_mode(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    eos_camera(cam).link(who).remote_mode = req.p(0)
    return Reply()


@operation(OPERATIONS, Eos.SetEventMode)
def _set_event_mode(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    eos = eos_camera(cam)
    eos.link(who).event_mode = req.p(0)
    if req.p(0):
        eos.start_listening(who)
    return Reply()


@operation(OPERATIONS, Eos.GetEvent, "in")
def _get_event(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    return Reply(data=encode_events(eos_camera(cam).take_records(who)))


@operation(OPERATIONS, Eos.RemoteRelease)
def _remote_release(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    return eos_camera(cam).release(who)


@operation(OPERATIONS, Eos.SetDevicePropValueEx, "out")
def _set_device_prop_value_ex(cam: CameraCore, who: Initiator, req: Request) -> Result:
    eos = eos_camera(cam)

    def complete(data: bytes) -> Reply:
        try:
            value = SetPropValueEx.decode(data)
        except DecodeError:
            return Reply(ResponseCode.InvalidDevicePropFormat)
        try:
            eos.set_eos_property(value.prop, value.value)
        except PropertyError as exc:
            return Reply(exc.code)
        return Reply()

    return BufferSink(complete, limit=4096)


@operation(OPERATIONS, Eos.TransferComplete)
def _transfer_complete(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    if not eos_camera(cam).transfer_complete(req.p(0)):
        return Reply(ResponseCode.InvalidObjectHandle)
    return Reply()


@operation(OPERATIONS, Eos.PCHDDCapacity)
def _pc_hdd_capacity(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    return Reply()  # the computer's free space: AvailableShots stays what it says


@operation(OPERATIONS, Eos.SetUILock)
def _set_ui_lock(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    return Reply()


@operation(OPERATIONS, Eos.ResetUILock)
def _reset_ui_lock(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    return Reply()


@operation(OPERATIONS, Eos.KeepDeviceOn)
def _keep_device_on(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    return Reply()


# -- half and full press (OPERATIONS_WITH_PRESS) -------------------------------------------
OPERATIONS_WITH_PRESS: OperationTable = dict(OPERATIONS)
_HALF, _FULL = 1, 2
_FOCUS_INFO = b"select={1}\0"


@operation(OPERATIONS_WITH_PRESS, Eos.RemoteReleaseOn)
def _remote_release_on(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    """p1 1: half press (focus; reported as FocusInfoEx), 2: full press (the capture)."""
    eos = eos_camera(cam)
    if req.p(0) == _HALF:
        eos.queue([PropValueChanged(_P.FocusInfoEx, _FOCUS_INFO)], to=who)
        return Reply()
    if req.p(0) == _FULL:
        return eos.release(who)
    return Reply(ResponseCode.InvalidParameter)


@operation(OPERATIONS_WITH_PRESS, Eos.RemoteReleaseOff)
def _remote_release_off(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    if req.p(0) not in (_HALF, _FULL):
        return Reply(ResponseCode.InvalidParameter)
    return Reply()


#: The persona (``ptpkit serve --persona canon-eos``).
CANON_EOS = Persona(
    name="canon-eos",
    summary="Canon EOS: GetEvent records, RemoteRelease, EOS properties (0x9110)",
    identity=IDENTITY,
    description=DESCRIPTION,
    operations=OPERATIONS,
    properties=standard_properties,
    camera_class=EosCamera,
    store_options=STORE_OPTIONS,
)

#: The same body listing RemoteReleaseOn/Off (half and full press), as newer EOS do
#: (for tests; not in PERSONAS).
CANON_EOS_PRESS = dataclasses.replace(CANON_EOS, operations=OPERATIONS_WITH_PRESS)
