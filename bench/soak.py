"""``make soak`` / ``python -m bench.soak [--minutes N]``: many initiators against
misbehaving cameras for minutes; nothing may be lost, corrupted or leaked (issue 12).

* Cameras (``--cameras``, default 2) are ``bench/soak_camera.py`` processes: writable
  emulators over a card of random files, restarted again and again on the same port and
  folder (every 6-20 s, down for up to 1.5 s), each time with new random faults: delays,
  drops part way through a data phase, split or joined writes, sessions dropped at random
  moments, and the quirks of real cameras (``--quirk``).
* Initiators (``--initiators``, default 4) are ``bench/soak_worker.py`` processes (half
  on asyncio's loop, half on uvloop) running a random mix of operations with ptpkit's
  client: listings, whole downloads, downloads cancelled part way and resumed, partial
  reads, uploads, deletes, captures, property changes, cancelled operations, pings, and
  events all along. Each result is checked against the source.
* First a warm-up (every operation once on each camera, no faults), then the file
  descriptors and RSS of every process are sampled; again at the end, with nobody
  connected.

Prints a summary table (operations, faults injected, bytes verified, errors by type,
fd/RSS at start and end) and exits 1 on any loss, corruption, half-written file under a
final name, leak, unexpected error type or crashed process. ``--json`` also writes the
figures. The duration: ``--minutes`` (default ``$SOAK_MINUTES``, else 5) or ``--seconds``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench import procs
from bench.soak_common import STABLE_FOLDER, UPLOAD_FOLDER
from bench.soak_report import Verdict, check_disks, summary
from ptpkit.emulator.faults import QUIRKS
from ptpkit.proto.codes import OperationCode, ResponseCode

ROOT = Path(__file__).resolve().parent.parent
Op = OperationCode

#: Stable files on each card: (count, smallest, largest size).
CARD = ((16, 2_000, 200_000), (8, 300_000, 2_000_000), (3, 4_000_000, 12_000_000))
RESTART_EVERY = (6.0, 20.0)
DOWN_FOR = (0.0, 1.5)
#: The processes' environment: glibc's mmap threshold fixed at its start value, so that
#: a freed multi-megabyte buffer goes back to the system at once. (Left to itself, glibc
#: raises the threshold after the first such buffer is freed, up to 32 MiB, and keeps
#: later ones in its heap: an initiator's RSS rose by 35 MiB in a minute with nothing
#: held, while with the fixed threshold the same run stays within 2 MiB. RSS is sampled
#: to find memory still held: a leak.)
CHILD_ENV = {**os.environ, "MALLOC_MMAP_THRESHOLD_": str(128 << 10)}


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n")[0])
    p.add_argument("--minutes", type=float, default=float(os.environ.get("SOAK_MINUTES") or 5))
    p.add_argument("--seconds", type=float, help="the duration in seconds (over --minutes)")
    p.add_argument("--initiators", type=int, default=4)
    p.add_argument("--cameras", type=int, default=2)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--tmp", type=Path, help="where the cards and downloads go ($TMPDIR)")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder")
    p.add_argument("--json", type=Path, help="also write the figures here")
    p.add_argument(
        "--restart-every",
        type=lambda text: tuple(float(x) for x in text.split(",")),
        default=RESTART_EVERY,
        metavar="LOW,HIGH",
        help="seconds between a camera's restarts, at random in this range (default 6,20)",
    )
    p.add_argument(
        "--op-bound",
        type=float,
        default=120.0,
        help="seconds after which an operation counts as hung (default 120)",
    )
    p.add_argument(
        "--faults",
        type=json.loads,
        help='always these faults (soak_camera\'s JSON, e.g. \'{"quirks": ["nagle"]}\') '
        "instead of random ones: to chase one problem",
    )
    return p.parse_args(argv)


# -- setup --------------------------------------------------------------------------------------
def make_card(root: Path, rng: random.Random) -> dict[str, dict[str, Any]]:
    """A card of random files (the manifest: relative path → size, sha256)."""
    folder = root / STABLE_FOLDER
    folder.mkdir(parents=True)
    (root / UPLOAD_FOLDER).mkdir()
    manifest: dict[str, dict[str, Any]] = {}
    number = 0
    for count, low, high in CARD:
        for _ in range(count):
            number += 1
            data = rng.randbytes(rng.randint(low, high))
            rel = f"{STABLE_FOLDER}/IMG_{number:04d}.JPG"
            (root / rel).write_bytes(data)
            manifest[rel] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    return manifest


def random_faults(rng: random.Random) -> tuple[dict[str, Any], list[str]]:
    """A camera's next misbehaviour (as soak_camera's JSON) and its kinds, for counting."""
    spec: dict[str, Any] = {}
    kinds: list[str] = []
    if rng.random() < 0.2:
        return spec, ["none (a clean run)"]
    if rng.random() < 0.35:
        ops = rng.sample(
            [
                Op.GetObjectInfo,
                Op.GetObject,
                Op.GetObjectHandles,
                Op.SendObject,
                Op.GetDevicePropValue,
                Op.GetPartialObject,
            ],
            2,
        )
        spec["delay"] = {str(int(op)): round(rng.uniform(0.01, 0.6), 3) for op in ops}
        kinds.append("delay")
    if rng.random() < 0.35:
        spec["drop_after_bytes"] = rng.choice([0, 1_000, 60_000, 700_000, 3_000_000])
        ops = rng.choice(
            [
                [Op.GetObject],
                [Op.SendObject],
                [Op.GetPartialObject],
                [Op.GetObject, Op.SendObject, Op.GetPartialObject],
            ]
        )
        spec["drop_operations"] = [int(op) for op in ops]
        kinds.append("drop mid-phase")
    roll = rng.random()
    if roll < 0.2:
        spec["split_writes"] = rng.choice([64, 512, 1460, 4096])
        kinds.append("split writes")
    elif roll < 0.35:
        spec["coalesce"] = True
        kinds.append("coalesced writes")
    if rng.random() < 0.3:
        spec["random_drops"] = round(rng.uniform(2.0, 10.0), 2)
        kinds.append("random drops")
    if rng.random() < 0.1:
        spec["fail"] = {str(int(Op.InitiateCapture)): int(ResponseCode.DeviceBusy)}
        kinds.append("busy")
    quirks = [q for q in QUIRKS if rng.random() < 0.12]
    if quirks:
        spec["quirks"] = quirks
        kinds += [f"quirk {q}" for q in quirks]
    return spec, kinds or ["none (a clean run)"]


class Camera:
    """A soak_camera process and its command line."""

    def __init__(self, index: int, root: Path, logdir: Path, loop: str) -> None:
        self.index = index
        self.root = root
        self.child = procs.start(
            [sys.executable, "-m", "bench.soak_camera", str(root), "--port", "0", "--loop", loop],
            logdir=logdir,
            tag=f"camera{index}",
            cwd=ROOT,
            env=CHILD_ENV,
            stdin=True,
        )
        line = procs.wait_for_line(self.child, '"event": "listening"', 60)
        self.port = int(json.loads(line)["port"])
        self._id = 0

    def ask(self, command: dict[str, Any], timeout: float = 60) -> dict[str, Any]:
        self._id += 1
        self.child.send(json.dumps({"id": self._id, **command}))
        line = procs.wait_for_line(self.child, f'{{"id": {self._id}, ', timeout)
        answer: dict[str, Any] = json.loads(line)
        return answer

    def stats(self) -> dict[str, int]:
        return self.ask({"cmd": "stats"})


def quiet_stats(camera: Camera, limit: float = 30.0) -> dict[str, int]:
    """The camera's figures once no initiator is connected (waits up to ``limit`` s)."""
    deadline = time.monotonic() + limit
    while True:
        stats = camera.stats()
        if stats["sessions"] == 0 or time.monotonic() > deadline:
            time.sleep(0.5)  # closed connections finish closing
            return camera.stats()
        time.sleep(0.2)


#: Lines asyncio adds below the first line of its complaints.
_DETAILS = ("handle:", "future:", "task:", "protocol:", "transport:", "message:")


def noise(text: str) -> list[str]:
    """Each distinct complaint in a process's stderr (the soak's processes print nothing
    there when all is well: a traceback, asyncio's "never retrieved" or a logged error
    is a bug), once, with how often: its first line and the exception it ends with."""
    blocks: list[list[str]] = []
    in_traceback = False
    ended = True  # the last block's traceback (if any) has ended
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("Traceback"):
            if ended or not blocks:
                blocks.append([])
            blocks[-1].append(line)
            in_traceback, ended = True, False
        elif line.startswith((" ", "\t", *_DETAILS)):
            if blocks:
                blocks[-1].append(line)
        elif in_traceback:  # the exception that ends it
            blocks[-1].append(line)
            in_traceback, ended = False, True
        else:  # a line of its own: a message, or the header of a traceback to come
            blocks.append([line])
            ended = False
    counts: Counter[str] = Counter()
    for block in blocks:
        head = block[0].strip()[:160]
        last = block[-1].strip()[:200]
        counts[head if len(block) == 1 else f"{head} ... {last}"] += 1
    return [f"{line} (x{count})" for line, count in counts.items()]


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    seconds = args.seconds if args.seconds is not None else args.minutes * 60
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 30)
    rng = random.Random(seed)
    procs.install_cleanup()
    tmp = Path(tempfile.mkdtemp(prefix="ptpkit-soak-", dir=args.tmp))
    print(
        f"soak: {seconds:.0f} s, {args.initiators} initiators, {args.cameras} cameras, "
        f"seed {seed}, in {tmp}",
        flush=True,
    )
    try:
        return _run(args, seconds, seed, rng, tmp)
    finally:
        procs.kill_all()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


def _run(args: argparse.Namespace, seconds: float, seed: int, rng: random.Random, tmp: Path) -> int:
    logs = tmp / "logs"
    cards = []
    cameras = []
    for index in range(args.cameras):
        root = tmp / f"card{index}"
        cards.append((root, make_card(root, rng)))
        loop = "uvloop" if index % 2 else "asyncio"
        cameras.append(Camera(index, root, logs, loop))
    downloads = tmp / "downloads"
    go = tmp / "go"
    # a warm-up (no faults) fills caches and buffers before the first samples
    warmup = min(20.0, max(5.0, seconds / 10))
    workers = []
    for number in range(args.initiators):
        (tmp / "uploads" / f"w{number}").mkdir(parents=True)
        config = {
            "worker": number,
            "seed": rng.randrange(1 << 30),
            "loop": "uvloop" if number % 2 else "asyncio",
            "cameras": [
                {"index": c.index, "port": c.port, "root": str(c.root), "manifest": manifest}
                for c, (_, manifest) in zip(cameras, cards, strict=True)
            ],
            "download_dir": str(downloads / f"w{number}"),
            "upload_dir": str(tmp / "uploads" / f"w{number}"),
            "warm_file": str(tmp / f"warm{number}"),
            "go_file": str(go),
            "report": str(tmp / f"report{number}.json"),
            "warmup_seconds": warmup,
            "op_bound": args.op_bound,
        }
        path = tmp / f"worker{number}.json"
        path.write_text(json.dumps(config))
        workers.append(
            procs.start(
                [sys.executable, "-m", "bench.soak_worker", str(path)],
                logdir=logs,
                tag=f"worker{number}",
                cwd=ROOT,
                env=CHILD_ENV,
            )
        )
    # warm-up, then the first samples
    limit = time.monotonic() + 300
    while not all((tmp / f"warm{n}").exists() for n in range(args.initiators)):
        if any(procs.exited(w) for w in workers) or time.monotonic() > limit:
            print("soak: an initiator failed during the warm-up", file=sys.stderr)
            for w in workers:
                print(w.errors()[-3000:], file=sys.stderr)
            return 1
        time.sleep(0.1)
    camera_start = [quiet_stats(c) for c in cameras]
    deadline = time.time() + seconds
    go.write_text(str(deadline))
    # the faults: restarts with new misbehaviour
    faults: Counter[str] = Counter()
    every = args.restart_every
    next_restart = [time.monotonic() + rng.uniform(*every) for _ in cameras]
    schedule: list[str] = []  # when each camera changed its faults, and to what
    timeline: list[list[int]] = [[] for _ in cameras]  # RSS (KiB) every few seconds
    next_sample = time.monotonic()
    while time.time() < deadline:
        if time.monotonic() >= next_sample:
            next_sample += 5.0
            for i, camera in enumerate(cameras):
                timeline[i].append(camera.stats()["rss_kib"])
        for i, camera in enumerate(cameras):
            if time.monotonic() >= next_restart[i]:
                spec, kinds = random_faults(rng)
                if args.faults is not None:
                    spec, kinds = args.faults, [json.dumps(args.faults, sort_keys=True)]
                down = round(rng.uniform(*DOWN_FOR), 2)
                camera.ask({"cmd": "restart", "faults": spec, "down": down})
                stamp = time.strftime("%H:%M:%S")
                schedule.append(f"{stamp} camera {i}: {json.dumps(spec, sort_keys=True)}")
                faults["camera restarts"] += 1
                faults.update(kinds)
                next_restart[i] = time.monotonic() + rng.uniform(*every)
        time.sleep(0.1)
    finished = [w.wait(max(10.0, deadline - time.time()) + 300) for w in workers]
    camera_end = [quiet_stats(c) for c in cameras]
    for camera in cameras:
        camera.ask({"cmd": "stop"})
        camera.child.wait(30)
    reports = []
    verdict = Verdict()
    for number, done in enumerate(finished):
        report_path = tmp / f"report{number}.json"
        if done.returncode != 0 or not report_path.exists():
            verdict.unexpected.append(
                f"initiator {number} exited {done.returncode}: {done.stderr[-1500:]}"
            )
        if report_path.exists():
            reports.append(json.loads(report_path.read_text()))
    for label, text in [(f"initiator {n}", w.errors()) for n, w in enumerate(workers)] + [
        (f"camera {c.index}", c.child.errors()) for c in cameras
    ]:
        verdict.unexpected += [f"{label} printed: {line}" for line in noise(text)]
    for index, end in enumerate(camera_end):
        if end["temp_files"]:
            verdict.leaks.append(f"camera {index}: {end['temp_files']} temporary upload files")
    check_disks(cards, downloads, reports, verdict)
    processes = [
        (f"camera {i}", s, e) for i, (s, e) in enumerate(zip(camera_start, camera_end, strict=True))
    ]
    processes += [
        (f"initiator {r['worker']}", r["samples"]["start"], r["samples"]["end"])
        for r in reports
        if "start" in r["samples"] and "end" in r["samples"]
    ]
    lines = summary(
        seconds=seconds,
        seed=seed,
        reports=reports,
        faults=faults,
        processes=processes,
        verdict=verdict,
    )
    print("\n".join(lines), flush=True)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "seconds": seconds,
                    "seed": seed,
                    "ok": verdict.ok,
                    "problems": verdict.problems,
                    "leaks": verdict.leaks,
                    "unexpected": verdict.unexpected,
                    "faults": dict(faults),
                    "camera_rss_timeline_kib": timeline,
                    "schedule": schedule,
                    "reports": [
                        {k: v for k, v in r.items() if k not in ("pending", "uploads")}
                        for r in reports
                    ],
                    "summary": lines,
                },
                indent=1,
            )
        )
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main())
