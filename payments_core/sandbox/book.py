"""The book an emulator keeps its records in (orders, payments), with its memory bounded.

The emulators also serve load tests that run for hours, so a book cannot keep every
record it ever made. A record *in use* is always kept; every other one is *finished*,
and the book keeps only the ``limit`` finished records most recently used and
forgets older ones, which then answer like ids the bank never issued. What counts as
in use (a payable order, a hold, a pending action, a saved card hanging on it) and
what else goes when a record is forgotten are each bank's own; the bookkeeping here
is the same for both.

Filing happens when a call ends, not at each change: a call holds the book's lock
through :meth:`RecordBook._changing` (calls made inside it share it) and notes every
record it reads or changes with :meth:`RecordBook._use`; when the outermost call
ends, each noted record is filed as in use or as the most recently finished one, and
the oldest finished ones past the limit are forgotten.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

from .bounded import check_limit

R = TypeVar("R")


class RecordBook(Generic[R]):
    """Records by id: every one in use, and the ``limit`` most recently used finished ones.

    A bank's book subclasses it and fills in :meth:`_key`, :meth:`_in_use` and, when
    forgetting a record should take something else with it, :meth:`_forget`.
    ``limit_name`` is the bank's name for the limit, for the error a bad one raises.
    """

    def __init__(self, limit: int, *, limit_name: str) -> None:
        self._finished_limit = check_limit(limit_name, limit)
        self._records: dict[str, R] = {}
        self._lock = threading.RLock()
        self._depth = 0
        self._touched: list[R] = []
        """Records used by the call in progress; filed when it ends."""
        self._finished: OrderedDict[str, None] = OrderedDict()
        """Ids of finished records, least recently used first: the only ones forgotten."""

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, key: object) -> bool:
        return key in self._records

    @property
    def finished_count(self) -> int:
        """How many of the records kept are finished (at most the limit)."""
        return len(self._finished)

    # -- what a bank says about its records ------------------------------------------

    def _key(self, record: R) -> str:
        """The id the book keeps ``record`` under."""
        raise NotImplementedError

    def _in_use(self, record: R) -> bool:
        """Whether ``record`` must be kept whatever the limit."""
        raise NotImplementedError

    def _forget(self, record: R) -> None:
        """Called after ``record`` left the book; by default nothing else goes with it."""

    # -- the bookkeeping ---------------------------------------------------------------

    @contextmanager
    def _changing(self) -> Iterator[None]:
        """The book's lock; when the outermost call ends, the records it used are filed."""
        with self._lock:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if not self._depth and self._touched:
                    self._file()

    def _use(self, record: R) -> R:
        self._touched.append(record)
        return record

    def _file(self) -> None:
        """File the records just used as in use or most recently finished; forget the oldest."""
        records = self._records
        finished = self._finished
        for record in self._touched:
            key = self._key(record)
            if records.get(key) is not record:
                continue
            if self._in_use(record):
                finished.pop(key, None)
            else:
                finished[key] = None
                finished.move_to_end(key)
        self._touched.clear()
        while len(finished) > self._finished_limit:
            key, _ = finished.popitem(last=False)
            self._forget(records.pop(key))
