"""The client's side of Fujifilm's variant of PTP/IP: :class:`FujiTransport`, the part
of :class:`~ptpkit.aio.client.FujiCamera` that differs from the standard camera.

Everything above the transport is the standard client's (operations, listing,
transfers, events, properties); the connection pumps a
:class:`~ptpkit.proto.fuji_initiator.FujiInitiatorSession` instead of the CIPA session
(:func:`~ptpkit.aio.sessions.fuji_session`: the 82-byte Init Command Request, twice, and
USB-container framing). What a Fujifilm body needs besides (dialects.md §5):

* **Connecting.** The handshake has no event channel. After OpenSession comes the
  init sequence (§5.3, :meth:`FujiTransport.start_fuji`): SetDevicePropValue 0xDF01
  InitSequence = 5, GetDevicePropValue 0xDF24 AppVersion and SetDevicePropValue 0xDF24
  back to the same value, InitiateOpenCapture; then the event connection is made
  (:meth:`FujiTransport.open_event_channel`, ``event_port``: the command port + 1
  unless told, where gphoto2 keeps 55741). A body that refuses a step is not in a mode
  that accepts a computer: :class:`~ptpkit.errors.CameraStateError` says so.
* **DeviceInfo.** A body may answer GetDeviceInfo with no data (the X-T4 does): then
  :func:`~ptpkit.proto.vendors.fuji.builtin_device_info` stands in. When 0x902B (Fuji
  GetDeviceInfo) is listed, its property descriptors replace DeviceInfo's property list
  (as gphoto2 does) and give every property's type without a GetDevicePropDesc each.
* **Downloads** are whole objects: GetPartialObject is not used with these bodies
  (gphoto2 stopped using it in 2.5.32, issue #653), so an interrupted download starts
  over instead of resuming.
* **No Probe and no Cancel** in the variant: ``ping`` raises; cancelling a download
  drops the rest of its data as it arrives; cancelling our own data packet closes the
  connection (it cannot be cut short).

Capture, vendor property names and values are the dialect's
(:mod:`ptpkit.dialects.fuji`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging

from ptpkit.aio.channel import _Transaction
from ptpkit.aio.operations import Operations
from ptpkit.errors import (
    CameraStateError,
    ConnectionLost,
    DecodeError,
    PtpResponseError,
)
from ptpkit.proto.codes import (
    DataType,
    OperationCode,
    VendorOperationCode,
)
from ptpkit.proto.datasets import DeviceInfo
from ptpkit.proto.events import Channel
from ptpkit.proto.state import TransactionState
from ptpkit.proto.vendors.fuji import (
    INIT_SEQUENCE,
    FujiCurrentState,
    FujiDevicePropCode,
    FujiDevicePropList,
    FujiOperationCode,
    builtin_device_info,
)

__all__ = ["FujiTransport"]

_log = logging.getLogger("ptpkit.client")

_P = FujiDevicePropCode
_U16 = DataType.UINT16
_U32 = DataType.UINT32
_WHOLE_OBJECTS_ONLY = (
    OperationCode.GetPartialObject,
    VendorOperationCode.AndroidGetPartialObject64,
)

_NO_PC_MODE = (
    "the camera does not accept a computer in the mode it is in; set its connection "
    "mode to one for a PC (PC AUTO SAVE, or tethered or remote shooting, in the Wi-Fi "
    "or connection menu) and connect again"
)


class FujiTransport(Operations):
    """What a camera over Fujifilm's variant does besides the standard client (see the
    module documentation): mixed in before :class:`~ptpkit.aio.client.Camera` by
    :class:`~ptpkit.aio.client.FujiCamera`, whose connection pumps a Fujifilm session."""

    #: The transaction id of the init sequence's InitiateOpenCapture (None before).
    open_capture_tid: int | None = None

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
        self._begin_liveness(loop)

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
            try:
                props = await self.get_fuji_properties()
            except (PtpResponseError, DecodeError) as exc:  # keep DeviceInfo's own list
                _log.info("Fuji GetDeviceInfo (0x902B) failed: %s", exc)
            else:
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
    # No Probe: ping() and the keep-alive use a command round trip (see liveness.py).

    def supports(self, operation: int) -> bool:
        """As listed in DeviceInfo, but never GetPartialObject: whole objects only."""
        return operation not in _WHOLE_OBJECTS_ONLY and super().supports(operation)

    async def _cancel_transaction(self, txn: _Transaction) -> None:
        if self._session.transaction is TransactionState.DATA_OUT and self._failure is None:
            self._fail(ConnectionLost("a Fujifilm data packet cannot be cut short: disconnected"))
            return
        await super()._cancel_transaction(txn)

    # -- the variant's own reads ----------------------------------------------------------
    async def current_state(self) -> FujiCurrentState:
        """CurrentState 0xD212: the properties that changed since the last read."""
        response = await self._run(OperationCode.GetDevicePropValue, (_P.CurrentState,))
        return FujiCurrentState.decode(response.data)
