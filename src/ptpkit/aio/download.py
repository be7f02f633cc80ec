"""One download, done so that a user's files are safe (the policy is
:mod:`ptpkit.localfiles`'):

- **Where.** A destination that ends with a separator, or is a directory, gets the
  object's name inside it (the directory is created); otherwise it is the file's path.
  A complete copy already there (its size, its date) is not downloaded again; a
  *different* file there is kept and the object saved beside it as ``NAME-2.EXT``
  (``existing="keep-both"``, the default), replaced (``"overwrite"``) or left alone
  (``"skip"``).
- **How.** Data goes to a ``.part`` beside the destination (a short hashed name when the
  destination's name is too long for one), with a record of the object's identity, and is
  renamed when complete and of the right size; the file gets the object's date.
- **Resuming.** A ``.part`` is resumed (GetPartialObject, or GetPartialObject64 past
  4 GiB) only when its record names the same object; otherwise it starts over and says
  so (``notify``, else a warning in the ``ptpkit.transfer`` log). An immediate failure
  leaves no empty ``.part`` behind.

Nothing is ever held in memory beyond the chunk being written.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ptpkit.errors import TransferError, shorten
from ptpkit.localfiles import (
    Existing,
    ObjectIdentity,
    make_dirs,
    part_paths,
    place,
    resume_offset,
    write_identity,
)
from ptpkit.proto.codes import OperationCode, VendorOperationCode

if TYPE_CHECKING:
    from ptpkit.aio.models import CameraObject, ProgressCallback
    from ptpkit.aio.operations import Operations

__all__ = [
    "PART_SUFFIX",
    "Notify",
    "destination_for",
    "download_object",
    "identity_of",
    "safe_file_name",
]

#: Suffix of a download in progress (when the name fits; see :func:`part_paths`).
PART_SUFFIX = ".part"

#: ``notify(text)``: told, in words, what a download did that was not asked for
#: (started over, saved under another name, left a file alone).
Notify = Callable[[str], object]

_U32_MAX = 0xFFFFFFFF
_PARTIAL_MAX = 0xFFFFFFFF  # GetPartialObject MaxBytes: all ones = to the end

_log = logging.getLogger("ptpkit.transfer")


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
        raise TransferError(f"the camera gave an unusable file name: {shorten(repr(name))}")
    return clean


def destination_for(
    obj: CameraObject, destination: str | os.PathLike[str], *, directory: bool = False
) -> Path:
    """The file a download of ``obj`` to ``destination`` writes: inside it when it is a
    directory, ends with a separator or ``directory`` is set (created if missing), else
    ``destination`` itself (its folder created if missing)."""
    text = os.fspath(destination)
    dest = Path(text)
    seps = ("/", os.sep) if os.altsep is None else ("/", os.sep, os.altsep)
    if directory or text.endswith(seps) or dest.is_dir():
        make_dirs(dest)
        return dest / safe_file_name(obj.name)
    make_dirs(dest.parent)
    return dest


def identity_of(camera: Operations, obj: CameraObject) -> ObjectIdentity:
    """What the ``.part`` record of a download of ``obj`` says."""
    info = camera.device_info
    return ObjectIdentity(
        camera=f"{info.manufacturer} {info.model} {info.serial_number}".strip(),
        storage_id=obj.storage_id,
        handle=obj.handle,
        name=obj.name,
        size=obj.size,
        captured=obj.info.capture_date or None,
    )


def _say(notify: Notify | None, text: str) -> None:
    if notify is not None:
        notify(text)
    else:
        _log.warning("%s", text)


def _drop_if_empty(part: Path, record: Path) -> None:
    """After a failure: a ``.part`` with nothing in it is of no use to anyone."""
    try:
        if part.stat().st_size:
            return
    except OSError:
        return
    part.unlink(missing_ok=True)
    record.unlink(missing_ok=True)


async def download_object(
    camera: Operations,
    obj: CameraObject,
    dest: Path,
    *,
    progress: ProgressCallback | None = None,
    resume: bool = True,
    existing: Existing | str | None = Existing.KEEP_BOTH,
    notify: Notify | None = None,
    piece: int | None = None,
) -> Path:
    """Download ``obj`` to the file ``dest`` (see the module docstring); the path of the
    file that holds it (``dest``, a ``NAME-2`` beside it, or, with ``"skip"``, the
    different file left there). ``existing=None``: the caller has already applied the
    policy (:func:`~ptpkit.localfiles.place`) and ``dest`` is written as it is.

    ``piece``: read the whole object with GetPartialObject, at most this many bytes at a
    time, instead of GetObject (a dialect asks for it: a Canon EOS capture held in the
    camera's memory is read that way, whether or not GetPartialObject is listed)."""
    if existing is not None:
        placement = place(dest, obj.size, obj.modified, existing)
        if placement.note:
            _say(notify, f"{shorten(obj.path)}: {placement.note}")
        if placement.action != "download":
            if progress is not None and obj.size is not None:
                progress(obj.size, obj.size)
            return placement.path
        dest = placement.path
    make_dirs(dest.parent)
    part, record = part_paths(dest)
    identity = identity_of(camera, obj)
    size = obj.size
    offset, why = resume_offset(dest, identity) if resume else (0, None)
    if why:
        _say(notify, f"{shorten(obj.path)}: {why}")
    can_partial = piece is not None or camera.supports(OperationCode.GetPartialObject)
    can_64 = camera.supports(VendorOperationCode.AndroidGetPartialObject64)
    if offset and not ((can_partial and offset <= _U32_MAX) or can_64):
        _say(notify, f"{shorten(obj.path)}: the camera cannot resume a download: starting over")
        offset = 0
    if not offset:
        # A fresh file rather than a truncated one: ext4 starts writing back a file
        # truncated to zero as soon as it is closed (its "replace by truncate"
        # heuristic), which costs a third of the download's speed.
        part.unlink(missing_ok=True)
        write_identity(record, identity)
    try:
        with part.open("r+b" if offset else "wb") as file:
            if offset:
                file.seek(offset)  # the .part is exactly offset bytes long
            writer = _Writer(file, offset, size, progress)
            if progress is not None:
                progress(offset, size)
            if offset == 0 and piece is None:
                await camera.get_object(obj.handle, writer)
                if size is None:
                    writer.total = writer.done  # the core checked it against Start Data
            elif size is None or offset < size:
                await _resume(camera, obj, writer, can_partial, can_64, piece=piece)
    except BaseException:
        _drop_if_empty(part, record)
        raise
    length = part.stat().st_size
    expected = size if size is not None else writer.total
    if expected is not None and length != expected:
        raise TransferError(
            f"{shorten(obj.path)}: received {length} bytes, the camera announced {expected}; "
            f"{shorten(part.name)} is kept to resume"
        )
    part.replace(dest)
    record.unlink(missing_ok=True)
    when = obj.modified
    if when is not None:
        try:
            stamp = when.timestamp()
            os.utime(dest, (stamp, stamp))
        except (OSError, OverflowError, ValueError):
            pass
    return dest


async def _resume(
    camera: Operations,
    obj: CameraObject,
    writer: _Writer,
    can_partial: bool,
    can_64: bool,
    *,
    piece: int | None = None,
) -> None:
    """Fetch from ``writer.done`` to the end with partial reads (of at most ``piece``)."""
    size = obj.size
    most = _PARTIAL_MAX if piece is None else min(piece, _PARTIAL_MAX)
    while size is None or writer.done < size:
        offset = writer.done
        left = None if size is None else size - offset
        want = most if left is None or left >= most else left
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
