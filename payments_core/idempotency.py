"""One idempotency store, owned by the core, for every provider.

The facade mints an idempotency key once per logical call (or takes the
caller's) and asks the store before anything is sent. The store remembers, per
gateway and key, a :class:`Fingerprint` of the operation and, once known, its
outcome. It answers a :meth:`IdempotencyStore.claim` with one of:

* ``NEW``: go ahead (the key is now held by this call);
* ``IN_FLIGHT``: another call with this key is running; wait and ask again;
* ``SUCCEEDED``: the same operation already succeeded: here is its result;
* ``UNKNOWN``: the same operation was tried and its outcome is unknown; the
  call now holds the key again and may repeat it *if the gateway honours keys*
  (with the bytes sent the first time, when the store kept them);

and raises :class:`~payments_core.errors.InvalidRequestError` with
``code=IDEMPOTENCY_CONFLICT`` when the key was used for a different operation,
payment, amount or body. Definite failures (refused, declined, invalid) release
the key: nothing moved, so trying again runs the checks afresh.

:class:`MemoryIdempotencyStore` is the default: bounded, thread- and task-safe,
and gone with the process. The journal implements the same protocol durably,
across processes and hosts. The protocol is small on purpose.
"""

from __future__ import annotations

import hashlib
import re
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, Protocol, runtime_checkable

from payments_core.errors import ErrorCode, InvalidRequestError
from payments_core.provider import SentRequest

__all__ = [
    "CallDetails",
    "Claim",
    "ClaimState",
    "Fingerprint",
    "IdempotencyStore",
    "MemoryIdempotencyStore",
    "check_idempotency_key",
    "mint_key",
]

_KEY: Final = re.compile(r"[\x21-\x7e]{1,255}")
"""Printable ASCII without spaces: it goes into an HTTP header unchanged."""


def check_idempotency_key(key: object, *, provider: str | None = None) -> str:
    """The key itself, or :class:`InvalidRequestError` when it cannot be sent as is.

    1 to 255 printable ASCII characters, no spaces or control characters: a key
    travels in an HTTP header, and a key that cannot be sent would otherwise
    fail locally every time it is retried.
    """
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        shown = f"{len(key)} characters" if isinstance(key, str) else type(key).__name__
        raise InvalidRequestError(
            "idempotency_key must be 1 to 255 printable ASCII characters without spaces "
            f"(got {shown}); leave it out to have one minted",
            field="idempotency_key",
            provider=provider,
        )
    return key


def mint_key() -> str:
    """A fresh idempotency key, for a call made without one.

    A random UUID in its 36-character text form (``"1b4e28ba-2fa1-11d2-883f-0016d3cca427"``):
    unique without coordination between processes, and it passes
    :func:`check_idempotency_key`.
    """
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Fingerprint:
    """What a key was used for. The same key with another fingerprint is a conflict."""

    operation: str
    payment_id: str | None = None
    amount: str | None = None
    """``"5.00 GEL"``, or ``None`` for "the whole amount"."""
    digest: str | None = None
    """SHA-256 of the request's parameters (a create's body), where there is one."""

    @staticmethod
    def digest_of(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    def differences(self, other: Fingerprint) -> list[str]:
        """Names of the parts that differ, for a message that says which."""
        return [
            name
            for name in ("operation", "payment_id", "amount", "digest")
            if getattr(self, name) != getattr(other, name)
        ]


class ClaimState(StrEnum):
    NEW = "new"
    IN_FLIGHT = "in_flight"
    SUCCEEDED = "succeeded"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class CallDetails:
    """What the facade knows about a keyed call besides its fingerprint.

    A durable store keeps it so that a later process can reconcile the call:
    which provider, the request as plugins see it (credentials redacted), the
    platform's own reference. The in-memory store ignores it.
    """

    provider: str
    request: Any = None
    external_id: str | None = None


@dataclass(frozen=True)
class Claim:
    """The store's answer to :meth:`IdempotencyStore.claim`."""

    state: ClaimState
    outcome: Any = None
    """The recorded result, for ``SUCCEEDED``."""
    sent: SentRequest | None = None
    """For ``UNKNOWN``: the state-changing request sent the first time, if kept."""


@runtime_checkable
class IdempotencyStore(Protocol):
    """Where the facades keep idempotency keys; see the module docs for the answers.

    Every method is keyed by ``(gateway, key)``: two gateways (two merchant
    accounts) never share keys. Implementations must be safe to call from many
    threads; the durable ones also from many processes. ``AsyncPayments`` also
    takes a store whose methods are coroutines (the journal's async store).
    """

    def claim(
        self,
        gateway: str,
        key: str,
        fingerprint: Fingerprint,
        *,
        details: CallDetails | None = None,
    ) -> Claim:
        """Take the key for this operation, or say why not (raises on conflict)."""
        ...

    def sending(self, gateway: str, key: str, sent: SentRequest) -> None:
        """A state-changing request is about to leave under this key."""
        ...

    def succeeded(self, gateway: str, key: str, outcome: Any) -> None:
        """The operation succeeded with ``outcome``; repeats get it back."""
        ...

    def unknown(self, gateway: str, key: str) -> None:
        """The outcome is unknown; the key is released for a repeat or reconciliation."""
        ...

    def release(self, gateway: str, key: str) -> None:
        """Nothing moved (refused before sending, or a definite failure): forget the key."""
        ...


@dataclass
class _Entry:
    fingerprint: Fingerprint
    state: ClaimState
    outcome: Any = None
    sent: SentRequest | None = None


class MemoryIdempotencyStore:
    """The in-process store: thread-safe, with a bounded memory of finished keys.

    ``limit`` bounds the keys whose operation succeeded: past it the oldest go
    first (a repeat that late runs the checks afresh). Keys in flight or with an
    unknown outcome are never dropped, since forgetting them could let a repeat
    act twice; they leave when their call ends or a repeat settles them. Trimming
    is constant time per key.
    """

    DEFAULT_LIMIT: Final = 10_000

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], _Entry] = {}
        self._finished: OrderedDict[tuple[str, str], None] = OrderedDict()
        """Keys whose operation succeeded, oldest first: the only ones ever dropped."""

    def __len__(self) -> int:
        return len(self._entries)

    def claim(
        self,
        gateway: str,
        key: str,
        fingerprint: Fingerprint,
        *,
        details: CallDetails | None = None,
    ) -> Claim:
        with self._lock:
            entry = self._entries.get((gateway, key))
            if entry is None:
                self._entries[(gateway, key)] = _Entry(fingerprint, ClaimState.IN_FLIGHT)
                return Claim(ClaimState.NEW)
            if entry.fingerprint != fingerprint:
                raise conflict(key, entry.fingerprint, fingerprint)
            if entry.state is ClaimState.UNKNOWN:
                entry.state = ClaimState.IN_FLIGHT
                return Claim(ClaimState.UNKNOWN, sent=entry.sent)
            return Claim(entry.state, outcome=entry.outcome)

    def sending(self, gateway: str, key: str, sent: SentRequest) -> None:
        with self._lock:
            entry = self._entries.get((gateway, key))
            if entry is not None and entry.sent is None:
                entry.sent = sent

    def succeeded(self, gateway: str, key: str, outcome: Any) -> None:
        with self._lock:
            entry = self._entries.get((gateway, key))
            if entry is not None:
                entry.state = ClaimState.SUCCEEDED
                entry.outcome = outcome
                entry.sent = None
                self._finished[(gateway, key)] = None
                self._finished.move_to_end((gateway, key))
                while len(self._finished) > self.limit:
                    oldest, _ = self._finished.popitem(last=False)
                    self._entries.pop(oldest, None)

    def unknown(self, gateway: str, key: str) -> None:
        with self._lock:
            entry = self._entries.get((gateway, key))
            if entry is not None:
                entry.state = ClaimState.UNKNOWN

    def release(self, gateway: str, key: str) -> None:
        with self._lock:
            self._entries.pop((gateway, key), None)
            self._finished.pop((gateway, key), None)


def conflict(key: str, recorded: Fingerprint, asked: Fingerprint) -> InvalidRequestError:
    """The error for a key reused for another operation (shared by every store)."""
    differing = ", ".join(recorded.differences(asked))
    return InvalidRequestError(
        f"idempotency key {key!r} was already used for a {recorded.operation} with "
        f"different parameters ({differing}); use a new key for a new operation",
        code=ErrorCode.IDEMPOTENCY_CONFLICT,
        field="idempotency_key",
    )
