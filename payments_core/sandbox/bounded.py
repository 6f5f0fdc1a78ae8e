"""Containers that keep the recent part of what an emulator saw, so it never grows without end.

The emulators also serve load tests that run for hours: every log they keep for tests
to read (callback attempts, requests, per-key counts) holds the most recent
:data:`LOG_LIMIT` entries by default, which is far more than any one test makes.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from typing import Final, SupportsIndex, TypeVar

T = TypeVar("T")
K = TypeVar("K")

LOG_LIMIT: Final = 10_000
"""Entries each log keeps (the emulators' ``log_limit=...``)."""


def check_limit(name: str, value: object) -> int:
    """``value`` if it is a positive whole number, else a ``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive whole number, not {value!r}")
    return value


class RecentList(list[T]):
    """A list that keeps its last ``limit`` items.

    The oldest are cut in batches (an eighth of the limit at a time), so appending
    stays constant time; between cuts the list may hold up to that many more.
    """

    def __init__(self, items: Iterable[T] = (), *, limit: int = LOG_LIMIT) -> None:
        super().__init__(items)
        self.limit = check_limit("limit", limit)
        self._trim()

    def append(self, item: T) -> None:
        super().append(item)
        if len(self) > self.limit + self.limit // 8:
            self._trim()

    def extend(self, items: Iterable[T]) -> None:
        super().extend(items)
        self._trim()

    def insert(self, index: SupportsIndex, item: T) -> None:
        super().insert(index, item)
        self._trim()

    def _trim(self) -> None:
        if len(self) > self.limit:
            del self[: len(self) - self.limit]


class RecentCounts(OrderedDict[K, int]):
    """Counts per key for the ``limit`` keys most recently counted."""

    def __init__(self, items: Iterable[tuple[K, int]] = (), *, limit: int = LOG_LIMIT) -> None:
        super().__init__(items)
        self.limit = check_limit("limit", limit)
        while len(self) > self.limit:
            self.popitem(last=False)

    def count(self, key: K) -> None:
        self[key] = self.get(key, 0) + 1
        self.move_to_end(key)
        while len(self) > self.limit:
            self.popitem(last=False)
