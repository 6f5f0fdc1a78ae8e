"""What the journal tests share: the emulated banks wired to facades, and the database.

* :class:`Bog` is one emulated Bank of Georgia (:class:`~payments_bog.sandbox.BogSandbox`,
  in process) and every facade a test opens on it, each facade standing for one
  process: give each its own :class:`~payments_core.journal.Journal` on the same URL
  and they share only the database. :class:`Tbc` is the same for TBC's emulator
  (no idempotency keys). Both close what they opened.
* :class:`Heard` is a hook plugin that writes down what the facades told it.
* The rest reach into the journal's database the way another process, a crash or a
  person would: move a lease, set the schema version, read every row, take the
  database away.

Facades get a ``sleep`` that returns at once (retry back-off and waiting for a key
held elsewhere cost no time) and record the delays asked for in :attr:`Bog.slept`.
"""

from __future__ import annotations

import asyncio
import functools
import os
import socket
import time
from collections.abc import Iterable
from typing import Any, Final

import httpx
import sqlalchemy as sa
from payments_bog.sandbox import BogSandbox, generate_private_key_pem
from payments_bog.sandbox.callbacks import CallbackDelivery
from payments_tbc.sandbox import TbcSandbox

from payments_core import (
    AsyncPayments,
    LineItem,
    Money,
    Payment,
    PaymentRequest,
    Payments,
    WebhookEvent,
    hookimpl,
)
from payments_core.idempotency import Fingerprint
from payments_core.journal import Journal, JournalIdempotencyStore
from payments_core.journal import schema as journal_schema
from payments_core.journal.database import db_now
from tests.journal.conftest import JournalDatabase

CARD_OK: Final = "4000000000000001"
"""Pays, on both emulators."""
GATEWAY: Final = "default"
"""The gateway name every facade here has (the facades' default)."""
JOURNAL_TABLES: Final = frozenset(
    {
        "payments_journal_operations",
        "payments_journal_callbacks",
        "payments_journal_payments",
        "payments_journal_tokens",
        "payments_journal_events",
        "payments_journal_version",
    }
)


def gel(amount: str) -> Money:
    return Money(amount, "GEL")


AMOUNT: Final = gel("30.00")


@functools.cache
def signing_key() -> bytes:
    """One RSA key for every BOG emulator of the run: making one is the slow part."""
    return generate_private_key_pem()


def _acknowledge(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200)


class Sleeps:
    """A ``sleep`` for both facades that returns at once and keeps the delays asked for."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.delays.append(seconds)

    async def async_sleep(self, seconds: float) -> None:
        self.delays.append(seconds)

    @property
    def total(self) -> float:
        return sum(self.delays)


class _Bank:
    """What both emulated banks' harnesses share: opening and closing facades."""

    provider: str

    def __init__(self, sandbox_transport: Any, async_sandbox_transport: Any) -> None:
        self._sync_transport = sandbox_transport
        self._async_transport = async_sandbox_transport
        self.slept = Sleeps()
        self._facades: list[Payments] = []
        self._async_facades: list[AsyncPayments] = []
        self._clients: list[httpx.Client] = []
        self._async_clients: list[httpx.AsyncClient] = []
        self._journals: list[Journal] = []
        self._orders = iter(range(1, 1_000_000))

    def settings(self) -> dict[str, Any]:
        raise NotImplementedError

    def journal(self, url: str, **options: Any) -> Journal:
        """A journal object of its own on ``url`` (one process's), closed after the test."""
        opened = Journal(url, **options)
        self._journals.append(opened)
        return opened

    def facade(self, journal: str | Journal | None, **options: Any) -> Payments:
        """A sync facade on this bank: one process. ``journal`` as ``Payments`` takes it."""
        client = httpx.Client(transport=self._sync_transport(), trust_env=False)
        self._clients.append(client)
        facade = Payments(
            self.provider,
            http_client=client,
            journal=journal,
            sleep=self.slept.sleep,
            autoload_plugins=False,
            provider_settings=self.settings(),
            **options,
        )
        self._facades.append(facade)
        return facade

    def async_facade(self, journal: str | Journal | None, **options: Any) -> AsyncPayments:
        """An async facade on this bank (close it with :meth:`aclose`)."""
        client = httpx.AsyncClient(transport=self._async_transport(), trust_env=False)
        self._async_clients.append(client)
        facade = AsyncPayments(
            self.provider,
            http_client=client,
            journal=journal,
            sleep=self.slept.async_sleep,
            autoload_plugins=False,
            provider_settings=self.settings(),
            **options,
        )
        self._async_facades.append(facade)
        return facade

    def close(self) -> None:
        for facade in self._facades:
            facade.close()
        for client in self._clients:
            client.close()
        for journal in self._journals:
            journal.close()

    async def aclose(self) -> None:
        for facade in self._async_facades:
            await facade.aclose()
        for client in self._async_clients:
            await client.aclose()
        for journal in self._journals:
            await journal.aclose()
        self.close()

    def next_order(self) -> str:
        return f"ORD-{next(self._orders)}"


class Bog(_Bank):
    """An emulated BOG (honours idempotency keys; signed callbacks) and its facades."""

    provider = "bog"

    def __init__(self) -> None:
        self.sandbox = BogSandbox(
            private_key_pem=signing_key(),
            callback_transport=httpx.MockTransport(_acknowledge),
            callback_backoff=0.001,
        )
        super().__init__(self.sandbox.sync_transport, self.sandbox.transport)

    def settings(self) -> dict[str, Any]:
        return self.sandbox.provider_settings()

    def checkout(self, **changes: Any) -> PaymentRequest:
        """A 30.00 GEL order; its callbacks are acknowledged and kept by the emulator."""
        values: dict[str, Any] = {
            "external_id": self.next_order(),
            "amount": AMOUNT,
            "items": [LineItem(product_id="SKU-1", quantity=1, unit_price=AMOUNT)],
            "callback_url": "http://127.0.0.1:9/bog/callback",
            "allow_insecure_callback": True,
            **changes,
        }
        return PaymentRequest(**values)

    def pay(self, payment_id: str) -> None:
        """The customer pays on the hosted page (from sync code); the callback goes out."""
        asyncio.run(self.sandbox.pay(payment_id, CARD_OK))

    def paid(self, facade: Payments, **changes: Any) -> Payment:
        payment = facade.create_payment(self.checkout(**changes))
        self.pay(payment.id)
        return payment

    def callbacks_for(self, payment_id: str, count: int = 1) -> list[CallbackDelivery]:
        """The callbacks the emulator delivered for a payment, oldest first, once there
        are ``count`` (a refund's callback goes out just after its answer)."""
        until = time.monotonic() + 5.0
        while True:
            found = [c for c in self.sandbox.callbacks if c.order_id == payment_id and c.ok]
            if len(found) >= count or time.monotonic() > until:
                return found
            time.sleep(0.01)

    async def acallbacks_for(self, payment_id: str, count: int = 1) -> list[CallbackDelivery]:
        """:meth:`callbacks_for` in async code (the emulator delivers on the test's loop)."""
        until = time.monotonic() + 5.0
        while True:
            found = [c for c in self.sandbox.callbacks if c.order_id == payment_id and c.ok]
            if len(found) >= count or time.monotonic() > until:
                return found
            await asyncio.sleep(0.01)

    @property
    def api_requests(self) -> list[tuple[str, str]]:
        """Every request the emulator saw, token requests included."""
        return list(self.sandbox.counters.requests)

    def refunds(self, key: str) -> int:
        """How many refunds the emulator carried out under ``key`` (replays not counted)."""
        return self.sandbox.counters.refunds_by_idempotency_key.get(key, 0)


def callback_headers(delivery: CallbackDelivery) -> dict[str, str]:
    """The headers BOG sends a callback with (its signature over the exact body)."""
    return {"Callback-Signature": delivery.signature, "Content-Type": "application/json"}


class Tbc(_Bank):
    """An emulated TBC (no idempotency keys: a lost answer is never resent) and its facades."""

    provider = "tbc"

    def __init__(self) -> None:
        self.sandbox = TbcSandbox(
            callback_transport=httpx.MockTransport(_acknowledge), callback_backoff=0
        )
        super().__init__(self.sandbox.sync_transport, self.sandbox.transport)

    def settings(self) -> dict[str, Any]:
        return {
            "api_key": self.sandbox.api_key,
            "client_id": self.sandbox.client_id,
            "client_secret": self.sandbox.client_secret,
            "api_base_url": self.sandbox.public_base_url,
        }

    def checkout(self, **changes: Any) -> PaymentRequest:
        values: dict[str, Any] = {
            "external_id": self.next_order(),
            "amount": AMOUNT,
            "items": [LineItem(product_id="SKU-1", quantity=1, unit_price=AMOUNT)],
            "callback_url": "https://shop.example/tbc/callback",
            "success_url": "https://shop.example/paid",
            **changes,
        }
        return PaymentRequest(**values)

    def paid(self, facade: Payments) -> Payment:
        payment = facade.create_payment(self.checkout())
        self.sandbox.pay_sync(payment.id, CARD_OK)
        return payment

    def sent(self, endpoint: str) -> int:
        """How many requests reached ``endpoint`` (``cancel`` is a refund)."""
        return self.sandbox.counters.requests.get(endpoint, 0)


class Heard:
    """A hook plugin that writes down the payment updates and callbacks it is told of."""

    def __init__(self) -> None:
        self.updates: list[tuple[str, str]] = []
        """(payment status, source) per ``payment_updated``."""
        self.webhooks: list[str] = []
        """The event id per ``webhook_received``."""

    @hookimpl
    def payments_payment_updated(self, payment: Payment, source: str) -> None:
        self.updates.append((payment.status.value, source))

    @hookimpl
    def payments_webhook_received(self, event: WebhookEvent) -> None:
        self.webhooks.append(event.id)

    def sources(self, source: str) -> list[str]:
        return [status for status, where in self.updates if where == source]


def refund_fingerprint(payment_id: str, amount: Money | None) -> Fingerprint:
    """What the facades record for a refund: another process's claim must match it."""
    return Fingerprint(
        "refund", payment_id, None if amount is None else f"{amount.amount} {amount.currency}"
    )


class ProcessStopped(BaseException):
    """The process stopped where it stood (killed, host lost): nothing after runs."""


class StopsAfterSending(JournalIdempotencyStore):
    """The journal's store in a process that records "sending", then stops before its
    request leaves: the row stays ``sending`` with the bytes, until its lease runs out."""

    def sending(self, gateway: str, key: str, sent: Any) -> None:
        super().sending(gateway, key, sent)
        raise ProcessStopped

    def succeeded(self, gateway: str, key: str, outcome: Any) -> None:
        pass  # a stopped process writes nothing more

    def unknown(self, gateway: str, key: str) -> None:
        pass

    def release(self, gateway: str, key: str) -> None:
        pass


# -- the database, as another process, a crash or a person sees it -------------------------

ops = journal_schema.operations


def set_lease(journal: Journal, key: str, *, seconds: float, gateway: str = GATEWAY) -> None:
    """Move an operation's lease to ``seconds`` from now on the database clock
    (negative: ran out, as when its process stopped)."""

    def step(connection: sa.Connection) -> None:
        connection.execute(
            sa.update(ops)
            .where(ops.c.gateway == gateway, ops.c.idempotency_key == key)
            .values(lease_until=db_now() + seconds)
        )

    journal.run(step)


def migrated(url: str) -> str:
    """``url`` after ``payments journal migrate`` (PostgreSQL is never created implicitly)."""
    journal = Journal(url)
    try:
        journal.migrate()
    finally:
        journal.close()
    return url


def set_schema_version(url: str, version: int) -> None:
    """Write ``version`` into the journal's version row, as another release would."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.update(journal_schema.version).values(version=version))
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def rows_of(url: str, tables: Iterable[str]) -> dict[str, list[str]]:
    """Every row of ``tables``, each as the text of all its columns."""
    engine = sa.create_engine(url)
    found: dict[str, list[str]] = {}
    try:
        with engine.connect() as connection:
            for name in tables:
                table = sa.Table(name, sa.MetaData(), autoload_with=connection)
                found[name] = [
                    " ".join(str(value) for value in row)
                    for row in connection.execute(sa.select(table))
                ]
    finally:
        engine.dispose()
    return found


def stored_tokens(url: str) -> list[str]:
    """The access tokens the shared token cache holds."""
    tokens = journal_schema.tokens
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            query = sa.select(tokens.c.token).where(tokens.c.token.is_not(None))
            return [str(token) for token in connection.execute(query).scalars()]
    finally:
        engine.dispose()


def closed_port() -> int:
    """A loopback TCP port nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def cut_connections(database: JournalDatabase) -> None:
    """PostgreSQL ends every connection to the test's database (a restart, a failover)."""
    import psycopg

    with psycopg.connect(os.environ["PAYMENTS_TEST_PG_DSN"], autocommit=True) as connection:
        connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            (database.name,),
        )


def take_database_away(database: JournalDatabase, *journals: Journal) -> None:
    """The journal's database goes away under running facades.

    PostgreSQL: the database is dropped, its connections cut. SQLite: the file is
    gone and its path cannot be opened any more; the journals' pools are emptied
    (a pooled connection would keep the deleted file open, as an open file handle does).
    """
    if database.kind == "postgresql":
        import psycopg
        from psycopg import sql

        assert database.name is not None
        admin = os.environ["PAYMENTS_TEST_PG_DSN"]
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(database.name))
            )
        return
    assert database.path is not None
    for journal in journals:
        journal.close()
    for suffix in ("", "-wal", "-shm"):
        path = database.path.with_name(database.path.name + suffix)
        if path.exists():
            path.unlink()
    database.path.mkdir()  # a directory where the file was: it cannot be opened
