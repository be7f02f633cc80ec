"""A user's files are sacred (issue 12): .part files resumed only when they provably hold
the same object, a different local file never overwritten silently, two camera objects
with one local path both kept, directories created for downloads, temporary names that
fit, no empty .part after an immediate failure, camera text in errors shortened."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import shutil
from pathlib import Path

import pytest
from clitools import CAMERA_GUID, MiB, address, emulator_for, invoke, jpeg, make_card, tree

import ptpkit
import ptpkit.sync
from ptpkit.cli.base import EXIT_CAMERA, EXIT_CONNECT
from ptpkit.emulator import Faults
from ptpkit.localfiles import MAX_NAME_BYTES, ObjectIdentity, part_paths, write_identity
from ptpkit.proto.codes import OperationCode, ResponseCode


@pytest.fixture
def card(tmp_path: Path) -> Path:
    return make_card(tmp_path / "card")


CLIP = "DCIM/101TEST/CLIP.MOV"


# -- .part files ------------------------------------------------------------------------------
def test_a_part_of_unknown_origin_is_not_resumed(card: Path, tmp_path: Path):
    dest = tmp_path / "photos"
    part = dest / (CLIP + ".part")
    part.parent.mkdir(parents=True)
    part.write_bytes(random.Random(7).randbytes(2 * MiB))  # not the clip's first bytes
    with emulator_for([card]) as emu:
        result = invoke("sync", str(dest), *address(emu))
    assert result.exit_code == 0, result.output
    assert "CLIP.MOV.part is not resumed (nothing says which object it holds): starting over" in (
        result.stdout
    )
    assert tree(dest) == tree(card)  # not a corrupt file with exit 0


def test_a_part_of_another_object_is_not_resumed(card: Path, tmp_path: Path):
    dest = tmp_path / "photos" / CLIP
    dest.parent.mkdir(parents=True)
    part, record = part_paths(dest)
    part.write_bytes(random.Random(8).randbytes(MiB))
    other_card = ObjectIdentity("Other Camera 123", 0x00010001, 7, "CLIP.MOV", 5 * MiB + 3, None)
    write_identity(record, other_card)
    with emulator_for([card]) as emu:
        result = invoke("get", CLIP, "-o", str(dest.parent), *address(emu))
    assert result.exit_code == 0, result.output
    assert "CLIP.MOV.part is not resumed (it holds another object): starting over" in result.stdout
    assert dest.read_bytes() == (card / CLIP).read_bytes()
    assert not part.exists() and not record.exists()


def test_an_interrupted_download_resumes_from_its_own_part(card: Path, tmp_path: Path):
    out = tmp_path / "out"
    faults = Faults(drop_after_bytes=2 * MiB, drop_operations=frozenset({OperationCode.GetObject}))
    with emulator_for([card], faults=faults, guid=CAMERA_GUID) as emu:
        cut = invoke("get", CLIP, "-o", str(out), *address(emu))
    assert cut.exit_code == EXIT_CONNECT
    part, record = part_paths(out / "CLIP.MOV")
    assert 0 < part.stat().st_size < (card / CLIP).stat().st_size
    assert json.loads(record.read_text())["name"] == "CLIP.MOV"
    with emulator_for([card], guid=CAMERA_GUID) as emu:  # the same camera, back again
        again = invoke("get", CLIP, "-o", str(out), *address(emu))
    assert again.exit_code == 0, again.output
    assert "(resumed at " in again.stdout
    assert (out / "CLIP.MOV").read_bytes() == (card / CLIP).read_bytes()
    assert not part.exists() and not record.exists()


@pytest.mark.parametrize("length", [237, 240, 250])
def test_long_names_download_and_keep_both(tmp_path: Path, length: int):
    """Names whose record's temporary file (.NAME.part.json.tmp) or whose NAME-2 variant
    would pass 255 bytes: downloaded, then kept beside a different local file."""
    card = tmp_path / "card"
    name = "M" * length + ".JPG"
    jpeg(card / name, (3, 3, 3))
    camera_copy = (card / name).read_bytes()
    out = tmp_path / "out"
    with emulator_for([card]) as emu:
        first = invoke("get", name, "-o", str(out), *address(emu))
        assert first.exit_code == 0, first.output
        assert tree(out) == {name: camera_copy}
        (out / name).write_bytes(b"an edited picture")
        again = invoke("get", name, "-o", str(out), *address(emu))
    assert again.exit_code == 0, again.output
    beside = [p for p in out.iterdir() if p.name != name]
    assert [p.read_bytes() for p in beside] == [camera_copy]
    assert beside[0].name.endswith("-2.JPG") and len(beside[0].name) <= MAX_NAME_BYTES
    assert (out / name).read_bytes() == b"an edited picture"


def test_folders_deeper_than_the_recursion_limit_are_created(card: Path, tmp_path: Path):
    """A camera's folder chain (or a destination) deeper than Python's recursion limit:
    the folders are made one by one, not by pathlib's recursive mkdir (RecursionError)."""
    top = tmp_path / "deep"
    deep = top.joinpath(*["d"] * 1200)
    try:
        with emulator_for([card]) as emu:
            got = invoke("get", "IMG_0001.JPG", "-o", str(deep / "get"), *address(emu))
            synced = invoke("sync", str(deep / "sync"), *address(emu))

            async def library() -> None:
                async with ptpkit.connect(emu.host, emu.port) as camera:
                    [obj] = [o async for o in camera.walk() if o.name == "IMG_0002.JPG"]
                    await camera.download(obj, f"{deep}/lib/")

            asyncio.run(asyncio.wait_for(library(), 60))
        assert got.exit_code == 0, got.output
        assert synced.exit_code == 0, synced.output
        camera_copy = (card / "DCIM/100TEST/IMG_0001.JPG").read_bytes()
        assert (deep / "get/IMG_0001.JPG").read_bytes() == camera_copy
        assert (deep / "sync/DCIM/100TEST/IMG_0001.JPG").read_bytes() == camera_copy
        assert (deep / "lib/IMG_0002.JPG").is_file()
    finally:  # pytest's own clean-up of old temporary folders recurses too: remove it here
        _remove_chain(top, deep)


def _remove_chain(top: Path, deep: Path) -> None:
    """Remove ``deep`` (shutil.rmtree, shallow below it), then its parents up to ``top``."""
    if deep.exists():
        shutil.rmtree(deep)
    folder = deep.parent
    while folder != top.parent:
        with contextlib.suppress(FileNotFoundError):
            folder.rmdir()
        folder = folder.parent


def test_an_immediate_failure_leaves_no_empty_part(card: Path, tmp_path: Path):
    out = tmp_path / "out"
    faults = Faults(fail={OperationCode.GetObject: ResponseCode.AccessDenied})
    with emulator_for([card], faults=faults) as emu:
        result = invoke("get", "IMG_000*.JPG", "-o", str(out), *address(emu))
    assert result.exit_code == EXIT_CAMERA
    assert result.stdout.count("FAILED: camera answered AccessDenied") == 2
    assert [p for p in out.rglob("*") if p.is_file()] == []


def test_names_too_long_for_a_part_suffix_still_download(tmp_path: Path):
    card = tmp_path / "card"
    name = "N" * 250 + ".JPG"  # 254: the longest PTP string; NAME.part would not fit
    assert len(name + ".part") > MAX_NAME_BYTES
    jpeg(card / name, (9, 9, 9))
    part, record = part_paths(tmp_path / "out" / name)
    assert len(part.name) < 64 and len(record.name) < 64
    with emulator_for([card]) as emu:
        result = invoke("get", name, "-o", str(tmp_path / "out"), *address(emu))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / name).read_bytes() == (card / name).read_bytes()


# -- files already there ------------------------------------------------------------------------
def test_a_different_local_file_is_never_overwritten_silently(card: Path, tmp_path: Path):
    out = tmp_path / "out"
    mine = out / "IMG_0001.JPG"
    mine.parent.mkdir()
    mine.write_bytes(b"an edited picture")
    camera_copy = (card / "DCIM/100TEST/IMG_0001.JPG").read_bytes()
    with emulator_for([card]) as emu:
        kept = invoke("get", "IMG_0001.JPG", "-o", str(out), *address(emu))
        assert kept.exit_code == 0, kept.output
        assert (
            "IMG_0001.JPG is already there (a different file): saved as IMG_0001-2.JPG"
            in kept.stdout
        )
        assert tree(out) == {"IMG_0001.JPG": b"an edited picture", "IMG_0001-2.JPG": camera_copy}
        again = invoke("get", "IMG_0001.JPG", "-o", str(out), *address(emu))
        assert "Downloaded 0 file(s)" in again.stdout and "1 already there" in again.stdout
        assert len(tree(out)) == 2
        (out / "IMG_0001-2.JPG").unlink()
        skipped = invoke("get", "IMG_0001.JPG", "-o", str(out), "--skip-existing", *address(emu))
        assert skipped.exit_code == 0
        assert "IMG_0001.JPG is already there (a different file): kept" in skipped.stdout
        assert tree(out) == {"IMG_0001.JPG": b"an edited picture"}
        replaced = invoke("get", "IMG_0001.JPG", "-o", str(out), "--overwrite", *address(emu))
        assert replaced.exit_code == 0 and "IMG_0001.JPG differs: overwritten" in replaced.stdout
        assert tree(out) == {"IMG_0001.JPG": camera_copy}


def test_two_camera_objects_with_one_local_path_are_both_kept(card: Path, tmp_path: Path):
    jpeg(card / "DCIM/101TEST/IMG_0001.JPG", (1, 1, 1))  # a second IMG_0001.JPG
    (card / "misc/a\\b.txt").write_text("backslash\n")  # both are a_b.txt locally
    (card / "misc/a_b.txt").write_text("underscore\n")
    with emulator_for([card]) as emu:
        got = invoke("get", "IMG_0001.JPG", "-o", str(tmp_path / "got"), *address(emu))
        synced = invoke("sync", str(tmp_path / "sync"), *address(emu))
        again = invoke("sync", str(tmp_path / "sync"), *address(emu))
    assert got.exit_code == 0, got.output
    assert "another object of this name goes to IMG_0001.JPG: kept as IMG_0001-2.JPG" in got.stdout
    assert sorted(tree(tmp_path / "got").values()) == sorted(
        [
            (card / "DCIM/100TEST/IMG_0001.JPG").read_bytes(),
            (card / "DCIM/101TEST/IMG_0001.JPG").read_bytes(),
        ]
    )
    assert synced.exit_code == 0 and "Synced 9 file(s)" in synced.stdout
    local = tree(tmp_path / "sync")
    assert len(local) == 9
    assert {local["misc/a_b.txt"], local["misc/a_b-2.txt"]} == {b"backslash\n", b"underscore\n"}
    assert "Up to date: 9 file(s)" in again.stdout


# -- the library --------------------------------------------------------------------------------
def test_download_to_a_new_directory_as_the_readme_shows(card: Path, tmp_path: Path):
    async def main(host: str, port: int) -> list[Path]:
        written = []
        async with ptpkit.connect(host, port) as camera:
            async for obj in camera.walk():
                written.append(await camera.download(obj, str(tmp_path / "dl") + "/"))
            written += await camera.download(
                await camera.list_objects("DCIM"), tmp_path / "several"
            )
        return written

    with emulator_for([card]) as emu:
        written = asyncio.run(main(emu.host, emu.port))
    assert (tmp_path / "dl").is_dir() and (tmp_path / "several").is_dir()
    assert len(tree(tmp_path / "dl")) == 6 and len(tree(tmp_path / "several")) == 4
    assert len(set(written)) == 10


def test_the_library_policy_and_notes(card: Path, tmp_path: Path):
    notes: list[str] = []
    mine = tmp_path / "IMG_0001.JPG"
    mine.write_bytes(b"mine")
    with emulator_for([card]) as emu, ptpkit.sync.connect(emu.host, emu.port) as camera:
        obj = camera.find("DCIM/100TEST/IMG_0001.JPG")
        beside = camera.download(obj, tmp_path, notify=notes.append)
        assert beside == tmp_path / "IMG_0001-2.JPG" and mine.read_bytes() == b"mine"
        assert camera.download(obj, tmp_path, existing="skip") == mine
        assert camera.download(obj, tmp_path, existing="overwrite") == mine
        with pytest.raises(ValueError):
            camera.download(obj, tmp_path, existing="sometimes")
    assert mine.read_bytes() == (card / "DCIM/100TEST/IMG_0001.JPG").read_bytes()
    assert notes == [
        "/store_00010001/DCIM/100TEST/IMG_0001.JPG: IMG_0001.JPG is already there "
        "(a different file): saved as IMG_0001-2.JPG"
    ]


# -- camera text in errors ----------------------------------------------------------------------
def test_camera_text_in_errors_is_shortened(tmp_path: Path):
    card = tmp_path / "card"
    deep = card.joinpath(*[f"folder{i:02d}-" + "x" * 50 for i in range(40)])
    deep.mkdir(parents=True)
    (deep / "deep.txt").write_text("down here\n")
    faults = Faults(fail={OperationCode.GetObject: ResponseCode.GeneralError})
    with emulator_for([card], faults=faults) as emu:
        result = invoke("get", "deep.txt", "-o", str(tmp_path / "out"), *address(emu))
        missing = invoke("ls", "nothing-" + "y" * 3000, *address(emu))
    assert result.exit_code == EXIT_CAMERA
    assert "FAILED: camera answered GeneralError" in result.stdout
    assert max(len(line) for line in result.output.splitlines()) < 300
    assert missing.exit_code == EXIT_CAMERA and len(missing.stderr) < 300
