"""A camera without storage: the backend of a persona served with no folder.

Some bodies over Wi-Fi offer no storage at all in their remote-control mode (a Sony
Alpha in "PC remote": captures live in the camera's memory, GetStorageIDs lists nothing,
and listing a storage answers StoreNotAvailable; dialects.md §4.5). :class:`NoStorage`
is that backend: it lists no storage and refuses every object operation, so that only
what a persona keeps in memory can be read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn

from ptpkit.emulator.store_registry import ScanResult
from ptpkit.emulator.store_uploads import PendingUpload
from ptpkit.errors import StoreError
from ptpkit.proto.codes import ALL, ResponseCode
from ptpkit.proto.datasets import ObjectInfo, StorageInfo

__all__ = ["NoStorage"]


def _no_storage(storage_id: int) -> NoReturn:
    # What an Alpha in remote mode answers for any storage id (dialects.md §4.5).
    raise StoreError(
        ResponseCode.StoreNotAvailable, f"no storage 0x{storage_id:08X}: this camera offers none"
    )


def _no_object(handle: int) -> NoReturn:
    raise StoreError(ResponseCode.InvalidObjectHandle, f"no object 0x{handle:08X}")


class NoStorage:
    """The :class:`~ptpkit.emulator.backend.Storage` of a camera with no storage."""

    def storage_ids(self) -> list[int]:
        return []

    def is_writable(self, storage_id: int) -> bool:
        return False

    def storage_info(self, storage_id: int) -> StorageInfo:
        _no_storage(storage_id)

    def handles(self, storage_id: int = ALL, format: int = 0, parent: int = 0) -> list[int]:
        if storage_id == ALL:
            return []  # every storage of none: nothing
        _no_storage(storage_id)

    def is_association(self, handle: int) -> bool:
        _no_object(handle)

    def object_info(self, handle: int) -> ObjectInfo:
        _no_object(handle)

    def object_size(self, handle: int) -> int:
        _no_object(handle)

    def object_path(self, handle: int) -> Path:
        _no_object(handle)

    def open_object(self, handle: int) -> Any:
        _no_object(handle)

    def thumbnail(self, handle: int) -> bytes:
        _no_object(handle)

    def begin_upload(self, storage_id: int, parent: int, info: ObjectInfo) -> PendingUpload:
        _no_storage(storage_id)

    def delete(self, handle: int, format: int = 0) -> list[int]:
        _no_object(handle)

    def move(self, handle: int, storage_id: int, parent: int) -> None:
        _no_object(handle)

    def copy(self, handle: int, storage_id: int, parent: int) -> int:
        _no_object(handle)

    def set_protection(self, handle: int, status: int) -> None:
        _no_object(handle)

    def format_storage(self, storage_id: int) -> list[int]:
        _no_storage(storage_id)

    def add_capture(self, storage_id: int | None, data: bytes, ext: str = ".JPG") -> int:
        _no_storage(storage_id or 0)

    def rescan_detailed(self, *, attempts: int = 3) -> ScanResult:
        return ScanResult()

    def storage_root(self, storage_id: int) -> Path:
        _no_storage(storage_id)

    def close(self) -> None:
        pass
