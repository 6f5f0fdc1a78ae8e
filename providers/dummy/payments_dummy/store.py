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
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from payments_core import (
    CaptureMode,
    CardDetails,
    ConfigurationError,
    Decline,
    DeclineCode,
    ErrorCode,
    InvalidRequestError,
    InvalidStateError,
    Money,
    NotFoundError,
    Operation,
    OperationKind,
    OperationStatus,
    Payment,
    PaymentRequest,
    PaymentStatus,
)

__all__ = ["MAX_OPERATIONS_PER_PAYMENT", "MAX_PAYMENTS", "MAX_STORES", "DummyStore", "get_store"]

PROVIDER = "dummy"

MAX_PAYMENTS: Final[int] = 10_000
"""Payments one store keeps (a few KB each); past it, the least recently used goes."""
MAX_OPERATIONS_PER_PAYMENT: Final[int] = 1_000
"""Refunds, captures and voids one payment may have; more are refused."""
MAX_STORES: Final[int] = 128
"""Named stores the process keeps; past it, the least recently used goes."""

_DECLINE_MESSAGES: dict[DeclineCode, str] = {
    DeclineCode.INSUFFICIENT_FUNDS: "Insufficient funds",
    DeclineCode.CARD_EXPIRED: "Card expired",
    DeclineCode.INVALID_CARD: "Invalid card",
    DeclineCode.CARD_RESTRICTED: "Card restricted by the issuer",
    DeclineCode.LIMIT_EXCEEDED: "Limit exceeded",
    DeclineCode.AMOUNT_LIMIT_EXCEEDED: "Amount limit exceeded",
    DeclineCode.COUNT_LIMIT_EXCEEDED: "Transaction count limit exceeded",
    DeclineCode.AUTHENTICATION_FAILED: "3-D Secure authentication failed",
}


@dataclass
class _Record:
    """Mutable state of one payment; snapshots go out as frozen ``Payment`` models."""

    id: str
    request: PaymentRequest
    status: PaymentStatus
    created_at: datetime
    expires_at: datetime
    redirect_url: str
    authorized: Money | None = None
    captured: Money | None = None
    refunded: Money | None = None
    decline: Decline | None = None
    card: CardDetails | None = None
    operations: list[Operation] = field(default_factory=list)
    transaction_id: str | None = None
    keys: list[tuple[str, str]] = field(default_factory=list)
    """Idempotency keys that point at this payment, forgotten with it."""


def _new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:24]}"


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
        self._payments: OrderedDict[str, _Record] = OrderedDict()
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
        record: _Record,
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
                return self._snapshot(self._record(replay))
            payment_id = _new_id("dpay")
            record = _Record(
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
            return self._snapshot(record)

    def get(self, payment_id: str, now: datetime) -> Payment:
        with self._lock:
            record = self._record(payment_id)
            self._expire_if_due(record, now)
            return self._snapshot(record)

    def _record(self, payment_id: str) -> _Record:
        """The payment's record, marked as the most recently used."""
        try:
            record = self._payments[payment_id]
        except KeyError:
            raise NotFoundError(
                f"no dummy payment {payment_id!r}", provider=PROVIDER, payment_id=payment_id
            ) from None
        self._payments.move_to_end(payment_id)
        return record

    def _expire_if_due(self, record: _Record, now: datetime) -> None:
        if record.status in (PaymentStatus.CREATED, PaymentStatus.PENDING) and (
            now >= record.expires_at
        ):
            record.status = PaymentStatus.EXPIRED

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
            self._expire_if_due(record, now)
            if record.status not in (PaymentStatus.CREATED, PaymentStatus.PENDING):
                raise InvalidStateError(
                    f"payment {payment_id} is {record.status.value}; the customer step is over",
                    provider=PROVIDER,
                    payment_id=payment_id,
                )
            amount = record.request.amount
            if outcome == "succeed":
                record.card = CardDetails(
                    masked_number="424242xxxxxx4242", brand="visa", expiry="12/30"
                )
                record.transaction_id = _new_id("dtrx")
                record.authorized = amount
                if record.request.capture is CaptureMode.MANUAL:
                    record.status = PaymentStatus.AUTHORIZED
                else:
                    record.captured = amount
                    record.status = PaymentStatus.CAPTURED
            elif outcome == "decline":
                record.status = PaymentStatus.DECLINED
                record.decline = Decline(
                    code=decline_code,
                    provider_code=decline_code.value,
                    message=_DECLINE_MESSAGES.get(decline_code, "Declined"),
                )
            elif outcome == "expire":
                record.status = PaymentStatus.EXPIRED
            elif outcome == "pending":
                record.status = PaymentStatus.PROCESSING
            else:
                raise InvalidRequestError(
                    f"unknown dummy outcome {outcome!r}", provider=PROVIDER, field="outcome"
                )
            return self._snapshot(record)

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
            op = self._operation(record, OperationKind.REFUND, amount, key, now)
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
            op = self._operation(record, OperationKind.CAPTURE, amount, key, now)
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
            op = self._operation(record, OperationKind.VOID, record.authorized, key, now)
            self._remember(record, "void", key, (payment_id,), op)
            return op

    @staticmethod
    def _check_room(record: _Record) -> None:
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

    @staticmethod
    def _operation(
        record: _Record, kind: OperationKind, amount: Money | None, key: str, now: datetime
    ) -> Operation:
        op = Operation(
            id=_new_id("dop"),
            kind=kind,
            status=OperationStatus.SUCCEEDED,
            payment_id=record.id,
            provider=PROVIDER,
            amount=amount,
            created_at=now,
            idempotency_key=key,
        )
        record.operations.append(op)
        return op

    def _snapshot(self, record: _Record) -> Payment:
        request = record.request
        return Payment(
            id=record.id,
            provider=PROVIDER,
            status=record.status,
            amount=request.amount,
            external_id=request.external_id,
            authorized_amount=record.authorized,
            captured_amount=record.captured,
            refunded_amount=record.refunded,
            redirect_url=record.redirect_url,
            method="card" if record.card else None,
            card=record.card,
            decline=record.decline,
            capture=request.capture,
            created_at=record.created_at,
            expires_at=record.expires_at,
            provider_transaction_id=record.transaction_id,
            operations=tuple(record.operations),
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
