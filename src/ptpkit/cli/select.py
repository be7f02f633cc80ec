"""One way to name objects on the camera, for every command (``ls``, ``get``, ``thumb``,
``rm``): a name, a path or a pattern.

- a **name** (``IMG_0101.JPG``): every object of that name, in any folder;
- a **path** (``DCIM/101TEST/IMG_0101.JPG``, ``/store_00010001/DCIM``): the object at that
  path inside any storage, or inside the one named first;
- a **storage** (``/store_00010001``) or ``/``: everything in it, or on the camera;
- a **pattern** (``IMG_00*.JPG``, ``*/101TEST/*``): shell wildcards on the name, or on the
  path when the pattern holds a ``/``; the files it matches (``*`` is every file, not the
  folders), or the folders when it matches no file (``DCIM/1*``).

Case does not matter. A folder stands for everything below it: ``ls`` lists it, ``get``
downloads it with its tree, ``rm -r`` deletes it. A name that matches nothing is a
:class:`~ptpkit.errors.NotFoundError` (exit 5).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ptpkit.aio.client import Camera, CameraObject, object_matcher
from ptpkit.cli.base import shorten
from ptpkit.errors import NotFoundError

__all__ = ["Target", "contents", "files_of", "resolve"]

_WILDCARDS = re.compile(r"[*?\[]")
_STORE = re.compile(r"store_[0-9a-f]{8}")


@dataclass(frozen=True, slots=True)
class Target:
    """What one name stood for: an object, or a whole storage (``obj`` None)."""

    path: str  # the full camera path: /store_00010001[/...]
    obj: CameraObject | None

    @property
    def is_folder(self) -> bool:
        return self.obj is None or self.obj.is_folder

    def holds(self, other: CameraObject) -> bool:
        """Whether ``other`` is below this folder or storage."""
        return other.path.lower().startswith(self.path.lower() + "/")


def _split_storage(spec: str) -> tuple[str | None, str]:
    clean = spec.strip().strip("/")
    head, _, rest = clean.partition("/")
    if _STORE.fullmatch(head.lower()):
        return head.lower(), rest.strip("/")
    return None, clean


def _storage_of(obj: CameraObject) -> str:
    return obj.path.split("/", 2)[1].lower()


async def resolve(camera: Camera, specs: Sequence[str]) -> tuple[list[Target], list[CameraObject]]:
    """The targets named by ``specs`` (in order, each once) and the whole listing
    (folders included) they were found in."""
    listing = await camera.list_objects(folders=True)
    storages = [s.name for s in await camera.storages()]
    targets: dict[str, Target] = {}
    for spec in specs:
        found = _match(spec, listing, storages)
        if not found:
            raise NotFoundError(f"no object on the camera matches {shorten(spec)!r}")
        for target in found:
            targets.setdefault(target.path.lower(), target)
    return list(targets.values()), listing


def _match(spec: str, listing: list[CameraObject], storages: list[str]) -> list[Target]:
    text = spec.strip()
    if _WILDCARDS.search(text):  # files, as a shell's * is; folders only when no file matches
        matcher = object_matcher(text)
        found = [o for o in listing if matcher(o)]
        files = [o for o in found if not o.is_folder]
        return [Target(o.path, o) for o in (files or found)]
    store, rel = _split_storage(text)
    if not rel:
        if store is None:  # "/" or "": the whole camera
            return [Target(f"/{name}", None) for name in storages]
        return [Target(f"/{name}", None) for name in storages if name.lower() == store]
    in_store = [o for o in listing if store is None or _storage_of(o) == store]
    key = rel.lower()
    if "/" in rel or store is not None:
        return [Target(o.path, o) for o in in_store if o.relative_path.lower() == key]
    return [Target(o.path, o) for o in in_store if o.name.lower() == key]


def contents(targets: Sequence[Target], listing: Sequence[CameraObject]) -> list[CameraObject]:
    """What ``ls`` shows for the targets: a file itself, everything below a folder or in
    a storage (an empty one shows nothing); each object once, by path."""
    chosen: dict[int, CameraObject] = {}
    for target in targets:
        if not target.is_folder and target.obj is not None:
            chosen.setdefault(target.obj.handle, target.obj)
            continue
        for obj in listing:
            if target.holds(obj):
                chosen.setdefault(obj.handle, obj)
    return sorted(chosen.values(), key=lambda o: o.path)


def files_of(
    targets: Sequence[Target], listing: Sequence[CameraObject]
) -> list[tuple[CameraObject, str]]:
    """The files the targets stand for, each with its path relative to where it is
    downloaded: its name, or, below a folder, the folder's name and the tree under it
    (a storage gives its whole tree)."""
    chosen: dict[int, tuple[CameraObject, str]] = {}
    for target in targets:
        obj = target.obj
        if obj is not None and not obj.is_folder:
            chosen.setdefault(obj.handle, (obj, obj.name))
            continue
        base = "" if obj is None else obj.name + "/"
        start = len(target.path) + 1
        for inner in listing:
            if not inner.is_folder and target.holds(inner):
                chosen.setdefault(inner.handle, (inner, base + inner.path[start:]))
    return list(chosen.values())
