"""TBC's own flows, beyond what every gateway has: charging and deleting saved cards.

A payment created with ``provider_options={"save_card": True}`` saves the buyer's
card once paid; TBC names it by a ``recId`` (:func:`saved_card_id`). The card can
then be charged with no buyer present (``POST /payments/execution``, reference
§4F) and forgotten (``POST /payments/{recId}/delete``, §4G). The arguments were
checked when the flow was made (:func:`payments_tbc.prechecks.check_charge`).
Applications run these through :class:`~payments_tbc.api.TbcPayments`.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from payments_core.errors import ProviderResponseError
from payments_core.models import CaptureMode, Payment
from payments_core.money import Money
from payments_core.provider import Flow
from payments_tbc import PROVIDER
from payments_tbc.details import payment_from_details
from payments_tbc.endpoints import Endpoints
from payments_tbc.prechecks import answered_id
from payments_tbc.wire import Details, acknowledgement, json_object, read

__all__ = ["Initiator", "charge", "delete", "saved_card_id"]

logger = logging.getLogger("payments_tbc")

Initiator = Literal["merchant", "customer"]
"""Who starts a saved-card charge: ``merchant`` (no buyer present, TBC's
``initiator: "merchant"``) or ``customer`` (the field is left out)."""


def saved_card_id(payment: Payment) -> str | None:
    """The ``recId`` of the card a payment saved, from what TBC answered (``raw``).

    The create answer carries it when ``save_card`` was asked for; the payment
    details carry it in ``recurringCard`` once the buyer paid (reference §13).
    """
    raw = payment.raw or {}
    lowered = {key.lower(): value for key, value in raw.items() if isinstance(key, str)}
    card = lowered.get("recurringcard")
    if isinstance(card, dict):
        for key, value in card.items():
            if isinstance(key, str) and key.lower() == "recid" and isinstance(value, str):
                return value
    rec_id = lowered.get("recid")
    return rec_id if isinstance(rec_id, str) and rec_id else None


def charge(
    endpoints: Endpoints,
    rec_id: str,
    amount: Money,
    *,
    initiator: Initiator,
    merchant_payment_id: str | None,
    pre_auth: bool,
) -> Flow[Payment]:
    """Charge a saved card; TBC answers at once with the new payment: ``captured``
    (``authorized`` with ``pre_auth``), or ``declined`` with the reason."""
    body: dict[str, Any] = {
        "recId": rec_id,
        "money": {"amount": amount.amount, "currency": amount.currency},
        "preAuth": pre_auth,
    }
    if initiator == "merchant":
        body["initiator"] = "merchant"
    if merchant_payment_id is not None:
        body["merchantPaymentId"] = merchant_payment_id
    response = yield endpoints.execution(body)
    data = json_object(response, "saved-card charge answer")
    details = read(Details, data, "saved-card charge answer")
    pay_id = answered_id(details.payId)
    payment = payment_from_details(
        details, data, payment_id=pay_id, amount=amount, external_id=merchant_payment_id
    )
    if payment.amount != amount:
        raise ProviderResponseError(
            f"TBC charged {payment.amount} when {amount} was asked for",
            provider=PROVIDER,
            payment_id=pay_id,
        )
    if pre_auth and payment.capture is not CaptureMode.MANUAL:
        logger.warning("TBC answered a pre-authorized charge %s as a direct sale", pay_id)
    return payment


def delete(endpoints: Endpoints, rec_id: str) -> Flow[bool]:
    """Forget a saved card: ``True`` when TBC deleted it, ``False`` when TBC answered
    404 ([INF] the card is unknown to TBC: already deleted, or never saved)."""
    response = yield endpoints.delete(rec_id)
    if response.status_code == 404:
        return False
    acknowledgement(response, "delete answer")
    return True
