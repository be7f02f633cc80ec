"""results.json's headline figures, the targets of issue 5, and the readable table."""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.harness import med, ratio

#: headline key -> (comparison, target, what it is)
TARGETS: dict[str, tuple[str, float, str]] = {
    "download_vs_raw": (">=", 0.85, "ptpkit download / sendfile→recv_into+write"),
    "download_vs_gphoto2": (">=", 3.0, "ptpkit download / gphoto2 --get-file"),
    "upload_vs_raw": (">=", 0.85, "ptpkit upload / sendfile→recv_into+write"),
    "listing_vs_ceiling": (">=", 0.5, "client objects/s / blocking ping-pong round trips/s"),
    "listing_vs_gphoto2": (">=", 2.0, "ptpkit ls objects/s / gphoto2 --list-files objects/s"),
    "client_peak_rss_mib": ("<=", 64.0, "client peak RSS moving the big sparse object"),
    "emulator_peak_rss_mib": ("<=", 64.0, "emulator peak RSS moving the big sparse object"),
    "concurrency_32_vs_1": (">=", 0.8, "32 initiators' aggregate / one initiator"),
    # issue 18: a script calling ptpkit in a loop pays its start-up each time
    "startup_vs_gphoto2": (
        "<=",
        1.0,
        "`ptpkit ls` wall time / `gphoto2 --list-files` wall time, on an empty card",
    ),
    "listing_nagle_ms_per_object": (
        "<=",
        1.0,
        "client ms per object listing a Nagle camera (serve --quirk nagle)",
    ),
}


def headline(sections: dict[str, dict[str, Any]]) -> dict[str, Any]:
    d = sections.get("download", {})
    u = sections.get("upload", {})
    li = sections.get("listing", {})
    nagle = sections.get("nagle", {})
    m = sections.get("memory", {})
    c = sections.get("concurrency", {})
    ptp = med(d.get("ptpkit_gbps"))
    part = med(d.get("ptpkit_partial_gbps"))
    gp = med(d.get("gphoto2_gbps"))
    raw = med(d.get("raw_gbps"))
    client = med(li.get("client_objects_per_s"))
    return {
        "download_vs_raw": ratio(ptp, raw),
        "download_vs_gphoto2": ratio(ptp, gp),
        "upload_vs_raw": ratio(med(u.get("ptpkit_gbps")), med(u.get("raw_gbps"))),
        "listing_vs_ceiling": ratio(client, med(li.get("pingpong_round_trips_per_s"))),
        "listing_vs_gphoto2": ratio(
            med(li.get("ptpkit_ls_objects_per_s")), med(li.get("gphoto2_objects_per_s"))
        ),
        "client_peak_rss_mib": m.get("client_peak_rss_mib"),
        "emulator_peak_rss_mib": m.get("emulator_peak_rss_mib"),
        "concurrency_32_vs_1": ratio(
            med(c.get("many_initiators_gbps")), med(c.get("one_initiator_gbps"))
        ),
        "startup_vs_gphoto2": ratio(
            med(li.get("ptpkit_ls_empty_wall_s")), med(li.get("gphoto2_empty_wall_s"))
        ),
        # the figures behind them, and the extra comparisons
        "download_partial_vs_raw": ratio(part, raw),
        "download_partial_vs_gphoto2": ratio(part, gp),
        "listing_client_vs_gphoto2": ratio(client, med(li.get("gphoto2_objects_per_s"))),
        "listing_vs_gphoto2_mtp": ratio(
            med(li.get("ptpkit_ls_mtp_objects_per_s")), med(li.get("gphoto2_mtp_objects_per_s"))
        ),
        "listing_bulk_vs_ceiling": ratio(
            med(li.get("bulk_objects_per_s")), med(li.get("pingpong_round_trips_per_s"))
        ),
        "listing_bulk_objects_per_s": med(li.get("bulk_objects_per_s")),
        "concurrency_16_cameras_vs_1": c.get("cameras_vs_1"),
        "concurrency_raw_32_vs_1": c.get("raw_many_vs_1"),
        "concurrency_32_vs_raw_32": c.get("many_vs_raw_many"),
        "listing_vs_asyncio_ceiling": ratio(
            client, med(li.get("pingpong_asyncio_round_trips_per_s"))
        ),
        # the floor of Python work for the exchange, and what ptpkit's layers add to it
        "listing_minimal_exchange_vs_ceiling": ratio(
            med(li.get("minimal_exchange_per_s")), med(li.get("pingpong_round_trips_per_s"))
        ),
        "listing_vs_minimal_exchange": ratio(client, med(li.get("minimal_exchange_per_s"))),
        "download_gbps": ptp,
        "download_partial_gbps": part,
        "download_raw_gbps": raw,
        "download_raw_discard_gbps": med(d.get("raw_discard_gbps")),
        "download_gphoto2_gbps": gp,
        "upload_gbps": med(u.get("ptpkit_gbps")),
        "upload_raw_gbps": med(u.get("raw_gbps")),
        "listing_client_objects_per_s": client,
        "listing_ptpkit_ls_objects_per_s": med(li.get("ptpkit_ls_objects_per_s")),
        "listing_gphoto2_objects_per_s": med(li.get("gphoto2_objects_per_s")),
        "listing_ceiling_round_trips_per_s": med(li.get("pingpong_round_trips_per_s")),
        "listing_asyncio_round_trips_per_s": med(li.get("pingpong_asyncio_round_trips_per_s")),
        "listing_minimal_exchange_per_s": med(li.get("minimal_exchange_per_s")),
        "listing_nagle_ms_per_object": med(nagle.get("ms_per_object")),
        "listing_nagle_no_quickack_ms_per_object": med(nagle.get("no_quickack_ms_per_object")),
        "concurrency_one_gbps": med(c.get("one_initiator_gbps")),
        "concurrency_many_gbps": med(c.get("many_initiators_gbps")),
    }


def verdicts(head: dict[str, Any]) -> dict[str, str]:
    out = {}
    for key, (op, target, _) in TARGETS.items():
        value = head.get(key)
        if value is None:
            out[key] = "n/a"
        elif (value >= target) if op == ">=" else (value <= target):
            out[key] = "met"
        else:
            out[key] = "MISSED"
    return out


def null_reasons(
    head: dict[str, Any],
    sections: dict[str, Any],
    errors: dict[str, str],
    gphoto2_missing: str | None,
) -> dict[str, str]:
    reasons: dict[str, str] = {}
    for key, value in head.items():
        if value is not None:
            continue
        if "gphoto2" in key and gphoto2_missing:
            reasons[key] = gphoto2_missing
        elif key == "listing_bulk_objects_per_s":
            reasons[key] = sections.get("listing", {}).get("bulk_note") or "not measured"
        else:
            related = [
                f"{k}: {v.splitlines()[0][:300]}"
                for k, v in errors.items()
                if k.split(".")[0] in key or key.split("_")[0] in k
            ]
            reasons[key] = "; ".join(related) or "not measured in this run"
    return reasons


# -- machine info ------------------------------------------------------------------------------
def _cpu_model() -> str | None:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or None
    m = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return m.group(1).strip() if m else None


def _mem_total_gib() -> float | None:
    try:
        text = Path("/proc/meminfo").read_text()
    except OSError:
        return None
    m = re.search(r"^MemTotal:\s*(\d+) kB", text, re.MULTILINE)
    return round(int(m.group(1)) / (1 << 20), 1) if m else None


def _git(*args: str) -> str | None:
    try:
        return subprocess.run(
            ["git", *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
            cwd=Path(__file__).resolve().parent,
        ).stdout.strip()
    except (subprocess.SubprocessError, OSError):
        return None


def _uses_uvloop(module: str) -> bool:
    """Whether a ptpkit module mentions uvloop at all (the emulator picks its own loop)."""
    import importlib.util

    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return False
    return "uvloop" in Path(spec.origin).read_text()


def machine(loop: str, gphoto2: dict[str, str] | None) -> dict[str, Any]:
    import ptpkit

    try:
        import uvloop

        uv: str | None = str(getattr(uvloop, "__version__", "?"))
    except ImportError:
        uv = None
    ptpkit_picks_uvloop = bool(uv) and any(
        _uses_uvloop(m) for m in ("ptpkit.cli.base", "ptpkit.cli.common", "ptpkit.cli.serve")
    )
    if loop == "auto":
        client_loop = "uvloop" if uv else "asyncio"
        emulator_loop = "uvloop" if ptpkit_picks_uvloop else "asyncio"
    else:
        client_loop = emulator_loop = loop
    status = _git("status", "--porcelain")
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gib": _mem_total_gib(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "ptpkit": ptpkit.__version__,
        "git_commit": _git("rev-parse", "--short", "HEAD"),
        "git_dirty": bool(status) if status is not None else None,
        "uvloop_installed": uv,
        "client_loop": client_loop,
        "emulator_loop": emulator_loop,
        "loop_option": loop,
        "gphoto2": gphoto2,
    }


# -- the table ---------------------------------------------------------------------------------
def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        text = f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    else:
        text = f"{value:,}" if isinstance(value, int) else str(value)
    return f"{text}{unit}"


def _stat(section: dict[str, Any], key: str, unit: str = "") -> str:
    s = section.get(key)
    if not s:
        return "—"
    return f"{_fmt(s['median'])} ({_fmt(s['min'])} to {_fmt(s['max'])}){unit}"


_CASE_OF = {
    "download": "download",
    "upload": "upload",
    "listing": "listing",
    "client": "memory",
    "emulator": "memory",
    "concurrency": "concurrency",
    "startup": "listing",
}


def _ran(results: dict[str, Any], key: str) -> bool:
    case = "nagle" if key.startswith("listing_nagle") else key.split("_", maxsplit=1)[0]
    return _CASE_OF.get(case, case) in results["cases_run"]


def table(results: dict[str, Any]) -> str:
    """Markdown tables: the headline with targets, then the figures behind them."""
    head = results["headline"]
    verdict = results["targets"]
    sec = results["sections"]
    lines = [
        "| figure | value | target | |",
        "|---|---:|---:|---|",
    ]
    for key, (op, target, what) in TARGETS.items():
        if head.get(key) is None and verdict[key] == "n/a" and not _ran(results, key):
            continue
        lines.append(
            f"| `{key}` — {what} | {_fmt(head.get(key))} | {op} {target:g} | {verdict[key]} |"
        )
    for key in (
        "download_partial_vs_raw",
        "download_partial_vs_gphoto2",
        "listing_client_vs_gphoto2",
        "listing_vs_gphoto2_mtp",
        "listing_vs_asyncio_ceiling",
        "listing_minimal_exchange_vs_ceiling",
        "listing_vs_minimal_exchange",
        "listing_bulk_objects_per_s",
        "listing_bulk_vs_ceiling",
        "concurrency_raw_32_vs_1",
        "concurrency_32_vs_raw_32",
        "concurrency_16_cameras_vs_1",
    ):
        if _ran(results, key):
            lines.append(f"| `{key}` | {_fmt(head.get(key))} | | |")
    d, u, li = sec.get("download", {}), sec.get("upload", {}), sec.get("listing", {})
    m, c = sec.get("memory", {}), sec.get("concurrency", {})
    nagle = sec.get("nagle", {})
    mib = 1 << 20
    rows = [
        (
            f"download {_fmt((d.get('size_bytes') or 0) // mib)} MiB: raw sendfile→recv_into+write",
            _stat(d, "raw_gbps", " GB/s"),
        ),
        ("download: raw, discarding (no disk write)", _stat(d, "raw_discard_gbps", " GB/s")),
        ("download: ptpkit client (GetObject)", _stat(d, "ptpkit_gbps", " GB/s")),
        (
            "download: ptpkit client, 1 MiB GetPartialObject loop",
            _stat(d, "ptpkit_partial_gbps", " GB/s"),
        ),
        ("download: gphoto2 --get-file (wall)", _stat(d, "gphoto2_gbps", " GB/s")),
        (
            f"upload {_fmt((u.get('size_bytes') or 0) // mib)} MiB: raw",
            _stat(u, "raw_gbps", " GB/s"),
        ),
        ("upload: ptpkit client (SendObjectInfo+SendObject)", _stat(u, "ptpkit_gbps", " GB/s")),
        (
            f"listing {_fmt(li.get('objects'))} objects: blocking ping-pong ceiling",
            _stat(li, "pingpong_round_trips_per_s", " round trips/s"),
        ),
        (
            "listing: the same ping-pong with asyncio protocols on both ends",
            _stat(li, "pingpong_asyncio_round_trips_per_s", " round trips/s"),
        ),
        (
            "listing: the GetObjectInfo exchange, raw-struct asyncio on both ends (the floor)",
            _stat(li, "minimal_exchange_per_s", " exchanges/s"),
        ),
        ("listing: ptpkit client list_objects()", _stat(li, "client_objects_per_s", " objects/s")),
        (
            "listing: bare GetObjectHandles+GetObjectInfo loop",
            _stat(li, "client_ops_objects_per_s", " objects/s"),
        ),
        ("listing: `ptpkit ls` (wall)", _stat(li, "ptpkit_ls_objects_per_s", " objects/s")),
        ("listing: `ptpkit ls` on an empty card (wall)", _stat(li, "ptpkit_ls_empty_wall_s", " s")),
        ("listing: gphoto2 --list-files (wall)", _stat(li, "gphoto2_objects_per_s", " objects/s")),
        (
            "listing: `ptpkit ls` against the --mtp emulator (wall)",
            _stat(li, "ptpkit_ls_mtp_objects_per_s", " objects/s"),
        ),
        (
            "listing: gphoto2 --list-files against the --mtp emulator (wall)",
            _stat(li, "gphoto2_mtp_objects_per_s", " objects/s"),
        ),
        ("listing: gphoto2 on an empty card (wall)", _stat(li, "gphoto2_empty_wall_s", " s")),
        (
            f"listing a Nagle camera ({_fmt(nagle.get('objects'))} objects, --quirk nagle): "
            "ptpkit client",
            _stat(nagle, "ms_per_object", " ms/object"),
        ),
        (
            "listing: the same card without the quirk (same run)",
            _stat(nagle, "plain_ms_per_object", " ms/object"),
        ),
        (
            f"listing a Nagle camera ({_fmt(nagle.get('no_quickack_objects'))} objects): "
            "the same client without TCP_QUICKACK",
            _stat(nagle, "no_quickack_ms_per_object", " ms/object"),
        ),
        (
            "listing: GetObjectPropList (0x9805)",
            _stat(li, "bulk_objects_per_s", " objects/s")
            if li.get("bulk_objects_per_s")
            else (li.get("bulk_note") or "—"),
        ),
        (
            f"memory {_fmt((m.get('size_bytes') or 0) // mib)} MiB sparse: "
            "client download / upload",
            f"{_stat(m, 'client_download_peak_rss_mib')} / "
            f"{_stat(m, 'client_upload_peak_rss_mib')} MiB",
        ),
        (
            "memory: emulator download / upload",
            f"{_stat(m, 'emulator_download_peak_rss_mib')} / "
            f"{_stat(m, 'emulator_upload_peak_rss_mib')} MiB",
        ),
        (
            "memory: idle client / idle emulator",
            f"{_fmt(m.get('client_idle_rss_mib'))} / {_fmt(m.get('emulator_idle_rss_mib'))} MiB",
        ),
        (
            "memory: speed of the big download / upload",
            f"{_stat(m, 'download_gbps')} / {_stat(m, 'upload_gbps')} GB/s",
        ),
        (
            f"concurrency {_fmt((c.get('bytes_each') or 0) // mib)} MiB each: 1 initiator",
            _stat(c, "one_initiator_gbps", " GB/s"),
        ),
        (
            f"concurrency: {_fmt(c.get('initiators'))} initiators at once (aggregate)",
            _stat(c, "many_initiators_gbps", " GB/s"),
        ),
        ("concurrency: raw, 1 receiver", _stat(c, "raw_one_gbps", " GB/s")),
        (
            f"concurrency: raw, {_fmt(c.get('initiators'))} receivers at once (aggregate)",
            _stat(c, "raw_many_gbps", " GB/s"),
        ),
        ("concurrency: one client, 1 camera", _stat(c, "one_camera_gbps", " GB/s")),
        (
            f"concurrency: one client, {_fmt(c.get('cameras'))} cameras at once (aggregate)",
            _stat(c, "many_cameras_gbps", " GB/s"),
        ),
    ]
    lines += ["", "| measurement | median (min to max) |", "|---|---:|"]
    lines += [f"| {name} | {value} |" for name, value in rows if value.strip("—/ MiBGs")]
    mach = results["machine"]
    gp = mach.get("gphoto2") or {}
    lines += [
        "",
        f"{results['mode']} run, {results['config']['reps']} repetitions; "
        f"{mach['cpu_count']} CPUs ({mach.get('cpu_model')}), Python {mach['python']}, "
        f"client loop {mach['client_loop']}, emulator loop {mach['emulator_loop']}, "
        f"gphoto2 {gp.get('gphoto2', '—')} / libgphoto2 {gp.get('libgphoto2', '—')}; "
        f"ptpkit {mach['ptpkit']} at {mach.get('git_commit')}"
        f"{' (uncommitted changes)' if mach.get('git_dirty') else ''}.",
    ]
    return "\n".join(lines)
