"""Progress of transfers: rich bars with MB/s on a terminal, one line per finished file
in every case."""

from __future__ import annotations

import time
from types import TracebackType
from typing import TYPE_CHECKING

from ptpkit.cli.render import human_size, rate

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

__all__ = ["TransferProgress"]


class TransferProgress:
    """Per-file and total progress with MB/s: rich bars on a terminal, and one line per
    finished file in every case."""

    def __init__(self, out: Console, total_bytes: int, total_files: int, verb: str) -> None:
        self._out = out
        self._verb = verb
        self._live = out.is_terminal
        self._progress: Progress | None = None
        self._total_task: TaskID | None = None
        self._file_task: TaskID | None = None
        self._total_bytes = total_bytes
        self._total_files = total_files
        self._base = 0  # bytes of the files finished so far
        self._file_start = 0.0
        self._file_first: int | None = None  # bytes already there when the file started
        self.started = time.perf_counter()
        self.bytes_done = 0  # sizes of the files finished
        self.bytes_moved = 0  # what actually crossed the link (resumed parts excluded)
        self.files_done = 0
        self.files_failed = 0

    def __enter__(self) -> TransferProgress:
        if self._live:
            # imported here: every command loads this module, few draw progress bars
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
                TransferSpeedColumn,
            )

            self._progress = Progress(
                TextColumn("{task.description}", justify="left"),
                BarColumn(bar_width=28),
                DownloadColumn(),
                TransferSpeedColumn(),
                TimeRemainingColumn(),
                console=self._out,
                transient=True,
            )
            self._progress.start()
            self._total_task = self._progress.add_task(
                f"total ({self._total_files} files)", total=self._total_bytes or None
            )
        self.started = time.perf_counter()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()

    def start_file(self, label: str, size: int | None) -> None:
        self._file_start = time.perf_counter()
        self._file_first = None
        if self._progress is not None:
            short = label if len(label) <= 40 else "…" + label[-39:]
            self._file_task = self._progress.add_task(short, total=size)

    def update(self, done: int, total: int | None) -> None:
        if self._file_first is None:
            self._file_first = done
        if self._progress is None:
            return
        if self._file_task is not None:
            self._progress.update(self._file_task, completed=done, total=total)
        if self._total_task is not None:
            self._progress.update(self._total_task, completed=self._base + done)

    def finish_file(self, label: str, size: int) -> None:
        seconds = time.perf_counter() - self._file_start
        self._base += size
        self.bytes_done += size
        self.bytes_moved += size - (self._file_first or 0)
        self.files_done += 1
        if self._progress is not None and self._file_task is not None:
            self._progress.remove_task(self._file_task)
            self._file_task = None
        resumed = self._file_first or 0
        line = f"  {label}  {human_size(size)}  {rate(size - resumed, seconds)}"
        if resumed:
            line += f"  (resumed at {human_size(resumed)})"
        if self._progress is not None:
            self._progress.console.print(line, highlight=False, markup=False)
        else:
            self._out.print(line, highlight=False, markup=False)

    def fail_file(self, label: str, message: str) -> None:
        """The file under way failed: one line saying so (the others go on)."""
        if self._progress is not None and self._file_task is not None:
            self._progress.remove_task(self._file_task)
            self._file_task = None
        self.files_failed += 1
        self.note(f"  {label}  FAILED: {message}")

    def skip_file(self, size: int | None) -> None:
        """A file not transferred (already there, or kept): it still counts as done in
        the total bar."""
        self._base += size or 0

    def note(self, line: str) -> None:
        """A line of its own, above the bars."""
        target = self._progress.console if self._progress is not None else self._out
        target.print(line, highlight=False, markup=False)

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started
