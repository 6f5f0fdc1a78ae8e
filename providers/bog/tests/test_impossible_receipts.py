"""A BOG receipt never becomes a payment that cannot be.

BOG's three amounts (requested, transferred, refunded) and its actions make the
payment's amounts. Nonsense in them (a negative amount, more captured than
ordered, more refunded than captured, ``refunded`` with nothing refunded) is a
:class:`ProviderResponseError` from the BOG reading itself, before the core's own
check: the refund and capture flows read the receipt to decide what to send.

The fuzz tests feed many generated receipts through ``get_payment`` by hand (no
driver, so no core check behind it) and accept either a refusal or a payment whose
amounts hold together.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pytest
from payments_bog import BogProvider
from payments_bog.receipt import money
from payments_bog.wire import OutBasketItem, Receipt, read

from payments_core import (
    ErrorCode,
    Money,
    Payment,
    PaymentError,
    PaymentStatus,
    ProviderResponseError,
    WebhookVerificationError,
    wire,
)
from payments_core.provider import Flow

ORDER = "bog-completed-1"


def read_payment(provider: BogProvider, respond: Any, finish: Any, body: Any) -> Payment:
    flow: Flow[Payment] = provider.get_payment(ORDER)
    next(flow)
    payment: Payment = finish(flow, respond(200, body))
    return payment


def refused(provider: BogProvider, respond: Any, finish: Any, body: Any) -> ProviderResponseError:
    with pytest.raises(ProviderResponseError) as raised:
        read_payment(provider, respond, finish, body)
    return raised.value


# -- the reading itself ------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["request_amount", "transfer_amount", "refund_amount"])
def test_a_negative_amount_makes_the_receipt_unreadable(field: str) -> None:
    with pytest.raises(ProviderResponseError) as raised:
        read(Receipt, {"order_id": "o", "purchase_units": {field: "-0.01"}}, "receipt")

    assert f"purchase_units.{field}" in raised.value.message


def test_a_negative_action_amount_makes_the_receipt_unreadable() -> None:
    body = {"order_id": "o", "actions": [{"action": "refund", "amount": -5}]}

    with pytest.raises(ProviderResponseError) as raised:
        read(Receipt, body, "receipt")

    assert "actions.0.amount" in raised.value.message


def test_a_basket_lines_figures_are_read_as_given() -> None:
    # Nothing of the payment comes from them: an odd line must not hide the payment.
    body = {"order_id": "o", "purchase_units": {"items": [{"unit_discount_price": "-1.00"}]}}

    receipt = read(Receipt, body, "receipt")

    assert receipt.purchase_units is not None
    assert receipt.purchase_units.items[0].unit_discount_price == Decimal("-1.00")


def test_money_refuses_a_negative_bog_amount() -> None:
    with pytest.raises(ProviderResponseError, match="negative"):
        money(Decimal("-1"), "GEL")


def test_a_fractional_basket_quantity_is_written_exactly() -> None:
    # Goods sold by weight; the core's LineItem.quantity is whole for now.
    item = OutBasketItem(product_id="CHEESE", quantity=Decimal("0.750"), unit_price=Decimal("30"))

    assert wire.dumps(item.model_dump(exclude_none=True)) == (
        b'{"product_id":"CHEESE","quantity":0.750,"unit_price":30}'
    )


# -- impossible combinations, through get_payment ----------------------------------------------


def test_a_negative_transfer_is_refused(
    provider: BogProvider, respond: Any, finish: Any, receipt: Any
) -> None:
    body = receipt("completed", purchase_units={"transfer_amount": "-10.90"})

    error = refused(provider, respond, finish, body)

    assert "purchase_units.transfer_amount" in error.message


def test_more_captured_than_ordered_is_refused(
    provider: BogProvider, respond: Any, finish: Any, receipt: Any
) -> None:
    body = receipt(
        "refunded_partially", purchase_units={"transfer_amount": "9.00", "refund_amount": "5.50"}
    )

    error = refused(provider, respond, finish, body)

    assert error.payment_id == ORDER
    assert "captured 14.50 GEL of a 10.90 GEL payment" in error.message


def test_more_refunded_than_captured_is_refused(
    provider: BogProvider, respond: Any, finish: Any, receipt: Any, action: Any
) -> None:
    body = receipt(
        "partial_completed",
        order_id=ORDER,
        purchase_units={"transfer_amount": "0.0", "refund_amount": "40.00"},
        actions=[action("partial_authorize", "30.00")],
    )

    error = refused(provider, respond, finish, body)

    assert "refunded 40.00 GEL, above the 30.00 GEL paid" in error.message


def test_refunded_with_nothing_refunded_is_refused(
    provider: BogProvider, respond: Any, finish: Any, receipt: Any
) -> None:
    body = receipt("refunded", order_id=ORDER, purchase_units={"refund_amount": "0.0"})

    error = refused(provider, respond, finish, body)

    assert "with nothing" in error.message


def test_a_signed_callback_with_an_impossible_receipt_is_refused(
    provider: BogProvider, receipt: Any, bog_keys: Any
) -> None:
    body = receipt("refunded", order_id=ORDER, purchase_units={"refund_amount": "0.0"})
    raw = wire.dumps({"event": "order_payment", "body": body})

    with pytest.raises(WebhookVerificationError) as raised:
        provider.parse_webhook({"Callback-Signature": bog_keys.sign(raw)}, raw)

    assert raised.value.code is ErrorCode.WEBHOOK_MALFORMED
    assert "with nothing refunded" in raised.value.message


def test_a_refund_is_not_sent_on_an_impossible_receipt(
    provider: BogProvider, respond: Any, receipt: Any
) -> None:
    body = receipt(
        "refunded_partially", purchase_units={"transfer_amount": "9.00", "refund_amount": "5.50"}
    )
    flow = provider.refund(ORDER, None, idempotency_key="k")
    next(flow)

    with pytest.raises(ProviderResponseError):
        flow.send(respond(200, body))


def test_an_order_of_nothing_is_refused(
    provider: BogProvider, respond: Any, finish: Any, receipt: Any
) -> None:
    body = receipt("created", order_id=ORDER, purchase_units={"request_amount": "0.0"})

    error = refused(provider, respond, finish, body)

    assert "zero" in error.message
    assert error.payment_id == ORDER


def test_a_released_hold_reported_as_refunded_is_a_cancel_not_an_impossible_refund(
    provider: BogProvider, respond: Any, finish: Any, receipt: Any, action: Any
) -> None:
    body = receipt(
        "blocked",
        order_id=ORDER,
        order_status={"key": "refunded"},
        purchase_units={"transfer_amount": "0.0", "refund_amount": "60.00"},
        actions=[action("cancel_authorize", "60.00")],
    )

    payment = read_payment(provider, respond, finish, body)

    assert payment.status is PaymentStatus.CANCELED
    assert payment.captured_amount == Money("0", "GEL")
    assert payment.refunded_amount == Money("0", "GEL")


def test_without_request_amount_the_order_is_at_least_what_was_taken(
    provider: BogProvider, respond: Any, finish: Any, receipt: Any
) -> None:
    body = receipt("refunded_partially", order_id=ORDER)
    body["purchase_units"]["request_amount"] = None

    payment = read_payment(provider, respond, finish, body)

    assert payment.amount == Money("10.90", "GEL")
    assert payment.status is PaymentStatus.PARTIALLY_REFUNDED


# -- fuzz ----------------------------------------------------------------------------------------

KEYS = (
    "created",
    "processing",
    "auth_requested",
    "blocked",
    "completed",
    "partial_completed",
    "rejected",
    "refund_requested",
    "refunded",
    "refunded_partially",
    "chargeback",
    None,
)
AMOUNTS = (
    None,
    "",
    "0",
    "0.0",
    "0.01",
    "5.40",
    "5.50",
    "10.90",
    "60",
    "100.5",
    "1000000",
    "-0.01",
    "-10.90",
    "1.005",
    12,
    -3,
    "abc",
)
ACTIONS = ("authorize", "partial_authorize", "cancel_authorize", "refund", "partial_refund")
PAID = frozenset(
    {
        PaymentStatus.PARTIALLY_CAPTURED,
        PaymentStatus.CAPTURED,
        PaymentStatus.REFUND_PENDING,
        PaymentStatus.PARTIALLY_REFUNDED,
        PaymentStatus.REFUNDED,
    }
)


def random_receipt(rng: random.Random, base: dict[str, Any]) -> dict[str, Any]:
    body = dict(base)
    body["order_id"] = ORDER
    body["capture"] = rng.choice(("automatic", "manual", None))
    body["order_status"] = {"key": rng.choice(KEYS), "value": "?"}
    body["purchase_units"] = {
        "request_amount": rng.choice(AMOUNTS),
        "transfer_amount": rng.choice(AMOUNTS),
        "refund_amount": rng.choice(AMOUNTS),
        "currency_code": rng.choice(("GEL", "GEL", "USD", None)),
    }
    body["actions"] = [
        {
            "action_id": f"a-{index}",
            "action": rng.choice(ACTIONS),
            "status": rng.choice(("completed", "rejected", None)),
            "amount": rng.choice(AMOUNTS),
        }
        for index in range(rng.randrange(4))
    ]
    return body


def impossibilities(payment: Payment) -> list[str]:
    """What cannot be true of a payment, written out here independently of the library."""
    found = []
    amount = payment.amount.amount
    currency = payment.amount.currency
    amounts = {
        "authorized": payment.authorized_amount,
        "captured": payment.captured_amount,
        "refunded": payment.refunded_amount,
    }
    if amount <= 0:
        found.append("the order amount is not positive")
    for name, value in amounts.items():
        if value is not None and (value.amount < 0 or value.currency != currency):
            found.append(f"{name} is {value}")
    captured, refunded = payment.captured_amount, payment.refunded_amount
    authorized = payment.authorized_amount
    if captured is not None and captured.amount > amount:
        found.append("captured above the order")
    if authorized is not None and authorized.amount > amount:
        found.append("authorized above the order")
    ceiling = captured.amount if captured is not None else amount
    if refunded is not None and refunded.amount > ceiling:
        found.append("refunded above captured")
    if payment.status in PAID and captured is not None and captured.amount <= 0:
        found.append(f"{payment.status.value} with nothing captured")
    refund_statuses = (PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED)
    if payment.status in refund_statuses and (refunded is None or refunded.amount <= 0):
        found.append(f"{payment.status.value} with nothing refunded")
    for operation in payment.operations:
        if operation.amount is not None and operation.amount.amount < 0:
            found.append(f"operation {operation.id} of {operation.amount}")
    return found


@pytest.mark.parametrize("seed", range(8))
def test_generated_receipts_are_refused_or_make_a_possible_payment(
    provider: BogProvider, respond: Any, finish: Any, receipt: Any, seed: int
) -> None:
    rng = random.Random(seed)
    base = receipt("completed")
    outcomes = {"refused": 0, "read": 0}
    for _ in range(400):
        body = random_receipt(rng, base)
        try:
            payment = read_payment(provider, respond, finish, body)
        except ProviderResponseError:
            outcomes["refused"] += 1
            continue
        outcomes["read"] += 1
        assert impossibilities(payment) == [], body

    assert outcomes["refused"] > 0
    assert outcomes["read"] > 0


@pytest.mark.parametrize("seed", range(4))
def test_generated_receipts_never_give_a_negative_held_or_refundable_amount(
    provider: BogProvider, respond: Any, receipt: Any, seed: int
) -> None:
    # The capture and refund flows read the receipt before sending: what they would
    # send must be a positive amount, or nothing at all.
    rng = random.Random(1000 + seed)
    base = receipt("completed")
    for _ in range(300):
        body = random_receipt(rng, base)
        for flow in (
            provider.refund(ORDER, None, idempotency_key="k"),
            provider.capture(ORDER, None, idempotency_key="k"),
        ):
            next(flow)
            try:
                request = flow.send(respond(200, body))
            except PaymentError:
                continue
            sent = wire.loads(request.content)
            assert Decimal(sent["amount"]) > 0, body
