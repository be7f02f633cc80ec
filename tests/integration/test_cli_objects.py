"""Naming objects one way for every command (a name, a path, a pattern, a folder, a
storage), and the commands that use it: ls, get (folders with their tree, -o -), thumb,
rm (shows, asks, --yes, --dry-run), mkdir; empty storages and folders list as empty."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from clitools import address, emulator_for, invoke, make_card, one_line, tree
from PIL import Image

from ptpkit.cli.base import EXIT_CAMERA, EXIT_ERROR, EXIT_USAGE
from ptpkit.cli.demo import EmulatorThread

STORE = "/store_00010001"


@pytest.fixture
def card(tmp_path: Path) -> Path:
    return make_card(tmp_path / "card")


@pytest.fixture
def emulator(card: Path) -> Iterator[EmulatorThread]:
    with emulator_for([card]) as emu:
        yield emu


def listed(emu: EmulatorThread, *names: str) -> list[str]:
    result = invoke("ls", *names, *address(emu))
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


# -- one way to name objects ---------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    [
        "IMG_0101.JPG",  # a name, anywhere on the card
        "img_0101.jpg",  # in any case
        "DCIM/101TEST/IMG_0101.JPG",  # a path inside the storage
        f"{STORE}/DCIM/101TEST/IMG_0101.JPG",  # a full path
        "IMG_01*.JPG",  # a pattern on names
        "*/101TEST/*.JPG",  # a pattern on paths
    ],
)
def test_the_same_names_work_for_ls_get_and_rm(
    emulator: EmulatorThread, card: Path, tmp_path: Path, name: str
):
    path = f"{STORE}/DCIM/101TEST/IMG_0101.JPG"
    assert listed(emulator, name) == [path]
    got = invoke("get", name, "-o", str(tmp_path / "got"), *address(emulator))
    assert got.exit_code == 0, got.output
    assert tree(tmp_path / "got") == {"IMG_0101.JPG": (card / path[16:]).read_bytes()}
    gone = invoke("rm", name, *address(emulator))
    assert gone.exit_code == 0, gone.output
    assert gone.stdout.splitlines() == [f"to delete: {path}", f"deleted {path}"]
    assert not (card / "DCIM/101TEST/IMG_0101.JPG").exists()


def test_ls_of_folders_storages_and_empty_ones(emulator: EmulatorThread, tmp_path: Path):
    assert listed(emulator, "DCIM/101TEST") == [
        f"{STORE}/DCIM/101TEST/CLIP.MOV",
        f"{STORE}/DCIM/101TEST/IMG_0101.JPG",
    ]
    assert f"{STORE}/misc/deep/deeper/" in listed(emulator, "misc")
    assert len(listed(emulator, STORE)) == len(listed(emulator))
    assert listed(emulator, "misc/empty.dat") == [f"{STORE}/misc/empty.dat"]
    assert invoke("mkdir", "DCIM/EMPTY", *address(emulator)).exit_code == 0
    assert listed(emulator, "DCIM/EMPTY") == []  # an empty folder lists as empty
    nothing = invoke("ls", "DCIM/none", *address(emulator))
    assert nothing.exit_code == EXIT_CAMERA
    assert one_line(nothing.stderr) == "ptpkit: error: no object on the camera matches 'DCIM/none'"
    empty = tmp_path / "empty"
    empty.mkdir()
    with emulator_for([empty]) as bare:
        for names in ((), (STORE,), ("/",)):
            result = invoke("ls", *names, *address(bare))
            assert result.exit_code == 0 and result.stdout == "", names
        assert json.loads(invoke("ls", "--json", STORE, *address(bare)).stdout) == []


# -- get ---------------------------------------------------------------------------------------
def test_get_of_a_folder_keeps_the_tree_below_it(
    emulator: EmulatorThread, card: Path, tmp_path: Path
):
    out = tmp_path / "out"
    result = invoke("get", "misc", "DCIM/101TEST", "-o", str(out), *address(emulator))
    assert result.exit_code == 0, result.output
    assert tree(out) == {
        "misc/deep/deeper/notes.txt": b"deep\n",
        "misc/empty.dat": b"",
        "101TEST/CLIP.MOV": (card / "DCIM/101TEST/CLIP.MOV").read_bytes(),
        "101TEST/IMG_0101.JPG": (card / "DCIM/101TEST/IMG_0101.JPG").read_bytes(),
    }
    whole = invoke("get", STORE, "-o", str(tmp_path / "all"), *address(emulator))
    assert whole.exit_code == 0 and tree(tmp_path / "all") == tree(card)


def test_get_to_standard_output(emulator: EmulatorThread, card: Path):
    result = invoke("get", "IMG_0002.JPG", "-o", "-", *address(emulator))
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == (card / "DCIM/100TEST/IMG_0002.JPG").read_bytes()
    assert not Path("-").exists()
    many = invoke("get", "*.JPG", "-o", "-", *address(emulator))
    assert many.exit_code == EXIT_USAGE
    assert one_line(many.stderr).startswith("ptpkit: error: -o - writes one file, and 3 match")


def test_thumbnails(emulator: EmulatorThread, tmp_path: Path):
    result = invoke("thumb", "DCIM/100TEST", "-o", str(tmp_path / "t"), *address(emulator))
    assert result.exit_code == 0, result.output
    thumbs = sorted(
        p.relative_to(tmp_path / "t").as_posix() for p in (tmp_path / "t").rglob("*.jpg")
    )
    assert thumbs == ["100TEST/thumb_IMG_0001.jpg", "100TEST/thumb_IMG_0002.jpg"]
    with Image.open(tmp_path / "t" / thumbs[0]) as im:
        assert im.format == "JPEG" and max(im.size) <= 160
    none = invoke("thumb", "notes.txt", "-o", str(tmp_path / "t"), *address(emulator))
    assert none.exit_code == EXIT_CAMERA and "notes.txt  FAILED: " in none.stdout, none.output


# -- rm ---------------------------------------------------------------------------------------
def test_rm_shows_what_it_will_delete_and_asks(emulator: EmulatorThread, card: Path):
    dry = invoke("rm", "--dry-run", "-r", "misc", "IMG_000*.JPG", *address(emulator))
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.splitlines() == [
        f"would delete {STORE}/misc (a folder, with the 4 objects in it)",
        f"would delete {STORE}/DCIM/100TEST/IMG_0001.JPG",
        f"would delete {STORE}/DCIM/100TEST/IMG_0002.JPG",
        "7 object(s) would be deleted (dry run).",
    ]
    assert tree(card)  # nothing deleted
    declined = invoke("rm", "IMG_000*.JPG", *address(emulator), input="n\n")
    assert declined.exit_code == EXIT_ERROR
    assert "Delete these 2 objects? [y/N]" in declined.stderr
    assert "Nothing deleted." in declined.stdout
    assert (card / "DCIM/100TEST/IMG_0001.JPG").exists()
    no_answer = invoke("rm", "IMG_000*.JPG", *address(emulator), input="")
    assert no_answer.exit_code == EXIT_ERROR and (card / "DCIM/100TEST/IMG_0001.JPG").exists()
    accepted = invoke("rm", "IMG_000*.JPG", *address(emulator), input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert not (card / "DCIM/100TEST/IMG_0001.JPG").exists()
    assert not (card / "DCIM/100TEST/IMG_0002.JPG").exists()
    folder = invoke("rm", "-r", "--yes", "misc", *address(emulator))
    assert folder.exit_code == 0 and not (card / "misc").exists()


def test_rm_refuses_folders_without_r_and_whole_storages(emulator: EmulatorThread, card: Path):
    folder = invoke("rm", "DCIM", *address(emulator))
    assert folder.exit_code == EXIT_USAGE
    assert one_line(folder.stderr).endswith("is a folder: add -r to delete it and its contents")
    store = invoke("rm", "-r", "-y", STORE, *address(emulator))
    assert store.exit_code == EXIT_USAGE and "is a whole storage" in store.stderr
    assert (card / "DCIM").exists()


# -- mkdir -----------------------------------------------------------------------------------
def test_mkdir(emulator: EmulatorThread, card: Path):
    made = invoke("mkdir", "DCIM/200NEW/SUB", f"{STORE}/OTHER", *address(emulator))
    assert made.exit_code == 0, made.output
    assert made.stdout.splitlines() == [
        f"created {STORE}/DCIM/200NEW/SUB",
        f"created {STORE}/OTHER",
    ]
    assert (card / "DCIM/200NEW/SUB").is_dir() and (card / "OTHER").is_dir()
    again = invoke("mkdir", "DCIM/200NEW", *address(emulator))
    assert again.exit_code == 0 and again.stdout.strip() == f"exists: {STORE}/DCIM/200NEW"
    on_file = invoke("mkdir", "misc/empty.dat", *address(emulator))
    assert on_file.exit_code == EXIT_CAMERA and "is not a folder" in on_file.stderr


def test_patterns_match_files_or_else_folders(emulator: EmulatorThread, card: Path, tmp_path: Path):
    # '*' is every file (flat, as a shell's *), not the folders with their trees
    flat = invoke("get", "*", "-o", str(tmp_path / "flat"), *address(emulator))
    assert flat.exit_code == 0, flat.output
    assert sorted(tree(tmp_path / "flat")) == sorted(p.name for p in card.rglob("*") if p.is_file())
    # a pattern that matches folders only stands for them
    assert listed(emulator, "DCIM/10*") == [
        f"{STORE}/DCIM/100TEST/IMG_0001.JPG",
        f"{STORE}/DCIM/100TEST/IMG_0002.JPG",
        f"{STORE}/DCIM/101TEST/CLIP.MOV",
        f"{STORE}/DCIM/101TEST/IMG_0101.JPG",
    ]
    dry = invoke("rm", "--dry-run", "*", *address(emulator))  # files only: no -r needed
    assert dry.exit_code == 0 and "6 object(s) would be deleted" in dry.stdout
