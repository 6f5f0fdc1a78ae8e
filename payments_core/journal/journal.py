"""The :class:`Journal`: one database, and the stores the facades use on it.

It owns the engines (sync and async, made on first use), keeps the schema
current, and runs journal steps (plain functions of a ``Connection``) each in
its own short transaction. The steps live by concept beside it: operations,
callbacks (inbox), payment states, tokens, and reading back (records); the
stores built on them are in :mod:`payments_core.journal.stores`.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final, TypeVar

from sqlalchemy import Engine
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from payments_core.errors import ConfigurationError
from payments_core.journal import database, inbox, migrations, records, shortcuts, states
from payments_core.journal.records import EventRecord, OperationRecord, PaymentHistory
from payments_core.journal.stores import (
    AsyncJournalIdempotencyStore,
    JournalIdempotencyStore,
    SharedTokenCache,
)
from payments_core.models import Payment, WebhookEvent

__all__ = [
    "DEFAULT_SCHEDULE",
    "LEASE_MARGIN",
    "AsyncJournalIdempotencyStore",
    "EventRecord",
    "Journal",
    "JournalIdempotencyStore",
    "OperationRecord",
    "PaymentHistory",
    "SharedTokenCache",
]

T = TypeVar("T")

DEFAULT_SCHEDULE: Final = (60.0, 300.0, 300.0, 300.0, 300.0, 300.0)
"""Seconds between checks of an operation that stays pending or unknown; after
the last one it is flagged for a person (never marked failed by time alone)."""

LEASE_MARGIN: Final = 30.0
"""Seconds added to a call's deadline before its process counts as gone."""


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
        self._shortcuts = shortcuts.SHORTCUTS[self.backend]
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
        """Run one journal step (a function of a ``Connection``) in its own transaction
        (or its shortcut: :mod:`payments_core.journal.shortcuts`)."""
        self.check()
        shortcut = self._shortcuts.get(step)
        if shortcut is not None:
            return database.run_shortcut(self.engine, self.url, shortcut, step, *args)
        return database.run(self.engine, self.url, step, *args)

    def read(self, step: Callable[..., T], *args: Any) -> T:
        """:meth:`run` for a step that only reads (no write lock on SQLite)."""
        self.check()
        return database.read(self.engine, self.url, step, *args)

    async def arun(self, step: Callable[..., T], *args: Any) -> T:
        """:meth:`run` on the async engine."""
        if not self._ready:
            await asyncio.to_thread(self.check)
        shortcut = self._shortcuts.get(step)
        if shortcut is not None:
            return await database.arun_shortcut(self.async_engine, self.url, shortcut, step, *args)
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
        return self.read(records.history, payment_id, gateway)

    def operation(self, gateway: str, idempotency_key: str) -> OperationRecord | None:
        """The operation recorded under a gateway's idempotency key, or None."""
        return self.read(records.operation, gateway, idempotency_key)

    def flagged(self) -> list[OperationRecord]:
        """Operations reconciliation could not settle: a person must look at each."""
        return self.read(records.flagged)
