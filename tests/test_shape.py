"""The shape issue 22 asks for, held: core and the inspector name no provider, no
function is longer than a screen, every provider package has the same rooms, and
core reaches outside itself only for the registry and the mount table."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from pytest_mailblocks.providers import REGISTRY

SRC = Path(__file__).resolve().parent.parent / "src" / "pytest_mailblocks"
BUILT_IN = ("sendgrid", "cmc", "ncp", "sendcloud")
ROOMS = (
    "__init__.py",
    "models.py",
    "endpoints.py",
    "errors.py",
    "render.py",
    "handle.py",
    "control.py",
    "views.py",
    "strategies.py",
    "faker.py",
    "state.py",
)
MAX_FUNCTION_LINES = 80


def _files(*folders: str) -> list[Path]:
    return sorted(p for f in folders for p in (SRC / f).rglob("*") if p.is_file() and p.suffix != ".pyc")


def test_core_and_the_inspector_name_no_provider():
    """Docstrings, comments and templates included: they find providers through the registry."""
    pattern = re.compile("|".join(BUILT_IN), re.IGNORECASE)
    found = [
        f"{path.relative_to(SRC)}:{n}: {line.strip()}"
        for path in _files("core", "ui")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert not found, "\n".join(found)


def test_no_function_is_longer_than_a_screen():
    long = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(SRC)}:{node.lineno} {node.name}: {lines} lines")
    assert not long, "\n".join(long)


@pytest.mark.parametrize("key", BUILT_IN)
def test_every_provider_package_has_the_same_rooms_and_a_short_init(key):
    package = SRC / "providers" / key
    assert [room for room in ROOMS if not (package / room).is_file()] == []
    init = (package / "__init__.py").read_text(encoding="utf-8")
    assert len(init.splitlines()) <= MAX_FUNCTION_LINES, "__init__.py is the wiring only"
    assert REGISTRY[key].provider.startswith(f"pytest_mailblocks.providers.{key}:")


def _imports(path: Path) -> set[str]:
    """The package-relative modules ``path`` imports (``..providers`` -> ``providers``)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            parts = path.relative_to(SRC).parts[: -node.level]
            out.add(".".join([*parts, *(node.module or "").split(".")]).strip("."))
    return out


def test_core_imports_only_core_the_registry_and_the_mount_table():
    outside = {
        f"{path.relative_to(SRC)} imports {module}"
        for path in _files("core")
        if path.suffix == ".py"
        for module in _imports(path)
        if module.split(".")[0] not in ("core", "providers", "mounts") or module.startswith("providers.")
    }
    assert outside == set()


@pytest.mark.parametrize("folder", ["ui", "control", "generators"])
def test_the_clients_of_core_name_no_provider_module(folder):
    """The inspector, the control plane and the generators' shared parts reach a
    provider's rooms through the registry only."""
    named = {
        f"{path.relative_to(SRC)} imports {module}"
        for path in _files(folder)
        if path.suffix == ".py"
        for module in _imports(path)
        if module.startswith("providers.")
    }
    assert named == set()
