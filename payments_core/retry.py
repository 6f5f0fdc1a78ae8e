"""When to retry an HTTP attempt, and how long to wait first: small pure functions.

Only a request that is safe to repeat is ever retried: a ``GET``/``HEAD``, or a
request carrying an idempotency key (the provider then answers a repeat with the
first outcome instead of acting twice). A ``POST`` without a key is sent once,
whatever happens, because a second copy could charge the customer twice.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

__all__ = ["RETRY_STATUSES", "RetryPolicy", "is_safe_to_retry"]

RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
"""Statuses worth another attempt; other errors will not change by repeating."""


def is_safe_to_retry(request: httpx.Request, idempotency_header: str | None) -> bool:
    """True for a GET/HEAD, or a request carrying an idempotency key the gateway honours.

    ``idempotency_header`` is ``None`` for a gateway without keys: then only
    reads are ever repeated.
    """
    if request.method in ("GET", "HEAD"):
        return True
    return idempotency_header is not None and idempotency_header in request.headers


@dataclass(frozen=True)
class RetryPolicy:
    """Retry budget, back-off and overall deadline of one operation.

    Back-off is exponential with "full jitter" (a random delay up to the
    exponential step) so that many clients failing together do not retry in
    lockstep. A server's ``Retry-After`` wins over the computed delay, up to
    ``backoff_max``; if waiting would cross the deadline, we stop instead.
    """

    max_retries: int = 2
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    deadline: float = 90.0
    retry_statuses: frozenset[int] = RETRY_STATUSES
    random: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def delay(self, retry_number: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``retry_number`` (1 for the first retry)."""
        if retry_after is not None:
            return min(retry_after, self.backoff_max)
        step: float = min(self.backoff_max, self.backoff_base * 2.0 ** (retry_number - 1))
        return step * self.random()

    def next_delay(
        self,
        *,
        retries_done: int,
        safe: bool,
        remaining: float,
        status_code: int | None = None,
        retry_after: float | None = None,
    ) -> float | None:
        """The wait before the next attempt, or ``None`` when we must stop.

        ``status_code`` is ``None`` when the attempt failed without a response
        (network error or timeout).
        """
        if not safe or retries_done >= self.max_retries:
            return None
        if status_code is not None and status_code not in self.retry_statuses:
            return None
        if retry_after is not None and retry_after > self.backoff_max:
            return None  # the server asks for a longer pause than we are allowed to wait
        wait = self.delay(retries_done + 1, retry_after)
        if wait >= remaining:
            return None
        return wait
