"""Data sets for the benchmarks: big files (sparse where allowed) and a card of many objects."""

from __future__ import annotations

import os
from pathlib import Path

_BLOCK = 1 << 20


def big_file(path: Path, size: int, *, sparse: bool = False) -> Path:
    """A file of ``size`` bytes: real (non-zero) data, or a sparse file for memory tests."""
    if path.exists() and path.stat().st_size == size:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        if sparse:
            f.truncate(size)
        else:
            block = bytes(range(256)) * (_BLOCK // 256)
            left = size
            while left > 0:
                n = min(left, _BLOCK)
                f.write(block[:n])
                left -= n
    return path


def card(root: Path, objects: int, *, per_folder: int = 250, file_size: int = 2048) -> Path:
    """A DCIM tree holding ``objects`` small files in folders of ``per_folder``."""
    marker = root.parent / f".{root.name}-{objects}-ready"
    if marker.exists():
        return root
    payload = b"\xff\xd8\xff\xe0" + os.urandom(file_size - 4)
    for i in range(objects):
        folder = root / "DCIM" / f"{100 + i // per_folder}BENCH"
        if i % per_folder == 0:
            folder.mkdir(parents=True, exist_ok=True)
        (folder / f"IMG_{i:05d}.JPG").write_bytes(payload)
    marker.touch()
    return root
