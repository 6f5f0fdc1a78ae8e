"""The stores the facades use on a journal: idempotency keys and the shared token cache.

Every store method is one journal step (a plain function of a ``Connection``,
see :mod:`payments_core.journal.operations` and :mod:`payments_core.journal.tokens`)
run in its own short transaction. :class:`_KeySteps` says, once, which step
each idempotency-store method runs and with what; :class:`JournalIdempotencyStore`
runs it on the sync engine and :class:`AsyncJournalIdempotencyStore` awaits it
on the async one, so the two stores cannot drift apart.

The stores reach the database only through a :class:`StepRunner` (the
:class:`~payments_core.journal.journal.Journal`), so this module does not
import the journal that builds them.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol, TypeAlias, TypeVar

from pydantic import BaseModel

from payments_core.auth import TokenGrant
from payments_core.idempotency import CallDetails, Claim, Fingerprint
from payments_core.journal import operations, tokens
from payments_core.journal.codec import dumps, outcome_to_json, sent_to_json, status_of
from payments_core.models import Operation, OperationStatus, Payment
from payments_core.provider import SentRequest

__all__ = [
    "AsyncJournalIdempotencyStore",
    "JournalIdempotencyStore",
    "SharedTokenCache",
    "StepRunner",
]

T = TypeVar("T")

JournalStep: TypeAlias = tuple[Callable[..., Any], tuple[Any, ...]]
"""A journal step and the arguments it runs with (after the ``Connection``)."""


class StepRunner(Protocol):
    """What the stores need of a journal: its schedule, and a way to run a step."""

    schedule: tuple[float, ...]

    def run(self, step: Callable[..., T], *args: Any) -> T: ...

    def arun(self, step: Callable[..., T], *args: Any) -> Awaitable[T]: ...


def _request_json(request: Any) -> str | None:
    if isinstance(request, BaseModel):
        return dumps(request.model_dump(mode="json"))
    if isinstance(request, Mapping):
        return dumps(dict(request))
    return None


def _intent(lease: float, details: CallDetails | None) -> operations.Intent:
    if details is None:
        return operations.Intent(provider="", lease=lease)
    return operations.Intent(
        provider=details.provider,
        lease=lease,
        request=_request_json(details.request),
        external_id=details.external_id,
    )


class _Fences:
    """The claim numbers this store's calls hold, per (gateway, key).

    Within one process a key has one holder at a time (a second caller waits), so
    one number per key is enough; it fences the holder's writes (see
    :func:`operations.claim`).
    """

    def __init__(self) -> None:
        self._held: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def keep(self, gateway: str, key: str, answer: tuple[Claim, int | None]) -> Claim:
        claim, fence = answer
        if fence is not None:
            with self._lock:
                self._held[(gateway, key)] = fence
        return claim

    def get(self, gateway: str, key: str) -> int | None:
        return self._held.get((gateway, key))

    def drop(self, gateway: str, key: str) -> int | None:
        with self._lock:
            return self._held.pop((gateway, key), None)


class _KeySteps:
    """The body of both idempotency stores: which step each method runs, with what.

    A method here takes or drops the call's fence and returns the step; the
    sync store runs it, the async store awaits it. Only :meth:`claim`'s answer
    needs more: :meth:`claimed` keeps the fence it carries.
    """

    def __init__(self, journal: StepRunner, lease: float) -> None:
        self.journal = journal
        self.lease = lease
        self._fences = _Fences()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.journal!r})"

    def _claim(
        self, gateway: str, key: str, fingerprint: Fingerprint, details: CallDetails | None
    ) -> JournalStep:
        return operations.claim, (gateway, key, fingerprint, _intent(self.lease, details))

    def _claimed(self, gateway: str, key: str, answer: tuple[Claim, int | None]) -> Claim:
        return self._fences.keep(gateway, key, answer)

    def _sending(self, gateway: str, key: str, sent: SentRequest) -> JournalStep:
        fence = self._fences.get(gateway, key)
        return operations.sending, (gateway, key, sent_to_json(sent), self.lease, fence)

    def _succeeded(self, gateway: str, key: str, outcome: Any) -> JournalStep:
        fence = self._fences.drop(gateway, key)
        follow_up = None
        if isinstance(outcome, Operation) and outcome.status is OperationStatus.PENDING:
            follow_up = self.journal.schedule[0]
        payment_id = outcome.id if isinstance(outcome, Payment) else None
        settled = (outcome_to_json(outcome), status_of(outcome), payment_id, follow_up)
        return operations.succeeded, (gateway, key, *settled, fence)

    def _unknown(self, gateway: str, key: str, payment_id: str | None) -> JournalStep:
        fence = self._fences.drop(gateway, key)
        return operations.unknown, (gateway, key, fence, payment_id)

    def _release(self, gateway: str, key: str) -> JournalStep:
        return operations.release, (gateway, key, None, self._fences.drop(gateway, key))


class JournalIdempotencyStore(_KeySteps):
    """The idempotency store on the journal: keys hold across processes and hosts."""

    def claim(
        self,
        gateway: str,
        key: str,
        fingerprint: Fingerprint,
        *,
        details: CallDetails | None = None,
    ) -> Claim:
        step, args = self._claim(gateway, key, fingerprint, details)
        return self._claimed(gateway, key, self.journal.run(step, *args))

    def sending(self, gateway: str, key: str, sent: SentRequest) -> None:
        step, args = self._sending(gateway, key, sent)
        self.journal.run(step, *args)

    def succeeded(self, gateway: str, key: str, outcome: Any) -> None:
        step, args = self._succeeded(gateway, key, outcome)
        self.journal.run(step, *args)

    def unknown(self, gateway: str, key: str, *, payment_id: str | None = None) -> None:
        step, args = self._unknown(gateway, key, payment_id)
        self.journal.run(step, *args)

    def release(self, gateway: str, key: str) -> None:
        step, args = self._release(gateway, key)
        self.journal.run(step, *args)


class AsyncJournalIdempotencyStore(_KeySteps):
    """:class:`JournalIdempotencyStore` with awaitable methods, on the async engine."""

    async def claim(
        self,
        gateway: str,
        key: str,
        fingerprint: Fingerprint,
        *,
        details: CallDetails | None = None,
    ) -> Claim:
        step, args = self._claim(gateway, key, fingerprint, details)
        return self._claimed(gateway, key, await self.journal.arun(step, *args))

    async def sending(self, gateway: str, key: str, sent: SentRequest) -> None:
        step, args = self._sending(gateway, key, sent)
        await self.journal.arun(step, *args)

    async def succeeded(self, gateway: str, key: str, outcome: Any) -> None:
        step, args = self._succeeded(gateway, key, outcome)
        await self.journal.arun(step, *args)

    async def unknown(self, gateway: str, key: str, *, payment_id: str | None = None) -> None:
        step, args = self._unknown(gateway, key, payment_id)
        await self.journal.arun(step, *args)

    async def release(self, gateway: str, key: str) -> None:
        step, args = self._release(gateway, key)
        await self.journal.arun(step, *args)


class SharedTokenCache:
    """The journal's token table, as ``OAuth2ClientCredentials`` uses it."""

    def __init__(self, journal: StepRunner) -> None:
        self.journal = journal

    def __repr__(self) -> str:
        return f"SharedTokenCache({self.journal!r})"

    def acquire(self, scope: str, lease: float) -> TokenGrant:
        return self.journal.run(tokens.acquire, scope, lease)

    def store(self, scope: str, generation: int, token: str, usable_for: float) -> None:
        self.journal.run(tokens.store, scope, generation, token, usable_for)

    def give_up(self, scope: str, generation: int) -> None:
        self.journal.run(tokens.give_up, scope, generation)

    def drop(self, scope: str, token: str) -> None:
        self.journal.run(tokens.drop, scope, token)

    async def aacquire(self, scope: str, lease: float) -> TokenGrant:
        return await self.journal.arun(tokens.acquire, scope, lease)

    async def astore(self, scope: str, generation: int, token: str, usable_for: float) -> None:
        await self.journal.arun(tokens.store, scope, generation, token, usable_for)

    async def agive_up(self, scope: str, generation: int) -> None:
        await self.journal.arun(tokens.give_up, scope, generation)

    async def adrop(self, scope: str, token: str) -> None:
        await self.journal.arun(tokens.drop, scope, token)
