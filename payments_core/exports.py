"""Names a package exports, imported when first used rather than with the package.

``import payments_core`` (and building a gateway) should not pay for the async
facade, the configuration readers or the entry-point machinery it does not use.
A package lists where each exported name lives; :func:`lazy` gives it the
module-level ``__getattr__`` and ``__dir__`` that import a name's module on first
use. Its submodules stay reachable as attributes (``payments_core.errors``), as
they were when the package imported them all.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy"]


def lazy(
    package: str, exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``, whose name ``exports`` maps each
    exported name to the module defining it."""

    def __getattr__(name: str) -> Any:
        namespace = vars(sys.modules[package])
        module = exports.get(name)
        if module is not None:
            value = getattr(importlib.import_module(module), name)
            namespace[name] = value
            return value
        if not name.startswith("__"):
            try:
                return importlib.import_module(f"{package}.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{package}.{name}":
                    raise  # the submodule exists and failed to import something
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *exports})

    return __getattr__, __dir__
