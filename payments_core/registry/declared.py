"""Entry points read straight from the installed distributions' files.

Building a facade looks up one provider and the hook plugins. Importing
``importlib.metadata`` for that (with its zipfile, csv and importlib.resources)
costs more than the look-up itself, so the common case is read here the way
``importlib.metadata`` reads it: the standard path finder over plain directories on
``sys.path``, each distribution's ``entry_points.txt`` parsed by the same rules, the
first distribution of a name on ``sys.path`` winning. Whatever else the standard
reader would handle (another finder offering distributions, a zip or an egg on the
path, a name it would take from a distribution's metadata, a line it would refuse or
a value it could not load) answers ``None`` here, and the caller asks
:mod:`payments_core.registry.discovery`, which uses ``importlib.metadata`` itself.
"""

from __future__ import annotations

import functools
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import import_module
from importlib.machinery import PathFinder
from typing import Any, Final, TypeVar, cast

__all__ = ["ImportAborted", "declared_entry_points", "load_declared", "one_reading", "read_once"]

T = TypeVar("T")

INFO_SUFFIXES: Final = (".dist-info", ".egg-info")

VALUE_PATTERN: Final = re.compile(
    r"(?P<module>[\w.]+)\s*"
    r"(:\s*(?P<attr>[\w.]+)\s*)?"
    r"((?P<extras>\[.*\])\s*)?$"
)
"""``importlib.metadata.EntryPoint.pattern``: how a value names what it loads."""

_NOT_READ: Final = (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError)
"""What ``importlib.metadata`` takes for a distribution without the file."""


class ImportAborted(Exception):
    """A plugin's import raised something stevedore would not isolate."""


class _Reading(threading.local):
    """What :func:`one_reading` keeps on this thread while its block runs."""

    texts: dict[str, Any] | None = None


_reading = _Reading()


@contextmanager
def one_reading() -> Iterator[None]:
    """Inside the block, each distribution's ``entry_points.txt`` is read at most once.

    Building a facade looks up its provider and its hook plugins: two groups, one
    pass over the installed distributions instead of two. The answers are those of
    separate passes as long as nothing is installed while the block runs.
    """
    if _reading.texts is not None:  # an outer block reads for this one
        yield
        return
    _reading.texts = {}
    try:
        yield
    finally:
        _reading.texts = None


def read_once(key: str, read: Callable[[], T]) -> T:
    """``read()``, or inside :func:`one_reading` what it returned the first time."""
    texts = _reading.texts
    if texts is None:
        return read()
    if key not in texts:
        texts[key] = read()
    return cast(T, texts[key])


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower().replace("-", "_")


def _plain_texts() -> list[str] | None:
    """Every ``entry_points.txt`` that ``importlib.metadata.distributions()`` would read,
    in its order, the first distribution of a name only; ``None``: not a plain case."""
    for finder in sys.meta_path:
        if finder is not PathFinder and getattr(finder, "find_distributions", None) is not None:
            return None
    texts: list[str] = []
    seen: set[str] = set()
    for entry in sys.path:
        if not isinstance(entry, str) or os.path.basename(entry).lower().endswith(".egg"):
            return None
        root = entry or "."
        try:
            children = os.listdir(root)
        except OSError:
            if os.path.exists(root):  # a zip file, say: the standard reader looks inside
                return None
            continue
        for child in children:
            low = child.lower()
            if not low.endswith(INFO_SUFFIXES):
                continue
            if os.path.splitext(child)[1] not in INFO_SUFFIXES:
                return None  # its name would come from its metadata
            key = _normalized(low.rpartition(".")[0].partition("-")[0])
            if key in seen:
                continue
            seen.add(key)
            text = _read(os.path.join(root, child, "entry_points.txt"))
            if text:
                texts.append(text)
    return texts


def _read(path: str) -> str | None:
    """The file's text as ``Path.read_text(encoding="utf-8")`` gives it (line ends
    aside, which the parsing below ignores), or ``None`` where ``importlib.metadata``
    finds no file; by plain system calls, as most distributions have none."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except _NOT_READ:
        return None
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
    except _NOT_READ:  # a directory opens, and fails to read
        return None
    finally:
        os.close(fd)
    return b"".join(chunks).decode("utf-8")


def _declared_in(text: str, group: str, name: str | None) -> list[tuple[str, str]] | None:
    """The entries of ``group`` (named ``name``) in one file; ``None`` for a line the
    standard reader would refuse."""
    found: list[tuple[str, str]] = []
    section: str | None = None
    for line in map(str.strip, text.splitlines()):
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line.strip("[]")
            continue
        if section is None:
            continue
        if "=" not in line:
            return None
        key, value = map(str.strip, line.split("=", 1))
        if section == group and (name is None or key == name):
            found.append((key, value))
    return found


def declared_entry_points(group: str, name: str | None = None) -> list[tuple[str, str]] | None:
    """``(name, value)`` of each entry point of ``group`` (named ``name``), in the order
    ``importlib.metadata.entry_points`` gives them; ``None``: ask it instead."""
    texts = read_once("plain", _plain_texts)
    if texts is None:
        return None
    found: list[tuple[str, str]] = []
    for text in texts:
        if group not in text:
            continue
        entries = _declared_in(text, group, name)
        if entries is None:
            return None
        found.extend(entries)
    return found


def load_declared(value: str) -> tuple[bool, Any]:
    """Load what ``value`` names, as ``EntryPoint.load`` would: ``(True, object)``, or
    ``(False, None)`` for a value it does not recognise. A failed import raises as
    there, except ``AssertionError`` and ``SystemExit``, which become
    :class:`ImportAborted` (an ordinary error that names the plugin's failure)."""
    match = VALUE_PATTERN.match(value)
    if match is None:
        return False, None
    try:
        module = import_module(match.group("module"))
        attrs = filter(None, (match.group("attr") or "").split("."))
        return True, functools.reduce(getattr, attrs, module)
    except (AssertionError, SystemExit) as exc:
        raise ImportAborted(f"{type(exc).__name__}: {exc}") from exc
