"""The dummy gateway's in-memory ledger: payments, operations and idempotency keys.

One :class:`DummyStore` per store name, shared by every provider instance
configured with that name, so a shop's web process and its test code see the
same payments. All changes happen under one lock; the store never sleeps.

Memory is bounded, because a dev server or a load test may run for days: a
store keeps the :data:`MAX_PAYMENTS` most recently used payments (creating,
reading, completing or operating on one counts as using it), each with at most
:data:`MAX_OPERATIONS_PER_PAYMENT` operations, and the process keeps the
:data:`MAX_STORES` most recently used stores. A forgotten payment is gone
(``NotFoundError``), and so are its idempotency keys.

What one payment holds, and how the customer's step changes it, is
:class:`~payments_dummy.record.Record`; the store adds the lock, the bounds,
idempotency and the rules for refunds, captures and voids.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from payments_core import (
    ConfigurationError,
    DeclineCode,
    ErrorCode,
    InvalidRequestError,
    InvalidStateError,
    Money,
    NotFoundError,
    Operation,
    OperationKind,
    Payment,
    PaymentRequest,
    PaymentStatus,
)
from payments_dummy.record import PROVIDER, Record, new_id

__all__ = ["MAX_OPERATIONS_PER_PAYMENT", "MAX_PAYMENTS", "MAX_STORES", "DummyStore", "get_store"]

MAX_PAYMENTS: Final[int] = 10_000
"""Payments one store keeps (a few KB each); past it, the least recently used goes."""
MAX_OPERATIONS_PER_PAYMENT: Final[int] = 1_000
"""Refunds, captures and voids one payment may have; more are refused."""
MAX_STORES: Final[int] = 128
"""Named stores the process keeps; past it, the least recently used goes."""


def _check_limit(max_payments: object) -> int:
    if isinstance(max_payments, bool) or not isinstance(max_payments, int) or max_payments < 1:
        raise ConfigurationError(
            f"max_payments of the dummy store must be a positive int, not {max_payments!r}",
            provider=PROVIDER,
        )
    return max_payments


class DummyStore:
    """Payments kept in memory, with the same rules a real gateway enforces.

    At most ``max_payments`` (default :data:`MAX_PAYMENTS`) are kept, in order of
    last use; the least recently used one is forgotten to make room.
    """

    def __init__(self, max_payments: int | None = None) -> None:
        self._lock = threading.Lock()
        self._max_payments = _check_limit(MAX_PAYMENTS if max_payments is None else max_payments)
        self._payments: OrderedDict[str, Record] = OrderedDict()
        self._by_key: dict[tuple[str, str], tuple[tuple[Any, ...], Any]] = {}

    def __len__(self) -> int:
        """How many payments the store holds now."""
        with self._lock:
            return len(self._payments)

    @property
    def max_payments(self) -> int:
        return self._max_payments

    def set_max_payments(self, max_payments: int) -> None:
        """Change the cap; a lower one forgets the least recently used payments now."""
        checked = _check_limit(max_payments)
        with self._lock:
            self._max_payments = checked
            self._evict()

    def _evict(self) -> None:
        while len(self._payments) > self._max_payments:
            _, record = self._payments.popitem(last=False)
            for key in record.keys:
                self._by_key.pop(key, None)

    # -- idempotency ---------------------------------------------------------------

    def _replay(self, scope: str, key: str, fingerprint: tuple[Any, ...]) -> Any | None:
        seen = self._by_key.get((scope, key))
        if seen is None:
            return None
        if seen[0] != fingerprint:
            raise InvalidRequestError(
                f"idempotency key {key!r} was already used for a different {scope}",
                code=ErrorCode.IDEMPOTENCY_CONFLICT,
                provider=PROVIDER,
            )
        return seen[1]

    def _remember(
        self,
        record: Record,
        scope: str,
        key: str,
        fingerprint: tuple[Any, ...],
        result: Any,
    ) -> None:
        self._by_key[(scope, key)] = (fingerprint, result)
        record.keys.append((scope, key))

    # -- payments ---------------------------------------------------------------------

    def create(self, request: PaymentRequest, page_url: str, now: datetime) -> Payment:
        fingerprint = (request.external_id, request.amount, request.capture)
        with self._lock:
            replay = self._replay("payment", request.idempotency_key, fingerprint)
            if replay is not None:
                return self._record(replay).snapshot()
            payment_id = new_id("dpay")
            record = Record(
                id=payment_id,
                request=request,
                status=PaymentStatus.PENDING,
                created_at=now,
                expires_at=now + timedelta(seconds=request.expires_in or 900),
                redirect_url=f"{page_url.rstrip('/')}/{payment_id}",
            )
            self._payments[payment_id] = record
            self._remember(record, "payment", request.idempotency_key, fingerprint, payment_id)
            self._evict()
            return record.snapshot()

    def get(self, payment_id: str, now: datetime) -> Payment:
        with self._lock:
            record = self._record(payment_id)
            record.expire_if_due(now)
            return record.snapshot()

    def _record(self, payment_id: str) -> Record:
        """The payment's record, marked as the most recently used."""
        try:
            record = self._payments[payment_id]
        except KeyError:
            raise NotFoundError(
                f"no dummy payment {payment_id!r}", provider=PROVIDER, payment_id=payment_id
            ) from None
        self._payments.move_to_end(payment_id)
        return record

    # -- the customer's step ---------------------------------------------------------------

    def complete(
        self,
        payment_id: str,
        outcome: str,
        decline_code: DeclineCode,
        now: datetime,
    ) -> Payment:
        with self._lock:
            record = self._record(payment_id)
            record.expire_if_due(now)
            record.customer_step(outcome, decline_code)
            return record.snapshot()

    # -- money operations ---------------------------------------------------------------

    def refund(self, payment_id: str, amount: Money | None, key: str, now: datetime) -> Operation:
        with self._lock:
            replay = self._replay("refund", key, (payment_id, amount))
            if replay is not None:
                return replay  # type: ignore[no-any-return]
            record = self._record(payment_id)
            self._check_room(record)
            captured = record.captured
            if captured is None or record.status not in (
                PaymentStatus.CAPTURED,
                PaymentStatus.PARTIALLY_CAPTURED,
                PaymentStatus.PARTIALLY_REFUNDED,
            ):
                raise InvalidStateError(
                    f"payment {payment_id} is {record.status.value}; only paid payments refund",
                    provider=PROVIDER,
                    payment_id=payment_id,
                )
            refunded = record.refunded or Money.zero(captured.currency)
            available = captured - refunded
            requested, amount = amount, amount or available
            self._check_amount(amount, available, "refund", payment_id)
            record.refunded = refunded + amount
            record.status = (
                PaymentStatus.REFUNDED
                if record.refunded == captured
                else PaymentStatus.PARTIALLY_REFUNDED
            )
            op = record.add_operation(OperationKind.REFUND, amount, key, now)
            self._remember(record, "refund", key, (payment_id, requested), op)
            return op

    def capture(self, payment_id: str, amount: Money | None, key: str, now: datetime) -> Operation:
        with self._lock:
            replay = self._replay("capture", key, (payment_id, amount))
            if replay is not None:
                return replay  # type: ignore[no-any-return]
            record = self._record(payment_id)
            self._check_room(record)
            held = record.authorized
            if record.status is not PaymentStatus.AUTHORIZED or held is None:
                raise InvalidStateError(
                    f"payment {payment_id} is {record.status.value}; only authorized "
                    "payments can be captured",
                    provider=PROVIDER,
                    payment_id=payment_id,
                )
            requested, amount = amount, amount or held
            self._check_amount(amount, held, "capture", payment_id)
            record.captured = amount
            record.status = (
                PaymentStatus.CAPTURED if amount == held else PaymentStatus.PARTIALLY_CAPTURED
            )
            op = record.add_operation(OperationKind.CAPTURE, amount, key, now)
            self._remember(record, "capture", key, (payment_id, requested), op)
            return op

    def void(self, payment_id: str, key: str, now: datetime) -> Operation:
        with self._lock:
            replay = self._replay("void", key, (payment_id,))
            if replay is not None:
                return replay  # type: ignore[no-any-return]
            record = self._record(payment_id)
            self._check_room(record)
            if record.status is not PaymentStatus.AUTHORIZED:
                raise InvalidStateError(
                    f"payment {payment_id} is {record.status.value}; only authorized "
                    "payments can be voided",
                    provider=PROVIDER,
                    payment_id=payment_id,
                )
            record.status = PaymentStatus.CANCELED
            op = record.add_operation(OperationKind.VOID, record.authorized, key, now)
            self._remember(record, "void", key, (payment_id,), op)
            return op

    @staticmethod
    def _check_room(record: Record) -> None:
        if len(record.operations) >= MAX_OPERATIONS_PER_PAYMENT:
            raise InvalidStateError(
                f"dummy payment {record.id} already has {MAX_OPERATIONS_PER_PAYMENT} "
                "operations, the most the dummy keeps for one payment",
                provider=PROVIDER,
                payment_id=record.id,
            )

    @staticmethod
    def _check_amount(amount: Money, available: Money, what: str, payment_id: str) -> None:
        if amount.currency != available.currency:
            raise InvalidRequestError(
                f"{what} amount is in {amount.currency}, the payment in {available.currency}",
                code=ErrorCode.CURRENCY_MISMATCH,
                provider=PROVIDER,
                payment_id=payment_id,
            )
        if amount > available:
            raise InvalidStateError(
                f"cannot {what} {amount}: only {available} is available",
                code=ErrorCode.AMOUNT_EXCEEDS_AVAILABLE,
                provider=PROVIDER,
                payment_id=payment_id,
            )


_STORES: OrderedDict[str, DummyStore] = OrderedDict()
_STORES_LOCK = threading.Lock()


def get_store(name: str, *, max_payments: int | None = None) -> DummyStore:
    """The process-wide store called ``name`` (created on first use).

    ``max_payments`` caps that store (default :data:`MAX_PAYMENTS`); given for
    an existing store, it changes its cap. Past :data:`MAX_STORES` names, the
    least recently used store is forgotten.
    """
    with _STORES_LOCK:
        store = _STORES.get(name)
        if store is None:
            store = _STORES[name] = DummyStore(max_payments)
            while len(_STORES) > MAX_STORES:
                _STORES.popitem(last=False)
        else:
            _STORES.move_to_end(name)
    if max_payments is not None and max_payments != store.max_payments:
        store.set_max_payments(max_payments)
    return store


def now_utc() -> datetime:
    return datetime.now(UTC)
