"""The payment's story, step by step: create, pay, operate, look again.

Each step checks what it gets back as it goes (normalized models, statuses that
only move forward), so a scenario built from them reads as the payment's story and
still fails on the first broken promise, in plain words.
"""

from __future__ import annotations

import uuid
from typing import Final

from payments_core.models import (
    CaptureMode,
    Operation,
    OperationKind,
    OperationStatus,
    Payment,
    PaymentRequest,
)
from payments_core.money import Money
from payments_core.provider import Capability
from payments_core.status import PaymentStatus
from payments_core.testing.harness.calls import fail, run
from payments_core.testing.harness.results import (
    StatusTrail,
    expect_operation,
    expect_payment,
    expect_status,
)
from payments_core.testing.harness.sessions import Session

__all__ = [
    "BEFORE_PAYMENT",
    "create",
    "look",
    "new_key",
    "operate",
    "paid_payment",
    "settle",
]

BEFORE_PAYMENT: Final = (PaymentStatus.CREATED, PaymentStatus.PENDING, PaymentStatus.PROCESSING)
"""Where a payment may stand before the customer did anything."""


def new_key(what: str) -> str:
    return f"conformance-{what}-{uuid.uuid4().hex[:16]}"


def create(s: Session, request: PaymentRequest, trail: StatusTrail | None = None) -> Payment:
    """``create_payment(request)``, checked to be this provider's Payment for ``request``."""
    __tracebackhide__ = True
    created = expect_payment(
        run("create_payment()", lambda: s.payments.create_payment(request)),
        "create_payment()",
        s.name,
        request=request,
    )
    if trail is not None:
        trail.add("create_payment()", created)
    return created


def look(
    s: Session, payment: Payment, request: PaymentRequest, step: str, trail: StatusTrail
) -> Payment:
    """``get_payment()`` after ``step``: the same payment, one step further (or as it was)."""
    __tracebackhide__ = True
    what = f"get_payment() after {step}"
    fetched = expect_payment(
        run(what, lambda: s.payments.get_payment(payment.id)),
        what,
        s.name,
        request=request,
        payment_id=payment.id,
    )
    trail.add(step, fetched)
    return fetched


def paid_payment(
    s: Session, trail: StatusTrail, *, manual: bool = False
) -> tuple[PaymentRequest, Payment]:
    """A payment the customer paid: captured, or (``manual``) authorized and held."""
    __tracebackhide__ = True
    capture = CaptureMode.MANUAL if manual else CaptureMode.AUTOMATIC
    request = s.target.make_request(capture=capture)
    created = create(s, request, trail)
    s.customer_pays(created, "succeed")
    if not s.declares(Capability.RETRIEVE):
        return request, created
    paid = look(s, created, request, "the customer paid", trail)
    status, field = (
        (PaymentStatus.AUTHORIZED, "authorized_amount")
        if manual
        else (PaymentStatus.CAPTURED, "captured_amount")
    )
    expect_status(
        paid, [status], f"get_payment() after the customer paid ({capture.value} capture)"
    )
    reported = getattr(paid, field)
    if reported is not None and reported != request.amount:
        fail(f"the {status.value} payment reports {field} {reported}; it was {request.amount}")
    return request, paid


def operate(
    s: Session,
    kind: OperationKind,
    payment: Payment,
    amount: Money | None = None,
    *,
    covers: Money | None,
) -> Operation:
    """Refund, capture or void ``payment`` (``amount`` or all of it) with a fresh key.

    ``covers`` is the amount the Operation should report, when it reports one.
    """
    __tracebackhide__ = True
    key = new_key(kind.value)
    what = f"{kind.value}(payment_id{f', {amount}' if amount is not None else ''})"
    payments = s.payments

    def call() -> object:
        if kind is OperationKind.VOID:
            return payments.void(payment.id, idempotency_key=key)
        method = payments.refund if kind is OperationKind.REFUND else payments.capture
        return method(payment.id, amount, idempotency_key=key)

    return expect_operation(
        run(what, call),
        what,
        s.name,
        kind=kind,
        payment_id=payment.id,
        amount=covers,
        idempotency_key=key,
    )


def settle(
    s: Session,
    trail: StatusTrail,
    request: PaymentRequest,
    payment: Payment,
    op: Operation,
    step: str,
    *,
    done: PaymentStatus,
    meanwhile: tuple[PaymentStatus, ...],
    amount_field: str | None = None,
    amount: Money | None = None,
) -> Payment | None:
    """Look at the payment after an operation: ``done`` once the operation succeeded;
    ``done`` or one of ``meanwhile`` while it is pending. ``amount_field`` (say
    ``refunded_amount``), when reported with status ``done``, must equal ``amount``."""
    __tracebackhide__ = True
    if not s.declares(Capability.RETRIEVE):
        return None
    after = look(s, payment, request, step, trail)
    allowed = [done] if op.status is OperationStatus.SUCCEEDED else [*meanwhile, done]
    expect_status(after, allowed, f"get_payment() after {step} (reported {op.status.value})")
    if amount_field is not None and after.status is done:
        reported = getattr(after, amount_field)
        if reported is not None and reported != amount:
            fail(f"after {step} the payment reports {amount_field} {reported}; expected {amount}")
    return after
