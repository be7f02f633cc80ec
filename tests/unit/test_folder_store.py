"""FolderStore: folders on disk served as PTP storages (handles, ObjectInfo, writes, rescan).

Every test builds its own tree under ``tmp_path``. Expected values (handles filters,
response codes, the 0xFFFFFFFF size sentinel) come from the reference (§2.3, §3.3, §3.5),
not from the code under test.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from PIL import ExifTags, Image

from ptpkit.emulator import store_reading
from ptpkit.emulator.folder_store import (
    TEMP_PREFIX,
    FolderStore,
    StoreError,
    storage_id_for_index,
    validate_object_name,
)
from ptpkit.emulator.imaging import (
    clear_thumbnail_cache,
    generate_capture_jpeg,
    make_thumbnail,
    probe_image,
)
from ptpkit.proto.codes import (
    AccessCapability,
    AssociationType,
    FilesystemType,
    ObjectFormat,
    ResponseCode,
)
from ptpkit.proto.datasets import ObjectInfo, format_ptp_datetime

ALL = 0xFFFFFFFF
ROOT = 0xFFFFFFFF
S1 = 0x00010001
S2 = 0x00020001
NON_ASCII = "Übersicht_日本語_café.jpg"


# -- helpers ------------------------------------------------------------------------------


class Usage(NamedTuple):
    """What shutil.disk_usage returns."""

    total: int
    used: int
    free: int


def jpeg_bytes(size: tuple[int, int] = (64, 48), color: str = "orange") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


def png_bytes(size: tuple[int, int] = (20, 10)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 0, 255, 128)).save(out, "PNG")
    return out.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def by_name(store: FolderStore) -> dict[str, int]:
    """filename → handle for every object (the fixture's names are unique)."""
    return {store.object_info(h).filename: h for h in store.handles()}


def names(store: FolderStore, handles: list[int]) -> set[str]:
    return {store.object_info(h).filename for h in handles}


def code_of(excinfo: pytest.ExceptionInfo[StoreError]) -> int:
    return excinfo.value.code


def snapshot(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.fixture(autouse=True)
def _fresh_thumbnail_cache() -> Iterator[None]:
    clear_thumbnail_cache()
    yield
    clear_thumbnail_cache()


@pytest.fixture
def card(tmp_path: Path) -> Path:
    """A memory-card-like tree::

    card/
      DCIM/100CANON/IMG_0001.JPG  IMG_0002.JPG  MVI_0003.MOV
      DCIM/101CANON/<non-ASCII>.jpg
      MISC/notes.txt
      top.png
    """
    root = tmp_path / "card"
    write(root / "DCIM/100CANON/IMG_0001.JPG", jpeg_bytes((64, 48)))
    write(root / "DCIM/100CANON/IMG_0002.JPG", jpeg_bytes((30, 40), "blue"))
    write(root / "DCIM/100CANON/MVI_0003.MOV", b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00" * 4)
    write(root / "DCIM/101CANON" / NON_ASCII, jpeg_bytes((16, 16)))
    write(root / "MISC/notes.txt", b"shopping list\n")
    write(root / "top.png", png_bytes())
    return root


@pytest.fixture
def store(card: Path) -> Iterator[FolderStore]:
    with FolderStore([card], writable=True) as s:
        yield s


@pytest.fixture
def ro_store(card: Path) -> FolderStore:
    return FolderStore([card])


# -- construction and storages --------------------------------------------------------------


def test_storage_ids_follow_the_folders(tmp_path: Path) -> None:
    dirs = [tmp_path / n for n in ("a", "b", "c")]
    for d in dirs:
        d.mkdir()
    store = FolderStore(dirs)
    assert store.storage_ids() == [0x00010001, 0x00020001, 0x00030001]
    assert [storage_id_for_index(i) for i in range(3)] == store.storage_ids()
    assert store.storage_root(S2) == dirs[1].resolve()


def test_storage_info(store: FolderStore, ro_store: FolderStore, card: Path) -> None:
    info = store.storage_info(S1)
    assert info.filesystem_type == FilesystemType.GenericHierarchical
    assert info.access_capability == AccessCapability.ReadWrite
    assert 0 < info.free_space_in_bytes <= info.max_capacity
    assert info.storage_description == "card"
    assert info.volume_label == "card"
    assert info.storage_type in (3, 4)  # FixedRAM or RemovableRAM
    info.encode()  # a valid dataset
    assert ro_store.storage_info(S1).access_capability == AccessCapability.ReadOnlyWithoutDeletion
    with pytest.raises(StoreError) as excinfo:
        store.storage_info(0x00020001)
    assert code_of(excinfo) == ResponseCode.InvalidStorageID


def test_bad_roots_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a/b").mkdir(parents=True)
    (tmp_path / "file").write_bytes(b"x")
    with pytest.raises(ValueError, match="overlap"):
        FolderStore([tmp_path / "a", tmp_path / "a/b"])
    with pytest.raises(ValueError, match="overlap"):
        FolderStore([tmp_path / "a", tmp_path / "a"])
    with pytest.raises(ValueError, match="not a folder"):
        FolderStore([tmp_path / "file"])
    with pytest.raises(ValueError, match="not a folder"):
        FolderStore([tmp_path / "missing"])
    with pytest.raises(ValueError):
        FolderStore([])


# -- layout, ObjectInfo --------------------------------------------------------------------


def test_dcim_layout_handles_and_parents(store: FolderStore) -> None:
    h = by_name(store)
    assert set(h) == {
        "DCIM",
        "100CANON",
        "101CANON",
        "IMG_0001.JPG",
        "IMG_0002.JPG",
        "MVI_0003.MOV",
        NON_ASCII,
        "MISC",
        "notes.txt",
        "top.png",
    }
    assert all(1 <= x < 0xFFFFFFFF for x in h.values())
    parent = {name: store.object_info(handle).parent_object for name, handle in h.items()}
    assert parent["DCIM"] == 0
    assert parent["MISC"] == 0
    assert parent["top.png"] == 0
    assert parent["100CANON"] == h["DCIM"]
    assert parent["101CANON"] == h["DCIM"]
    assert parent["IMG_0001.JPG"] == h["100CANON"]
    assert parent[NON_ASCII] == h["101CANON"]
    assert parent["notes.txt"] == h["MISC"]
    folder = store.object_info(h["100CANON"])
    assert folder.object_format == ObjectFormat.Association
    assert folder.association_type == AssociationType.GenericFolder
    assert folder.object_compressed_size == 0
    assert store.is_association(h["DCIM"])
    assert not store.is_association(h["top.png"])


def test_object_info_of_files(store: FolderStore, card: Path) -> None:
    h = by_name(store)
    jpg = store.object_info(h["IMG_0001.JPG"])
    path = card / "DCIM/100CANON/IMG_0001.JPG"
    assert jpg.storage_id == S1
    assert jpg.object_format == ObjectFormat.EXIF_JPEG
    assert jpg.object_compressed_size == path.stat().st_size
    assert (jpg.image_pix_width, jpg.image_pix_height, jpg.image_bit_depth) == (64, 48, 24)
    assert jpg.thumb_format == ObjectFormat.EXIF_JPEG
    assert jpg.thumb_compressed_size > 0
    assert (jpg.thumb_pix_width, jpg.thumb_pix_height) == (64, 48)  # already small
    assert jpg.association_type == 0
    assert re.fullmatch(r"\d{8}T\d{6}", jpg.capture_date)
    expected = format_ptp_datetime(datetime.fromtimestamp(path.stat().st_mtime_ns / 1e9))
    assert jpg.modification_date == expected == jpg.capture_date
    png = store.object_info(h["top.png"])
    assert (png.object_format, png.image_pix_width, png.image_pix_height) == (
        ObjectFormat.PNG,
        20,
        10,
    )
    assert png.image_bit_depth == 32
    mov = store.object_info(h["MVI_0003.MOV"])
    assert mov.object_format == ObjectFormat.QuickTime
    assert (mov.thumb_format, mov.image_pix_width) == (0, 0)
    txt = store.object_info(h["notes.txt"])
    assert txt.object_format == ObjectFormat.Text
    # Every ObjectInfo is a valid dataset that survives a round trip.
    for handle in store.handles():
        info = store.object_info(handle)
        assert ObjectInfo.decode(info.encode()) == info


def test_non_ascii_names(store: FolderStore) -> None:
    h = by_name(store)
    info = store.object_info(h[NON_ASCII])
    assert info.filename == NON_ASCII
    assert ObjectInfo.decode(info.encode()).filename == NON_ASCII
    with store.open_object(h[NON_ASCII]) as f:
        assert f.read(3) == b"\xff\xd8\xff"


def test_long_names_are_truncated_keeping_the_extension(tmp_path: Path) -> None:
    name = "a" * 251 + ".jpg"  # 255 bytes: legal on disk, one unit too long for PTP
    write(tmp_path / name, b"x")
    wide = "日" * 80 + ".txt"  # 244 bytes of UTF-8, 84 UTF-16 units: kept as is
    write(tmp_path / wide, b"x")
    store = FolderStore([tmp_path])
    filenames = names(store, store.handles())
    short = next(n for n in filenames if n.startswith("a"))
    assert len(short) == 254
    assert short.endswith(".jpg")
    assert wide in filenames
    for handle in store.handles():
        store.object_info(handle).encode()


@pytest.mark.skipif(os.name != "posix", reason="needs byte file names")
def test_undecodable_names_are_served(tmp_path: Path) -> None:
    raw = os.fsencode(tmp_path) + b"/bad\xff name.txt"
    fd = os.open(raw, os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, b"x")
    os.close(fd)
    store = FolderStore([tmp_path])
    (handle,) = store.handles()
    info = store.object_info(handle)
    assert info.filename == "bad\ufffd name.txt"
    info.encode()
    with store.open_object(handle) as f:
        assert f.read() == b"x"


def test_huge_sparse_file_reports_the_size_sentinel(tmp_path: Path) -> None:
    path = tmp_path / "huge.mov"
    with path.open("wb") as f:
        f.truncate(5 * 2**30)
    small = write(tmp_path / "edge.bin", b"\x00" * 10)
    store = FolderStore([tmp_path])
    h = by_name(store)
    assert store.object_info(h["huge.mov"]).object_compressed_size == 0xFFFFFFFF
    assert store.object_size(h["huge.mov"]) == 5 * 2**30
    assert store.object_info(h["edge.bin"]).object_compressed_size == small.stat().st_size


def test_corrupt_and_odd_files_are_plain_objects(tmp_path: Path) -> None:
    write(tmp_path / "broken.jpg", b"\xff\xd8\xff\xe0" + b"\x13\x37" * 100)
    write(tmp_path / "empty.JPG", b"")
    write(tmp_path / "truncated.png", png_bytes()[:40])
    write(tmp_path / "random.dat", bytes(range(256)))
    store = FolderStore([tmp_path], writable=True)
    h = by_name(store)
    broken = store.object_info(h["broken.jpg"])
    assert broken.object_format == ObjectFormat.EXIF_JPEG
    assert (broken.image_pix_width, broken.thumb_format, broken.thumb_compressed_size) == (0, 0, 0)
    assert store.object_info(h["empty.JPG"]).object_format == ObjectFormat.EXIF_JPEG
    assert store.object_info(h["empty.JPG"]).object_compressed_size == 0
    assert store.object_info(h["truncated.png"]).object_format == ObjectFormat.PNG
    assert store.object_info(h["random.dat"]).object_format == ObjectFormat.Undefined
    for name in ("broken.jpg", "empty.JPG", "truncated.png", "random.dat"):
        with pytest.raises(StoreError) as excinfo:
            store.thumbnail(h[name])
        assert code_of(excinfo) == ResponseCode.NoThumbnailPresent
    with store.open_object(h["broken.jpg"]) as f:
        assert f.read() == (tmp_path / "broken.jpg").read_bytes()


def test_unreadable_file_falls_back_to_the_extension(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "locked.jpg", jpeg_bytes())
    store = FolderStore([tmp_path])
    (handle,) = store.handles()
    real_open = Path.open

    def refuse(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == "locked.jpg":
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    monkeypatch.setattr(store_reading, "probe_image", lambda path: None)
    info = store.object_info(handle)
    assert info.object_format == ObjectFormat.EXIF_JPEG
    assert info.image_pix_width == 0


def test_vanished_file_keeps_its_last_info_until_rescan(store: FolderStore, card: Path) -> None:
    h = by_name(store)
    (card / "top.png").unlink()
    assert store.object_info(h["top.png"]).filename == "top.png"
    with pytest.raises(StoreError) as excinfo:
        store.open_object(h["top.png"])
    assert code_of(excinfo) == ResponseCode.InvalidObjectHandle
    assert store.rescan() == ([], [h["top.png"]])


def test_unknown_handles(store: FolderStore) -> None:
    for bad in (0, 999_999, 0xFFFFFFFF):
        for call in (store.object_info, store.object_size, store.open_object, store.thumbnail):
            with pytest.raises(StoreError) as excinfo:
                call(bad)
            assert code_of(excinfo) == ResponseCode.InvalidObjectHandle


# -- GetObjectHandles ------------------------------------------------------------------------

FILES = {"IMG_0001.JPG", "IMG_0002.JPG", "MVI_0003.MOV", NON_ASCII, "notes.txt", "top.png"}
FOLDERS = {"DCIM", "100CANON", "101CANON", "MISC"}
IMAGES = {"IMG_0001.JPG", "IMG_0002.JPG", NON_ASCII, "top.png"}


@pytest.mark.parametrize(
    ("storage", "fmt", "parent", "expected"),
    [
        (ALL, 0, 0, FILES | FOLDERS),
        (S1, 0, 0, FILES | FOLDERS),
        (ALL, 0, ROOT, {"DCIM", "MISC", "top.png"}),
        (S1, 0, ROOT, {"DCIM", "MISC", "top.png"}),
        (S1, 0, "DCIM", {"100CANON", "101CANON"}),
        (ALL, 0, "100CANON", {"IMG_0001.JPG", "IMG_0002.JPG", "MVI_0003.MOV"}),
        (ALL, ALL, 0, IMAGES),
        (S1, ALL, ROOT, {"top.png"}),
        (S1, ALL, "100CANON", {"IMG_0001.JPG", "IMG_0002.JPG"}),
        (ALL, ALL, "DCIM", set()),
        (ALL, ObjectFormat.EXIF_JPEG, 0, IMAGES - {"top.png"}),
        (ALL, ObjectFormat.Association, 0, FOLDERS),
        (ALL, ObjectFormat.Association, ROOT, {"DCIM", "MISC"}),
        (ALL, ObjectFormat.QuickTime, "100CANON", {"MVI_0003.MOV"}),
        (ALL, ObjectFormat.Text, 0, {"notes.txt"}),
        (ALL, ObjectFormat.TIFF, 0, set()),
    ],
)
def test_get_object_handles_filters(
    store: FolderStore, storage: int, fmt: int, parent: int | str, expected: set[str]
) -> None:
    h = by_name(store)
    parent_handle = h[parent] if isinstance(parent, str) else parent
    found = store.handles(storage, fmt, parent_handle)
    assert found == sorted(found)
    assert len(found) == len(set(found))
    assert names(store, found) == expected
    assert store.num_objects(storage, fmt, parent_handle) == len(expected)


def test_get_object_handles_errors(store: FolderStore) -> None:
    h = by_name(store)
    cases = [
        ((0x00020001, 0, 0), ResponseCode.InvalidStorageID),
        ((0, 0, 0), ResponseCode.InvalidStorageID),
        ((ALL, 0, h["top.png"]), ResponseCode.InvalidParentObject),
        ((ALL, 0, 123_456), ResponseCode.InvalidParentObject),
        ((ALL, ALL, h["notes.txt"]), ResponseCode.InvalidParentObject),
    ]
    for args, code in cases:
        with pytest.raises(StoreError) as excinfo:
            store.handles(*args)
        assert code_of(excinfo) == code, args


def test_get_object_handles_across_storages(tmp_path: Path) -> None:
    write(tmp_path / "a/DCIM/100A/A1.JPG", jpeg_bytes())
    write(tmp_path / "a/a.txt", b"a")
    write(tmp_path / "b/DCIM/100B/B1.JPG", jpeg_bytes())
    store = FolderStore([tmp_path / "a", tmp_path / "b"])
    assert names(store, store.handles(ALL, 0, ROOT)) == {"DCIM", "a.txt"}
    assert len(store.handles(ALL, 0, ROOT)) == 3  # one DCIM per storage
    assert names(store, store.handles(S2, 0, 0)) == {"DCIM", "100B", "B1.JPG"}
    assert names(store, store.handles(ALL, ALL, 0)) == {"A1.JPG", "B1.JPG"}
    b_dcim = next(h for h in store.handles(S2, 0, ROOT))
    assert store.object_info(b_dcim).storage_id == S2
    assert names(store, store.handles(S2, 0, b_dcim)) == {"100B"}
    assert store.handles(S1, 0, b_dcim) == []  # a folder of another storage
    assert len(store.handles(ALL, 0, 0)) == 7


# -- thumbnails, reading ---------------------------------------------------------------------


def test_thumbnail_of_a_real_jpeg(tmp_path: Path) -> None:
    write(tmp_path / "big.jpg", jpeg_bytes((800, 600)))
    store = FolderStore([tmp_path])
    (handle,) = store.handles()
    info = store.object_info(handle)
    data = store.thumbnail(handle)
    assert data.startswith(b"\xff\xd8")
    with Image.open(io.BytesIO(data)) as thumb:
        assert thumb.format == "JPEG"
        thumb.load()
        assert thumb.size == (160, 120)
        assert (info.thumb_pix_width, info.thumb_pix_height) == thumb.size
    assert info.thumb_format == ObjectFormat.EXIF_JPEG
    assert info.thumb_compressed_size == len(data)
    assert make_thumbnail(tmp_path / "big.jpg") == data


def test_thumbnails_off(tmp_path: Path) -> None:
    write(tmp_path / "big.jpg", jpeg_bytes((800, 600)))
    store = FolderStore([tmp_path], thumbnails=False)
    (handle,) = store.handles()
    info = store.object_info(handle)
    assert (info.thumb_format, info.thumb_compressed_size) == (0, 0)
    assert (info.image_pix_width, info.image_pix_height) == (800, 600)
    assert store.thumbnail(handle).startswith(b"\xff\xd8")  # still made on demand


def test_no_thumbnail_for_folders_and_non_images(store: FolderStore) -> None:
    h = by_name(store)
    for name in ("DCIM", "notes.txt", "MVI_0003.MOV"):
        with pytest.raises(StoreError) as excinfo:
            store.thumbnail(h[name])
        assert code_of(excinfo) == ResponseCode.NoThumbnailPresent


def test_object_info_follows_file_changes(store: FolderStore, card: Path) -> None:
    h = by_name(store)
    path = card / "DCIM/100CANON/IMG_0001.JPG"
    before = store.object_info(h["IMG_0001.JPG"])
    path.write_bytes(jpeg_bytes((320, 200)))
    os.utime(path, ns=(1, 2_000_000_000_000_000_000))
    after = store.object_info(h["IMG_0001.JPG"])
    assert (after.image_pix_width, after.image_pix_height) == (320, 200)
    assert after.object_compressed_size == path.stat().st_size
    assert after.thumb_compressed_size != before.thumb_compressed_size
    assert store.object_size(h["IMG_0001.JPG"]) == path.stat().st_size


def test_open_object_and_object_path(store: FolderStore, card: Path) -> None:
    h = by_name(store)
    path = store.object_path(h["notes.txt"])
    assert path == (card / "MISC/notes.txt").resolve()
    with store.open_object(h["notes.txt"]) as f:
        assert f.read() == b"shopping list\n"
    with pytest.raises(StoreError) as excinfo:
        store.open_object(h["DCIM"])
    assert code_of(excinfo) == ResponseCode.AccessDenied


# -- safety -----------------------------------------------------------------------------------


def test_symlinks(tmp_path: Path) -> None:
    outside = write(tmp_path / "outside/secret.txt", b"secret")
    (tmp_path / "outside/dir").mkdir()
    root = tmp_path / "root"
    inside = write(root / "real.jpg", jpeg_bytes())
    (root / "sub").mkdir()
    (root / "leak.txt").symlink_to(outside)
    (root / "leakdir").symlink_to(tmp_path / "outside/dir", target_is_directory=True)
    (root / "escape").symlink_to("../outside/secret.txt")
    (root / "alias.jpg").symlink_to(inside)
    (root / "subalias").symlink_to(root / "sub", target_is_directory=True)
    (root / "loop").symlink_to(root, target_is_directory=True)
    (root / "dangling").symlink_to(root / "nothing")
    os.mkfifo(root / "fifo")
    store = FolderStore([root], writable=True)
    assert names(store, store.handles()) == {"real.jpg", "sub", "alias.jpg"}
    h = by_name(store)
    with store.open_object(h["alias.jpg"]) as f:
        assert f.read() == inside.read_bytes()
    # A served file swapped for a symlink leading out is refused, not followed.
    (root / "real.jpg").unlink()
    (root / "real.jpg").symlink_to(outside)
    with pytest.raises(StoreError) as excinfo:
        store.open_object(h["real.jpg"])
    assert code_of(excinfo) == ResponseCode.AccessDenied
    # Deleting the folder root's symlinks never touches their targets.
    store.delete(h["alias.jpg"])
    assert outside.read_bytes() == b"secret"


def test_temp_files_are_never_listed(tmp_path: Path) -> None:
    write(tmp_path / f"{TEMP_PREFIX}abcd.tmp", b"half an upload")
    write(tmp_path / "ok.txt", b"ok")
    store = FolderStore([tmp_path])
    assert names(store, store.handles()) == {"ok.txt"}


@pytest.mark.parametrize(
    "name",
    [
        "../x",
        "a/b",
        "..",
        ".",
        "",
        "x\x00y",
        "a\\b",
        "line\nbreak",
        "CON",
        "nul.txt",
        "COM1.jpg",
        f"{TEMP_PREFIX}x.tmp",
        "\ud800.jpg",
        "x" * 256,
    ],
)
def test_bad_names_are_rejected(store: FolderStore, card: Path, name: str) -> None:
    before = snapshot(card)
    with pytest.raises(StoreError) as excinfo:
        validate_object_name(name)
    assert code_of(excinfo) == ResponseCode.InvalidParameter
    with pytest.raises(StoreError) as excinfo:
        store.begin_upload(S1, ROOT, ObjectInfo(filename=name, object_compressed_size=1))
    assert code_of(excinfo) == ResponseCode.InvalidParameter
    with pytest.raises(StoreError):
        store.begin_upload(
            S1, ROOT, ObjectInfo(filename=name, object_format=ObjectFormat.Association)
        )
    assert snapshot(card) == before
    assert not (card.parent / "x").exists()


def test_good_names_are_accepted() -> None:
    for name in ("IMG_0001.JPG", "a..b", "..hidden", ".profile", "CONSOLE.txt", NON_ASCII):
        assert validate_object_name(name) == name


def test_read_only_store_refuses_every_write(ro_store: FolderStore, card: Path) -> None:
    before = snapshot(card)
    h = by_name(ro_store)
    calls: list[Callable[[], object]] = [
        lambda: ro_store.begin_upload(S1, ROOT, ObjectInfo(filename="x.jpg")),
        lambda: ro_store.delete(h["top.png"]),
        lambda: ro_store.delete(ALL),
        lambda: ro_store.move(h["top.png"], S1, h["MISC"]),
        lambda: ro_store.copy(h["top.png"], S1, h["MISC"]),
        lambda: ro_store.set_protection(h["top.png"], 1),
        lambda: ro_store.format_storage(S1),
        lambda: ro_store.add_capture(None, jpeg_bytes()),
    ]
    for call in calls:
        with pytest.raises(StoreError) as excinfo:
            call()
        assert code_of(excinfo) == ResponseCode.StoreReadOnly
    assert snapshot(card) == before


# -- uploads ----------------------------------------------------------------------------------


def test_upload_commit(store: FolderStore, card: Path) -> None:
    h = by_name(store)
    data = jpeg_bytes((40, 30))
    info = ObjectInfo(
        filename="new.jpg",
        object_format=ObjectFormat.EXIF_JPEG,
        object_compressed_size=len(data),
        parent_object=0xFFFFFFFF,
        modification_date="20240101T120000",
    )
    upload = store.begin_upload(S1, h["100CANON"], info)
    assert upload.needs_data
    assert upload.expected_size == len(data)
    assert upload.handle not in store.handles()
    folder = card / "DCIM/100CANON"
    for i in range(0, len(data), 100):
        upload.write(data[i : i + 100])
        # Never visible under its final name while incomplete, and never listed.
        assert not (folder / "new.jpg").exists()
        assert [p.name for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX)]
        assert store.rescan() == ([], [])
    handle = upload.commit()
    assert handle == upload.handle
    assert upload.commit() == handle  # idempotent
    assert (folder / "new.jpg").read_bytes() == data
    assert not [p for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX)]
    assert handle in store.handles(S1, 0, h["100CANON"])
    info_back = store.object_info(handle)
    assert (info_back.filename, info_back.parent_object) == ("new.jpg", h["100CANON"])
    assert info_back.image_pix_width == 40
    assert info_back.modification_date == "20240101T120000"
    # Uploads get the mode any new file would get, not mkstemp's private 0600.
    umask = os.umask(0o022)
    os.umask(umask)
    assert (folder / "new.jpg").stat().st_mode & 0o777 == 0o666 & ~umask
    assert store.rescan() == ([], [])


def test_upload_abort_leaves_nothing(store: FolderStore, card: Path) -> None:
    before = snapshot(card)
    upload = store.begin_upload(S1, ROOT, ObjectInfo(filename="gone.bin", object_compressed_size=6))
    upload.write(b"abc")
    upload.abort()
    upload.abort()
    assert snapshot(card) == before
    with pytest.raises(StoreError):
        upload.write(b"def")
    with pytest.raises(StoreError):
        upload.commit()
    # The context manager aborts what was not committed.
    with store.begin_upload(S1, ROOT, ObjectInfo(filename="ctx.bin")) as pending:
        pending.write(b"x")
    assert snapshot(card) == before
    # close() aborts pending uploads too.
    store.begin_upload(S1, ROOT, ObjectInfo(filename="late.bin")).write(b"x")
    store.close()
    assert snapshot(card) == before
    assert store.rescan() == ([], [])


def test_upload_destinations(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    store = FolderStore([tmp_path / "a", tmp_path / "b"], writable=True)
    for storage, parent, where in [
        (S1, ROOT, tmp_path / "a"),
        (S1, 0, tmp_path / "a"),
        (0, 0, tmp_path / "a"),  # the responder decides: the first storage
        (S2, ROOT, tmp_path / "b"),
    ]:
        upload = store.begin_upload(storage, parent, ObjectInfo(filename=f"{storage}-{parent}"))
        upload.write(b"data")
        handle = upload.commit()
        assert (where / f"{storage}-{parent}").read_bytes() == b"data"
        assert store.object_info(handle).parent_object == 0
    with pytest.raises(StoreError) as excinfo:
        store.begin_upload(0x00030001, ROOT, ObjectInfo(filename="x"))
    assert code_of(excinfo) == ResponseCode.InvalidStorageID
    file_handle = by_name(store)[f"{S1}-{ROOT}"]
    for parent in (file_handle, 777):
        with pytest.raises(StoreError) as excinfo:
            store.begin_upload(S1, parent, ObjectInfo(filename="x"))
        assert code_of(excinfo) == ResponseCode.InvalidParentObject


def test_upload_name_collision_is_made_unique(store: FolderStore, card: Path) -> None:
    handles = []
    for content in (b"one", b"two"):
        upload = store.begin_upload(S1, ROOT, ObjectInfo(filename="top.png"))
        upload.write(content)
        handles.append(upload.commit())
    assert (card / "top.png").read_bytes() == png_bytes()  # untouched
    assert (card / "top (1).png").read_bytes() == b"one"
    assert (card / "top (2).png").read_bytes() == b"two"
    assert [store.object_info(h).filename for h in handles] == ["top (1).png", "top (2).png"]
    # Two uploads of the same name racing: both land, neither is overwritten.
    first = store.begin_upload(S1, ROOT, ObjectInfo(filename="race.txt"))
    second = store.begin_upload(S1, ROOT, ObjectInfo(filename="race.txt"))
    first.write(b"1")
    second.write(b"2")
    second.commit()
    first.commit()
    assert (card / "race.txt").read_bytes() == b"2"
    assert (card / "race (1).txt").read_bytes() == b"1"


def test_upload_folder(store: FolderStore, card: Path) -> None:
    h = by_name(store)
    info = ObjectInfo(
        filename="102NEW__", object_format=ObjectFormat.Association, association_type=1
    )
    upload = store.begin_upload(S1, h["DCIM"], info)
    assert not upload.needs_data
    assert (card / "DCIM/102NEW__").is_dir()
    assert upload.commit() == upload.handle
    assert store.is_association(upload.handle)
    assert store.object_info(upload.handle).parent_object == h["DCIM"]
    again = store.begin_upload(S1, h["DCIM"], info)
    assert (card / "DCIM/102NEW__ (1)").is_dir()
    inner = store.begin_upload(S1, again.handle, ObjectInfo(filename="in.txt"))
    inner.write(b"x")
    assert store.object_info(inner.commit()).parent_object == again.handle
    assert store.rescan() == ([], [])


def test_upload_store_full(store: FolderStore, monkeypatch: pytest.MonkeyPatch) -> None:
    usage = Usage(total=1000, used=900, free=100)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage)
    with pytest.raises(StoreError) as excinfo:
        store.begin_upload(S1, ROOT, ObjectInfo(filename="big", object_compressed_size=101))
    assert code_of(excinfo) == ResponseCode.StoreFull
    with pytest.raises(StoreError) as excinfo:  # 0xFFFFFFFF: at least 4 GiB
        store.begin_upload(S1, ROOT, ObjectInfo(filename="big", object_compressed_size=ALL))
    assert code_of(excinfo) == ResponseCode.StoreFull
    with pytest.raises(StoreError) as excinfo:
        store.add_capture(None, b"x" * 101)
    assert code_of(excinfo) == ResponseCode.StoreFull
    store.begin_upload(S1, ROOT, ObjectInfo(filename="fits", object_compressed_size=100)).abort()


def test_upload_into_a_folder_deleted_meanwhile(store: FolderStore, card: Path) -> None:
    h = by_name(store)
    upload = store.begin_upload(S1, h["MISC"], ObjectInfo(filename="late.txt"))
    upload.write(b"x")
    store.delete(h["MISC"])
    with pytest.raises(StoreError):
        upload.commit()
    assert upload.state == "aborted"
    assert not (card / "MISC").exists()


# -- delete, move, copy, protection, format ------------------------------------------------


def test_delete_file(store: FolderStore, card: Path) -> None:
    h = by_name(store)
    assert store.delete(h["notes.txt"]) == [h["notes.txt"]]
    assert not (card / "MISC/notes.txt").exists()
    assert (card / "MISC").is_dir()
    assert h["notes.txt"] not in store.handles()
    with pytest.raises(StoreError) as excinfo:
        store.object_info(h["notes.txt"])
    assert code_of(excinfo) == ResponseCode.InvalidObjectHandle
    with pytest.raises(StoreError) as excinfo:
        store.delete(h["notes.txt"])
    assert code_of(excinfo) == ResponseCode.InvalidObjectHandle
    assert store.rescan() == ([], [])


def test_delete_folder_recursively(store: FolderStore, card: Path) -> None:
    h = by_name(store)
    write(card / "DCIM/100CANON/unscanned.bin", b"not known to the store yet")
    removed = store.delete(h["DCIM"])
    expected = {
        h[n]
        for n in (
            "DCIM",
            "100CANON",
            "101CANON",
            "IMG_0001.JPG",
            "IMG_0002.JPG",
            "MVI_0003.MOV",
            NON_ASCII,
        )
    }
    assert set(removed) == expected
    assert removed[-1] == h["DCIM"]  # children first
    assert not (card / "DCIM").exists()
    assert names(store, store.handles()) == {"MISC", "notes.txt", "top.png"}
    assert store.rescan() == ([], [])


def test_delete_all_with_format_filter(store: FolderStore, card: Path) -> None:
    h = by_name(store)
    removed = store.delete(ALL, ALL)  # every image
    assert set(removed) == {h[n] for n in IMAGES}
    assert names(store, store.handles()) == (FILES | FOLDERS) - IMAGES
    store.delete(ALL, ObjectFormat.Text)
    assert not (card / "MISC/notes.txt").exists()
    store.delete(ALL)
    assert store.handles() == []
    assert card.is_dir()
    assert list(card.iterdir()) == []
    assert store.rescan() == ([], [])


def test_protection(store: FolderStore, card: Path) -> None:
    h = by_name(store)
    store.set_protection(h["IMG_0001.JPG"], 1)
    assert store.object_info(h["IMG_0001.JPG"]).protection_status == 1
    with pytest.raises(StoreError) as excinfo:
        store.delete(h["IMG_0001.JPG"])
    assert code_of(excinfo) == ResponseCode.ObjectWriteProtected
    with pytest.raises(StoreError) as excinfo:
        store.move(h["IMG_0001.JPG"], S1, h["MISC"])
    assert code_of(excinfo) == ResponseCode.ObjectWriteProtected
    with pytest.raises(StoreError) as excinfo:
        store.delete(h["100CANON"])
    assert code_of(excinfo) == ResponseCode.PartialDeletion
    assert set(excinfo.value.handles) == {h["IMG_0002.JPG"], h["MVI_0003.MOV"]}
    assert (card / "DCIM/100CANON/IMG_0001.JPG").exists()
    assert names(store, store.handles(S1, 0, h["100CANON"])) == {"IMG_0001.JPG"}
    with pytest.raises(StoreError) as excinfo:
        store.set_protection(h["IMG_0001.JPG"], 7)
    assert code_of(excinfo) == ResponseCode.InvalidParameter
    store.set_protection(h["IMG_0001.JPG"], 0)
    store.delete(h["IMG_0001.JPG"])
    assert store.rescan() == ([], [])


def test_format_storage(store: FolderStore, card: Path) -> None:
    h = by_name(store)
    store.set_protection(h["top.png"], 1)  # formatting ignores protection
    removed = store.format_storage(S1)
    assert set(removed) == set(h.values())
    assert card.is_dir()
    assert list(card.iterdir()) == []
    assert store.handles() == []
    assert store.rescan() == ([], [])


def test_move(store: FolderStore, card: Path) -> None:
    h = by_name(store)
    store.move(h["notes.txt"], S1, h["100CANON"])
    assert (card / "DCIM/100CANON/notes.txt").read_bytes() == b"shopping list\n"
    assert not (card / "MISC/notes.txt").exists()
    assert store.object_info(h["notes.txt"]).parent_object == h["100CANON"]
    # A folder moves with everything in it; handles stay.
    store.move(h["101CANON"], S1, ROOT)
    assert store.object_info(h["101CANON"]).parent_object == 0
    assert store.object_path(h[NON_ASCII]) == (card / "101CANON" / NON_ASCII).resolve()
    assert h["101CANON"] in store.handles(S1, 0, ROOT)
    # Taken names become unique; 0 also means the root.
    write(card / "MISC/top.png", b"other")
    store.rescan()
    store.move(h["top.png"], 0, h["MISC"])
    assert store.object_info(h["top.png"]).filename == "top (1).png"
    store.move(h["top.png"], S1, 0)
    assert (card / "top (1).png").exists()
    with pytest.raises(StoreError) as excinfo:
        store.move(h["DCIM"], S1, h["100CANON"])
    assert code_of(excinfo) == ResponseCode.InvalidParentObject
    with pytest.raises(StoreError) as excinfo:
        store.move(h["DCIM"], S1, h["DCIM"])
    assert code_of(excinfo) == ResponseCode.InvalidParentObject
    assert store.rescan() == ([], [])


def test_move_between_storages(tmp_path: Path) -> None:
    write(tmp_path / "a/DCIM/100A/A1.JPG", jpeg_bytes())
    (tmp_path / "b").mkdir()
    store = FolderStore([tmp_path / "a", tmp_path / "b"], writable=True)
    h = by_name(store)
    store.move(h["DCIM"], S2, ROOT)
    assert (tmp_path / "b/DCIM/100A/A1.JPG").exists()
    assert not (tmp_path / "a/DCIM").exists()
    assert store.object_info(h["A1.JPG"]).storage_id == S2
    assert store.handles(S1) == []
    assert set(store.handles(S2)) == set(h.values())
    assert store.rescan() == ([], [])


def test_copy(store: FolderStore, card: Path, tmp_path: Path) -> None:
    h = by_name(store)
    new = store.copy(h["notes.txt"], S1, ROOT)
    assert new not in h.values()
    assert (card / "notes.txt").read_bytes() == b"shopping list\n"
    assert (card / "MISC/notes.txt").exists()
    assert store.object_info(new).parent_object == 0
    again = store.copy(h["notes.txt"], S1, ROOT)
    assert store.object_info(again).filename == "notes (1).txt"
    # A folder is copied with what the store serves of it (a symlink leading out is not).
    outside = write(tmp_path / "outside.txt", b"secret")
    (card / "DCIM/100CANON/leak.txt").symlink_to(outside)
    copy = store.copy(h["DCIM"], S1, h["MISC"])
    assert store.object_info(copy).filename == "DCIM"
    copied = card / "MISC/DCIM"
    assert (copied / "100CANON/IMG_0001.JPG").read_bytes() == (
        card / "DCIM/100CANON/IMG_0001.JPG"
    ).read_bytes()
    assert (copied / "101CANON" / NON_ASCII).exists()
    assert not (copied / "100CANON/leak.txt").exists()
    inner = store.handles(S1, 0, copy)
    assert names(store, inner) == {"100CANON", "101CANON"}
    assert not set(inner) & set(h.values())
    with pytest.raises(StoreError) as excinfo:
        store.copy(h["DCIM"], S1, h["100CANON"])
    assert code_of(excinfo) == ResponseCode.InvalidParentObject
    assert store.rescan() == ([], [])


# -- change tracking ---------------------------------------------------------------------------


def test_rescan_reports_outside_changes(store: FolderStore, card: Path) -> None:
    h = by_name(store)
    assert store.rescan() == ([], [])
    write(card / "DCIM/100CANON/IMG_0004.JPG", jpeg_bytes())
    write(card / "NEW/inner/deep.txt", b"x")
    added, removed = store.rescan()
    assert removed == []
    assert names(store, added) == {"IMG_0004.JPG", "NEW", "inner", "deep.txt"}
    order = [store.object_info(a).filename for a in added]
    assert order.index("NEW") < order.index("inner") < order.index("deep.txt")  # parents first
    assert store.rescan() == ([], [])
    new = by_name(store)
    (card / "DCIM/100CANON/IMG_0002.JPG").unlink()
    (card / "NEW/inner/deep.txt").unlink()
    (card / "NEW/inner").rmdir()
    (card / "NEW").rmdir()
    added, removed = store.rescan()
    assert added == []
    assert set(removed) == {h["IMG_0002.JPG"], new["NEW"], new["inner"], new["deep.txt"]}
    assert removed.index(new["deep.txt"]) < removed.index(new["inner"]) < removed.index(new["NEW"])
    # A file that comes back gets a new handle: handles are never reused.
    write(card / "DCIM/100CANON/IMG_0002.JPG", jpeg_bytes())
    (back,) = store.rescan()[0]
    assert back > max(new.values())
    # Content changes keep the handle.
    (card / "MISC/notes.txt").write_bytes(b"a longer shopping list\n")
    result = store.rescan_detailed()
    assert (result.added, result.removed, result.changed) == ((), (), (h["notes.txt"],))


def test_stale_entry_replaced_by_a_store_change_is_reported(store: FolderStore, card: Path) -> None:
    """A file deleted outside, then re-created by an upload before any rescan."""
    h = by_name(store)
    (card / "top.png").unlink()
    upload = store.begin_upload(S1, ROOT, ObjectInfo(filename="top.png"))
    upload.write(b"new")
    new = upload.commit()
    assert store.object_info(new).filename == "top.png"
    assert store.rescan() == ([], [h["top.png"]])
    assert [x for x in store.handles() if store.object_info(x).filename == "top.png"] == [new]


def test_rescan_removes_children_first_after_moves(store: FolderStore, card: Path) -> None:
    h = by_name(store)
    folder = store.begin_upload(
        S1, ROOT, ObjectInfo(filename="later", object_format=ObjectFormat.Association)
    )
    store.move(h["top.png"], S1, folder.handle)  # an older handle below a newer folder
    (card / "later/top.png").unlink()
    (card / "later").rmdir()
    assert store.rescan() == ([], [h["top.png"], folder.handle])


def test_rescan_file_replaced_by_folder(store: FolderStore, card: Path) -> None:
    h = by_name(store)
    (card / "top.png").unlink()
    (card / "top.png").mkdir()
    added, removed = store.rescan()
    assert removed == [h["top.png"]]
    assert len(added) == 1
    assert store.is_association(added[0])


def test_rescan_ignores_store_made_changes(store: FolderStore, card: Path) -> None:
    h = by_name(store)
    upload = store.begin_upload(S1, ROOT, ObjectInfo(filename="up.bin"))
    upload.write(b"123")
    upload.commit()
    store.add_capture(None, jpeg_bytes())
    store.delete(h["IMG_0002.JPG"])
    store.move(h["notes.txt"], S1, ROOT)
    store.copy(h["100CANON"], S1, ROOT)
    store.begin_upload(S1, ROOT, ObjectInfo(filename="F", object_format=ObjectFormat.Association))
    assert store.rescan() == ([], [])


def test_rescan_skipped_while_the_store_is_changing(store: FolderStore, card: Path) -> None:
    with store._mutation():
        write(card / "outside.txt", b"x")
        assert store.rescan() == ([], [])
    added, _ = store.rescan()
    assert names(store, added) == {"outside.txt"}


def test_concurrent_readers_and_writers(store: FolderStore, card: Path) -> None:
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        try:
            while not stop.is_set():
                for handle in store.handles():
                    try:
                        store.object_info(handle)
                    except StoreError as exc:
                        assert exc.code == ResponseCode.InvalidObjectHandle
                store.rescan()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for i in range(30):
            upload = store.begin_upload(S1, ROOT, ObjectInfo(filename=f"u{i}.txt"))
            upload.write(b"x" * i)
            handle = upload.commit()
            if i % 2:
                store.delete(handle)
            write(card / f"ext{i}.txt", b"y")
    finally:
        stop.set()
        for t in threads:
            t.join(10)
    assert not errors
    store.rescan()
    assert names(store, store.handles(S1, 0, ROOT)) >= {"u0.txt", "ext29.txt"}
    on_disk = {p.name for p in card.iterdir()}
    assert names(store, store.handles(S1, 0, ROOT)) == on_disk


# -- captures --------------------------------------------------------------------------------


def test_add_capture(store: FolderStore, card: Path) -> None:
    data = generate_capture_jpeg(640, 480, text="PTPK0001")
    handle = store.add_capture(None, data)
    path = card / "DCIM/100PTPKT/PTPK0001.JPG"
    assert path.read_bytes() == data
    info = store.object_info(handle)
    assert info.filename == "PTPK0001.JPG"
    assert (info.image_pix_width, info.image_pix_height) == (640, 480)
    dcim = by_name(store)["DCIM"]
    folder = store.object_info(info.parent_object)
    assert (folder.filename, folder.parent_object) == ("100PTPKT", dcim)
    second = store.add_capture(S1, data)
    assert store.object_info(second).filename == "PTPK0002.JPG"
    # Numbers go on after deleted captures and after the highest number on disk.
    store.delete(second)
    assert store.object_info(store.add_capture(None, data)).filename == "PTPK0003.JPG"
    write(card / "DCIM/100PTPKT/PTPK0041.JPG", b"x")
    assert store.object_info(store.add_capture(None, data, ".jpg")).filename == "PTPK0042.jpg"
    assert not [p for p in (card / "DCIM/100PTPKT").iterdir() if p.name.startswith(".")]
    with pytest.raises(ValueError):
        store.add_capture(None, data, "JPG")
    with pytest.raises(StoreError) as excinfo:
        store.add_capture(0x00050001, data)
    assert code_of(excinfo) == ResponseCode.InvalidStorageID
    added, _ = store.rescan()
    assert names(store, added) == {"PTPK0041.JPG"}


def test_capture_numbers_roll_over_to_the_next_folder(tmp_path: Path) -> None:
    write(tmp_path / "DCIM/100PTPKT/PTPK9999.JPG", b"x")
    store = FolderStore([tmp_path], writable=True)
    handle = store.add_capture(None, b"\xff\xd8\xff")
    assert store.object_path(handle) == (tmp_path / "DCIM/101PTPKT/PTPK0001.JPG").resolve()


# -- imaging -----------------------------------------------------------------------------------


def test_generate_capture_jpeg_is_a_valid_jpeg() -> None:
    when = datetime(2024, 5, 6, 7, 8, 9)
    data = generate_capture_jpeg(1024, 768, text="PTPK0001", when=when)
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "JPEG"
        assert im.size == (1024, 768)
        im.load()
        exif = im.getexif()
        assert exif.get_ifd(ExifTags.IFD.Exif)[0x9003] == "2024:05:06 07:08:09"
        assert exif[0x0132] == "2024:05:06 07:08:09"
    other = generate_capture_jpeg(1024, 768, text="PTPK0002", when=when)
    assert other != data


def test_generate_capture_jpeg_sizes() -> None:
    with Image.open(io.BytesIO(generate_capture_jpeg(6000, 4000, text="big"))) as im:
        assert im.size == (6000, 4000)
    with Image.open(io.BytesIO(generate_capture_jpeg(3, 2, text="tiny"))) as im:
        assert im.size == (3, 2)
    capped = generate_capture_jpeg(4000, 3000, text="capped", max_pixels=1_200_000)
    with Image.open(io.BytesIO(capped)) as im:
        assert im.width * im.height <= 1_200_000
        assert abs(im.width / im.height - 4 / 3) < 0.01
    with pytest.raises(ValueError):
        generate_capture_jpeg(0, 10, text="x")


def test_probe_image(tmp_path: Path) -> None:
    path = write(tmp_path / "a.png", png_bytes((7, 5)))
    meta = probe_image(path)
    assert meta is not None
    assert (meta.width, meta.height, meta.bit_depth) == (7, 5, 32)
    gray = tmp_path / "g.png"
    Image.new("L", (3, 3)).save(gray)
    assert probe_image(gray) == type(meta)(3, 3, 8)
    assert probe_image(write(tmp_path / "bad.jpg", b"\xff\xd8\xffnope")) is None
    assert probe_image(tmp_path / "missing.jpg") is None
    assert probe_image(tmp_path) is None
    assert make_thumbnail(tmp_path / "bad.jpg") is None
