"""BOG's enumerations and the rules tied to them, as data.

Order statuses (with their receipt labels and allowed transitions), transfer methods,
action kinds and payment options, following the reference §2.2 and §4.1. The move
taken by a pre-auth cancel is not documented by BOG; the emulator ends it in
``rejected`` (see :mod:`.store.actions`).
"""

from __future__ import annotations

from enum import StrEnum
from types import MappingProxyType
from typing import Final


class OrderStatus(StrEnum):
    CREATED = "created"
    PROCESSING = "processing"
    COMPLETED = "completed"
    REJECTED = "rejected"
    REFUND_REQUESTED = "refund_requested"
    REFUNDED = "refunded"
    REFUNDED_PARTIALLY = "refunded_partially"
    AUTH_REQUESTED = "auth_requested"
    BLOCKED = "blocked"
    PARTIAL_COMPLETED = "partial_completed"


STATUS_LABELS: Final = MappingProxyType(
    {
        OrderStatus.CREATED: {"en": "Created", "ka": "შექმნილი"},
        OrderStatus.PROCESSING: {"en": "Processing", "ka": "მუშავდება"},
        OrderStatus.COMPLETED: {"en": "Completed", "ka": "გადახდილი"},
        OrderStatus.REJECTED: {"en": "Rejected", "ka": "უარყოფილი"},
        OrderStatus.REFUND_REQUESTED: {"en": "Refund requested", "ka": "მოთხოვნილია დაბრუნება"},
        OrderStatus.REFUNDED: {"en": "Refunded", "ka": "დაბრუნებული"},
        OrderStatus.REFUNDED_PARTIALLY: {
            "en": "Partially refunded",
            "ka": "ნაწილობრივ დაბრუნებული",
        },
        OrderStatus.AUTH_REQUESTED: {
            "en": "Authorization requested",
            "ka": "მოთხოვნილია ავტორიზაცია",
        },
        OrderStatus.BLOCKED: {"en": "Blocked", "ka": "დაბლოკილი"},
        OrderStatus.PARTIAL_COMPLETED: {"en": "Partially completed", "ka": "ნაწილობრივ გადახდილი"},
    }
)

TRANSITIONS: Final = MappingProxyType(
    {
        OrderStatus.CREATED: frozenset(
            {OrderStatus.PROCESSING, OrderStatus.AUTH_REQUESTED, OrderStatus.REJECTED}
        ),
        OrderStatus.PROCESSING: frozenset({OrderStatus.COMPLETED, OrderStatus.REJECTED}),
        OrderStatus.AUTH_REQUESTED: frozenset({OrderStatus.BLOCKED, OrderStatus.REJECTED}),
        OrderStatus.BLOCKED: frozenset(
            {OrderStatus.COMPLETED, OrderStatus.PARTIAL_COMPLETED, OrderStatus.REJECTED}
        ),
        OrderStatus.COMPLETED: frozenset({OrderStatus.REFUND_REQUESTED}),
        OrderStatus.PARTIAL_COMPLETED: frozenset({OrderStatus.REFUND_REQUESTED}),
        OrderStatus.REFUNDED_PARTIALLY: frozenset({OrderStatus.REFUND_REQUESTED}),
        OrderStatus.REFUND_REQUESTED: frozenset(
            # A failed refund puts the order back where it was.
            {
                OrderStatus.REFUNDED,
                OrderStatus.REFUNDED_PARTIALLY,
                OrderStatus.COMPLETED,
                OrderStatus.PARTIAL_COMPLETED,
            }
        ),
        OrderStatus.REFUNDED: frozenset(),
        OrderStatus.REJECTED: frozenset(),
    }
)
"""Every move an order may make; the store refuses any other."""

UNPAID: Final = frozenset({OrderStatus.CREATED, OrderStatus.PROCESSING, OrderStatus.AUTH_REQUESTED})
"""Statuses that expire once ``zoned_expire_date`` has passed."""

REFUNDABLE: Final = frozenset(
    {OrderStatus.COMPLETED, OrderStatus.PARTIAL_COMPLETED, OrderStatus.REFUNDED_PARTIALLY}
)


class TransferMethod(StrEnum):
    CARD = "card"
    GOOGLE_PAY = "google_pay"
    APPLE_PAY = "apple_pay"
    BOG_P2P = "bog_p2p"
    BOG_LOYALTY = "bog_loyalty"
    BNPL = "bnpl"
    BOG_LOAN = "bog_loan"
    GIFT_CARD = "gift_card"


METHOD_LABELS: Final = MappingProxyType(
    {
        TransferMethod.CARD: {"en": "Card payment", "ka": "ბარათით გადახდა"},
        TransferMethod.GOOGLE_PAY: {"en": "Google Pay", "ka": "Google Pay"},
        TransferMethod.APPLE_PAY: {"en": "Apple Pay", "ka": "Apple Pay"},
        TransferMethod.BOG_P2P: {
            "en": "BOG internet banking",
            "ka": "საქართველოს ბანკის ინტერნეტბანკი",
        },
        TransferMethod.BOG_LOYALTY: {"en": "MR/Plus points", "ka": "MR/Plus ქულები"},
        TransferMethod.BNPL: {"en": "Buy now, pay later", "ka": "ნაწილ-ნაწილ გადახდა"},
        TransferMethod.BOG_LOAN: {"en": "Online installment", "ka": "ონლაინ განვადება"},
        TransferMethod.GIFT_CARD: {"en": "Gift card", "ka": "სასაჩუქრე ბარათი"},
    }
)

CARD_METHODS: Final = frozenset(
    {TransferMethod.CARD, TransferMethod.GOOGLE_PAY, TransferMethod.APPLE_PAY}
)
"""Methods that pay with a card: they allow card payments, pre-auth and partial refunds."""

FULL_REFUND_METHODS: Final = frozenset({*CARD_METHODS, TransferMethod.BOG_P2P})
LOAN_METHODS: Final = frozenset({TransferMethod.BNPL, TransferMethod.BOG_LOAN})


class ActionKind(StrEnum):
    AUTHORIZE = "authorize"
    PARTIAL_AUTHORIZE = "partial_authorize"
    CANCEL_AUTHORIZE = "cancel_authorize"
    REFUND = "refund"
    PARTIAL_REFUND = "partial_refund"


class PaymentOption(StrEnum):
    DIRECT_DEBIT = "direct_debit"
    RECURRENT = "recurrent"
    SUBSCRIPTION = "subscription"


class SavedCardType(StrEnum):
    RECURRENT = "recurrent"
    SUBSCRIPTION = "subscription"


CURRENCIES: Final = frozenset({"GEL", "USD", "EUR", "GBP"})
LANGUAGES: Final = ("ka", "en")
