"""BOG's response codes as data, and what each one means in normalized terms.

Two tables (reference §4.2):

* :data:`PAYMENT_CODES` — ``payment_detail.code`` of a receipt: the outcome of the
  payment itself, success (100, 200) or a :class:`~payments_core.errors.DeclineCode`.
* :data:`ACTION_CODES` — ``actions[].code``: why a refund (or, rarely, a pre-auth
  approve or cancel) failed, as a normalized :class:`~payments_core.errors.ErrorCode`
  and the error class a caller would catch. ``refund_failed`` is for refunds only: a
  failed capture or void has its error class's own code (``payment_declined``,
  ``invalid_state``), since the core has no ``capture_failed``.

A code missing from a table never crashes anything: it reads as
``DeclineCode.UNKNOWN`` (payments) or a generic failure (actions), and the raw code
is kept on the result for support tickets.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from payments_bog import PROVIDER
from payments_core.errors import (
    DeclineCode,
    ErrorCode,
    InvalidRequestError,
    InvalidStateError,
    PaymentDeclinedError,
    PaymentError,
)
from payments_core.models import OperationKind

__all__ = [
    "ACTION_CODES",
    "PAYMENT_CODES",
    "ActionCode",
    "PaymentCode",
    "action_code",
    "action_error",
    "payment_code",
]


@dataclass(frozen=True)
class PaymentCode:
    """One payment response code. ``decline`` is ``None`` for the success codes."""

    code: str
    description: str | None
    decline: DeclineCode | None

    @property
    def is_success(self) -> bool:
        return self.decline is None


@dataclass(frozen=True)
class ActionCode:
    """One refund/action response code and the error it amounts to.

    ``error_code`` is the code of a failed refund, the action these codes are for;
    :meth:`error_code_for` gives the code for any kind of action.
    """

    code: str
    description: str | None
    error_code: ErrorCode
    error_class: type[PaymentError]
    decline: DeclineCode

    def error_code_for(self, kind: OperationKind) -> ErrorCode:
        """``refund_failed`` for a refund; the error class's own code for a capture or void."""
        return self.error_code if kind is OperationKind.REFUND else self.error_class.default_code


def _payment(code: str, description: str, decline: DeclineCode | None) -> PaymentCode:
    return PaymentCode(code, description, decline)


PAYMENT_CODES: Final[MappingProxyType[str, PaymentCode]] = MappingProxyType(
    {
        row.code: row
        for row in (
            _payment("100", "Successful payment", None),
            _payment(
                "101",
                "Declined: card usage restricted, contact the issuer",
                DeclineCode.CARD_RESTRICTED,
            ),
            _payment("102", "Saved card not found", DeclineCode.SAVED_CARD_NOT_FOUND),
            _payment("103", "Declined: invalid card", DeclineCode.INVALID_CARD),
            _payment(
                "104",
                "Declined: transaction count limit exceeded",
                DeclineCode.COUNT_LIMIT_EXCEEDED,
            ),
            _payment("105", "Declined: card expired", DeclineCode.CARD_EXPIRED),
            _payment("106", "Declined: amount limit exceeded", DeclineCode.AMOUNT_LIMIT_EXCEEDED),
            _payment(
                "107",
                "Payment declined due to insufficient funds in the account",
                DeclineCode.INSUFFICIENT_FUNDS,
            ),
            _payment("108", "Authentication declined", DeclineCode.AUTHENTICATION_FAILED),
            _payment("109", "Technical issue", DeclineCode.PROCESSING_ERROR),
            _payment("110", "Transaction time expired", DeclineCode.SESSION_EXPIRED),
            _payment("111", "Authentication timeout", DeclineCode.AUTHENTICATION_TIMEOUT),
            _payment("112", "General error", DeclineCode.GENERIC_DECLINE),
            _payment("122", "Declined by the acquirer bank", DeclineCode.ACQUIRER_DECLINED),
            _payment("199", "Unknown response", DeclineCode.UNKNOWN),
            _payment("200", "Successful preauthorization", None),
        )
    }
)
"""``payment_detail.code`` → meaning. 100 and 200 are the two successes."""


def _action(
    code: str,
    description: str,
    error_class: type[PaymentError],
    decline: DeclineCode,
) -> ActionCode:
    return ActionCode(code, description, ErrorCode.REFUND_FAILED, error_class, decline)


_CONTACT_ISSUER = "Refund failed, contact the issuing bank"

ACTION_CODES: Final[MappingProxyType[str, ActionCode]] = MappingProxyType(
    {
        row.code: row
        for row in (
            _action("161", _CONTACT_ISSUER, PaymentDeclinedError, DeclineCode.ISSUER_DECLINED),
            _action(
                "162",
                "The issuing bank declined the refund",
                PaymentDeclinedError,
                DeclineCode.ISSUER_DECLINED,
            ),
            _action(
                "163",
                "Not enough funds on the merchant account",
                InvalidStateError,
                DeclineCode.GENERIC_DECLINE,
            ),
            _action("164", _CONTACT_ISSUER, PaymentDeclinedError, DeclineCode.ISSUER_DECLINED),
            _action("165", _CONTACT_ISSUER, PaymentDeclinedError, DeclineCode.ISSUER_DECLINED),
            _action("166", _CONTACT_ISSUER, PaymentDeclinedError, DeclineCode.ISSUER_DECLINED),
            _action(
                "167",
                "Card expired, refund to an active card",
                PaymentDeclinedError,
                DeclineCode.CARD_EXPIRED,
            ),
            _action("168", _CONTACT_ISSUER, PaymentDeclinedError, DeclineCode.ISSUER_DECLINED),
            _action(
                "169",
                "Card expired or card details wrong, check them and retry",
                PaymentDeclinedError,
                DeclineCode.INVALID_CARD,
            ),
            _action("179", "Unknown response", PaymentDeclinedError, DeclineCode.UNKNOWN),
        )
    }
)
"""``actions[].code`` → meaning. Every listed code is a failed action."""


def _normalize(code: object) -> str | None:
    if code is None or isinstance(code, bool):
        return None
    text = str(code).strip()
    return text or None


def payment_code(code: object) -> PaymentCode | None:
    """The meaning of a payment response code; ``None`` when BOG sent none.

    An unknown code reads as an unknown decline, keeping the raw code.
    """
    key = _normalize(code)
    if key is None:
        return None
    return PAYMENT_CODES.get(key) or PaymentCode(key, None, DeclineCode.UNKNOWN)


def action_code(code: object) -> ActionCode | None:
    """The meaning of an action response code; ``None`` when BOG sent none.

    An unknown code reads as a generic failure, keeping the raw code.
    """
    key = _normalize(code)
    if key is None:
        return None
    return ACTION_CODES.get(key) or ActionCode(
        key, None, ErrorCode.REFUND_FAILED, PaymentDeclinedError, DeclineCode.UNKNOWN
    )


def action_error(
    code: object,
    *,
    kind: OperationKind | str = OperationKind.REFUND,
    message: str | None = None,
    payment_id: str | None = None,
) -> PaymentError:
    """The error a failed action (``actions[]`` entry with ``status: rejected``) amounts to.

    For callers who want to raise when an operation they asked for was rejected;
    ``kind`` is the failed :class:`~payments_core.models.Operation`'s ``kind``
    (a refund when left out). The action codes' texts speak of refunds, so a failed
    capture or void says what failed and keeps BOG's text in brackets.
    """
    info = action_code(code) or ActionCode(
        "", None, ErrorCode.REFUND_FAILED, PaymentDeclinedError, DeclineCode.UNKNOWN
    )
    try:
        what = OperationKind(kind)
    except ValueError:
        raise InvalidRequestError(
            f"kind must be refund, capture or void, not {kind!r}", field="kind", provider=PROVIDER
        ) from None
    if message:
        text = message
    elif what is OperationKind.REFUND:
        text = info.description or "BOG rejected the refund"
    else:
        text = f"BOG rejected the {what.value}"
        if info.code:
            text += f" (action code {info.code}: {info.description or 'undocumented'})"
    details: dict[str, Any] = {
        "code": info.error_code_for(what),
        "provider": PROVIDER,
        "provider_code": info.code or None,
        "provider_message": message,
        "payment_id": payment_id,
    }
    if issubclass(info.error_class, PaymentDeclinedError):
        return info.error_class(text, decline_code=info.decline, **details)
    return info.error_class(text, **details)
