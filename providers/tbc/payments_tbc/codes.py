"""TBC's vocabularies as data: payment methods, statuses and result codes.

Each table is read top to bottom and tested row by row. The code reading a
payment (:mod:`payments_tbc.details`) only looks things up here; the few
refinements a table cannot express (amounts that tell a partial capture from a
full one) live there, documented.
"""

from __future__ import annotations

import logging
from types import MappingProxyType
from typing import Final

from payments_core.errors import DeclineCode
from payments_core.status import PaymentStatus

__all__ = [
    "METHOD_CODES",
    "METHOD_NAMES",
    "NOT_WITH_SAVE_CARD",
    "RESULT_CODES",
    "STATUS_TABLE",
    "SUCCESS_RESULT",
    "UNKNOWN_STATUS",
    "canonical_status",
    "decline_code",
    "method_name",
    "payment_status",
]

logger = logging.getLogger("payments_tbc")

S = PaymentStatus
D = DeclineCode

METHOD_CODES: Final[MappingProxyType[str, int]] = MappingProxyType(
    {
        "bnpl": 4,
        "web_qr": 4,
        "card": 5,
        "internet_bank": 7,
        "installment": 8,
        "apple_pay": 9,
        "google_pay": 14,
    }
)
"""``PaymentRequest.payment_methods`` names → TBC's ``methods`` codes (reference §7).

Code 4 is TBC's "Web QR / BNPL" and answers to both names. Code 6 (Ertguli points)
is gone from TBC's current list and is not offered; code 11 only ever appears in
answers."""

METHOD_NAMES: Final[MappingProxyType[int, str]] = MappingProxyType(
    {
        4: "bnpl",
        5: "card",
        6: "ertguli_points",
        7: "internet_bank",
        8: "installment",
        9: "apple_pay",
        11: "saved_card",
        14: "google_pay",
    }
)
"""``paymentMethod`` of an answer → the name ``Payment.method`` carries.

[INF] 11 was seen once, on a saved-card charge (reference §7); its meaning is
undocumented and read as ``saved_card``. 6 is legacy but may still be reported."""

NOT_WITH_SAVE_CARD: Final = frozenset({4, 8, 9})
"""Methods a card-saving payment may not offer (reference §4B, ``saveCard``)."""

STATUS_TABLE: Final[MappingProxyType[str, PaymentStatus]] = MappingProxyType(
    {
        "Created": S.PENDING,
        "Processing": S.PROCESSING,
        "Succeeded": S.CAPTURED,
        "Failed": S.DECLINED,
        "Expired": S.EXPIRED,
        "WaitingConfirm": S.AUTHORIZED,
        "PaymentCompletionProcessing": S.AUTHORIZED,
        "CancelPaymentProcessing": S.REFUND_PENDING,
        "Returned": S.REFUNDED,
        "PartialReturned": S.PARTIALLY_REFUNDED,
    }
)
"""The usual meaning of each documented ``status`` (reference §5).

* ``Created`` is ``pending``: TBC creates the payment together with the page the
  buyer is sent to, and it is what ``create_payment`` returns, so a poll never
  looks like a step back.
* ``PaymentCompletionProcessing`` stays ``authorized``: the funds are still held
  while the capture runs.
* ``CancelPaymentProcessing`` is a refund in progress; for a hold of which nothing
  was captured it is a release in progress and stays ``authorized`` (see
  :func:`payments_tbc.details.status_of`).
"""

UNKNOWN_STATUS: Final = S.PROCESSING
"""[INF] What a status TBC has not documented reads as (reference §5: treat any
unknown string as non-final and poll again). TBC's admin pages know a few more
(AutoReversed, Deleted...); they are tolerated this way too."""

_BY_LOWER: Final = {key.lower(): key for key in STATUS_TABLE}

SUCCESS_RESULT: Final = "approved"

RESULT_CODES: Final[MappingProxyType[str, DeclineCode | None]] = MappingProxyType(
    {
        "approved": None,
        "decline_general": D.GENERIC_DECLINE,
        "decline_expired_card": D.CARD_EXPIRED,
        "decline_suspected_fraud": D.FRAUD_SUSPECTED,
        "decline_restricted_card": D.CARD_RESTRICTED,
        "decline_invalid_card_number": D.INVALID_CARD,
        "decline_not_sufficient_funds": D.INSUFFICIENT_FUNDS,
        "decline_card_not_effective": D.CARD_RESTRICTED,
        "check_with_acquirer": D.ACQUIRER_DECLINED,
    }
)
"""``resultCode`` → normalized decline (reference §6); ``approved`` is no decline.

A card that is "not effective" (not yet activated) cannot be used until the
issuer says so: a restriction, like a card on the restricted list."""


def canonical_status(value: str) -> str | None:
    """TBC's documented spelling of ``value`` (compared case-insensitively), if any."""
    return _BY_LOWER.get(value.strip().lower())


def payment_status(value: str | None) -> PaymentStatus:
    """The table's meaning of a status; an unknown one is ``processing``, with a warning."""
    key = canonical_status(value) if value is not None else None
    if key is None:
        logger.warning(
            "TBC sent an undocumented payment status %r; reading it as %s",
            (value or "")[:60],
            UNKNOWN_STATUS.value,
        )
        return UNKNOWN_STATUS
    return STATUS_TABLE[key]


def decline_code(result_code: str | None) -> DeclineCode | None:
    """The decline a ``resultCode`` means: ``None`` for ``approved`` or no code at all.

    An unknown code is an unknown decline; the caller keeps the raw code.
    """
    if result_code is None or not result_code.strip():
        return None
    key = result_code.strip().lower()
    if key in RESULT_CODES:
        return RESULT_CODES[key]
    return D.UNKNOWN


def method_name(code: int | None) -> str | None:
    """The method name for a ``paymentMethod`` code; ``None`` for an unknown code."""
    return None if code is None else METHOD_NAMES.get(code)
