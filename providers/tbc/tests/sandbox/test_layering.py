"""The package's shape: an independent fake bank whose modules only import downwards."""

from __future__ import annotations

import ast
from pathlib import Path

import payments_tbc.sandbox as package

LAYERS = [
    "vocabulary",
    "counters",
    "endpoints",
    "wire",
    "problems",
    "cards",
    "faults",
    "tokens",
    "validation",
    "records",
    "views",
    "store",
    "callbacks",
    "bank",
    "page",
    "control",
    "app",
    "emulator",
    "__init__",
]
"""Every module (or subpackage), lowest first: each may import only those listed before it."""

SOURCE = Path(package.__file__).parent
SHARED = "payments_core.sandbox"
"""The emulators' shared plumbing: the one part of payments_core a sandbox may import."""


def _files(module: str) -> list[tuple[Path, int]]:
    """The files of a module or subpackage, each with the import level of a sibling module."""
    if (SOURCE / module).is_dir():
        return [(path, 2) for path in sorted((SOURCE / module).glob("*.py"))]
    return [(SOURCE / f"{module}.py", 1)]


def imports(module: str) -> tuple[set[str], set[str]]:
    """(sandbox modules imported relatively, absolute top-level packages imported)."""
    relative: set[str] = set()
    absolute: set[str] = set()
    for path, sibling in _files(module):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level == sibling:
                    if node.module:
                        relative.add(node.module.split(".")[0])
                    else:
                        relative.update(alias.name for alias in node.names)
                elif not node.level and node.module:
                    absolute.add(node.module)
            elif isinstance(node, ast.Import):
                absolute.update(alias.name for alias in node.names)
    return relative, absolute


def test_every_module_is_placed_in_a_layer() -> None:
    modules = {path.stem for path in SOURCE.glob("*.py")}
    modules |= {path.parent.name for path in SOURCE.glob("*/__init__.py")}

    assert modules == set(LAYERS)


def test_modules_import_only_lower_layers() -> None:
    upward = [
        (module, imported)
        for index, module in enumerate(LAYERS)
        for imported in imports(module)[0]
        if LAYERS.index(imported) >= index
    ]

    assert upward == []


def test_the_sandbox_imports_nothing_from_payments_core_or_the_provider() -> None:
    foreign = [
        (module, name)
        for module in LAYERS
        for name in imports(module)[1]
        if name.split(".")[0] in {"payments_core", "payments_tbc", "payments_bog"}
        and not (name == SHARED or name.startswith(f"{SHARED}."))
    ]

    assert foreign == []


def test_the_public_names_are_exported() -> None:
    names = {"TbcSandbox", "Fault", "Counters", "TEST_CARDS", "SandboxCard"}

    assert names <= set(package.__all__)
