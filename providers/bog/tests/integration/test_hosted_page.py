"""Buying through BOG's hosted payment page over real loopback HTTP.

The emulator runs on 127.0.0.1 (uvicorn), the shop's facade and the customer's
"browser" are plain httpx clients, and the signed callback arrives at the shop's own
HTTP endpoint, where the BOG provider verifies the exact bytes received.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

import httpx
import pytest
from payments_bog.sandbox import BogSandbox

from payments_core import (
    ErrorCode,
    PaymentRequest,
    PaymentStatus,
    WebhookVerificationError,
)

from .conftest import AMOUNT, CARD_OK, CallbackReceiver, Delivery, Shop

Checkout = Callable[..., PaymentRequest]


@dataclass
class Form:
    """The payment form as a browser sees it."""

    action: str = ""
    method: str = ""
    hidden: dict[str, str] = field(default_factory=dict)
    choices: dict[str, list[str]] = field(default_factory=dict)
    """Radio button name → the values offered."""


class FormReader(HTMLParser):
    """Reads the first ``<form>`` of a page: action, method, hidden fields, radio choices."""

    def __init__(self) -> None:
        super().__init__()
        self.form: Form | None = None
        self._inside = False
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form" and self.form is None:
            self.form = Form(values.get("action", ""), values.get("method", "get").lower())
            self._inside = True
        elif tag == "input" and self._inside and self.form is not None:
            kind, name = values.get("type", "text"), values.get("name", "")
            if kind == "hidden":
                self.form.hidden[name] = values.get("value", "")
            elif kind == "radio":
                self.form.choices.setdefault(name, []).append(values.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def read_page(html: str) -> tuple[Form, str]:
    reader = FormReader()
    reader.feed(html)
    assert reader.form is not None, "the payment page has no form"
    return reader.form, " ".join(reader.text)


@pytest.fixture
async def browser() -> AsyncIterator[httpx.AsyncClient]:
    """The customer's browser: real HTTP, redirects followed by hand."""
    async with httpx.AsyncClient(trust_env=False, timeout=5.0, follow_redirects=False) as client:
        yield client


async def buy_on_the_page(
    browser: httpx.AsyncClient, redirect_url: str, card: str
) -> httpx.Response:
    """Open the payment page, pick ``card`` and submit the form as a browser would."""
    page = await browser.get(redirect_url)
    assert page.status_code == 200
    form, _ = read_page(page.text)
    [card_field] = [name for name, values in form.choices.items() if card in values]
    assert form.method == "post"
    return await browser.post(
        urljoin(redirect_url, form.action), data={**form.hidden, card_field: card}
    )


@pytest.mark.parametrize("route", ["loopback-sync", "loopback-async"])
async def test_a_customer_pays_on_the_hosted_page_and_the_shop_verifies_the_callback(
    route: str,
    connect: Callable[..., Shop],
    sandbox: BogSandbox,
    receiver: CallbackReceiver,
    checkout: Checkout,
    browser: httpx.AsyncClient,
) -> None:
    shop = connect(route)
    created = await shop.create_payment(
        checkout(success_url=receiver.success_url, fail_url=receiver.fail_url)
    )
    assert created.redirect_url is not None
    assert created.redirect_url.startswith(sandbox.public_base_url)
    assert sandbox.public_base_url.startswith("http://127.0.0.1:")

    page = await browser.get(created.redirect_url)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    form, text = read_page(page.text)
    assert "27.50 GEL" in text
    assert form.hidden["order_id"] == created.id
    assert CARD_OK in form.choices["card"]

    answer = await browser.post(
        urljoin(created.redirect_url, form.action), data={**form.hidden, "card": CARD_OK}
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == receiver.success_url
    back = await browser.get(answer.headers["location"])
    assert back.status_code == 200
    assert [d.path for d in receiver.requests if d.method == "GET"] == ["/shop/success"]

    delivery = receiver.wait_for(created.id, "completed")
    assert delivery.path == "/bog/callback"
    assert dict(delivery.headers)["Callback-Signature"]
    event = await shop.parse_webhook(delivery)
    assert event.payment.id == created.id
    assert event.payment.status is PaymentStatus.CAPTURED
    assert event.payment.captured_amount == AMOUNT
    assert (await shop.get_payment(created.id)).status is PaymentStatus.CAPTURED


async def test_a_tampered_copy_of_a_received_callback_is_refused(
    connect: Callable[..., Shop],
    receiver: CallbackReceiver,
    checkout: Checkout,
    browser: httpx.AsyncClient,
) -> None:
    shop = connect("loopback-sync")
    created = await shop.create_payment(checkout())
    assert created.redirect_url is not None
    await buy_on_the_page(browser, created.redirect_url, CARD_OK)
    delivery = receiver.wait_for(created.id, "completed")
    assert (await shop.parse_webhook(delivery)).payment.status is PaymentStatus.CAPTURED

    tampered = delivery.body.replace(b'"completed"', b'"refunded"', 1)
    assert tampered != delivery.body
    forged = Delivery(delivery.method, delivery.path, delivery.headers, tampered)

    with pytest.raises(WebhookVerificationError) as refused:
        await shop.parse_webhook(forged)
    assert refused.value.code is ErrorCode.WEBHOOK_SIGNATURE_INVALID


async def test_a_declined_card_on_the_hosted_page_returns_the_customer_to_the_fail_url(
    connect: Callable[..., Shop],
    receiver: CallbackReceiver,
    checkout: Checkout,
    browser: httpx.AsyncClient,
) -> None:
    shop = connect("loopback-sync")
    created = await shop.create_payment(
        checkout(success_url=receiver.success_url, fail_url=receiver.fail_url)
    )
    assert created.redirect_url is not None

    answer = await buy_on_the_page(browser, created.redirect_url, "4000000000000002")

    assert answer.status_code == 303
    assert answer.headers["location"] == receiver.fail_url
    event = await shop.parse_webhook(receiver.wait_for(created.id, "rejected"))
    assert event.payment.status is PaymentStatus.DECLINED
