"""TBC's vocabularies as data: payment methods and result codes.

Each table is read top to bottom and tested row by row. The code reading a
payment (:mod:`payments_tbc.details`) only looks things up here. TBC's statuses
have a table of their own, with every fact about each status
(:mod:`payments_tbc.statuses`).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from payments_core.errors import DeclineCode

__all__ = [
    "METHOD_CODES",
    "METHOD_NAMES",
    "NOT_WITH_SAVE_CARD",
    "RESULT_CODES",
    "decline_code",
    "method_name",
]

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

RESULT_CODES: Final[MappingProxyType[str, DeclineCode | None]] = MappingProxyType(
    {
        "approved": None,
        "decline_general": DeclineCode.GENERIC_DECLINE,
        "decline_expired_card": DeclineCode.CARD_EXPIRED,
        "decline_suspected_fraud": DeclineCode.FRAUD_SUSPECTED,
        "decline_restricted_card": DeclineCode.CARD_RESTRICTED,
        "decline_invalid_card_number": DeclineCode.INVALID_CARD,
        "decline_not_sufficient_funds": DeclineCode.INSUFFICIENT_FUNDS,
        "decline_card_not_effective": DeclineCode.CARD_RESTRICTED,
        "check_with_acquirer": DeclineCode.ACQUIRER_DECLINED,
    }
)
"""``resultCode`` → normalized decline (reference §6); ``approved`` is no decline.

A card that is "not effective" (not yet activated) cannot be used until the
issuer says so: a restriction, like a card on the restricted list."""


def decline_code(result_code: str | None) -> DeclineCode | None:
    """The decline a ``resultCode`` means: ``None`` for ``approved`` or no code at all.

    An unknown code is an unknown decline; the caller keeps the raw code.
    """
    if result_code is None or not result_code.strip():
        return None
    key = result_code.strip().lower()
    if key in RESULT_CODES:
        return RESULT_CODES[key]
    return DeclineCode.UNKNOWN


def method_name(code: int | None) -> str | None:
    """The method name for a ``paymentMethod`` code; ``None`` for an unknown code."""
    return None if code is None else METHOD_NAMES.get(code)
