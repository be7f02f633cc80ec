"""The asyncio client over Fujifilm's variant of PTP/IP: :class:`FujiCamera`.

Everything above the transport is the standard client's (:class:`~ptpkit.aio.client.Camera`:
operations, listing, transfers, events, properties); the connection pumps a
:class:`~ptpkit.proto.fuji_initiator.FujiInitiatorSession` instead of the CIPA session
(:func:`~ptpkit.aio.sessions.fuji_session`: the 82-byte Init Command Request, twice, and
USB-container framing). What a Fujifilm body needs besides (dialects.md §5):

* **Connecting.** The handshake has no event channel. After OpenSession comes the
  init sequence (§5.3): SetDevicePropValue 0xDF01 InitSequence = 5, GetDevicePropValue
  0xDF24 AppVersion and SetDevicePropValue 0xDF24 back to the same value,
  InitiateOpenCapture; then the event connection is made (:meth:`open_event_channel`,
  ``event_port``: the command port + 1 unless told, where gphoto2 keeps 55741). A body
  that refuses a step is not in a mode that accepts a computer:
  :class:`~ptpkit.errors.CameraStateError` says so.
* **DeviceInfo.** A body may answer GetDeviceInfo with no data (the X-T4 does): then
  :func:`~ptpkit.proto.vendors.fuji.builtin_device_info` stands in. When 0x902B (Fuji
  GetDeviceInfo) is listed, its property descriptors replace DeviceInfo's property list
  (as gphoto2 does) and give every property's type without a GetDevicePropDesc each.
* **Downloads** are whole objects: GetPartialObject is not used with these bodies
  (gphoto2 stopped using it in 2.5.32, issue #653), so an interrupted download starts
  over instead of resuming.
* **Capture** (§5.4): CameraAction 0xD208 = 0x0200 (focus) and InitiateCapture, AFStatus
  0xD209 read while it is 1 (focusing), CameraAction = 0x0304 (shoot) and
  InitiateCapture, then ObjectAdded (0x4002, or Fujifilm's 0xC004) on the event
  connection; while waiting, CurrentState 0xD212 is read and the object handles are
  compared with those from before, for bodies that send no event.
* **No Probe and no Cancel** in the variant: :meth:`ping` raises; cancelling a download
  drops the rest of its data as it arrives; cancelling our own data packet closes the
  connection (it cannot be cut short).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Any

from ptpkit.aio.channel import _Transaction
from ptpkit.aio.client import Camera
from ptpkit.aio.events import EventStream
from ptpkit.aio.models import CameraObject, EventsDropped
from ptpkit.aio.sessions import fuji_session
from ptpkit.errors import (
    CameraStateError,
    ConnectionLost,
    DecodeError,
    LocalProtocolError,
    PtpResponseError,
    PtpTimeoutError,
)
from ptpkit.proto.codes import (
    ALL,
    DataType,
    EventCode,
    OperationCode,
    ResponseCode,
    VendorOperationCode,
)
from ptpkit.proto.datasets import DeviceInfo
from ptpkit.proto.events import Channel
from ptpkit.proto.state import TransactionState
from ptpkit.proto.vendors.fuji import (
    COMMAND_PORT,
    INIT_SEQUENCE,
    FujiAFStatus,
    FujiCameraAction,
    FujiCurrentState,
    FujiDevicePropCode,
    FujiDevicePropList,
    FujiEventCode,
    FujiOperationCode,
    builtin_device_info,
)

__all__ = ["FujiCamera"]

_log = logging.getLogger("ptpkit.client")

_P = FujiDevicePropCode
_U16 = DataType.UINT16
_U32 = DataType.UINT32
_ADDED = (EventCode.ObjectAdded, FujiEventCode.ObjectAdded)
_WHOLE_OBJECTS_ONLY = (
    OperationCode.GetPartialObject,
    VendorOperationCode.AndroidGetPartialObject64,
)
_FOCUS_POLL = 0.02  # between two reads of AFStatus while focusing
_EVENT_SLICE = 0.25  # waiting for ObjectAdded: look for events this often
_CHECK_EVERY = 4  # ... and read CurrentState and the handles every this many slices
_MORE_OBJECTS = 0.3  # after the first new object: wait this long for a second (RAW+JPEG)

_NO_PC_MODE = (
    "the camera does not accept a computer in the mode it is in; set its connection "
    "mode to one for a PC (PC AUTO SAVE, or tethered or remote shooting, in the Wi-Fi "
    "or connection menu) and connect again"
)


class FujiCamera(Camera):
    """A Fujifilm camera, over its variant of PTP/IP (see the module documentation).

    ``port`` is the command port (55740); ``event_port`` defaults to ``port + 1``.
    Other keyword arguments are :class:`~ptpkit.aio.client.Camera`'s.
    """

    def __init__(
        self,
        host: str,
        port: int = COMMAND_PORT,
        *,
        event_port: int | None = None,
        **options: Any,
    ) -> None:
        options.setdefault("session_factory", fuji_session)
        super().__init__(
            host, port, event_port=port + 1 if event_port is None else event_port, **options
        )
        #: The transaction id of the init sequence's InitiateOpenCapture (None before).
        self.open_capture_tid: int | None = None

    # -- connecting -------------------------------------------------------------------
    async def _open(self) -> Camera:
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._backlog = self._subscribe()
        try:
            await self._handshake(loop)
            if self._want_session:
                await self.open_session(self.session_id)
                await self.start_fuji()
            self.device_info = await self.get_device_info()
        except BaseException:
            self._shutdown(None)
            await self._wait_closed()
            raise
        return self

    async def _handshake(self, loop: asyncio.AbstractEventLoop) -> None:
        """The double init on the command connection; no event channel yet."""
        self._ready_waiter = loop.create_future()
        command = await self._connect_channel(loop, Channel.COMMAND, self.port)
        self._channels[Channel.COMMAND] = command
        _log.debug("command connection to %s:%d is up (Fujifilm)", self.host, self.port)
        self._session.start(loop.time())
        self._after_input()
        ready = await self._ready_waiter
        self.connection_number = ready.connection_number
        self.camera_guid = ready.guid
        self.camera_name = ready.friendly_name
        _log.debug(
            "Init Command Ack from %r, connection %d", ready.friendly_name, ready.connection_number
        )

    async def start_fuji(self) -> None:
        """The init sequence after OpenSession (§5.3), then the event connection."""
        try:
            await self.set_device_prop_value(_P.InitSequence, INIT_SEQUENCE, _U16)
            version = await self.get_device_prop_value(_P.AppVersion, _U32)
            await self.set_device_prop_value(_P.AppVersion, version, _U32)
            self.open_capture_tid = await self.initiate_open_capture()
        except PtpResponseError as exc:
            raise CameraStateError(
                exc.code, _NO_PC_MODE, operation=exc.operation, params=exc.params
            ) from exc
        await self.open_event_channel()

    async def open_event_channel(self) -> None:
        """Connect the event connection (55741), retried on refusal like gphoto2 does."""
        if Channel.EVENT in self._channels:
            return
        self._check_usable()
        assert self._loop is not None
        event = await self._connect_event_channel(self._loop)
        if self._failure is not None or self._closing:
            if event.transport is not None:
                event.transport.close()
            self._check_usable()
        self._channels[Channel.EVENT] = event
        _log.debug("event connection to %s:%d is up", self.host, self.event_port)

    async def get_device_info(self) -> DeviceInfo:
        """GetDeviceInfo, or the built-in one when the body sends no data; with 0x902B
        listed, its property list (and the properties' types) as gphoto2 reads them."""
        response = await self._run(OperationCode.GetDeviceInfo, ())
        info = DeviceInfo.decode(response.data) if response.data else builtin_device_info()
        if FujiOperationCode.GetDeviceInfo in info.operations_supported:
            props = await self.get_fuji_properties()
            info = dataclasses.replace(info, device_properties_supported=props.codes)
        self.device_info = info
        return info

    async def get_fuji_properties(self) -> FujiDevicePropList:
        """0x902B (Fuji GetDeviceInfo): every property's descriptor, in one transaction."""
        response = await self._run(FujiOperationCode.GetDeviceInfo, ())
        props = FujiDevicePropList.decode(response.data)
        for desc in props.descs:
            self._prop_types[desc.device_prop_code] = desc.data_type
        return props

    # -- what the variant does not have ---------------------------------------------
    async def ping(self) -> float:
        """The variant has no Probe: :class:`~ptpkit.errors.LocalProtocolError`."""
        raise LocalProtocolError("the Fujifilm variant of PTP/IP has no Probe to ping with")

    def supports(self, operation: int) -> bool:
        """As listed in DeviceInfo, but never GetPartialObject: whole objects only."""
        return operation not in _WHOLE_OBJECTS_ONLY and super().supports(operation)

    async def _cancel_transaction(self, txn: _Transaction) -> None:
        if self._session.transaction is TransactionState.DATA_OUT and self._failure is None:
            self._fail(ConnectionLost("a Fujifilm data packet cannot be cut short: disconnected"))
            return
        await super()._cancel_transaction(txn)

    # -- capture ------------------------------------------------------------------------
    async def current_state(self) -> FujiCurrentState:
        """CurrentState 0xD212: the properties that changed since the last read."""
        response = await self._run(OperationCode.GetDevicePropValue, (_P.CurrentState,))
        return FujiCurrentState.decode(response.data)

    async def capture(
        self, timeout: float = 30.0, *, storage_id: int = 0, object_format: int = 0
    ) -> list[CameraObject]:
        """Focus, shoot, and wait for the new objects (see the module documentation)."""
        assert self._loop is not None
        deadline = self._loop.time() + timeout
        stream = self._subscribe()
        try:
            before = set(await self.get_object_handles(ALL, 0, 0))
            if _P.CameraAction in self.device_info.device_properties_supported:
                await self.set_device_prop_value(_P.CameraAction, FujiCameraAction.ShootS1, _U16)
                await self.initiate_capture(storage_id, object_format)
                await self._wait_focus(deadline)
                await self.set_device_prop_value(
                    _P.CameraAction, FujiCameraAction.ShootS2toS0, _U16
                )
            await self.initiate_capture(storage_id, object_format)
            return await self._wait_objects(stream, before, deadline, timeout)
        finally:
            stream.close()

    async def _wait_focus(self, deadline: float) -> None:
        assert self._loop is not None
        if _P.AFStatus not in self.device_info.device_properties_supported:
            return
        while True:
            status = await self.get_device_prop_value(_P.AFStatus, _U16)
            if status == FujiAFStatus.Failed:
                raise CameraStateError(
                    ResponseCode.DeviceBusy,
                    "the camera could not focus (AFStatus 3); point it at something with "
                    "contrast, or switch it to manual focus",
                    operation=OperationCode.InitiateCapture,
                )
            if status != FujiAFStatus.Focusing or self._loop.time() >= deadline:
                return
            await asyncio.sleep(_FOCUS_POLL)

    async def _wait_objects(
        self, stream: EventStream, before: set[int], deadline: float, timeout: float
    ) -> list[CameraObject]:
        assert self._loop is not None
        found: dict[int, CameraObject] = {}
        slices = 0
        while True:
            now = self._loop.time()
            if found:
                wait = _MORE_OBJECTS
            elif now >= deadline:
                raise PtpTimeoutError(f"the capture did not complete within {timeout:g} s")
            else:
                wait = min(_EVENT_SLICE, deadline - now)
            try:
                event = await stream.get(wait)
            except PtpTimeoutError:
                if found:
                    return list(found.values())
                slices += 1
                if slices % _CHECK_EVERY == 0:
                    await self._check_new_objects(before, found)
                continue
            if isinstance(event, EventsDropped):
                continue
            if event.code in _ADDED and event.params and event.params[0] not in found:
                obj = await self._object(event.params[0])
                if not obj.is_folder:
                    found[obj.handle] = obj

    async def _check_new_objects(self, before: set[int], found: dict[int, CameraObject]) -> None:
        """For bodies that send no ObjectAdded: CurrentState (as gphoto2 reads it), then
        the handles that were not there before."""
        if _P.CurrentState in self.device_info.device_properties_supported:
            try:
                await self.current_state()
            except (PtpResponseError, DecodeError) as exc:
                _log.debug("CurrentState: %s", exc)
        for handle in await self.get_object_handles(ALL, 0, 0):
            if handle not in before and handle not in found:
                obj = await self._object(handle)
                if not obj.is_folder:
                    found[handle] = obj
