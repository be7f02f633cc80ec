"""The emulated camera: identity, operation handlers, properties, captures and events.

:class:`EmulatedCamera` is the application behind :class:`~ptpkit.aio.server.PtpipServer`
(the machinery is :class:`~ptpkit.emulator.camera_core.CameraCore`'s). It never touches a
socket: each operation is looked up in :data:`OPERATION_HANDLERS` (operation code →
:class:`~ptpkit.emulator.operations.OperationSpec`, which declares the data direction,
whether an open session is needed and whether the operation writes to the storage; the
handlers live in ``ops_*`` modules, one per group of operations) and its handler
returns a :class:`~ptpkit.aio.server.Reply` (response code, every documented response
parameter, and the data-in phase as bytes or a file region to stream), a
:class:`~ptpkit.aio.server.DataSink` for a data-out phase, or a coroutine giving the
Reply when the work is slow (deleting trees, copying, formatting).

Rules that keep real initiators happy (reference §1.12, gphoto2-interop.md):

* VendorExtensionID 0 and a neutral manufacturer, so gphoto2 takes its generic path;
  no MTP operations are listed unless asked for (``mtp``: GetObjectPropList and
  GetObjectPropsSupported, see :mod:`ptpkit.emulator.ops_listing`).
* Every documented response parameter is always sent (gphoto2 otherwise keeps the
  request's values): SendObjectInfo → 3, GetNumObjects → 1, GetPartialObject → 1.
* InitiateCapture answers OK at once; the JPEG is generated afterwards and announced with
  ObjectAdded(handle) and then CaptureComplete, both carrying the capture's transaction
  id (gphoto2 waits for CaptureComplete forever).
* Storage-changing operations (delete, upload, move, copy, protection, capture, format)
  are listed in OperationsSupported only when the camera is writable (and FormatStore
  only with ``allow_format``); called anyway they answer StoreReadOnly
  (OperationNotSupported for FormatStore).
* Bad parameters get their own response codes: SessionNotOpen, InvalidObjectHandle,
  InvalidStorageID, InvalidParentObject, InvalidParameter, NoValidObjectInfo,
  StoreReadOnly, ObjectWriteProtected, StoreFull, DeviceBusy, DevicePropNotSupported,
  InvalidDevicePropFormat/Value, AccessDenied, SessionAlreadyOpen (with the open session
  id as p1), OperationNotSupported for anything unknown.

Events: ObjectAdded/ObjectRemoved/ObjectInfoChanged go to the *other* initiators when an
initiator changes the storage (it knows what it did); DevicePropChanged goes to every
initiator; outside changes to the folders, found by a rescan when an initiator connects
and periodically while initiators are connected, go to everyone (a new initiator's
operations in a session wait for the rescan its arrival started, so that they see what
changed while nobody was connected).

GetObjectInfo answers come from :class:`~ptpkit.emulator.objects.ObjectCache`: kept per
(handle, size, mtime), checked against the file on every request.
"""

from __future__ import annotations

from collections.abc import Mapping

from ptpkit.emulator.backend import Storage
from ptpkit.emulator.camera_core import CameraCore, OperationTable
from ptpkit.emulator.device import GENERIC_DEVICE, CameraIdentity, DeviceDescription
from ptpkit.emulator.faults import Faults
from ptpkit.emulator.operations import OperationSpec
from ptpkit.emulator.ops_capture import HANDLERS as CAPTURE_OPERATIONS
from ptpkit.emulator.ops_listing import HANDLERS as LISTING_OPERATIONS
from ptpkit.emulator.ops_properties import HANDLERS as PROPERTIES_OPERATIONS
from ptpkit.emulator.ops_reading import HANDLERS as READING_OPERATIONS
from ptpkit.emulator.ops_session import HANDLERS as SESSION_OPERATIONS
from ptpkit.emulator.ops_writing import HANDLERS as WRITING_OPERATIONS
from ptpkit.emulator.properties import DeviceProperties

__all__ = ["OPERATION_HANDLERS", "CameraIdentity", "EmulatedCamera"]

#: Operation code → how the generic camera answers it, group by group (the order is
#: DeviceInfo's OperationsSupported).
OPERATION_HANDLERS: OperationTable = {
    **SESSION_OPERATIONS,
    **LISTING_OPERATIONS,
    **READING_OPERATIONS,
    **WRITING_OPERATIONS,
    **CAPTURE_OPERATIONS,
    **PROPERTIES_OPERATIONS,
}


class EmulatedCamera(CameraCore):
    """The generic virtual PTP camera over a :class:`~ptpkit.emulator.backend.Storage`
    (see the module documentation).

    ``operations`` and ``description`` replace the generic camera's operation table
    (:data:`OPERATION_HANDLERS`) and DeviceInfo description
    (:data:`~ptpkit.emulator.device.GENERIC_DEVICE`), e.g. for a vendor's persona.
    """

    def __init__(
        self,
        store: Storage,
        *,
        identity: CameraIdentity | None = None,
        properties: DeviceProperties | None = None,
        writable: bool = False,
        allow_format: bool = False,
        faults: Faults | None = None,
        rescan_interval: float | None = 2.0,
        open_capture_interval: float = 1.0,
        mtp: bool = False,
        operations: Mapping[int, OperationSpec[CameraCore]] | None = None,
        description: DeviceDescription | None = None,
    ) -> None:
        super().__init__(
            store,
            operations=OPERATION_HANDLERS if operations is None else operations,
            description=description or GENERIC_DEVICE,
            identity=identity,
            properties=properties,
            writable=writable,
            allow_format=allow_format,
            faults=faults,
            rescan_interval=rescan_interval,
            open_capture_interval=open_capture_interval,
            mtp=mtp,
        )
