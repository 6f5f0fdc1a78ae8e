"""The layout rules of docs/contributing/architecture.md, checked on every run.

The import graph is read from the source (every ``import`` statement, including
those inside functions and under ``TYPE_CHECKING``: a lazy import still couples
two modules), so a new module that reaches upwards, a cycle, or a module grown
past the size a newcomer can hold in mind fails here with its name.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[1]

PACKAGES: Final = {
    "payments_core": ROOT / "payments_core",
    "payments_bog": ROOT / "providers" / "bog" / "payments_bog",
    "payments_tbc": ROOT / "providers" / "tbc" / "payments_tbc",
    "payments_dummy": ROOT / "providers" / "dummy" / "payments_dummy",
}
PROVIDERS: Final = ("payments_bog", "payments_tbc", "payments_dummy")
ALSO_WITHOUT_CYCLES: Final = {"examples": ROOT / "examples", "benchmarks": ROOT / "benchmarks"}
"""Read for the cycle check too: the code around the packages imports them the same way."""

LAYERS: Final[tuple[tuple[str, frozenset[str]], ...]] = (
    (
        "foundation",
        frozenset(
            {
                "errors",
                "redact",
                "deadline",
                "retry",
                "status",
                "urls",
                "money",
                "wire",
                "validation",
                "exports",
            }
        ),
    ),
    ("models", frozenset({"models", "updates", "plausibility"})),
    ("contract", frozenset({"provider", "hookspecs", "registry", "idempotency", "auth"})),
    ("engine", frozenset({"hooks", "drivers"})),
    ("journal", frozenset({"journal"})),
    ("facades", frozenset({"gateway", "config", ""})),
    ("applications", frozenset({"cli", "demo", "scaffold", "contrib", "testing", "sandbox"})),
)
"""payments_core's layers from the bottom, by the first name under ``payments_core``
(``""`` is the package itself, which re-exports the facades). A module may import
its own layer and those below, never one above."""

SIZE_LIMIT: Final = 400
"""Lines per module; past it a module holds more than one concept."""

DATA_TABLES: Final[dict[str, str]] = {}
"""Modules allowed past :data:`SIZE_LIMIT` because they are tables of data, with why."""

SANDBOX_USERS: Final = frozenset({"demo", "sandbox_command", "testing"})
"""A provider's modules that may start its emulator; the client itself never does."""


def _module_name(package: str, root: Path, path: Path) -> str:
    parts = [package, *path.relative_to(root).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(package, root, path): path
        for package, root in {**PACKAGES, **ALSO_WITHOUT_CYCLES}.items()
        for path in sorted(root.rglob("*.py"))
    }


MODULES: Final = _modules()


def _imported(name: str, path: Path) -> Iterator[str]:
    """Every module of ours that ``name`` imports (not its own parent packages, which
    Python imports anyway and which re-export from below)."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            targets = [
                f"{source}.{alias.name}" if f"{source}.{alias.name}" in MODULES else source
                for alias in node.names
            ]
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name and not name.startswith(target + "."):
                yield target


GRAPH: Final = {name: sorted(set(_imported(name, path))) for name, path in MODULES.items()}


def _layer(module: str) -> int:
    first = module.split(".")[1] if "." in module else ""
    for index, (_, names) in enumerate(LAYERS):
        if first in names:
            return index
    raise LookupError(module)


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in GRAPH:
        if start in index:
            continue
        work = [(start, iter(GRAPH[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for target in edges:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(GRAPH[target])))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_the_modules_are_found() -> None:
    assert "payments_core.errors" in MODULES
    assert "payments_bog.sandbox" in MODULES
    assert GRAPH["payments_core.models"], "the import reader found no imports"


def test_there_is_no_import_cycle() -> None:
    assert _cycles() == []


def test_every_core_module_has_a_layer() -> None:
    unplaced = []
    for module in MODULES:
        if module.split(".")[0] == "payments_core":
            try:
                _layer(module)
            except LookupError:
                unplaced.append(module)
    assert unplaced == [], "add these to LAYERS and to docs/contributing/architecture.md"


def test_no_core_module_imports_a_layer_above_it() -> None:
    upward = [
        f"{module} ({LAYERS[_layer(module)][0]}) -> {target} ({LAYERS[_layer(target)][0]})"
        for module, targets in GRAPH.items()
        if module.split(".")[0] == "payments_core"
        for target in targets
        if target.split(".")[0] == "payments_core" and _layer(target) > _layer(module)
    ]
    assert upward == []


def test_the_core_never_imports_a_provider() -> None:
    reaching = [
        f"{module} -> {target}"
        for module, targets in GRAPH.items()
        if module.split(".")[0] == "payments_core"
        for target in targets
        if target.split(".")[0] in PROVIDERS
    ]
    assert reaching == []


def test_a_provider_never_imports_another_provider() -> None:
    crossing = [
        f"{module} -> {target}"
        for module, targets in GRAPH.items()
        if module.split(".")[0] in PROVIDERS
        for target in targets
        if target.split(".")[0] in PROVIDERS and target.split(".")[0] != module.split(".")[0]
    ]
    assert crossing == []


def _in_sandbox(module: str) -> bool:
    parts = module.split(".")
    return len(parts) > 1 and parts[1] == "sandbox"


def test_an_emulator_imports_only_emulator_plumbing_from_outside_itself() -> None:
    """An emulator built from the client's own code would share its mistakes: a
    provider's sandbox uses only the shared plumbing in ``payments_core.sandbox``,
    and that plumbing uses nothing else of the core."""
    leaking = [
        f"{module} -> {target}"
        for module, targets in GRAPH.items()
        if _in_sandbox(module)
        for target in targets
        if not _in_sandbox(target)
        or target.split(".")[0] not in (module.split(".")[0], "payments_core")
    ]
    assert leaking == []


def test_only_a_providers_demo_and_commands_start_its_emulator() -> None:
    starting = [
        f"{module} -> {target}"
        for module, targets in GRAPH.items()
        if module.split(".")[0] in PROVIDERS and not _in_sandbox(module)
        if module.split(".")[-1] not in SANDBOX_USERS
        for target in targets
        if _in_sandbox(target)
    ]
    assert starting == []


def test_no_module_is_past_the_size_limit() -> None:
    large = {
        module: lines
        for module, path in MODULES.items()
        if module.split(".")[0] in PACKAGES
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > SIZE_LIMIT
        and module not in DATA_TABLES
    }
    assert large == {}


def test_every_data_table_let_past_the_limit_still_exists() -> None:
    assert [module for module in DATA_TABLES if module not in MODULES] == []
