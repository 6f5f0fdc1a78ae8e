"""The lifecycle scenarios as a table: create, pay, refund, capture and void, one row each.

Every row is run by :func:`~payments_core.testing.scenarios.runner.run_lifecycle`
(see :mod:`~payments_core.testing.scenarios.rows` for what a row says). Scenarios
of another shape (ordering, callbacks, the wire) are functions in their own modules.
"""

from __future__ import annotations

from typing import Final

from payments_core.errors import ErrorCode
from payments_core.models import OperationKind
from payments_core.provider import Capability
from payments_core.status import PaymentStatus
from payments_core.testing.scenarios.needs import Needs
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
from payments_core.testing.steps.story import BEFORE_PAYMENT

__all__ = ["LIFECYCLES"]


LIFECYCLES: Final[tuple[LifecycleScenario, ...]] = (
    # -- creating and reading --------------------------------------------------------------
    LifecycleScenario(
        name="test_create_payment_returns_a_normalized_payment",
        needs=Needs((Capability.CREATE,)),
        start=Start.CREATED,
        steps=(ExpectStatus(BEFORE_PAYMENT, "create_payment() before the customer paid"),),
    ),
    LifecycleScenario(
        name="test_get_payment_reads_the_same_payment",
        needs=Needs((Capability.CREATE, Capability.RETRIEVE)),
        start=Start.CREATED,
        steps=(
            Look("create_payment()"),
            ExpectStatus(BEFORE_PAYMENT, "get_payment() before the customer paid"),
        ),
    ),
    # -- the customer's step ---------------------------------------------------------------
    LifecycleScenario(
        name="test_paid_payment_moves_forward",
        doc="pending -> captured once the customer pays, and it stays there.",
        needs=Needs((Capability.CREATE, Capability.RETRIEVE)),
        start=Start.PAID,
        steps=(
            Expect(
                lambda payment: payment.is_paid,
                "a captured payment must count as paid (status {status})",
            ),
            Look("looking again"),
        ),
    ),
    LifecycleScenario(
        name="test_declined_payment_is_final_with_a_reason",
        needs=Needs((Capability.CREATE, Capability.RETRIEVE)),
        start=Start.CREATED,
        steps=(
            CustomerPays("decline"),
            Look("the customer's card was declined"),
            ExpectStatus((PaymentStatus.DECLINED,), "get_payment() after a declined card"),
            Expect(
                lambda payment: payment.decline is not None,
                "a declined payment must say why: Payment.decline is None (set a Decline "
                "with a normalized DeclineCode and the provider's own code)",
            ),
        ),
    ),
    # -- refunds ---------------------------------------------------------------------------
    LifecycleScenario(
        name="test_refund_of_the_whole_payment",
        needs=Needs((Capability.CREATE, Capability.REFUND)),
        start=Start.PAID,
        steps=(
            Move(
                OperationKind.REFUND,
                "a full refund",
                done=PaymentStatus.REFUNDED,
                meanwhile=(PaymentStatus.REFUND_PENDING,),
                amount_field="refunded_amount",
            ),
        ),
    ),
    LifecycleScenario(
        name="test_partial_refunds_add_up",
        doc="Refund part, then the rest: partially_refunded, then refunded.",
        needs=Needs((Capability.CREATE, Capability.PARTIAL_REFUND)),
        start=Start.PAID,
        steps=(
            Move(
                OperationKind.REFUND,
                "refunding {part} of {amount}",
                done=PaymentStatus.PARTIALLY_REFUNDED,
                meanwhile=(PaymentStatus.REFUND_PENDING,),
                share=(2, 5),
                amount_field="refunded_amount",
            ),
            Move(
                OperationKind.REFUND,
                "refunding the rest",
                done=PaymentStatus.REFUNDED,
                meanwhile=(PaymentStatus.REFUND_PENDING, PaymentStatus.PARTIALLY_REFUNDED),
                amount_field="refunded_amount",
            ),
        ),
    ),
    LifecycleScenario(
        name="test_refund_of_an_unpaid_payment_is_refused",
        needs=Needs((Capability.CREATE, Capability.REFUND)),
        start=Start.CREATED,
        steps=(
            Refuse(
                OperationKind.REFUND,
                "refund() of an unpaid payment ({status})",
                why="nothing was paid, so nothing can be refunded",
            ),
        ),
    ),
    LifecycleScenario(
        name="test_refund_above_what_is_left_is_refused",
        needs=Needs((Capability.CREATE, Capability.PARTIAL_REFUND)),
        start=Start.PAID,
        steps=(
            Refuse(
                OperationKind.REFUND,
                "refund(payment_id, {over}) of a payment of {amount}",
                why="more than was paid cannot be refunded",
                codes=(ErrorCode.AMOUNT_EXCEEDS_AVAILABLE, ErrorCode.INVALID_STATE),
                over=True,
            ),
            Look("the refused refund"),
            Expect(
                lambda payment: (
                    payment.refunded_amount is None or not payment.refunded_amount.is_positive()
                ),
                "a refused refund still refunded {refunded}",
            ),
        ),
    ),
    # -- pre-authorization -----------------------------------------------------------------
    LifecycleScenario(
        name="test_capture_of_the_whole_hold",
        needs=Needs((Capability.CREATE, Capability.CAPTURE)),
        start=Start.HELD,
        steps=(
            Move(
                OperationKind.CAPTURE,
                "capturing the whole hold",
                done=PaymentStatus.CAPTURED,
                meanwhile=(PaymentStatus.AUTHORIZED,),
                amount_field="captured_amount",
            ),
        ),
    ),
    LifecycleScenario(
        name="test_partial_capture",
        needs=Needs((Capability.CREATE, Capability.PARTIAL_CAPTURE)),
        start=Start.HELD,
        steps=(
            Move(
                OperationKind.CAPTURE,
                "capturing {part} of {amount}",
                done=PaymentStatus.PARTIALLY_CAPTURED,
                meanwhile=(PaymentStatus.AUTHORIZED,),
                share=(2, 3),
                amount_field="captured_amount",
            ),
        ),
    ),
    LifecycleScenario(
        name="test_capture_of_a_payment_not_authorized_is_refused",
        needs=Needs((Capability.CREATE, Capability.CAPTURE)),
        start=Start.PAID,
        steps=(
            Refuse(
                OperationKind.CAPTURE,
                "capture() of a payment that is {status}, not authorized",
                why="only a held (authorized) payment can be captured",
            ),
        ),
    ),
    LifecycleScenario(
        name="test_void_releases_the_hold",
        needs=Needs((Capability.CREATE, Capability.VOID)),
        start=Start.HELD,
        steps=(
            Move(
                OperationKind.VOID,
                "void()",
                done=PaymentStatus.CANCELED,
                meanwhile=(PaymentStatus.AUTHORIZED,),
            ),
            Expect(
                lambda payment: not payment.is_paid,
                "a voided payment counts as paid (status {status})",
            ),
        ),
    ),
    LifecycleScenario(
        name="test_void_of_a_payment_not_authorized_is_refused",
        needs=Needs((Capability.CREATE, Capability.VOID)),
        start=Start.PAID,
        steps=(
            Refuse(
                OperationKind.VOID,
                "void() of a payment that is {status}, not authorized",
                why="only a held (authorized) payment can be voided",
            ),
        ),
    ),
)
"""Every lifecycle scenario, one row each."""
