"""What each process of the journal's race tests runs (see ``test_races.py``).

The tests start these with the ``spawn`` context, so each worker is a fresh
interpreter that imports this module by name: every function here is a plain
module-level function of one picklable task, returning plain data (dicts and
tuples, never a live model or an exception), and builds its own facade with
``journal=<url>``: its own engine, HTTP client and OAuth2 instance, as another
host would have.

Racing tasks wait on the pool's shared barrier (given to each process by
:func:`init`) right before the call under test, once everything slow (the facade;
the database connection, except where the race is about a cold start) is done,
so that the calls start together.
Tasks with ``asynchronous=True`` use ``AsyncPayments`` (the journal's async
engine, the async token flow) instead of ``Payments``: the tests give half of the
processes each, since both facades share one journal.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from threading import BrokenBarrierError
from typing import Any

import httpx

from payments_core import AsyncPayments, Payments
from payments_core.errors import OutcomeUnknownError, PaymentError
from payments_core.journal import Journal, reconcile_once
from payments_core.models import LineItem, Operation, PaymentRequest, WebhookEvent
from payments_core.money import Money

BARRIER_TIMEOUT = 60.0
"""Seconds a worker waits for the others at the barrier before giving up."""

CURRENCY = "GEL"
ORDER_TOTAL = "10.00"
CALLBACK_URL = "https://shop.example/bog/callback"
"""Never reached: the emulator hands its callbacks to an in-memory transport."""
VISA_OK = "4000000000000001"

_barrier: Any = None
"""The pool's ``multiprocessing.Barrier`` (set by :func:`init` in each worker)."""


def init(barrier: Any) -> None:
    """Pool initializer: keep the barrier every racing task waits on."""
    global _barrier
    _barrier = barrier


def ready(_: int) -> int:
    """A no-op task: the pool's processes are up (and this module imported) once it ran."""
    return os.getpid()


def _wait_for_the_others() -> float:
    """Block until every racing process is here; the moment they were let go (epoch)."""
    if _barrier is None:
        raise RuntimeError("race_workers.init was not run in this process")
    try:
        _barrier.wait(BARRIER_TIMEOUT)
    except BrokenBarrierError:
        raise RuntimeError("another racing process failed before the start") from None
    return time.time()


@contextmanager
def facade(url: str | None, settings: dict[str, Any], **extra: Any) -> Iterator[Payments]:
    """A fresh facade on the emulator (and the journal at ``url``, if given), closed after."""
    payments = Payments(
        "bog", journal=url, autoload_plugins=False, provider_settings={**settings, **extra}
    )
    try:
        yield payments
    finally:
        payments.close()


@asynccontextmanager
async def async_facade(
    url: str, settings: dict[str, Any], **extra: Any
) -> AsyncIterator[AsyncPayments]:
    payments = AsyncPayments(
        "bog", journal=url, autoload_plugins=False, provider_settings={**settings, **extra}
    )
    try:
        yield payments
    finally:
        await payments.aclose()


def _nothing(connection: Any) -> None:
    return None


def _connect(payments: Payments) -> None:
    """Open the journal's database now, so the race is on the call, not the connection."""
    assert payments.journal is not None
    payments.journal.check()


async def _aconnect(payments: AsyncPayments) -> None:
    assert payments.journal is not None
    await payments.journal.arun(_nothing)


def _error(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, PaymentError):
        return {
            "kind": "unknown" if isinstance(exc, OutcomeUnknownError) else "error",
            "code": exc.code.value,
            "safe_to_repeat": getattr(exc, "safe_to_repeat", None),
            "message": exc.message,
        }
    return {"kind": "crash", "code": type(exc).__name__, "message": repr(exc)}


def _mode(asynchronous: bool, started: float) -> dict[str, Any]:
    """Who answered, and when its racing call started and how long it took."""
    return {
        "pid": os.getpid(),
        "mode": "async" if asynchronous else "sync",
        "started": started,
        "elapsed": time.time() - started,
    }


# -- 1 and 3: callbacks ------------------------------------------------------------------


@dataclass(frozen=True)
class CallbackTask:
    """Deliver ``callbacks`` (headers, body) in this order, or shuffled by ``seed``."""

    url: str
    settings: dict[str, Any]
    callbacks: tuple[tuple[dict[str, str], bytes], ...]
    seed: int | None = None
    asynchronous: bool = False

    def order(self) -> list[int]:
        order = list(range(len(self.callbacks)))
        if self.seed is not None:
            random.Random(self.seed).shuffle(order)
        return order


def _event(index: int, event: WebhookEvent) -> dict[str, Any]:
    return {
        "index": index,
        "kind": "event",
        "event_id": event.id,
        "duplicate": event.duplicate,
        "stale": event.stale,
        "status": event.payment.status.value,
    }


def deliver_callbacks(task: CallbackTask) -> dict[str, Any]:
    """``parse_webhook`` each callback once: what the facade said of every delivery."""
    if task.asynchronous:
        return asyncio.run(_adeliver_callbacks(task))
    deliveries: list[dict[str, Any]] = []
    with facade(task.url, task.settings) as payments:
        _connect(payments)
        started = _wait_for_the_others()
        for index in task.order():
            headers, body = task.callbacks[index]
            try:
                event = payments.parse_webhook(headers, body)
            except Exception as exc:
                deliveries.append({"index": index, **_error(exc)})
            else:
                deliveries.append(_event(index, event))
    return {**_mode(False, started), "order": task.order(), "deliveries": deliveries}


async def _adeliver_callbacks(task: CallbackTask) -> dict[str, Any]:
    deliveries: list[dict[str, Any]] = []
    async with async_facade(task.url, task.settings) as payments:
        await _aconnect(payments)
        started = _wait_for_the_others()  # blocks the loop on purpose: nothing else runs on it yet
        for index in task.order():
            headers, body = task.callbacks[index]
            try:
                event = await payments.parse_webhook(headers, body)
            except Exception as exc:
                deliveries.append({"index": index, **_error(exc)})
            else:
                deliveries.append(_event(index, event))
    return {**_mode(True, started), "order": task.order(), "deliveries": deliveries}


# -- 2 and 4: refunds -------------------------------------------------------------------


@dataclass(frozen=True)
class RefundTask:
    url: str
    settings: dict[str, Any]
    payment_id: str
    amount: str
    idempotency_key: str
    asynchronous: bool = False
    overrides: dict[str, Any] = field(default_factory=dict)
    """Provider settings to change (``max_retries``, say)."""

    def money(self) -> Money:
        return Money(self.amount, CURRENCY)


def _operation(operation: Operation) -> dict[str, Any]:
    return {
        "kind": "operation",
        "id": operation.id,
        "status": operation.status.value,
        "amount": None if operation.amount is None else str(operation.amount.amount),
        "idempotency_key": operation.idempotency_key,
    }


def _refund(payments: Payments, task: RefundTask) -> dict[str, Any]:
    try:
        operation = payments.refund(
            task.payment_id, task.money(), idempotency_key=task.idempotency_key
        )
    except Exception as exc:
        return _error(exc)
    return _operation(operation)


def refund_same_key(task: RefundTask) -> dict[str, Any]:
    """One refund under the task's key, started together with every other process."""
    if task.asynchronous:
        return asyncio.run(_arefund_same_key(task))
    with facade(task.url, task.settings, **task.overrides) as payments:
        _connect(payments)
        started = _wait_for_the_others()
        return {**_mode(False, started), **_refund(payments, task)}


async def _arefund_same_key(task: RefundTask) -> dict[str, Any]:
    async with async_facade(task.url, task.settings, **task.overrides) as payments:
        await _aconnect(payments)
        started = _wait_for_the_others()
        try:
            operation = await payments.refund(
                task.payment_id, task.money(), idempotency_key=task.idempotency_key
            )
        except Exception as exc:
            return {**_mode(True, started), **_error(exc)}
        return {**_mode(True, started), **_operation(operation)}


def refund_until_killed(task: RefundTask) -> None:
    """Race 4's victim (its own process, not the pool's): refund, and be killed mid-call.

    The emulator holds the answer back, and the test kills this process with SIGKILL
    once the refund is carried out and the journal says ``sending``. Exiting on its
    own means the answer came first: exit code 3 (or 4 for an error) tells the test.
    """
    with facade(task.url, task.settings, **task.overrides) as payments:
        outcome = _refund(payments, task)
    raise SystemExit(3 if outcome["kind"] == "operation" else 4)


# -- 5: many reconcilers ----------------------------------------------------------------


def _request(external_id: str) -> PaymentRequest:
    return PaymentRequest(
        external_id=external_id,
        amount=Money(ORDER_TOTAL, CURRENCY),
        items=[LineItem(product_id="SKU-1", quantity=1, unit_price=Money(ORDER_TOTAL, CURRENCY))],
        callback_url=CALLBACK_URL,
        idempotency_key=f"create-{external_id}",
    )


def paid_order(payments: Payments, http: httpx.Client, external_id: str) -> str:
    """A new order of :data:`ORDER_TOTAL` GEL, paid with the always-approved test card."""
    payment = payments.create_payment(_request(external_id))
    answer = http.post(f"/sandbox/orders/{payment.id}/pay", json={"card": VISA_OK})
    answer.raise_for_status()
    return payment.id


@dataclass(frozen=True)
class UnknownRefundsTask:
    """Refund ``count`` times 1.00 GEL while the emulator drops the answers.

    Each order of :data:`ORDER_TOTAL` takes ten such refunds, so the task pays
    for a new one every ten; its orders are its own (no other process refunds
    them, so each refund finds the amount it checked still there).
    """

    url: str
    settings: dict[str, Any]
    api: str
    """The emulator's base URL (its ``/sandbox/`` controls pay the orders)."""
    prefix: str
    count: int


REFUNDS_PER_ORDER = 10
UNKNOWN_REFUND = "1.00"


def make_unknown_refunds(task: UnknownRefundsTask) -> list[dict[str, Any]]:
    """Setup for race 5 (no barrier): each refund is carried out, and its answer lost.

    The emulator has a ``drop`` fault armed on its refund endpoint (``when="after"``:
    processed, then the connection closed unanswered) and the facade does not
    retry (``max_retries=0``), so every refund ends ``unknown`` in the journal.
    The orders are made by a facade without a journal, so that the only rows are
    the refunds.
    """
    made: list[dict[str, Any]] = []
    with (
        facade(None, task.settings) as plain,
        facade(task.url, task.settings, max_retries=0) as journaled,
        httpx.Client(base_url=task.api, trust_env=False) as http,
    ):
        order_id = ""
        for number in range(task.count):
            name = f"{task.prefix}-{number}"
            if number % REFUNDS_PER_ORDER == 0:
                order_id = paid_order(plain, http, name)
            key = f"refund-{name}"
            refund = RefundTask(task.url, task.settings, order_id, UNKNOWN_REFUND, key)
            made.append(
                {"payment_id": order_id, "idempotency_key": key, **_refund(journaled, refund)}
            )
    return made


@dataclass(frozen=True)
class ReconcileTask:
    url: str
    settings: dict[str, Any]
    batch: int


def reconcile(task: ReconcileTask) -> dict[str, Any]:
    """One ``reconcile_once`` run, started together with every other reconciler."""
    journal = Journal(task.url)
    try:
        with Payments(
            "bog", journal=journal, autoload_plugins=False, provider_settings=task.settings
        ) as payments:
            journal.check()
            started = _wait_for_the_others()
            report = reconcile_once(journal, {payments.name: payments}, batch=task.batch)
    finally:
        journal.close()
    return {
        **_mode(False, started),
        "taken": report.taken,
        "resolutions": [
            (r.operation_id, r.idempotency_key, r.before, r.after, r.note)
            for r in report.resolutions
        ],
    }


# -- 6: a cold token cache --------------------------------------------------------------


@dataclass(frozen=True)
class ReadTask:
    """``get_payment`` through a fresh facade (so a fresh OAuth2 instance, no token)."""

    url: str
    settings: dict[str, Any]
    payment_id: str
    asynchronous: bool = False


def _token_requests(payments: Payments | AsyncPayments) -> int:
    count: int = getattr(payments.provider.auth, "token_requests", -1)
    return count


def read_payment(task: ReadTask) -> dict[str, Any]:
    """Read the payment with nothing warm: no token, and the journal not yet opened.

    The database is first touched inside the race too, so the processes meet on
    the token row as a fleet starting together would.
    """
    if task.asynchronous:
        return asyncio.run(_aread_payment(task))
    with facade(task.url, task.settings) as payments:
        started = _wait_for_the_others()
        try:
            payment = payments.get_payment(task.payment_id)
            outcome = {"kind": "payment", "status": payment.status.value}
        except Exception as exc:
            outcome = _error(exc)
        return {**_mode(False, started), "token_requests": _token_requests(payments), **outcome}


async def _aread_payment(task: ReadTask) -> dict[str, Any]:
    async with async_facade(task.url, task.settings) as payments:
        started = _wait_for_the_others()
        try:
            payment = await payments.get_payment(task.payment_id)
            outcome = {"kind": "payment", "status": payment.status.value}
        except Exception as exc:
            outcome = _error(exc)
        return {**_mode(True, started), "token_requests": _token_requests(payments), **outcome}
