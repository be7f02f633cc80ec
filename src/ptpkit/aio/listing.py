"""Storages and objects with their full paths: listing a storage or the whole camera
(one MTP GetObjectPropList when the camera has it, or GetObjectHandles then chained
GetObjectInfo), walking with filters, finding an object by path.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ptpkit.aio.models import (
    CameraObject,
    Storage,
    _at_or_after,
    _norm,
    _parse_int,
    _strip_storage,
    format_code,
    object_matcher,
)
from ptpkit.aio.operations import Operations
from ptpkit.errors import DecodeError, LocalProtocolError, NotFoundError, PtpResponseError
from ptpkit.proto.codes import (
    ALL,
    ROOT,
    MtpObjectPropCode,
    MtpOperationCode,
    ObjectFormat,
    ResponseCode,
    is_image,
)
from ptpkit.proto.datasets import ObjectInfo, PtpValue

_log = logging.getLogger("ptpkit.client")

_U32_MAX = 0xFFFFFFFF
#: How a camera answers for a folder deleted since it was listed.
_VANISHED = (ResponseCode.InvalidObjectHandle, ResponseCode.InvalidParentObject)
_DEPTH_ALL = 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class _Listed:
    """An object as a bulk listing found it: its ObjectInfo and, when told, its size."""

    info: ObjectInfo
    size: int | None


#: ObjectInfo field ← MTP object property, and its value when the camera does not say
#: (None: required).
_INFO_FROM_PROPS: tuple[tuple[str, int, int | str | None], ...] = (
    ("storage_id", MtpObjectPropCode.StorageID, None),
    ("object_format", MtpObjectPropCode.ObjectFormat, None),
    ("protection_status", MtpObjectPropCode.ProtectionStatus, 0),
    ("image_pix_width", MtpObjectPropCode.Width, 0),
    ("image_pix_height", MtpObjectPropCode.Height, 0),
    ("parent_object", MtpObjectPropCode.ParentObject, None),
    ("association_type", MtpObjectPropCode.AssociationType, 0),
    ("association_desc", MtpObjectPropCode.AssociationDesc, 0),
    ("filename", MtpObjectPropCode.ObjectFileName, None),
    ("capture_date", MtpObjectPropCode.DateCreated, ""),
    ("modification_date", MtpObjectPropCode.DateModified, ""),
    ("keywords", MtpObjectPropCode.Keywords, ""),
)


def _listed_from_props(props: dict[int, PtpValue]) -> _Listed | None:
    """An ObjectInfo made of MTP object properties; None when they do not make one (a
    required property missing, or a value of the wrong type: ObjectInfo checks them)."""
    fields: dict[str, Any] = {}
    for name, code, default in _INFO_FROM_PROPS:
        value = props.get(code, default)
        if value is None:
            return None
        fields[name] = value
    size = props.get(MtpObjectPropCode.ObjectSize)
    if size is not None and not isinstance(size, int):
        return None
    fields["object_compressed_size"] = 0 if size is None else min(size, _U32_MAX)
    try:
        info = ObjectInfo(**fields)
    except LocalProtocolError:
        return None
    return _Listed(info, size)


class Listing(Operations):
    """Storages, objects, paths: the listing helpers above the typed operations."""

    # -- storages and objects -------------------------------------------------------------
    async def storages(self) -> list[Storage]:
        """Every mounted storage with its StorageInfo (IDs with a zero low half, which
        mean "not mounted", are skipped as gphoto2 does)."""
        result = []
        for sid in await self.get_storage_ids():
            if sid & 0xFFFF == 0:
                continue
            storage = Storage(sid, await self.get_storage_info(sid))
            self._storages[sid] = storage
            result.append(storage)
        return result

    async def _storage_list(self) -> list[Storage]:
        if not self._storages:
            await self.storages()
        return list(self._storages.values())

    async def _object(
        self, handle: int, info: ObjectInfo | None = None, depth: int = 0
    ) -> CameraObject:
        """The object with its full path, following ParentObject links (folders cached)."""
        if info is None:
            info = await self.get_object_info(handle)
        parent = info.parent_object
        base: str | None = None
        if parent not in (0, ROOT, handle) and depth < 64:
            base = self._path_cache.get(parent)
            if base is None:
                try:
                    base = (await self._object(parent, None, depth + 1)).path
                except PtpResponseError:
                    base = None
        if base is None:
            base = f"/store_{info.storage_id:08x}"
        return self._make_object(handle, info, f"{base}/{info.filename}")

    def _make_object(
        self, handle: int, info: ObjectInfo, path: str, size: int | None = None
    ) -> CameraObject:
        if size is None:
            size = info.object_compressed_size
            if size == _U32_MAX:
                size = None  # 4 GiB or more: the 32-bit field cannot say
        obj = CameraObject(handle, info, path, size)
        if obj.is_folder:
            self._path_cache[handle] = path
        return obj

    async def object_at(self, handle: int) -> CameraObject:
        """The object with this handle, with its full path."""
        return await self._object(handle)

    async def _list_storage(
        self, storage: Storage, bulk: dict[int, _Listed] | None = None
    ) -> list[CameraObject]:
        """Every object of a storage: one GetObjectHandles, then one GetObjectInfo each
        (or what one GetObjectPropList for the whole camera said: ``bulk``).

        Cameras that cannot list a whole storage (an error for parent 0), or that take
        parent 0 to mean "the root only" (folders come back, nothing inside them), are
        listed folder by folder instead.
        """
        sizes: dict[int, int] = {}
        if bulk is not None:
            infos = {h: listed.info for h, listed in bulk.items()}
            sizes = {h: listed.size for h, listed in bulk.items() if listed.size is not None}
        else:
            infos = await self._list_infos(storage)
        prefix = f"/{storage.name}"
        paths: dict[int, str] = {}

        def path_of(handle: int, depth: int = 0) -> str:
            known = paths.get(handle)
            if known is not None:
                return known
            info = infos[handle]
            parent = info.parent_object
            if parent in infos and parent != handle and depth < 64:
                path = f"{path_of(parent, depth + 1)}/{info.filename}"
            else:
                path = f"{prefix}/{info.filename}"
            paths[handle] = path
            return path

        objects = [
            self._make_object(h, info, path_of(h), sizes.get(h)) for h, info in infos.items()
        ]
        objects.sort(key=lambda o: o.path)
        return objects

    async def _list_infos(self, storage: Storage) -> dict[int, ObjectInfo]:
        """The ObjectInfo of every object of a storage, one transaction each."""
        try:
            handles = await self.get_object_handles(storage.storage_id, 0, 0)
            infos = await self.get_object_infos(handles, skip_vanished=True)
        except PtpResponseError as exc:
            if exc.code not in (
                ResponseCode.ParameterNotSupported,
                ResponseCode.InvalidParentObject,
            ):
                raise
            return await self._list_by_folder(storage.storage_id)
        folders = {h for h, i in infos.items() if i.object_format == ObjectFormat.Association}
        if folders and not any(i.parent_object in folders for i in infos.values()):
            return await self._list_by_folder(storage.storage_id)
        return infos

    async def _list_bulk(self, storages: list[Storage]) -> dict[int, dict[int, _Listed]]:
        """Every object of the camera with one MTP GetObjectPropList, by storage.

        Cameras' GetObjectPropList is not always complete: objects it leaves out (one
        GetObjectHandles says which exist) and objects whose properties do not make an
        ObjectInfo (a property missing or of the wrong type) are read with GetObjectInfo.
        """
        plist = await self.get_object_prop_list(ALL, 0, ALL, 0, _DEPTH_ALL)
        objects = plist.by_object()
        listed: dict[int, _Listed] = {}
        for handle, props in objects.items():
            made = _listed_from_props(props)
            if made is not None:
                listed[handle] = made
        try:
            handles = await self.get_object_handles(ALL, 0, 0)
        except PtpResponseError:  # no check then
            handles = ()
        missing = [h for h in dict.fromkeys((*objects, *handles)) if h not in listed]
        if missing:
            read = await self.get_object_infos(missing, skip_vanished=True)
            for handle, info in read.items():
                listed[handle] = _Listed(info, None)
        found: dict[int, dict[int, _Listed]] = {store.storage_id: {} for store in storages}
        for handle, item in listed.items():
            by_storage = found.get(item.info.storage_id)
            if by_storage is not None:
                by_storage[handle] = item
        return found

    async def _list_by_folder(self, storage_id: int) -> dict[int, ObjectInfo]:
        """For cameras that cannot list a whole storage at once: folder by folder (a
        folder deleted meanwhile is skipped, as are objects: see :meth:`list_objects`)."""
        infos: dict[int, ObjectInfo] = {}
        folders = [ROOT]
        while folders:
            parent = folders.pop()
            try:
                handles = await self.get_object_handles(storage_id, 0, parent)
            except PtpResponseError as exc:
                if parent == ROOT or exc.code not in _VANISHED:
                    raise
                infos.pop(parent, None)
                self._vanished([parent])
                continue
            new = [h for h in handles if h not in infos]
            found = await self.get_object_infos(new, skip_vanished=True)
            infos.update(found)
            folders.extend(
                h for h, info in found.items() if info.object_format == ObjectFormat.Association
            )
        return infos

    async def walk(
        self,
        folder: str | None = None,
        *,
        storage: int | str | None = None,
        object_format: int | str | None = None,
        pattern: str | None = None,
        since: datetime | None = None,
        folders: bool = False,
        bulk: bool | None = None,
    ) -> AsyncIterator[CameraObject]:
        """Every object (files, and folders too with ``folders=True``), with full paths.

        Filters: ``folder`` (a path such as ``"DCIM/100CANON"`` or
        ``"/store_00010001/DCIM"``; everything below it), ``storage`` (an id or a name),
        ``object_format`` (a code or a name: ``"jpeg"``, ``"EXIF_JPEG"``, ``"images"``),
        ``pattern`` (a shell pattern on the name, or on the path when it contains ``/``;
        case-insensitive) and ``since`` (captured at or after).

        ``bulk``: how the objects are read. ``True``: one MTP GetObjectPropList for the
        whole camera (an error if the camera has none); ``False``: one GetObjectInfo per
        object; ``None`` (the default): GetObjectPropList when the camera lists it, and
        per object should it fail. A bulk listing carries no thumbnail facts (the
        ``thumb_*`` fields of :attr:`CameraObject.info` are 0), and gives the 64-bit size
        of objects of 4 GiB and more.

        A camera's contents may change while it is listed: an object (or folder) deleted
        between the moment its handle was listed and the moment it is read (by another
        initiator, or on the camera) is left out, not an error; such objects are logged
        at debug level and counted in :attr:`vanished_objects`.
        """
        for obj in await self.list_objects(
            folder,
            storage=storage,
            object_format=object_format,
            pattern=pattern,
            since=since,
            folders=folders,
            bulk=bulk,
        ):
            yield obj

    async def list_objects(
        self,
        folder: str | None = None,
        *,
        storage: int | str | None = None,
        object_format: int | str | None = None,
        pattern: str | None = None,
        since: datetime | None = None,
        folders: bool = False,
        bulk: bool | None = None,
    ) -> list[CameraObject]:
        """:meth:`walk` as a list (built whole, then handed out by walk)."""
        selected = await self._select_storages(storage, folder)
        by_storage: dict[int, dict[int, _Listed]] | None = None
        if bulk or (bulk is None and self.supports(MtpOperationCode.GetObjectPropList)):
            try:
                by_storage = await self._list_bulk(selected)
            except (PtpResponseError, DecodeError) as exc:
                if bulk:
                    raise
                _log.debug("GetObjectPropList failed (%s): listing object by object", exc)
        want_format: int | None = None
        images_only = False
        if object_format is not None:
            if isinstance(object_format, str) and _norm(object_format) in ("image", "images"):
                images_only = True
            else:
                want_format = format_code(object_format)
        folder_rel = _strip_storage(folder)[1] if folder else ""
        matcher = None if pattern is None else object_matcher(pattern)
        chosen: list[CameraObject] = []
        for store in selected:
            listed = None if by_storage is None else by_storage[store.storage_id]
            for obj in await self._list_storage(store, listed):
                if not folders and obj.is_folder:
                    continue
                if folder_rel and not obj.relative_path.startswith(folder_rel + "/"):
                    continue
                if want_format is not None and obj.format != want_format:
                    continue
                if images_only and not is_image(obj.format):
                    continue
                if matcher is not None and not matcher(obj):
                    continue
                if since is not None and not _at_or_after(obj.captured, since):
                    continue
                chosen.append(obj)
        return chosen

    async def list_objects_bulk(
        self, folder: str | None = None, *, folders: bool = True
    ) -> list[CameraObject]:
        """Every object (folders too, unless ``folders=False``) with one MTP
        GetObjectPropList: :meth:`list_objects` with ``bulk=True``."""
        return await self.list_objects(folder, folders=folders, bulk=True)

    async def _select_storages(
        self, storage: int | str | None, folder: str | None
    ) -> list[Storage]:
        stores = await self._storage_list()
        if not stores:
            hint = self.dialect.no_storage_hint()
            if hint is not None:
                raise NotFoundError(hint)
        if folder:
            store_name = _strip_storage(folder)[0]
            if store_name is not None:
                storage = store_name
        if storage is None:
            return stores
        for store in stores:
            if storage in (store.storage_id, store.name) or (
                isinstance(storage, str) and _parse_int(storage) == store.storage_id
            ):
                return [store]
        raise NotFoundError(f"no storage {storage!r} on the camera")

    async def find(self, path: str) -> CameraObject:
        """The object at ``path`` (``/store_00010001/DCIM/x.jpg``, or ``DCIM/x.jpg`` in any
        storage); :class:`NotFoundError` when there is none."""
        store_name, rel = _strip_storage(path)
        parts = [p for p in rel.split("/") if p]
        for store in await self._select_storages(store_name, None):
            if not parts:
                continue
            obj = await self._find_in(store, parts)
            if obj is not None:
                return obj
        raise NotFoundError(f"no such object on the camera: {path}")

    async def _find_in(self, store: Storage, parts: list[str]) -> CameraObject | None:
        parent = ROOT
        current: CameraObject | None = None
        prefix = f"/{store.name}"
        for depth, part in enumerate(parts):
            try:
                handles = await self.get_object_handles(store.storage_id, 0, parent)
            except PtpResponseError:
                return None
            match = None
            for handle in handles:
                try:
                    info = await self.get_object_info(handle)
                except PtpResponseError as exc:
                    if exc.code != ResponseCode.InvalidObjectHandle:
                        raise
                    self._vanished([handle])  # deleted since GetObjectHandles
                    continue
                if info.filename == part:
                    match = (handle, info)
                    break
            if match is None:
                return None
            prefix = f"{prefix}/{part}"
            current = self._make_object(match[0], match[1], prefix)
            if depth < len(parts) - 1 and not current.is_folder:
                return None
            parent = match[0]
        return current

    async def _resolve(self, obj: CameraObject | int | str) -> CameraObject:
        if isinstance(obj, CameraObject):
            return obj
        if isinstance(obj, int):
            return await self._object(obj)
        return await self.find(obj)
