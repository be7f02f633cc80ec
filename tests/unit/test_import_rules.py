"""The sans-IO core stays sans-IO: ``ptpkit.proto`` pulls in no asyncio, socket,
threading or filesystem module, opens no files and reads no clock (style.md, practice 1
and 9)."""

from __future__ import annotations

import ast
import io
import json
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest
from conftest import REPO_ROOT

PROTO_DIR = REPO_ROOT / "src" / "ptpkit" / "proto"
PROTO_FILES = sorted(PROTO_DIR.rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO_ROOT / "src").with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


PROTO_MODULES = [_module_name(path) for path in PROTO_FILES]

FORBIDDEN_MODULES = {
    "asyncio",
    "socket",
    "selectors",
    "threading",
    "ssl",
    "pathlib",
    "shutil",
    "tempfile",
    "subprocess",
}

# Imports a core module may not make (modules and their submodules).
FORBIDDEN_IMPORTS = FORBIDDEN_MODULES | {"os", "io", "time", "glob", "mmap", "multiprocessing"}
# Clock reads: any call to one of these attribute names (time.time(), datetime.now(), ...).
CLOCK_CALLS = {
    "time",
    "time_ns",
    "monotonic",
    "monotonic_ns",
    "perf_counter",
    "perf_counter_ns",
    "now",
    "utcnow",
    "today",
    "sleep",
}


def test_the_core_modules_are_found() -> None:
    assert len(PROTO_MODULES) >= 10
    assert "ptpkit.proto.session" in PROTO_MODULES


def modules_loaded_by(module: str, *, bare_parent: bool) -> set[str]:
    """``sys.modules`` after importing ``module`` in a fresh interpreter without site
    (so no .pth hooks). With ``bare_parent`` the ``ptpkit`` package is registered as an
    empty package first, so that only the core's own imports are counted, not whatever
    ``ptpkit/__init__.py`` chooses to import."""
    src = str(REPO_ROOT / "src")
    stub = (
        "import types\n"
        "package = types.ModuleType('ptpkit')\n"
        f"package.__path__ = [{str(REPO_ROOT / 'src' / 'ptpkit')!r}]\n"
        "sys.modules['ptpkit'] = package\n"
    )
    code = (
        "import json, sys\n"
        f"sys.path.insert(0, {src!r})\n" + (stub if bare_parent else "") + f"import {module}\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-S", "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    loaded = set(json.loads(result.stdout))
    assert module in loaded
    return loaded


def forbidden_in(loaded: set[str]) -> list[str]:
    return sorted(m for m in loaded if m.split(".")[0] in FORBIDDEN_MODULES)


@pytest.mark.parametrize("module", PROTO_MODULES)
def test_the_core_imports_no_io_module(module: str) -> None:
    """Each core module, and everything it imports, is free of I/O modules."""
    assert forbidden_in(modules_loaded_by(module, bare_parent=True)) == []


def test_importing_ptpkit_proto_as_a_user_loads_no_io_module() -> None:
    """The same through the real ``ptpkit/__init__.py``: the top-level package must
    import its asyncio client lazily, or every user of the core gets asyncio too."""
    assert forbidden_in(modules_loaded_by("ptpkit.proto.session", bare_parent=False)) == []


def test_the_subprocess_check_can_fail() -> None:
    """The same probe on a module that does use sockets must report it."""
    code = "import json, sys, socket\nprint(json.dumps(sorted(sys.modules)))\n"
    result = subprocess.run(
        [sys.executable, "-S", "-c", code], capture_output=True, text=True, check=True
    )
    assert "socket" in json.loads(result.stdout)


def offences(path: Path) -> list[str]:
    """Forbidden imports, ``open(...)`` calls and clock reads in one source file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in FORBIDDEN_IMPORTS:
                    found.append(f"line {node.lineno}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom):
            top = (node.module or "").split(".")[0]
            if node.level == 0 and top in FORBIDDEN_IMPORTS:
                found.append(f"line {node.lineno}: from {node.module} import ...")
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in {"open", "__import__"}:
                found.append(f"line {node.lineno}: {func.id}(...)")
            elif isinstance(func, ast.Attribute) and func.attr in CLOCK_CALLS | {"open"}:
                found.append(f"line {node.lineno}: .{func.attr}(...)")
    return found


@pytest.mark.parametrize("path", PROTO_FILES, ids=lambda p: str(p.relative_to(PROTO_DIR)))
def test_no_files_os_or_clock_in_the_source(path: Path) -> None:
    assert offences(path) == []


def code_without_strings(path: Path) -> str:
    """The source with comments and string literals (docstrings included) removed."""
    source = path.read_text(encoding="utf-8")
    tokens = [
        tok
        for tok in tokenize.generate_tokens(io.StringIO(source).readline)
        if tok.type not in (tokenize.COMMENT, tokenize.STRING)
    ]
    return tokenize.untokenize(tokens)


@pytest.mark.parametrize("path", PROTO_FILES, ids=lambda p: str(p.relative_to(PROTO_DIR)))
def test_no_open_os_or_time_by_text(path: Path) -> None:
    """A plain-text backstop for the AST check: no ``open(``, ``import os``, ``time.``."""
    code = code_without_strings(path)
    for needle in ("open(", "import os", "from os", "time.", "import time"):
        assert needle not in code, f"{path.name} contains {needle!r}"


def test_the_source_check_can_fail(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import os\nfrom time import monotonic\nimport socket\n"
        "def f():\n    open('x')\n    return datetime.now(), time.time()\n",
        encoding="utf-8",
    )
    assert len(offences(bad)) == 6
    assert "time." in code_without_strings(bad)
    assert "open(" in code_without_strings(bad)
