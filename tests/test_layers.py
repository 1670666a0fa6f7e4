"""The code layout stays true: the flow goes one way, no import cycles, no private cross-module imports."""

from __future__ import annotations

import ast
import os
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("builder", "annotation")


def _modules() -> dict[str, Path]:
    """Every module of the two packages, by dotted name."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _imports(path: Path, name: str, modules: dict[str, Path]) -> list[tuple[str, list[str], int]]:
    """(imported module, imported names, line) for every import of a project module, lazy ones included."""
    out = []
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names if a.name.split(".")[0] in PACKAGES]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if base.split(".")[0] not in PACKAGES:
                continue
            names = [a.name for a in node.names]
            submodules = [f"{base}.{n}" for n in names if f"{base}.{n}" in modules]
            out += [(m, [], node.lineno) for m in submodules]
            out.append((base, [n for n in names if f"{base}.{n}" not in modules], node.lineno))
    return out


def _lint(config: Path) -> int:
    from importlinter.cli import lint_imports

    cwd = os.getcwd()
    os.chdir(ROOT)  # import-linter finds the packages from the working directory
    try:
        return lint_imports(config_filename=str(config), no_cache=True, no_logo=True)
    finally:
        os.chdir(cwd)


def test_the_flow_goes_one_way() -> None:
    """import-linter's layers contract in pyproject.toml: core <- workspace <- ner <- ingest | prelabel
    <- annotation <- release | evaluate <- cli."""
    assert _lint(ROOT / "pyproject.toml") == 0


def test_the_layer_check_sees_a_violation(tmp_path: Path) -> None:
    """The same check, with the layers upside down, must fail: it really reads the imports."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    layers = config["contracts"][0]["layers"]
    reversed_config = tmp_path / "reversed.toml"
    lines = ["[tool.importlinter]", 'root_packages = ["builder", "annotation"]', "",
             "[[tool.importlinter.contracts]]", 'name = "upside down"', 'type = "layers"',
             "layers = [" + ", ".join(f'"{layer}"' for layer in reversed(layers)) + "]"]
    reversed_config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert _lint(reversed_config) != 0


def test_no_import_cycles() -> None:
    modules = _modules()
    graph = {name: sorted({m for m, _, _ in _imports(path, name, modules) if m in modules and m != name})
             for name, path in modules.items()}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                cycles.append(trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


@pytest.mark.parametrize("package", PACKAGES)
def test_no_private_names_imported_across_modules(package: str) -> None:
    modules = _modules()
    offenders = []
    for name, path in modules.items():
        if not name.startswith(package):
            continue
        for module, names, line in _imports(path, name, modules):
            private = [n for n in names if n.startswith("_") and n != "__version__"]
            if private and module != name:
                offenders.append(f"{path.relative_to(ROOT)}:{line} imports {', '.join(private)} from {module}")
    assert offenders == []
