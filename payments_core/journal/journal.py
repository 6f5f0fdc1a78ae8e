"""The :class:`Journal`: one database, and the stores the facades use on it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeVar

from pydantic import BaseModel
from sqlalchemy import Connection, Engine, select
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from payments_core.auth import TokenGrant
from payments_core.errors import ConfigurationError
from payments_core.idempotency import CallDetails, Claim, Fingerprint
from payments_core.journal import database, inbox, migrations, operations, schema, states, tokens
from payments_core.journal.codec import dumps, outcome_to_json, sent_to_json, status_of
from payments_core.models import Operation, OperationStatus, Payment, WebhookEvent
from payments_core.provider import SentRequest

T = TypeVar("T")

DEFAULT_SCHEDULE: Final = (60.0, 300.0, 300.0, 300.0, 300.0, 300.0)
"""Seconds between checks of an operation that stays pending or unknown; after
the last one it is flagged for a person (never marked failed by time alone)."""

LEASE_MARGIN: Final = 30.0
"""Seconds added to a call's deadline before its process counts as gone."""


@dataclass(frozen=True)
class OperationRecord:
    """One money-moving call as the journal holds it."""

    id: int
    gateway: str
    provider: str
    operation: str
    idempotency_key: str
    state: str
    payment_id: str | None
    amount: str | None
    outcome_status: str | None
    error_code: str | None
    attempts: int
    checks: int
    flagged: bool
    flag_reason: str | None
    created_at: float
    updated_at: float


@dataclass(frozen=True)
class EventRecord:
    """One line of the audit trail."""

    at: float
    gateway: str
    kind: str
    action: str
    payment_id: str | None
    operation_id: int | None
    from_state: str | None
    to_state: str | None
    detail: str | None
    actor: str | None


@dataclass(frozen=True)
class PaymentHistory:
    """What ``payments journal show`` prints: state, operations and audit trail."""

    payment_id: str
    states: tuple[tuple[str, Payment], ...]
    """(gateway, latest known state), one per gateway that knows the payment."""
    operations: tuple[OperationRecord, ...]
    events: tuple[EventRecord, ...]


class Journal:
    """Durable payment state on SQLite (one host) or PostgreSQL (many hosts).

    ``Journal("sqlite:///payments.db")`` or ``Journal("postgresql://user@host/db")``.
    Nothing connects until first use. The schema must be current
    (``payments journal migrate``); a SQLite file that holds no journal yet is
    created on first use (``create=False`` refuses that too), PostgreSQL never is.

    Give it to a facade (``Payments("bog", journal=...)``, a ``journal`` key in
    the config file, or ``PAYMENTS_JOURNAL``): idempotency keys, callback
    dedupe, payment state and the token cache then hold across processes.
    """

    def __init__(
        self,
        url: str | URL,
        *,
        create: bool | None = None,
        schedule: tuple[float, ...] = DEFAULT_SCHEDULE,
        busy_timeout: float = database.BUSY_TIMEOUT,
    ) -> None:
        self.url = database.parse_url(url)
        self.busy_timeout = busy_timeout
        """SQLite: seconds a write waits for another process's transaction to end."""
        self.backend = self.url.get_backend_name()
        self.create = self.backend == "sqlite" if create is None else create
        if not schedule or any(delay <= 0 for delay in schedule):
            raise ValueError("schedule needs at least one positive delay")
        self.schedule = tuple(schedule)
        self._engine: Engine | None = None
        self._async_engine: AsyncEngine | None = None
        self._ready = False
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Journal({database.shown(self.url)!r})"

    @classmethod
    def of(cls, value: object) -> Journal:
        """A journal from a URL, or the journal itself."""
        return value if isinstance(value, Journal) else cls(value)  # type: ignore[arg-type]

    # -- engines and schema ------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = database.sync_engine(self.url, self.busy_timeout)
        return self._engine

    @property
    def async_engine(self) -> AsyncEngine:
        if self._async_engine is None:
            with self._lock:
                if self._async_engine is None:
                    self._async_engine = database.async_engine(self.url, self.busy_timeout)
        return self._async_engine

    def migrate(self) -> tuple[int, int]:
        """Bring the schema to the current version: (version before, version after)."""
        before_after = database.run(self.engine, self.url, migrations.migrate)
        self._ready = True
        return before_after

    def schema_version(self) -> int:
        self._refuse_missing_file()
        return database.read(self.engine, self.url, migrations.version_of)

    def _refuse_missing_file(self) -> None:
        """A journal that may not create its SQLite file must not leave an empty one."""
        path = self.url.database
        if self.backend == "sqlite" and not self.create and path and not Path(path).exists():
            raise ConfigurationError(
                f"there is no journal at {database.shown(self.url)} (no such file); "
                "check the path, or run `payments journal migrate` to create one"
            )

    def check(self) -> None:
        """Raise ``ConfigurationError`` unless the schema is current (creating a new SQLite one)."""
        if self._ready:
            return
        self._refuse_missing_file()
        if self.create and database.read(self.engine, self.url, migrations.is_empty):
            self.migrate()
            return
        database.read(self.engine, self.url, migrations.check, database.shown(self.url))
        self._ready = True

    def run(self, step: Callable[..., T], *args: Any) -> T:
        """Run one journal step (a function of a ``Connection``) in its own transaction."""
        self.check()
        return database.run(self.engine, self.url, step, *args)

    def read(self, step: Callable[..., T], *args: Any) -> T:
        """:meth:`run` for a step that only reads (no write lock on SQLite)."""
        self.check()
        return database.read(self.engine, self.url, step, *args)

    async def arun(self, step: Callable[..., T], *args: Any) -> T:
        """:meth:`run` on the async engine."""
        if not self._ready:
            await asyncio.to_thread(self.check)
        return await database.arun(self.async_engine, self.url, step, *args)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    async def aclose(self) -> None:
        if self._async_engine is not None:
            await self._async_engine.dispose()
            self._async_engine = None
        self.close()

    # -- the stores the facades use ----------------------------------------------------

    def idempotency_store(self, *, lease: float) -> JournalIdempotencyStore:
        """The durable :class:`~payments_core.idempotency.IdempotencyStore`.

        ``lease``: the call's deadline in seconds; the journal adds a margin.
        """
        return JournalIdempotencyStore(self, lease + LEASE_MARGIN)

    def async_idempotency_store(self, *, lease: float) -> AsyncJournalIdempotencyStore:
        """The same store with awaitable methods, for ``AsyncPayments``."""
        return AsyncJournalIdempotencyStore(self, lease + LEASE_MARGIN)

    def token_cache(self) -> SharedTokenCache:
        """The shared token cache ``OAuth2ClientCredentials.share()`` takes."""
        return SharedTokenCache(self)

    def record_payment(self, gateway: str, payment: Payment, source: str | None = None) -> bool:
        """Offer a payment state; whether it was newer than the stored one."""
        return self.run(states.offer, gateway, payment, source)

    async def arecord_payment(
        self, gateway: str, payment: Payment, source: str | None = None
    ) -> bool:
        return await self.arun(states.offer, gateway, payment, source)

    def receive_callback(self, gateway: str, event: WebhookEvent) -> inbox.Delivery:
        """Record a verified callback and apply it once: applied, stale or duplicate."""
        return self.run(inbox.receive, gateway, event)

    async def areceive_callback(self, gateway: str, event: WebhookEvent) -> inbox.Delivery:
        return await self.arun(inbox.receive, gateway, event)

    def forget_callback(self, gateway: str, event: WebhookEvent) -> bool:
        """Take back a delivery whose handling failed, so its redelivery is applied again."""
        return self.run(inbox.forget, gateway, event)

    async def aforget_callback(self, gateway: str, event: WebhookEvent) -> bool:
        return await self.arun(inbox.forget, gateway, event)

    # -- reading -------------------------------------------------------------------------

    def payment(self, gateway: str, payment_id: str) -> Payment | None:
        """The latest known state of a payment, or None."""
        return self.read(states.current, gateway, payment_id)

    def history(self, payment_id: str, gateway: str | None = None) -> PaymentHistory:
        """A payment's state, its operations and its audit trail, oldest first."""
        return self.read(_history, payment_id, gateway)

    def operation(self, gateway: str, idempotency_key: str) -> OperationRecord | None:
        return self.read(_operation, gateway, idempotency_key)

    def flagged(self) -> list[OperationRecord]:
        """Operations reconciliation could not settle: a person must look at each."""
        return self.read(_flagged)


def _operation_record(row: Any) -> OperationRecord:
    return OperationRecord(
        id=row.id,
        gateway=row.gateway,
        provider=row.provider,
        operation=row.operation,
        idempotency_key=row.idempotency_key,
        state=row.state,
        payment_id=row.payment_id,
        amount=row.amount,
        outcome_status=row.outcome_status,
        error_code=row.error_code,
        attempts=row.attempts,
        checks=row.checks,
        flagged=row.flagged_at is not None,
        flag_reason=row.flag_reason,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _operation(connection: Connection, gateway: str, key: str) -> OperationRecord | None:
    ops = schema.operations
    row = connection.execute(
        select(ops).where(ops.c.gateway == gateway, ops.c.idempotency_key == key)
    ).first()
    return None if row is None else _operation_record(row)


def _flagged(connection: Connection) -> list[OperationRecord]:
    ops = schema.operations
    found = connection.execute(
        select(ops).where(ops.c.flagged_at.is_not(None)).order_by(ops.c.id)
    ).all()
    return [_operation_record(row) for row in found]


def _history(connection: Connection, payment_id: str, gateway: str | None) -> PaymentHistory:
    ops, events, rows = schema.operations, schema.events, schema.payments
    where_ops = [ops.c.payment_id == payment_id]
    where_events = [events.c.payment_id == payment_id]
    where_rows = [rows.c.payment_id == payment_id]
    if gateway is not None:
        where_ops.append(ops.c.gateway == gateway)
        where_events.append(events.c.gateway == gateway)
        where_rows.append(rows.c.gateway == gateway)
    found = connection.execute(select(rows.c.gateway, rows.c.state).where(*where_rows)).all()
    op_rows = connection.execute(select(ops).where(*where_ops).order_by(ops.c.id)).all()
    ids = [row.id for row in op_rows]
    event_query = select(events).order_by(events.c.id)
    if ids:
        event_query = event_query.where(
            (events.c.payment_id == payment_id) | events.c.operation_id.in_(ids)
        )
        if gateway is not None:
            event_query = event_query.where(events.c.gateway == gateway)
    else:
        event_query = event_query.where(*where_events)
    event_rows = connection.execute(event_query).all()
    from payments_core.journal.codec import payment_from_json

    return PaymentHistory(
        payment_id=payment_id,
        states=tuple((row.gateway, payment_from_json(row.state)) for row in found),
        operations=tuple(_operation_record(row) for row in op_rows),
        events=tuple(
            EventRecord(
                at=row.at,
                gateway=row.gateway,
                kind=row.kind,
                action=row.action,
                payment_id=row.payment_id,
                operation_id=row.operation_id,
                from_state=row.from_state,
                to_state=row.to_state,
                detail=row.detail,
                actor=row.actor,
            )
            for row in event_rows
        ),
    )


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


def _settled(journal: Journal, outcome: Any) -> tuple[str, str | None, str | None, float | None]:
    follow_up = None
    if isinstance(outcome, Operation) and outcome.status is OperationStatus.PENDING:
        follow_up = journal.schedule[0]
    payment_id = outcome.id if isinstance(outcome, Payment) else None
    return outcome_to_json(outcome), status_of(outcome), payment_id, follow_up


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


class JournalIdempotencyStore:
    """The idempotency store on the journal: keys hold across processes and hosts."""

    def __init__(self, journal: Journal, lease: float) -> None:
        self.journal = journal
        self.lease = lease
        self._fences = _Fences()

    def __repr__(self) -> str:
        return f"JournalIdempotencyStore({self.journal!r})"

    def claim(
        self,
        gateway: str,
        key: str,
        fingerprint: Fingerprint,
        *,
        details: CallDetails | None = None,
    ) -> Claim:
        answer = self.journal.run(
            operations.claim, gateway, key, fingerprint, _intent(self.lease, details)
        )
        return self._fences.keep(gateway, key, answer)

    def sending(self, gateway: str, key: str, sent: SentRequest) -> None:
        fence = self._fences.get(gateway, key)
        self.journal.run(operations.sending, gateway, key, sent_to_json(sent), self.lease, fence)

    def succeeded(self, gateway: str, key: str, outcome: Any) -> None:
        fence = self._fences.drop(gateway, key)
        settled = _settled(self.journal, outcome)
        self.journal.run(operations.succeeded, gateway, key, *settled, fence)

    def unknown(self, gateway: str, key: str, *, payment_id: str | None = None) -> None:
        fence = self._fences.drop(gateway, key)
        self.journal.run(operations.unknown, gateway, key, fence, payment_id)

    def release(self, gateway: str, key: str) -> None:
        self.journal.run(operations.release, gateway, key, None, self._fences.drop(gateway, key))


class AsyncJournalIdempotencyStore:
    """:class:`JournalIdempotencyStore` with awaitable methods, on the async engine."""

    def __init__(self, journal: Journal, lease: float) -> None:
        self.journal = journal
        self.lease = lease
        self._fences = _Fences()

    def __repr__(self) -> str:
        return f"AsyncJournalIdempotencyStore({self.journal!r})"

    async def claim(
        self,
        gateway: str,
        key: str,
        fingerprint: Fingerprint,
        *,
        details: CallDetails | None = None,
    ) -> Claim:
        answer = await self.journal.arun(
            operations.claim, gateway, key, fingerprint, _intent(self.lease, details)
        )
        return self._fences.keep(gateway, key, answer)

    async def sending(self, gateway: str, key: str, sent: SentRequest) -> None:
        fence = self._fences.get(gateway, key)
        await self.journal.arun(
            operations.sending, gateway, key, sent_to_json(sent), self.lease, fence
        )

    async def succeeded(self, gateway: str, key: str, outcome: Any) -> None:
        fence = self._fences.drop(gateway, key)
        settled = _settled(self.journal, outcome)
        await self.journal.arun(operations.succeeded, gateway, key, *settled, fence)

    async def unknown(self, gateway: str, key: str, *, payment_id: str | None = None) -> None:
        fence = self._fences.drop(gateway, key)
        await self.journal.arun(operations.unknown, gateway, key, fence, payment_id)

    async def release(self, gateway: str, key: str) -> None:
        fence = self._fences.drop(gateway, key)
        await self.journal.arun(operations.release, gateway, key, None, fence)


class SharedTokenCache:
    """The journal's token table, as ``OAuth2ClientCredentials`` uses it."""

    def __init__(self, journal: Journal) -> None:
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
