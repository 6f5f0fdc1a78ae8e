"""What the sandbox saw, for tests to assert on (never any secret or token)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from payments_core.sandbox.bounded import LOG_LIMIT, RecentCounts, RecentList, check_limit


@dataclass
class Counters:
    """Running totals.

    ``callbacks_delivered`` / ``callbacks_failed`` count callbacks (acknowledged with
    a 2xx / given up after every retry), not attempts; attempts are in
    ``BogSandbox.callbacks``. ``requests`` lists ``(method, path)`` of every request.

    The totals are plain numbers. The per-key tables (``*_by_idempotency_key``) keep
    the ``log_limit`` keys most recently counted and ``requests`` the last
    ``log_limit`` requests (see :mod:`payments_core.sandbox.bounded`), so a long load
    test does not make them grow without end.
    """

    token_requests: int = 0
    tokens_issued: int = 0
    orders_created: int = 0
    orders_by_idempotency_key: RecentCounts[str] = field(default_factory=RecentCounts)
    refunds_by_idempotency_key: RecentCounts[str] = field(default_factory=RecentCounts)
    actions_by_idempotency_key: RecentCounts[str] = field(default_factory=RecentCounts)
    idempotent_replays: int = 0
    callbacks_delivered: int = 0
    callbacks_failed: int = 0
    requests: RecentList[tuple[str, str]] = field(default_factory=RecentList)
    log_limit: int = field(default=LOG_LIMIT, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def __post_init__(self) -> None:
        limit = check_limit("log_limit", self.log_limit)
        for table in (
            self.orders_by_idempotency_key,
            self.refunds_by_idempotency_key,
            self.actions_by_idempotency_key,
        ):
            table.limit = limit
        self.requests.limit = limit

    def add(self, name: str, amount: int = 1) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + amount)

    def add_keyed(self, name: str, key: str | None) -> None:
        if key is None:
            return
        with self._lock:
            table: RecentCounts[str] = getattr(self, name)
            table.count(key)

    def saw(self, method: str, path: str) -> None:
        with self._lock:
            self.requests.append((method, path))

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "token_requests": self.token_requests,
                "tokens_issued": self.tokens_issued,
                "orders_created": self.orders_created,
                "orders_by_idempotency_key": dict(self.orders_by_idempotency_key),
                "refunds_by_idempotency_key": dict(self.refunds_by_idempotency_key),
                "actions_by_idempotency_key": dict(self.actions_by_idempotency_key),
                "idempotent_replays": self.idempotent_replays,
                "callbacks_delivered": self.callbacks_delivered,
                "callbacks_failed": self.callbacks_failed,
                "requests": [list(entry) for entry in self.requests],
            }
