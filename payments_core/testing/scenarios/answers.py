"""The broken-answer scenarios: unreadable answers are unknown outcomes, impossible ones refused.

The kit lets the gateway act, then cuts its 2xx answer, replaces it with a
proxy's page, or rewrites its amounts into a state that cannot exist. The money
may have moved, or the answer lies: never a made-up or repaired result.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Final

import pytest

from payments_core.errors import OutcomeUnknownError, PaymentError, ProviderResponseError
from payments_core.models import OperationKind, Payment
from payments_core.provider import Capability
from payments_core.status import PaymentStatus
from payments_core.testing.harness.calls import attempt, describe, expect_raises, fail, run
from payments_core.testing.harness.results import StatusTrail, describe_state, portion
from payments_core.testing.harness.sessions import Session, open_session
from payments_core.testing.scenarios.needs import needs
from payments_core.testing.steps.forgery import cut_in_half, html_instead, rewrite_amounts
from payments_core.testing.steps.story import operate, paid_payment
from payments_core.testing.steps.wire_faults import expect_unknown_outcome, money_calls
from payments_core.testing.target import ConformanceTarget
from payments_core.testing.transports import Fault

__all__ = [
    "test_implausible_answers_are_refused",
    "test_unreadable_answers_to_money_requests_are_unknown_outcomes",
]


@needs(Capability.CREATE, http=True)
def test_unreadable_answers_to_money_requests_are_unknown_outcomes(
    conformance_target: ConformanceTarget,
) -> None:
    """The gateway carries out a money-moving request, then its 2xx answer is cut off
    halfway or replaced by a proxy's HTML page. The money may have moved: the call
    must end in OutcomeUnknownError, never in a made-up result or a definite error."""
    rewrites = [("cut off halfway", cut_in_half), ("an HTML page", html_instead)]
    with open_session(conformance_target) as s:
        keyless = not s.honours_keys
        for call in money_calls(s):
            for description, rewrite in rewrites:
                what, action = call.prepare(s)
                fault = Fault("rewrite", times=1, rewrite=rewrite)
                with s.inject(fault):
                    result, error = attempt(action)
                if not fault.fired:
                    continue  # an empty answer: nothing to cut
                what = f"{what} when the API's 2xx answer is {description}"
                expect_unknown_outcome(
                    s,
                    what,
                    result,
                    error,
                    safe_to_repeat=False if keyless else None,
                    why="the request was carried out but its answer cannot be read, so "
                    "the money may have moved. Let the reading fail (a KeyError, "
                    "ValueError or ProviderResponseError from the flow): the driver then "
                    "raises OutcomeUnknownError",
                )


@needs(Capability.CREATE, Capability.RETRIEVE, http=True)
def test_implausible_answers_are_refused(conformance_target: ConformanceTarget) -> None:
    """The kit rewrites the gateway's answers into impossible states (negative amounts,
    more refunded than captured, a refunded status with nothing refunded). The provider
    must pass the numbers on as they are, so the core refuses them: a read ends in
    ProviderResponseError, a create in OutcomeUnknownError, never a normal Payment."""
    checked = 0
    with open_session(conformance_target) as s:
        request, paid = paid_payment(s, StatusTrail())
        amount = request.amount
        keep = frozenset({paid.id, request.external_id})
        negated = {
            amount.amount: -amount.amount,
            Decimal(amount.minor_units): Decimal(-amount.minor_units),
        }
        checked += _refused_read(s, paid.id, negated, keep, f"its amounts negated (-{amount})")
        fresh = conformance_target.make_request()
        fault = Fault("rewrite", times=1, rewrite=lambda body: rewrite_amounts(body, negated))
        with s.inject(fault):
            result, error = attempt(lambda: s.payments.create_payment(fresh))
        if fault.fired:
            checked += 1
            what = f"create_payment() when the API answers its amount negated (-{amount})"
            _expect_refused(s, what, result, error, OutcomeUnknownError)
        part = portion(amount, 2, 5)
        if not s.declares(Capability.PARTIAL_REFUND) or part is None:
            if not checked:
                pytest.skip(_NO_AMOUNTS)
            return
        operate(s, OperationKind.REFUND, paid, part, covers=part)
        before = run("get_payment()", lambda: s.payments.get_payment(paid.id))
        if before.refunded_amount != part:
            if not checked:
                pytest.skip(_NO_AMOUNTS)
            return  # the gateway does not report what was refunded: nothing to bend
        above = {
            part.amount: amount.amount * 2,
            Decimal(part.minor_units): Decimal(amount.minor_units * 2),
        }
        checked += _refused_read(s, paid.id, above, keep, f"{amount * 2} refunded of {amount}")
        if before.status is PaymentStatus.PARTIALLY_REFUNDED:
            zero = {part.amount: Decimal(0), Decimal(part.minor_units): Decimal(0)}
            checked += _refused_read(
                s,
                paid.id,
                zero,
                keep,
                "a partially refunded payment with nothing refunded",
                lambda p: p.status in (PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED),
            )
    if not checked:
        pytest.skip(_NO_AMOUNTS)


_NO_AMOUNTS: Final = (
    "the kit found none of the payment's amounts in the gateway's answers (it looks for "
    "JSON numbers and numeric strings equal to them, in major or minor units), so it has "
    "nothing to bend"
)


def _refused_read(
    s: Session,
    payment_id: str,
    replacements: dict[Decimal, Decimal],
    keep: frozenset[str],
    description: str,
    wrong: Callable[[Payment], bool] = lambda _payment: True,
) -> int:
    """get_payment() with amounts in its answer rewritten: 1 if the kit found them, else 0.

    A returned payment for which ``wrong`` holds means the provider repaired an
    impossible answer (or made a state up); otherwise it read a consistent one.
    """
    __tracebackhide__ = True
    fault = Fault(
        "rewrite", writes=False, rewrite=lambda body: rewrite_amounts(body, replacements, keep)
    )
    with s.inject(fault):
        result, error = attempt(lambda: s.payments.get_payment(payment_id))
    if not fault.fired:
        return 0
    what = f"get_payment() when the API answers {description}"
    _expect_refused(s, what, result, error, ProviderResponseError, wrong)
    return 1


def _expect_refused(
    s: Session,
    what: str,
    result: object,
    error: BaseException | None,
    expected: type[PaymentError],
    wrong: Callable[[Payment], bool] = lambda _payment: True,
) -> None:
    __tracebackhide__ = True
    if error is None:
        if isinstance(result, Payment) and not wrong(result):
            return
        shown = f" ({describe_state(result)})" if isinstance(result, Payment) else ""
        fail(
            f"{what} returned {describe(result)}{shown}; pass the gateway's numbers on as they "
            "are, so that the core refuses an impossible state, instead of repairing it or "
            "making one up: a platform would act on it (ship, refund again)"
        )

    def again() -> None:
        assert error is not None
        raise error

    expect_raises(
        what,
        expected,
        again,
        provider=s.name,
        why="the answer describes a payment that cannot exist",
    )
