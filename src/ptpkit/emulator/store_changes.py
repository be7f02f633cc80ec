"""Changing the folder store: delete, move, copy, protection, format, and captures
(written under the next free DCF name)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from ptpkit.emulator.store_paths import (
    _TEMP_SUFFIX,
    TEMP_PREFIX,
    _basename,
    _inside,
    _join,
    _link_exactly,
    _make_temp_file,
    _next_dcf_slot,
    _os_error_code,
    _remove_tree,
    _rename_to_free_name,
    _walk,
)
from ptpkit.emulator.store_registry import _Storage
from ptpkit.emulator.store_uploads import StoreUploads
from ptpkit.errors import StoreError
from ptpkit.proto.codes import ALL, ProtectionStatus, ResponseCode, is_image

__all__ = ["StoreChanges"]


class StoreChanges(StoreUploads):
    """Changing what the store holds (see :class:`~ptpkit.emulator.folder_store.FolderStore`)."""

    _capture_folder_suffix: str
    _capture_prefix: str
    _last_capture: tuple[int, int]  # DCF (folder, file) numbers of the last capture

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
