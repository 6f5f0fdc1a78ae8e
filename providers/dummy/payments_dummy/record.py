"""One dummy payment as the store keeps it: mutable state, shown as a frozen ``Payment``.

A :class:`Record` holds what a gateway would: the request, the amounts that
moved, the card, the decline, the operations. It changes only under the
store's lock (:mod:`payments_dummy.store`); what leaves the store is always a
:meth:`Record.snapshot`, so a caller never holds state that changes under it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from payments_core import (
    CaptureMode,
    CardDetails,
    Decline,
    DeclineCode,
    InvalidRequestError,
    InvalidStateError,
    Money,
    Operation,
    OperationKind,
    OperationStatus,
    Payment,
    PaymentRequest,
    PaymentStatus,
)

__all__ = ["PROVIDER", "Record", "new_id"]

PROVIDER: Final = "dummy"

_DECLINE_MESSAGES: dict[DeclineCode, str] = {
    DeclineCode.INSUFFICIENT_FUNDS: "Insufficient funds",
    DeclineCode.CARD_EXPIRED: "Card expired",
    DeclineCode.INVALID_CARD: "Invalid card",
    DeclineCode.CARD_RESTRICTED: "Card restricted by the issuer",
    DeclineCode.LIMIT_EXCEEDED: "Limit exceeded",
    DeclineCode.AMOUNT_LIMIT_EXCEEDED: "Amount limit exceeded",
    DeclineCode.COUNT_LIMIT_EXCEEDED: "Transaction count limit exceeded",
    DeclineCode.AUTHENTICATION_FAILED: "3-D Secure authentication failed",
}


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:24]}"


@dataclass
class Record:
    """Mutable state of one payment; snapshots go out as frozen ``Payment`` models."""

    id: str
    request: PaymentRequest
    status: PaymentStatus
    created_at: datetime
    expires_at: datetime
    redirect_url: str
    authorized: Money | None = None
    captured: Money | None = None
    refunded: Money | None = None
    decline: Decline | None = None
    card: CardDetails | None = None
    operations: list[Operation] = field(default_factory=list)
    transaction_id: str | None = None
    keys: list[tuple[str, str]] = field(default_factory=list)
    """Idempotency keys that point at this payment, forgotten with it."""

    def expire_if_due(self, now: datetime) -> None:
        if self.status in (PaymentStatus.CREATED, PaymentStatus.PENDING) and (
            now >= self.expires_at
        ):
            self.status = PaymentStatus.EXPIRED

    def customer_step(self, outcome: str, decline_code: DeclineCode) -> None:
        """What the customer did on the hosted page: pay, fail, walk away, or stall."""
        if self.status not in (PaymentStatus.CREATED, PaymentStatus.PENDING):
            raise InvalidStateError(
                f"payment {self.id} is {self.status.value}; the customer step is over",
                provider=PROVIDER,
                payment_id=self.id,
            )
        amount = self.request.amount
        if outcome == "succeed":
            self.card = CardDetails(masked_number="424242xxxxxx4242", brand="visa", expiry="12/30")
            self.transaction_id = new_id("dtrx")
            self.authorized = amount
            if self.request.capture is CaptureMode.MANUAL:
                self.status = PaymentStatus.AUTHORIZED
            else:
                self.captured = amount
                self.status = PaymentStatus.CAPTURED
        elif outcome == "decline":
            self.status = PaymentStatus.DECLINED
            self.decline = Decline(
                code=decline_code,
                provider_code=decline_code.value,
                message=_DECLINE_MESSAGES.get(decline_code, "Declined"),
            )
        elif outcome == "expire":
            self.status = PaymentStatus.EXPIRED
        elif outcome == "pending":
            self.status = PaymentStatus.PROCESSING
        else:
            raise InvalidRequestError(
                f"unknown dummy outcome {outcome!r}", provider=PROVIDER, field="outcome"
            )

    def add_operation(
        self, kind: OperationKind, amount: Money | None, key: str, now: datetime
    ) -> Operation:
        op = Operation(
            id=new_id("dop"),
            kind=kind,
            status=OperationStatus.SUCCEEDED,
            payment_id=self.id,
            provider=PROVIDER,
            amount=amount,
            created_at=now,
            idempotency_key=key,
        )
        self.operations.append(op)
        return op

    def snapshot(self) -> Payment:
        request = self.request
        return Payment(
            id=self.id,
            provider=PROVIDER,
            status=self.status,
            amount=request.amount,
            external_id=request.external_id,
            authorized_amount=self.authorized,
            captured_amount=self.captured,
            refunded_amount=self.refunded,
            redirect_url=self.redirect_url,
            method="card" if self.card else None,
            card=self.card,
            decline=self.decline,
            capture=request.capture,
            created_at=self.created_at,
            expires_at=self.expires_at,
            provider_transaction_id=self.transaction_id,
            operations=tuple(self.operations),
        )
