"""What the sandbox saw, for tests to assert on (never a secret or a token).

The emulator also serves load tests that run for hours, so the logs it keeps for tests
to read (the request log here, the callback attempts in the bank) are
:class:`~payments_core.sandbox.bounded.RecentList` s: the most recent ``LOG_LIMIT``
entries by default, far more than any one test makes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Final

from payments_core.sandbox.bounded import LOG_LIMIT, RecentList, check_limit

_TOTALS: Final = (
    "token_requests",
    "tokens_issued",
    "payments_created",
    "payments_paid",
    "payments_expired",
    "cancels",
    "refunds",
    "partial_refunds",
    "releases",
    "completions",
    "executions",
    "cards_deleted",
    "callbacks_sent",
    "callbacks_delivered",
    "callbacks_failed",
)


@dataclass
class Counters:
    """Running totals of what the emulated bank did.

    ``requests`` counts requests per endpoint name (see :data:`.endpoints.ENDPOINTS`;
    faulted requests included), ``request_log`` lists ``(method, path)`` of every
    request, page and control requests too. ``cancels`` counts accepted cancel calls;
    of those, ``refunds`` gave money back from a captured payment (``partial_refunds``
    with an amount) and ``releases`` freed an uncaptured pre-authorization.
    ``callbacks_sent`` counts delivery attempts, ``callbacks_delivered`` callbacks
    acknowledged with 200 and ``callbacks_failed`` those given up after every retry.
    ``request_log`` keeps the last ``log_limit`` requests (a
    :class:`~payments_core.sandbox.bounded.RecentList`).
    """

    token_requests: int = 0
    tokens_issued: int = 0
    payments_created: int = 0
    payments_paid: int = 0
    payments_expired: int = 0
    cancels: int = 0
    refunds: int = 0
    partial_refunds: int = 0
    releases: int = 0
    completions: int = 0
    executions: int = 0
    cards_deleted: int = 0
    callbacks_sent: int = 0
    callbacks_delivered: int = 0
    callbacks_failed: int = 0
    requests: dict[str, int] = field(default_factory=dict)
    request_log: RecentList[tuple[str, str]] = field(default_factory=RecentList)
    log_limit: int = field(default=LOG_LIMIT, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.request_log.limit = check_limit("log_limit", self.log_limit)

    def add(self, name: str, amount: int = 1) -> None:
        if name not in _TOTALS:
            raise AttributeError(f"no counter named {name!r}")
        with self._lock:
            setattr(self, name, getattr(self, name) + amount)

    def saw(self, method: str, path: str, endpoint: str | None) -> None:
        with self._lock:
            self.request_log.append((method, path))
            if endpoint is not None:
                self.requests[endpoint] = self.requests.get(endpoint, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            totals: dict[str, Any] = {name: getattr(self, name) for name in _TOTALS}
            totals["requests"] = dict(self.requests)
            totals["request_log"] = [list(entry) for entry in self.request_log]
            return totals
