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


# -- no import circles (issue 13) ---------------------------------------------------------
PACKAGE_DIR = REPO_ROOT / "src" / "ptpkit"

def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(node: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement in ``node``, at any depth (functions included), except the
    bodies of ``if TYPE_CHECKING:`` (which never run)."""
    found: list[ast.Import | ast.ImportFrom] = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            found.append(child)
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                if isinstance(other, (ast.Import, ast.ImportFrom)):
                    found.append(other)
                else:
                    found.extend(_import_nodes(other))
        else:
            found.extend(_import_nodes(child))
    return found


def import_graph(package_dir: Path) -> dict[str, set[str]]:
    """Module -> the modules of the same top-level package it imports. ``from a import b``
    counts as importing ``a.b`` when that is a module, else ``a``; the parent packages that
    Python imports on the way are not counted (a package is always imported first)."""
    root = package_dir.parent
    paths = {_dotted(path, root): path for path in sorted(package_dir.rglob("*.py"))}
    top = package_dir.name
    graph: dict[str, set[str]] = {}
    for module, path in paths.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets: set[str] = set()
        for node in _import_nodes(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    parts = module.split(".")
                    keep = len(parts) - node.level + (1 if is_package else 0)
                    base = ".".join([*parts[:keep], *([base] if base else [])])
                names = [f"{base}.{alias.name}" for alias in node.names]
                names = [name if name in paths else base for name in names]
            for name in names:
                target = name
                while target and target not in paths:
                    target = target.rpartition(".")[0]
                if target.split(".")[0] == top and target != module:
                    targets.add(target)
        graph[module] = targets
    return graph


def _dotted(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_cycle(graph: dict[str, set[str]], prefix: str) -> list[str] | None:
    """An import circle through a module named ``prefix`` or ``prefix.*``, as the list of
    modules on it (the first repeated at the end); None when there is none."""

    def inside(module: str) -> bool:
        return module == prefix or module.startswith(prefix + ".")

    for start in sorted(m for m in graph if inside(m)):
        # breadth first from start's imports back to start: the shortest circle through it
        came_from: dict[str, str] = {}
        queue = [start]
        while queue:
            module = queue.pop(0)
            for target in sorted(graph.get(module, ())):
                if target == start:
                    path = [module]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if target not in came_from:
                    came_from[target] = module
                    queue.append(target)
    return None


#: Every subpackage, nested ones too (``emulator.personas``).
SUBPACKAGES = sorted(
    ".".join(p.parent.relative_to(PACKAGE_DIR).parts) for p in PACKAGE_DIR.rglob("*/__init__.py")
)


@pytest.mark.parametrize("subpackage", ["", *SUBPACKAGES])
def test_no_module_is_in_an_import_circle(subpackage: str) -> None:
    """No circle through any module of ``ptpkit.<subpackage>`` ("": the whole package)."""
    prefix = f"ptpkit.{subpackage}" if subpackage else "ptpkit"
    cycle = import_cycle(import_graph(PACKAGE_DIR), prefix)
    assert cycle is None, "import circle: " + " -> ".join(cycle or ())


def test_the_import_circle_check_can_fail(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "sub" / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "sub" / "a.py").write_text("from pkg.sub import b\n", encoding="utf-8")
    (pkg / "sub" / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.sub.a import x\n"
        "def f():\n    from . import c\n",
        encoding="utf-8",
    )
    (pkg / "sub" / "c.py").write_text("import pkg.other\n", encoding="utf-8")
    (pkg / "other.py").write_text("from pkg.sub.a import y\n", encoding="utf-8")
    graph = import_graph(pkg)
    assert graph["pkg.sub.b"] == {"pkg.sub.c"}  # the TYPE_CHECKING import is not counted
    assert import_cycle(graph, "pkg.sub") == [
        "pkg.sub.a",
        "pkg.sub.b",
        "pkg.sub.c",
        "pkg.other",
        "pkg.sub.a",
    ]
    (pkg / "other.py").write_text("", encoding="utf-8")
    assert import_cycle(import_graph(pkg), "pkg.sub") is None
    assert PACKAGE_DIR.is_dir()
    assert set(SUBPACKAGES) >= {"aio", "proto", "dialects", "emulator.personas"}
