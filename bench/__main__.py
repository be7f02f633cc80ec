"""``python -m bench [--quick]``: ptpkit against the physical limit and gphoto2 (issue 5).

Writes ``bench/results.json`` and ``bench/results.md`` (the table printed at the end).
``--profile`` instead runs each ptpkit case once under cProfile (see bench/profile.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench import cases, procs, report
from bench.harness import Context, GiB, Sizes, find_gphoto2, gphoto2_version, sizes_dict

HERE = Path(__file__).resolve().parent
MARGIN = 2 * GiB  # left free on the temp dir's disk


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--quick", action="store_true", help="smaller sizes (about two minutes)")
    p.add_argument("--only", default="", help=f"comma-separated cases: {','.join(cases.CASES)}")
    p.add_argument("--reps", type=int, help="repetitions of each case")
    p.add_argument("--tmp", type=Path, help="where temporary data goes (default: $TMPDIR)")
    p.add_argument("--keep", action="store_true", help="keep the temporary data")
    p.add_argument(
        "--loop",
        choices=("auto", "asyncio", "uvloop"),
        default="auto",
        help="event loop of the client workers, `ptpkit ls` and the emulator; "
        "auto (default): as ptpkit ships, uvloop when installed",
    )
    p.add_argument("--out", type=Path, default=HERE / "results.json")
    p.add_argument("--no-install", action="store_true", help="never apt-get install gphoto2")
    p.add_argument(
        "--cprofile",
        action="store_true",
        help="with --profile: use cProfile even when py-spy is found",
    )
    p.add_argument(
        "--profile",
        action="store_true",
        help="profile each ptpkit case once (bench/profiles/) instead of timing",
    )
    return p.parse_args(argv)


def compile_bytecode() -> None:
    """Byte-compile ptpkit and bench/ first, as an installed package is: the processes
    the benchmark starts run with PYTHONDONTWRITEBYTECODE (nothing written into the
    repository while they run), so without this every `ptpkit ls` timed would compile
    ptpkit's sources anew (an editable install has no .pyc files of its own)."""
    import compileall

    import ptpkit

    for folder in (Path(ptpkit.__file__).parent, Path(__file__).parent):
        compileall.compile_dir(folder, quiet=1)


def main(argv: list[str]) -> int:
    args = parse(argv)
    procs.install_cleanup()
    if args.loop == "uvloop":
        try:
            import uvloop  # noqa: F401
        except ImportError:
            raise SystemExit("bench: --loop uvloop needs uvloop (pip install uvloop)") from None
    sizes = Sizes.quick() if args.quick else Sizes.full()
    if args.reps:
        sizes.reps = args.reps
    chosen = [c for c in args.only.split(",") if c] or list(cases.CASES)
    unknown = set(chosen) - set(cases.CASES)
    if unknown:
        raise SystemExit(f"bench: unknown case(s) {', '.join(sorted(unknown))}")
    base = args.tmp or Path(tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(base).free
    notes = sizes.shrink_to(free, MARGIN)
    for note in notes[-1:]:
        print(f"bench: {note}", flush=True)
    root = Path(tempfile.mkdtemp(prefix="ptpkit-bench-", dir=base))
    ctx = Context(root=root, sizes=sizes, loop=args.loop, notes=notes)
    compile_bytecode()
    started = time.monotonic()
    try:
        if args.profile:
            from bench import profile

            profile.FORCE_CPROFILE = args.cprofile
            profile.run(ctx)
            return 0
        ctx.gphoto2, ctx.gphoto2_missing = find_gphoto2(install=not args.no_install)
        if ctx.gphoto2_missing:
            print(f"bench: {ctx.gphoto2_missing}; gphoto2 figures will be null", flush=True)
        mode = "quick" if args.quick else "full"
        print(
            f"bench: {mode} run in {root} ({free / GiB:.0f} GiB free), cases: {', '.join(chosen)}",
            flush=True,
        )
        sections = {name: cases.timed(ctx, name) for name in chosen}
        head = report.headline(sections)
        results = {
            "schema": 1,
            "mode": mode,
            "generated": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "command": " ".join([Path(sys.executable).name, "-m", "bench", *argv]),
            "cases_run": chosen,
            **{k: head[k] for k in report.TARGETS},
            "headline": head,
            "targets": report.verdicts(head),
            "null_reasons": report.null_reasons(head, sections, ctx.errors, ctx.gphoto2_missing),
            "machine": report.machine(args.loop, gphoto2_version(ctx.gphoto2)),
            "config": {
                **sizes_dict(sizes),
                "emulator": "python -m ptpkit serve DIR --port 0 "
                "--rescan-interval 0 (a separate process)",
                "notes": ctx.notes,
            },
            "sections": sections,
            "errors": ctx.errors,
            "total_seconds": round(time.monotonic() - started, 1),
        }
        table = report.table(results)
        tmp = args.out.with_name(args.out.name + ".tmp")
        tmp.write_text(json.dumps(results, indent=2) + "\n")
        tmp.replace(args.out)
        args.out.with_suffix(".md").write_text(table + "\n")
        print()
        print(table)
        print(
            f"\nwrote {args.out} and {args.out.with_suffix('.md')} "
            f"in {results['total_seconds']:.0f} s",
            flush=True,
        )
        return 0 if not ctx.errors else 1
    finally:
        procs.kill_all()
        if args.keep:
            print(f"bench: kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
