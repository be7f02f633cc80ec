"""Folders on disk served as PTP storages: the object store behind the camera emulator.

Each root directory is one storage (StorageID 0x00010001, 0x00020001, …). Sub-folders
are association objects (``Association``, ``GenericFolder``), files are objects. Handles
are small integers, stable while the store lives; the handle of a removed object is never
given out again.

Threading: every public method is synchronous and thread-safe (one re-entrant lock
guards the registry). The lock is only held for bookkeeping, never for slow file work,
so an asyncio server may call the *cheap* operations directly from its event loop:
:meth:`~FolderStore.storage_ids`, :meth:`~FolderStore.handles` without a format filter,
:meth:`~FolderStore.num_objects` (same), :meth:`~FolderStore.object_size`,
:meth:`~FolderStore.object_path`, :meth:`~FolderStore.is_association`. Everything that reads
file contents or changes the disk — ``object_info`` (magic bytes, image header,
thumbnail on first call), ``thumbnail``, ``open_object``, uploads, ``delete``, ``move``,
``copy``, ``format_storage``, ``add_capture``, ``rescan`` — belongs in a thread executor.

Safety: nothing outside the roots is ever listed, read, written or deleted. Paths are
resolved and checked against their root; symlinks are listed only when they point to a
regular file inside the same root (symlinks to folders are never followed, so there are
no cycles); FIFOs, sockets and devices are skipped; uploaded names with separators, NUL,
control characters, ``.``/``..`` or reserved device names are refused. Uploads, copies
and captures are written to a hidden temporary file in the target folder
(``.ptpkit-upload-XXXX.tmp``, never listed) and then linked into place without
overwriting anything: if the name is taken, the new object becomes ``name (1).ext``,
``name (2).ext``, … (gphoto2 expects an upload to succeed).

Change tracking: :meth:`FolderStore.rescan` walks the roots and compares them with the
registry (path, size, mtime_ns); it returns the handles that appeared and disappeared,
for ObjectAdded/ObjectRemoved events. Changes the store makes itself update the registry
at once and are never reported by ``rescan``. A rescan that overlaps a store change is
skipped (it returns nothing and the next periodic call picks the change up), so it never
mistakes the store's own work for an outside change.

Costs: a walk stats every file (5,000 files in nested folders take a few tens of
milliseconds). ``object_info`` reads at most :data:`~ptpkit.emulator.formats.HEAD_SIZE`
bytes of a file once per (path, size, mtime_ns); for images it also reads the header and
makes the thumbnail (ThumbCompressedSize must be exact, because gphoto2 uses it), which
costs about 5-20 ms per camera JPEG the first time, unless the JPEG carries an EXIF
thumbnail. Pass ``thumbnails=False`` for huge libraries: ObjectInfo then announces no
thumbnail (ThumbFormat 0), while :meth:`FolderStore.thumbnail` still makes one on demand.

Formats: see :mod:`ptpkit.emulator.formats`. The "images only" filter (0xFFFFFFFF) means
the 0x38xx class, so vendor raw codes (0xB1xx) are not in it unless
``vendor_codes=False`` (then raw files are ``UndefinedImage``).

Layout: :class:`FolderStore` (this module: construction, storages) is built in layers,
each a module of its own — :mod:`~ptpkit.emulator.store_registry` (handles, records,
rescans) ← :mod:`~ptpkit.emulator.store_reading` (listing, ObjectInfo, data, thumbnails)
← :mod:`~ptpkit.emulator.store_uploads` (SendObjectInfo/SendObject) ←
:mod:`~ptpkit.emulator.store_changes` (delete, move, copy, protection, format, captures);
names, paths, walks and temporary files are in :mod:`~ptpkit.emulator.store_paths`.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path

from ptpkit.emulator.store_changes import StoreChanges
from ptpkit.emulator.store_paths import (
    _U32_MAX,
    TEMP_PREFIX,
    _basename,
    _inside,
    _ptp_filename,
    _walk,
    storage_id_for_index,
    validate_object_name,
)
from ptpkit.emulator.store_registry import ScanResult, _Entry, _Storage
from ptpkit.emulator.store_uploads import PendingUpload
from ptpkit.errors import StoreError
from ptpkit.proto.codes import AccessCapability, FilesystemType, ResponseCode, StorageType
from ptpkit.proto.datasets import StorageInfo

__all__ = [
    "TEMP_PREFIX",
    "FolderStore",
    "PendingUpload",
    "ScanResult",
    "StoreError",
    "storage_id_for_index",
    "validate_object_name",
]


# -- the store ----------------------------------------------------------------------------


class FolderStore(StoreChanges):
    """One or more folders served as PTP storages (see the module documentation).

    ``writable`` allows uploads, deletion, move, copy, protection changes, formatting and
    captures (a root the process cannot write to stays read-only either way).
    ``thumbnails`` puts thumbnail facts into ObjectInfo (decoding images lazily, once).
    ``vendor_codes`` picks vendor raw format codes over ``UndefinedImage``.
    """

    def __init__(
        self,
        roots: Sequence[str | os.PathLike[str]],
        *,
        writable: bool = False,
        thumbnails: bool = True,
        thumb_max_side: int = 160,
        vendor_codes: bool = True,
        storage_type: int = StorageType.RemovableRAM,
        fsync: bool = False,
        capture_folder_suffix: str = "PTPKT",
        capture_prefix: str = "PTPK",
    ) -> None:
        if not roots:
            raise ValueError("FolderStore needs at least one folder")
        if len(roots) > 0xFFFF:
            raise ValueError("too many folders (at most 65535 storages)")
        if len(capture_folder_suffix) != 5 or len(capture_prefix) != 4:
            raise ValueError("DCF names: a 5-character folder suffix and a 4-character prefix")
        self.writable = writable
        self.thumbnails = thumbnails
        self.thumb_max_side = thumb_max_side
        self.vendor_codes = vendor_codes
        self.storage_type = storage_type
        self.fsync = fsync
        self._capture_folder_suffix = capture_folder_suffix.upper()
        self._capture_prefix = capture_prefix.upper()
        self._lock = threading.RLock()
        self._epoch = 0  # bumped at the start and end of every store-made change
        self._busy = 0  # store-made changes in progress
        self._next_handle = 1
        self._last_capture = (100, 0)  # DCF (folder, file) numbers of the last capture
        self._entries: dict[int, _Entry] = {}
        self._by_path: dict[str, int] = {}
        self._storages: dict[int, _Storage] = {}
        self._uploads: set[PendingUpload] = set()
        self._evicted: list[int] = []  # stale entries dropped by store changes, to report

        resolved: list[str] = []
        for index, root in enumerate(roots):
            real = os.path.realpath(os.fspath(root))
            if not Path(real).is_dir():
                raise ValueError(f"not a folder: {os.fspath(root)!r}")
            for other in resolved:
                if _inside(other, real) or _inside(real, other):
                    raise ValueError(f"folders overlap: {other!r} and {real!r}")
            resolved.append(real)
            sid = storage_id_for_index(index)
            label = _basename(real.rstrip(os.sep)) or real
            can_write = writable and os.access(real, os.W_OK | os.X_OK)
            self._storages[sid] = _Storage(sid, real, _ptp_filename(label), can_write)
        for storage in self._storages.values():
            self._apply_walk(storage, _walk(storage.root, storage.root))

    # -- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        """Abort every upload still pending (their temporary files are removed)."""
        with self._lock:
            pending = list(self._uploads)
        for upload in pending:
            upload.abort()

    def __enter__(self) -> FolderStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- storages -------------------------------------------------------------------------

    def storage_ids(self) -> list[int]:
        """Every StorageID, in the order the folders were given."""
        return list(self._storages)

    def storage_root(self, storage_id: int) -> Path:
        """The (resolved) folder behind a storage."""
        return Path(self._storage(storage_id).root)

    def is_writable(self, storage_id: int) -> bool:
        return self._storage(storage_id).writable

    def storage_info(self, storage_id: int) -> StorageInfo:
        """StorageInfo with the real capacity and free space of the folder's file system."""
        storage = self._storage(storage_id)
        try:
            usage = shutil.disk_usage(storage.root)
        except OSError as exc:
            raise StoreError(ResponseCode.StoreNotAvailable, str(exc)) from exc
        access = (
            AccessCapability.ReadWrite
            if storage.writable
            else AccessCapability.ReadOnlyWithoutDeletion
        )
        return StorageInfo(
            storage_type=self.storage_type,
            filesystem_type=FilesystemType.GenericHierarchical,
            access_capability=access,
            max_capacity=usage.total,
            free_space_in_bytes=usage.free,
            free_space_in_images=_U32_MAX,
            storage_description=storage.label,
            volume_label=storage.label,
        )
