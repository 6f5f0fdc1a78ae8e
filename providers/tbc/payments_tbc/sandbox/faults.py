"""Faults to inject: make the emulated bank slow, broken or rude on demand.

A :class:`Fault` names an endpoint (a key of :data:`.endpoints.ENDPOINTS`, or ``"*"``
for all of them) and fires on the next ``times`` requests to it (``None``: on every
one). Kinds:

``latency``
    Wait ``delay`` seconds, then answer normally; with ``when="after"`` the request is
    processed first and the answer waits.
``error``
    Answer ``status`` (5xx, default 503) with a problem body. ``when="before"`` skips
    processing; ``"after"`` processes the request and replaces the real answer, so the
    client cannot know it took effect.
``rate_limit``
    Answer 429 with ``Retry-After`` (``retry_after`` seconds, default 1), unprocessed.
``drop``
    Close the connection without an answer, before processing (``when="before"``) or
    after it (``"after"``: the payment, refund or charge has happened). In process the
    sandbox's transport raises :class:`httpx.RemoteProtocolError`; a served sandbox
    closes the socket.
``malformed``
    Answer 200 ``application/json`` with a cut-off body. ``when="before"`` sends a
    fixed fragment unprocessed; ``"after"`` processes the request and cuts the real
    answer in half.
``token_revoked``
    Invalidate every access token issued so far, then handle the request (which gets
    401 unless it is a token request): tokens that die before ``expires_in``.

Faults apply in the order they were added, one per request. The hosted page and the
``/sandbox/`` controls are never faulted. This module only keeps the book;
:mod:`.injector` applies it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, Literal, get_args

from .endpoints import ENDPOINTS

FaultKind = Literal["latency", "error", "rate_limit", "drop", "malformed", "token_revoked"]
FaultTiming = Literal["before", "after"]
FAULT_KINDS: Final[tuple[FaultKind, ...]] = get_args(FaultKind)
ANY_ENDPOINT: Final = "*"
TRANSPORT_STATE_KEY: Final = "tbc_sandbox.transport"
"""Where :mod:`.server` puts each connection's asyncio transport in ``scope["state"]``."""


class ConnectionDropped(ConnectionError):
    """Raised in process where a served sandbox would close the socket unanswered."""


@dataclass(frozen=True, slots=True)
class Fault:
    endpoint: str
    kind: FaultKind
    times: int | None = 1
    when: FaultTiming = "before"
    delay: float = 0.0
    status: int = 503
    retry_after: int | None = None

    def __post_init__(self) -> None:
        if self.endpoint != ANY_ENDPOINT and self.endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {self.endpoint!r}; use one of {sorted(ENDPOINTS)}")
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; use one of {FAULT_KINDS}")
        if self.when not in get_args(FaultTiming):
            raise ValueError("when must be 'before' or 'after'")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be at least 1 (or None for every request)")
        if self.kind == "error" and not 500 <= self.status <= 599:
            raise ValueError("an error fault answers with a 5xx status")
        if self.delay < 0:
            raise ValueError("delay must not be negative")
        if self.retry_after is not None and self.retry_after < 0:
            raise ValueError("retry_after must not be negative")
        if self.kind == "token_revoked" and self.endpoint == "token":
            raise ValueError("token_revoked applies to API endpoints, not to the token endpoint")

    @classmethod
    def from_json(cls, data: Any) -> Fault:
        """Build a fault from the JSON body of ``POST /sandbox/faults``."""
        if not isinstance(data, dict):
            raise ValueError("a fault is a JSON object")
        fields = {"endpoint", "kind", "times", "when", "delay", "status", "retry_after"}
        unknown = set(data) - fields
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        for name in ("endpoint", "kind"):
            if not isinstance(data.get(name), str):
                raise ValueError(f"{name} must be a string")
        for name in ("times", "status", "retry_after"):
            value = data.get(name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise ValueError(f"{name} must be a whole number")
        delay = data.get("delay", 0)
        if isinstance(delay, bool) or not isinstance(delay, int | float | Decimal):
            raise ValueError("delay must be a number of seconds")
        return cls(**{**data, "delay": float(delay)})

    def matches(self, endpoint: str) -> bool:
        return self.endpoint in (ANY_ENDPOINT, endpoint)


@dataclass(slots=True)
class _Armed:
    fault: Fault
    left: int | None


class FaultBook:
    """Faults waiting to fire, with how many times each may still fire."""

    def __init__(self) -> None:
        self._armed: list[_Armed] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._armed.append(_Armed(fault, fault.times))

    def clear(self) -> int:
        with self._lock:
            count = len(self._armed)
            self._armed.clear()
            return count

    def armed(self) -> list[Fault]:
        with self._lock:
            return [entry.fault for entry in self._armed]

    def take(self, endpoint: str) -> Fault | None:
        """The fault to apply to one request to ``endpoint``, counted as used."""
        with self._lock:
            for entry in self._armed:
                if entry.fault.matches(endpoint):
                    if entry.left is not None:
                        entry.left -= 1
                        if entry.left == 0:
                            self._armed.remove(entry)
                    return entry.fault
        return None
