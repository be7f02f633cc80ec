"""Downloads and uploads, streamed, and the other changes to the camera's tree (delete,
mkdir): :class:`Transfers`, the layer of :class:`~ptpkit.aio.client.Camera` above the
listing.

Downloads are :mod:`ptpkit.aio.download`'s (through ``.part`` files resumed only when
they provably hold the same object, never overwriting a different file silently: the
policy of :mod:`ptpkit.localfiles`). Nothing is ever held in memory beyond the chunk
being written.
"""

from __future__ import annotations

import mimetypes
import os
from datetime import datetime
from pathlib import Path
from typing import overload

from ptpkit.aio.download import (
    PART_SUFFIX,
    Notify,
    destination_for,
    download_object,
    safe_file_name,
)
from ptpkit.aio.listing import Listing
from ptpkit.aio.models import CameraObject, ProgressCallback, _strip_storage
from ptpkit.aio.operations import Operations
from ptpkit.errors import NotFoundError, PtpError, TransferError, TransportError, shorten
from ptpkit.localfiles import Existing, is_same_file
from ptpkit.proto.codes import ROOT, AssociationType, ObjectFormat
from ptpkit.proto.datasets import ObjectInfo, format_ptp_datetime

__all__ = [
    "PART_SUFFIX",
    "Existing",
    "ProgressCallback",
    "Transfers",
    "download_object",
    "guess_format",
    "safe_file_name",
    "upload_file",
]

#: What :meth:`Transfers.download` takes: one object (or its handle or path), or several.
Objects = CameraObject | int | str

_U32_MAX = 0xFFFFFFFF

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
    placed = await camera._send_object_info(info, storage_id, parent)
    if progress is not None:
        progress(0, size)  # an upload always starts from nothing
    with path.open("rb") as file:
        await camera.send_object(file, size=size, progress=progress)
    if placed is None:  # a camera that does not say the new handle: found by name
        return await camera._new_object_named(storage_id, parent, info.filename)
    return placed[2]


class Transfers(Listing):
    """Download, upload, delete and mkdir, on top of the listing (objects by path)."""

    @overload
    async def download(
        self,
        obj: Objects,
        destination: str | os.PathLike[str],
        *,
        progress: ProgressCallback | None = None,
        resume: bool = True,
        existing: Existing | str = Existing.KEEP_BOTH,
        notify: Notify | None = None,
    ) -> Path: ...
    @overload
    async def download(
        self,
        obj: list[Objects] | tuple[Objects, ...],
        destination: str | os.PathLike[str],
        *,
        progress: ProgressCallback | None = None,
        resume: bool = True,
        existing: Existing | str = Existing.KEEP_BOTH,
        notify: Notify | None = None,
    ) -> list[Path]: ...
    async def download(
        self,
        obj: Objects | list[Objects] | tuple[Objects, ...],
        destination: str | os.PathLike[str],
        *,
        progress: ProgressCallback | None = None,
        resume: bool = True,
        existing: Existing | str = Existing.KEEP_BOTH,
        notify: Notify | None = None,
    ) -> Path | list[Path]:
        """Download an object (a :class:`CameraObject`, handle or path) to a file, or a
        list of them into a directory.

        ``destination`` is a file path, or a directory: an existing one, one written with
        a trailing separator (``"card/"``), or any when several objects are given; it is
        created when missing. Data goes to a ``.part`` file, resumed (GetPartialObject,
        GetPartialObject64 beyond 4 GiB) only when its record says it holds this very
        object, and renamed once the size checks out. A complete copy already there is
        not downloaded again; a different file there is kept and the object saved beside
        it as ``NAME-2.EXT`` (``existing="keep-both"``), replaced (``"overwrite"``) or left
        alone (``"skip"``: its path is returned). ``progress(done, total)`` is called as
        data arrives; ``notify(text)`` is told of anything not asked for (default: a
        warning in the ``ptpkit.transfer`` log).

        With several objects, two of one name are both kept (``NAME``, ``NAME-2``); one
        that fails does not stop the others, and :class:`TransferError` then says which
        failed (its ``failures``: ``(object path, error)`` pairs) once all were tried.
        """
        policy = Existing.of(existing)
        if isinstance(obj, (CameraObject, int, str)):
            target = await self._resolve(obj)
            if target.is_folder:
                raise NotFoundError(f"{shorten(target.path)} is a folder, not a file")
            dest = destination_for(target, destination)
            return await self._fetch(
                target, dest, progress, resume=resume, existing=policy, notify=notify
            )
        paths: list[Path] = []
        failures: list[tuple[str, BaseException]] = []
        given: set[Path] = set()
        for one in obj:
            try:
                target = await self._resolve(one)
                if target.is_folder:
                    raise NotFoundError(f"{shorten(target.path)} is a folder, not a file")
                dest = destination_for(target, destination, directory=True)
                mode = policy
                if dest in given:  # another object of this call went there: keep both
                    mode = Existing.KEEP_BOTH
                path = await self._fetch(
                    target, dest, progress, resume=resume, existing=mode, notify=notify
                )
            except TransportError:
                raise
            except (PtpError, OSError) as exc:
                label = one.path if isinstance(one, CameraObject) else str(one)
                failures.append((shorten(label), exc))
                continue
            given.add(dest)
            given.add(path)
            paths.append(path)
        if failures:
            raise TransferError(
                f"{len(failures)} of {len(failures) + len(paths)} objects failed; the first: "
                f"{failures[0][0]}: {failures[0][1]}",
                failures=failures,
            )
        return paths

    async def _fetch(
        self,
        target: CameraObject,
        dest: Path,
        progress: ProgressCallback | None,
        *,
        resume: bool,
        existing: Existing,
        notify: Notify | None,
    ) -> Path:
        path = await download_object(
            self,
            target,
            dest,
            progress=progress,
            resume=resume,
            existing=existing,
            notify=notify,
            piece=self.dialect.partial_read_size(target),
        )
        if is_same_file(path, target.size, target.modified):  # the object is here now
            await self.dialect.after_download(target)  # e.g. free a capture held in memory
        return path

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
                placed = await self._send_object_info(info, store.storage_id, parent)
                handle = (
                    placed[2]
                    if placed is not None
                    else await self._new_object_named(store.storage_id, parent, parts[depth])
                )
                found = await self._object(handle)
            elif not found.is_folder:
                raise NotFoundError(f"{found.path} exists and is not a folder")
            parent_obj = found
        assert parent_obj is not None
        return parent_obj
