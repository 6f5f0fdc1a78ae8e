"""Entries that fall due at a time (a session's expiry, a delayed action), taken in due order.

An emulator expires sessions and settles delayed actions on the next request after
their time, without looking at every record: a heap ordered by due time holds them.
An entry whose record moved on meanwhile (paid, settled, forgotten) is not searched
for and removed; whoever takes it checks and skips it. So that such stale entries
cannot pile up in a long load test, the heap is swept whenever it holds more than
twice the entries still waiting, plus :data:`SLACK`.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from datetime import datetime
from typing import Final, Generic, TypeVar

T = TypeVar("T")

SLACK: Final = 64
"""Stale entries a heap may hold beyond twice the live ones before it is swept."""


class DueQueue(Generic[T]):
    """Items by due time, earliest first (ties in the order they came).

    ``live`` tells whether an item still waits; only the sweep asks it.
    """

    def __init__(self, live: Callable[[T], bool]) -> None:
        self._heap: list[tuple[datetime, int, T]] = []
        self._seq = itertools.count()
        self._live = live

    def __len__(self) -> int:
        return len(self._heap)

    def push(self, due: datetime, item: T, *, waiting: int) -> None:
        """Add ``item``; ``waiting`` is how many items the caller counts as still waiting."""
        heapq.heappush(self._heap, (due, next(self._seq), item))
        if len(self._heap) > 2 * waiting + SLACK:
            live = self._live
            self._heap = [entry for entry in self._heap if live(entry[2])]
            heapq.heapify(self._heap)

    def pop_due(self, now: datetime) -> T | None:
        """The earliest item due by ``now``, taken off the queue, or ``None`` if none is."""
        heap = self._heap
        if heap and heap[0][0] <= now:
            return heapq.heappop(heap)[2]
        return None
