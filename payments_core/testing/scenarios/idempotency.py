"""The idempotency scenarios: the facade's store, and keys (or their absence) on the wire.

The facade answers a repeat from its store and refuses a key reused for other
parameters. A gateway with idempotency keys gets the caller's key on every retry
and makes one payment of a repeated create; a gateway without gets each
money-moving request exactly once, and the caller an unknown outcome.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from payments_core.errors import ErrorCode, InvalidRequestError
from payments_core.models import Operation, OperationKind, Payment
from payments_core.money import Money
from payments_core.provider import Capability
from payments_core.testing.harness.calls import attempt, expect_raises, expect_unknown, fail, run
from payments_core.testing.harness.results import (
    StatusTrail,
    expect_operation,
    expect_payment,
    portion,
)
from payments_core.testing.harness.sessions import Session, open_session
from payments_core.testing.scenarios.needs import needs
from payments_core.testing.steps.story import create, new_key, paid_payment
from payments_core.testing.steps.wire_faults import check_keyed, expect_unknown_outcome, money_calls
from payments_core.testing.target import ConformanceTarget
from payments_core.testing.transports import Fault

__all__ = [
    "test_idempotency_keys_survive_retries",
    "test_keyless_money_requests_are_sent_once",
    "test_reused_key_with_other_parameters_is_a_conflict",
    "test_same_idempotency_key_creates_one_payment",
]


@needs(Capability.CREATE, keys=True)
def test_same_idempotency_key_creates_one_payment(conformance_target: ConformanceTarget) -> None:
    """The same request sent by two facades (two processes, each with its own memory)
    must make one payment: the gateway answers the repeated key with the first one."""
    request = conformance_target.make_request()
    with open_session(conformance_target) as s:
        first = create(s, request)
    with open_session(conformance_target) as s:
        again = create(s, request)
    if again.id != first.id:
        fail(
            "create_payment() sent twice with the same PaymentRequest (same "
            f"idempotency_key), from two facades, made two payments, {first.id} and "
            f"{again.id}; send the request's idempotency_key so the gateway answers a "
            "repeat with the first payment (or, if it has no idempotency keys, declare "
            "honours_idempotency_keys = False)"
        )


@needs(Capability.CREATE)
def test_reused_key_with_other_parameters_is_a_conflict(
    conformance_target: ConformanceTarget,
) -> None:
    """The facade records what each idempotency key was used for. The same call again
    gets the recorded result without a request; the key reused for another call is an
    InvalidRequestError (idempotency_conflict) before anything is sent."""
    target = conformance_target
    with open_session(target) as s:
        request = target.make_request()
        created = create(s, request)
        repeat = "create_payment() repeated with the same PaymentRequest"
        mark = s.wire.mark()
        again = expect_payment(
            run(repeat, lambda: s.payments.create_payment(request)), repeat, s.name
        )
        if again.id != created.id:
            fail(f"{repeat} returned payment {again.id}, not the first one ({created.id})")
        _nothing_sent(s, mark, repeat, "a repeat is answered from the idempotency store")
        other = target.make_request(
            idempotency_key=request.idempotency_key, external_id=f"{request.external_id}-b"
        )
        _expect_conflict(
            s,
            "create_payment() of another request under the key of the first",
            lambda: s.payments.create_payment(other),
        )
        if not s.declares(Capability.REFUND):
            return
        _request, paid = paid_payment(s, StatusTrail())
        part = portion(request.amount, 2, 5) if s.declares(Capability.PARTIAL_REFUND) else None
        key = new_key("refund")
        first = _refund_with_key(s, paid, part, key)
        repeat = "refund() repeated with the same payment, amount and key"
        mark = s.wire.mark()
        second = run(repeat, lambda: s.payments.refund(paid.id, part, idempotency_key=key))
        if getattr(second, "id", None) != first.id:
            fail(f"{repeat} returned {second!r}, not the first refund ({first.id})")
        _nothing_sent(s, mark, repeat, "a repeat is answered from the idempotency store")
        unknown = target.unknown_payment_id
        _expect_conflict(
            s,
            "refund() of another payment under the key of a refund already made",
            lambda: s.payments.refund(unknown, idempotency_key=key),
        )
        if part is not None and (rest := portion(request.amount, 1, 5)) is not None:
            _expect_conflict(
                s,
                f"refund() of {rest} under the key of a refund of {part}",
                lambda: s.payments.refund(paid.id, rest, idempotency_key=key),
            )


@needs(Capability.CREATE, http=True, keys=True)
def test_idempotency_keys_survive_retries(conformance_target: ConformanceTarget) -> None:
    """The kit answers 503 to the first attempt of every keyed request. The retry must
    carry the same key and body, and the key must be the caller's: the request's for a
    create; for refund, capture and void, the one passed in (when they send one). When
    every attempt fails, the outcome is unknown but safe to repeat under the same key."""
    with open_session(conformance_target, fail_first_keyed=True) as s:
        request = conformance_target.make_request()
        check_keyed(
            s,
            "create_payment()",
            request.idempotency_key,
            lambda: s.payments.create_payment(request),
            "PaymentRequest.idempotency_key",
        )
        for kind, capability, manual in (
            (OperationKind.REFUND, Capability.REFUND, False),
            (OperationKind.CAPTURE, Capability.CAPTURE, True),
            (OperationKind.VOID, Capability.VOID, True),
        ):
            if not s.declares(capability):
                continue
            _request, paid = paid_payment(s, StatusTrail(), manual=manual)
            key = new_key(kind.value)
            method = getattr(s.payments, kind.value)
            check_keyed(
                s,
                f"{kind.value}()",
                key,
                functools.partial(method, paid.id, idempotency_key=key),
                "the idempotency_key the facade passes to the flow",
                required=False,
            )
    with open_session(conformance_target) as s:
        request = conformance_target.make_request()
        what = "create_payment() when the API answers 503 to every attempt"
        mark = s.wire.mark()
        with s.inject(Fault("answer", status=503)):
            expect_unknown(
                what,
                lambda: s.payments.create_payment(request),
                provider=s.name,
                safe_to_repeat=True,
                why="the request may have been carried out; with the key it is safe to repeat",
            )
        header = s.provider.idempotency_header
        keys = {attempt.header(header) for attempt in s.wire.writes_since(mark)}
        if keys != {request.idempotency_key}:
            fail(f"{what}: its attempts carried the keys {sorted(map(str, keys))}")


@needs(Capability.CREATE, http=True, keys=False)
def test_keyless_money_requests_are_sent_once(conformance_target: ConformanceTarget) -> None:
    """A gateway without idempotency keys cannot tell a repeat from a new request. When
    a money-moving request fails (503) or its answer is lost (a timeout after the
    gateway got it), it must have been sent exactly once, and the call must end in
    OutcomeUnknownError with safe_to_repeat False."""
    faults: list[tuple[str, Callable[[], Fault]]] = [
        ("the API answers 503", lambda: Fault("answer", status=503)),
        ("the answer is lost after the API got the request", lambda: Fault("lose_answer")),
    ]
    with open_session(conformance_target) as s:
        for call in money_calls(s):
            for description, fault in faults:
                what, action = call.prepare(s)
                what = f"{what} when {description}"
                mark = s.wire.mark()
                with s.inject(fault()):
                    result, error = attempt(action)
                sent = s.wire.writes_since(mark)
                if len(sent) > 1:
                    fail(
                        f"{what} sent {sent[0]} {len(sent)} times; the gateway has no "
                        "idempotency keys, so a repeat is a new request that can move "
                        "money twice. Send each money-moving request exactly once: no "
                        "retry in the flow, let OutcomeUnknownError reach the caller"
                    )
                expect_unknown_outcome(
                    s,
                    what,
                    result,
                    error,
                    safe_to_repeat=False,
                    why="the request may have been carried out; the caller must read the "
                    "payment before acting again",
                )


def _refund_with_key(s: Session, paid: Payment, amount: Money | None, key: str) -> Operation:
    """``refund(paid, amount)`` under ``key``, which must succeed."""
    __tracebackhide__ = True
    what = f"refund(payment_id{f', {amount}' if amount is not None else ''})"
    return expect_operation(
        run(what, lambda: s.payments.refund(paid.id, amount, idempotency_key=key)),
        what,
        s.name,
        kind=OperationKind.REFUND,
        payment_id=paid.id,
        amount=amount,
        idempotency_key=key,
    )


def _nothing_sent(s: Session, mark: int, what: str, why: str) -> None:
    __tracebackhide__ = True
    sent = [attempt for attempt in s.wire.since(mark) if attempt.api]
    if sent:
        fail(f"{what} sent {sent[0]} ({len(sent)} request(s)); nothing should be sent: {why}")


def _expect_conflict(s: Session, what: str, action: Callable[[], object]) -> None:
    """``action`` reuses a key for other parameters: a conflict, and nothing sent."""
    __tracebackhide__ = True
    mark = s.wire.mark()
    expect_raises(
        what,
        InvalidRequestError,
        action,
        codes=[ErrorCode.IDEMPOTENCY_CONFLICT],
        provider=s.name,
        why="code idempotency_conflict: a key belongs to one operation with one set of "
        "parameters (is the idempotency store recording what each key was used for?)",
    )
    _nothing_sent(s, mark, what, "a conflict is refused before anything is sent")
