"""Downloads and uploads, streamed, and the other changes to the camera's tree (delete,
mkdir): :class:`Transfers`, the layer of :class:`~ptpkit.aio.client.Camera` above the
listing.

Downloads go to ``<file>.part`` and are renamed when complete and of the right size. A
``.part`` left by an interrupted download (Ctrl-C, a dropped link) is resumed from its
length with GetPartialObject, or GetPartialObject64 (0x95C1) past 4 GiB; a camera that
can do neither starts over with GetObject. Nothing is ever held in memory beyond the
chunk being written.
"""

from __future__ import annotations

import mimetypes
import os
from datetime import datetime
from pathlib import Path

from ptpkit.aio.listing import Listing
from ptpkit.aio.models import CameraObject, ProgressCallback, _strip_storage
from ptpkit.aio.operations import Operations
from ptpkit.errors import NotFoundError, TransferError
from ptpkit.proto.codes import (
    ROOT,
    AssociationType,
    ObjectFormat,
    OperationCode,
    VendorOperationCode,
)
from ptpkit.proto.datasets import ObjectInfo, format_ptp_datetime

__all__ = [
    "PART_SUFFIX",
    "ProgressCallback",
    "Transfers",
    "download_object",
    "guess_format",
    "upload_file",
]

#: Suffix of a download in progress.
PART_SUFFIX = ".part"

_U32_MAX = 0xFFFFFFFF
_PARTIAL_MAX = 0xFFFFFFFF  # GetPartialObject MaxBytes: all ones = to the end

_EXTENSION_FORMATS: dict[str, int] = {
    ".jpg": ObjectFormat.EXIF_JPEG,
    ".jpeg": ObjectFormat.EXIF_JPEG,
    ".tif": ObjectFormat.TIFF,
    ".tiff": ObjectFormat.TIFF,
    ".png": ObjectFormat.PNG,
    ".gif": ObjectFormat.GIF,
    ".bmp": ObjectFormat.BMP,
    ".dng": ObjectFormat.DNG,
    ".jp2": ObjectFormat.JP2,
    ".txt": ObjectFormat.Text,
    ".html": ObjectFormat.HTML,
    ".htm": ObjectFormat.HTML,
    ".wav": ObjectFormat.WAV,
    ".mp3": ObjectFormat.MP3,
    ".avi": ObjectFormat.AVI,
    ".mpg": ObjectFormat.MPEG,
    ".mpeg": ObjectFormat.MPEG,
    ".mov": ObjectFormat.QuickTime,
    ".mp4": ObjectFormat.MTP_MP4,
    ".aiff": ObjectFormat.AIFF,
    ".asf": ObjectFormat.ASF,
}


def guess_format(path: Path) -> int:
    """The PTP object format for a file name (Undefined when unknown)."""
    fmt = _EXTENSION_FORMATS.get(path.suffix.lower())
    if fmt is not None:
        return fmt
    kind, _ = mimetypes.guess_type(path.name)
    if kind is not None and kind.startswith("image/"):
        return ObjectFormat.UndefinedImage
    return ObjectFormat.Undefined


class _Writer:
    """The sink of a download: writes each chunk and reports progress."""

    __slots__ = ("_file", "_progress", "done", "total")

    #: Each chunk is written before write() returns: the client may pass views of its
    #: receive buffer (no copy on the way to the disk).
    takes_views = True

    def __init__(
        self, file: object, done: int, total: int | None, progress: ProgressCallback | None
    ) -> None:
        self._file = file
        self.done = done
        self.total = total
        self._progress = progress

    def write(self, data: bytes | memoryview) -> None:
        self._file.write(data)  # type: ignore[attr-defined]
        self.done += len(data)
        if self._progress is not None:
            self._progress(self.done, self.total)


def safe_file_name(name: str) -> str:
    """The camera's file name made safe to use as one local file name.

    A hostile or broken camera may send names with separators, ``..``, NUL or nothing at
    all; none of them may lead a download outside its destination folder.
    """
    clean = name.replace("/", "_").replace("\\", "_").replace("\x00", "_").strip()
    if clean in ("", ".", ".."):
        raise TransferError(f"the camera gave an unusable file name: {name!r}")
    return clean


async def download_object(
    camera: Operations,
    obj: CameraObject,
    dest: Path,
    *,
    progress: ProgressCallback | None = None,
    resume: bool = True,
) -> Path:
    """Download ``obj`` to ``dest`` through ``dest.part`` (see the module docstring)."""
    part = dest.with_name(dest.name + PART_SUFFIX)
    size = obj.size
    offset = 0
    if resume:
        try:
            offset = part.stat().st_size
        except FileNotFoundError:
            offset = 0
    can_partial = camera.supports(OperationCode.GetPartialObject)
    can_64 = camera.supports(VendorOperationCode.AndroidGetPartialObject64)
    if size is not None and offset > size:
        offset = 0  # not ours, or the object changed: start over
    if offset and not ((can_partial and offset <= _U32_MAX) or can_64):
        offset = 0  # the camera cannot start in the middle
    dest.parent.mkdir(parents=True, exist_ok=True)
    if not offset:
        # A fresh file rather than a truncated one: ext4 starts writing back a file
        # truncated to zero as soon as it is closed (its "replace by truncate"
        # heuristic), which costs a third of the download's speed.
        part.unlink(missing_ok=True)
    with part.open("r+b" if offset else "wb") as file:
        if offset:
            file.seek(offset)  # the .part is exactly offset bytes long
        writer = _Writer(file, offset, size, progress)
        if progress is not None:
            progress(offset, size)
        if offset == 0:
            await camera.get_object(obj.handle, writer)
            if size is None:
                writer.total = writer.done  # the core checked it against Start Data
        elif size is None or offset < size:
            await _resume(camera, obj, writer, can_partial, can_64)
    length = part.stat().st_size
    expected = size if size is not None else writer.total
    if expected is not None and length != expected:
        raise TransferError(
            f"{obj.path}: received {length} bytes, the camera announced {expected}; "
            f"{part.name} is kept to resume"
        )
    part.replace(dest)
    when = obj.modified
    if when is not None:
        try:
            stamp = when.timestamp()
            os.utime(dest, (stamp, stamp))
        except (OSError, OverflowError, ValueError):
            pass
    return dest


async def _resume(
    camera: Operations, obj: CameraObject, writer: _Writer, can_partial: bool, can_64: bool
) -> None:
    """Fetch from ``writer.done`` to the end with partial reads."""
    size = obj.size
    while size is None or writer.done < size:
        offset = writer.done
        left = None if size is None else size - offset
        want = _PARTIAL_MAX if left is None or left >= _PARTIAL_MAX else left
        if can_partial and offset <= _U32_MAX:
            got = await camera.get_partial_object(obj.handle, offset, want, writer)
        elif can_64:
            got = await camera.get_partial_object_64(obj.handle, offset, want, writer)
        else:
            break
        if got == 0 or (size is None and got < want):
            break
    if size is None:
        writer.total = writer.done


async def upload_file(
    camera: Operations,
    path: Path,
    storage_id: int,
    parent: int,
    *,
    name: str | None = None,
    progress: ProgressCallback | None = None,
) -> int:
    """SendObjectInfo then SendObject, streamed from the file; the new object's handle."""
    stat = path.stat()
    size = stat.st_size
    modified = format_ptp_datetime(datetime.fromtimestamp(stat.st_mtime).replace(microsecond=0))
    info = ObjectInfo(
        storage_id=storage_id,
        object_format=guess_format(path),
        object_compressed_size=min(size, _U32_MAX),
        parent_object=parent,
        filename=name or path.name,
        capture_date=modified,
        modification_date=modified,
    )
    _, _, handle = await camera.send_object_info(info, storage_id, parent)
    if progress is not None:
        progress(0, size)  # an upload always starts from nothing
    with path.open("rb") as file:
        await camera.send_object(file, size=size, progress=progress)
    return handle


class Transfers(Listing):
    """Download, upload, delete and mkdir, on top of the listing (objects by path)."""

    async def download(
        self,
        obj: CameraObject | int | str,
        destination: str | os.PathLike[str],
        *,
        progress: ProgressCallback | None = None,
        resume: bool = True,
    ) -> Path:
        """Download an object (a :class:`CameraObject`, handle or path) to a file.

        ``destination`` is a file path or an existing directory (the object's name is
        used). Data goes to ``<file>.part`` and is renamed on success; an existing
        ``.part`` is resumed with GetPartialObject (GetPartialObject64 beyond 4 GiB), and
        the size is checked. ``progress(done, total)`` is called as data arrives.
        """
        target = await self._resolve(obj)
        if target.is_folder:
            raise NotFoundError(f"{target.path} is a folder, not a file")
        dest = Path(destination)
        if dest.is_dir():
            dest = dest / safe_file_name(target.name)
        return await download_object(self, target, dest, progress=progress, resume=resume)

    async def upload(
        self,
        path: str | os.PathLike[str],
        folder: CameraObject | str | None = None,
        *,
        name: str | None = None,
        storage: int | str | None = None,
        progress: ProgressCallback | None = None,
    ) -> CameraObject:
        """Upload a file, streamed: SendObjectInfo, then SendObject from the file.

        ``folder`` is a folder object or path on the camera (default: the root of the
        first storage, or of ``storage``)."""
        if folder is None or folder in ("", "/"):
            stores = await self._select_storages(storage, None)
            if not stores:
                raise NotFoundError("the camera has no storage")
            storage_id, parent = stores[0].storage_id, ROOT
            folder_path = f"/{stores[0].name}"
        else:
            if isinstance(folder, str):
                store_name, rel = _strip_storage(folder)
                if store_name is not None and not rel.strip("/"):
                    store = (await self._select_storages(store_name, None))[0]
                    folder_obj = None
                    storage_id, parent, folder_path = store.storage_id, ROOT, f"/{store.name}"
                else:
                    folder_obj = await self.find(folder)
            else:
                folder_obj = folder
            if folder_obj is not None:
                if not folder_obj.is_folder:
                    raise NotFoundError(f"{folder_obj.path} is not a folder")
                storage_id, parent = folder_obj.storage_id, folder_obj.handle
                folder_path = folder_obj.path
        handle = await upload_file(
            self, Path(path), storage_id, parent, name=name, progress=progress
        )
        info = await self.get_object_info(handle)
        return self._make_object(handle, info, f"{folder_path}/{info.filename}")

    async def delete(self, obj: CameraObject | int | str) -> None:
        """Delete an object (a :class:`CameraObject`, handle or path)."""
        target = await self._resolve(obj)
        await self.delete_object(target.handle)

    async def mkdir(self, path: str) -> CameraObject:
        """Create a folder (and any missing parents) with SendObjectInfo; the folder."""
        store_name, rel = _strip_storage(path)
        parts = [p for p in rel.split("/") if p]
        if not parts:
            raise ValueError(f"not a folder path: {path!r}")
        store = (await self._select_storages(store_name, None))[0]
        parent_obj: CameraObject | None = None
        for depth in range(len(parts)):
            found = await self._find_in(store, parts[: depth + 1])
            if found is None:
                parent = ROOT if parent_obj is None else parent_obj.handle
                info = ObjectInfo(
                    storage_id=store.storage_id,
                    object_format=ObjectFormat.Association,
                    association_type=AssociationType.GenericFolder,
                    parent_object=parent,
                    filename=parts[depth],
                )
                _, _, handle = await self.send_object_info(info, store.storage_id, parent)
                found = await self._object(handle)
            elif not found.is_folder:
                raise NotFoundError(f"{found.path} exists and is not a folder")
            parent_obj = found
        assert parent_obj is not None
        return parent_obj
