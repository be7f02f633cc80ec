"""What the emulated camera says about each object, cached between listings.

Building an ObjectInfo takes the storage a lock, a ``stat``, a format check and the
dataset's encoding: about 100 µs, paid by every GetObjectInfo of every listing. The
:class:`ObjectCache` keeps the result per ``(handle, size, mtime)``: a later request costs
a ``stat`` of the object's file and a look at the store to check the handle still exists.

An entry is rebuilt when the file's size or modification time changes, when the file is
gone from where it was (moved, deleted), and when the camera says so with :meth:`forget`
(protection changes, rescans, ObjectInfoChanged/ObjectRemoved events). Objects whose file
cannot be checked (a link leading outside its folder) are never cached.

The cache also holds each object's MTP object properties, encoded as ObjectPropList
elements, for GetObjectPropList (see :func:`object_props`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from ptpkit.aio.responder_app import Reply
from ptpkit.emulator.backend import Storage
from ptpkit.errors import StoreError
from ptpkit.proto.buffer import Buffer
from ptpkit.proto.codes import DataType, MtpObjectPropCode, is_image
from ptpkit.proto.datasets import ObjectInfo, ObjectProp, push_object_prop

__all__ = ["BASE_PROPS", "IMAGE_PROPS", "ObjectCache", "ObjectFacts", "object_props", "props_for"]

P = MtpObjectPropCode

#: The MTP object properties of every object, in the order they are listed.
BASE_PROPS: tuple[int, ...] = (
    P.StorageID,
    P.ObjectFormat,
    P.ProtectionStatus,
    P.ObjectSize,
    P.AssociationType,
    P.ObjectFileName,
    P.DateCreated,
    P.DateModified,
    P.ParentObject,
    P.PersistentUniqueObjectIdentifier,
)
#: ... and of images (0x38xx formats) besides: their pixel size (0 when unknown).
IMAGE_PROPS: tuple[int, ...] = (*BASE_PROPS, P.Width, P.Height)


def props_for(object_format: int) -> tuple[int, ...]:
    """The object properties the camera has for objects of ``object_format`` (0 = any)."""
    return IMAGE_PROPS if object_format == 0 or is_image(object_format) else BASE_PROPS


def object_props(handle: int, info: ObjectInfo, size: int) -> tuple[ObjectProp, ...]:
    """Every MTP object property of one object, from its ObjectInfo and 64-bit size."""
    values: dict[int, tuple[DataType, int | str]] = {
        P.StorageID: (DataType.UINT32, info.storage_id),
        P.ObjectFormat: (DataType.UINT16, info.object_format),
        P.ProtectionStatus: (DataType.UINT16, info.protection_status),
        P.ObjectSize: (DataType.UINT64, size),
        P.AssociationType: (DataType.UINT16, info.association_type),
        P.ObjectFileName: (DataType.STR, info.filename),
        P.DateCreated: (DataType.STR, info.capture_date),
        P.DateModified: (DataType.STR, info.modification_date),
        P.ParentObject: (DataType.UINT32, info.parent_object),
        # Handles are never reused while the emulator runs: unique, and stable enough.
        P.PersistentUniqueObjectIdentifier: (DataType.UINT128, handle),
        P.Width: (DataType.UINT32, info.image_pix_width),
        P.Height: (DataType.UINT32, info.image_pix_height),
    }
    codes = IMAGE_PROPS if is_image(info.object_format) else BASE_PROPS
    return tuple(ObjectProp(handle, code, *values[code]) for code in codes)


class ObjectFacts:
    """One object as the camera describes it: its ObjectInfo (and encoded), its size."""

    __slots__ = (
        "_props",
        "_props_count",
        "handle",
        "info",
        "info_data",
        "info_reply",
        "key",
        "path",
        "size",
    )

    def __init__(
        self,
        handle: int,
        info: ObjectInfo,
        size: int,
        path: str | None,
        key: tuple[int, int] | None,
    ) -> None:
        self.handle = handle
        self.info = info
        self.info_data = info.encode()
        self.info_reply = Reply(data=self.info_data)  # GetObjectInfo's answer
        self.size = size  # 64-bit; 0 for folders
        self.path = path
        self.key = key
        self._props: bytes | None = None
        self._props_count = 0

    def props(self) -> tuple[bytes, int]:
        """Every object property as encoded ObjectPropList elements, and how many."""
        if self._props is None:
            elements = object_props(self.handle, self.info, self.size)
            buf = Buffer()
            for element in elements:
                push_object_prop(buf, element)
            self._props, self._props_count = buf.data(), len(elements)
        return self._props, self._props_count


def _stat_key(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)  # noqa: PTH116 - on every GetObjectInfo: a Path costs more than the call
    except (OSError, ValueError):
        return None
    return st.st_size, st.st_mtime_ns


class ObjectCache:
    """:class:`ObjectFacts` per handle, checked against the file on every use."""

    def __init__(self, store: Storage, *, limit: int = 32768) -> None:
        self._store = store
        self._limit = limit
        self._entries: dict[int, ObjectFacts] = {}

    def facts(self, handle: int) -> ObjectFacts:
        """The object's facts; StoreError (InvalidObjectHandle) for an unknown handle."""
        facts = self._entries.get(handle)
        if facts is not None:
            self._store.is_association(handle)  # raises once the handle is gone
            if facts.path is not None and _stat_key(facts.path) == facts.key:
                return facts
        return self._load(handle)

    def forget(self, handles: Iterable[int]) -> None:
        """Drop what is known of these objects (they changed, or are gone)."""
        for handle in handles:
            self._entries.pop(handle, None)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def _load(self, handle: int) -> ObjectFacts:
        store = self._store
        try:
            path: str | None = os.fspath(store.object_path(handle))
        except StoreError:
            path = None  # e.g. a link that now leads outside its folder: never cached
        # The file is looked at before the ObjectInfo is built: should it change in
        # between, the next request sees a different key and builds it again.
        key = _stat_key(path) if path is not None else None
        info = store.object_info(handle)
        size = 0 if store.is_association(handle) else store.object_size(handle)
        facts = ObjectFacts(handle, info, size, path, key)
        self._entries.pop(handle, None)
        if key is not None:
            if len(self._entries) >= self._limit:
                del self._entries[next(iter(self._entries))]  # the oldest entry
            self._entries[handle] = facts
        return facts
