"""The JSON bodies of successful answers, in TBC's documented casing and member order.

Shapes follow the reference's fixtures: create (3), details (5, 6, 8), completion (7)
and execution (9); cancel and delete answer the bare envelope. Amounts stay
``Decimal`` here; :mod:`.wire` writes them as plain numbers.
"""

from __future__ import annotations

from typing import Any

from .records import Payment, SavedCard, SavedCardState


def envelope() -> dict[str, Any]:
    """``httpStatusCode`` / ``developerMessage`` / ``userMessage``, as on every 200."""
    return {"httpStatusCode": 200, "developerMessage": None, "userMessage": None}


def recurring_card(saved: SavedCard | None) -> dict[str, Any] | None:
    """``recurringCard``: set once a card is saved, ``null`` before, on failure or after delete."""
    if saved is None or saved.card is None or saved.expiry_date is None:
        return None
    if saved.state in (SavedCardState.FAILED, SavedCardState.DELETED):
        return None
    return {"recId": saved.rec_id, "cardMask": saved.card.masked, "expiryDate": saved.expiry_date}


def created(payment: Payment, self_url: str, approval_url: str) -> dict[str, Any]:
    return {
        "payId": payment.pay_id,
        "status": payment.status.value,
        "currency": payment.currency,
        "amount": payment.amount,
        "links": [
            {"uri": self_url, "method": "GET", "rel": "self"},
            {"uri": approval_url, "method": "REDIRECT", "rel": "approval_url"},
        ],
        "transactionId": payment.transaction_id,
        "recId": payment.rec_id,
        "preAuth": payment.pre_auth,
        "expirationMinutes": payment.expiration_minutes,
        **envelope(),
    }


def details(payment: Payment, saved: SavedCard | None) -> dict[str, Any]:
    """``GET /payments/{payId}``; ``links`` is ``[]`` for checkout payments and ``null``
    for saved-card charges, as in the fixtures ([INF])."""
    return {
        "payId": payment.pay_id,
        "status": payment.status.value,
        "currency": payment.currency,
        "amount": payment.amount,
        "confirmedAmount": payment.confirmed_amount,
        "returnedAmount": payment.returned_amount,
        "links": None if payment.execution else [],
        "transactionId": payment.transaction_id,
        "recurringCard": recurring_card(saved),
        "paymentMethod": payment.payment_method,
        "preAuth": payment.pre_auth,
        "resultCode": payment.result_code,
        **envelope(),
    }


def completed(payment: Payment) -> dict[str, Any]:
    return {
        "status": payment.status.value,
        "amount": payment.amount,
        "confirmedAmount": payment.confirmed_amount,
        **envelope(),
    }


def executed(payment: Payment, saved: SavedCard) -> dict[str, Any]:
    """The synchronous answer to an execution (fixture 9: no ``resultCode``; read it
    with ``GET /payments/{payId}``)."""
    return {
        "payId": payment.pay_id,
        "status": payment.status.value,
        "currency": payment.currency,
        "amount": payment.amount,
        "confirmedAmount": payment.confirmed_amount,
        "returnedAmount": payment.returned_amount,
        "links": None,
        "transactionId": payment.transaction_id,
        "paymentMethod": payment.payment_method,
        "preAuth": payment.pre_auth,
        "recurringCard": recurring_card(saved),
        **envelope(),
    }
