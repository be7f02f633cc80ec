"""Every example of the README's usage section runs as written, in order, against
``ptpkit serve`` (with PTPKIT_HOST and PTPKIT_PORT set); examples marked ``[not run]``
are the only ones left out, and they are few."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import dpkt
import pytest
from clitools import Process, jpeg
from conftest import REPO_ROOT

from ptpkit.proto.packets import InitCommandRequest

NOT_RUN = "[not run"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def usage_section() -> str:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    return text[text.index("\n## Usage\n") : text.index("\n## Architecture\n")]


def examples() -> list[tuple[str, str]]:
    """(language, example): each line of a sh block, each python block."""
    found = []
    for language, body in BLOCK.findall(usage_section()):
        if language == "sh":
            found += [
                ("sh", line)
                for line in body.splitlines()
                if line.strip() and not line.startswith("#")
            ]
        elif language == "python":
            found.append(("python", body))
    return found


def write_capture(path: Path) -> None:
    """A tiny pcapng: an initiator opening a PTP/IP connection."""
    client, camera = (b"\x0a\x00\x00\x01", 50000), (b"\x0a\x00\x00\x02", 15740)

    def frame(
        src: tuple[bytes, int], dst: tuple[bytes, int], seq: int, flags: int, data: bytes
    ) -> bytes:
        tcp = dpkt.tcp.TCP(sport=src[1], dport=dst[1], seq=seq, flags=flags, data=data)
        ip = dpkt.ip.IP(src=src[0], dst=dst[0], p=dpkt.ip.IP_PROTO_TCP, data=tcp)
        return bytes(dpkt.ethernet.Ethernet(type=dpkt.ethernet.ETH_TYPE_IP, data=ip))

    request = InitCommandRequest(bytes(16), "laptop").encode()
    with path.open("wb") as f:
        writer = dpkt.pcapng.Writer(f)
        writer.writepkt(frame(client, camera, 100, dpkt.tcp.TH_SYN, b""), ts=1.0)
        writer.writepkt(frame(camera, client, 500, dpkt.tcp.TH_SYN | dpkt.tcp.TH_ACK, b""), ts=1.1)
        writer.writepkt(frame(client, camera, 101, dpkt.tcp.TH_ACK, request), ts=1.2)


def test_the_usage_section_marks_few_examples_as_not_run():
    found = examples()
    skipped = [text for _, text in found if NOT_RUN in text]
    background = [t for k, t in found if k == "sh" and t.split("#")[0].rstrip().endswith("&")]
    assert all(NOT_RUN in t for t in background), background  # a server would stay behind
    assert len(found) >= 40 and len(skipped) <= len(found) // 2, skipped  # most run
    section = usage_section()
    for option in (
        "--filename",
        "--hook",
        "--new",
        "--delete-after",
        "--overwrite",
        "--skip-existing",
        "--dry-run",
        "--yes",
        "thumb",
        "mkdir",
        "-o -",
        "Choice: N",
        "datetime now",
        "--debug",
    ):
        assert option in section, option


def run_example(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str, str]:
    """Run one example in a session of its own; whatever it left running is killed."""
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=120)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    return proc.returncode, out, err


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_every_usage_example_runs_as_written(tmp_path: Path):
    card = tmp_path / "camera"
    for folder, names in (("100CANON", (1, 2, 3, 4)), ("101CANON", (101, 102))):
        for n in names:
            jpeg(card / "DCIM" / folder / f"IMG_{n:04d}.JPG", (n * 2, 80, 160))
    work = tmp_path / "work"
    work.mkdir()
    write_capture(work / "capture.pcapng")
    serve = Process("serve", str(card), "--writable", "--port", "0", "--rescan-interval", "0")
    try:
        match = serve.wait_for_line(r"listening on ([\d.]+):(\d+)")
        env = {
            **os.environ,
            "PTPKIT_HOST": match.group(1),
            "PTPKIT_PORT": match.group(2),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        ran = 0
        for language, example in examples():
            if NOT_RUN in example:
                continue
            if language == "sh":
                argv = ["bash", "-euo", "pipefail", "-c", example]
            else:
                argv = [sys.executable, "-c", example]
            code, out, err = run_example(argv, work, env)
            assert code == 0, (example, out[-2000:], err[-2000:])
            ran += 1
    finally:
        serve.kill()
    assert ran >= 30
    # what the examples left behind, as the README says
    assert (work / "IMG_0001.JPG").is_file() and (work / "copy.jpg").read_bytes()[:2] == b"\xff\xd8"
    assert sorted(p.name for p in (work / "photos").iterdir())[:4] == [
        "100CANON",
        "101CANON",
        "IMG_0001.JPG",
        "IMG_0002.JPG",
    ]
    assert len(list((work / "dated").rglob("*.JPG"))) == 6
    assert sorted(p.name for p in (work / "thumbs").iterdir()) == [
        "thumb_IMG_0101.jpg",
        "thumb_IMG_0102.jpg",
    ]
    assert len(list((work / "shots").iterdir())) == 3
    assert not (card / "DCIM/101CANON/IMG_0101.JPG").exists()  # offloaded
    assert (work / "offload/101CANON/IMG_0101.JPG").is_file()
    # the library example: what is left on the card (IMG_0004 deleted, 101CANON offloaded,
    # three captures added)
    assert len(list((work / "card").iterdir())) == 6
