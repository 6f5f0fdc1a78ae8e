"""What the emulated bank remembers about each order."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from .cards import SandboxCard
from .validation import OrderRequest, SplitPart
from .vocabulary import (
    ActionKind,
    OrderStatus,
    PaymentOption,
    SavedCardType,
    TransferMethod,
)


@dataclass(frozen=True, slots=True)
class Action:
    """A finished refund or pre-auth operation, as listed in ``actions[]``."""

    action_id: str
    kind: ActionKind
    completed: bool
    amount: Decimal
    at: datetime
    code: str | None = None
    channel: str = "public_api"


@dataclass(frozen=True, slots=True)
class PendingAction:
    """An accepted refund/approve/cancel whose outcome is not applied yet."""

    action_id: str
    kind: ActionKind
    amount: Decimal
    due: datetime
    resume: OrderStatus
    split: tuple[SplitPart, ...] | None = None
    """Receivers an approve named; they take the order's split over when it succeeds."""


@dataclass(slots=True)
class SavedCard:
    card: SandboxCard
    kind: SavedCardType
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    """How an order was paid; rendered into ``payment_detail``."""

    method: TransferMethod
    code: str
    card: SandboxCard | None = None
    payer_identifier: str | None = None
    transaction_id: str | None = None
    auth_code: str | None = None
    pg_trx_id: str | None = None


@dataclass(eq=False, slots=True)
class Order:
    id: str
    request: OrderRequest
    created_at: datetime
    expires_at: datetime
    status: OrderStatus = OrderStatus.CREATED
    payment_option: PaymentOption = PaymentOption.DIRECT_DEBIT
    parent_order_id: str | None = None
    saved_card_type: SavedCardType | None = None
    save_request: SavedCardType | None = None
    saved_card: SavedCard | None = None
    payment: PaymentRecord | None = None
    transfer_amount: Decimal | None = None
    refund_amount: Decimal | None = None
    actions: list[Action] | None = None
    pending: PendingAction | None = None
    reject_reason: str | None = None
    split_status: str | None = None
    split: tuple[SplitPart, ...] | None = None
    """The split an approve set, in place of the one the order was created with."""
    history: list[OrderStatus] = field(default_factory=lambda: [OrderStatus.CREATED])
