"""TBC's payment details (``GET /payments/{payId}``) → the core's :class:`Payment`.

TBC reports three amounts (reference §4C): ``amount`` (what the payment asked
for), ``confirmedAmount`` (what was captured; 0 while a hold waits) and
``returnedAmount`` (refunded so far). The normalized amounts follow from them:

* captured = ``confirmedAmount``; for a direct sale (no ``preAuth``) that TBC
  reports as paid, ``confirmedAmount`` when positive, else ``amount``;
* refunded = ``returnedAmount``, except for a hold of which nothing was captured:
  what TBC "returned" there is the hold, and nothing was refunded;
* authorized = ``amount`` once TBC approved the payment (held or paid), else unknown.

The status is the table's (:data:`~payments_tbc.statuses.STATUS_FACTS`), refined by
the amounts where TBC's status alone says less than they do
(:func:`status_of`). ``resultCode`` becomes the decline of a failed payment.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from payments_core.errors import DeclineCode, InvalidRequestError, ProviderResponseError
from payments_core.models import CaptureMode, CardDetails, Decline, Payment
from payments_core.money import Money
from payments_core.status import PaymentStatus
from payments_core.urls import check_url
from payments_tbc import PROVIDER
from payments_tbc.codes import decline_code, method_name
from payments_tbc.statuses import canonical_status, facts_for, payment_status
from payments_tbc.wire import Details, Link

__all__ = [
    "PaymentFacts",
    "approval_url",
    "facts_of",
    "money",
    "payment_from_details",
    "status_of",
]

logger = logging.getLogger("payments_tbc")

APPROVAL_REL: Final = "approval_url"
_EXPIRY: Final = re.compile(r"(0[1-9]|1[0-2])([0-9]{2})")
_MAX_VISIBLE_DIGITS: Final = 10


def money(amount: Decimal, currency: str) -> Money:
    """A TBC amount as Money; one the currency cannot hold is an unreadable answer."""
    try:
        return Money(amount, currency)
    except InvalidRequestError:
        raise ProviderResponseError(
            f"TBC sent an amount that is not valid {currency[:3]}", provider=PROVIDER
        ) from None


@dataclass(frozen=True)
class PaymentFacts:
    """What the status decision needs from the details, read and normalized."""

    status: str | None
    """TBC's status in its documented spelling, or as sent when undocumented."""
    pre_auth: bool
    amount: Decimal
    captured: Decimal | None
    refunded: Decimal | None


def facts_of(details: Details, amount: Decimal) -> PaymentFacts:
    """Normalize the details' status and amounts (rules in the module docs)."""
    key = canonical_status(details.status) if details.status else None
    row = facts_for(details.status)
    pre_auth = bool(details.preAuth) or row.held
    confirmed = details.confirmedAmount
    if not pre_auth and row.money_taken and not (confirmed and confirmed > 0):
        captured: Decimal | None = amount
    else:
        captured = confirmed
    refunded = details.returnedAmount
    if pre_auth and captured is not None and captured == 0:
        refunded = Decimal(0)  # a released hold refunds nothing
    return PaymentFacts(key or details.status, pre_auth, amount, captured, refunded)


def status_of(facts: PaymentFacts) -> PaymentStatus:
    """The normalized status: the table's, refined by the amounts.

    * A hold of which nothing was captured: ``Returned`` is ``canceled`` (the
      hold was released) and ``CancelPaymentProcessing`` stays ``authorized``
      (the release is under way; the funds are still held).
    * Paid statuses with money refunded: ``refunded`` when the refunds cover
      everything captured, else ``partially_refunded`` — whatever TBC's status
      said, the amounts are the better witness.
    * ``Succeeded`` for a hold captured in part: ``partially_captured`` (TBC
      released the rest).

    Which status each rule applies to, and what it becomes, are columns of the
    status table (``if_nothing_captured``, ``paid``, ``if_partly_captured``).
    """
    usual = payment_status(facts.status)
    row = facts_for(facts.status)
    captured, refunded = facts.captured, facts.refunded
    nothing_captured = captured is not None and captured == 0
    if facts.pre_auth and nothing_captured and row.if_nothing_captured is not None:
        return row.if_nothing_captured
    if row.paid and captured and captured > 0:
        if refunded is not None and refunded > 0:
            if refunded >= captured:
                return PaymentStatus.REFUNDED
            return PaymentStatus.PARTIALLY_REFUNDED
        partly_captured = facts.pre_auth and captured < facts.amount
        if partly_captured and row.if_partly_captured is not None:
            return row.if_partly_captured
    return usual


def approval_url(links: list[Link]) -> str | None:
    """The hosted page to send the buyer to: the ``approval_url`` link (else the
    ``REDIRECT`` one), when it is a usable https URL (http only on loopback)."""
    chosen = next((link for link in links if (link.rel or "").lower() == APPROVAL_REL), None)
    if chosen is None:
        chosen = next((link for link in links if (link.method or "").upper() == "REDIRECT"), None)
    if chosen is None or chosen.uri is None:
        return None
    try:
        return check_url(
            chosen.uri,
            field="approval_url",
            https_only=True,
            allow_http_loopback=True,
            allow_fragment=True,
        )
    except InvalidRequestError as exc:
        logger.warning("TBC sent an unusable approval_url link (%s); it is left out", exc.message)
        return None


def _card(details: Details) -> CardDetails | None:
    card = details.recurringCard
    if card is None or (card.cardMask is None and card.expiryDate is None):
        return None
    masked = card.cardMask
    if masked is not None and sum(map(str.isdigit, masked)) > _MAX_VISIBLE_DIGITS:
        logger.warning("TBC sent a card mask showing too many digits; it is left out")
        masked = None
    expiry = None
    found = _EXPIRY.fullmatch(card.expiryDate or "")
    if found:
        expiry = f"{found.group(1)}/{found.group(2)}"
    return CardDetails(masked_number=masked, expiry=expiry)


def _decline(details: Details) -> Decline:
    code = decline_code(details.resultCode) or DeclineCode.UNKNOWN
    message = details.userMessage or details.developerMessage
    return Decline(code=code, provider_code=details.resultCode, message=message)


def payment_from_details(
    details: Details,
    raw: dict[str, Any],
    *,
    payment_id: str,
    amount: Money | None = None,
    external_id: str | None = None,
    redirect_url: str | None = None,
) -> Payment:
    """The :class:`Payment` TBC's details describe.

    ``payment_id`` is the id asked about: an answer about another payment is
    unreadable. ``amount`` is what the caller already knows (a charge just
    made), used when the answer leaves the amount out and checked against it
    when the answer has one.
    """
    if details.payId is not None and details.payId != payment_id:
        raise ProviderResponseError(
            "TBC answered about another payment than the one asked for",
            provider=PROVIDER,
            payment_id=payment_id,
        )
    currency = (details.currency or (amount.currency if amount else "")).strip().upper()
    if not currency:
        raise ProviderResponseError(
            "TBC's payment details name no currency", provider=PROVIDER, payment_id=payment_id
        )
    if amount is not None and currency != amount.currency:
        raise ProviderResponseError(
            f"TBC answered in {currency[:3]} for a payment in {amount.currency}",
            provider=PROVIDER,
            payment_id=payment_id,
        )
    if details.amount is None and amount is None:
        raise ProviderResponseError(
            "TBC's payment details have no amount", provider=PROVIDER, payment_id=payment_id
        )
    total = money(details.amount, currency) if details.amount is not None else amount
    assert total is not None
    facts = facts_of(details, total.amount)
    status = status_of(facts)
    row = facts_for(facts.status)
    try:
        return Payment(
            id=payment_id,
            provider=PROVIDER,
            status=status,
            amount=total,
            external_id=details.merchantPaymentId or external_id,
            authorized_amount=total if row.money_taken or row.held else None,
            captured_amount=None if facts.captured is None else money(facts.captured, currency),
            refunded_amount=None if facts.refunded is None else money(facts.refunded, currency),
            redirect_url=approval_url(details.links) or redirect_url,
            method=method_name(details.paymentMethod),
            card=_card(details),
            decline=_decline(details) if status is PaymentStatus.DECLINED else None,
            capture=CaptureMode.MANUAL if facts.pre_auth else CaptureMode.AUTOMATIC,
            provider_transaction_id=details.transactionId,
            raw=raw,
        )
    except InvalidRequestError as exc:
        raise ProviderResponseError(
            f"TBC's payment details do not make a payment: {exc.message}",
            provider=PROVIDER,
            payment_id=payment_id,
        ) from None
