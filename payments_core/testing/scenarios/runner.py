"""The one runner of lifecycle rows, whatever steps a row lists.

For any :class:`~payments_core.testing.scenarios.rows.LifecycleScenario` it opens
a session, brings the payment to the row's start, then carries out each step
with the checked steps of :mod:`payments_core.testing.steps.story`, keeping one
:class:`~payments_core.testing.harness.results.StatusTrail` for the whole run so
that every read must rank after the one before it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import assert_never

import pytest

from payments_core.models import OperationKind, Payment, PaymentRequest
from payments_core.money import Money
from payments_core.provider import Capability
from payments_core.testing.harness.calls import expect_raises, fail
from payments_core.testing.harness.results import StatusTrail, expect_status, portion
from payments_core.testing.harness.sessions import Session, open_session
from payments_core.testing.scenarios.needs import with_needs
from payments_core.testing.scenarios.rows import (
    CustomerPays,
    Expect,
    ExpectStatus,
    LifecycleScenario,
    Look,
    Move,
    Refuse,
    Start,
)
from payments_core.testing.steps.story import create, look, operate, paid_payment, settle
from payments_core.testing.target import ConformanceTarget

__all__ = ["as_test", "run_lifecycle"]


@dataclass
class _Story:
    """One row's payment as the run goes."""

    trail: StatusTrail
    request: PaymentRequest
    payment: Payment
    """As the start left it: every call names it by its id."""
    seen: Payment | None
    """The state last read; ``None`` once a step could not read it."""
    moved: dict[OperationKind, Money] = field(default_factory=dict)
    """What the operations of each kind covered so far."""


def run_lifecycle(row: LifecycleScenario, target: ConformanceTarget) -> None:
    """Run ``row`` against ``target`` in a fresh session."""
    __tracebackhide__ = True
    with open_session(target) as s:
        story = _begin(s, row.start)
        for step in row.steps:
            match step:
                case CustomerPays():
                    s.customer_pays(story.payment, step.outcome)
                case Look():
                    story.seen = _look(s, story, step.after)
                case ExpectStatus():
                    if story.seen is not None:
                        expect_status(story.seen, step.allowed, step.what)
                case Expect():
                    seen = story.seen
                    if seen is not None and not step.holds(seen):
                        fail(
                            step.failure.format(
                                status=seen.status.value, refunded=seen.refunded_amount
                            )
                        )
                case Move():
                    story.seen = _move(s, story, step)
                case Refuse():
                    _refuse(s, story, step)
                case _:
                    assert_never(step)


def as_test(row: LifecycleScenario) -> Callable[[ConformanceTarget], None]:
    """``row`` as a test function pytest collects under the row's name."""

    def scenario(conformance_target: ConformanceTarget) -> None:
        run_lifecycle(row, conformance_target)

    scenario.__name__ = scenario.__qualname__ = row.name
    scenario.__doc__ = row.doc
    return with_needs(scenario, row.needs)


def _begin(s: Session, start: Start) -> _Story:
    __tracebackhide__ = True
    trail = StatusTrail()
    if start is Start.CREATED:
        request = s.target.make_request()
        created = create(s, request, trail)
        return _Story(trail, request, created, created)
    request, paid = paid_payment(s, trail, manual=start is Start.HELD)
    return _Story(trail, request, paid, paid)


def _look(s: Session, story: _Story, after: str) -> Payment | None:
    __tracebackhide__ = True
    if not s.declares(Capability.RETRIEVE):
        return None
    return look(s, story.payment, story.request, after, story.trail)


def _move(s: Session, story: _Story, step: Move) -> Payment | None:
    __tracebackhide__ = True
    amount = story.request.amount
    part = portion(amount, *step.share) if step.share is not None else None
    if step.share is not None and part is None:
        pytest.skip("the request's amount is too small to split")
    before = story.moved.get(step.kind)
    left = amount if before is None else amount - before
    covers = left if part is None else part
    moved = covers if before is None else before + covers
    story.moved[step.kind] = moved
    op = operate(s, step.kind, story.payment, part, covers=covers)
    return settle(
        s,
        story.trail,
        story.request,
        story.payment,
        op,
        step.step.format(part=part, amount=amount),
        done=step.done,
        meanwhile=step.meanwhile,
        amount_field=step.amount_field,
        amount=moved,
    )


def _refuse(s: Session, story: _Story, step: Refuse) -> None:
    __tracebackhide__ = True
    amount = story.request.amount
    over = amount + Money.from_minor_units(1, amount.currency) if step.over else None
    method = getattr(s.payments, step.kind.value)
    payment_id = story.payment.id
    expect_raises(
        step.what.format(status=story.payment.status.value, amount=amount, over=over),
        step.error,
        (lambda: method(payment_id, over)) if over is not None else lambda: method(payment_id),
        codes=step.codes,
        provider=s.name,
        why=step.why,
    )
