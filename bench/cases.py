"""The five benchmark cases of issue 5, each measured side by side with its baselines.

Repetitions are interleaved (raw, ptpkit, gphoto2, raw, ptpkit, …) so that drift in the
machine's speed hits every contender alike. A contender that fails is recorded in
``errors`` and skipped for the rest of the run; the others go on.
"""

from __future__ import annotations

import contextlib
import os
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench import fixtures, procs
from bench.harness import (
    GB,
    Context,
    Emulator,
    MiB,
    med,
    ratio,
    results_of,
    summary,
    wait_ready,
    wait_results,
)


def _timeout(size: int) -> float:
    """Generous: 60 s plus the size at 20 MB/s."""
    return 60.0 + size / 20e6


class Contenders:
    """Per-contender failure bookkeeping: the first error is kept, later reps skipped."""

    def __init__(self, ctx: Context, case: str) -> None:
        self.ctx = ctx
        self.case = case
        self.failed: set[str] = set()

    @contextlib.contextmanager
    def attempt(self, name: str) -> Iterator[bool]:
        if name in self.failed:
            yield False
            return
        try:
            yield True
        except (procs.ChildError, OSError, ValueError, KeyError, AssertionError) as exc:
            self.failed.add(name)
            key = f"{self.case}.{name}"
            self.ctx.errors[key] = f"{type(exc).__name__}: {exc}"[:4000]
            print(f"  ! {key} failed: {str(exc).splitlines()[0][:200]}", flush=True)
            if not isinstance(exc, procs.ChildError):
                traceback.print_exc()

    def ok(self, name: str) -> bool:
        return name not in self.failed


def _unlink(*paths: Path) -> None:
    for p in paths:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def _check_size(path: Path, size: int, what: str) -> None:
    got = path.stat().st_size
    if got != size:
        raise AssertionError(f"{what}: {path.name} has {got} bytes, expected {size}")


def _gbps(nbytes: int, seconds: float) -> float:
    return nbytes / seconds / GB


def _progress(msg: str) -> None:
    print(f"  {msg}", flush=True)


def settle() -> None:
    """Write back whatever is dirty (fixtures, the last contender's files), untimed, so
    that each contender starts from the same state of the page cache."""
    os.sync()


def rotated(
    ctx: Context, c: Contenders, what: str, contenders: list[tuple[str, Callable[[], None]]]
) -> None:
    """Each repetition runs every contender once, starting one further along the list
    each time, so that no contender always follows the same one."""
    for rep in range(ctx.sizes.reps):
        _progress(f"{what} rep {rep + 1}/{ctx.sizes.reps}")
        shift = rep % len(contenders)
        for name, run in contenders[shift:] + contenders[:shift]:
            settle()
            with c.attempt(name) as go:
                if go:
                    run()


# -- 1. large download ------------------------------------------------------------------------
def download(ctx: Context) -> dict[str, Any]:
    size = ctx.sizes.transfer
    card = ctx.path("dl-card")
    src = fixtures.big_file(card / "BIG.MOV", size)
    out = ctx.path("dl-out")
    gp_dir = ctx.path("dl-gphoto2")
    c = Contenders(ctx, "download")
    series: dict[str, list[float]] = {
        k: [] for k in ("raw", "raw_discard", "ptpkit", "ptpkit_partial", "gphoto2")
    }
    rss: dict[str, list[float]] = {"ptpkit": [], "ptpkit_partial": [], "gphoto2": []}
    timeout = _timeout(size)

    def raw(name: str, to_disk: bool) -> Callable[[], None]:
        def run() -> None:
            dest = out / "raw.bin"
            try:
                spec = {"case": "raw", "src": str(src), "dest": str(dest), "to_disk": to_disk}
                r, _ = ctx.worker(spec, timeout)
                if to_disk:
                    _check_size(dest, size, name)
                series[name].append(_gbps(r["bytes"], r["seconds"]))
            finally:
                _unlink(dest)

        return run

    def ptpkit(name: str, mode: str) -> Callable[[], None]:
        def run() -> None:
            dest = out / "BIG.MOV"
            try:
                spec = {
                    "case": "download",
                    "port": emu.port,
                    "name": "BIG.MOV",
                    "dest": str(dest),
                    "mode": mode,
                }
                r, done = ctx.worker(spec, timeout)
                _check_size(dest, size, name)
                series[name].append(_gbps(r["bytes"], r["seconds"]))
                rss[name].append(done.maxrss_mib)
            finally:
                _unlink(dest, dest.with_name(dest.name + ".part"))

        return run

    def gphoto2() -> None:
        dest = gp_dir / "BIG.MOV"
        try:
            done = ctx.gphoto2_cmd(
                emu.port,
                "--get-file",
                "1",
                "--force-overwrite",
                tag="gphoto2-get",
                timeout=timeout,
                cwd=gp_dir,
            )
            _check_size(dest, size, "gphoto2")
            series["gphoto2"].append(_gbps(size, done.wall))
            rss["gphoto2"].append(done.maxrss_mib)
        finally:
            _unlink(dest)

    contenders = [
        ("raw", raw("raw", True)),
        ("ptpkit", ptpkit("ptpkit", "object")),
        ("raw_discard", raw("raw_discard", False)),
        ("ptpkit_partial", ptpkit("ptpkit_partial", "partial")),
    ]
    emu = ctx.emulator([card], tag="emulator-download")
    try:
        if ctx.gphoto2 is not None:
            contenders.append(("gphoto2", gphoto2))
            with c.attempt("gphoto2"):  # loads the camlibs once, untimed
                ctx.gphoto2_cmd(emu.port, "--list-files", tag="gphoto2-warmup", timeout=30)
        rotated(ctx, c, "download", contenders)
    finally:
        emu.stop()
    stats = {f"{k}_gbps": summary(v) for k, v in series.items()}
    return {
        "size_bytes": size,
        "repetitions": ctx.sizes.reps,
        **stats,
        "gphoto2_note": None if ctx.gphoto2 else ctx.gphoto2_missing,
        "gphoto2_timing": "wall time of the whole gphoto2 --get-file command",
        "ptpkit_timing": "Camera.download() only, in a worker process (connect untimed)",
        "partial_chunk_bytes": MiB,
        "client_peak_rss_mib": summary(rss["ptpkit"], 1),
        "client_partial_peak_rss_mib": summary(rss["ptpkit_partial"], 1),
        "gphoto2_peak_rss_mib": summary(rss["gphoto2"], 1),
        "emulator_peak_rss_mib": round(emu.peak_rss_mib, 1),
    }


# -- 2. large upload ---------------------------------------------------------------------------
def upload(ctx: Context) -> dict[str, Any]:
    size = ctx.sizes.transfer
    src = fixtures.big_file(ctx.path("dl-card") / "BIG.MOV", size)
    card = ctx.path("ul-card")
    raw_dir = ctx.path("ul-raw")
    c = Contenders(ctx, "upload")
    series: dict[str, list[float]] = {"raw": [], "ptpkit": []}
    client_rss: list[float] = []
    timeout = _timeout(size)

    def raw() -> None:
        dest = raw_dir / "raw.bin"
        try:
            r, _ = ctx.worker({"case": "raw", "src": str(src), "dest": str(dest)}, timeout)
            _check_size(dest, size, "raw")
            series["raw"].append(_gbps(r["bytes"], r["seconds"]))
        finally:
            _unlink(dest)

    def ptpkit() -> None:
        r, done = ctx.worker({"case": "upload", "port": emu.port, "src": str(src)}, timeout)
        if r["object_size"] not in (size, None):
            raise AssertionError(f"uploaded object has {r['object_size']} bytes")
        series["ptpkit"].append(_gbps(r["bytes"], r["seconds"]))
        client_rss.append(done.maxrss_mib)

    emu = ctx.emulator([card], writable=True, tag="emulator-upload")
    try:
        rotated(ctx, c, "upload", [("raw", raw), ("ptpkit", ptpkit)])
    finally:
        emu.stop()
    return {
        "size_bytes": size,
        "repetitions": ctx.sizes.reps,
        "raw_gbps": summary(series["raw"]),
        "ptpkit_gbps": summary(series["ptpkit"]),
        "ptpkit_timing": "Camera.upload() (SendObjectInfo + SendObject + GetObjectInfo) only",
        "client_peak_rss_mib": summary(client_rss, 1),
        "emulator_peak_rss_mib": round(emu.peak_rss_mib, 1),
    }


# -- 3. listing ---------------------------------------------------------------------------------
def listing(ctx: Context) -> dict[str, Any]:
    n = ctx.sizes.listing_objects
    card = fixtures.card(ctx.root / "list-card", n, per_folder=ctx.sizes.per_folder)
    empty = ctx.path("list-empty")
    c = Contenders(ctx, "listing")
    series: dict[str, list[float]] = {
        k: []
        for k in (
            "client_s",
            "client_ops_s",
            "bulk_s",
            "ls_s",
            "ls_mtp_s",
            "gphoto2_mtp_s",
            "ls_empty_s",
            "gphoto2_s",
            "gphoto2_empty_s",
            "pingpong_rt_per_s",
            "pingpong_asyncio_rt_per_s",
            "minimal_exchange_per_s",
        )
    }
    counts: dict[str, Any] = {}
    bulk_note: str | None = None
    list_spec: dict[str, Any] = {"case": "list"}
    emu = ctx.emulator([card], tag="emulator-listing")
    emu_empty = ctx.emulator([empty], tag="emulator-empty")
    # MTP's GetObjectPropList is offered only with --mtp (gphoto2 changes paths with it)
    emu_mtp: Emulator | None = None
    if ctx.emulator_has("--mtp"):
        emu_mtp = ctx.emulator([card], tag="emulator-listing-mtp", extra=["--mtp"])
    else:
        bulk_note = "the emulator has no --mtp option (no GetObjectPropList)"
    list_spec["port"] = emu.port

    def ptpkit_ls(port: int, check: bool) -> float:
        """Wall time of `ptpkit ls` (checking that it printed every object)."""
        argv = ctx.ptpkit_argv("ls", "-H", "127.0.0.1", "-p", str(port))
        done = ctx.command(argv, tag="ptpkit-ls", timeout=300)
        lines = len(done.stdout.splitlines())
        if check and counts.get("objects") and lines != counts["objects"]:
            raise AssertionError(f"ptpkit ls printed {lines} lines")
        return done.wall

    def gphoto2_ls(port: int, check: bool) -> float:
        """Wall time of `gphoto2 --list-files` (checking that it listed every file)."""
        done = ctx.gphoto2_cmd(port, "--list-files", tag="gphoto2-list", timeout=300)
        listed = sum(1 for ln in done.stdout.splitlines() if ln.startswith("#"))
        if check and counts.get("files") and listed != counts["files"]:
            raise AssertionError(f"gphoto2 listed {listed} files")
        return done.wall

    try:
        if emu_mtp is not None:  # warm-up: fill its caches
            with c.attempt("bulk"):
                ctx.worker({"case": "list", "port": emu_mtp.port, "bulk": True}, 300)
        with c.attempt("client"):  # warm-up: the emulator reads and caches every file once
            r, _ = ctx.worker(list_spec, 300)
            counts.update(objects=r["objects"], files=r["files"], folders=r["folders"])
            _progress(f"card: {r['files']} files in {r['folders']} folders")
        if ctx.gphoto2 is not None:
            with c.attempt("gphoto2"):
                ctx.gphoto2_cmd(emu.port, "--list-files", tag="gphoto2-warmup", timeout=300)
        for rep in range(ctx.sizes.reps):
            _progress(f"listing rep {rep + 1}/{ctx.sizes.reps}")
            with c.attempt("pingpong") as go:
                if go:
                    r, _ = ctx.worker(
                        {"case": "pingpong", "rounds": ctx.sizes.pingpong_rounds}, 120
                    )
                    series["pingpong_rt_per_s"].append(r["round_trips_per_s"])
            with c.attempt("pingpong_asyncio") as go:
                if go:
                    r, _ = ctx.worker(
                        {"case": "pingpong_asyncio", "rounds": ctx.sizes.pingpong_rounds}, 120
                    )
                    series["pingpong_asyncio_rt_per_s"].append(r["round_trips_per_s"])
            with c.attempt("minimal_exchange") as go:
                if go:
                    r, _ = ctx.worker(
                        {"case": "exchange_asyncio", "rounds": ctx.sizes.pingpong_rounds}, 120
                    )
                    series["minimal_exchange_per_s"].append(r["round_trips_per_s"])
            with c.attempt("client") as go:
                if go:
                    r, _ = ctx.worker({**list_spec, "ops": True}, 300)
                    series["client_s"].append(r["seconds"])
                    series["client_ops_s"].append(r["ops_seconds"])
                    counts["ops_transactions"] = r["ops_transactions"]
            with c.attempt("bulk") as go:
                if go and emu_mtp is not None:
                    r, _ = ctx.worker({"case": "list", "port": emu_mtp.port, "bulk": True}, 300)
                    if "bulk_seconds" in r:
                        series["bulk_s"].append(r["bulk_seconds"])
                        for key in ("bulk_objects", "bulk_method", "bulk_transactions"):
                            counts[key] = r[key]
                    else:
                        bulk_note = r.get("bulk_error")
            for label, server in (("", emu), ("_mtp", emu_mtp)):
                if server is None:
                    continue
                with c.attempt("ptpkit_ls" + label) as go:
                    if go:
                        series["ls" + label + "_s"].append(ptpkit_ls(server.port, True))
                if ctx.gphoto2 is not None:
                    with c.attempt("gphoto2" + label) as go:
                        if go:
                            series["gphoto2" + label + "_s"].append(gphoto2_ls(server.port, True))
            with c.attempt("ptpkit_ls") as go:
                if go:
                    series["ls_empty_s"].append(ptpkit_ls(emu_empty.port, False))
            if ctx.gphoto2 is not None:
                with c.attempt("gphoto2") as go:
                    if go:
                        series["gphoto2_empty_s"].append(gphoto2_ls(emu_empty.port, False))
    finally:
        emu_empty.stop()
        emu.stop()
        if emu_mtp is not None:
            emu_mtp.stop()
    objects = counts.get("objects") or n

    def per_s(key: str) -> dict[str, Any] | None:
        return summary([objects / s for s in series[key]], 1)

    bulk = summary([counts.get("bulk_objects", objects) / s for s in series["bulk_s"]], 1)
    return {
        **counts,
        "card": f"{n} files, {ctx.sizes.per_folder} per folder under DCIM/",
        "repetitions": ctx.sizes.reps,
        "client_objects_per_s": per_s("client_s"),
        "client_ops_objects_per_s": per_s("client_ops_s"),
        "ptpkit_ls_objects_per_s": per_s("ls_s"),
        "gphoto2_objects_per_s": per_s("gphoto2_s"),
        "ptpkit_ls_mtp_objects_per_s": per_s("ls_mtp_s"),
        "gphoto2_mtp_objects_per_s": per_s("gphoto2_mtp_s"),
        "mtp_note": (
            "the same commands against the emulator with --mtp (GetObjectPropList offered); "
            "gphoto2 stays on its generic path there (one GetObjectInfo per object)"
        ),
        "bulk_objects_per_s": bulk,
        "bulk_note": None if series["bulk_s"] else bulk_note,
        "pingpong_round_trips_per_s": summary(series["pingpong_rt_per_s"], 1),
        "pingpong_asyncio_round_trips_per_s": summary(series["pingpong_asyncio_rt_per_s"], 1),
        "minimal_exchange_per_s": summary(series["minimal_exchange_per_s"], 1),
        "pingpong_note": (
            "the ceiling: blocking sockets in two processes, a 22-byte request and a 14-byte "
            "response; the asyncio figure is the same exchange with asyncio protocols (no "
            "streams) on both ends, on the run's loop; minimal_exchange_per_s is the real "
            "GetObjectInfo exchange (ptpkit's bytes, a real ObjectInfo decoded) between a "
            "raw-struct asyncio client and responder: the floor of Python work for it"
        ),
        "client_seconds": summary(series["client_s"]),
        "ptpkit_ls_wall_s": summary(series["ls_s"]),
        "ptpkit_ls_empty_wall_s": summary(series["ls_empty_s"]),
        "gphoto2_wall_s": summary(series["gphoto2_s"]),
        "gphoto2_empty_wall_s": summary(series["gphoto2_empty_s"]),
        "timing": (
            "client: Camera.list_objects(folders=True) in a worker (connect untimed); "
            "client_ops: the bare GetObjectHandles + GetObjectInfo loop; ptpkit ls and "
            "gphoto2 --list-files: wall time of the command; objects = files + folders"
        ),
        "emulator_peak_rss_mib": round(emu.peak_rss_mib, 1),
    }


# -- 4. memory -------------------------------------------------------------------------------------
def memory(ctx: Context) -> dict[str, Any]:
    size = ctx.sizes.memory
    card = ctx.path("mem-card")
    src = fixtures.big_file(card / "HUGE.MOV", size, sparse=True)
    out = ctx.path("mem-out")
    ul_card = ctx.path("mem-ul-card")
    c = Contenders(ctx, "memory")
    timeout = _timeout(size) + 60
    result: dict[str, Any] = {
        "size_bytes": size,
        "sparse": True,
        "repetitions": ctx.sizes.memory_reps,
    }
    client_dl: list[float] = []
    client_ul: list[float] = []
    emu_dl: list[float] = []
    emu_ul: list[float] = []
    speed_dl: list[float] = []
    speed_ul: list[float] = []
    for rep in range(ctx.sizes.memory_reps):
        _progress(f"memory rep {rep + 1}/{ctx.sizes.memory_reps}: download {size // MiB} MiB")
        emu = ctx.emulator([card], tag="emulator-memory-download")
        try:
            if rep == 0:
                with c.attempt("idle_client"):
                    _, done = ctx.worker({"case": "idle", "port": emu.port}, 60)
                    result["client_idle_rss_mib"] = round(done.maxrss_mib, 1)
            dest = out / "HUGE.MOV"
            with c.attempt("download") as go:
                if go:
                    r, done = ctx.worker(
                        {
                            "case": "download",
                            "port": emu.port,
                            "name": "HUGE.MOV",
                            "dest": str(dest),
                        },
                        timeout,
                    )
                    _check_size(dest, size, "memory download")
                    client_dl.append(done.maxrss_mib)
                    speed_dl.append(_gbps(r["bytes"], r["seconds"]))
            _unlink(dest)
        finally:
            fin = emu.stop()
        if c.ok("download"):
            emu_dl.append(fin.maxrss_mib)
        _progress(f"memory rep {rep + 1}/{ctx.sizes.memory_reps}: upload {size // MiB} MiB")
        emu = ctx.emulator([ul_card], writable=True, tag="emulator-memory-upload")
        try:
            with c.attempt("upload") as go:
                if go:
                    r, done = ctx.worker(
                        {"case": "upload", "port": emu.port, "src": str(src)}, timeout
                    )
                    client_ul.append(done.maxrss_mib)
                    speed_ul.append(_gbps(r["bytes"], r["seconds"]))
        finally:
            fin = emu.stop()
        for leftover in ul_card.iterdir():
            _unlink(leftover)
        if c.ok("upload"):
            emu_ul.append(fin.maxrss_mib)
    idle = ctx.emulator([ctx.path("mem-empty")], tag="emulator-idle")
    with c.attempt("idle_emulator"):
        ctx.worker({"case": "idle", "port": idle.port}, 60)
    result["emulator_idle_rss_mib"] = round(idle.stop().maxrss_mib, 1)
    result.update(
        client_download_peak_rss_mib=summary(client_dl, 1),
        client_upload_peak_rss_mib=summary(client_ul, 1),
        emulator_download_peak_rss_mib=summary(emu_dl, 1),
        emulator_upload_peak_rss_mib=summary(emu_ul, 1),
        download_gbps=summary(speed_dl),
        upload_gbps=summary(speed_ul),
        client_peak_rss_mib=round(max(client_dl + client_ul), 1) if client_dl + client_ul else None,
        emulator_peak_rss_mib=round(max(emu_dl + emu_ul), 1) if emu_dl + emu_ul else None,
        measured=(
            "ru_maxrss of each process from os.wait4: a fresh emulator process per transfer, "
            "a fresh client worker per transfer; the headline is the larger of download and "
            "upload"
        ),
    )
    return result


# -- 5. concurrency ---------------------------------------------------------------------------
def _aggregate(rounds: list[list[dict[str, Any]]]) -> list[float]:
    """GB/s of each round: all bytes over first start to last end."""
    speeds = []
    for results in rounds:
        start = min(r["start"] for r in results)
        end = max(r["end"] for r in results)
        speeds.append(sum(r["bytes"] for r in results) / (end - start) / GB)
    return speeds


def concurrency(ctx: Context) -> dict[str, Any]:
    each = ctx.sizes.concurrent_each
    n = ctx.sizes.initiators
    card = ctx.path("conc-card")
    fixtures.big_file(card / "C.MOV", each)
    c = Contenders(ctx, "concurrency")
    result: dict[str, Any] = {
        "bytes_each": each,
        "initiators": n,
        "repetitions": ctx.sizes.reps,
        "method": (
            "n initiator processes (each its own PTP/IP session) start together on a signal; "
            "aggregate = all bytes / (last end - first start); the lone initiator downloads "
            "the object n times in a row (the same bytes). The raw figures: one sendfile "
            "process (a thread per connection) and 1 or n recv_into+write processes. The "
            "cameras figures: one client process, 1 or k emulator processes, the same bytes."
        ),
    }
    timeout = _timeout(each * n)
    emu = ctx.emulator([card], tag="emulator-concurrency")
    single: list[procs.Child] = []
    many: list[procs.Child] = []
    try:
        with c.attempt("initiators"):

            def spec(i: int, tag: str, times: int = 1) -> dict[str, Any]:
                dest = ctx.path("conc-out", tag) / f"{i}.bin"
                return {
                    "case": "download",
                    "port": emu.port,
                    "name": "C.MOV",
                    "dest": str(dest),
                    "sync": True,
                    "times": times,
                }

            # the lone initiator downloads n times in a row: the same bytes as the crowd
            single = [ctx.start_worker(spec(0, "single", n))]
            many = [ctx.start_worker(spec(i, "many")) for i in range(n)]
            wait_ready(single + many, 120)
            one_rounds: list[list[dict[str, Any]]] = []
            many_rounds: list[list[dict[str, Any]]] = []
            for rep in range(ctx.sizes.reps):
                _progress(f"concurrency rep {rep + 1}/{ctx.sizes.reps}: 1 and {n} initiators")
                for child in single:
                    child.send("go")
                wait_results(single, rep + 1, timeout)
                one_rounds.append([results_of(ch)[rep] for ch in single])
                for child in many:
                    child.send("go")
                wait_results(many, rep + 1, timeout)
                many_rounds.append([results_of(ch)[rep] for ch in many])
            for r in (x for rnd in one_rounds + many_rounds for x in rnd):
                if r["file_bytes"] != each or r["bytes"] % each:
                    raise AssertionError(f"a concurrent download has {r['file_bytes']} bytes")
            one = summary(_aggregate(one_rounds))
            agg = summary(_aggregate(many_rounds))
            slowest = [max(x["seconds"] for x in rnd) for rnd in many_rounds]
            fastest = [min(x["seconds"] for x in rnd) for rnd in many_rounds]
            result.update(
                one_initiator_gbps=one,
                many_initiators_gbps=agg,
                many_slowest_s=summary(slowest),
                many_fastest_s=summary(fastest),
            )
        for child in single + many:
            if child.alive():
                with contextlib.suppress(OSError):
                    child.send("quit")
        rss = [ch.wait(30).maxrss_mib for ch in single + many if ch.alive()]
        if rss:
            result["initiator_peak_rss_mib"] = round(max(rss), 1)
    finally:
        for child in single + many:
            if child.alive():
                child.terminate(5)
        result["emulator_peak_rss_mib"] = round(emu.peak_rss_mib, 1)
    result.update(_raw_concurrency(ctx, card / "C.MOV", c))
    result["raw_many_vs_1"] = ratio(
        med(result.get("raw_many_gbps")), med(result.get("raw_one_gbps"))
    )
    result["many_vs_raw_many"] = ratio(
        med(result.get("many_initiators_gbps")), med(result.get("raw_many_gbps"))
    )
    result.update(_cameras(ctx, card, c))
    return result


def _raw_concurrency(ctx: Context, src: Path, c: Contenders) -> dict[str, Any]:
    """The same topology without PTP: one sendfile process (a thread per connection) and
    1 or n receiver processes (recv_into + write), started together."""
    n = ctx.sizes.initiators
    each = ctx.sizes.concurrent_each
    out: dict[str, Any] = {}
    server: procs.Child | None = None
    receivers: list[procs.Child] = []
    with c.attempt("raw"):
        try:
            server = procs.start(
                ctx.worker_argv({"case": "raw_server", "src": str(src)}),
                logdir=ctx.logs,
                tag=ctx.tag("raw-server"),
                env=ctx.env(),
            )
            port = int(procs.wait_for_line(server, "listening on", 60).rsplit(":", 1)[1])

            def spec(i: int, tag: str, times: int = 1) -> dict[str, Any]:
                return {
                    "case": "raw_fetch",
                    "port": port,
                    "size": each,
                    "times": times,
                    "dest": str(ctx.path("conc-out", tag) / f"{i}.bin"),
                }

            single = [ctx.start_worker(spec(0, "raw-single", n))]
            many = [ctx.start_worker(spec(i, "raw-many")) for i in range(n)]
            receivers = single + many
            wait_ready(receivers, 120)
            one_rounds: list[list[dict[str, Any]]] = []
            many_rounds: list[list[dict[str, Any]]] = []
            for rep in range(ctx.sizes.reps):
                _progress(f"raw concurrency rep {rep + 1}/{ctx.sizes.reps}: 1 and {n} receivers")
                for group, rounds in ((single, one_rounds), (many, many_rounds)):
                    for child in group:
                        child.send("go")
                    wait_results(group, rep + 1, _timeout(each * n))
                    rounds.append([results_of(ch)[rep] for ch in group])
            out.update(
                raw_one_gbps=summary(_aggregate(one_rounds)),
                raw_many_gbps=summary(_aggregate(many_rounds)),
            )
        finally:
            for child in receivers:
                if child.alive():
                    with contextlib.suppress(OSError):
                        child.send("quit")
                    child.wait(10)
            if server is not None:
                server.terminate(5)
    return out


def _cameras(ctx: Context, card: Path, c: Contenders) -> dict[str, Any]:
    """One client process downloading from 1 and from k emulator processes at once."""
    k = ctx.sizes.cameras
    each = ctx.sizes.concurrent_each
    emulators: list[Emulator] = []
    worker: procs.Child | None = None
    out: dict[str, Any] = {"cameras": k}
    with c.attempt("cameras"):
        try:
            for _ in range(k):
                emulators.append(ctx.emulator([card], tag="emulator-camera"))
            worker = ctx.start_worker(
                {
                    "case": "multi_camera",
                    "ports": [e.port for e in emulators],
                    "name": "C.MOV",
                    "dest_dir": str(ctx.path("conc-out", "cameras")),
                    "counts": [1, k],
                }
            )
            wait_ready([worker], 120)
            for rep in range(ctx.sizes.reps):
                _progress(f"cameras rep {rep + 1}/{ctx.sizes.reps}: 1 and {k} cameras")
                worker.send("go")
                wait_results([worker], 2 * (rep + 1), _timeout(each * k))
            results = results_of(worker)
            for r in results:
                if r["bytes"] != each * k:
                    raise AssertionError(f"{r['cameras']} cameras moved {r['bytes']} bytes")
            speeds = {
                n: summary([r["bytes"] / r["seconds"] / GB for r in results if r["cameras"] == n])
                for n in (1, k)
            }
            out.update(one_camera_gbps=speeds[1], many_cameras_gbps=speeds[k])
            worker.send("quit")
            out["client_peak_rss_mib"] = round(worker.wait(30).maxrss_mib, 1)
        finally:
            if worker is not None and worker.alive():
                worker.terminate(5)
            rss = [e.stop().maxrss_mib for e in emulators]
            if rss:
                out["emulators_peak_rss_mib"] = round(max(rss), 1)
    out["cameras_vs_1"] = ratio(med(out.get("many_cameras_gbps")), med(out.get("one_camera_gbps")))
    return out


# -- 6. a Nagle camera ----------------------------------------------------------------------------
#: Objects on the card of the no-QUICKACK contender (about 44 ms each: kept small).
NAGLE_SLOW_OBJECTS = 60


def nagle(ctx: Context) -> dict[str, Any]:
    """Listing a camera that writes each packet on its own without TCP_NODELAY (``ptpkit
    serve --quirk nagle``, issue 12): with TCP_QUICKACK after each read (as ptpkit ships)
    and, on a small card, without it (what the delayed ACK costs)."""
    n = ctx.sizes.listing_objects
    card = fixtures.card(ctx.root / "nagle-card", n, per_folder=ctx.sizes.per_folder)
    small = fixtures.card(ctx.root / "nagle-small", NAGLE_SLOW_OBJECTS, per_folder=30)
    c = Contenders(ctx, "nagle")
    series: dict[str, list[float]] = {"quickack": [], "no_quickack": [], "plain": []}
    counts: dict[str, int] = {}
    if not ctx.emulator_has("--quirk"):
        return {"note": "the emulator has no --quirk option"}
    emu = ctx.emulator([card], tag="emulator-nagle", extra=["--quirk", "nagle"])
    emu_small = ctx.emulator([small], tag="emulator-nagle-small", extra=["--quirk", "nagle"])
    emu_plain = ctx.emulator([card], tag="emulator-nagle-plain")
    try:
        with c.attempt("client"):  # warm-up: the emulator reads every file once
            ctx.worker({"case": "list", "port": emu.port}, 300)
        for rep in range(ctx.sizes.reps):
            _progress(f"nagle rep {rep + 1}/{ctx.sizes.reps}")
            for key, server, spec in (
                ("quickack", emu, {}),
                ("plain", emu_plain, {}),
                ("no_quickack", emu_small, {"quickack": False}),
            ):
                with c.attempt(key) as go:
                    if go:
                        r, _ = ctx.worker({"case": "list", "port": server.port, **spec}, 300)
                        counts[key] = r["objects"]
                        series[key].append(r["seconds"] * 1000 / r["objects"])
    finally:
        emu.stop()
        emu_small.stop()
        emu_plain.stop()
    return {
        "objects": counts.get("quickack"),
        "no_quickack_objects": counts.get("no_quickack"),
        "repetitions": ctx.sizes.reps,
        "ms_per_object": summary(series["quickack"], 4),
        "no_quickack_ms_per_object": summary(series["no_quickack"], 4),
        "plain_ms_per_object": summary(series["plain"], 4),
        "timing": (
            "Camera.list_objects(folders=True) in a worker (connect untimed) against "
            "`ptpkit serve --quirk nagle`; plain: the same card without the quirk; "
            "no_quickack: the same client with TCP_QUICKACK switched off, on a card of "
            f"{NAGLE_SLOW_OBJECTS} files"
        ),
    }


CASES: dict[str, Callable[[Context], dict[str, Any]]] = {
    "download": download,
    "upload": upload,
    "listing": listing,
    "memory": memory,
    "concurrency": concurrency,
    "nagle": nagle,
}


def _cpu_times() -> tuple[int, int]:
    with Path("/proc/stat").open() as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def others_busy(seconds: float = 1.0) -> float | None:
    """CPUs kept busy by other processes while the harness sits idle (0 = quiet)."""
    try:
        b0, t0 = _cpu_times()
        time.sleep(seconds)
        b1, t1 = _cpu_times()
    except (OSError, ValueError, IndexError):
        return None
    cpus = os.cpu_count() or 1
    return round((b1 - b0) / max(1, t1 - t0) * cpus, 2)


def busy_note() -> tuple[float | None, str | None]:
    """A warning when other work is loading the machine (it skews every figure)."""
    busy = others_busy()
    if busy is None or busy <= 0.15:
        return busy, None
    return busy, f"other processes kept {busy:.2f} CPUs busy just before this case"


def _cpu_snapshot() -> tuple[float, float, float]:
    """(user+nice+system of the whole machine, steal, ours: this process and its reaped
    children), in CPU seconds."""
    with Path("/proc/stat").open() as f:
        cols = [int(x) for x in f.readline().split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    t = os.times()
    ours = t.user + t.system + t.children_user + t.children_system
    steal = cols[7] if len(cols) > 7 else 0
    return (cols[0] + cols[1] + cols[2]) / tick, steal / tick, ours


def timed(ctx: Context, name: str) -> dict[str, Any]:
    print(f"== {name}", flush=True)
    busy, note = busy_note()
    if note:
        print(f"  ! {note}", flush=True)
    start = time.monotonic()
    before = _cpu_snapshot()
    try:
        section = CASES[name](ctx)
    except (procs.ChildError, OSError, AssertionError, KeyError, ValueError) as exc:
        ctx.errors[name] = f"{type(exc).__name__}: {exc}"[:4000]
        print(f"  ! {name} failed: {str(exc).splitlines()[0][:300]}", flush=True)
        traceback.print_exc()
        section = {}
    after = _cpu_snapshot()
    wall = time.monotonic() - start
    others = max(0.0, (after[0] - before[0]) - (after[2] - before[2]))
    section["case_seconds"] = round(wall, 1)
    section["others_busy_cpus_before"] = busy
    # CPU time the machine spent outside this benchmark while it ran (other processes;
    # kernel softirq work is not counted): a noise gauge, as is the hypervisor's steal
    section["others_cpu_seconds"] = round(others, 1)
    section["steal_cpu_seconds"] = round(after[1] - before[1], 1)
    if note:
        ctx.notes.append(f"{name}: {note}")
    if others > 0.1 * wall:
        msg = (
            f"{name}: other processes used {others:.1f} CPU s during the case's "
            f"{wall:.0f} s: its figures are noisy"
        )
        print(f"  ! {msg}", flush=True)
        ctx.notes.append(msg)
    return section
