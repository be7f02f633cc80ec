"""Downloading many objects, as ``get``, ``thumb``, ``sync`` and ``capture --download`` do:
where each goes (the camera's tree, or a ``--filename`` template; the local-file policy of
:mod:`ptpkit.localfiles`), progress, ``--hook``, ``--delete-after``, and one bad object
reported and skipped while the others go on."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ptpkit.aio.client import Camera, CameraObject
from ptpkit.aio.download import download_object
from ptpkit.cli.base import exit_code_for, message_of, shorten
from ptpkit.cli.hooks import Hook
from ptpkit.cli.naming import render, safe_relative
from ptpkit.cli.progress import TransferProgress
from ptpkit.cli.render import human_size, rate
from ptpkit.errors import PtpError, TransportError
from ptpkit.localfiles import Existing, is_same_file, make_dirs, place

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["DownloadOptions", "Downloads", "Outcome", "local_path_for", "safe_relative"]


def local_path_for(obj: CameraObject, root: Path, *, with_storage: bool) -> Path:
    """Where ``sync`` keeps ``obj``: its path inside the storage, under ``root`` (and under
    a ``store_XXXXXXXX`` folder when the camera has several storages)."""
    rel = obj.path if with_storage else obj.relative_path
    return root / safe_relative(rel)


@dataclass(frozen=True)
class DownloadOptions:
    """What the commands' options ask of each download."""

    existing: Existing = Existing.KEEP_BOTH
    template: str | None = None
    hook: Hook | None = None
    delete_after: bool = False
    thumbnails: bool = False


@dataclass
class Outcome:
    """What a run of downloads did."""

    downloaded: list[Path] = field(default_factory=list)
    present: int = 0  # complete copies already there
    kept: int = 0  # different files there, left alone (--skip-existing)
    deleted: int = 0  # removed from the camera after the download (--delete-after)
    failures: list[tuple[str, BaseException]] = field(default_factory=list)
    bytes_done: int = 0
    bytes_moved: int = 0
    seconds: float = 0.0

    def add(self, other: Outcome) -> None:
        self.downloaded += other.downloaded
        self.present += other.present
        self.kept += other.kept
        self.deleted += other.deleted
        self.failures += other.failures
        self.bytes_done += other.bytes_done
        self.bytes_moved += other.bytes_moved
        self.seconds += other.seconds

    @property
    def exit_code(self) -> int:
        """0, or the exit code of the first failure."""
        return exit_code_for(self.failures[0][1]) if self.failures else 0

    def summary(self, verb: str) -> str:
        """``Downloaded 3 file(s), 1.2 MB in 0.50 s (2.4 MB/s); 2 already there; 1 failed.``"""
        text = (
            f"{verb} {len(self.downloaded)} file(s), {human_size(self.bytes_done)} "
            f"in {self.seconds:.2f} s ({rate(self.bytes_moved, self.seconds)})"
        )
        extra = []
        if self.present:
            extra.append(f"{self.present} already there")
        if self.kept:
            extra.append(f"{self.kept} left alone (a different file was there)")
        if self.deleted:
            extra.append(f"{self.deleted} deleted from the camera")
        if self.failures:
            extra.append(f"{len(self.failures)} failed")
        return text + ("; " + "; ".join(extra) if extra else "") + "."


def _sync_to_disk(path: Path) -> None:
    """The file and its folder entry on stable storage (before the camera's copy goes)."""
    with path.open("rb") as file:
        os.fsync(file.fileno())
    try:
        fd = os.open(path.parent, os.O_RDONLY)
    except OSError:  # a platform without directory handles
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Downloads:
    """Downloads objects one after the other with one set of options; remembers the
    local paths it gave out, so that two objects never get the same one."""

    def __init__(self, camera: Camera, options: DownloadOptions, out: Console) -> None:
        self.camera = camera
        self.options = options
        self.out = out
        self.taken: set[Path] = set()
        self.number = 0  # files named so far (the %n of --filename)

    def destination(self, obj: CameraObject, root: Path, relative: str) -> Path:
        """Where ``obj`` goes under ``root``: ``relative`` (its name, or its path in the
        tree being copied), or what the --filename template makes of it."""
        self.number += 1
        if self.options.template is not None:
            return root / render(self.options.template, obj, self.number)
        if self.options.thumbnails:
            rel = safe_relative(relative)
            return root / rel.with_name("thumb_" + Path(rel.name).stem + ".jpg")
        return root / safe_relative(relative)

    async def run(self, items: Sequence[tuple[CameraObject, Path, str]], verb: str) -> Outcome:
        """Download each ``(object, destination, label)``; failures are reported, and the
        others go on. A lost link (or Ctrl-C) ends the run."""
        outcome = Outcome()
        sizes = [0 if self.options.thumbnails else (o.size or 0) for o, _, _ in items]
        with TransferProgress(self.out, sum(sizes), len(items), verb) as progress:
            for obj, dest, label in items:
                shown = shorten(label)
                try:
                    await self._one(obj, dest, shown, progress, outcome)
                except TransportError:
                    raise
                except (PtpError, OSError, ValueError) as exc:
                    progress.fail_file(shown, message_of(exc))
                    outcome.failures.append((obj.path, exc))
            outcome.bytes_done = progress.bytes_done
            outcome.bytes_moved = progress.bytes_moved
            outcome.seconds = progress.elapsed
        return outcome

    async def _one(
        self,
        obj: CameraObject,
        dest: Path,
        label: str,
        progress: TransferProgress,
        outcome: Outcome,
    ) -> None:
        size = None if self.options.thumbnails else obj.size
        modified = None if self.options.thumbnails else obj.modified
        placement = place(dest, size, modified, self.options.existing, self.taken)
        self.taken.add(placement.path)
        if placement.note:
            progress.note(f"  {label}: {placement.note}")
        if placement.action == "skip":
            outcome.kept += 1
            progress.skip_file(size)
            return
        if placement.action == "present":
            outcome.present += 1
            progress.skip_file(size)
            if self.options.delete_after:
                await self._delete(obj, placement.path, progress, outcome, verified=True)
            return
        progress.start_file(label, size)
        if self.options.thumbnails:
            path = await self._thumbnail(obj, placement.path)
        else:
            path = await download_object(
                self.camera,
                obj,
                placement.path,
                progress=progress.update,
                existing=None,  # placed above
                notify=lambda text: progress.note(f"  {text}"),
                piece=self.camera.dialect.partial_read_size(obj),
            )
        progress.finish_file(label, path.stat().st_size)
        outcome.downloaded.append(path)
        if not self.options.thumbnails:
            await self.camera.dialect.after_download(obj)  # e.g. free an in-memory capture
        if self.options.hook is not None:
            problem = await self.options.hook.run(path)
            if problem:
                progress.note(f"  {label}: {problem}")
        if self.options.delete_after:
            await self._delete(obj, path, progress, outcome, verified=False)

    async def _thumbnail(self, obj: CameraObject, path: Path) -> Path:
        data = await self.camera.get_thumb(obj.handle)
        if not data:
            raise ValueError(f"{shorten(obj.name)} has no thumbnail")
        make_dirs(path.parent)
        temp = path.with_name(path.name + ".part")
        temp.write_bytes(data)
        temp.replace(path)
        return path

    async def _delete(
        self,
        obj: CameraObject,
        path: Path,
        progress: TransferProgress,
        outcome: Outcome,
        *,
        verified: bool,
    ) -> None:
        """--delete-after: remove the camera's copy once the local one is complete and on
        stable storage."""
        if not verified:
            if not is_same_file(path, obj.size, obj.modified):
                progress.note(f"  {shorten(obj.path)}: not deleted (the local copy differs)")
                return
            _sync_to_disk(path)
        await self.camera.delete(obj)
        outcome.deleted += 1
        progress.note(f"  deleted {shorten(obj.path)} from the camera")
