"""What a gateway answered, normalized: payments and the operations on them.

Results are frozen: a :class:`Payment` is a snapshot of what the provider said
at one moment, not a live object.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field, field_validator

from payments_core.errors import DeclineCode
from payments_core.models.base import ResultModel
from payments_core.models.requests import CaptureMode
from payments_core.money import Money
from payments_core.status import PaymentStatus, is_final, is_paid

__all__ = [
    "CardDetails",
    "Decline",
    "Operation",
    "OperationKind",
    "OperationStatus",
    "Payment",
]


class CardDetails(ResultModel):
    """The card used, as far as a provider may show it: never the full number."""

    masked_number: str | None = None
    brand: str | None = None
    expiry: str | None = None
    """``MM/YY``."""

    @field_validator("masked_number")
    @classmethod
    def _never_a_full_number(cls, value: str | None) -> str | None:
        if value is not None and sum(map(str.isdigit, value)) > 10:
            raise ValueError("masked_number must be masked (at most 10 visible digits)")
        return value


class Decline(ResultModel):
    """Why a payment failed: the normalized code plus what the provider said."""

    code: DeclineCode
    provider_code: str | None = None
    message: str | None = None


class OperationKind(StrEnum):
    CAPTURE = "capture"
    REFUND = "refund"
    VOID = "void"


class OperationStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Operation(ResultModel):
    """A capture, refund or void: as answered when asked for, or as seen later in history.

    Several providers (BOG among them) only acknowledge the request and report the
    outcome later: ``status`` is then ``pending`` and the payment's status tells the rest.
    """

    id: str | None = None
    kind: OperationKind
    status: OperationStatus
    payment_id: str
    provider: str
    amount: Money | None = None
    """``None`` means "the whole amount" where the provider did not say how much."""
    created_at: datetime | None = None
    provider_code: str | None = None
    message: str | None = None
    idempotency_key: str | None = None
    raw: dict[str, Any] | None = Field(default=None, repr=False)


class Payment(ResultModel):
    """A provider's payment, normalized. ``raw`` keeps the provider's payload for debugging."""

    id: str
    provider: str
    status: PaymentStatus
    amount: Money
    external_id: str | None = None
    authorized_amount: Money | None = None
    captured_amount: Money | None = None
    refunded_amount: Money | None = None
    redirect_url: str | None = None
    method: str | None = None
    card: CardDetails | None = None
    decline: Decline | None = None
    capture: CaptureMode | None = None
    created_at: datetime | None = None
    expires_at: datetime | None = None
    provider_transaction_id: str | None = None
    updated_at: datetime | None = None
    """When the gateway says this state came about (its event time), if it says:
    :func:`payments_core.is_newer` uses it to order updates with equal amounts."""
    operations: tuple[Operation, ...] = ()
    raw: dict[str, Any] | None = Field(default=None, repr=False)

    @property
    def is_final(self) -> bool:
        return is_final(self.status)

    @property
    def is_paid(self) -> bool:
        return is_paid(self.status)

    @property
    def refundable_amount(self) -> Money | None:
        """Captured minus refunded, when the provider reported both (else ``None``)."""
        if self.captured_amount is None:
            return None
        refunded = self.refunded_amount or Money.zero(self.amount.currency)
        return self.captured_amount - refunded
