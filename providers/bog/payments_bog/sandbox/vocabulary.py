"""BOG's enumerations and the rules tied to them, as data.

Order statuses (with their receipt labels and allowed transitions), transfer methods,
action kinds and payment options, following the reference §2.2 and §4.1. The move
taken by a pre-auth cancel is not documented by BOG; the emulator ends it in
``rejected`` (see :mod:`.store`).
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


S = OrderStatus

STATUS_LABELS: Final = MappingProxyType(
    {
        S.CREATED: {"en": "Created", "ka": "შექმნილი"},
        S.PROCESSING: {"en": "Processing", "ka": "მუშავდება"},
        S.COMPLETED: {"en": "Completed", "ka": "გადახდილი"},
        S.REJECTED: {"en": "Rejected", "ka": "უარყოფილი"},
        S.REFUND_REQUESTED: {"en": "Refund requested", "ka": "მოთხოვნილია დაბრუნება"},
        S.REFUNDED: {"en": "Refunded", "ka": "დაბრუნებული"},
        S.REFUNDED_PARTIALLY: {"en": "Partially refunded", "ka": "ნაწილობრივ დაბრუნებული"},
        S.AUTH_REQUESTED: {"en": "Authorization requested", "ka": "მოთხოვნილია ავტორიზაცია"},
        S.BLOCKED: {"en": "Blocked", "ka": "დაბლოკილი"},
        S.PARTIAL_COMPLETED: {"en": "Partially completed", "ka": "ნაწილობრივ გადახდილი"},
    }
)

TRANSITIONS: Final = MappingProxyType(
    {
        S.CREATED: frozenset({S.PROCESSING, S.AUTH_REQUESTED, S.REJECTED}),
        S.PROCESSING: frozenset({S.COMPLETED, S.REJECTED}),
        S.AUTH_REQUESTED: frozenset({S.BLOCKED, S.REJECTED}),
        S.BLOCKED: frozenset({S.COMPLETED, S.PARTIAL_COMPLETED, S.REJECTED}),
        S.COMPLETED: frozenset({S.REFUND_REQUESTED}),
        S.PARTIAL_COMPLETED: frozenset({S.REFUND_REQUESTED}),
        S.REFUNDED_PARTIALLY: frozenset({S.REFUND_REQUESTED}),
        S.REFUND_REQUESTED: frozenset(
            # A failed refund puts the order back where it was.
            {S.REFUNDED, S.REFUNDED_PARTIALLY, S.COMPLETED, S.PARTIAL_COMPLETED}
        ),
        S.REFUNDED: frozenset(),
        S.REJECTED: frozenset(),
    }
)
"""Every move an order may make; the store refuses any other."""

UNPAID: Final = frozenset({S.CREATED, S.PROCESSING, S.AUTH_REQUESTED})
"""Statuses that expire once ``zoned_expire_date`` has passed."""

REFUNDABLE: Final = frozenset({S.COMPLETED, S.PARTIAL_COMPLETED, S.REFUNDED_PARTIALLY})


class TransferMethod(StrEnum):
    CARD = "card"
    GOOGLE_PAY = "google_pay"
    APPLE_PAY = "apple_pay"
    BOG_P2P = "bog_p2p"
    BOG_LOYALTY = "bog_loyalty"
    BNPL = "bnpl"
    BOG_LOAN = "bog_loan"
    GIFT_CARD = "gift_card"


M = TransferMethod

METHOD_LABELS: Final = MappingProxyType(
    {
        M.CARD: {"en": "Card payment", "ka": "ბარათით გადახდა"},
        M.GOOGLE_PAY: {"en": "Google Pay", "ka": "Google Pay"},
        M.APPLE_PAY: {"en": "Apple Pay", "ka": "Apple Pay"},
        M.BOG_P2P: {"en": "BOG internet banking", "ka": "საქართველოს ბანკის ინტერნეტბანკი"},
        M.BOG_LOYALTY: {"en": "MR/Plus points", "ka": "MR/Plus ქულები"},
        M.BNPL: {"en": "Buy now, pay later", "ka": "ნაწილ-ნაწილ გადახდა"},
        M.BOG_LOAN: {"en": "Online installment", "ka": "ონლაინ განვადება"},
        M.GIFT_CARD: {"en": "Gift card", "ka": "სასაჩუქრე ბარათი"},
    }
)

CARD_METHODS: Final = frozenset({M.CARD, M.GOOGLE_PAY, M.APPLE_PAY})
"""Methods that pay with a card: they allow card payments, pre-auth and partial refunds."""

FULL_REFUND_METHODS: Final = frozenset({*CARD_METHODS, M.BOG_P2P})
LOAN_METHODS: Final = frozenset({M.BNPL, M.BOG_LOAN})


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
