"""The journal's promises under real concurrency: 16 processes, one emulated bank.

Each race runs on both databases (``journal_url``: a SQLite file, PostgreSQL). The
processes come from one pool of :data:`PROCESSES` workers started with the
``spawn`` context once for the module (a spawned interpreter takes a second or more
to import everything, so the pool is reused), and each race releases its 16 calls
together on a shared barrier. Every worker builds its own facade with
``journal=<url>`` (its own engine, HTTP client and OAuth2 instance; half of them
``AsyncPayments`` where the call has an async form) against the same BOG emulator,
which this process serves on 127.0.0.1 (``BogSandbox.serve``), its callbacks going to
an in-memory transport: nothing leaves the machine.

The invariants are counted on the emulator's own records (its order store, its
idempotency, request and token counters), not on what the workers believe, and on
the journal's tables:

1. one signed callback delivered by all 16 at once is applied once (15 duplicates,
   16 deliveries counted on its inbox row);
2. one refund key from all 16 at once refunds once, and everyone gets that outcome
   (2b: or, when the bank keeps the answer past the deadline, an "outcome unknown"
   that is safe to repeat, and at most one process repeats the request meanwhile);
3. the callbacks of one payment at four stages, each delivered by all 16 in shuffled
   orders, leave the payment at the newest stage, its state only ever moving forward;
4. a worker killed with SIGKILL mid-refund leaves a ``sending`` row that the
   reconciler leaves alone while its lease lives, then settles by repeating the call
   under the same key: ``reconciled``, one refund at the bank, the story in the audit
   trail;
5. 16 reconcilers at once over 200 unknown refunds take each exactly once;
6. 16 fresh facades on a cold token cache make one token request between them.

The last test is a bug the races found (a new SQLite file's switch to WAL does not
wait for a lock another connection holds), reproduced deterministically.

Workers live in ``race_workers.py`` (importable by the spawned interpreters).
``pytest -s`` prints one ``RACE ...`` line of counts per race.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import multiprocessing
import os
import signal
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from payments_bog.sandbox import BogSandbox, Fault, generate_private_key_pem
from sqlalchemy import Connection, select, update
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from payments_core import Payments
from payments_core.journal import Journal, OperationRecord, reconcile_once
from payments_core.journal import schema as tables
from payments_core.journal.database import db_now
from payments_core.journal.journal import LEASE_MARGIN
from payments_core.money import Money
from payments_core.status import PaymentStatus
from tests.journal import race_workers as workers

PROCESSES = 16
"""Processes in each race (the issue asks for at least 16)."""
GATEWAY = "default"
"""The gateway name of every facade here (``Payments``' default)."""
RESULT_TIMEOUT = 120.0
"""Seconds to wait for a race's results before calling the pool stuck."""
UNKNOWN_OPERATIONS = 200
"""Race 5: how many unknown refunds the reconcilers share."""
RECONCILE_BATCH = 4
"""Race 5: rows per claim, small so that the 16 reconcilers claim often and collide."""
HOLD_LIMIT = 60.0
"""Races 2b and 4: the longest the emulator holds back a refund's answer from a client."""
HELD_DEADLINE = 2.0
"""Race 2b: every facade's deadline (seconds), which the held answer outlasts."""
TOTAL = Decimal(workers.ORDER_TOTAL)
"""What every order of these tests is for (``race_workers.paid_order``), in GEL."""
REFUND_PATH = "/payments/v1/payment/refund/"
HOLD_A_MOMENT = 0.5
"""Seconds another connection holds a new SQLite file's lock (well below the busy timeout)."""

T = TypeVar("T")


# -- the pool ------------------------------------------------------------------------------------


@dataclass
class RacePool:
    """The module's spawned workers and the barrier they start each race on."""

    pool: Any
    barrier: Any
    context: Any

    def race(self, function: Callable[[T], dict[str, Any]], tasks: Sequence[T]) -> list[Any]:
        """One task per worker, all released together; their results, in task order."""
        assert len(tasks) == PROCESSES
        self.barrier.reset()  # whole again after an earlier failure broke it
        results: list[Any] = self.pool.map_async(function, tasks, chunksize=1).get(RESULT_TIMEOUT)
        # Each worker blocks at the barrier until all 16 have arrived, so no worker can
        # take two tasks: 16 results from 16 processes.
        pids = {result["pid"] for result in results}
        assert len(pids) == PROCESSES, f"the tasks ran in {len(pids)} processes, not 16"
        return results

    def each(self, function: Callable[[T], Any], tasks: Sequence[T]) -> list[Any]:
        """Run tasks on the pool without the barrier (setup work)."""
        results: list[Any] = self.pool.map_async(function, tasks, chunksize=1).get(RESULT_TIMEOUT)
        return results


@pytest.fixture(scope="module")
def race_pool() -> Iterator[RacePool]:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    pool = context.Pool(PROCESSES, initializer=workers.init, initargs=(barrier,))
    try:
        # Wait until every worker has started and imported the facade and the journal.
        pool.map_async(workers.ready, range(PROCESSES * 2), chunksize=1).get(RESULT_TIMEOUT)
        yield RacePool(pool, barrier, context)
    finally:
        pool.terminate()
        pool.join()


def halves(make: Callable[[bool], T]) -> list[T]:
    """:data:`PROCESSES` tasks, every other one for ``AsyncPayments``."""
    return [make(index % 2 == 1) for index in range(PROCESSES)]


# -- the bank ------------------------------------------------------------------------------------


class HeldAnswers:
    """Around the emulator's app: the next ``arm()``-ed refund is carried out as usual,
    and its answer held back until the client has gone away (or :data:`HOLD_LIMIT`).

    Unlike a ``latency`` fault (a fixed delay), the answer cannot slip out before the
    test has killed the client, however slow the machine, and the server is not left
    sleeping on a dead connection afterwards.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.armed = 0
        self._lock = threading.Lock()

    def arm(self) -> None:
        with self._lock:
            self.armed += 1

    def _take(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] != "POST":
            return False
        if not str(scope["path"]).startswith(REFUND_PATH):
            return False
        with self._lock:
            if not self.armed:
                return False
            self.armed -= 1
            return True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._take(scope):
            await self.app(scope, receive, send)
            return
        answer: list[Message] = []

        async def keep(message: Message) -> None:
            answer.append(message)

        await self.app(scope, receive, keep)  # carried out, its answer kept here
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(HOLD_LIMIT):
                while (await receive())["type"] != "http.disconnect":
                    pass
        for message in answer:  # to a client still there only after HOLD_LIMIT
            await send(message)


@pytest.fixture(scope="module")
def signing_key() -> bytes:
    """One RSA key for the module's emulators (making one takes a while)."""
    return generate_private_key_pem()


@dataclass
class Bank:
    """The emulator served on loopback, and a journal-less facade to drive it."""

    sandbox: BogSandbox
    held: HeldAnswers
    url: str
    settings: dict[str, Any]
    plain: Payments
    http: httpx.Client

    def paid_order(self, name: str) -> str:
        return workers.paid_order(self.plain, self.http, name)

    def order(self, order_id: str) -> Any:
        return self.sandbox.store.order(order_id)

    def refund_actions(self, order_id: str) -> list[Any]:
        actions = self.order(order_id).actions or []
        return [action for action in actions if "refund" in str(action.kind)]

    def refund_posts(self) -> collections.Counter[str]:
        """How many refund POSTs reached the bank, per order id."""
        return collections.Counter(
            path.removeprefix(REFUND_PATH)
            for method, path in list(self.sandbox.counters.requests)
            if method == "POST" and path.startswith(REFUND_PATH)
        )

    def callbacks_of(self, order_id: str, count: int) -> list[tuple[dict[str, str], bytes]]:
        """The first ``count`` callbacks the bank delivered for the order (waiting for them)."""
        deadline = time.monotonic() + 10
        while True:
            delivered = [d for d in self.sandbox.callbacks if d.order_id == order_id and d.ok]
            if len(delivered) >= count:
                break
            assert time.monotonic() < deadline, f"only {len(delivered)} callbacks arrived"
            time.sleep(0.01)
        return [
            ({"Content-Type": "application/json", "Callback-Signature": d.signature}, d.body)
            for d in delivered[:count]
        ]


@pytest.fixture
def bank(signing_key: bytes) -> Iterator[Bank]:
    sandbox = BogSandbox(
        private_key_pem=signing_key,
        callback_transport=httpx.MockTransport(lambda request: httpx.Response(200)),
    )
    held = HeldAnswers(sandbox.app)
    sandbox.app = held
    with sandbox.serve() as url:
        settings = sandbox.provider_settings()
        assert settings["api_base_url"].startswith("http://127.0.0.1:")
        assert settings["token_url"].startswith("http://127.0.0.1:")
        with (
            Payments("bog", autoload_plugins=False, provider_settings=settings) as plain,
            httpx.Client(base_url=url, trust_env=False) as http,
        ):
            yield Bank(sandbox, held, url, settings, plain, http)


@pytest.fixture
def journal(journal_url: str) -> Iterator[Journal]:
    """The test's journal, migrated (PostgreSQL is never migrated on first use)."""
    journal = Journal(journal_url)
    journal.migrate()
    yield journal
    journal.close()


# -- reading the journal's tables ----------------------------------------------------------------


def _rows(table: Any, *where: Any) -> Callable[[Connection], list[Any]]:
    def step(connection: Connection) -> list[Any]:
        query = select(table).where(*where)
        if "id" in table.c:
            query = query.order_by(table.c.id)
        return list(connection.execute(query).all())

    return step


def inbox(journal: Journal) -> list[Any]:
    return journal.run(_rows(tables.callbacks, tables.callbacks.c.gateway == GATEWAY))


def events(journal: Journal, *where: Any) -> list[Any]:
    return journal.run(_rows(tables.events, *where))


def operation(journal: Journal, key: str) -> OperationRecord:
    found = journal.operation(GATEWAY, key)
    assert found is not None, f"no journal row for {key}"
    return found


def actor(pid: int) -> str:
    """How the audit trail names a process (``payments_core.journal.audit.actor``)."""
    return f"{socket.gethostname()[:200]}:{pid}"


def report(name: str, database: str, results: list[Any], **counts: Any) -> None:
    """One line per race on stdout (``pytest -s`` shows it): what the race produced,
    how far apart its 16 calls started and how long the slowest took."""
    if results:
        starts = [result["started"] for result in results]
        counts["start_spread_ms"] = round((max(starts) - min(starts)) * 1000)
        counts["slowest_s"] = round(max(result["elapsed"] for result in results), 2)
    shown = " ".join(f"{key}={value}" for key, value in counts.items())
    print(f"\nRACE {name} [{database}] {shown}")


# -- 1. one callback from every process -----------------------------------------------------------


def test_same_callback_from_every_process_is_applied_once(
    race_pool: RacePool, bank: Bank, journal: Journal, journal_url: str, database: str
) -> None:
    order_id = bank.paid_order("race-callback")
    [callback] = bank.callbacks_of(order_id, 1)

    tasks = halves(
        lambda asynchronous: workers.CallbackTask(
            journal_url, bank.settings, (callback,), asynchronous=asynchronous
        )
    )
    results = race_pool.race(workers.deliver_callbacks, tasks)

    deliveries = [result["deliveries"][0] for result in results]
    assert {d["kind"] for d in deliveries} == {"event"}, deliveries
    applied = [d for d in deliveries if not d["duplicate"] and not d["stale"]]
    duplicates = [d for d in deliveries if d["duplicate"]]
    stale = [d for d in deliveries if d["stale"] and not d["duplicate"]]
    assert (len(applied), len(duplicates), len(stale)) == (1, PROCESSES - 1, 0)

    [row] = inbox(journal)
    assert row.deliveries == PROCESSES
    assert row.result == "applied"
    assert row.dedupe_key == applied[0]["event_id"]
    seen = events(journal, tables.events.c.kind == "callback")
    assert collections.Counter(e.action for e in seen) == {
        "applied": 1,
        "duplicate": PROCESSES - 1,
    }
    updated = events(journal, tables.events.c.kind == "payment")
    assert len(updated) == 1, "the payment's state was written more than once"
    # The bank delivered (and signed) that callback once; the journal holds its news.
    assert [d.ok for d in bank.sandbox.callbacks if d.order_id == order_id] == [True]
    assert bank.order(order_id).status == "completed"
    state = journal.payment(GATEWAY, order_id)
    assert state is not None
    assert state.status is PaymentStatus.CAPTURED
    winner = next(r for r in results if not r["deliveries"][0]["duplicate"])
    report(
        "1-same-callback",
        database,
        results,
        applied=len(applied),
        duplicate=len(duplicates),
        stale=len(stale),
        inbox_deliveries=row.deliveries,
        applied_by=winner["mode"],
    )


# -- 2. one refund key from every process -------------------------------------------------------


def test_same_refund_key_from_every_process_refunds_once(
    race_pool: RacePool, bank: Bank, journal: Journal, journal_url: str, database: str
) -> None:
    order_id = bank.paid_order("race-refund")
    key = f"race-refund-{database}"
    tasks = halves(
        lambda asynchronous: workers.RefundTask(
            journal_url, bank.settings, order_id, "5.00", key, asynchronous=asynchronous
        )
    )

    results = race_pool.race(workers.refund_same_key, tasks)

    by_kind = collections.Counter(result["kind"] for result in results)
    operations = [r for r in results if r["kind"] == "operation"]
    unknown = [r for r in results if r["kind"] == "unknown"]
    others = [r for r in results if r["kind"] not in ("operation", "unknown")]
    assert not others, others  # IDEMPOTENCY_CONFLICT, or any other error
    assert all(r["safe_to_repeat"] is True for r in unknown), unknown
    assert operations, "nobody got the refund's outcome"
    outcomes = {(r["id"], r["status"], r["amount"], r["idempotency_key"]) for r in operations}
    assert len(outcomes) == 1, outcomes
    [(action_id, status, amount, answered_key)] = outcomes
    assert (status, amount, answered_key) == ("pending", "5.00", key)

    # The bank's own books: one refund, one POST, no repeat.
    counters = bank.sandbox.counters
    assert counters.refunds_by_idempotency_key == {key: 1}
    assert bank.refund_posts() == {order_id: 1}
    assert counters.idempotent_replays == 0
    [action] = bank.refund_actions(order_id)
    assert (action.action_id, action.amount, action.completed) == (
        action_id,
        Decimal("5.00"),
        True,
    )
    assert bank.order(order_id).refund_amount == Decimal("5.00")
    row = operation(journal, key)
    assert (row.state, row.attempts, row.outcome_status) == ("succeeded", 1, "pending")
    report(
        "2-same-refund-key",
        database,
        results,
        operation=by_kind["operation"],
        outcome_unknown=by_kind["unknown"],
        other_errors=len(others),
        emulator_refunds=counters.refunds_by_idempotency_key[key],
        refund_posts=bank.refund_posts()[order_id],
    )


def test_same_refund_key_with_the_answer_held_past_the_deadline(
    race_pool: RacePool, bank: Bank, journal: Journal, journal_url: str, database: str
) -> None:
    """Race 2 again, the bank keeping the first refund's answer past everyone's deadline.

    The process that sent it gives up (``OutcomeUnknownError``, safe to repeat) and
    marks the key unknown; of the ones waiting, at most one takes the key over and
    repeats the same request (the bank answers it from its record), and the rest get
    that outcome or, having waited past their deadline, ``OutcomeUnknownError``.
    """
    order_id = bank.paid_order("race-refund-held")
    key = f"race-refund-held-{database}"
    bank.held.arm()  # the first refund POST: carried out, its answer never sent
    tasks = halves(
        lambda asynchronous: workers.RefundTask(
            journal_url,
            bank.settings,
            order_id,
            "5.00",
            key,
            asynchronous=asynchronous,
            overrides={"deadline": HELD_DEADLINE},
        )
    )

    results = race_pool.race(workers.refund_same_key, tasks)

    by_kind = collections.Counter(result["kind"] for result in results)
    operations = [r for r in results if r["kind"] == "operation"]
    unknown = [r for r in results if r["kind"] == "unknown"]
    assert set(by_kind) <= {"operation", "unknown"}, results  # no conflict, no other error
    assert all(r["safe_to_repeat"] is True for r in unknown), unknown
    assert unknown, "the sender cannot have had its answer"
    counters = bank.sandbox.counters
    assert counters.refunds_by_idempotency_key == {key: 1}
    assert counters.idempotent_replays <= 1, "the unknown refund was repeated in parallel"
    assert bank.refund_posts() == {order_id: 1 + counters.idempotent_replays}
    [action] = bank.refund_actions(order_id)
    assert {r["id"] for r in operations} <= {action.action_id}
    row = operation(journal, key)
    if operations:  # someone repeated it and had the answer: it is recorded
        assert counters.idempotent_replays == 1
        assert (row.state, row.attempts) == ("succeeded", 2)
    else:  # everyone gave up first: unknown, for a repeat or the reconciler
        assert row.state == "unknown"
    report(
        "2b-same-refund-key-answer-held",
        database,
        results,
        operation=by_kind["operation"],
        outcome_unknown=by_kind["unknown"],
        emulator_refunds=counters.refunds_by_idempotency_key[key],
        emulator_replays=counters.idempotent_replays,
        row=f"{row.state}/attempts={row.attempts}",
    )


# -- 3. out-of-order callbacks -------------------------------------------------------------------


def test_callbacks_in_any_order_end_at_the_newest_state(
    race_pool: RacePool, bank: Bank, journal: Journal, journal_url: str, database: str
) -> None:
    order_id = bank.paid_order("race-order")
    # Paid, refunded 2.50, refunded 5.50 in all, refunded in full: one callback each.
    for stage, amount in enumerate(("2.50", "3.00", None), start=2):
        bank.plain.refund(order_id, None if amount is None else Money(amount, "GEL"))
        bank.callbacks_of(order_id, stage)
    callbacks = tuple(bank.callbacks_of(order_id, 4))
    assert bank.order(order_id).status == "refunded"
    assert bank.order(order_id).refund_amount == TOTAL

    tasks = [
        workers.CallbackTask(
            journal_url, bank.settings, callbacks, seed=seed, asynchronous=seed % 2 == 1
        )
        for seed in range(PROCESSES)
    ]
    results = race_pool.race(workers.deliver_callbacks, tasks)

    assert len({tuple(result["order"]) for result in results}) > 1, "no shuffling happened"
    deliveries = [d for result in results for d in result["deliveries"]]
    assert {d["kind"] for d in deliveries} == {"event"}, deliveries
    for index in range(len(callbacks)):
        of_this = [d for d in deliveries if d["index"] == index]
        firsts = [d for d in of_this if not d["duplicate"]]
        assert len(of_this) == PROCESSES
        assert len(firsts) == 1, f"callback {index} was taken as new {len(firsts)} times"

    rows = inbox(journal)
    assert len(rows) == len(callbacks)
    assert {row.deliveries for row in rows} == {PROCESSES}
    [newest] = [row for row in rows if row.status == PaymentStatus.REFUNDED.value]
    assert newest.result == "applied"

    state = journal.payment(GATEWAY, order_id)
    assert state is not None
    assert state.status is PaymentStatus.REFUNDED
    assert state.refunded_amount is not None
    assert state.refunded_amount.amount == TOTAL == bank.order(order_id).refund_amount

    # Every write of the payment's state moved it forward: refunds only grew.
    writes = events(
        journal, tables.events.c.kind == "payment", tables.events.c.payment_id == order_id
    )
    refunded = [Decimal(json.loads(e.detail)["refunded"] or 0) for e in writes]
    assert refunded == sorted(refunded), refunded
    assert refunded[-1] == TOTAL
    by_result = collections.Counter(row.result for row in rows)
    assert len(writes) == by_result["applied"]
    report(
        "3-out-of-order",
        database,
        results,
        callbacks=len(callbacks),
        deliveries=len(deliveries),
        applied=by_result["applied"],
        stale=by_result["stale"],
        duplicates=sum(d["duplicate"] for d in deliveries),
        refunded_written=[str(amount) for amount in refunded],
        final=f"{state.status.value}/{state.refunded_amount.amount}",
    )


# -- 4. a worker killed between send and answer --------------------------------------------------


def _lease_left(journal: Journal, key: str) -> float:
    """Seconds until the row's lease ends, on the database's clock."""
    ops = tables.operations

    def step(connection: Connection) -> float:
        left = connection.execute(
            select(ops.c.lease_until - db_now()).where(
                ops.c.gateway == GATEWAY, ops.c.idempotency_key == key
            )
        ).scalar_one()
        return float(left)

    return journal.run(step)


def _end_lease(journal: Journal, key: str) -> None:
    """Move the row's lease into the past, on the database's clock.

    The worker wrote ``deadline + LEASE_MARGIN`` ahead (90 + 30 s with the default
    settings): how long a real deployment waits before it counts a silent process as
    gone. The test checks that lease, and that a reconciler leaves the row alone while
    it lives; then it stands in for those two minutes by ending the lease here rather
    than waiting them out (or making the worker write a shorter one, which would test
    less of what a real worker writes).
    """
    ops = tables.operations

    def step(connection: Connection) -> None:
        connection.execute(
            update(ops)
            .where(ops.c.gateway == GATEWAY, ops.c.idempotency_key == key)
            .values(lease_until=db_now() - 1.0)
        )

    journal.run(step)


def _wait_until_sending(
    process: Any, bank: Bank, journal: Journal, order_id: str, key: str
) -> None:
    """Until the bank has carried the refund out and the journal's row says ``sending``."""
    deadline = time.monotonic() + 60
    while True:
        assert process.is_alive(), f"the worker ended first (exit code {process.exitcode})"
        carried_out = bank.sandbox.counters.refunds_by_idempotency_key.get(key) == 1
        row = journal.operation(GATEWAY, key)
        if carried_out and row is not None and row.state == "sending":
            assert bank.refund_actions(order_id), "counted, but not in the order"
            return
        assert time.monotonic() < deadline, f"no refund in flight (row: {row})"
        time.sleep(0.02)


def test_worker_killed_mid_refund_is_reconciled_once(
    race_pool: RacePool, bank: Bank, journal: Journal, journal_url: str, database: str
) -> None:
    order_id = bank.paid_order("race-killed")
    key = f"race-killed-{database}"
    bank.held.arm()  # the bank carries the refund out, then keeps its answer
    task = workers.RefundTask(journal_url, bank.settings, order_id, "4.00", key)
    victim = race_pool.context.Process(target=workers.refund_until_killed, args=(task,))
    victim.start()
    try:
        _wait_until_sending(victim, bank, journal, order_id, key)
        lease = _lease_left(journal, key)
        os.kill(victim.pid, signal.SIGKILL)
        victim.join(10)
    finally:
        if victim.is_alive():
            victim.kill()
            victim.join(10)
    assert victim.exitcode == -signal.SIGKILL
    # The worker's deadline plus the margin (90 + 30 s), less the moments since it wrote it.
    written = bank.plain.provider.settings.deadline + LEASE_MARGIN
    assert written - 20 < lease <= written, (lease, written)

    with Payments(
        "bog", journal=journal, autoload_plugins=False, provider_settings=bank.settings
    ) as payments:
        early = reconcile_once(journal, {GATEWAY: payments})
        assert early.taken == 0, "the reconciler took a row whose lease still lives"
        assert operation(journal, key).state == "sending"

        _end_lease(journal, key)
        done = reconcile_once(journal, {GATEWAY: payments})

    [resolution] = done.resolutions
    assert (resolution.idempotency_key, resolution.before) == (key, "sending")
    # Reconciled (BOG took the refund); its result is checked again on the schedule.
    assert resolution.after == "reconciled", resolution
    row = operation(journal, key)
    assert (row.state, row.outcome_status) == ("reconciled", "pending")

    # The bank: one refund, and the reconciler's repeat answered from its record.
    counters = bank.sandbox.counters
    assert counters.refunds_by_idempotency_key == {key: 1}
    assert counters.idempotent_replays == 1
    assert bank.refund_posts() == {order_id: 2}
    [action] = bank.refund_actions(order_id)
    assert action.amount == Decimal("4.00")
    assert bank.order(order_id).refund_amount == Decimal("4.00")

    trail = [
        (e.kind, e.action, e.from_state, e.to_state, e.actor)
        for e in events(journal, tables.events.c.operation_id == row.id)
    ]
    worker, here = actor(victim.pid), actor(os.getpid())
    expected = [
        ("operation", "claimed", None, "intended", worker),
        ("operation", "sending", "intended", "sending", worker),
        ("reconcile", "lease expired", "sending", "unknown", here),
        ("operation", "retaken", "unknown", "sending", here),
        ("operation", "succeeded", "sending", "succeeded", here),
        ("reconcile", "reconciled", "succeeded", "reconciled", here),
    ]
    assert trail[: len(expected)] == expected, trail
    report(
        "4-killed-worker",
        database,
        [],
        lease_seen=f"{lease:.1f}s",
        taken_while_leased=early.taken,
        taken=done.taken,
        resolution=resolution.after,
        row=row.state,
        emulator_refunds=counters.refunds_by_idempotency_key[key],
        emulator_replays=counters.idempotent_replays,
        trail="/".join(action for _, action, *_ in trail),
    )


# -- 5. many reconcilers at once -----------------------------------------------------------------


def _unknown_refunds(
    race_pool: RacePool, bank: Bank, journal_url: str, database: str
) -> list[dict[str, Any]]:
    """:data:`UNKNOWN_OPERATIONS` refunds carried out by the bank, their answers lost."""
    counts = [UNKNOWN_OPERATIONS // PROCESSES] * PROCESSES
    for extra in range(UNKNOWN_OPERATIONS % PROCESSES):
        counts[extra] += 1
    tasks = [
        workers.UnknownRefundsTask(
            journal_url, bank.settings, bank.url, f"race-many-{database}-{n}", count
        )
        for n, count in enumerate(counts)
    ]
    bank.sandbox.add_fault(Fault("refund", "drop", times=None, when="after"))
    try:
        made = [op for batch in race_pool.each(workers.make_unknown_refunds, tasks) for op in batch]
    finally:
        bank.sandbox.clear_faults()
    assert len(made) == UNKNOWN_OPERATIONS
    not_unknown = [op for op in made if op["kind"] != "unknown" or not op["safe_to_repeat"]]
    assert not not_unknown, not_unknown[:3]
    return made


def test_many_reconcilers_never_take_an_operation_twice(
    race_pool: RacePool, bank: Bank, journal: Journal, journal_url: str, database: str
) -> None:
    made = _unknown_refunds(race_pool, bank, journal_url, database)
    keys = {op["idempotency_key"] for op in made}
    per_order = collections.Counter(op["payment_id"] for op in made)
    counters = bank.sandbox.counters
    assert counters.refunds_by_idempotency_key == dict.fromkeys(keys, 1)
    assert counters.idempotent_replays == 0
    rows = journal.run(_rows(tables.operations))
    assert {row.idempotency_key for row in rows} == keys
    assert {row.state for row in rows} == {"unknown"}

    task = workers.ReconcileTask(journal_url, bank.settings, RECONCILE_BATCH)
    results = race_pool.race(workers.reconcile, [task] * PROCESSES)

    taken = [resolution for result in results for resolution in result["resolutions"]]
    ids = [operation_id for operation_id, *_ in taken]
    assert sum(result["taken"] for result in results) == UNKNOWN_OPERATIONS
    twice = [i for i, n in collections.Counter(ids).items() if n > 1]
    assert not twice, f"operations taken more than once: {twice[:10]}"
    assert set(ids) == {row.id for row in rows}
    afters = collections.Counter(after for *_, after, _note in taken)
    assert set(afters) == {"reconciled"}, afters

    # The bank: each refund carried out once; each operation repeated exactly once.
    assert counters.refunds_by_idempotency_key == dict.fromkeys(keys, 1)
    assert counters.idempotent_replays == UNKNOWN_OPERATIONS
    # Per order: each refund's lost answer, and its one repeat.
    assert bank.refund_posts() == {order: 2 * count for order, count in per_order.items()}
    for order, count in per_order.items():
        actions = bank.refund_actions(order)
        assert len(actions) == count
        assert sum(action.amount for action in actions) == bank.order(order).refund_amount
    settled = journal.run(_rows(tables.operations))
    assert {(row.state, row.checks) for row in settled} == {("reconciled", 1)}
    per_process = sorted(result["taken"] for result in results)
    report(
        "5-many-reconcilers",
        database,
        results,
        operations=UNKNOWN_OPERATIONS,
        taken=sum(per_process),
        distinct=len(set(ids)),
        reconcilers_with_work=sum(1 for n in per_process if n),
        per_process=per_process,
        after=dict(afters),
        emulator_replays=counters.idempotent_replays,
        max_refunds_per_key=max(counters.refunds_by_idempotency_key.values()),
    )


# -- 6. a cold token cache -----------------------------------------------------------------------


def test_cold_token_cache_makes_one_token_request(
    race_pool: RacePool, bank: Bank, journal: Journal, journal_url: str, database: str
) -> None:
    order_id = bank.paid_order("race-token")
    counters = bank.sandbox.counters
    before = (counters.token_requests, counters.tokens_issued)  # the plain facade's own
    assert journal.run(_rows(tables.tokens)) == []

    tasks = halves(
        lambda asynchronous: workers.ReadTask(
            journal_url, bank.settings, order_id, asynchronous=asynchronous
        )
    )
    results = race_pool.race(workers.read_payment, tasks)

    assert {result["kind"] for result in results} == {"payment"}, results
    assert {result["status"] for result in results} == {PaymentStatus.CAPTURED.value}
    requested = counters.token_requests - before[0]
    issued = counters.tokens_issued - before[1]
    assert (requested, issued) == (1, 1)
    fetchers = [result for result in results if result["token_requests"]]
    assert [result["token_requests"] for result in fetchers] == [1]
    [row] = journal.run(_rows(tables.tokens))
    assert row.token is not None
    assert row.generation == 1
    report(
        "6-cold-token-cache",
        database,
        results,
        processes=len(results),
        emulator_token_requests=requested,
        tokens_issued=issued,
        fetched_by=fetchers[0]["mode"],
        generation=row.generation,
    )


# -- found by the races --------------------------------------------------------------------------


def test_first_use_of_a_new_sqlite_file_waits_while_another_connection_holds_it(
    tmp_path: Path,
) -> None:
    """A journal opening a SQLite file not yet in WAL mode must wait for its lock.

    Found by race 6 run on a journal file that did not exist yet (16 processes
    creating it on first use, as a fleet starting on a new host would): in about
    one start in 20 to 40, some processes failed at once with JOURNAL_UNAVAILABLE
    ("database is locked") and fetched tokens of their own. The connection setup in
    ``payments_core/journal/database.py`` (``_prepare_sqlite``) runs ``PRAGMA
    journal_mode = WAL``; switching a file into WAL needs its exclusive lock, and
    when another connection holds a lock SQLite answers SQLITE_BUSY at once,
    without the busy handler: the 10 s ``busy_timeout`` set just before is never
    waited. Here the other connection (another process creating the file, or the
    host application sharing it) holds the write lock for a moment; the journal's
    first use must wait for it like any other write does, not fail.
    """
    path = tmp_path / "journal.db"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # the new file's write lock, in rollback-journal mode
    holder.execute("CREATE TABLE host_application (id INTEGER PRIMARY KEY)")
    committed: list[BaseException | None] = []

    def commit() -> None:
        try:
            holder.execute("COMMIT")
        except BaseException as exc:  # reported below, not lost in the thread
            committed.append(exc)
        else:
            committed.append(None)

    release = threading.Timer(HOLD_A_MOMENT, commit)
    journal = Journal(f"sqlite:///{path}")
    release.start()
    started = time.monotonic()
    try:
        journal.check()  # creates the journal's tables once the lock is free
        waited = time.monotonic() - started
    finally:
        release.join()
        holder.close()
        journal.close()
    assert committed == [None]
    assert waited >= HOLD_A_MOMENT / 2
