"""Settling what stayed unknown or pending, by asking the gateway.

:func:`reconcile_once` takes every operation that is due, in batches:

* **unknown** (sent, no usable answer): due at once;
* **sending** whose lease ran out (its process died mid-call): now unknown;
* **intended** whose lease ran out (its process died before sending): nothing
  left, so it is marked failed and its key is free again;
* **pending** (the gateway accepted it and reports the result later): due on
  the journal's schedule.

Each is claimed so that many reconcilers on many hosts never take the same row
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE``
serializes the takers), and settled by what the gateway allows:

* a gateway that honours idempotency keys gets the same call again under the
  same key (the very bytes sent, where kept): it answers with the first outcome;
* a gateway without keys is never sent the call again: the payment is read,
  and the operation counts as done only when the payment shows it;
* a create whose answer was lost on a gateway without keys can be read only if
  its payment id came back; otherwise it is flagged.

Whatever is still unresolved after the schedule is **flagged for a person**,
never marked failed: time alone proves nothing. Reading a payment that shows
no trace of the operation is not proof either, since the gateway may apply it
later; the operation stays unknown until its schedule ends.

This module decides, from the gateway's answer, what becomes of each row; the
short transactions that take and move the rows are :mod:`payments_core.journal.due`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import Row

from payments_core.errors import (
    ErrorCode,
    NotFoundError,
    OutcomeUnknownError,
    PaymentError,
)
from payments_core.journal import due
from payments_core.journal.codec import outcome_from_json
from payments_core.journal.journal import Journal
from payments_core.journal.operations import FINISHED, OperationState
from payments_core.models import (
    Operation,
    OperationKind,
    OperationStatus,
    Payment,
    PaymentRequest,
)
from payments_core.money import Money
from payments_core.status import PaymentStatus

__all__ = ["ReconcileReport", "Resolution", "reconcile_loop", "reconcile_once"]

logger = logging.getLogger("payments_core.journal")

RECONCILE_LEASE: Final = 300.0
"""Seconds a reconciler holds a row it took (longer than one gateway call)."""

_KINDS: Final = {
    "refund": OperationKind.REFUND,
    "capture": OperationKind.CAPTURE,
    "void": OperationKind.VOID,
}


@dataclass(frozen=True)
class Resolution:
    """What reconciliation did with one operation."""

    operation_id: int
    gateway: str
    operation: str
    idempotency_key: str
    before: str
    after: str
    """reconciled, failed, unknown (checked again later), pending, flagged, or sending
    (a caller's own repeat took the key meanwhile)."""
    note: str = ""


@dataclass
class ReconcileReport:
    """Everything one :func:`reconcile_once` run took, and what became of it."""

    resolutions: list[Resolution] = field(default_factory=list)

    def count(self, after: str) -> int:
        return sum(1 for resolution in self.resolutions if resolution.after == after)

    @property
    def taken(self) -> int:
        return len(self.resolutions)

    def summary(self) -> str:
        words = ("reconciled", "failed", "pending", "unknown", "flagged")
        parts = [f"{self.count(word)} {word}" for word in words if self.count(word)]
        return f"{self.taken} due: " + (", ".join(parts) if parts else "nothing to do")


# -- deciding from the gateway's answer --------------------------------------------------


def shows(payment: Payment, kind: str, amount: Money | None, others: Decimal) -> bool:
    """Whether ``payment`` shows the operation done (False: no trace of it yet)."""
    if kind == "void":
        return payment.status is PaymentStatus.CANCELED
    moved = payment.refunded_amount if kind == "refund" else payment.captured_amount
    if moved is None:
        return False
    if amount is None:  # the whole amount
        if kind == "refund":
            return payment.status is PaymentStatus.REFUNDED
        return payment.status is PaymentStatus.CAPTURED
    return moved.amount >= others + amount.amount


def _confirmed(row: Row[Any], payment: Payment) -> Operation:
    kind = _KINDS[row.operation]
    return Operation(
        kind=kind,
        status=OperationStatus.SUCCEEDED,
        payment_id=payment.id,
        provider=payment.provider,
        amount=due.amount_of(row.amount),
        idempotency_key=row.idempotency_key,
        message="confirmed by reading the payment during reconciliation",
    )


class _Settler:
    """Settles one taken row through the facade of its gateway."""

    def __init__(self, journal: Journal, facade: Any) -> None:
        self.journal = journal
        self.facade = facade

    def settle(self, row: Row[Any], before: str) -> Resolution:
        if before == OperationState.INTENDED:
            return self._resolution(row, before, "failed", "its process stopped before sending")
        try:
            after, note = self._settle(row)
        except PaymentError as exc:
            after, note = self._failed(row, exc)
        return self._resolution(row, before, after, note)

    def _resolution(self, row: Row[Any], before: str, after: str, note: str) -> Resolution:
        return Resolution(
            row.id, row.gateway, row.operation, row.idempotency_key, before, after, note
        )

    def _later(self, row: Row[Any], why: str) -> str:
        return self.journal.run(due.later, row.id, self.journal.schedule, why)

    def _failed(self, row: Row[Any], error: PaymentError) -> tuple[str, str]:
        why = f"{error.code.value}: {error.message}"
        if error.code is ErrorCode.IDEMPOTENCY_CONFLICT:
            # The request kept in the journal no longer matches its fingerprint
            # (credentials were redacted from it): a person must repeat it.
            return self.journal.run(due.flag, row.id, why), why
        record = self.journal.operation(row.gateway, row.idempotency_key)
        if record is not None and record.state == OperationState.FAILED:
            return "failed", f"the gateway refused the repeat ({error.code.value})"
        return self._later(row, why), why

    def _settle(self, row: Row[Any]) -> tuple[str, str]:
        if row.state in FINISHED:  # accepted earlier, result pending at the gateway
            return self._by_reading(row, pending=True)
        facade = self.facade
        keyed = facade.provider.honours_idempotency_keys
        if keyed and row.operation in _KINDS:
            return self._repeat(row, lambda: self._repeat_money(row))
        if keyed and row.operation == "create_payment" and row.request is not None:
            request = PaymentRequest.model_validate_json(row.request)
            request = request.model_copy(update={"idempotency_key": row.idempotency_key})
            return self._repeat(row, lambda: facade.create_payment(request))
        return self._by_reading(row, pending=False)

    def _repeat_money(self, row: Row[Any]) -> Any:
        method = getattr(self.facade, row.operation)
        if row.operation == "void":
            return method(row.payment_id, idempotency_key=row.idempotency_key)
        amount = due.amount_of(row.amount)
        return method(row.payment_id, amount, idempotency_key=row.idempotency_key)

    def _repeat(self, row: Row[Any], call: Callable[[], Any]) -> tuple[str, str]:
        try:
            outcome = call()
        except OutcomeUnknownError as exc:
            return self._later(row, exc.message), exc.message
        note = "repeated under the same idempotency key"
        after = self.journal.run(due.resolved, row.id, outcome, note)
        if isinstance(outcome, Operation) and outcome.status is OperationStatus.PENDING:
            # Settled (the gateway took it); its result is checked on the schedule.
            later = self._later(row, "the gateway still reports it pending")
            return ("flagged" if later == "flagged" else after), f"{note}; pending at the gateway"
        return after, note

    def _by_reading(self, row: Row[Any], *, pending: bool) -> tuple[str, str]:
        if row.payment_id is None:
            why = (
                "the gateway gave no payment id before the answer was lost and has no "
                "idempotency keys: find the payment by its external id"
                + (f" ({row.external_id})" if row.external_id else "")
            )
            return self._later(row, why), why
        try:
            payment: Payment = self.facade.get_payment(row.payment_id)
        except NotFoundError:
            why = "the gateway does not know the payment (yet)"
            return self._later(row, why), why
        if row.operation == "create_payment":
            note = "the payment exists at the gateway"
            return self.journal.run(due.resolved, row.id, payment, note), note
        if row.operation not in _KINDS:
            why = f"{row.operation} cannot be checked by reading the payment"
            return self._later(row, why), why
        others = self.journal.run(due.others, row)
        if shows(payment, row.operation, due.amount_of(row.amount), others):
            note = f"the payment shows the {row.operation}"
            previous = outcome_from_json(row.outcome) if pending else None
            outcome: Any = (
                previous.model_copy(update={"status": OperationStatus.SUCCEEDED})
                if isinstance(previous, Operation)
                else _confirmed(row, payment)
            )
            return self.journal.run(due.resolved, row.id, outcome, note), note
        why = f"the payment does not show the {row.operation} yet"
        return self._later(row, why), why


Gateways = Mapping[str, Any] | Callable[[str], Any]


def _facade(gateways: Gateways, name: str, cache: dict[str, Any]) -> Any:
    if name not in cache:
        cache[name] = gateways[name] if isinstance(gateways, Mapping) else gateways(name)
    return cache[name]


def reconcile_once(
    journal: Journal,
    gateways: Gateways,
    *,
    batch: int = 50,
    lease: float = RECONCILE_LEASE,
) -> ReconcileReport:
    """Settle every operation due now; what could not be is scheduled again or flagged.

    ``gateways`` maps each gateway name found in the journal to a ``Payments``
    facade that uses this journal (or builds one for a name). Safe to run on
    many hosts at once: each row is taken by one reconciler only.
    """
    report = ReconcileReport()
    cache: dict[str, Any] = {}
    started = journal.read(due.clock)
    while True:
        taken = journal.run(due.take, batch, lease, started)
        if not taken:
            return report
        for row, before in taken:
            try:
                facade = _facade(gateways, row.gateway, cache)
            except (KeyError, PaymentError) as exc:
                # This host's configuration is at fault, not the operation: leave it
                # for a reconciler that can reach its gateway (this check not counted).
                why = f"gateway {row.gateway!r} cannot be built here ({exc})"
                logger.error("reconcile: %s; operation %s left for later", why, row.id)
                after = journal.run(due.not_now, row.id, journal.schedule[0])
                report.resolutions.append(
                    Resolution(
                        row.id, row.gateway, row.operation, row.idempotency_key, before, after, why
                    )
                )
                continue
            resolution = _Settler(journal, facade).settle(row, before)
            logger.info(
                "reconcile gateway=%s operation=%s key=%s: %s -> %s %s",
                resolution.gateway,
                resolution.operation,
                resolution.idempotency_key,
                resolution.before,
                resolution.after,
                resolution.note,
            )
            report.resolutions.append(resolution)


def reconcile_loop(
    journal: Journal,
    gateways: Gateways,
    *,
    interval: float = 30.0,
    rounds: int | None = None,
    on_report: Callable[[ReconcileReport], None] | None = None,
    sleep: Callable[[float], Any] = time.sleep,
) -> None:
    """Run :func:`reconcile_once` every ``interval`` seconds (``rounds`` times, or forever)."""
    done = 0
    while rounds is None or done < rounds:
        try:
            report = reconcile_once(journal, gateways)
        except PaymentError as exc:  # the journal is down, say: try again next round
            logger.error("reconcile round failed: %s [%s]", exc.message, exc.code.value)
        else:
            if on_report is not None:
                on_report(report)
        done += 1
        if rounds is None or done < rounds:
            sleep(interval)
