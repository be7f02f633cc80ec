"""gphoto2's habits for moving pictures: --filename templates, --hook after each
download (get, sync, sync --watch, capture --download), sync --new, --delete-after (card
offload), and one bad object reported and skipped while the others go on."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from clitools import Process, address, emulator_for, invoke, jpeg, make_card, tree, wait_for

import ptpkit.sync
from ptpkit.cli.base import EXIT_ERROR, EXIT_INTERRUPTED
from ptpkit.cli.demo import EmulatorThread
from ptpkit.cli.mirror import STATE_FILE

WHEN = datetime(2021, 3, 4, 5, 6, 7)


@pytest.fixture
def card(tmp_path: Path) -> Path:
    root = make_card(tmp_path / "card")
    stamp = WHEN.timestamp()
    for path in root.rglob("*"):
        os.utime(path, (stamp, stamp))
    return root


@pytest.fixture
def emulator(card: Path) -> Iterator[EmulatorThread]:
    with emulator_for([card]) as emu:
        yield emu


@pytest.fixture
def hook(tmp_path: Path) -> tuple[str, Path]:
    """A hook script, as a gphoto2 user writes one: it logs $ACTION, $ARGUMENT and argv."""
    log = tmp_path / "hook.log"
    script = tmp_path / "hook.py"
    script.write_text(
        "import os, sys\n"
        f"with open({str(log)!r}, 'a') as f:\n"
        "    f.write(f\"{os.environ['ACTION']} {os.environ['ARGUMENT']} {sys.argv[1]}\\n\")\n"
    )
    return f"{sys.executable} {script}", log


def hook_lines(log: Path) -> list[tuple[str, str, str]]:
    if not log.exists():
        return []
    return [tuple(line.split(" ")) for line in log.read_text().splitlines()]  # type: ignore[misc]


# -- --filename ------------------------------------------------------------------------------
def test_get_with_a_filename_template(emulator: EmulatorThread, card: Path, tmp_path: Path):
    out = tmp_path / "out"
    result = invoke(
        "get",
        "DCIM",
        "-o",
        str(out),
        "--filename",
        "%Y/%m/%d/%H%M%S-%f-%03n.%C",
        *address(emulator),
    )
    assert result.exit_code == 0, result.output
    source = card / "DCIM"
    assert tree(out) == {
        "2021/03/04/050607-IMG_0001-001.JPG": (source / "100TEST/IMG_0001.JPG").read_bytes(),
        "2021/03/04/050607-IMG_0002-002.JPG": (source / "100TEST/IMG_0002.JPG").read_bytes(),
        "2021/03/04/050607-CLIP-003.MOV": (source / "101TEST/CLIP.MOV").read_bytes(),
        "2021/03/04/050607-IMG_0101-004.JPG": (source / "101TEST/IMG_0101.JPG").read_bytes(),
    }


def test_sync_with_a_template_is_up_to_date_the_second_time(
    emulator: EmulatorThread, card: Path, tmp_path: Path
):
    dest = tmp_path / "photos"
    args = ["sync", str(dest), "--filename", "%F/%y%m%d_%f.%C", *address(emulator)]
    first = invoke(*args)
    assert first.exit_code == 0, first.output
    assert (dest / "DCIM/100TEST/210304_IMG_0001.JPG").read_bytes() == (
        card / "DCIM/100TEST/IMG_0001.JPG"
    ).read_bytes()
    assert (dest / "misc/deep/deeper/210304_notes.txt").read_text() == "deep\n"
    again = invoke(*args)
    assert again.exit_code == 0 and "Up to date: 6 file(s)" in again.stdout


# -- --hook ----------------------------------------------------------------------------------
def test_get_runs_the_hook_after_each_file(
    emulator: EmulatorThread, tmp_path: Path, hook: tuple[str, Path]
):
    command, log = hook
    out = tmp_path / "out"
    result = invoke("get", "IMG_000*.JPG", "-o", str(out), "--hook", command, *address(emulator))
    assert result.exit_code == 0, result.output
    assert hook_lines(log) == [
        ("download", str(out / name), str(out / name)) for name in ("IMG_0001.JPG", "IMG_0002.JPG")
    ]


def test_a_failing_hook_is_reported_and_the_transfer_goes_on(
    emulator: EmulatorThread, tmp_path: Path
):
    result = invoke(
        "get", "IMG_000*.JPG", "-o", str(tmp_path), "--hook", "false", *address(emulator)
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.count("hook 'false' exited with status 1") == 2
    missing = invoke(
        "get", "IMG_0101.JPG", "-o", str(tmp_path), "--hook", "/no/such/hook", *address(emulator)
    )
    assert "hook '/no/such/hook' cannot run" in missing.stdout
    assert (tmp_path / "IMG_0101.JPG").exists()


def test_capture_download_runs_the_hook(
    emulator: EmulatorThread, tmp_path: Path, hook: tuple[str, Path]
):
    command, log = hook
    shots = tmp_path / "shots"
    result = invoke(
        "capture", "--download", str(shots), "--count", "2", "--hook", command,
        "--filename", "shot-%n.%C", *address(emulator),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in shots.iterdir()) == ["shot-1.JPG", "shot-2.JPG"]
    assert [line[1] for line in hook_lines(log)] == [
        str(shots / "shot-1.JPG"),
        str(shots / "shot-2.JPG"),
    ]


def test_sync_watch_runs_the_hook_for_each_new_picture(
    card: Path, tmp_path: Path, hook: tuple[str, Path]
):
    command, log = hook
    dest = tmp_path / "photos"
    with emulator_for([card]) as emu:
        proc = Process("sync", str(dest), "--watch", "--hook", command, *address(emu))
        try:
            proc.wait_for_line("Watching for new pictures")
            assert len(hook_lines(log)) == 6  # the first pass
            with ptpkit.sync.connect(emu.host, emu.port) as other:
                (shot,) = other.capture(timeout=10)
            new = dest / shot.relative_path
            assert wait_for(lambda: (str(new),) == tuple(x[1] for x in hook_lines(log)[6:]))
        finally:
            code = proc.interrupt()
    assert code == EXIT_INTERRUPTED and proc.err == []
    assert new.read_bytes()[:2] == b"\xff\xd8"


# -- sync --new ------------------------------------------------------------------------------
def test_sync_new_fetches_only_what_no_earlier_run_saw(
    emulator: EmulatorThread, card: Path, tmp_path: Path
):
    dest = tmp_path / "photos"
    first = invoke("sync", str(dest), "--new", *address(emulator))
    assert first.exit_code == 0 and "Synced 6 file(s)" in first.stdout
    assert (dest / STATE_FILE).is_file()
    for path in dest.rglob("*.JPG"):  # the photographer moves the pictures away
        path.unlink()
    again = invoke("sync", str(dest), "--new", *address(emulator))
    assert again.exit_code == 0 and "Up to date: 0 file(s)" in again.stdout
    assert not list(dest.rglob("*.JPG"))
    jpeg(tmp_path / "up.jpg", (1, 2, 3))
    assert (
        invoke(
            "put", str(tmp_path / "up.jpg"), "--to", "DCIM/100TEST", *address(emulator)
        ).exit_code
        == 0
    )
    third = invoke("sync", str(dest), "--new", *address(emulator))
    assert third.exit_code == 0 and "Synced 1 file(s)" in third.stdout
    assert [p.name for p in dest.rglob("*.jpg")] == ["up.jpg"]
    plain = invoke("sync", str(dest), *address(emulator))  # without --new: what is missing
    assert "Synced 3 file(s)" in plain.stdout


# -- --delete-after --------------------------------------------------------------------------------
def test_get_delete_after_offloads_the_card(emulator: EmulatorThread, card: Path, tmp_path: Path):
    before = tree(card)
    out = tmp_path / "out"
    result = invoke("get", "DCIM", "-o", str(out), "--delete-after", *address(emulator))
    assert result.exit_code == 0, result.output
    assert tree(out) == {  # the folder comes with its tree
        k: v for k, v in before.items() if k.startswith("DCIM/")
    }
    assert not [p for p in (card / "DCIM").rglob("*") if p.is_file()]
    assert result.stdout.count("  deleted /store_00010001/DCIM/") == 4
    assert "4 deleted from the camera" in result.stdout


def test_sync_delete_after_deletes_what_is_safely_here(
    emulator: EmulatorThread, card: Path, tmp_path: Path
):
    dest = tmp_path / "photos"
    before = tree(card)
    kept = dest / "misc/empty.dat"
    kept.parent.mkdir(parents=True)
    kept.write_bytes(b"my own file")  # differs: kept, the camera's saved beside it
    result = invoke("sync", str(dest), "--delete-after", *address(emulator))
    assert result.exit_code == 0, result.output
    assert not [p for p in card.rglob("*") if p.is_file()]
    assert tree(dest) == {**before, "misc/empty.dat": b"my own file", "misc/empty-2.dat": b""}


# -- one bad object -----------------------------------------------------------------------------
def test_one_bad_object_is_reported_and_the_others_go_on(
    emulator: EmulatorThread, card: Path, tmp_path: Path
):
    dest = tmp_path / "photos"
    blocker = dest / "DCIM/100TEST/IMG_0002.JPG.part"
    blocker.mkdir(parents=True)  # the download's temporary file cannot be written
    result = invoke("sync", str(dest), *address(emulator))
    assert result.exit_code == EXIT_ERROR
    assert "DCIM/100TEST/IMG_0002.JPG  FAILED: " in result.stdout
    assert "Synced 5 file(s)" in result.stdout and "1 failed" in result.stdout
    got = tree(dest)
    assert len(got) == 5 and "DCIM/100TEST/IMG_0002.JPG" not in got
