"""The error scenarios: unknown payments, undeclared operations, and HTTP errors mapped.

Whatever goes wrong must reach the caller as the right class of the
:mod:`payments_core.errors` tree, and an operation the provider does not declare
is refused before anything is sent.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from payments_core.errors import ErrorCode, NotFoundError, UnsupportedOperationError
from payments_core.provider import Capability
from payments_core.testing.harness.calls import expect_raises, fail
from payments_core.testing.harness.sessions import open_session
from payments_core.testing.scenarios.needs import needs
from payments_core.testing.steps.wire_faults import HTTP_ERROR_CASES, mapping_problem
from payments_core.testing.target import ConformanceTarget

__all__ = [
    "test_http_errors_map_to_the_error_tree",
    "test_undeclared_operations_are_refused_before_sending",
    "test_unknown_payment_is_not_found",
]


@needs(Capability.RETRIEVE)
def test_unknown_payment_is_not_found(conformance_target: ConformanceTarget) -> None:
    """An id the provider never issued: NotFoundError from every operation on it."""
    unknown = conformance_target.unknown_payment_id
    with open_session(conformance_target) as s:
        payments = s.payments
        checks: list[tuple[Capability, str, Callable[[], object]]] = [
            (Capability.RETRIEVE, "get_payment", lambda: payments.get_payment(unknown)),
            (Capability.REFUND, "refund", lambda: payments.refund(unknown)),
            (Capability.CAPTURE, "capture", lambda: payments.capture(unknown)),
            (Capability.VOID, "void", lambda: payments.void(unknown)),
        ]
        for capability, method, call in checks:
            if s.declares(capability):
                expect_raises(
                    f"{method}() of a payment id the provider never issued ({unknown})",
                    NotFoundError,
                    call,
                    codes=[ErrorCode.NOT_FOUND],
                    provider=s.name,
                    why="map the provider's 'no such payment' answer to NotFoundError",
                )


def test_undeclared_operations_are_refused_before_sending(
    conformance_target: ConformanceTarget,
) -> None:
    """Each operation the provider does not declare: UnsupportedOperationError, nothing sent."""
    with open_session(conformance_target) as s:
        payments = s.payments
        pid = conformance_target.unknown_payment_id
        some = conformance_target.make_request().amount
        checks: list[tuple[Capability, str, Callable[[], object]]] = [
            (
                Capability.CREATE,
                "create_payment(request)",
                lambda: payments.create_payment(conformance_target.make_request()),
            ),
            (Capability.RETRIEVE, "get_payment(id)", lambda: payments.get_payment(pid)),
            (Capability.REFUND, "refund(id)", lambda: payments.refund(pid)),
            (
                Capability.PARTIAL_REFUND,
                "refund(id, amount)",
                lambda: payments.refund(pid, some),
            ),
            (Capability.CAPTURE, "capture(id)", lambda: payments.capture(pid)),
            (
                Capability.PARTIAL_CAPTURE,
                "capture(id, amount)",
                lambda: payments.capture(pid, some),
            ),
            (Capability.VOID, "void(id)", lambda: payments.void(pid)),
            (
                Capability.WEBHOOKS,
                "parse_webhook(headers, body)",
                lambda: payments.parse_webhook({}, b"{}"),
            ),
        ]
        undeclared = [check for check in checks if not s.declares(check[0])]
        if not undeclared:
            pytest.skip("the provider declares every operation the facades offer")
        for capability, what, call in undeclared:
            mark = s.wire.mark()
            expect_raises(
                what,
                UnsupportedOperationError,
                call,
                codes=[ErrorCode.UNSUPPORTED_OPERATION],
                why=f"the provider does not declare Capability.{capability.name}",
            )
            sent = s.wire.since(mark)
            if sent:
                fail(
                    f"{what} sent {len(sent)} request(s) (first: {sent[0].method} "
                    f"{sent[0].url}) although Capability.{capability.name} is not declared"
                )


@needs(Capability.RETRIEVE, http=True)
def test_http_errors_map_to_the_error_tree(conformance_target: ConformanceTarget) -> None:
    """What get_payment() raises when the API answers an error status, or garbage."""
    problems = [
        problem
        for case in HTTP_ERROR_CASES
        if (problem := mapping_problem(conformance_target, *case)) is not None
    ]
    if problems:
        fail("errors are not mapped to the error tree:\n- " + "\n- ".join(problems))
