"""The soak's verdict (see bench/soak.py): what the workers saw, checked again against
the disks once everything has stopped, and the summary table.

Checked here, after the run:

* every stable file on every card is unchanged;
* every file under a final name in the download folders holds exactly the object it was
  downloaded from (``.part`` files and other temporary names are allowed, and counted);
* every file in a card's upload folder is a whole upload (never half of one), every
  upload reported done is there intact unless deleted since, and a deleted one is gone;
  no hidden temporary upload file of the emulator is left;
* open file descriptors and RSS of every camera and initiator process are flat: at
  most :data:`FD_SLACK` more descriptors, and RSS within :data:`RSS_SLACK_MIB` MiB (or
  :data:`RSS_SLACK_RATIO` of the start, whichever is larger).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.soak_common import UPLOAD_FOLDER, is_temporary, sha256_file
from ptpkit.emulator.store_paths import TEMP_PREFIX

FD_SLACK = 2
RSS_SLACK_MIB = 24.0
RSS_SLACK_RATIO = 0.25


@dataclass
class Verdict:
    problems: list[str] = field(default_factory=list)  # loss, corruption
    leaks: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)  # unexpected error types
    notes: Counter[str] = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not (self.problems or self.leaks or self.unexpected)


def check_disks(
    cards: list[tuple[Path, dict[str, dict[str, Any]]]],
    downloads: Path,
    reports: list[dict[str, Any]],
    verdict: Verdict,
) -> None:
    """The after-the-run checks of stable files, download folders and upload folders."""
    for index, (root, manifest) in enumerate(cards):
        for rel, meta in manifest.items():
            path = root / rel
            if not path.exists():
                verdict.problems.append(f"lost: camera {index}: stable file {rel} is gone")
            elif sha256_file(path) != meta["sha256"]:
                verdict.problems.append(f"corrupt: camera {index}: stable file {rel} changed")
    for report in reports:
        folder = downloads / f"w{report['worker']}"
        pending = report["pending"]
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            if is_temporary(path.name):
                verdict.notes["temporary files left by downloads (.part)"] += 1
                continue
            key = f"{path.parent.name}/{path.name.split('_', 1)[0]}_"
            sha = pending.get(key)
            if sha is None:
                verdict.problems.append(f"unexplained file under a final name: {path}")
            elif sha256_file(path) != sha:
                verdict.problems.append(f"half-written or corrupt under a final name: {path}")
            else:
                verdict.notes["complete downloads whose call failed"] += 1
    uploads: dict[tuple[int, str], dict[str, Any]] = {}
    for report in reports:
        for key, record in report["uploads"].items():
            index, name = key.split("/", 1)
            uploads[(int(index), name)] = record
    for index, (root, _) in enumerate(cards):
        folder = root / UPLOAD_FOLDER
        present = {p.name: p for p in folder.iterdir() if p.is_file()} if folder.is_dir() else {}
        for name, path in sorted(present.items()):
            if name.startswith(TEMP_PREFIX):
                verdict.leaks.append(f"camera {index}: temporary upload file left: {name}")
                continue
            record = uploads.get((index, name))
            if record is None:
                verdict.problems.append(f"camera {index}: unexplained upload {name}")
            elif sha256_file(path) != record["sha256"]:
                verdict.problems.append(f"camera {index}: half-written upload {name}")
            elif record["state"] == "attempted":
                verdict.notes["complete uploads whose call failed (found at the end)"] += 1
        for (cam, name), record in sorted(uploads.items()):
            if cam != index:
                continue
            if record["state"] in ("done", "vanished") and name not in present:
                verdict.problems.append(f"lost: camera {index}: upload {name} is gone")
            if record["state"] == "deleted" and name in present:
                verdict.problems.append(f"camera {index}: deleted {name} is back")


def flat(start: dict[str, int], end: dict[str, int]) -> tuple[bool, str]:
    """Whether fds and RSS stayed flat, and the figures in words."""
    fds = end["fds"] - start["fds"]
    rss_start, rss_end = start["rss_kib"] / 1024, end["rss_kib"] / 1024
    bound = max(RSS_SLACK_MIB, RSS_SLACK_RATIO * rss_start)
    ok = fds <= FD_SLACK and rss_end - rss_start <= bound
    text = (
        f"fds {start['fds']} -> {end['fds']}, "
        f"RSS {rss_start:.1f} -> {rss_end:.1f} MiB ({'flat' if ok else 'GROWS'})"
    )
    return ok, text


def _mib(n: int) -> str:
    return f"{n / (1 << 20):.1f} MiB"


def summary(
    *,
    seconds: float,
    seed: int,
    reports: list[dict[str, Any]],
    faults: Counter[str],
    processes: list[tuple[str, dict[str, int], dict[str, int]]],
    verdict: Verdict,
) -> list[str]:
    """The summary table, one line each."""
    ops: dict[str, Counter[str]] = {}
    errors: Counter[str] = Counter()
    volume: Counter[str] = Counter()
    events: Counter[str] = Counter()
    connections: Counter[str] = Counter()
    resumed = 0
    for report in reports:
        for name, counts in report["ops"].items():
            ops.setdefault(name, Counter()).update(counts)
        errors.update(report["errors"])
        volume.update(report["bytes"])
        events.update(report["events"])
        connections.update(report["connections"])
        resumed += report["resumed"]
        verdict.problems.extend(report["problems"])
        verdict.notes.update(report.get("notes", {}))
        verdict.unexpected.extend(report["unexpected"])
    lines = [f"soak: {seconds:.0f} s, {len(reports)} initiators, seed {seed}"]
    lines.append("operations (ok/tried):")
    for name, counts in ops.items():
        extra = ""
        if counts.get("cancelled"):
            extra = f", {counts['cancelled']} cancelled"
        if name == "resume":
            extra += f", {resumed} downloaded again over a .part"
        lines.append(f"  {name:<10} {counts.get('ok', 0):>6}/{counts.get('tried', 0):<6}{extra}")
    lines.append(
        f"  connections {connections.get('made', 0)} made, {connections.get('failed', 0)} failed"
    )
    lines.append("faults injected:")
    lines += [f"  {name:<26} {count}" for name, count in sorted(faults.items())]
    total = sum(volume.values())
    parts = ", ".join(f"{k} {_mib(v)}" for k, v in sorted(volume.items()))
    lines.append(f"bytes verified: {_mib(total)} ({parts})")
    lines.append(f"events received: {sum(events.values())} ({dict(sorted(events.items()))})")
    lines.append("errors seen (expected while faults are injected, unless marked):")
    lines += [f"  {name:<40} {count}" for name, count in errors.most_common()]
    lines.append("fd/RSS at start and end:")
    for label, start, end in processes:
        ok, text = flat(start, end)
        lines.append(f"  {label:<12} {text}")
        if not ok:
            verdict.leaks.append(f"{label}: {text}")
    for note, count in sorted(verdict.notes.items()):
        lines.append(f"note: {count} {note}")
    for kind, items in (
        ("LOSS/CORRUPTION", verdict.problems),
        ("LEAK", verdict.leaks),
        ("UNEXPECTED ERROR", verdict.unexpected),
    ):
        lines += [f"{kind}: {item}" for item in items[:20]]
        if len(items) > 20:
            lines.append(f"{kind}: ... {len(items) - 20} more")
    lines.append(
        "result: OK (nothing lost, nothing corrupt, no leak)"
        if verdict.ok
        else f"result: FAILED ({len(verdict.problems)} loss/corruption, "
        f"{len(verdict.leaks)} leaks, {len(verdict.unexpected)} unexpected errors)"
    )
    return lines
