"""The standard PTP operations (and the MTP and Android ones the client uses) as typed
methods: ``get_object_info`` returns an :class:`ObjectInfo`, and so on. Each is one
transaction (:class:`~ptpkit.aio.transactions.Transactions`, kept alive by
:class:`~ptpkit.aio.liveness.Liveness`); a non-OK response raises
:class:`~ptpkit.errors.PtpResponseError`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import BinaryIO, overload

from ptpkit.aio.liveness import Liveness
from ptpkit.aio.models import ProgressCallback, Sink
from ptpkit.aio.sources import _BytesSource, _FileSource, _Source
from ptpkit.errors import MissingParameterError, NotSupportedError, PtpResponseError
from ptpkit.proto.codes import (
    ALL,
    ROOT,
    DataType,
    MtpOperationCode,
    OperationCode,
    ResponseCode,
    VendorOperationCode,
)
from ptpkit.proto.datasets import (
    DeviceInfo,
    DevicePropDesc,
    ObjectInfo,
    ObjectPropList,
    PtpValue,
    StorageInfo,
    decode_u16_array,
    decode_u32_array,
    decode_value,
    encode_value,
)

_U32_MAX = 0xFFFFFFFF
_log = logging.getLogger("ptpkit.client")


class Operations(Liveness):
    """One method per operation, on top of the transactions."""

    #: How many objects vanished (deleted by another initiator, or on the camera) between
    #: the moment a listing saw their handles and the moment it read them; each was
    #: skipped, not an error (see ``get_object_infos(skip_vanished=True)``).
    vanished_objects = 0

    async def get_device_info(self) -> DeviceInfo:
        """GetDeviceInfo; also refreshes :attr:`device_info`."""
        response = await self._run(OperationCode.GetDeviceInfo, ())
        info = DeviceInfo.decode(response.data)
        self.device_info = info
        return info

    async def open_session(self, session_id: int = 1) -> None:
        """OpenSession (done by :func:`connect`); SessionAlreadyOpen counts as success."""
        response = await self._run(OperationCode.OpenSession, (session_id,), check=False)
        if response.code not in (ResponseCode.OK, ResponseCode.SessionAlreadyOpen):
            raise PtpResponseError(
                response.code, operation=OperationCode.OpenSession, params=(session_id,)
            )
        self.session_id = session_id

    async def close_session(self) -> None:
        await self._run(OperationCode.CloseSession, ())

    async def get_storage_ids(self) -> tuple[int, ...]:
        response = await self._run(OperationCode.GetStorageIDs, ())
        return decode_u32_array(response.data)

    async def get_storage_info(self, storage_id: int) -> StorageInfo:
        response = await self._run(OperationCode.GetStorageInfo, (storage_id,))
        return StorageInfo.decode(response.data)

    async def get_num_objects(
        self, storage_id: int = ALL, object_format: int = 0, parent: int = 0
    ) -> int:
        """GetNumObjects: parent 0 = every object, 0xFFFFFFFF = the root only.

        A camera that does not list GetNumObjects, or answers it without its count, is
        asked for the handles instead (GetObjectHandles), and they are counted."""
        if self.supports(OperationCode.GetNumObjects) or not self._lists_operations():
            response = await self._run(
                OperationCode.GetNumObjects, (storage_id, object_format, parent)
            )
            if response.params:
                return response.params[0]
        return len(await self.get_object_handles(storage_id, object_format, parent))

    async def get_object_handles(
        self, storage_id: int = ALL, object_format: int = 0, parent: int = 0
    ) -> tuple[int, ...]:
        """GetObjectHandles: parent 0 = every object, 0xFFFFFFFF = the root only."""
        response = await self._run(
            OperationCode.GetObjectHandles, (storage_id, object_format, parent)
        )
        return decode_u32_array(response.data)

    async def get_object_info(self, handle: int) -> ObjectInfo:
        response = await self._run(OperationCode.GetObjectInfo, (handle,))
        return ObjectInfo.decode(response.data)

    async def get_object_infos(
        self, handles: Sequence[int], *, skip_vanished: bool = False
    ) -> dict[int, ObjectInfo]:
        """GetObjectInfo for each handle, one transaction each (each next request goes
        out as soon as the previous answer is in, while that answer is decoded).

        ``skip_vanished``: a handle answered InvalidObjectHandle (the object was deleted
        since its handle was listed: by another initiator, or on the camera) is left out
        of the result (logged at debug level, counted in :attr:`vanished_objects`)
        instead of failing the whole call."""
        infos: dict[int, ObjectInfo] = {}

        def keep(params: tuple[int, ...], data: bytes) -> None:
            infos[params[0]] = ObjectInfo.decode(data)

        skip = (ResponseCode.InvalidObjectHandle,) if skip_vanished else ()
        gone = await self._run_chain(
            OperationCode.GetObjectInfo, [(h,) for h in handles], keep, skip=skip
        )
        if gone:
            self._vanished([params[0] for params in gone])
        return infos

    def _vanished(self, handles: Sequence[int]) -> None:
        """Objects listed a moment ago are gone: skipped, counted and logged."""
        self.vanished_objects += len(handles)
        _log.debug(
            "%d object(s) deleted while being listed, skipped: %s",
            len(handles),
            ", ".join(f"0x{h:08X}" for h in handles),
        )

    async def get_object_props_supported(self, object_format: int = 0) -> tuple[int, ...]:
        """MTP GetObjectPropsSupported (0x9801): the object property codes of a format."""
        response = await self._run(MtpOperationCode.GetObjectPropsSupported, (object_format,))
        return decode_u16_array(response.data)

    async def get_object_prop_list(
        self,
        handle: int = ALL,
        object_format: int = 0,
        prop_code: int = ALL,
        group: int = 0,
        depth: int = 0,
    ) -> ObjectPropList:
        """MTP GetObjectPropList (0x9805): object properties of many objects at once.

        ``handle`` 0xFFFFFFFF = every object; otherwise ``depth`` 0 is that object, N the
        objects up to N levels below it (0xFFFFFFFF: all). ``object_format`` 0 = any;
        ``prop_code`` 0xFFFFFFFF = every property (0: by ``group``, rarely supported).
        """
        response = await self._run(
            MtpOperationCode.GetObjectPropList, (handle, object_format, prop_code, group, depth)
        )
        return ObjectPropList.decode(response.data)

    @overload
    async def get_object(self, handle: int) -> bytes: ...
    @overload
    async def get_object(
        self, handle: int, sink: Sink, *, progress: ProgressCallback | None = None
    ) -> int: ...
    async def get_object(
        self, handle: int, sink: Sink | None = None, *, progress: ProgressCallback | None = None
    ) -> bytes | int:
        """GetObject. Without a sink the object is returned as bytes (small objects only);
        with one, each chunk goes to the sink as it arrives and the byte count is returned."""
        response = await self._run(OperationCode.GetObject, (handle,), sink=sink, progress=progress)
        return response.data if sink is None else response.data_length

    @overload
    async def get_partial_object(self, handle: int, offset: int, max_bytes: int) -> bytes: ...
    @overload
    async def get_partial_object(
        self,
        handle: int,
        offset: int,
        max_bytes: int,
        sink: Sink,
        *,
        progress: ProgressCallback | None = None,
    ) -> int: ...
    async def get_partial_object(
        self,
        handle: int,
        offset: int,
        max_bytes: int,
        sink: Sink | None = None,
        *,
        progress: ProgressCallback | None = None,
    ) -> bytes | int:
        """GetPartialObject: up to ``max_bytes`` (0xFFFFFFFF = to the end) from a 32-bit
        ``offset``. Returns the bytes, or with a sink the number of bytes received."""
        response = await self._run(
            OperationCode.GetPartialObject,
            (handle, offset, max_bytes),
            sink=sink,
            progress=progress,
        )
        return response.data if sink is None else response.data_length

    @overload
    async def get_partial_object_64(self, handle: int, offset: int, max_bytes: int) -> bytes: ...
    @overload
    async def get_partial_object_64(
        self,
        handle: int,
        offset: int,
        max_bytes: int,
        sink: Sink,
        *,
        progress: ProgressCallback | None = None,
    ) -> int: ...
    async def get_partial_object_64(
        self,
        handle: int,
        offset: int,
        max_bytes: int,
        sink: Sink | None = None,
        *,
        progress: ProgressCallback | None = None,
    ) -> bytes | int:
        """GetPartialObject64 (0x95C1, Android/MTP): a 64-bit ``offset``, for objects of
        4 GiB and more. ``max_bytes`` is 32-bit."""
        response = await self._run(
            VendorOperationCode.AndroidGetPartialObject64,
            (handle, offset & _U32_MAX, offset >> 32, max_bytes),
            sink=sink,
            progress=progress,
        )
        return response.data if sink is None else response.data_length

    async def get_thumb(self, handle: int) -> bytes:
        response = await self._run(OperationCode.GetThumb, (handle,))
        return response.data

    async def delete_object(self, handle: int, object_format: int = 0) -> None:
        """DeleteObject (handle 0xFFFFFFFF = every object, then ``object_format`` filters)."""
        self._require(OperationCode.DeleteObject, "deleting")
        params = (handle, object_format) if object_format else (handle,)
        await self._run(OperationCode.DeleteObject, params)
        self._path_cache.pop(handle, None)

    async def send_object_info(
        self, info: ObjectInfo, storage_id: int = 0, parent: int = ROOT
    ) -> tuple[int, int, int]:
        """SendObjectInfo: parent 0xFFFFFFFF = the root. Returns the camera's
        (storage id, parent handle, new object handle); a camera that answers OK without
        them raises :class:`MissingParameterError` (SendObject is still expected: the
        helpers that upload find the new object by name instead)."""
        placed = await self._send_object_info(info, storage_id, parent)
        if placed is None:
            raise MissingParameterError(
                "the camera accepted SendObjectInfo but did not say where the object goes "
                "(no response parameters)"
            )
        return placed

    async def _send_object_info(
        self, info: ObjectInfo, storage_id: int, parent: int
    ) -> tuple[int, int, int] | None:
        """SendObjectInfo; None when the camera gave no (storage, parent, handle)."""
        self._require(OperationCode.SendObjectInfo, "uploading")
        response = await self._run(
            OperationCode.SendObjectInfo,
            (storage_id, parent),
            source=_BytesSource(info.encode()),
        )
        params = response.params
        if len(params) < 3:
            return None
        return params[0], params[1], params[2]

    async def _new_object_named(self, storage_id: int, parent: int, name: str) -> int:
        """The handle of the object just stored as ``name`` in ``parent`` (the newest of
        that name), for cameras whose SendObjectInfo response did not say it."""
        handles = await self.get_object_handles(storage_id, 0, parent)
        infos = await self.get_object_infos(handles, skip_vanished=True)
        named = [h for h, info in infos.items() if info.filename == name]
        if not named:
            raise MissingParameterError(
                f"the camera did not say the new object's handle, and no {name!r} was found"
            )
        return max(named)

    async def send_object(
        self,
        data: bytes | bytearray | memoryview | BinaryIO,
        *,
        size: int | None = None,
        progress: ProgressCallback | None = None,
    ) -> None:
        """SendObject: the data of the object announced by :meth:`send_object_info`,
        from bytes or streamed from a binary file (from its current position)."""
        self._require(OperationCode.SendObject, "uploading")
        source: _Source
        if isinstance(data, (bytes, bytearray, memoryview)):
            source = _BytesSource(data)
        else:
            source = _FileSource(data, size)
        await self._run(OperationCode.SendObject, (), source=source, progress=progress)

    async def initiate_capture(self, storage_id: int = 0, object_format: int = 0) -> int:
        """InitiateCapture; returns its transaction id (the new objects come as events)."""
        self._require(OperationCode.InitiateCapture, "capturing")
        response = await self._run(OperationCode.InitiateCapture, (storage_id, object_format))
        return response.transaction_id

    async def initiate_open_capture(self, storage_id: int = 0, object_format: int = 0) -> int:
        """InitiateOpenCapture; returns the transaction id TerminateOpenCapture needs."""
        self._require(OperationCode.InitiateOpenCapture, "open capture")
        response = await self._run(OperationCode.InitiateOpenCapture, (storage_id, object_format))
        return response.transaction_id

    async def terminate_open_capture(self, transaction_id: int) -> None:
        await self._run(OperationCode.TerminateOpenCapture, (transaction_id,))

    async def format_store(self, storage_id: int, filesystem_format: int | None = None) -> None:
        self._require(OperationCode.FormatStore, "formatting")
        params = (storage_id,) if filesystem_format is None else (storage_id, filesystem_format)
        await self._run(OperationCode.FormatStore, params)
        self._path_cache.clear()

    async def reset_device(self) -> None:
        await self._run(OperationCode.ResetDevice, ())

    async def self_test(self, test_type: int = 0) -> None:
        await self._run(OperationCode.SelfTest, (test_type,))

    async def set_object_protection(self, handle: int, protection_status: int) -> None:
        await self._run(OperationCode.SetObjectProtection, (handle, protection_status))

    async def power_down(self) -> None:
        await self._run(OperationCode.PowerDown, ())

    async def get_device_prop_desc(self, code: int) -> DevicePropDesc:
        response = await self._run(OperationCode.GetDevicePropDesc, (code,))
        desc = DevicePropDesc.decode(response.data)
        self._prop_types[code] = desc.data_type
        return desc

    async def _prop_type(self, code: int, data_type: int | None) -> DataType:
        if data_type is not None:
            return DataType(data_type)
        known = self._prop_types.get(code)
        if known is None:
            known = (await self.get_device_prop_desc(code)).data_type
        return known

    async def get_device_prop_value(self, code: int, data_type: int | None = None) -> PtpValue:
        """GetDevicePropValue, decoded with ``data_type`` (read from the property's
        descriptor when not given)."""
        dt = await self._prop_type(code, data_type)
        response = await self._run(OperationCode.GetDevicePropValue, (code,))
        return decode_value(dt, response.data)

    async def set_device_prop_value(
        self, code: int, value: PtpValue, data_type: int | None = None
    ) -> None:
        self._require(OperationCode.SetDevicePropValue, "changing settings")
        dt = await self._prop_type(code, data_type)
        await self._run(
            OperationCode.SetDevicePropValue, (code,), source=_BytesSource(encode_value(dt, value))
        )

    async def reset_device_prop_value(self, code: int = ALL) -> None:
        self._require(OperationCode.ResetDevicePropValue, "resetting settings")
        await self._run(OperationCode.ResetDevicePropValue, (code,))

    async def move_object(self, handle: int, storage_id: int, parent: int = 0) -> None:
        """MoveObject: parent 0 = the root of ``storage_id``."""
        self._require(OperationCode.MoveObject, "moving objects")
        await self._run(OperationCode.MoveObject, (handle, storage_id, parent))
        self._path_cache.clear()

    async def copy_object(self, handle: int, storage_id: int, parent: int = 0) -> int:
        """CopyObject: parent 0 = the root; returns the new handle (a camera that answers
        OK without it raises :class:`MissingParameterError`: the copy exists, its handle
        is unknown)."""
        self._require(OperationCode.CopyObject, "copying objects")
        response = await self._run(OperationCode.CopyObject, (handle, storage_id, parent))
        if not response.params:
            raise MissingParameterError(
                "the camera copied the object but did not say the new handle "
                "(CopyObject answered OK without its parameter)"
            )
        return response.params[0]

    def supports(self, operation: int) -> bool:
        """Whether the camera lists ``operation`` in its DeviceInfo."""
        return operation in self.device_info.operations_supported

    def _lists_operations(self) -> bool:
        """Whether the DeviceInfo lists any operation (one listing none is not judged)."""
        return bool(self.device_info.operations_supported)

    def _require(self, operation: int, what: str) -> None:
        """Raise :class:`NotSupportedError` ("this camera does not support uploading
        (SendObjectInfo)") for an optional operation the camera does not list, before
        anything is sent."""
        if self._lists_operations() and not self.supports(operation):
            raise NotSupportedError(operation, what)
