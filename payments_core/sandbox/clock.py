"""Time as an emulated bank sees it: a base clock plus an offset tests can advance."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]
"""Anything returning "now"; a naive result is taken as UTC."""


def utc_now() -> datetime:
    return datetime.now(UTC)


class SandboxClock:
    """Aware-UTC "now" for expiry, token lifetimes and timestamps.

    :meth:`advance` moves this clock forward without touching the base clock, so a
    test can expire orders, sessions and tokens, or reach the next bank day, without
    sleeping.
    """

    def __init__(self, base: Clock | None = None) -> None:
        self._base = base or utc_now
        self._offset = timedelta()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        current = self._base()
        if current.tzinfo is None:
            current = current.replace(tzinfo=UTC)
        with self._lock:
            return current.astimezone(UTC) + self._offset

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            self._offset += timedelta(seconds=seconds)
        return self.now()
