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
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Literal

from ptpkit.emulator.formats import HEAD_SIZE, detect_format, format_from_extension
from ptpkit.emulator.imaging import ImageMeta, Thumbnail, probe_image, render_thumbnail
from ptpkit.errors import StoreError
from ptpkit.proto.codes import (
    ALL,
    ROOT,
    AccessCapability,
    AssociationType,
    FilesystemType,
    ObjectFormat,
    ProtectionStatus,
    ResponseCode,
    StorageType,
    is_image,
)
from ptpkit.proto.datasets import ObjectInfo, StorageInfo, format_ptp_datetime, parse_ptp_datetime

__all__ = [
    "TEMP_PREFIX",
    "FolderStore",
    "PendingUpload",
    "ScanResult",
    "StoreError",
    "storage_id_for_index",
    "validate_object_name",
]

#: Hidden temporary files and folders of uploads, copies and captures start with this.
TEMP_PREFIX = ".ptpkit-upload-"
_TEMP_SUFFIX = ".tmp"
#: Longest filename a PTP string holds: 255 UTF-16 units including the NUL.
MAX_NAME_UNITS = 254
_U32_MAX = 0xFFFFFFFF
_RESERVED_NAMES = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"COM{i}" for i in range(1, 10)]
    + [f"LPT{i}" for i in range(1, 10)]
)
#: Formats whose header and thumbnail Pillow reads faithfully (raw files are left alone:
#: Pillow would report the size of their embedded preview, not of the image).
_PILLOW_FORMATS = frozenset(
    {
        ObjectFormat.EXIF_JPEG,
        ObjectFormat.JFIF,
        ObjectFormat.PNG,
        ObjectFormat.GIF,
        ObjectFormat.BMP,
        ObjectFormat.TIFF,
        ObjectFormat.JP2,
        ObjectFormat.JPX,
    }
)
_PILLOW_EXTRA_EXTENSIONS = frozenset({".webp", ".avif"})


def _rename_to_free_name(source: str, folder: str, name: str, is_dir: bool, doing: str) -> str:
    """Rename ``source`` into ``folder`` as ``name``, or ``name (1)``… when that is taken."""
    for candidate in _name_candidates(name, is_dir):
        target = _join(folder, candidate)
        if os.path.lexists(target):
            continue
        try:
            Path(source).rename(target)
        except OSError as exc:
            raise StoreError(_os_error_code(exc), f"{doing}: {exc}") from exc
        return target
    raise StoreError(ResponseCode.StoreFull, f"no free name for {name!r}")


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: Mode of files the store creates: what a plain ``open(..., "w")`` would give, rather
#: than mkstemp's private 0600, so uploads and captures look like any other file.
_NEW_FILE_MODE = 0o666 & ~_current_umask()


def _make_temp_file(folder: str) -> tuple[int, str]:
    """A hidden temporary file in ``folder`` (same file system, so a rename is atomic)."""
    fd, path = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=_TEMP_SUFFIX, dir=folder)
    try:
        os.fchmod(fd, _NEW_FILE_MODE)
    except OSError:
        pass
    return fd, path


def storage_id_for_index(index: int) -> int:
    """StorageID of the ``index``-th root (0-based): physical id ``index + 1``, logical 1."""
    return ((index + 1) << 16) | 1


def validate_object_name(name: str) -> str:
    """``name`` if it is a safe single file name, else :class:`StoreError` InvalidParameter.

    Refused: empty, ``.``/``..``, path separators, NUL and other control characters,
    unpaired surrogates, names over 255 UTF-8 bytes, our temporary prefix, and the
    reserved device names (``CON``, ``NUL``, ``COM1``, …, with or without extension).
    """
    bad = ResponseCode.InvalidParameter
    if not name or name in (".", ".."):
        raise StoreError(bad, f"invalid object name {name!r}")
    if "/" in name or "\\" in name or (os.altsep and os.altsep in name):
        raise StoreError(bad, f"object name contains a path separator: {name!r}")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in name):
        raise StoreError(bad, f"object name contains a control character: {name!r}")
    try:
        encoded = name.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise StoreError(bad, f"object name is not valid Unicode: {name!r}") from exc
    if len(encoded) > 255:
        raise StoreError(bad, "object name is longer than 255 bytes")
    if name.startswith(TEMP_PREFIX):
        raise StoreError(bad, f"object name uses the reserved prefix {TEMP_PREFIX!r}")
    if name.split(".", 1)[0].rstrip(" ").upper() in _RESERVED_NAMES:
        raise StoreError(bad, f"reserved object name {name!r}")
    return name


def _ptp_filename(name: str) -> str:
    """``name`` as a PTP string can carry it: no unpaired surrogates, ≤ 254 UTF-16 units.

    Bytes that are not UTF-8 (kept by the OS as surrogate escapes) become U+FFFD; a long
    name keeps its extension and loses the end of its stem.
    """
    clean = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if _utf16_units(clean) <= MAX_NAME_UNITS:
        return clean
    stem, ext = _split_ext(clean)
    if _utf16_units(ext) > 32:
        stem, ext = clean, ""
    budget = MAX_NAME_UNITS - _utf16_units(ext)
    kept: list[str] = []
    used = 0
    for ch in stem:
        units = 2 if ord(ch) > 0xFFFF else 1
        if used + units > budget:
            break
        kept.append(ch)
        used += units
    return "".join(kept) + ext


def _utf16_units(text: str) -> int:
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


def _ptp_date(mtime_ns: int) -> str:
    """Local time ``YYYYMMDDThhmmss`` (no zone suffix), or ``""`` for impossible times."""
    try:
        return format_ptp_datetime(datetime.fromtimestamp(mtime_ns / 1e9))
    except (OverflowError, OSError, ValueError):
        return ""


def _join(folder: str, name: str) -> str:
    return folder + name if folder.endswith(os.sep) else folder + os.sep + name


def _parent_of(path: str) -> str:
    return path.rpartition(os.sep)[0] or os.sep


def _basename(path: str) -> str:
    return path.rpartition(os.sep)[2]


def _split_ext(name: str) -> tuple[str, str]:
    """("IMG_0001", ".JPG"); a leading dot does not start an extension."""
    dot = name.rfind(".")
    return (name, "") if dot <= 0 else (name[:dot], name[dot:])


def _inside(root: str, path: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _os_error_code(exc: OSError) -> int:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return ResponseCode.StoreFull
    if exc.errno == errno.EROFS:
        return ResponseCode.StoreReadOnly
    if exc.errno in (errno.EACCES, errno.EPERM):
        return ResponseCode.AccessDenied
    return ResponseCode.GeneralError


def _name_candidates(name: str, is_dir: bool) -> Iterator[str]:
    """``name``, then ``stem (1).ext``, ``stem (2).ext``, … (folders: ``name (1)``, …)."""
    yield name
    stem, ext = (name, "") if is_dir else _split_ext(name)
    for n in range(1, 100_000):
        yield f"{stem} ({n}){ext}"


# -- registry records ---------------------------------------------------------------------


@dataclass(slots=True)
class _Storage:
    storage_id: int
    root: str  # resolved (realpath)
    label: str
    writable: bool
    handles: set[int] = field(default_factory=set)  # every object in the storage
    top: set[int] = field(default_factory=set)  # root-level objects


@dataclass(frozen=True, slots=True)
class _Meta:
    """What reading a file told us, valid for one (size, mtime_ns)."""

    key: tuple[int, int]
    object_format: int
    probed: bool = False  # image header read (``image`` None: not an image Pillow reads)
    image: ImageMeta | None = None
    thumb_checked: bool = False  # thumbnail made (``thumb`` None: none possible)
    thumb: Thumbnail | None = None


@dataclass(slots=True)
class _Entry:
    handle: int
    storage_id: int
    parent: int  # 0 at the storage's root
    path: str
    is_dir: bool
    size: int
    mtime_ns: int
    children: set[int] | None = None  # folders only
    protection: int = 0
    meta: _Meta | None = None

    @property
    def name(self) -> str:
        return _basename(self.path)


_Stat = tuple[bool, int, int]  # is_dir, size, mtime_ns (folders: size 0, mtime 0)


def _walk(root: str, top: str) -> dict[str, _Stat]:
    """Everything below ``top`` that the store serves, parents before children.

    Skips our temporary files, symlinks that do not lead to a regular file inside
    ``root``, symlinks to folders, and anything that is neither a file nor a folder.
    Folders that cannot be read are listed, but empty.
    """
    found: dict[str, _Stat] = {}
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                items = sorted(it, key=lambda item: item.name)
        except OSError:
            continue
        subfolders: list[str] = []
        for item in items:
            if item.name.startswith(TEMP_PREFIX):
                continue
            try:
                if item.is_symlink():
                    target = os.path.realpath(item.path)
                    if not _inside(root, target) or target == root:
                        continue
                    st = Path(target).stat()
                    if not stat.S_ISREG(st.st_mode):
                        continue
                    found[item.path] = (False, st.st_size, st.st_mtime_ns)
                elif item.is_dir(follow_symlinks=False):
                    found[item.path] = (True, 0, 0)
                    subfolders.append(item.path)
                elif item.is_file(follow_symlinks=False):
                    st = item.stat(follow_symlinks=False)
                    found[item.path] = (False, st.st_size, st.st_mtime_ns)
            except OSError:
                continue
        stack.extend(reversed(subfolders))
    return found


def _remove_tree(top: str, protected: frozenset[str]) -> None:
    """Delete ``top`` (file, symlink or folder, recursively), sparing ``protected`` paths.

    Never follows symlinks. Failures are left in place (the caller checks what is gone).
    """
    stack: list[tuple[str, bool]] = [(top, False)]
    while stack:
        path, emptied = stack.pop()
        if path in protected:
            continue
        try:
            st = os.lstat(path)
        except OSError:
            continue
        if stat.S_ISDIR(st.st_mode):
            if emptied:
                with contextlib.suppress(OSError):
                    Path(path).rmdir()
                continue
            stack.append((path, True))
            try:
                with os.scandir(path) as it:
                    stack.extend((item.path, False) for item in it)
            except OSError:
                continue
        else:
            with contextlib.suppress(OSError):
                Path(path).unlink()


# -- results ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScanResult:
    """What :meth:`FolderStore.rescan_detailed` found changed on disk.

    ``added`` lists parents before children; ``removed`` lists children before parents;
    ``changed`` are files whose size or mtime changed (same handle, new ObjectInfo).
    """

    added: tuple[int, ...] = ()
    removed: tuple[int, ...] = ()
    changed: tuple[int, ...] = ()


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
        store: FolderStore,
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


# -- the store ----------------------------------------------------------------------------


class FolderStore:
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

    def _storage(self, storage_id: int) -> _Storage:
        storage = self._storages.get(storage_id)
        if storage is None:
            raise StoreError(ResponseCode.InvalidStorageID, f"no storage 0x{storage_id:08X}")
        return storage

    def _writable_storage(self, storage_id: int) -> _Storage:
        storage = self._storage(storage_id)
        if not storage.writable:
            raise StoreError(ResponseCode.StoreReadOnly, f"storage 0x{storage_id:08X}")
        return storage

    def _selected_storages(self, storage_id: int) -> list[_Storage]:
        if storage_id == ALL:
            return list(self._storages.values())
        return [self._storage(storage_id)]

    # -- listing --------------------------------------------------------------------------

    def handles(self, storage_id: int = ALL, format: int = 0, parent: int = 0) -> list[int]:
        """GetObjectHandles: the objects matching all three filters, in handle order.

        ``storage_id`` 0xFFFFFFFF = every storage. ``format`` 0 = any, 0xFFFFFFFF = images
        (0x38xx), else that code. ``parent`` 0 = the whole storage (recursively),
        0xFFFFFFFF = its root level, else the children of that folder (a handle that is
        unknown or not a folder: InvalidParentObject; a folder in another storage than
        the one asked for: no objects).
        """
        with self._lock:
            storages = self._selected_storages(storage_id)
            if parent == 0:
                found = [h for s in storages for h in s.handles]
            elif parent == ROOT:
                found = [h for s in storages for h in s.top]
            else:
                folder = self._entries.get(parent)
                if folder is None or folder.children is None:
                    raise StoreError(
                        ResponseCode.InvalidParentObject, f"0x{parent:08X} is not a folder"
                    )
                wanted = {s.storage_id for s in storages}
                found = list(folder.children) if folder.storage_id in wanted else []
        found.sort()
        if format == 0:
            return found
        result = []
        for handle in found:
            code = self._format_of(handle)
            if code is None:
                continue
            if is_image(code) if format == ALL else code == format:
                result.append(handle)
        return result

    def num_objects(self, storage_id: int = ALL, format: int = 0, parent: int = 0) -> int:
        """GetNumObjects: ``len(handles(...))``."""
        return len(self.handles(storage_id, format, parent))

    def is_association(self, handle: int) -> bool:
        with self._lock:
            return self._entry(handle).is_dir

    def _entry(self, handle: int) -> _Entry:
        entry = self._entries.get(handle)
        if entry is None:
            raise StoreError(ResponseCode.InvalidObjectHandle, f"no object 0x{handle:08X}")
        return entry

    # -- reading objects ------------------------------------------------------------------

    def _format_of(self, handle: int) -> int | None:
        """The object's format, reading its head once per (size, mtime); None if gone."""
        with self._lock:
            entry = self._entries.get(handle)
            if entry is None:
                return None
            if entry.is_dir:
                return ObjectFormat.Association
            meta, key = entry.meta, (entry.size, entry.mtime_ns)
            sid, path = entry.storage_id, entry.path
        if meta is not None and meta.key == key:
            return meta.object_format
        return self._sniff(handle, sid, path, key).object_format

    def _contained(self, storage_id: int, path: str) -> Path | None:
        """The real file behind ``path``, or None if it now leads outside its root."""
        real = os.path.realpath(path)
        return Path(real) if _inside(self._storages[storage_id].root, real) else None

    def _sniff(self, handle: int, storage_id: int, path: str, key: tuple[int, int]) -> _Meta:
        """Read the first bytes once and decide the format (by name alone if unreadable)."""
        real = self._contained(storage_id, path)
        try:
            if real is None:
                raise PermissionError(errno.EACCES, "leads outside the folder")
            with real.open("rb") as f:
                head = f.read(HEAD_SIZE)
            code = detect_format(Path(path), head, size=key[0], vendor_codes=self.vendor_codes)
        except OSError:
            code = format_from_extension(Path(path), vendor_codes=self.vendor_codes)
        meta = _Meta(key, code)
        self._store_meta(handle, key, meta)
        return meta

    def _store_meta(self, handle: int, key: tuple[int, int], meta: _Meta) -> None:
        with self._lock:
            entry = self._entries.get(handle)
            if entry is not None and (entry.size, entry.mtime_ns) == key:
                entry.meta = meta

    def _wants_pillow(self, code: int, path: str) -> bool:
        if code in _PILLOW_FORMATS:
            return True
        return code == ObjectFormat.UndefinedImage and (
            _split_ext(path)[1].lower() in _PILLOW_EXTRA_EXTENSIONS
        )

    def _refresh(self, handle: int) -> _Entry:
        """Re-stat a file (cheap) so that sizes and dates are current; returns a snapshot.

        A file that vanished keeps its last known facts until the next rescan.
        """
        with self._lock:
            entry = self._entry(handle)
            path = entry.path
        try:
            st = Path(path).stat()
        except OSError:
            st = None
        with self._lock:
            entry = self._entry(handle)
            if st is not None and entry.path == path:
                if entry.is_dir:
                    entry.mtime_ns = st.st_mtime_ns
                elif stat.S_ISREG(st.st_mode):
                    entry.size, entry.mtime_ns = st.st_size, st.st_mtime_ns
            return _Entry(
                entry.handle,
                entry.storage_id,
                entry.parent,
                entry.path,
                entry.is_dir,
                entry.size,
                entry.mtime_ns,
                None,
                entry.protection,
                entry.meta,
            )

    def object_info(self, handle: int) -> ObjectInfo:
        """GetObjectInfo. Never raises for a known handle, however odd the file."""
        snap = self._refresh(handle)
        name = _ptp_filename(snap.name)
        date = _ptp_date(snap.mtime_ns)
        if snap.is_dir:
            return ObjectInfo(
                storage_id=snap.storage_id,
                object_format=ObjectFormat.Association,
                protection_status=snap.protection,
                parent_object=snap.parent,
                association_type=AssociationType.GenericFolder,
                filename=name,
                capture_date=date,
                modification_date=date,
            )
        key = (snap.size, snap.mtime_ns)
        meta = snap.meta if snap.meta is not None and snap.meta.key == key else None
        if meta is None:
            meta = self._sniff(handle, snap.storage_id, snap.path, key)
        needs_probe = not meta.probed or (self.thumbnails and not meta.thumb_checked)
        if needs_probe and self._wants_pillow(meta.object_format, snap.path):
            before = meta
            real = self._contained(snap.storage_id, snap.path)
            if not meta.probed:
                image = probe_image(real) if real is not None else None
                meta = replace(meta, probed=True, image=image)
            if self.thumbnails and not meta.thumb_checked:
                thumb = None
                if meta.image is not None and real is not None:
                    thumb = render_thumbnail(real, self.thumb_max_side)
                meta = replace(meta, thumb_checked=True, thumb=thumb)
            if meta is not before:
                self._store_meta(handle, key, meta)
        image = meta.image
        thumb = meta.thumb if self.thumbnails else None
        return ObjectInfo(
            storage_id=snap.storage_id,
            object_format=meta.object_format,
            protection_status=snap.protection,
            object_compressed_size=min(snap.size, _U32_MAX),
            thumb_format=ObjectFormat.EXIF_JPEG if thumb is not None else 0,
            thumb_compressed_size=len(thumb.data) if thumb is not None else 0,
            thumb_pix_width=thumb.width if thumb is not None else 0,
            thumb_pix_height=thumb.height if thumb is not None else 0,
            image_pix_width=image.width if image is not None else 0,
            image_pix_height=image.height if image is not None else 0,
            image_bit_depth=image.bit_depth if image is not None else 0,
            parent_object=snap.parent,
            filename=name,
            capture_date=date,
            modification_date=date,
        )

    def object_size(self, handle: int) -> int:
        """The object's real size in bytes (64-bit; folders: 0)."""
        return self._refresh(handle).size

    def object_path(self, handle: int) -> Path:
        """The object's file (or folder) on disk, checked to lie inside its root."""
        with self._lock:
            entry = self._entry(handle)
            path, root = entry.path, self._storages[entry.storage_id].root
        real = os.path.realpath(path)
        if not _inside(root, real):
            raise StoreError(ResponseCode.AccessDenied, "object leads outside its folder")
        return Path(real)

    def open_object(self, handle: int) -> BinaryIO:
        """The object's data, opened for reading (the caller closes it).

        Folders and anything that is no longer a regular file: AccessDenied; a file that
        vanished: InvalidObjectHandle.
        """
        if self.is_association(handle):
            raise StoreError(ResponseCode.AccessDenied, "a folder has no data")
        real = os.fspath(self.object_path(handle))
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(real, flags)
        except FileNotFoundError as exc:
            raise StoreError(ResponseCode.InvalidObjectHandle, "the file is gone") from exc
        except OSError as exc:
            raise StoreError(ResponseCode.AccessDenied, str(exc)) from exc
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise StoreError(ResponseCode.AccessDenied, "not a regular file")
            return os.fdopen(fd, "rb")
        except BaseException:
            os.close(fd)
            raise

    def thumbnail(self, handle: int) -> bytes:
        """GetThumb: JPEG bytes (NoThumbnailPresent for folders, non-images, bad files).

        Works even with ``thumbnails=False`` (then it is made on demand).
        """
        snap = self._refresh(handle)
        if snap.is_dir:
            raise StoreError(ResponseCode.NoThumbnailPresent, "a folder has no thumbnail")
        code = self._format_of(handle)
        if code is None or not self._wants_pillow(code, snap.path):
            raise StoreError(ResponseCode.NoThumbnailPresent, "not an image we can read")
        real = self._contained(snap.storage_id, snap.path)
        thumb = render_thumbnail(real, self.thumb_max_side) if real is not None else None
        if thumb is None:
            raise StoreError(ResponseCode.NoThumbnailPresent, "the image cannot be read")
        return thumb.data

    # -- registry -------------------------------------------------------------------------

    def _new_handle(self) -> int:
        with self._lock:
            handle = self._next_handle
            self._next_handle += 1
            return handle

    def _register(
        self,
        storage: _Storage,
        path: str,
        *,
        is_dir: bool,
        size: int = 0,
        mtime_ns: int = 0,
        handle: int | None = None,
    ) -> int:
        """Add one object (its parent folder must be registered already).

        A stale entry still registered at ``path`` (its file vanished before a rescan
        noticed) is dropped and reported as removed by the next rescan.
        """
        with self._lock:
            parent_path = _parent_of(path)
            parent = 0 if parent_path == storage.root else self._by_path.get(parent_path)
            if parent is None:
                raise StoreError(ResponseCode.InvalidParentObject, "the folder is gone")
            self._evict(path, keep=handle)
            if handle is None:
                handle = self._new_handle()
            entry = _Entry(handle, storage.storage_id, parent, path, is_dir, size, mtime_ns)
            if is_dir:
                entry.children = set()
            self._entries[handle] = entry
            self._by_path[path] = handle
            storage.handles.add(handle)
            if parent == 0:
                storage.top.add(handle)
            else:
                children = self._entries[parent].children
                assert children is not None
                children.add(handle)
            return handle

    def _evict(self, path: str, keep: int | None = None) -> None:
        stale = self._by_path.get(path)
        if stale is not None and stale != keep:
            self._evicted.extend(self._unregister(stale))

    def _subtree(self, handle: int) -> list[int]:
        """``handle`` and everything below it, parents before children."""
        order = [handle]
        index = 0
        while index < len(order):
            children = self._entries[order[index]].children
            if children:
                order.extend(sorted(children))
            index += 1
        return order

    def _unregister(self, handle: int) -> list[int]:
        """Drop an object and everything below it; returns them, children first."""
        with self._lock:
            if handle not in self._entries:
                return []
            gone = self._subtree(handle)
            gone.reverse()
            for h in gone:
                entry = self._entries.pop(h)
                if self._by_path.get(entry.path) == h:
                    del self._by_path[entry.path]
                storage = self._storages[entry.storage_id]
                storage.handles.discard(h)
                storage.top.discard(h)
                if entry.parent and entry.parent in self._entries:
                    children = self._entries[entry.parent].children
                    if children is not None:
                        children.discard(h)
            return gone

    def _apply_walk(self, storage: _Storage, found: dict[str, _Stat]) -> ScanResult:
        """Make the registry of ``storage`` match a walk; returns the differences."""
        with self._lock:
            gone: set[int] = set()
            changed: list[int] = []
            for handle in sorted(storage.handles):
                entry = self._entries[handle]
                now = found.get(entry.path)
                if now is None or now[0] != entry.is_dir:
                    gone.add(handle)
                elif not entry.is_dir and (now[1], now[2]) != (entry.size, entry.mtime_ns):
                    entry.size, entry.mtime_ns = now[1], now[2]
                    changed.append(handle)
            removed: list[int] = []
            for handle in sorted(gone):
                item = self._entries.get(handle)
                if item is not None and item.parent not in gone:  # top of a gone subtree
                    removed.extend(self._unregister(handle))  # children first
            added: list[int] = []
            for path, (is_dir, size, mtime_ns) in found.items():
                if path in self._by_path:
                    continue
                if _parent_of(path) != storage.root and (_parent_of(path) not in self._by_path):
                    continue  # its folder could not be registered
                added.append(
                    self._register(storage, path, is_dir=is_dir, size=size, mtime_ns=mtime_ns)
                )
            return ScanResult(tuple(added), tuple(removed), tuple(changed))

    @contextlib.contextmanager
    def _mutation(self) -> Iterator[None]:
        """Mark a store-made change, so that an overlapping rescan is discarded."""
        with self._lock:
            self._busy += 1
            self._epoch += 1
        try:
            yield
        finally:
            with self._lock:
                self._busy -= 1
                self._epoch += 1

    # -- change tracking ------------------------------------------------------------------

    def rescan(self) -> tuple[list[int], list[int]]:
        """Walk the folders: ``(added handles, removed handles)`` since the last look."""
        result = self.rescan_detailed()
        return list(result.added), list(result.removed)

    def rescan_detailed(self, *, attempts: int = 3) -> ScanResult:
        """Like :meth:`rescan`, with the files whose size or mtime changed.

        Returns an empty result while a store-made change is in progress, or when such
        changes overlapped the walk ``attempts`` times in a row; the next call catches up.
        """
        for _ in range(attempts):
            with self._lock:
                if self._busy:
                    break
                epoch = self._epoch
                storages = list(self._storages.values())
            walks = [(s, _walk(s.root, s.root)) for s in storages]
            with self._lock:
                if self._busy or self._epoch != epoch:
                    continue  # the store changed something meanwhile: walk again
                added: list[int] = []
                removed: list[int] = self._evicted
                self._evicted = []
                changed: list[int] = []
                for storage, found in walks:
                    part = self._apply_walk(storage, found)
                    added += part.added
                    removed += part.removed
                    changed += part.changed
                return ScanResult(tuple(added), tuple(removed), tuple(changed))
        return ScanResult()

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

    # -- writing: delete, move, copy, protection, format ----------------------------------

    def delete(self, handle: int, format: int = 0) -> list[int]:
        """DeleteObject: a file, a folder with everything in it, or (0xFFFFFFFF) all.

        With 0xFFFFFFFF, ``format`` filters (0 = everything, 0xFFFFFFFF = images); read-only
        storages are skipped. Protected objects stay (and so do the folders holding them).
        Returns the removed handles, children first. Errors: StoreReadOnly,
        InvalidObjectHandle, ObjectWriteProtected (nothing removed), PartialDeletion (some
        removed: see ``StoreError.handles``).
        """
        with self._lock:
            if handle == ALL:
                storages = [s for s in self._storages.values() if s.writable]
                if not storages:
                    raise StoreError(ResponseCode.StoreReadOnly, "no writable storage")
                if format == 0:
                    targets = [h for s in storages for h in sorted(s.top)]
                else:
                    targets = [h for s in storages for h in sorted(s.handles)]
            else:
                entry = self._entry(handle)
                self._writable_storage(entry.storage_id)
                if entry.protection:
                    raise StoreError(ResponseCode.ObjectWriteProtected, f"0x{handle:08X}")
                targets = [handle]
        if handle == ALL and format != 0:
            targets = [
                h
                for h in targets
                if (code := self._format_of(h)) is not None
                and (is_image(code) if format == ALL else code == format)
            ]
        return self._delete_handles(targets)

    def _delete_handles(self, targets: list[int]) -> list[int]:
        with self._mutation():
            with self._lock:
                protected = frozenset(e.path for e in self._entries.values() if e.protection)
                jobs = [self._entries[h].path for h in targets if h in self._entries]
            for path in jobs:
                _remove_tree(path, protected)
            removed, left = self._forget_deleted(targets)
        if left:
            if not removed:
                blocked = any(_inside(job, p) for job in jobs for p in protected)
                code = ResponseCode.ObjectWriteProtected if blocked else ResponseCode.AccessDenied
                raise StoreError(code, "nothing could be deleted")
            raise StoreError(ResponseCode.PartialDeletion, "some objects stay", handles=removed)
        return removed

    def _forget_deleted(self, targets: list[int]) -> tuple[list[int], bool]:
        """Unregister what is gone from disk below ``targets``: (removed, anything left)."""
        removed: list[int] = []
        left = False
        with self._lock:
            for handle in targets:
                if handle not in self._entries:
                    continue
                for h in reversed(self._subtree(handle)):
                    entry = self._entries.get(h)
                    if entry is None:
                        continue
                    if os.path.lexists(entry.path):
                        left = True
                    else:
                        removed.extend(self._unregister(h))
        return removed, left

    def format_storage(self, storage_id: int) -> list[int]:
        """FormatStore: delete everything inside the root (protected or not), never the root.

        Returns the removed handles (PartialDeletion if something could not be deleted).
        """
        storage = self._writable_storage(storage_id)
        with self._mutation():
            try:
                with os.scandir(storage.root) as it:
                    paths = [item.path for item in it]
            except OSError as exc:
                raise StoreError(_os_error_code(exc), str(exc)) from exc
            for path in paths:
                _remove_tree(path, frozenset())
            with self._lock:
                top = sorted(storage.top)
            removed, left = self._forget_deleted(top)
        if left or any(os.path.lexists(p) for p in paths):
            raise StoreError(ResponseCode.PartialDeletion, "some files stay", handles=removed)
        return removed

    def set_protection(self, handle: int, status: int) -> None:
        """SetObjectProtection (kept in memory): 0 none, 1 read-only (no delete, no move)."""
        if status not in (ProtectionStatus.NoProtection, ProtectionStatus.ReadOnly):
            raise StoreError(ResponseCode.InvalidParameter, f"protection status {status}")
        with self._lock:
            entry = self._entry(handle)
            self._writable_storage(entry.storage_id)
            entry.protection = status

    def move(self, handle: int, storage_id: int, parent: int) -> None:
        """MoveObject: the handle stays the same. ``parent`` 0/0xFFFFFFFF = the root;
        ``storage_id`` 0 = the object's own storage. A taken name gets `` (1)``."""
        with self._lock:
            entry = self._entry(handle)
            source = self._writable_storage(entry.storage_id)
            dest = self._writable_storage(storage_id or entry.storage_id)
            folder, parent_handle = self._target_folder(dest, parent)
            if entry.protection:
                raise StoreError(ResponseCode.ObjectWriteProtected, f"0x{handle:08X}")
            if entry.is_dir and _inside(entry.path, folder):
                raise StoreError(ResponseCode.InvalidParentObject, "cannot move into itself")
            if dest is source and parent_handle == entry.parent:
                return
            old_path, is_dir = entry.path, entry.is_dir
        with self._mutation():
            new_path = self._move_on_disk(old_path, folder, _basename(old_path), is_dir)
            with self._lock:
                self._relocate(handle, new_path, dest, parent_handle)

    def _move_on_disk(self, old_path: str, folder: str, name: str, is_dir: bool) -> str:
        same_device = True
        with contextlib.suppress(OSError):
            same_device = Path(old_path).stat().st_dev == Path(folder).stat().st_dev
        if not same_device:
            temp = self._copy_to_temp(old_path, folder, is_dir)
            try:
                target = self._place_any(temp, folder, name, is_dir)
            except BaseException:
                _remove_tree(temp, frozenset())
                raise
            _remove_tree(old_path, frozenset())
            return target
        return _rename_to_free_name(old_path, folder, name, is_dir, "moving")

    def _relocate(self, handle: int, new_path: str, dest: _Storage, parent: int) -> None:
        entry = self._entries[handle]
        old_prefix = entry.path
        old_storage = self._storages[entry.storage_id]
        if entry.parent:
            children = self._entries[entry.parent].children
            if children is not None:
                children.discard(handle)
        old_storage.top.discard(handle)
        for h in self._subtree(handle):
            item = self._entries[h]
            if self._by_path.get(item.path) == h:
                del self._by_path[item.path]
            item.path = new_path + item.path[len(old_prefix) :]
            self._evict(item.path, keep=h)
            self._by_path[item.path] = h
            old_storage.handles.discard(h)
            dest.handles.add(h)
            item.storage_id = dest.storage_id
        entry.parent = parent
        if parent:
            children = self._entries[parent].children
            assert children is not None
            children.add(handle)
        else:
            dest.top.add(handle)

    def copy(self, handle: int, storage_id: int, parent: int) -> int:
        """CopyObject: returns the copy's handle (a folder is copied with what it holds;
        only what the store serves is copied). Protection is not copied."""
        with self._lock:
            entry = self._entry(handle)
            dest = self._writable_storage(storage_id or entry.storage_id)
            folder, _ = self._target_folder(dest, parent)
            if entry.is_dir and _inside(entry.path, folder):
                raise StoreError(ResponseCode.InvalidParentObject, "cannot copy into itself")
            path, is_dir = entry.path, entry.is_dir
            size = sum(self._entries[h].size for h in self._subtree(handle))
        self._check_space(folder, size)
        with self._mutation():
            temp = self._copy_to_temp(path, folder, is_dir)
            try:
                target = self._place_any(temp, folder, _basename(path), is_dir)
            except BaseException:
                _remove_tree(temp, frozenset())
                raise
            with self._lock:
                if not is_dir:
                    return self._register_file(dest, target)
                new = self._register(dest, target, is_dir=True)
                for sub, (sub_dir, sub_size, sub_mtime) in _walk(dest.root, target).items():
                    self._register(dest, sub, is_dir=sub_dir, size=sub_size, mtime_ns=sub_mtime)
                return new

    def _copy_to_temp(self, source: str, folder: str, is_dir: bool) -> str:
        """Copy a served file or folder to a hidden temporary name in ``folder``."""
        try:
            if not is_dir:
                fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=_TEMP_SUFFIX, dir=folder)
                os.close(fd)
                shutil.copyfile(source, temp)
                shutil.copystat(source, temp)
                return temp
            temp = tempfile.mkdtemp(prefix=TEMP_PREFIX, suffix=_TEMP_SUFFIX, dir=folder)
        except OSError as exc:
            raise StoreError(_os_error_code(exc), f"copying: {exc}") from exc
        with self._lock:
            storage_root = next(s.root for s in self._storages.values() if _inside(s.root, source))
        try:
            for path, (sub_dir, _, _) in _walk(storage_root, source).items():
                target = temp + path[len(source) :]
                if sub_dir:
                    Path(target).mkdir()
                else:
                    shutil.copyfile(path, target)
                    shutil.copystat(path, target)
        except OSError as exc:
            _remove_tree(temp, frozenset())
            raise StoreError(_os_error_code(exc), f"copying: {exc}") from exc
        return temp

    def _place_any(self, temp: str, folder: str, name: str, is_dir: bool) -> str:
        if not is_dir:
            return self._place_file(temp, folder, name)
        return _rename_to_free_name(temp, folder, name, True, f"placing {name!r}")

    # -- captures -------------------------------------------------------------------------

    def add_capture(self, storage_id: int | None, data: bytes, ext: str = ".JPG") -> int:
        """Write a captured image as ``DCIM/100PTPKT/PTPK0001.JPG`` (next free number).

        ``storage_id`` None or 0 = the first storage. Numbers only go up while the store
        lives (also past deleted captures); after 9999 the next folder (``101PTPKT``) is
        used. The file appears atomically (hidden temporary file, then a hard link or a
        rename). Needs a writable storage (StoreReadOnly otherwise); StoreFull when the
        data does not fit. The new folders are registered silently; the file's handle is
        returned (announce it with ObjectAdded).
        """
        if not (ext.startswith(".") and 1 < len(ext) <= 8 and ext[1:].isalnum()):
            raise ValueError(f"bad capture extension {ext!r}")
        with self._lock:
            storage = self._writable_storage(storage_id or next(iter(self._storages)))
        self._check_space(storage.root, len(data))
        with self._mutation():
            dcim = self._ensure_folder(storage, _join(storage.root, "DCIM"))
            slot = self._next_capture_slot(dcim)
            while True:
                folder = self._ensure_folder(
                    storage, _join(dcim, f"{slot[0]}{self._capture_folder_suffix}")
                )
                temp: str | None = None
                try:
                    fd, temp = _make_temp_file(folder)
                    with os.fdopen(fd, "wb") as f:
                        f.write(data)
                        if self.fsync:
                            f.flush()
                            os.fsync(f.fileno())
                    target = _join(folder, f"{self._capture_prefix}{slot[1]:04d}{ext}")
                    placed = _link_exactly(temp, target)
                except OSError as exc:
                    if temp is not None:
                        with contextlib.suppress(OSError):
                            Path(temp).unlink()
                    raise StoreError(_os_error_code(exc), f"writing the capture: {exc}") from exc
                if placed:
                    self._last_capture = slot
                    return self._register_file(storage, target)
                slot = _next_dcf_slot(slot)

    def _next_capture_slot(self, dcim: str) -> tuple[int, int]:
        """The (folder number, file number) after the highest on disk or used so far."""
        suffix, prefix = self._capture_folder_suffix, self._capture_prefix
        folder_number = 100
        with contextlib.suppress(OSError), os.scandir(dcim) as it:
            for item in it:
                upper = item.name.upper()
                if len(upper) == 8 and upper[:3].isdigit() and upper[3:] == suffix:
                    folder_number = max(folder_number, int(upper[:3]))
        file_number = 0
        with (
            contextlib.suppress(OSError),
            os.scandir(_join(dcim, f"{folder_number}{suffix}")) as it,
        ):
            for item in it:
                upper = item.name.upper()
                if upper.startswith(prefix) and upper[4:8].isdigit():
                    file_number = max(file_number, int(upper[4:8]))
        return _next_dcf_slot(max((folder_number, file_number), self._last_capture))

    def _ensure_folder(self, storage: _Storage, path: str) -> str:
        """Create and register a folder if needed (the caller holds a mutation)."""
        try:
            Path(path).mkdir()
        except FileExistsError:
            if Path(path).is_symlink() or not Path(path).is_dir():
                raise StoreError(
                    ResponseCode.AccessDenied, f"{path!r} exists and is not a folder"
                ) from None
        except OSError as exc:
            raise StoreError(_os_error_code(exc), f"creating {path!r}: {exc}") from exc
        with self._lock:
            if path not in self._by_path:
                self._register(storage, path, is_dir=True)
        return path


def _next_dcf_slot(slot: tuple[int, int]) -> tuple[int, int]:
    """The DCF number after ``slot``: file numbers 0001-9999, folders 100-999."""
    folder_number, file_number = slot
    if file_number < 9999:
        return folder_number, file_number + 1
    if folder_number >= 999:
        raise StoreError(ResponseCode.StoreFull, "no DCF numbers left")
    return folder_number + 1, 1


def _link_exactly(temp: str, target: str) -> bool:
    """Give ``temp`` the name ``target`` unless it is taken (False, ``temp`` removed)."""
    try:
        os.link(temp, target)
    except FileExistsError:
        Path(temp).unlink()
        return False
    except OSError:
        # No hard links on this file system: check, then rename (a tiny race window).
        if os.path.lexists(target):
            Path(temp).unlink()
            return False
        Path(temp).replace(target)
        return True
    with contextlib.suppress(OSError):
        Path(temp).unlink()
    return True
