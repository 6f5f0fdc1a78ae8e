"""Faults on demand: the kinds every emulator offers, their checks, and the book of armed ones.

A fault names an endpoint of the emulated gateway (or ``"*"`` for all of them), a
kind, and how many of the next requests it fires on (``times``; ``None``: every one).
The kinds are the same for every gateway (``latency``, ``error``, ``rate_limit``,
``drop``, ``malformed``, ``token_revoked``); how each gateway words the answers a
fault makes up is its own (see :class:`.injector.FaultAnswers`), and so is the
documentation of its ``Fault`` class, which holds the fields checked here.

Faults apply in the order they were added, one per request (:class:`FaultBook`);
:class:`.injector.FaultInjector` fires them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, Generic, Literal, Protocol, TypeVar, get_args

FaultKind = Literal["latency", "error", "rate_limit", "drop", "malformed", "token_revoked"]
FaultTiming = Literal["before", "after"]
FAULT_KINDS: Final[tuple[FaultKind, ...]] = get_args(FaultKind)
ANY_ENDPOINT: Final = "*"
FIELDS: Final = frozenset({"endpoint", "kind", "times", "when", "delay", "status", "retry_after"})
"""The members of a fault, as ``POST /sandbox/faults`` takes them."""

TRANSPORT_STATE_KEY: Final = "sandbox.transport"
"""Where :mod:`.server` puts each connection's asyncio transport in ``scope["state"]``,
for a ``drop`` fault to close."""


class ConnectionDropped(ConnectionError):
    """Raised in process where a served emulator would close the socket without answering."""


class FaultRule(Protocol):
    """The fields of a gateway's ``Fault`` (a frozen dataclass)."""

    @property
    def endpoint(self) -> str: ...
    @property
    def kind(self) -> FaultKind: ...
    @property
    def times(self) -> int | None: ...
    @property
    def when(self) -> FaultTiming: ...
    @property
    def delay(self) -> float: ...
    @property
    def status(self) -> int: ...
    @property
    def retry_after(self) -> int | None: ...

    def matches(self, endpoint: str) -> bool: ...


F = TypeVar("F", bound=FaultRule)


def check_fault(fault: FaultRule, endpoints: Collection[str]) -> None:
    """Refuse (``ValueError``) a fault no request could meet or no client could read."""
    if fault.endpoint != ANY_ENDPOINT and fault.endpoint not in endpoints:
        raise ValueError(f"unknown endpoint {fault.endpoint!r}; use one of {sorted(endpoints)}")
    if fault.kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault kind {fault.kind!r}; use one of {FAULT_KINDS}")
    if fault.when not in get_args(FaultTiming):
        raise ValueError("when must be 'before' or 'after'")
    if fault.times is not None and fault.times < 1:
        raise ValueError("times must be at least 1 (or None for every request)")
    if fault.kind == "error" and not 500 <= fault.status <= 599:
        raise ValueError("an error fault answers with a 5xx status")
    if fault.delay < 0:
        raise ValueError("delay must not be negative")
    if fault.retry_after is not None and fault.retry_after < 0:
        raise ValueError("retry_after must not be negative")
    if fault.kind == "token_revoked" and fault.endpoint == "token":
        raise ValueError("token_revoked applies to API endpoints, not to the token endpoint")


def fault_from_json(make: Callable[..., F], data: Any) -> F:
    """A gateway's fault (``make`` is its ``Fault`` class) from the JSON body of
    ``POST /sandbox/faults``; ``ValueError`` for anything that is not one."""
    try:
        return make(**_arguments(data))
    except TypeError as exc:  # a JSON null where a number belongs
        raise ValueError(str(exc)) from exc


def _arguments(data: Any) -> dict[str, Any]:
    """The keyword arguments of a fault: a JSON object of :data:`FIELDS` with the right
    JSON types; the values themselves are checked by :func:`check_fault`."""
    if not isinstance(data, dict):
        raise ValueError("a fault is a JSON object")
    unknown = set(data) - FIELDS
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
    return {**data, "delay": float(delay)}


@dataclass(slots=True)
class _Armed(Generic[F]):
    fault: F
    left: int | None


class FaultBook(Generic[F]):
    """Faults waiting to fire, with how many times each may still fire."""

    def __init__(self) -> None:
        self._armed: list[_Armed[F]] = []
        self._lock = threading.Lock()

    def add(self, fault: F) -> None:
        with self._lock:
            self._armed.append(_Armed(fault, fault.times))

    def clear(self) -> int:
        with self._lock:
            count = len(self._armed)
            self._armed.clear()
            return count

    def armed(self) -> list[F]:
        with self._lock:
            return [entry.fault for entry in self._armed]

    def take(self, endpoint: str) -> F | None:
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
