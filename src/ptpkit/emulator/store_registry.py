"""The folder store's registry: handles, the records behind them, and change tracking.

:class:`StoreRegistry` is the base of :class:`~ptpkit.emulator.folder_store.FolderStore`:
storages by id, objects by handle and by path, registering and unregistering them, the
rescan that compares the registry with a walk of the folders, and the mutation marks that
keep a rescan from mistaking the store's own work for an outside change."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from ptpkit.emulator.imaging import ImageMeta, Thumbnail
from ptpkit.emulator.store_paths import _basename, _parent_of, _Stat, _walk
from ptpkit.errors import StoreError
from ptpkit.proto.codes import ALL, ResponseCode

__all__ = ["ScanResult", "StoreRegistry"]

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


class StoreRegistry:
    """Objects and storages by handle and path (the base of the folder store's layers)."""

    _lock: threading.RLock
    _epoch: int  # bumped at the start and end of every store-made change
    _busy: int  # store-made changes in progress
    _next_handle: int
    _entries: dict[int, _Entry]
    _by_path: dict[str, int]
    _storages: dict[int, _Storage]
    _evicted: list[int]  # stale entries dropped by store changes, to report

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

    def _entry(self, handle: int) -> _Entry:
        entry = self._entries.get(handle)
        if entry is None:
            raise StoreError(ResponseCode.InvalidObjectHandle, f"no object 0x{handle:08X}")
        return entry

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
