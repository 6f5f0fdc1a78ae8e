"""Checks of what a call returned: normalized payments and operations, statuses that move forward.

A provider's results must be this provider's models for this very request, and
the states one payment goes through must be ones :func:`payments_core.is_newer`
ranks in the order they came about, or a platform applying updates would undo
real news with a replay.
"""

from __future__ import annotations

from collections.abc import Iterable

from payments_core.models import Operation, OperationKind, OperationStatus, Payment, PaymentRequest
from payments_core.money import Money
from payments_core.status import TRANSITIONS, PaymentStatus
from payments_core.testing.harness.calls import describe, fail
from payments_core.updates import is_newer

__all__ = [
    "StatusTrail",
    "describe_state",
    "expect_operation",
    "expect_payment",
    "expect_status",
    "portion",
    "state_differences",
]


def expect_payment(
    result: object,
    what: str,
    provider: str,
    *,
    request: PaymentRequest | None = None,
    payment_id: str | None = None,
) -> Payment:
    """``result`` must be a normalized :class:`Payment` of this provider (and request)."""
    __tracebackhide__ = True
    if not isinstance(result, Payment):
        fail(f"{what} returned {describe(result)}; a provider must return payments_core.Payment")
    p = result
    problems: list[str] = []
    if p.provider != provider:
        problems.append(f"provider is {p.provider!r}, not the provider's name {provider!r}")
    if not p.id.strip():
        problems.append("id is empty; it must be the provider's payment id")
    if payment_id is not None and p.id != payment_id:
        problems.append(f"id is {p.id!r}, but {payment_id!r} was asked for")
    if request is not None:
        if p.amount != request.amount:
            problems.append(f"amount is {p.amount}, but the request asked for {request.amount}")
        if p.external_id is not None and p.external_id != request.external_id:
            problems.append(
                f"external_id is {p.external_id!r}, but the request's is {request.external_id!r}"
            )
    currency = p.amount.currency
    amounts = {
        "authorized_amount": p.authorized_amount,
        "captured_amount": p.captured_amount,
        "refunded_amount": p.refunded_amount,
    }
    for field_name, money in amounts.items():
        if money is not None and money.currency != currency:
            problems.append(f"{field_name} is in {money.currency}, the payment in {currency}")
    if not problems:
        if p.captured_amount is not None and p.captured_amount > p.amount:
            problems.append(f"captured_amount {p.captured_amount} exceeds amount {p.amount}")
        ceiling = p.captured_amount if p.captured_amount is not None else p.amount
        if p.refunded_amount is not None and p.refunded_amount > ceiling:
            problems.append(f"refunded_amount {p.refunded_amount} exceeds what was paid")
    for op in p.operations:
        if op.payment_id != p.id:
            problems.append(f"operation {op.id} names payment {op.payment_id!r}")
    if p.redirect_url is not None and not p.redirect_url.startswith(("https://", "http://")):
        problems.append(f"redirect_url {p.redirect_url!r} is not an absolute http(s) URL")
    if problems:
        fail(f"{what} returned a Payment that is not normalized: " + "; ".join(problems))
    return p


def expect_operation(
    result: object,
    what: str,
    provider: str,
    *,
    kind: OperationKind,
    payment_id: str,
    amount: Money | None,
    idempotency_key: str,
) -> Operation:
    """``result`` must be a normalized :class:`Operation` answering this very call.

    ``amount`` is what the operation should cover (``None``: no expectation).
    """
    __tracebackhide__ = True
    if not isinstance(result, Operation):
        fail(f"{what} returned {describe(result)}; a provider must return payments_core.Operation")
    op = result
    problems: list[str] = []
    if op.kind is not kind:
        problems.append(f"kind is {op.kind.value}, not {kind.value}")
    if op.payment_id != payment_id:
        problems.append(f"payment_id is {op.payment_id!r}, not {payment_id!r}")
    if op.provider != provider:
        problems.append(f"provider is {op.provider!r}, not the provider's name {provider!r}")
    if op.status is OperationStatus.FAILED:
        problems.append(
            "status is failed although the request was valid (a refused operation must "
            "raise a PaymentError instead)"
        )
    if amount is not None and op.amount is not None and op.amount != amount:
        problems.append(f"amount is {op.amount}, expected {amount}")
    if op.idempotency_key is not None and op.idempotency_key != idempotency_key:
        problems.append(
            f"idempotency_key is {op.idempotency_key!r}, but the caller passed {idempotency_key!r}"
        )
    if problems:
        fail(f"{what} returned an Operation that does not match the call: " + "; ".join(problems))
    return op


def expect_status(payment: Payment, allowed: Iterable[PaymentStatus], what: str) -> None:
    __tracebackhide__ = True
    wanted = list(allowed)
    if payment.status not in wanted:
        names = " or ".join(status.value for status in wanted)
        fail(f"{what}: the payment is {payment.status.value}; expected {names}")


def describe_state(payment: Payment) -> str:
    """``captured (captured 30.00 GEL, refunded 12.00 GEL)``: what is_newer weighs."""
    details = [
        f"{name.removesuffix('_amount')} {money}"
        for name in ("captured_amount", "refunded_amount")
        if (money := getattr(payment, name)) is not None
    ]
    if payment.updated_at is not None:
        details.append(f"updated_at {payment.updated_at.isoformat()}")
    return payment.status.value + (f" ({', '.join(details)})" if details else "")


_STATE_FIELDS = (
    "id",
    "status",
    "amount",
    "authorized_amount",
    "captured_amount",
    "refunded_amount",
)


def state_differences(first: Payment, second: Payment) -> list[str]:
    """``status: captured != refunded`` for each field of the money state that differs."""
    return [
        f"{name}: {getattr(first, name)} != {getattr(second, name)}"
        for name in _STATE_FIELDS
        if getattr(first, name) != getattr(second, name)
    ]


def _backwards_hint(earlier: Payment, later: Payment) -> str:
    """Why is_newer prefers the earlier read, in words."""
    for name in ("captured_amount", "refunded_amount"):
        before, after = getattr(earlier, name), getattr(later, name)
        if before is not None and after is not None and after < before:
            return f"{name} shrank from {before} to {after}; money never goes back"
    if (
        earlier.updated_at is not None
        and later.updated_at is not None
        and later.updated_at < earlier.updated_at
    ):
        return (
            f"its updated_at went back from {earlier.updated_at.isoformat()} to "
            f"{later.updated_at.isoformat()}"
        )
    forward = ", ".join(sorted(s.value for s in TRANSITIONS[later.status])) or "nothing"
    return (
        f"from {later.status.value} a payment may only move to {forward} "
        "(payments_core.status.TRANSITIONS), so the earlier state reads as newer"
    )


class StatusTrail:
    """The states one payment went through, in the order they were read.

    Every consumer applies updates with :func:`payments_core.is_newer`, so the
    trail judges each read the same way: a later read must never lose to an
    earlier one (a replay of the earlier would then undo it), and a move to a
    final status must be one ``is_newer`` accepts (else a platform never sees it).
    """

    def __init__(self) -> None:
        self.steps: list[tuple[str, Payment]] = []

    def add(self, step: str, payment: Payment) -> Payment:
        __tracebackhide__ = True
        if self.steps:
            previous_step, previous = self.steps[-1]
            if is_newer(payment, previous):
                fail(
                    f"the payment moved backwards: {previous.status.value} (after "
                    f"{previous_step}) then {payment.status.value} (after {step}); "
                    f"payments_core.is_newer ranks {describe_state(previous)} above "
                    f"{describe_state(payment)} because {_backwards_hint(previous, payment)}. "
                    "A platform applying updates would let a replay of the earlier state "
                    "undo the later one"
                )
            if (
                payment.is_final
                and state_differences(previous, payment)
                and not is_newer(previous, payment)
            ):
                fail(
                    f"after {step} the payment is {describe_state(payment)}, but "
                    f"payments_core.is_newer does not accept that over "
                    f"{describe_state(previous)} (after {previous_step}), so a platform "
                    "applying updates would never see it; report the amounts (captured, "
                    "refunded) and the event time the gateway gives"
                )
        self.steps.append((step, payment))
        return payment


def portion(money: Money, numerator: int, denominator: int) -> Money | None:
    """``money * numerator / denominator`` rounded down to a minor unit; None if zero."""
    minor = money.minor_units * numerator // denominator
    return Money.from_minor_units(minor, money.currency) if minor > 0 else None
