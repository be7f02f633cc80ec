"""Uploads into the folder store: SendObjectInfo reserves a handle and a hidden temporary
file (:class:`PendingUpload`), SendObject fills it, and the commit links it into place
under a free name."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from pathlib import Path
from typing import BinaryIO, Literal

from ptpkit.emulator.store_paths import (
    _U32_MAX,
    _basename,
    _join,
    _make_temp_file,
    _name_candidates,
    _os_error_code,
    _parent_of,
    validate_object_name,
)
from ptpkit.emulator.store_reading import StoreReader
from ptpkit.emulator.store_registry import _Storage
from ptpkit.errors import StoreError
from ptpkit.proto.codes import ROOT, ObjectFormat, ResponseCode
from ptpkit.proto.datasets import ObjectInfo, parse_ptp_datetime

__all__ = ["PendingUpload", "StoreUploads"]

# -- uploads ------------------------------------------------------------------------------

UploadState = Literal["open", "committed", "aborted"]


class PendingUpload:
    """An object announced by SendObjectInfo, waiting for its data (SendObject).

    Data goes to a hidden temporary file in the target folder; :meth:`commit` links it
    into place under its final name (``name (1).ext`` … if the name is taken), so a
    half-written file never appears under a listed name. :meth:`abort` removes the
    temporary file. A folder (Association) is created by
    :meth:`FolderStore.begin_upload` itself: its upload is born committed and expects no
    data (``needs_data`` is False).

    Use it from one thread at a time (one PTP session owns it).
    """

    def __init__(
        self,
        store: StoreUploads,
        *,
        handle: int,
        storage_id: int,
        parent: int,
        folder: str,
        name: str,
        info: ObjectInfo,
        temp_path: str | None,
        file: BinaryIO | None,
    ) -> None:
        self._store = store
        self.handle = handle
        self.storage_id = storage_id
        self.parent = parent
        self.info = info
        self._folder = folder
        self._name = name
        self._temp_path = temp_path
        self._file = file
        self.bytes_written = 0
        self.state: UploadState = "open" if temp_path is not None else "committed"

    @property
    def needs_data(self) -> bool:
        """False for folders, which exist as soon as their ObjectInfo is accepted."""
        return self._temp_path is not None

    @property
    def expected_size(self) -> int | None:
        """ObjectCompressedSize from the ObjectInfo; ``None`` when it says ≥ 4 GiB."""
        size = self.info.object_compressed_size
        return None if size == _U32_MAX else size

    @property
    def path(self) -> Path:
        """Where the object lands (its name may still change if taken at commit time)."""
        return Path(self._folder, self._name)

    def write(self, chunk: bytes | bytearray | memoryview) -> None:
        """Append ``chunk`` to the temporary file."""
        if self.state != "open" or self._file is None:
            raise StoreError(ResponseCode.NoValidObjectInfo, f"upload is {self.state}")
        try:
            self._file.write(chunk)
        except OSError as exc:
            raise StoreError(_os_error_code(exc), f"writing upload: {exc}") from exc
        self.bytes_written += len(chunk)

    def commit(self) -> int:
        """Move the data into place and register the object; returns its handle."""
        if self.state == "committed":
            return self.handle
        if self.state != "open" or self._file is None or self._temp_path is None:
            raise StoreError(ResponseCode.NoValidObjectInfo, f"upload is {self.state}")
        try:
            self._file.flush()
            if self._store.fsync:
                os.fsync(self._file.fileno())
            self._file.close()
        except OSError as exc:
            self.abort()
            raise StoreError(_os_error_code(exc), f"finishing upload: {exc}") from exc
        self._file = None
        stamp = parse_ptp_datetime(self.info.modification_date or self.info.capture_date)
        if stamp is not None:
            with contextlib.suppress(OSError, ValueError, OverflowError):
                seconds = stamp.timestamp()
                os.utime(self._temp_path, ns=(int(seconds * 1e9), int(seconds * 1e9)))
        try:
            final = self._store._commit_upload(self, self._temp_path)
        except BaseException:
            self.abort()
            raise
        self._name = _basename(final)
        self.state = "committed"
        return self.handle

    def abort(self) -> None:
        """Drop the upload and its temporary file (idempotent; no-op after commit)."""
        if self.state != "open":
            return
        self.state = "aborted"
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None
        if self._temp_path is not None:
            with contextlib.suppress(OSError):
                Path(self._temp_path).unlink()
        self._store._forget_upload(self)

    def __enter__(self) -> PendingUpload:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.abort()


class StoreUploads(StoreReader):
    """Creating objects: uploads, folders, and placing new files under a free name."""

    fsync: bool
    _uploads: set[PendingUpload]

    # -- writing: uploads -----------------------------------------------------------------

    def _target_folder(self, storage: _Storage, parent: int) -> tuple[str, int]:
        """(folder path, parent handle or 0) for a destination given as PTP parameters."""
        if parent in (0, ROOT):
            return storage.root, 0
        entry = self._entries.get(parent)
        if entry is None or entry.children is None or entry.storage_id != storage.storage_id:
            raise StoreError(
                ResponseCode.InvalidParentObject,
                f"0x{parent:08X} is not a folder of storage 0x{storage.storage_id:08X}",
            )
        return entry.path, parent

    def _resolve_destination(self, storage_id: int, parent: int) -> tuple[_Storage, str, int]:
        """SendObjectInfo's rules: storage 0 = the parent's storage, or the first one."""
        with self._lock:
            if storage_id == 0:
                entry = self._entries.get(parent) if parent not in (0, ROOT) else None
                storage_id = entry.storage_id if entry is not None else next(iter(self._storages))
            storage = self._writable_storage(storage_id)
            folder, parent_handle = self._target_folder(storage, parent)
            return storage, folder, parent_handle

    @staticmethod
    def _check_space(folder: str, needed: int) -> None:
        try:
            free = shutil.disk_usage(folder).free
        except OSError as exc:
            raise StoreError(ResponseCode.StoreNotAvailable, str(exc)) from exc
        if needed > free:
            raise StoreError(ResponseCode.StoreFull, f"{needed} bytes wanted, {free} free")

    def begin_upload(self, storage_id: int, parent: int, info: ObjectInfo) -> PendingUpload:
        """SendObjectInfo: check everything and reserve a handle for the coming data.

        ``parent`` 0 or 0xFFFFFFFF = the root of the storage; ``storage_id`` 0 = the
        parent's storage, or the first storage. ``info.parent_object`` is ignored (the
        operation's parameters decide). An ObjectCompressedSize of 0xFFFFFFFF is taken
        as "at least 4 GiB" for the free-space check. A folder (Association) is created
        here and now.
        """
        storage, folder, parent_handle = self._resolve_destination(storage_id, parent)
        name = validate_object_name(info.filename)
        is_dir = info.object_format == ObjectFormat.Association
        if is_dir:
            handle = self._make_folder(storage, folder, name)
            return PendingUpload(
                self,
                handle=handle,
                storage_id=storage.storage_id,
                parent=parent_handle,
                folder=folder,
                name=self._entries[handle].name,
                info=info,
                temp_path=None,
                file=None,
            )
        size = info.object_compressed_size
        self._check_space(folder, 1 << 32 if size == _U32_MAX else size)
        try:
            fd, temp_path = _make_temp_file(folder)
        except OSError as exc:
            raise StoreError(_os_error_code(exc), f"cannot create the upload: {exc}") from exc
        final = next(
            c for c in _name_candidates(name, False) if not os.path.lexists(_join(folder, c))
        )
        upload = PendingUpload(
            self,
            handle=self._new_handle(),
            storage_id=storage.storage_id,
            parent=parent_handle,
            folder=folder,
            name=final,
            info=info,
            temp_path=temp_path,
            file=os.fdopen(fd, "wb"),
        )
        with self._lock:
            self._uploads.add(upload)
        return upload

    def _forget_upload(self, upload: PendingUpload) -> None:
        with self._lock:
            self._uploads.discard(upload)

    def _commit_upload(self, upload: PendingUpload, temp_path: str) -> str:
        """Place an upload's data under its final name and register it; returns the path."""
        folder = _parent_of(temp_path)
        with self._mutation():
            with self._lock:
                storage = self._storage(upload.storage_id)
                if upload.parent:
                    entry = self._entries.get(upload.parent)
                    if entry is None or entry.path != folder:
                        raise StoreError(ResponseCode.InvalidParentObject, "the folder is gone")
            final = self._place_file(temp_path, folder, upload.info.filename)
            self._register_file(storage, final, upload.handle)
            self._forget_upload(upload)
            return final

    def _register_file(self, storage: _Storage, path: str, handle: int | None = None) -> int:
        try:
            st = Path(path).stat()
            size, mtime_ns = st.st_size, st.st_mtime_ns
        except OSError:
            size, mtime_ns = 0, 0
        return self._register(
            storage, path, is_dir=False, size=size, mtime_ns=mtime_ns, handle=handle
        )

    @staticmethod
    def _place_file(temp_path: str, folder: str, name: str) -> str:
        """Give ``temp_path`` its final name in ``folder`` without overwriting anything."""
        for candidate in _name_candidates(name, False):
            target = _join(folder, candidate)
            try:
                os.link(temp_path, target)
            except FileExistsError:
                continue
            except OSError as exc:
                if exc.errno not in (
                    errno.EPERM,
                    errno.ENOTSUP,
                    errno.EXDEV,
                    errno.EMLINK,
                    errno.EOPNOTSUPP,
                    errno.ENOSYS,
                ):
                    raise StoreError(_os_error_code(exc), f"placing {name!r}: {exc}") from exc
                # No hard links here (FAT, some network file systems): check, then rename.
                if os.path.lexists(target):
                    continue
                try:
                    Path(temp_path).replace(target)
                except OSError as exc2:
                    raise StoreError(_os_error_code(exc2), f"placing {name!r}: {exc2}") from exc2
                return target
            with contextlib.suppress(OSError):
                Path(temp_path).unlink()
            return target
        raise StoreError(ResponseCode.StoreFull, f"no free name for {name!r}")

    def _make_folder(self, storage: _Storage, folder: str, name: str) -> int:
        with self._mutation():
            for candidate in _name_candidates(name, True):
                target = _join(folder, candidate)
                try:
                    Path(target).mkdir()
                except FileExistsError:
                    continue
                except OSError as exc:
                    raise StoreError(_os_error_code(exc), f"creating {name!r}: {exc}") from exc
                return self._register(storage, target, is_dir=True)
            raise StoreError(ResponseCode.StoreFull, f"no free name for {name!r}")
