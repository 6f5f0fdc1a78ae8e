"""BOG response codes as data.

Payment codes appear in ``payment_detail.code`` of a receipt, action codes in
``actions[].code``. The English texts follow the reference (§4.2); the wording of
codes 100, 107 and 200 matches BOG's own sample payloads.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

PAYMENT_CODES: Final = MappingProxyType(
    {
        "100": "Successful payment",
        "101": "Payment declined: card usage is restricted, contact the issuing bank",
        "102": "Saved card not found",
        "103": "Payment declined: invalid card",
        "104": "Payment declined: transaction count limit exceeded",
        "105": "Payment declined: card expired",
        "106": "Payment declined: amount limit exceeded",
        "107": "Payment declined due to insufficient funds in the account",
        "108": "Authentication declined",
        "109": "Technical issue",
        "110": "Transaction time expired",
        "111": "Authentication timeout",
        "112": "General error",
        "122": "Payment declined by the acquirer bank",
        "199": "Unknown response",
        "200": "Successful preauthorization",
    }
)

ACTION_CODES: Final = MappingProxyType(
    {
        "161": "Refund failed, contact the issuing bank",
        "162": "The issuing bank declined the refund",
        "163": "Not enough funds on the merchant account",
        "164": "Refund failed, contact the issuing bank",
        "165": "Refund failed, contact the issuing bank",
        "166": "Refund failed, contact the issuing bank",
        "167": "Card expired, refund to an active card",
        "168": "Refund failed, contact the issuing bank",
        "169": "Card expired or card details are wrong, check them and retry",
        "179": "Unknown response",
    }
)

SUCCESS: Final = "100"
PREAUTHORIZED: Final = "200"
SAVED_CARD_NOT_FOUND: Final = "102"


def describe(code: str) -> str:
    """English description of a payment or action code."""
    return PAYMENT_CODES.get(code) or ACTION_CODES.get(code) or PAYMENT_CODES["199"]
