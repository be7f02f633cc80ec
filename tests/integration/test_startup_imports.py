"""Each command imports only what it needs (issue 18: a script calling ``ptpkit`` in a
loop pays its start-up each time). ``ptpkit ls`` against a standard camera loads no
vendor's wire knowledge, no vendor dialect and nothing of Fujifilm's transport; the
dialect registry (plain data) agrees with the dialect classes it stands for."""

from __future__ import annotations

import json
import subprocess
import sys
from itertools import product
from pathlib import Path

import pytest
from clitools import address, emulator_for, make_card

from ptpkit.dialects import DIALECTS, REGISTRY, choose_dialect
from ptpkit.proto.datasets import DeviceInfo

#: Runs ``ptpkit ARGS`` as the console script does and writes the modules it loaded
#: (at exit, whatever the exit code) to the file named first.
PROBE = """
import atexit, json, runpy, sys
out, args = sys.argv[1], sys.argv[2:]
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
sys.argv = ["ptpkit", *args]
runpy.run_module("ptpkit", run_name="__main__")
"""

#: What talking to a standard camera must not load: the vendors' wire modules (but the
#: few numbers that tell a Fujifilm body), the vendor dialects, Fujifilm's transport,
#: dissect's vendor registry, the emulator, discovery and rich (``ls`` prints plain text).
FORBIDDEN_PREFIXES = (
    "ptpkit.proto.vendors.",
    "ptpkit.dialects.canon",
    "ptpkit.dialects.nikon",
    "ptpkit.dialects.sony",
    "ptpkit.dialects.fuji",
    "ptpkit.proto.fuji_",
    "ptpkit.aio.fuji_",
    "ptpkit.emulator",
    "ptpkit.discovery",
    "ptpkit.dissect",
    "rich",
)
ALLOWED = {"ptpkit.proto.vendors", "ptpkit.proto.vendors.fuji_ids"}  # (an empty package)


def loaded_by(tmp_path: Path, *args: str) -> tuple[int, set[str]]:
    out = tmp_path / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(out), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, set(json.loads(out.read_text(encoding="utf-8")))


def forbidden(modules: set[str]) -> list[str]:
    return sorted(
        m
        for m in modules - ALLOWED
        if any(m == p.rstrip(".") or m.startswith(p) for p in FORBIDDEN_PREFIXES)
    )


@pytest.fixture(scope="module")
def camera(tmp_path_factory: pytest.TempPathFactory):
    card = make_card(tmp_path_factory.mktemp("startup-card"))
    with emulator_for([card]) as emu:
        yield emu


def test_ls_of_a_standard_camera_loads_no_vendor_code(camera, tmp_path: Path) -> None:
    code, modules = loaded_by(tmp_path, "ls", *address(camera))
    assert code == 0
    assert "ptpkit.dialects.generic" in modules and "ptpkit.aio.client" in modules
    assert forbidden(modules) == []


def test_the_probe_sees_a_vendor_dialect_when_one_is_used(camera, tmp_path: Path) -> None:
    """The check can fail: naming a vendor's dialect loads its modules, and the probe sees
    them (whatever that dialect makes of a standard camera)."""
    _, modules = loaded_by(tmp_path, "ls", *address(camera), "--dialect", "fujifilm")
    assert {"ptpkit.dialects.fuji", "ptpkit.proto.vendors.fuji", "ptpkit.aio.fuji_camera"} <= (
        modules
    )
    assert "ptpkit.proto.vendors.fuji" in forbidden(modules)


def test_the_registry_claims_the_cameras_each_dialect_class_claims() -> None:
    """Each entry's plain-data matcher chooses as the dialect classes' ``matches`` do
    (tried in the same order), over the extension ids, makers' names and operations that
    decide (dialects.md §1.2)."""
    ids = (0, 6, 0xA, 0xB, 0xE, 0x11, 0x7777, 0xFFFFFFFF)
    makers = ("", "Nikon Corporation", "Canon Inc.", "Sony Corporation", "Sony", "FUJIFILM")
    operations = ((), (0x910F,), (0x9128,), (0x1001, 0x9116))
    classes = [DIALECTS[entry.name] for entry in REGISTRY]
    assert [cls.name for cls in classes] == [entry.name for entry in REGISTRY]
    for ext, maker, ops in product(ids, makers, operations):
        info = DeviceInfo(vendor_extension_id=ext, manufacturer=maker, operations_supported=ops)
        by_class = next(cls for cls in classes if cls.matches(info))
        assert choose_dialect(info) is by_class, (hex(ext), maker, ops)
        for entry, cls in zip(REGISTRY, classes, strict=True):
            assert entry.matches(info) == cls.matches(info), (entry.name, hex(ext), maker, ops)
