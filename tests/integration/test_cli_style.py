"""What every command shares: help text for every option, global options anywhere on the
line, every error in one house style, and each command importing only what it needs
(start-up is a script's cost per call; the time itself is measured by ``make bench``)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from clitools import Process, address, emulator_for, invoke, make_card, one_line

from ptpkit.cli.base import EXIT_CONNECT, EXIT_ERROR, EXIT_USAGE
from ptpkit.cli.demo import EmulatorThread
from ptpkit.cli.main import LAZY_COMMANDS, main


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[EmulatorThread]:
    with emulator_for([make_card(tmp_path / "card")]) as emu:
        yield emu


def every_command() -> list[tuple[str, click.Command]]:
    ctx = click.Context(main)
    commands = []
    for name in main.list_commands(ctx):
        command = main.get_command(ctx, name)
        assert command is not None, name
        commands.append((name, command))
    return commands


def test_every_command_is_listed_with_help():
    result = invoke("--help")
    assert result.exit_code == 0
    for name in LAZY_COMMANDS:
        assert f"  {name} " in result.stdout, name
    names = [name for name, _ in every_command()]
    assert sorted(names) == sorted(LAZY_COMMANDS)
    for name, command in every_command():
        assert command.help, name


@pytest.mark.parametrize("name", sorted(LAZY_COMMANDS))
def test_every_option_has_help_text(name: str):
    command = dict(every_command())[name]
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"ptpkit {name} {param.opts[0]} has no help text"
    assert "--debug" in invoke(name, "--help").stdout  # the global option, here too


def test_debug_anywhere_on_the_line():
    port = _free_port()
    for args in (["--debug", "info"], ["info", "--debug"]):
        result = invoke(*args, "-H", "127.0.0.1", "-p", str(port))
        assert result.exit_code == EXIT_CONNECT, args
        assert "Traceback" in result.stderr, args
        assert result.stderr.strip().splitlines()[-1].startswith("ptpkit: error: cannot connect")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ls", "--zzz"], "ptpkit: error: No such option '--zzz' (see 'ptpkit ls --help')"),
        (["get"], "ptpkit: error: Missing argument 'NAME|PATH|PATTERN...' (see 'ptpkit get"),
        (["nosuchcommand"], "ptpkit: error: No such command 'nosuchcommand'"),
        (["ping", "-c", "0"], "ptpkit: error: Invalid value for '--count' / '-c'"),
        (["get", "x", "--filename", "%Q.jpg"], "unknown code %Q in '%Q.jpg'"),
        (["sync", "d", "--hook", "'unclosed"], "Invalid value for --hook"),
    ],
)
def test_usage_errors_in_the_house_style(args: list[str], message: str):
    result = subprocess.run(
        [sys.executable, "-m", "ptpkit", *args, "-H", "127.0.0.1"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == EXIT_USAGE
    assert result.stdout == ""
    line = one_line(result.stderr)
    assert line.startswith("ptpkit: error: ") and message in line, line


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_on_a_busy_port_in_the_house_style(tmp_path: Path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = invoke("serve", str(tmp_path), "--port", str(port))
    assert result.exit_code == EXIT_ERROR
    assert one_line(result.stderr).startswith(f"ptpkit: error: cannot listen on 127.0.0.1:{port}")


def test_output_into_a_closed_pipe_is_quiet(emulator: EmulatorThread):
    head = subprocess.run(
        f"{sys.executable} -m ptpkit ls {' '.join(address(emulator))} | head -c 1",
        shell=True,
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert head.stderr == ""


# -- each command imports what it needs ------------------------------------------------------------
def modules_after(*args: str) -> set[str]:
    """The modules loaded by running ``ptpkit ARGS`` in a fresh interpreter."""
    code = (
        "import json, sys\n"
        "from ptpkit.cli.main import main\n"
        "try:\n"
        f"    main({list(args)!r}, prog_name='ptpkit')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60
    )
    return set(json.loads(result.stderr.strip().splitlines()[-1]))


def test_the_group_alone_loads_no_client(tmp_path: Path):
    loaded = modules_after("identity")
    assert not {m for m in loaded if m.startswith(("ptpkit.aio", "ptpkit.emulator", "rich.table"))}
    assert "ptpkit.cli.listing" not in loaded


def test_ls_loads_only_what_it_needs(emulator: EmulatorThread):
    loaded = modules_after("ls", *address(emulator))
    assert "ptpkit.cli.listing" in loaded
    others = {f"ptpkit.cli.{m}" for m in ("mirror", "download", "edit", "events", "serve")}
    assert not loaded & others
    assert not {m for m in loaded if m.startswith(("rich", "ptpkit.emulator", "ptpkit.dissect"))}
    assert not {m for m in loaded if m.startswith(("PIL", "dpkt", "ptpkit.proto.prop"))}
    assert "hashlib" not in loaded  # only long file names need it


def test_a_camera_command_runs_as_a_subprocess(emulator: EmulatorThread):
    proc = Process("ls", *address(emulator))
    assert proc.proc.wait(60) == 0
    proc.kill()
