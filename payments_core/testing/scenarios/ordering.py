"""The ordering scenario: every update of a payment ranks as payments_core.is_newer says.

Platforms apply updates with :func:`payments_core.is_newer`, so real news must
win over the state before it, a stale read or late callback must lose, and reading
an unchanged payment again is no news.
"""

from __future__ import annotations

import functools

from payments_core.models import OperationKind, Payment
from payments_core.provider import Capability
from payments_core.testing.harness.calls import fail, run
from payments_core.testing.harness.results import (
    StatusTrail,
    describe_state,
    portion,
    state_differences,
)
from payments_core.testing.harness.sessions import open_session
from payments_core.testing.scenarios.needs import needs
from payments_core.testing.steps.story import create, look, operate
from payments_core.testing.target import ConformanceTarget
from payments_core.updates import is_newer

__all__ = ["test_updates_are_ordered_by_is_newer"]


@needs(Capability.CREATE, Capability.RETRIEVE)
def test_updates_are_ordered_by_is_newer(conformance_target: ConformanceTarget) -> None:
    """Platforms apply updates with payments_core.is_newer: real news must win over the
    state before it, a stale update must lose, and reading an unchanged payment again
    is not news (Payment.updated_at is the gateway's event time, not the reading's)."""
    with open_session(conformance_target) as s:
        request = conformance_target.make_request()
        created = create(s, request)
        s.customer_pays(created, "succeed")
        paid = look(s, created, request, "the customer paid", StatusTrail())
        again = look(s, created, request, "the customer paid", StatusTrail())
        if is_newer(paid, again):
            fail(
                "get_payment() read the same unchanged payment twice and "
                f"payments_core.is_newer ranks the second read ({describe_state(again)}) "
                f"above the first ({describe_state(paid)}); Payment.updated_at must be the "
                "time the gateway says the state came about, never the time of reading, "
                "or a replayed old update outranks real news"
            )
        _expect_ordered(created, paid, "the customer paid")
        callback = None
        if s.declares(Capability.WEBHOOKS) and conformance_target.webhook_for is not None:
            callback = s.maybe_webhook(paid)
        if not s.declares(Capability.REFUND):
            return
        part = portion(request.amount, 2, 5) if s.declares(Capability.PARTIAL_REFUND) else None
        operate(s, OperationKind.REFUND, paid, part, covers=part or request.amount)
        refunded = look(s, paid, request, "a refund", StatusTrail())
        _expect_ordered(paid, refunded, "a refund")
        if callback is None:
            return
        what = "parse_webhook() of a callback sent before the refund, delivered after it"
        late = run(what, functools.partial(s.payments.parse_webhook, *callback))
        if is_newer(refunded, late.payment):
            fail(
                f"{what} gave {describe_state(late.payment)}, which payments_core.is_newer "
                f"ranks above the refunded payment ({describe_state(refunded)}): a late "
                "callback would undo the refund; report the amounts and the event time "
                "the gateway gives"
            )


def _expect_ordered(before: Payment, after: Payment, step: str) -> None:
    """``after`` (read after ``step``) must win over ``before`` with is_newer, never lose."""
    __tracebackhide__ = True
    if not state_differences(before, after):
        return
    if is_newer(after, before):
        fail(
            f"payments_core.is_newer ranks the payment as it was before {step} "
            f"({describe_state(before)}) above the payment after it ({describe_state(after)}): "
            "a replay of the old state would undo real news"
        )
    if not is_newer(before, after):
        fail(
            f"payments_core.is_newer does not accept the payment after {step} "
            f"({describe_state(after)}) over the one before ({describe_state(before)}), so a "
            "platform applying updates would ignore it; report the amounts (captured, "
            "refunded) and the event time (updated_at) the gateway gives"
        )
