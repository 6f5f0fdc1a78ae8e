"""Reading entry points: which installed distributions offer a plugin, and loading one.

The standard library's reader parses every installed distribution's metadata;
the providers' group is read here more cheaply, with the same answer. A plugin
whose import fails becomes an ordinary error that names it (and, for an emulator
installed without its extra, the command that adds it), never an exception that
would stop the other plugins from loading.
"""

from __future__ import annotations

from importlib.metadata import Distribution, EntryPoint, distributions, entry_points
from typing import Any

from payments_core.errors import ConfigurationError, ErrorCode
from payments_core.registry.declared import ImportAborted, read_once

__all__ = ["GuardedEntryPoint", "ImportAborted", "find_entry_points", "load_entry_point"]

_Texts = list[tuple[Distribution, str]]


def _read_texts() -> _Texts | None:
    """Each installed distribution with entry points, and their text, in the order of
    ``importlib.metadata.distributions()``, the first of a name on ``sys.path`` only;
    ``None`` when a distribution is not the standard library's (ask it instead)."""
    texts: _Texts = []
    seen: set[str] = set()
    for dist in distributions():
        key = getattr(dist, "_normalized_name", None)
        if not isinstance(key, str):
            return None
        if key in seen:
            continue
        seen.add(key)
        text = dist.read_text("entry_points.txt")
        if text:
            texts.append((dist, text))
    return texts


def find_entry_points(group: str, name: str | None = None) -> list[EntryPoint]:
    """``importlib.metadata.entry_points(group=group[, name=name])``, parsing less.

    The standard function parses the ``entry_points.txt`` of every installed
    distribution (several milliseconds in an environment of a hundred) to keep the
    few entries of one group. This reads each file and parses only those that
    mention ``group``; distributions are taken in the same order and de-duplicated
    the same way (the first of a name on ``sys.path`` wins), so the answer is the same.
    """
    texts = read_once("standard", _read_texts)
    if texts is None:  # a distribution that is not the standard library's: ask it
        selected = (
            entry_points(group=group) if name is None else entry_points(group=group, name=name)
        )
        return list(selected)
    found: list[EntryPoint] = []
    for dist, text in texts:
        if group not in text:
            continue
        found.extend(
            ep
            for ep in dist.entry_points
            if ep.group == group and (name is None or ep.name == name)
        )
    return found


class GuardedEntryPoint(EntryPoint):
    """An entry point whose failed import is always an ordinary ``Exception``.

    stevedore isolates a plugin that raises ``Exception`` at import, but lets
    ``AssertionError`` (and ``SystemExit``, not an ``Exception``) through, which
    would stop every provider from loading because of one.
    """

    @classmethod
    def of(cls, entry_point: EntryPoint) -> GuardedEntryPoint:
        return cls(entry_point.name, entry_point.value, entry_point.group)

    def load(self) -> Any:
        try:
            return super().load()
        except (AssertionError, SystemExit) as exc:
            raise ImportAborted(f"{type(exc).__name__}: {exc}") from exc


def load_entry_point(group: str, name: str, what: str) -> Any | None:
    """Load the entry point ``name`` of ``group``, or ``None`` when none has that name.

    ``what`` names the kind of plugin in the error a failed import becomes.
    """
    for ep in entry_points(group=group, name=name):
        try:
            return ep.load()
        except Exception as exc:
            message = f"the {name} {what} failed to load: {type(exc).__name__}: {exc}"
            hint = _missing_extra_hint(exc, ep)
            if hint:
                message += f"; {hint}"
            raise ConfigurationError(
                message, code=ErrorCode.PLUGIN_LOAD_FAILED, provider=name
            ) from exc
    return None


_SANDBOX_MODULES = frozenset({"starlette", "uvicorn"})
"""What the emulators need and production installs leave out (the ``[sandbox]`` extra)."""


def _missing_extra_hint(exc: Exception, ep: EntryPoint) -> str | None:
    """The install command for an emulator whose ``[sandbox]`` extra is missing."""
    if not isinstance(exc, ModuleNotFoundError) or exc.name is None:
        return None
    if exc.name.split(".")[0] not in _SANDBOX_MODULES:
        return None
    dist = ep.dist.name if ep.dist is not None else None
    if dist is None:
        return None
    return f'the emulator needs its extra: pip install "{dist}[sandbox]"'
