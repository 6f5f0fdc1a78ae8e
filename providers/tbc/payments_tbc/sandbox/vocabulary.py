"""TBC's enumerations and the rules tied to them, as data.

Statuses, result codes, payment methods and currencies follow the reference (§5-§7,
§10). Which status may follow which is not documented by TBC: :data:`TRANSITIONS` is
the emulator's reading of the status names and flows (reference §5, tagged [INF]).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from enum import StrEnum
from types import MappingProxyType
from typing import Final


class PaymentStatus(StrEnum):
    """The ``status`` values of the API (reference §5, [DOC])."""

    CREATED = "Created"
    PROCESSING = "Processing"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    EXPIRED = "Expired"
    WAITING_CONFIRM = "WaitingConfirm"
    CANCEL_PAYMENT_PROCESSING = "CancelPaymentProcessing"
    PAYMENT_COMPLETION_PROCESSING = "PaymentCompletionProcessing"
    RETURNED = "Returned"
    PARTIAL_RETURNED = "PartialReturned"


TRANSITIONS: Final = MappingProxyType(
    {
        PaymentStatus.CREATED: frozenset({PaymentStatus.PROCESSING, PaymentStatus.EXPIRED}),
        # Processing -> Expired is the emulator's own move: a customer who never
        # finishes 3-D Secure leaves the session to run out ([INF]).
        PaymentStatus.PROCESSING: frozenset(
            {
                PaymentStatus.SUCCEEDED,
                PaymentStatus.FAILED,
                PaymentStatus.WAITING_CONFIRM,
                PaymentStatus.EXPIRED,
            }
        ),
        PaymentStatus.WAITING_CONFIRM: frozenset(
            {PaymentStatus.PAYMENT_COMPLETION_PROCESSING, PaymentStatus.CANCEL_PAYMENT_PROCESSING}
        ),
        PaymentStatus.PAYMENT_COMPLETION_PROCESSING: frozenset({PaymentStatus.SUCCEEDED}),
        PaymentStatus.SUCCEEDED: frozenset({PaymentStatus.CANCEL_PAYMENT_PROCESSING}),
        PaymentStatus.PARTIAL_RETURNED: frozenset({PaymentStatus.CANCEL_PAYMENT_PROCESSING}),
        PaymentStatus.CANCEL_PAYMENT_PROCESSING: frozenset(
            {PaymentStatus.RETURNED, PaymentStatus.PARTIAL_RETURNED}
        ),
        PaymentStatus.FAILED: frozenset(),
        PaymentStatus.EXPIRED: frozenset(),
        PaymentStatus.RETURNED: frozenset(),
    }
)
"""Status -> the statuses it may move to (reference §5 [INF])."""

CALLBACK_STATUSES: Final = frozenset(
    {
        PaymentStatus.SUCCEEDED,
        PaymentStatus.FAILED,
        PaymentStatus.EXPIRED,
        PaymentStatus.WAITING_CONFIRM,
    }
)
"""Reaching one of these sends the ``{"PaymentId": ...}`` callback (reference §8, [DOC])."""

UNPAID: Final = frozenset({PaymentStatus.CREATED, PaymentStatus.PROCESSING})
"""Statuses in which the checkout session is still open (and can expire)."""

REFUNDABLE: Final = frozenset({PaymentStatus.SUCCEEDED, PaymentStatus.PARTIAL_RETURNED})

STATUS_LABELS: Final = MappingProxyType(
    {
        PaymentStatus.CREATED: {"EN": "Created", "KA": "შექმნილი"},
        PaymentStatus.PROCESSING: {"EN": "Processing", "KA": "მუშავდება"},
        PaymentStatus.SUCCEEDED: {"EN": "Paid", "KA": "გადახდილი"},
        PaymentStatus.FAILED: {"EN": "Failed", "KA": "წარუმატებელი"},
        PaymentStatus.EXPIRED: {"EN": "Expired", "KA": "ვადაგასული"},
        PaymentStatus.WAITING_CONFIRM: {"EN": "Amount blocked", "KA": "თანხა დაბლოკილია"},
        PaymentStatus.CANCEL_PAYMENT_PROCESSING: {"EN": "Cancelling", "KA": "უქმდება"},
        PaymentStatus.PAYMENT_COMPLETION_PROCESSING: {"EN": "Completing", "KA": "სრულდება"},
        PaymentStatus.RETURNED: {"EN": "Returned", "KA": "დაბრუნებული"},
        PaymentStatus.PARTIAL_RETURNED: {"EN": "Partly returned", "KA": "ნაწილობრივ დაბრუნებული"},
    }
)


class ResultCode(StrEnum):
    """``resultCode`` values (reference §6, [DOC])."""

    APPROVED = "approved"
    DECLINE_GENERAL = "decline_general"
    DECLINE_EXPIRED_CARD = "decline_expired_card"
    DECLINE_SUSPECTED_FRAUD = "decline_suspected_fraud"
    DECLINE_RESTRICTED_CARD = "decline_restricted_card"
    DECLINE_INVALID_CARD_NUMBER = "decline_invalid_card_number"
    DECLINE_NOT_SUFFICIENT_FUNDS = "decline_not_sufficient_funds"
    DECLINE_CARD_NOT_EFFECTIVE = "decline_card_not_effective"
    CHECK_WITH_ACQUIRER = "check_with_acquirer"


class Method(StrEnum):
    """Names for the numeric payment method codes, for labels only."""

    QR = "qr"
    CARD = "card"
    ERTGULI = "ertguli"
    INTERNET_BANK = "internet_bank"
    INSTALLMENT = "installment"
    APPLE_PAY = "apple_pay"
    GOOGLE_PAY = "google_pay"


METHODS: Final = MappingProxyType(
    {
        4: Method.QR,
        5: Method.CARD,
        6: Method.ERTGULI,
        7: Method.INTERNET_BANK,
        8: Method.INSTALLMENT,
        9: Method.APPLE_PAY,
        14: Method.GOOGLE_PAY,
    }
)
"""Codes a merchant may list in ``methods`` (reference §7, [DOC]; 6 is legacy)."""

CARD_METHOD: Final = 5
INSTALLMENT_METHOD: Final = 8
SAVED_CARD_METHOD: Final = 11
"""``paymentMethod`` of a saved-card execution, as in a live sample ([IMP1]; meaning
undocumented)."""

GEL_ONLY_METHODS: Final = frozenset({6, 8})
NO_SAVE_CARD_METHODS: Final = frozenset({4, 8, 9})
SPLIT_METHODS: Final = frozenset({4, 5, 7, 9, 14})
DEFAULT_METHODS: Final = (5, 4, 7, 8, 9, 14)
"""What "methods omitted" allows: everything current, as for a merchant with every
method activated ([INF]). Legacy 6 only when asked for."""

METHOD_LABELS: Final = MappingProxyType(
    {
        4: {"EN": "Web QR / pay in parts", "KA": "QR / ნაწილ-ნაწილ გადახდა"},
        5: {"EN": "Card", "KA": "ბარათი"},
        6: {"EN": "Ertguli points", "KA": "ერთგულების ქულები"},
        7: {"EN": "Internet bank", "KA": "ინტერნეტ ბანკი"},
        8: {"EN": "Installment", "KA": "განვადება"},
        9: {"EN": "Apple Pay", "KA": "Apple Pay"},
        14: {"EN": "Google Pay", "KA": "Google Pay"},
    }
)

CURRENCIES: Final = frozenset({"GEL", "USD", "EUR"})
LANGUAGES: Final = ("KA", "EN")
DEFAULT_LANGUAGE: Final = "KA"
DEFAULT_EXPIRATION_MINUTES: Final = 12
MAX_EXPIRATION_MINUTES: Final = 1440
"""The reference gives a default (12) and a recommendation (<= 12) but no maximum;
the emulator refuses more than a day ([INF])."""

COMPLETION_WINDOW: Final = timedelta(days=30)

BANK_TIMEZONE: Final = timezone(timedelta(hours=4), "Asia/Tbilisi")
"""The bank's calendar for "one partial cancel per day": Tbilisi time, UTC+4 all year
(the reference does not say whose day it is; [INF])."""


def bank_day(moment: datetime) -> date:
    """The calendar day in Tbilisi at ``moment`` (an aware datetime)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BANK_TIMEZONE).date()
