"""Every example of the README's usage section runs as written, in order, against
``ptpkit serve`` (with PTPKIT_HOST and PTPKIT_PORT set), except those that send multicast
(``ptpkit discover``, ``serve --advertise``): tests/interop/test_readme_discovery_examples.py
runs them inside network namespaces of its own. Examples marked ``[not run]`` are the only
ones left out, and they are few."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import dpkt
import pytest
from clitools import Process, jpeg
from conftest import require_program
from readme_examples import NOT_RUN, examples, sends_multicast, usage_section, with_address

from ptpkit.proto.packets import InitCommandRequest


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
    # only servers run in the background (the test stops them)
    assert all(t.startswith("ptpkit serve") for t in background), background
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


def run_example(
    argv: list[str], cwd: Path, env: dict[str, str], *, interrupt_after: float | None = None
) -> tuple[int, str, str]:
    """Run one example in a session of its own; whatever it left running is killed. With
    ``interrupt_after``: Ctrl-C (SIGINT to its process group) after that many seconds, as
    the README says to end it."""
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
        if interrupt_after is not None:
            try:
                out, err = proc.communicate(timeout=interrupt_after)
                return proc.returncode, out, err  # it ended by itself: the caller says no
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    return proc.returncode, out, err


#: Ports the README names that the test serves itself when no example started a server
#: there: Fujifilm's (the persona's three ports).
README_PERSONA_PORTS = {55740: "fujifilm"}
#: How long a command that runs until Ctrl-C (events, sync --watch) runs before it.
CTRL_C_AFTER = 4.0
LISTENING = re.compile(r"listening on [\d.]+:(\d+)(?: \(events (\d+), live view (\d+)\))?")


class Servers:
    """The ``ptpkit serve`` processes the examples start (``... &``) or need, by the port
    the README gives them, and the ports they really listen on (a free one each)."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.cwd = cwd
        self.env = env
        self.ports: dict[int, int] = {}
        self._procs: dict[int, subprocess.Popen[str]] = {}

    def start(self, argv: list[str], readme_port: int | None) -> subprocess.Popen[str]:
        """``ptpkit serve`` on a free port, registered under ``readme_port`` (and the next
        two for a Fujifilm persona; None: not at all); a server the README had there is
        stopped first."""
        if readme_port is not None:
            self.stop(readme_port)
        proc = subprocess.Popen(
            argv,
            cwd=self.cwd,
            env={**self.env, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        assert proc.stdout is not None
        line = proc.stdout.readline()  # the first line says where it listens
        match = LISTENING.search(line)
        assert match, (argv, line)
        if readme_port is not None:
            real = [int(port) for port in match.groups() if port]
            for offset, port in enumerate(real):
                self.ports[readme_port + offset] = port
            self._procs[readme_port] = proc
        return proc

    def stop(self, readme_port: int) -> None:
        proc = self._procs.pop(readme_port, None)
        if proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)

    def close(self) -> None:
        for port in list(self._procs):
            self.stop(port)


def _port_option(words: list[str]) -> int | None:
    for flag in ("--port", "-p"):
        if flag in words[:-1]:
            return int(words[words.index(flag) + 1])
    return None


def prepare(example: str, servers: Servers, env: dict[str, str]) -> tuple[str, dict[str, str]]:
    """An example with the README's camera addresses and ports replaced by the test's
    (nothing else changed), and its environment; the server it needs started if none is."""
    line = with_address(example, "127.0.0.1")
    words = line.split("#", maxsplit=1)[0].split()
    port = _port_option(words) if words[:1] == ["ptpkit"] else None
    gphoto2 = re.search(r"ptpip:127\.0\.0\.1:(\d+):(\d+)", line)
    if gphoto2:
        port = int(gphoto2.group(1))
    elif port is None and "--dialect fujifilm" in line:
        port = 55740  # that dialect's default port
    if port is not None and port not in servers.ports and port in README_PERSONA_PORTS:
        persona = README_PERSONA_PORTS[port]
        serve = [*PTPKIT, "serve", "--persona", persona, "--writable", "./card", "--port", "0"]
        servers.start(serve, port)
    env = dict(env)
    if port is not None and port in servers.ports:
        if gphoto2:
            real = f"ptpip:127.0.0.1:{servers.ports[int(gphoto2.group(1))]}:"
            real += str(servers.ports[int(gphoto2.group(2))])
            line = line.replace(gphoto2.group(0), real)
        elif _port_option(words) is not None:
            line = re.sub(rf"(-p|--port) {port}\b", rf"\1 {servers.ports[port]}", line)
        else:
            env["PTPKIT_PORT"] = str(servers.ports[port])
    return line, env


def run_serve_example(line: str, servers: Servers) -> None:
    """``ptpkit serve ...``: in the background (``&``) it stays for the examples after it,
    under the port it names; else it serves until Ctrl-C, which ends it with exit 0."""
    command = line.split("#", maxsplit=1)[0].strip()
    background = command.endswith("&")
    words = command.rstrip("&").split()
    readme_port = _port_option(words)
    if readme_port is None:
        words += ["--port", "0"]
    else:
        words[words.index("--port") + 1] = "0"
    argv = [*PTPKIT, *words[1:]]
    if background:
        servers.start(argv, readme_port or 15740)
        return
    proc = servers.start(argv, None)
    try:
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(30) == 0, line
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


#: Where the server of a Python fragment is registered (a port no example names).
TOP_LEVEL_AWAIT = -1
#: ``ptpkit`` as the examples run it (the interpreter of the tests).
PTPKIT = [sys.executable, "-m", "ptpkit"]


def python_example(example: str, servers: Servers) -> str:
    """A Python example as a script: a fragment with ``await`` at its top runs in an
    ``async def`` (against the persona its comment names, at the test's address); the
    sketch of the sans-IO core gets the camera's reply it waits for."""
    if "reply_bytes" in example:
        reply = "InitCommandAck(1, bytes(16), 'camera').encode()"
        return f"from ptpkit.proto.packets import InitCommandAck\nreply_bytes = {reply}\n{example}"
    if re.search(r"^(async with|await) ", example, re.MULTILINE):
        persona = "nikon" if "a Nikon" in example else "generic"
        card = [*PTPKIT, "serve", "--persona", persona, "--writable", "./card", "--port", "0"]
        servers.start(card, TOP_LEVEL_AWAIT)
        address = f'connect("127.0.0.1", {servers.ports[TOP_LEVEL_AWAIT]})'
        body = re.sub(r'connect\("[\d.]+"\)', address, example)
        indented = "".join(f"    {ln}\n" for ln in body.splitlines())
        return f"import asyncio, ptpkit\n\nasync def main():\n{indented}\nasyncio.run(main())\n"
    return example


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_every_usage_example_runs_as_written(tmp_path: Path):
    card = tmp_path / "camera"
    for folder, names in (("100CANON", (1, 2, 3, 4)), ("101CANON", (101, 102))):
        for n in names:
            jpeg(card / "DCIM" / folder / f"IMG_{n:04d}.JPG", (n * 2, 80, 160))
    work = tmp_path / "work"
    work.mkdir()
    write_capture(work / "capture.pcapng")
    shutil.copytree(card, work / "card")  # ./card, what the README's `ptpkit serve` serves
    serve = Process("serve", str(card), "--writable", "--port", "0", "--rescan-interval", "0")
    home = tmp_path / "home"  # gphoto2 keeps its settings there
    home.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    servers = Servers(work, env)
    ran = elsewhere = 0
    try:
        match = serve.wait_for_line(r"listening on ([\d.]+):(\d+)")
        env.update(PTPKIT_HOST=match.group(1), PTPKIT_PORT=match.group(2))
        for language, example in examples():
            if NOT_RUN in example:
                continue
            if sends_multicast(example):  # never here: in namespaces, by the interop test
                elsewhere += 1
                continue
            if language == "python":
                script = python_example(example, servers)
                code, out, err = run_example([sys.executable, "-c", script], work, env)
                assert code == 0, (example, out[-2000:], err[-2000:])
                ran += 1
                continue
            if example.startswith("gphoto2"):
                require_program("gphoto2")
            if example.startswith("ptpkit serve"):
                run_serve_example(example, servers)
                ran += 1
                continue
            line, line_env = prepare(example, servers, env)
            argv = ["bash", "-euo", "pipefail", "-c", line]
            if "until Ctrl-C" in example:  # it runs until stopped: Ctrl-C ends it quietly
                code, out, err = run_example(argv, work, line_env, interrupt_after=CTRL_C_AFTER)
                assert (code, err) == (130, ""), (example, code, out[-2000:], err[-2000:])
            else:
                code, out, err = run_example(argv, work, line_env)
                assert code == 0, (example, out[-2000:], err[-2000:])
            ran += 1
    finally:
        servers.close()
        serve.kill()
    assert ran >= 50
    not_run = sum(NOT_RUN in example for _, example in examples())
    assert ran + elsewhere + not_run == len(examples())  # none left out without a word
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
    # three from the camera, one from the Sony persona's memory, the Nikon fragment's
    shots = sorted(p.name for p in (work / "shots").iterdir())
    assert len(shots) == 5 and "DSC_0001.JPG" in shots, shots
    assert not (card / "DCIM/101CANON/IMG_0101.JPG").exists()  # offloaded
    assert (work / "offload/101CANON/IMG_0101.JPG").is_file()
    # the library example: what is left on the card (IMG_0004 deleted, 101CANON offloaded,
    # three captures added), beside the DCIM folder `ptpkit serve ./card` served
    card_files = [p for p in (work / "card").iterdir() if p.is_file()]
    assert len(card_files) == 6, card_files
