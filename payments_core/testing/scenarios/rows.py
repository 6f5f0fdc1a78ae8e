"""The shape of a lifecycle scenario as data: where the payment starts, then its steps.

Most money-movement scenarios tell the same story (create, pay, operate, look
again) with other operations, amounts and expected statuses. Each is one frozen
:class:`LifecycleScenario` row, and :mod:`~payments_core.testing.scenarios.runner` runs
any row; the table itself is :mod:`~payments_core.testing.scenarios.lifecycle`.

Steps that check the payment (:class:`ExpectStatus`, :class:`Expect`) look at
the state last read; they are passed over when the provider could not be read
(no ``Capability.RETRIEVE``), as the operation's own look is.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from payments_core.errors import ErrorCode, InvalidStateError, PaymentError
from payments_core.models import OperationKind, Payment
from payments_core.status import PaymentStatus
from payments_core.testing.scenarios.needs import Needs
from payments_core.testing.target import Outcome

__all__ = [
    "CustomerPays",
    "Expect",
    "ExpectStatus",
    "LifecycleScenario",
    "Look",
    "Move",
    "Refuse",
    "ScenarioStep",
    "Start",
]


class Start(enum.Enum):
    """Where the payment stands before the row's steps."""

    CREATED = "created"
    """``create_payment(make_request())``; nobody paid yet."""
    PAID = "paid"
    """Created with automatic capture and paid by the customer: captured."""
    HELD = "held"
    """Created with manual capture and paid by the customer: authorized, held."""


@dataclass(frozen=True)
class CustomerPays:
    """The customer acts on the provider's page (``"decline"``: the card is declined)."""

    outcome: Outcome


@dataclass(frozen=True)
class Look:
    """``get_payment()`` after ``after`` (the step's name in messages), added to the trail."""

    after: str


@dataclass(frozen=True)
class ExpectStatus:
    """The payment last read must be in one of ``allowed``; ``what`` names the read."""

    allowed: tuple[PaymentStatus, ...]
    what: str


@dataclass(frozen=True)
class Expect:
    """The payment last read must satisfy ``holds``; otherwise ``failure`` is the message,
    formatted with ``{status}`` (its status) and ``{refunded}`` (its refunded amount)."""

    holds: Callable[[Payment], bool]
    failure: str


@dataclass(frozen=True)
class Move:
    """Refund, capture or void with a fresh key, then look: the operation must answer this
    call, and the payment reach ``done`` (or, while the operation is pending, stand at
    ``done`` or one of ``meanwhile``).

    ``share`` ``(numerator, denominator)`` moves that part of the payment's amount
    (the scenario is skipped when it rounds to nothing); ``None`` moves all that this
    kind of operation has not moved yet, without naming an amount. ``amount_field``,
    when the payment reports it at ``done``, must equal all that was moved so far.
    ``step`` names the step in messages, formatted with ``{part}`` and ``{amount}``
    (the payment's amount).
    """

    kind: OperationKind
    step: str
    done: PaymentStatus
    meanwhile: tuple[PaymentStatus, ...]
    share: tuple[int, int] | None = None
    amount_field: str | None = None


@dataclass(frozen=True)
class Refuse:
    """Refund, capture or void that the provider must refuse with ``error`` (and one of
    ``codes``, when given). ``over``: ask for one minor unit more than the payment's
    amount; otherwise name no amount. ``what`` is formatted with ``{status}`` (the
    payment's, as it started), ``{amount}`` and ``{over}`` (the amount asked for)."""

    kind: OperationKind
    what: str
    why: str
    error: type[PaymentError] = InvalidStateError
    codes: tuple[ErrorCode, ...] = ()
    over: bool = False


ScenarioStep = CustomerPays | Look | ExpectStatus | Expect | Move | Refuse
"""Any one step of a lifecycle row."""


@dataclass(frozen=True, kw_only=True)
class LifecycleScenario:
    """One lifecycle scenario: its test name, what it needs, where it starts, its steps."""

    name: str
    needs: Needs
    start: Start
    steps: tuple[ScenarioStep, ...]
    doc: str | None = None
