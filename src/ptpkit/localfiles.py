"""The local-file policy of downloads: a user's files are never overwritten, mixed up or
left half-written without a word.

- **Where a download goes.** :func:`place` decides, for a destination path, whether the
  object is already there (a file of the object's size whose modification time is the
  object's, as ptpkit leaves it), must be downloaded, or is skipped. When a *different*
  file is there, :class:`Existing` says what happens: ``KEEP_BOTH`` (the default: the
  camera's file is saved beside it as ``NAME-2.EXT``, ``NAME-3.EXT``, …, so that no
  picture is lost — two cards both have an ``IMG_0001.JPG``), ``OVERWRITE`` or ``SKIP``.
  Paths already given to another object of the same run (``taken``) count as different
  files, so two camera objects that map to one local path are both kept.
- **Resuming.** A download is written to a temporary ``.part`` file beside its
  destination, with a small JSON record of the object's identity (camera, storage,
  handle, name, size, capture date) beside it. A ``.part`` is resumed only when its
  record names the same object; otherwise the download starts over and says why
  (:func:`resume_offset`).
- **Short temporary names.** ``NAME.part`` and ``.NAME.part.json`` when they fit a
  255-byte file name; otherwise names made of a hash of the destination's name
  (``.ptpkit-<hash>.part``), so that any name the camera can give can be downloaded.
"""

from __future__ import annotations

import enum
import json
import os
from collections.abc import Collection
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

__all__ = [
    "MAX_NAME_BYTES",
    "Existing",
    "ObjectIdentity",
    "Placement",
    "is_same_file",
    "make_dirs",
    "part_paths",
    "place",
    "read_identity",
    "resume_offset",
    "variant",
    "write_identity",
]

#: The longest file name most filesystems take (ext4, APFS, NTFS: 255 bytes or units).
MAX_NAME_BYTES = 255

#: Modification times within this many seconds are the same (FAT keeps 2 s steps).
_MTIME_SLACK = 2.0

#: The suffix of an identity record while it is written.
_RECORD_TEMP = ".tmp"

#: How many ``NAME-N`` variants are looked at before giving up.
_MAX_VARIANTS = 10_000


class Existing(str, enum.Enum):
    """What to do when a different file is already at a download's destination."""

    KEEP_BOTH = "keep-both"  # save the camera's file beside it, as NAME-2.EXT
    OVERWRITE = "overwrite"  # replace it
    SKIP = "skip"  # leave it, and do not download

    @classmethod
    def of(cls, value: Existing | str) -> Existing:
        try:
            return cls(value)
        except ValueError:
            allowed = ", ".join(repr(m.value) for m in cls)
            raise ValueError(f"existing={value!r}: expected one of {allowed}") from None


@dataclass(frozen=True, slots=True)
class Placement:
    """Where an object goes, and what to do: ``"download"``, ``"present"`` (a complete
    copy is there already) or ``"skip"`` (a different file is there, and stays).
    ``note`` says, in words, why the path is not the one asked for, or why it is skipped."""

    path: Path
    action: str
    note: str | None = None


def variant(path: Path, number: int) -> Path:
    """``IMG_0001.JPG`` → ``IMG_0001-2.JPG`` (number 1 is the path itself); the stem is
    shortened when the name would not fit :data:`MAX_NAME_BYTES` any more."""
    if number <= 1:
        return path
    stem, tail = path.stem, f"-{number}{path.suffix}"
    while len(stem) > 1 and len(os.fsencode(stem + tail)) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return path.with_name(stem + tail)


def make_dirs(path: Path) -> None:
    """``path.mkdir(parents=True, exist_ok=True)`` without recursion: a camera's folder
    chain may be deeper than Python's recursion limit (pathlib's mkdir recurses once per
    missing parent)."""
    missing = []
    while not path.is_dir():
        missing.append(path)
        if path.parent == path:
            break
        path = path.parent
    for folder in reversed(missing):
        try:
            folder.mkdir()
        except FileExistsError:
            if not folder.is_dir():
                raise


def is_same_file(path: Path, size: int | None, modified: datetime | None) -> bool:
    """A complete copy of an object: a regular file of its size (when known) whose
    modification time is the object's (when the camera tells one)."""
    try:
        stat = path.stat()
    except (OSError, ValueError):
        return False
    if not path.is_file():
        return False
    if size is not None and stat.st_size != size:
        return False
    if modified is not None:
        try:
            stamp = modified.timestamp()
        except (OverflowError, OSError, ValueError):
            return True
        return abs(stat.st_mtime - stamp) <= _MTIME_SLACK
    return True


def _exists(path: Path) -> bool:
    try:
        return path.exists() or path.is_symlink()
    except (OSError, ValueError):
        return False


def place(
    dest: Path,
    size: int | None,
    modified: datetime | None,
    existing: Existing | str = Existing.KEEP_BOTH,
    taken: Collection[Path] = (),
) -> Placement:
    """Where an object of ``size`` bytes modified at ``modified`` goes when asked to
    go to ``dest`` (see the module docstring)."""
    policy = Existing.of(existing)
    if dest in taken:  # another object of this run has it: the next free variant
        for number in range(2, _MAX_VARIANTS):
            candidate = variant(dest, number)
            if candidate in taken:
                continue
            if _exists(candidate) and not is_same_file(candidate, size, modified):
                continue
            action = "present" if _exists(candidate) else "download"
            note = f"another object of this name goes to {dest.name}: kept as {candidate.name}"
            return Placement(candidate, action, note)
        raise FileExistsError(f"no free name beside {dest}")
    if not _exists(dest):
        return Placement(dest, "download")
    if is_same_file(dest, size, modified):
        return Placement(dest, "present")
    if policy is Existing.OVERWRITE:
        return Placement(dest, "download", f"{dest.name} differs: overwritten")
    if policy is Existing.SKIP:
        return Placement(dest, "skip", f"{dest.name} is already there (a different file): kept")
    for number in range(2, _MAX_VARIANTS):  # keep both
        candidate = variant(dest, number)
        if candidate in taken:
            continue
        if is_same_file(candidate, size, modified):
            return Placement(candidate, "present")
        if not _exists(candidate):
            note = f"{dest.name} is already there (a different file): saved as {candidate.name}"
            return Placement(candidate, "download", note)
    raise FileExistsError(f"no free name beside {dest}")


# -- resuming --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ObjectIdentity:
    """What says that a ``.part`` holds the start of this very object."""

    camera: str  # manufacturer, model and serial number
    storage_id: int
    handle: int
    name: str
    size: int | None
    captured: str | None  # the capture date as the camera gave it

    def as_json(self) -> str:
        return json.dumps({"version": 1, **asdict(self)}, ensure_ascii=False)


def part_paths(dest: Path) -> tuple[Path, Path]:
    """The temporary file of a download to ``dest`` and its identity record, both with
    names that fit :data:`MAX_NAME_BYTES` whatever the length of ``dest``'s name."""
    part = dest.with_name(dest.name + ".part")
    record = dest.with_name("." + dest.name + ".part.json")
    # write_identity writes the record as RECORD.tmp first: that name must fit too
    if len(os.fsencode(record.name + _RECORD_TEMP)) <= MAX_NAME_BYTES:
        return part, record
    import hashlib  # here: only long names need it, and it loads OpenSSL

    digest = hashlib.sha256(os.fsencode(dest.name)).hexdigest()[:24]
    return dest.with_name(f".ptpkit-{digest}.part"), dest.with_name(f".ptpkit-{digest}.json")


def write_identity(record: Path, identity: ObjectIdentity) -> None:
    """Write the identity record (small: one write, then a rename into place)."""
    temp = record.with_name(record.name + _RECORD_TEMP)
    temp.write_text(identity.as_json(), encoding="utf-8")
    temp.replace(record)


def read_identity(record: Path) -> ObjectIdentity | None:
    """The identity in a record, or None (missing, unreadable, another version)."""
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.pop("version", None) != 1:
            return None
        return ObjectIdentity(**data)
    except (OSError, ValueError, TypeError):
        return None


def resume_offset(dest: Path, identity: ObjectIdentity) -> tuple[int, str | None]:
    """Where a download of ``identity`` to ``dest`` can resume: the length of its
    ``.part`` when its record names the same object (and it is not longer than the
    object), else 0 with a note saying why a ``.part`` there is not used."""
    part, record = part_paths(dest)
    try:
        length = part.stat().st_size
    except (OSError, ValueError):
        return 0, None
    found = read_identity(record)
    if found is None:
        why = "nothing says which object it holds"
    elif found != identity:
        why = "it holds another object"
    elif identity.size is not None and length > identity.size:
        why = "it is longer than the object"
    else:
        return length, None
    return 0, f"{part.name} is not resumed ({why}): starting over"
