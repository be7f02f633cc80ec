"""Reading the folder store: listing (handles by storage, format and parent) and each
object's facts: format, ObjectInfo, size, file, data and thumbnail."""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

from ptpkit.emulator.formats import HEAD_SIZE, detect_format, format_from_extension
from ptpkit.emulator.imaging import probe_image, render_thumbnail
from ptpkit.emulator.store_paths import _U32_MAX, _inside, _ptp_date, _ptp_filename, _split_ext
from ptpkit.emulator.store_registry import StoreRegistry, _Entry, _Meta
from ptpkit.errors import StoreError
from ptpkit.proto.codes import ALL, ROOT, AssociationType, ObjectFormat, ResponseCode, is_image
from ptpkit.proto.datasets import ObjectInfo

__all__ = ["StoreReader"]

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


class StoreReader(StoreRegistry):
    """Listing and reading objects (see :class:`~ptpkit.emulator.folder_store.FolderStore`)."""

    thumbnails: bool
    thumb_max_side: int
    vendor_codes: bool

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
