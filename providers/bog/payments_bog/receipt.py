"""A BOG receipt (``GET /receipt/{id}`` or a callback body) → the core's :class:`Payment`.

BOG reports three amounts: ``request_amount`` (what the order asked for),
``transfer_amount`` (what was taken or, for a pre-authorization, held; it falls as
refunds are made) and ``refund_amount``. The normalized amounts follow from them:

* captured = transfer + refund for a paid order; for a pre-authorized (manual) order,
  the sum of its completed approve actions when there are any (BOG's ``completed``
  does not always say whether an approve was partial);
* authorized = what was held: transfer while ``blocked``, the requested amount once
  approved, the captured amount for an automatic order;
* refunded = refund;
* an unpaid, rejected or cancelled order has nothing captured or refunded.

The actions become :class:`~payments_core.models.Operation` history entries.

A receipt whose amounts cannot all be true (more captured than ordered, more
refunded than captured, ``refunded`` with nothing refunded, a negative amount) is
refused with :class:`~payments_core.errors.ProviderResponseError`: taken at face
value it would read as a normal payment, and the refund and capture checks that
read it before sending would count on it.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any, Final

from payments_bog import PROVIDER
from payments_bog.codes import action_code, payment_code
from payments_bog.statuses import EXPIRATION, STATUS_FACTS, OrderFacts, payment_status
from payments_bog.wire.answers import PaymentDetail, Receipt, ReceiptAction
from payments_core.errors import DeclineCode, InvalidRequestError, ProviderResponseError
from payments_core.models import (
    CaptureMode,
    CardDetails,
    Decline,
    Operation,
    OperationKind,
    OperationStatus,
    Payment,
)
from payments_core.money import Money, minor_unit_exponent
from payments_core.plausibility import payment_problems
from payments_core.status import PaymentStatus

__all__ = ["ACTION_KINDS", "DEFAULT_CURRENCY", "money", "order_facts", "payment_from_receipt"]

logger = logging.getLogger("payments_bog")

DEFAULT_CURRENCY: Final = "GEL"
"""BOG's default currency, assumed when a receipt does not name one."""

ACTION_KINDS: Final[dict[str, OperationKind]] = {
    "authorize": OperationKind.CAPTURE,
    "partial_authorize": OperationKind.CAPTURE,
    "capture": OperationKind.CAPTURE,
    "cancel_authorize": OperationKind.VOID,
    "cancel": OperationKind.VOID,
    "refund": OperationKind.REFUND,
    "partial_refund": OperationKind.REFUND,
}
"""``actions[].action`` → operation kind. ``capture`` and ``cancel`` are seen in one
client only; reading them costs nothing."""

ACTION_STATUSES: Final[dict[str, OperationStatus]] = {
    "completed": OperationStatus.SUCCEEDED,
    "rejected": OperationStatus.FAILED,
}
"""``actions[].status`` → operation status; anything else is still pending."""

_CARD_NUMBER_METHODS: Final = frozenset({"card", "google_pay"})
_CARD_METHODS: Final = _CARD_NUMBER_METHODS | {"apple_pay"}
_MAX_VISIBLE_DIGITS: Final = 10


def money(amount: Decimal, currency: str) -> Money:
    """A BOG amount as Money; a negative one, or one the currency cannot hold, is unreadable."""
    if amount < 0:
        raise ProviderResponseError("BOG sent a negative amount", provider=PROVIDER)
    try:
        return Money(amount, currency)
    except InvalidRequestError:
        raise ProviderResponseError(
            f"BOG sent an amount that is not valid {currency}", provider=PROVIDER
        ) from None


def _currency(receipt: Receipt) -> str:
    units = receipt.purchase_units
    code = (units.currency_code if units else None) or DEFAULT_CURRENCY
    code = code.strip().upper()
    try:
        minor_unit_exponent(code)
    except InvalidRequestError:
        raise ProviderResponseError(
            "BOG's receipt names a currency this library does not know", provider=PROVIDER
        ) from None
    return code


def _sum(values: list[Decimal]) -> Decimal:
    total = Decimal(0)
    for value in values:
        total += value
    return total


def _completed(receipt: Receipt, kind: OperationKind) -> list[ReceiptAction]:
    return [
        action
        for action in receipt.actions
        if ACTION_KINDS.get((action.action or "").strip().lower()) is kind
        and (action.status or "").strip().lower() == "completed"
    ]


def order_facts(receipt: Receipt) -> OrderFacts:
    """The amounts and flags the status decision needs (rules in the module docs)."""
    key = receipt.status_key
    units = receipt.purchase_units
    if units is not None:
        requested, transfer = units.request_amount, units.transfer_amount
        refund = units.refund_amount or Decimal(0)
    else:
        requested = transfer = None
        refund = Decimal(0)
    manual = receipt.is_manual
    if receipt.actions:
        hold_cancelled = bool(_completed(receipt, OperationKind.VOID))
        approvals = [a.amount for a in _completed(receipt, OperationKind.CAPTURE) if a.amount]
    else:  # most receipts: nothing approved, refunded or cancelled yet
        hold_cancelled, approvals = False, []

    authorized: Decimal | None
    captured: Decimal | None
    refunded: Decimal | None
    row = STATUS_FACTS.get(key or "")
    if row is None:
        authorized = captured = refunded = None  # undocumented key: amounts unknown
    elif row.held:
        authorized = transfer if transfer is not None else requested
        captured, refunded = Decimal(0), Decimal(0)
    elif row.paid:
        if manual and approvals:
            captured = _sum(approvals)
        elif transfer is not None:
            captured = transfer + refund
        else:
            captured = requested
        refunded = refund
        if manual and hold_cancelled and not approvals:
            # A released hold, whatever BOG calls it: nothing was taken, nothing refunded.
            captured = refunded = Decimal(0)
        authorized = requested if manual else captured
        if authorized is not None and captured is not None and captured > authorized:
            authorized = captured
    else:
        authorized = captured = refunded = Decimal(0)  # nothing held or taken (yet)
    return OrderFacts(
        key=key,
        manual=manual,
        reject_reason=receipt.reject_reason,
        authorized=authorized,
        captured=captured,
        refunded=refunded,
        hold_cancelled=hold_cancelled,
    )


def _card(detail: PaymentDetail | None, method: str | None) -> CardDetails | None:
    """The card ``detail`` shows; ``method`` is ``detail.method``, read once by the caller."""
    if detail is None or method not in _CARD_METHODS:
        return None
    masked = detail.payer_identifier if method in _CARD_NUMBER_METHODS else None
    if masked is not None and sum(map(str.isdigit, masked)) > _MAX_VISIBLE_DIGITS:
        logger.warning("BOG sent a payer identifier that is not masked; it was dropped")
        masked = None
    if masked is None and detail.card_type is None and detail.card_expiry_date is None:
        return None
    return CardDetails(masked_number=masked, brand=detail.card_type, expiry=detail.card_expiry_date)


_DECLINED: Final = frozenset({PaymentStatus.DECLINED, PaymentStatus.EXPIRED})
"""The statuses a payment carries a :class:`Decline` in."""


def _decline(receipt: Receipt, status: PaymentStatus) -> Decline:
    detail = receipt.payment_detail
    raw_code = detail.code if detail else None
    info = payment_code(raw_code)
    expired = (receipt.reject_reason or "").strip().lower() == EXPIRATION
    if info is not None and not info.is_success:
        assert info.decline is not None
        code = info.decline
    elif expired:
        code = DeclineCode.SESSION_EXPIRED
    else:
        code = DeclineCode.UNKNOWN
    message = (
        (detail.code_description if detail else None)
        or (info.description if info else None)
        or receipt.reject_reason
    )
    return Decline(code=code, provider_code=info.code if info else None, message=message)


def _operation(action: ReceiptAction, payment_id: str, currency: str) -> Operation | None:
    kind = ACTION_KINDS.get((action.action or "").strip().lower())
    if kind is None:
        logger.info("ignoring an undocumented BOG action %r", action.action)
        return None
    status = ACTION_STATUSES.get((action.status or "").strip().lower(), OperationStatus.PENDING)
    info = action_code(action.code)
    message = action.code_description
    if message is None and info is not None:
        # The action codes' own texts are about refunds.
        if kind is OperationKind.REFUND:
            message = info.description
        elif status is OperationStatus.FAILED:
            message = f"BOG rejected the {kind.value} (action code {info.code})"
    return Operation(
        id=action.action_id,
        kind=kind,
        status=status,
        payment_id=payment_id,
        provider=PROVIDER,
        amount=money(action.amount, currency) if action.amount is not None else None,
        created_at=action.happened_at,
        provider_code=info.code if info else None,
        message=message,
        raw=action.model_dump(mode="json"),
    )


_CAPTURE_MODES: Final = {mode.value: mode for mode in (CaptureMode.AUTOMATIC, CaptureMode.MANUAL)}


def _capture_mode(receipt: Receipt) -> CaptureMode | None:
    return _CAPTURE_MODES.get((receipt.capture or "").strip().lower())


def payment_from_receipt(
    receipt: Receipt, raw: dict[str, Any] | None = None, *, redirect_url: str | None = None
) -> Payment:
    """Normalize one receipt. ``raw`` (the payload as received) is kept on the Payment.

    A receipt that does not fit the core's models raises ProviderResponseError.
    """
    try:
        payment = _payment(receipt, raw, redirect_url)
    except InvalidRequestError as exc:
        raise ProviderResponseError(
            f"BOG's receipt does not make a valid payment ({exc.field or 'payment'})",
            provider=PROVIDER,
            payment_id=receipt.order_id,
        ) from None
    except ProviderResponseError as exc:
        if exc.payment_id is not None:
            raise
        raise ProviderResponseError(
            exc.message, code=exc.code, provider=PROVIDER, payment_id=receipt.order_id
        ) from None
    problems = payment_problems(payment)
    if problems:
        raise ProviderResponseError(
            f"BOG's receipt for {receipt.order_id} shows an impossible payment: "
            + "; ".join(problems),
            provider=PROVIDER,
            payment_id=receipt.order_id,
        )
    return payment


def _payment(receipt: Receipt, raw: dict[str, Any] | None, redirect_url: str | None) -> Payment:
    currency = _currency(receipt)
    units = receipt.purchase_units
    requested = units.request_amount if units else None
    if requested is None and units is not None and units.transfer_amount is not None:
        # Without the ordered amount, what was taken is the least it can have been.
        requested = units.transfer_amount + (units.refund_amount or Decimal(0))
    if requested is None:
        raise ProviderResponseError(
            "BOG's receipt has no purchase_units.request_amount", provider=PROVIDER
        )
    if requested <= 0:
        # BOG takes no order of nothing (total_amount must be above zero).
        raise ProviderResponseError("BOG's receipt has an order amount of zero", provider=PROVIDER)
    facts = order_facts(receipt)
    status = payment_status(facts)

    # Equal amounts make equal Money (it keeps the currency's precision) or fail alike,
    # and a receipt's amounts often repeat (captured = authorized = requested): each
    # distinct amount is made once.
    amount = money(requested, currency)
    made = {requested: amount}
    held: list[Money | None] = []
    for value in (facts.authorized, facts.captured, facts.refunded):
        if value is None:
            held.append(None)
        elif value in made:
            held.append(made[value])
        else:
            made[value] = made_now = money(value, currency)
            held.append(made_now)

    detail = receipt.payment_detail
    method = detail.method if detail is not None else None
    actions = receipt.actions
    operations = (
        tuple(
            op
            for op in (_operation(a, receipt.order_id, currency) for a in actions)
            if op is not None
        )
        if actions
        else ()
    )
    return Payment(
        id=receipt.order_id,
        provider=PROVIDER,
        status=status,
        amount=amount,
        external_id=receipt.external_order_id,
        authorized_amount=held[0],
        captured_amount=held[1],
        refunded_amount=held[2],
        redirect_url=redirect_url,
        method=method,
        card=_card(detail, method),
        decline=_decline(receipt, status) if status in _DECLINED else None,
        capture=_capture_mode(receipt),
        created_at=receipt.created_at,
        expires_at=receipt.expires_at,
        provider_transaction_id=detail.transaction_id if detail else None,
        operations=operations,
        raw=raw,
    )
