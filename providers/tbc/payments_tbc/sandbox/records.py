"""What the emulated bank keeps: payments, saved cards, and the callbacks it owes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from .cards import SandboxCard
from .validation import CreateRequest, ExecutionRequest, Split
from .vocabulary import PaymentStatus


@dataclass(frozen=True, slots=True)
class Return:
    """Money given back by one accepted cancel (a refund or a released pre-auth)."""

    amount: Decimal
    at: datetime
    partial: bool
    released: bool = False


@dataclass(eq=False)
class Payment:
    """One payment, as the bank sees it. Read it in tests; the store changes it.

    ``request`` is the validated create body (a checkout payment) or execution body
    (a saved-card charge, ``execution`` true). ``rec_id`` is the saved card this
    payment registers (``saveCard``) or charges (execution).
    """

    pay_id: str
    currency: str
    amount: Decimal
    pre_auth: bool
    created_at: datetime
    request: CreateRequest | ExecutionRequest
    methods: tuple[int, ...] = ()
    callback_url: str | None = None
    expires_at: datetime | None = None
    rec_id: str | None = None
    status: PaymentStatus = PaymentStatus.CREATED
    history: list[PaymentStatus] = field(default_factory=lambda: [PaymentStatus.CREATED])
    confirmed_amount: Decimal = Decimal(0)
    returned_amount: Decimal = Decimal(0)
    transaction_id: str | None = None
    payment_method: int | None = None
    result_code: str | None = None
    card: SandboxCard | None = None
    authorized_at: datetime | None = None
    partial_cancel_days: set[date] = field(default_factory=set)
    returns: list[Return] = field(default_factory=list)

    @property
    def execution(self) -> bool:
        return isinstance(self.request, ExecutionRequest)

    @property
    def language(self) -> str:
        return self.request.language if isinstance(self.request, CreateRequest) else "KA"

    @property
    def return_url(self) -> str | None:
        return self.request.return_url if isinstance(self.request, CreateRequest) else None

    @property
    def description(self) -> str | None:
        return self.request.description if isinstance(self.request, CreateRequest) else None

    @property
    def merchant_payment_id(self) -> str | None:
        return self.request.merchant_payment_id

    @property
    def expiration_minutes(self) -> int | None:
        if isinstance(self.request, CreateRequest):
            return self.request.expiration_minutes
        return None

    @property
    def split(self) -> Split | None:
        return self.request.split if isinstance(self.request, CreateRequest) else None

    @property
    def refundable(self) -> Decimal:
        """What a cancel may still give back: captured minus returned."""
        return self.confirmed_amount - self.returned_amount


class SavedCardState(StrEnum):
    PENDING = "pending"
    """Registration asked for (``saveCard``); the payment is not approved yet."""
    AWAITING_COMPLETION = "awaiting_completion"
    """Saved by an approved pre-auth; usable once that pre-auth is completed."""
    ACTIVE = "active"
    FAILED = "failed"
    """The registering payment failed, expired or was released: never usable."""
    DELETED = "deleted"


@dataclass(eq=False)
class SavedCard:
    """A card registered for recurring charges (``recId``)."""

    rec_id: str
    pay_id: str
    requested_to_date: str | None
    card: SandboxCard | None = None
    expiry_date: str | None = None
    state: SavedCardState = SavedCardState.PENDING

    @property
    def usable(self) -> bool:
        return self.state is SavedCardState.ACTIVE


@dataclass(frozen=True, slots=True)
class Notice:
    """A callback the bank owes: ``{"PaymentId": pay_id}`` to ``callback_url``."""

    pay_id: str
    callback_url: str
