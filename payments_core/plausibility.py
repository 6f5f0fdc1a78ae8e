"""Answers checked for sense, once, for every provider.

A gateway's answer can be well-formed and still impossible: a negative
captured amount, more refunded than captured, ``refunded`` with nothing
refunded. Taken at face value it becomes a normal-looking :class:`Payment`
and a platform acts on it (ships, refunds again). The drivers run every
result through :func:`check_result` before it leaves, so a third-party
provider gets these checks without writing them; an implausible answer is a
:class:`~payments_core.errors.ProviderResponseError` (or an unknown outcome,
when it answered a request that moves money).
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from payments_core.errors import ProviderResponseError
from payments_core.models import Operation, Payment, WebhookEvent
from payments_core.status import STATUS_FACTS

__all__ = ["check_result", "payment_problems"]


_FOUND_PLAUSIBLE = threading.local()
"""This thread's last payment :func:`payment_problems` found nothing wrong with (a weak
reference): a provider that checks the payment it reads (BOG does) spares the
driver's :func:`check_result` a second look at the very same frozen object."""


def payment_problems(payment: Payment) -> list[str]:
    """What makes this payment impossible, in words; empty when it makes sense.

    Runs for every payment read, so the amounts are compared as Decimals once
    their currencies are known to match.
    """
    problems = _problems(payment)
    if not problems:
        _FOUND_PLAUSIBLE.last = weakref.ref(payment)
    return problems


def _checked_already(payment: Payment) -> bool:
    last = getattr(_FOUND_PLAUSIBLE, "last", None)
    return last is not None and last() is payment


def _problems(payment: Payment) -> list[str]:
    problems: list[str] = []
    amount = payment.amount
    authorized = payment.authorized_amount
    captured = payment.captured_amount
    refunded = payment.refunded_amount
    currency = amount.currency
    for name, money in (
        ("amount", amount),
        ("authorized_amount", authorized),
        ("captured_amount", captured),
        ("refunded_amount", refunded),
    ):
        if money is None:
            continue
        if money.currency != currency:
            problems.append(f"{name} is in {money.currency}, the payment in {currency}")
        elif money.amount < 0:
            problems.append(f"{name} is negative ({money})")
    if problems:
        return problems
    status = payment.status
    facts = STATUS_FACTS[status]
    money_taken = facts.money_taken
    total = amount.amount
    if money_taken and not total > 0:
        problems.append(f"a {status.value} payment of {amount}")
    if captured is not None:
        taken = captured.amount
        if taken > total:
            problems.append(f"captured {captured} of a {amount} payment")
        if authorized is not None and authorized.amount > 0 and taken > authorized.amount:
            problems.append(f"captured {captured} of {authorized} authorized")
        if money_taken and not taken > 0:
            problems.append(f"{status.value} with nothing captured")
    if refunded is not None:
        ceiling = captured if captured is not None else amount
        if refunded.amount > ceiling.amount:
            problems.append(f"refunded {refunded}, above the {ceiling} paid")
        if facts.refunded and not refunded.amount > 0:
            problems.append(f"{status.value} with nothing refunded")
    if authorized is not None and authorized.amount > total:
        problems.append(f"authorized {authorized} of a {amount} payment")
    for operation in payment.operations:
        problems += [
            f"operation {operation.id or operation.kind.value}: {p}"
            for p in _operation_problems(operation, currency)
        ]
    return problems


def _operation_problems(operation: Operation, currency: str | None = None) -> list[str]:
    money = operation.amount
    if money is None:
        return []
    if currency is not None and money.currency != currency:
        return [f"amount is in {money.currency}, the payment in {currency}"]
    if money.amount < 0:
        return [f"amount is negative ({money})"]
    return []


def check_result(result: Any, provider: str) -> None:
    """Raise :class:`ProviderResponseError` when a result cannot be true."""
    if isinstance(result, WebhookEvent):
        payment: Payment | None = result.payment
        problems = [] if _checked_already(result.payment) else payment_problems(result.payment)
    elif isinstance(result, Payment):
        payment = result
        problems = [] if _checked_already(result) else payment_problems(result)
    elif isinstance(result, Operation):
        payment = None
        problems = _operation_problems(result)
    else:
        return
    if problems:
        raise ProviderResponseError(
            f"{provider} answered an impossible payment state: " + "; ".join(problems),
            provider=provider,
            payment_id=None if payment is None else payment.id,
        )
