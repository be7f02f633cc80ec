"""Names and paths of the folder store: what a safe object name is, how a name is made
free (``name (1).ext``), hidden temporary files, the walk of a folder tree and the removal
of one. Plain functions on path strings, no registry (see :mod:`ptpkit.emulator.folder_store`)."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from ptpkit.errors import StoreError
from ptpkit.proto.codes import ResponseCode
from ptpkit.proto.datasets import format_ptp_datetime

__all__ = ["MAX_NAME_UNITS", "TEMP_PREFIX", "storage_id_for_index", "validate_object_name"]

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
