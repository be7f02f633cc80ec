"""``ptpkit dissect`` against tshark, on a loopback capture of gphoto2 and our emulator.

The issue's "Done when": ``ptpkit dissect --json`` agrees with tshark's
``ptpip.pktType``, ``ptpip.opcode``, ``ptpip.transactionID`` and ``ptpip.datalen`` on
every packet tshark decodes, and decodes the DeviceInfo.

tshark's dissector (reference §1.10, gphoto2-interop.md) does no TCP reassembly: it reads
one PTP/IP header at the start of each TCP segment, and continuation segments of a long
packet decode as garbage. So the comparison is made per TCP segment: a segment whose
first byte is the first byte of one of our packets (found from tshark's relative
``tcp.seq`` and the lengths of our packets) must be decoded by tshark, and identically
(unless the segment holds only part of the packet, or is a retransmission: tshark skips
those); a segment that starts inside one of our packets is tshark's garbage and is
skipped. tshark puts response codes in ``ptpip.opcode`` too, and event codes in
``ptpip.eventcode``. Our packets must also cover every byte of every TCP direction.

Steps: start ``python -m ptpkit serve DIR --packet-per-write`` on a free port, start
``tcpdump -i lo -U -w FILE tcp port PORT`` and wait until it listens, run gphoto2
``--summary``, ``--list-files`` and ``--get-all-files`` (isolated ``HOME``; one file is
large enough to span many segments), wait 1.5 s, stop tcpdump with SIGINT, then run
``ptpkit dissect`` and tshark on the file.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import require_program

pytestmark = [pytest.mark.interop, pytest.mark.timeout(180)]

#: Served files and their sizes: small ones, and one large enough that its Data packet
#: spans many TCP segments (which tshark cannot follow and we must reassemble).
FILES = {"DSCF0001.JPG": 3000, "DSCF0002.JPG": 5000, "MOVIE001.MOV": 700_000}
TSHARK_FIELDS = (
    "frame.number",
    "tcp.stream",
    "tcp.srcport",
    "tcp.dstport",
    "tcp.seq",
    "tcp.len",
    "tcp.analysis.retransmission",
    "ptpip.len",
    "ptpip.pktType",
    "ptpip.opcode",
    "ptpip.eventcode",
    "ptpip.transactionID",
    "ptpip.datalen",
)


# -- processes --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def responder_command(folder: Path, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "ptpkit",
        "serve",
        str(folder),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        # one packet per TCP segment: tshark then decodes every packet, each a comparison
        "--packet-per-write",
    ]


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 10) -> None:
    """Signal a process we started and reap it; kill it if it does not go."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)


@contextlib.contextmanager
def responder(folder: Path, port: int, log: Path) -> Iterator[None]:
    with log.open("wb") as out:
        proc = subprocess.Popen(
            responder_command(folder, port), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 20
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the responder exited with {proc.returncode}:\n{log.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"the responder never listened on {port}:\n{log.read_text()}")
                time.sleep(0.1)
        yield
    finally:
        stop(proc)


@contextlib.contextmanager
def tcpdump(pcap: Path, port: int, log: Path) -> Iterator[list[str]]:
    """Capture ``tcp port PORT`` on lo; yields a list that gets tcpdump's statistics."""
    program = require_program("tcpdump")
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [program, "-i", "lo", "-U", "-n", "-w", str(pcap), "tcp", "port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    stats: list[str] = []
    try:
        deadline = time.monotonic() + 15
        while "listening on" not in log.read_text(errors="replace"):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"tcpdump did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.05)
        yield stats
        time.sleep(1.5)  # let the last packets reach the file (gphoto2-interop.md)
    finally:
        stop(proc, signal.SIGINT)
        stats.extend(log.read_text(errors="replace").splitlines())


def gphoto2(home: Path, port: int, *args: str) -> str:
    program = require_program("gphoto2")
    env = {**os.environ, "HOME": str(home), "LANG": "C", "LC_ALL": "C"}
    result = subprocess.run(
        [program, "--port", f"ptpip:127.0.0.1:{port}:{port}", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=home,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"gphoto2 {args}: {result.stdout}\n{result.stderr}"
    return result.stdout


def capture_session(tmp_path: Path) -> tuple[Path, int, str, str]:
    """Run gphoto2 --summary, --list-files and --get-all-files against the emulator,
    captured on lo."""
    require_program("gphoto2")
    require_program("tcpdump")
    folder = tmp_path / "card"
    folder.mkdir()
    for seed, (name, size) in enumerate(FILES.items()):
        (folder / name).write_bytes(bytes([0xFF, 0xD8, 0xFF, 0xE0, seed]) * (size // 5))
    home = tmp_path / "home"
    home.mkdir()
    port = free_port()
    pcap = tmp_path / "session.pcap"
    with (
        responder(folder, port, tmp_path / "responder.log"),
        tcpdump(pcap, port, tmp_path / "tcpdump.log") as stats,
    ):
        summary = gphoto2(home, port, "--summary")
        listing = gphoto2(home, port, "--list-files")
        gphoto2(home, port, "--get-all-files", "--force-overwrite")
    for name in FILES:
        assert (home / name).read_bytes() == (folder / name).read_bytes()
    dropped = [line for line in stats if "dropped by kernel" in line]
    assert dropped and dropped[0].startswith("0 "), stats
    return pcap, port, summary, listing


# -- the two dissectors -----------------------------------------------------------------


def ptpkit_records(pcap: Path, port: int) -> list[dict[str, Any]]:
    result = subprocess.run(
        [sys.executable, "-m", "ptpkit", "dissect", str(pcap), "--json", "--port", str(port)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def tshark_segments(pcap: Path, port: int) -> list[dict[str, str]]:
    program = require_program("tshark")
    argv = [program, "-r", str(pcap), "-n", "-d", f"tcp.port=={port},ptpip", "-T", "fields"]
    argv += ["-o", "tcp.relative_sequence_numbers:TRUE", "-o", "tcp.analyze_sequence_numbers:TRUE"]
    argv += ["-E", "separator=\t", "-E", "occurrence=f"]
    for name in TSHARK_FIELDS:
        argv += ["-e", name]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    rows = []
    for line in result.stdout.splitlines():
        values = line.split("\t")
        rows.append(dict(zip(TSHARK_FIELDS, values, strict=True)))
    return rows


def number(text: str) -> int:
    return int(text, 0)


# -- the comparison ---------------------------------------------------------------------


def packet_starts(records: list[dict[str, Any]]) -> dict[tuple[int, str, int], dict[str, Any]]:
    """Our packets keyed by (stream, direction, byte offset in that direction)."""
    offsets: dict[tuple[int, str], int] = {}
    starts: dict[tuple[int, str, int], dict[str, Any]] = {}
    for record in sorted(records, key=lambda r: (r["stream"], r["direction"], r["frame"])):
        key = (int(record["stream"]), str(record["direction"]))
        offset = offsets.get(key, 0)
        starts[(*key, offset)] = record
        offsets[key] = offset + int(record["length"])
    return starts


def compare(pcap: Path, port: int) -> tuple[list[dict[str, Any]], Counter[int]]:
    """Assert agreement with tshark; returns our records and the packet types compared."""
    records = ptpkit_records(pcap, port)
    assert records, "ptpkit found no PTP/IP packets"
    errors = [r for r in records if "error" in r]
    assert errors == []
    starts = packet_starts(records)
    segments = tshark_segments(pcap, port)
    compared: Counter[int] = Counter()
    stream_bytes: dict[tuple[int, str], int] = {}
    for seg in segments:
        if not seg["tcp.len"] or number(seg["tcp.len"]) == 0:
            continue
        direction = "to_responder" if number(seg["tcp.dstport"]) == port else "to_initiator"
        stream = number(seg["tcp.stream"])
        offset = number(seg["tcp.seq"]) - 1  # relative sequence numbers: 1 after the SYN
        end = offset + number(seg["tcp.len"])
        stream_bytes[(stream, direction)] = max(stream_bytes.get((stream, direction), 0), end)
        ours = starts.get((stream, direction, offset))
        where = f"frame {seg['frame.number']} (stream {stream}, {direction}, offset {offset})"
        if ours is None:
            # The segment starts inside one of our packets: tshark's decode is garbage.
            assert seg["ptpip.len"] != seg["tcp.len"] or not seg["ptpip.len"], (
                f"{where}: tshark sees one whole packet here, ptpkit none"
            )
            continue
        if not seg["ptpip.len"]:
            # tshark gives up on a packet cut short by its segment, and does not hand
            # retransmitted bytes (loopback has tail-loss probes) to the dissector; any
            # other segment starting with one of our packets it must decode.
            assert seg["tcp.analysis.retransmission"] or number(seg["tcp.len"]) < ours["length"], (
                f"{where}: tshark decoded nothing"
            )
            continue
        assert number(seg["ptpip.len"]) == ours["length"], where
        assert number(seg["ptpip.pktType"]) == ours["type"], where
        if not seg["tcp.analysis.retransmission"]:
            assert number(seg["frame.number"]) == ours["frame"], where
        if seg["ptpip.opcode"]:  # operation codes, and (a dissector quirk) response codes
            assert number(seg["ptpip.opcode"]) == ours["code"], where
        if seg["ptpip.eventcode"]:
            assert number(seg["ptpip.eventcode"]) == ours["code"], where
        if seg["ptpip.transactionID"]:
            assert number(seg["ptpip.transactionID"]) == ours["tid"], where
        if seg["ptpip.datalen"]:
            assert number(seg["ptpip.datalen"]) == ours["total_length"], where
        compared[ours["type"]] += 1
    # Reassembly: our packets cover every byte of every direction, no more, no less.
    covered: dict[tuple[int, str], int] = {}
    for record in records:
        key = (int(record["stream"]), str(record["direction"]))
        covered[key] = covered.get(key, 0) + int(record["length"])
    assert covered == stream_bytes
    return records, compared


def check_session(
    records: list[dict[str, Any]], compared: Counter[int], summary: str, listing: str
) -> None:
    # Many packets, of every type gphoto2 and the emulator exchange, met tshark.
    assert compared.total() >= 40, compared
    types = {r["type"] for r in records}
    assert {1, 2, 3, 4, 6, 7, 9, 12} <= types, types
    assert types <= set(compared), (types, compared)
    assert {r["channel"] for r in records} == {"command", "event"}
    # The DeviceInfo is decoded, and says what gphoto2 printed.
    infos = [r["dataset"] for r in records if r.get("dataset", {}).get("type") == "DeviceInfo"]
    assert infos, "no DeviceInfo decoded"
    info = infos[0]
    assert isinstance(info, dict)
    manufacturer = re.search(r"^Manufacturer: (.*)$", summary, re.M)
    model = re.search(r"^Model: (.*)$", summary, re.M)
    assert manufacturer and model, summary
    assert info["manufacturer"] == manufacturer.group(1).strip()
    assert info["model"] == model.group(1).strip()
    assert 0x1001 in info["operations_supported"]
    # The listing's ObjectInfos carry the served file names.
    names = {
        r["dataset"]["filename"]
        for r in records
        if r.get("dataset", {}).get("type") == "ObjectInfo"
    }
    assert set(FILES) <= names, names
    for name in FILES:
        assert name in listing
    kinds = {r["dataset"]["type"] for r in records if "dataset" in r}
    assert {"DeviceInfo", "StorageIDs", "StorageInfo", "ObjectHandles", "ObjectInfo"} <= kinds


def test_dissect_agrees_with_tshark_on_gphoto2_session(tmp_path: Path) -> None:
    require_program("tshark")
    pcap, port, summary, listing = capture_session(tmp_path)
    records, compared = compare(pcap, port)
    check_session(records, compared, summary, listing)
