"""BOG's own operations against the emulator: saved cards, subscriptions, Apple Pay.

They run through ``BogPayments`` / ``AsyncBogPayments`` on top of the facade (each
test runs under both).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from payments_bog.sandbox import SAVED_CARD, BogSandbox

from payments_core import DeclineCode, PaymentRequest, PaymentStatus

from .conftest import AMOUNT, CARD_INSUFFICIENT_FUNDS, CARD_OK, CallbackReceiver, Shop, paid

Checkout = Callable[..., PaymentRequest]


def apple_pay_token(card: str) -> str:
    """A token as Apple's SDK hands it over; the emulator reads the test card inside."""
    return json.dumps({"paymentData": {"data": f"sandbox:{card}"}, "transactionIdentifier": "x"})


async def test_a_card_saved_for_recurrent_use_pays_a_new_order_on_bogs_page(
    shop: Shop, sandbox: BogSandbox, receiver: CallbackReceiver, checkout: Checkout
) -> None:
    parent = await paid(shop, sandbox, checkout, provider_options={"save_card": "recurrent"})
    assert (await shop.get_payment(parent.id)).status is PaymentStatus.CAPTURED

    later = await shop.charge_saved_card(parent.id, checkout())
    assert later.id != parent.id
    assert later.status is PaymentStatus.PENDING
    assert later.redirect_url is not None  # the customer still confirms on BOG's page

    await sandbox.pay(later.id, SAVED_CARD)

    payment = await shop.get_payment(later.id)
    assert payment.status is PaymentStatus.CAPTURED
    assert payment.amount == AMOUNT
    assert payment.card is not None
    assert payment.card.masked_number == "400000xxxxxx0001"
    event = await shop.parse_webhook(receiver.wait_for(later.id, "completed"))
    assert event.payment.status is PaymentStatus.CAPTURED


async def test_save_card_before_payment_keeps_the_card_for_recurrent_charges(
    shop: Shop, sandbox: BogSandbox, checkout: Checkout
) -> None:
    parent = await shop.create_payment(checkout())
    await shop.save_card(parent.id, "recurrent")
    await sandbox.pay(parent.id, CARD_OK)

    later = await shop.charge_saved_card(parent.id, checkout())
    await sandbox.pay(later.id, SAVED_CARD)

    assert (await shop.get_payment(later.id)).status is PaymentStatus.CAPTURED


async def test_a_card_saved_for_subscriptions_is_charged_without_the_customer(
    shop: Shop, sandbox: BogSandbox, receiver: CallbackReceiver, checkout: Checkout
) -> None:
    parent = await paid(shop, sandbox, checkout, provider_options={"save_card": "subscription"})

    charge = await shop.charge_subscription(
        parent.id, callback_url=receiver.callback_url, external_id="SUB-2025-10"
    )
    assert charge.id != parent.id
    assert charge.redirect_url is None
    assert charge.status is PaymentStatus.PROCESSING
    assert charge.amount == AMOUNT  # BOG copies the parent's amount

    payment = await shop.get_payment(charge.id)
    assert payment.status is PaymentStatus.CAPTURED
    assert payment.external_id == "SUB-2025-10"
    event = await shop.parse_webhook(receiver.wait_for(charge.id, "completed"))
    assert event.payment.status is PaymentStatus.CAPTURED


async def test_a_deleted_saved_card_can_no_longer_be_charged(
    shop: Shop, sandbox: BogSandbox, checkout: Checkout
) -> None:
    parent = await paid(shop, sandbox, checkout, provider_options={"save_card": "subscription"})

    assert await shop.delete_saved_card(parent.id) is True

    charge = await shop.charge_subscription(parent.id)
    payment = await shop.get_payment(charge.id)
    assert payment.status is PaymentStatus.DECLINED
    assert payment.decline is not None
    assert payment.decline.code is DeclineCode.SAVED_CARD_NOT_FOUND


async def test_an_external_apple_pay_order_is_paid_by_completing_it_with_the_token(
    shop: Shop, receiver: CallbackReceiver, checkout: Checkout
) -> None:
    created = await shop.create_payment(
        checkout(payment_methods=["apple_pay"], provider_options={"apple_pay_external": True})
    )
    assert created.status is PaymentStatus.CREATED
    assert created.redirect_url is None

    payment = await shop.complete_apple_pay(created.id, apple_pay_token(CARD_OK))

    assert payment.id == created.id
    assert payment.status is PaymentStatus.CAPTURED
    assert payment.method == "apple_pay"
    assert (await shop.get_payment(created.id)).status is PaymentStatus.CAPTURED
    event = await shop.parse_webhook(receiver.wait_for(created.id, "completed"))
    assert event.payment.method == "apple_pay"


async def test_an_apple_pay_token_for_a_card_without_funds_declines_the_order(
    shop: Shop, checkout: Checkout
) -> None:
    created = await shop.create_payment(
        checkout(payment_methods=["apple_pay"], provider_options={"apple_pay_external": True})
    )

    payment = await shop.complete_apple_pay(created.id, apple_pay_token(CARD_INSUFFICIENT_FUNDS))

    assert payment.status is PaymentStatus.DECLINED
    assert payment.decline is not None
    assert payment.decline.code is DeclineCode.INSUFFICIENT_FUNDS
