"""``python -m bench --profile``: where the time goes, on both sides.

Each ptpkit case runs once (its timed part repeated a few times) with both processes
sampled: by py-spy when it is on PATH (or named by ``$PTPKIT_BENCH_PYSPY``) — sampling
the real processes (250 Hz), idle time included, so that the shares are of wall time —
else by cProfile (the emulator under ``python -m cProfile``, the worker's timed part
under :class:`cProfile.Profile`; cProfile slows Python code several times, so only its
shares count). Summaries go to ``bench/profiles/<case>-{client,emulator}.txt``.
"""

from __future__ import annotations

import io
import os
import pstats
import re
import shutil
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench import fixtures, procs
from bench.harness import Context

OUT = Path(__file__).resolve().parent / "profiles"
#: py-spy samples per second: at 1 kHz on a 2-core machine the sampler itself competes
#: for the CPUs and inflates system-call time several-fold; 250 Hz leaves timings intact.
RATE = 250
#: Leaf frames in which a process waits for the other side: asyncio's select/epoll. Under
#: uvloop the loop is C code that py-spy does not see: its time (waiting, and uvloop's own
#: reads and writes) shows as the Python frame that started the loop (_IN_LOOP).
_IDLE = re.compile(r"^(\w+\.)?(select|poll) \((selectors|asyncio/base_events)\.py")
_IN_LOOP = re.compile(
    r"^(\w+\.)?(run|run_loop|run_until_complete|run_forever) "
    r"\((asyncio/runners|asyncio/base_events|ptpkit/cli/common|ptpkit/cli/base)\.py"
)


#: Set by ``--cprofile``: use cProfile even where py-spy is found.
FORCE_CPROFILE = False


def pyspy_path() -> str | None:
    if FORCE_CPROFILE:
        return None
    return os.environ.get("PTPKIT_BENCH_PYSPY") or shutil.which("py-spy")


# -- summaries -----------------------------------------------------------------------------------
def _cprofile_summary(prof: Path, title: str, extra: str = "") -> str:
    buf = io.StringIO()
    stats = pstats.Stats(str(prof), stream=buf)
    stats.strip_dirs()
    buf.write(f"# {title} (cProfile)\n{extra}\n## by own time (tottime)\n")
    stats.sort_stats("tottime").print_stats(30)
    buf.write("\n## by cumulative time\n")
    stats.sort_stats("cumulative").print_stats(30)
    return buf.getvalue()


def _frames(stack: str) -> list[str]:
    return [f for f in stack.split(";") if f]


def _function(frame: str) -> str:
    """``name (file.py:123)`` → ``name (file.py)``."""
    return re.sub(r":\d+\)$", ")", frame)


def pyspy_summary(raw: Path, title: str, extra: str = "", top: int = 35) -> str:
    """Self and inclusive shares of py-spy's collapsed stacks (``--format raw``), for the
    main thread (the event loop); other threads (an executor's) are counted apart."""
    self_line: Counter[str] = Counter()
    self_fn: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    total = idle = in_loop = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [f for f in _frames(stack) if not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        if "_bootstrap (threading.py" in frames[0]:
            threads[_function(frames[-1])] += count
            continue
        total += count
        leaf = frames[-1]
        if _IDLE.match(leaf):
            idle += count
        elif _IN_LOOP.match(leaf):
            in_loop += count
        self_line[leaf] += count
        self_fn[_function(leaf)] += count
        for fn in {_function(f) for f in frames}:
            inclusive[fn] += count
    if not total:
        return f"# {title} (py-spy)\nno samples\n"

    def pct(n: int) -> str:
        return f"{100 * n / total:5.1f}%"

    out = [
        f"# {title} (py-spy, {RATE} Hz, idle included: shares are of the main thread's wall time)",
        extra,
        f"main thread: {total} samples ({total / RATE:.1f} s); waiting in asyncio's "
        f"select/epoll: {pct(idle)}; inside uvloop's C loop (waiting, or its own reads and "
        f"writes): {pct(in_loop)}; running Python (or a system call made from it): "
        f"{pct(total - idle - in_loop)}",
    ]
    if threads:
        busy = ", ".join(f"{fn} {n / RATE:.2f} s" for fn, n in threads.most_common(5))
        out.append(f"other threads (by leaf, blocked or busy): {busy}")
    out += ["", "## own time by function"]
    out += [f"{pct(n)}  {fn}" for fn, n in self_fn.most_common(top)]
    out += ["", "## own time by line"]
    out += [f"{pct(n)}  {fr}" for fr, n in self_line.most_common(top)]
    out += ["", "## inclusive time by function"]
    out += [f"{pct(n)}  {fn}" for fn, n in inclusive.most_common(top)]
    return "\n".join(out) + "\n"


# -- one profiled case ----------------------------------------------------------------------------
def _one(
    ctx: Context,
    name: str,
    card: Path,
    spec: dict[str, Any],
    *,
    writable: bool = False,
    timeout: float = 600,
) -> None:
    pyspy = pyspy_path()
    emu_prof = ctx.root / f"{name}-emulator.prof"
    client_prof = ctx.root / f"{name}-client.prof"
    OUT.mkdir(exist_ok=True)
    emu = ctx.emulator(
        [card],
        writable=writable,
        tag=f"emulator-profile-{name}",
        profile=None if pyspy else str(emu_prof),
    )
    spy: procs.Child | None = None
    try:
        if spec["case"] == "list":  # warm the emulator's caches first, unsampled
            ctx.worker({"case": "list", "port": emu.port}, timeout)
        spec = {**spec, "port": emu.port}
        if pyspy:
            spy = procs.start(
                [
                    pyspy,
                    "record",
                    "--pid",
                    str(emu.child.pid),
                    "--rate",
                    str(RATE),
                    "--idle",
                    "--format",
                    "raw",
                    "--output",
                    str(emu_prof),
                ],
                logdir=ctx.logs,
                tag=ctx.tag(f"pyspy-emulator-{name}"),
                env=ctx.env(),
            )
            time.sleep(1.0)  # attached
            done = procs.run(
                [
                    pyspy,
                    "record",
                    "--rate",
                    str(RATE),
                    "--idle",
                    "--format",
                    "raw",
                    "--output",
                    str(client_prof),
                    "--",
                    *ctx.worker_argv(spec),
                ],
                timeout=timeout,
                logdir=ctx.logs,
                tag=ctx.tag(f"pyspy-client-{name}"),
                env=ctx.env(),
            ).check()
            result = done.json_lines()[-1] if done.json_lines() else {}
        else:
            result, _ = ctx.worker({**spec, "profile": str(client_prof)}, timeout)
    finally:
        if spy is not None:
            os.kill(spy.pid, signal.SIGINT)  # py-spy writes its file and exits
            spy.wait(60)
        emu.stop()
    extra = f"worker result: {result}"
    summarise = pyspy_summary if pyspy else _cprofile_summary
    (OUT / f"{name}-client.txt").write_text(summarise(client_prof, f"{name}: client", extra))
    if emu_prof.exists():
        (OUT / f"{name}-emulator.txt").write_text(summarise(emu_prof, f"{name}: emulator", ""))
    print(f"  {name}: {OUT / (name + '-{client,emulator}.txt')}", flush=True)


def _concurrency(ctx: Context) -> None:
    """The emulator serving many initiators at once (py-spy only: it samples the server)."""
    pyspy = pyspy_path()
    if not pyspy:
        return
    from bench.harness import results_of, wait_ready, wait_results

    n = ctx.sizes.initiators
    card = ctx.path("conc-card")
    fixtures.big_file(card / "C.MOV", ctx.sizes.concurrent_each)
    emu = ctx.emulator([card], tag="emulator-profile-concurrency")
    emu_prof = ctx.root / "concurrency-emulator.prof"
    workers = [
        ctx.start_worker(
            {
                "case": "download",
                "port": emu.port,
                "name": "C.MOV",
                "sync": True,
                "dest": str(ctx.path("profile-conc") / f"{i}.bin"),
            }
        )
        for i in range(n)
    ]
    spy: procs.Child | None = None
    try:
        wait_ready(workers, 120)
        spy = procs.start(
            [
                pyspy,
                "record",
                "--pid",
                str(emu.child.pid),
                "--rate",
                str(RATE),
                "--idle",
                "--format",
                "raw",
                "--output",
                str(emu_prof),
            ],
            logdir=ctx.logs,
            tag=ctx.tag("pyspy-emulator-concurrency"),
            env=ctx.env(),
        )
        time.sleep(1.0)
        for rep in range(3):
            for w in workers:
                w.send("go")
            wait_results(workers, rep + 1, 600)
        result = {
            "round_seconds": max(r["end"] for w in workers for r in results_of(w))
            - min(r["start"] for w in workers for r in results_of(w))
        }
    finally:
        if spy is not None:
            os.kill(spy.pid, signal.SIGINT)
            spy.wait(60)
        for w in workers:
            w.terminate(5)
        emu.stop()
    (OUT / "concurrency-emulator.txt").write_text(
        pyspy_summary(
            emu_prof,
            f"concurrency: emulator serving {n} initiators x 3 rounds",
            f"{n} x {ctx.sizes.concurrent_each >> 20} MiB per round; {result}",
        )
    )
    print(f"  concurrency: {OUT / 'concurrency-emulator.txt'}", flush=True)


def run(ctx: Context) -> None:
    size = ctx.sizes.transfer
    dl = ctx.path("dl-card")
    src = fixtures.big_file(dl / "BIG.MOV", size)
    out = ctx.path("profile-out")
    tool = "py-spy" if pyspy_path() else "cProfile"
    print(
        f"== profiles ({tool}; {size >> 20} MiB transfers, {ctx.sizes.listing_objects} objects)",
        flush=True,
    )
    dest = str(out / "BIG.MOV")
    _one(ctx, "download", dl, {"case": "download", "name": "BIG.MOV", "dest": dest, "repeat": 5})
    _one(
        ctx,
        "download-partial",
        dl,
        {"case": "download", "name": "BIG.MOV", "mode": "partial", "dest": dest, "repeat": 5},
    )
    _one(
        ctx,
        "upload",
        ctx.path("profile-ul"),
        {"case": "upload", "src": str(src), "repeat": 5},
        writable=True,
    )
    card = fixtures.card(
        ctx.root / "list-card", ctx.sizes.listing_objects, per_folder=ctx.sizes.per_folder
    )
    _one(ctx, "listing", card, {"case": "list", "ops": True, "repeat": 5})
    _concurrency(ctx)
    print(f"python {sys.version.split()[0]}; summaries in {OUT}", flush=True)
