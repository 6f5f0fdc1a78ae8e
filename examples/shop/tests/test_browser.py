"""End to end in a real browser: headless Chromium driven by Playwright.

The shop and the BOG or TBC emulator run for real with uvicorn on 127.0.0.1
(threads, free ports). The browser buys a product, pays on the emulator's hosted
page, and comes back to the shop, whose order was updated by the emulator's
callback on the shop's real callback endpoint (BOG's signed; TBC's unsigned, from
127.0.0.1, verified by reading the payment back). Each step leaves a screenshot
in ``test-artifacts/screenshots/``.

Needs Debian's ``chromium`` (``apt-get install -y chromium``) and the
``playwright`` package (never ``playwright install``: the browser is Debian's).
Without them these tests are skipped, unless ``SHOP_BROWSER_TESTS=required``,
which CI sets so that a missing install step fails instead of hiding.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from payments_bog.sandbox import BogSandbox
from payments_tbc.demo import sandbox_settings as tbc_sandbox_settings
from payments_tbc.sandbox import TbcSandbox

from examples.shop.app import CALLBACK_PATH, create_app
from examples.shop.orders import Order, OrderBook
from examples.shop.server import bind_loopback, serve_in_thread, url_of
from examples.shop.tests.harness import DECLINED_CARD, SUCCESS_CARD
from payments_core import AsyncPayments, PaymentStatus

REQUIRED = os.environ.get("SHOP_BROWSER_TESTS") == "required"
CHROMIUM = os.environ.get("SHOP_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"


def _unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"{reason} (SHOP_BROWSER_TESTS=required)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


try:
    from playwright.sync_api import Browser, Page, expect, sync_playwright
except ImportError:
    _unavailable("playwright is not installed: .venv/bin/pip install playwright")
if not Path(CHROMIUM).is_file():
    _unavailable(f"no Chromium at {CHROMIUM}: apt-get install -y chromium")


@dataclass
class LiveShop:
    """A shop served on loopback, and the gateway behind it."""

    url: str
    orders: OrderBook
    sandbox: BogSandbox | None = None
    sandbox_url: str | None = None
    tbc: TbcSandbox | None = None

    def newest_order(self) -> Order:
        return self.orders.all()[0]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser profile (no cookies, so an empty cart) per test."""
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def bog_live() -> Iterator[LiveShop]:
    """The BOG emulator and the shop, both served by uvicorn on 127.0.0.1."""
    sandbox = BogSandbox()
    with ExitStack() as stack:
        sandbox_url = stack.enter_context(sandbox.serve())
        sock = bind_loopback(0)
        shop_url = url_of(sock)
        payments = AsyncPayments("bog", **sandbox.provider_settings(), language="en")
        orders = OrderBook()
        app = create_app(payments, orders=orders, public_url=shop_url, close_payments=True)
        stack.enter_context(serve_in_thread(app, sock))
        yield LiveShop(shop_url, orders, sandbox, sandbox_url)


@pytest.fixture(scope="module")
def tbc_live() -> Iterator[LiveShop]:
    """The TBC emulator and the shop, both served by uvicorn on 127.0.0.1."""
    sandbox = TbcSandbox()
    with ExitStack() as stack:
        sandbox_url = stack.enter_context(sandbox.serve())
        sock = bind_loopback(0)
        shop_url = url_of(sock)
        payments = AsyncPayments("tbc", **tbc_sandbox_settings(sandbox, sandbox_url))
        orders = OrderBook()
        app = create_app(payments, orders=orders, public_url=shop_url, close_payments=True)
        stack.enter_context(serve_in_thread(app, sock))
        yield LiveShop(shop_url, orders, sandbox_url=sandbox_url, tbc=sandbox)


@pytest.fixture(scope="module")
def dummy_live() -> Iterator[LiveShop]:
    """The shop on the dummy gateway, its stand-in payment page as the hosted page."""
    sock = bind_loopback(0)
    shop_url = url_of(sock)
    payments = AsyncPayments(
        "dummy", store=f"browser-{uuid.uuid4().hex}", hosted_page_url=f"{shop_url}/dummy-pay"
    )
    orders = OrderBook()
    app = create_app(payments, orders=orders, public_url=shop_url, close_payments=True)
    with serve_in_thread(app, sock):  # the app closes payments when the server stops
        yield LiveShop(shop_url, orders)


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def add_and_checkout(
    page: Page, shop: LiveShop, product: str, *, reserve: bool = False, prefix: str = ""
) -> None:
    """Product page -> add to cart -> cart -> checkout (pay now or reserve)."""
    page.goto(f"{shop.url}/")
    expect(page.locator("h1")).to_have_text("Georgian pantry goods")
    if prefix:
        shot(page, f"{prefix}-products")
    page.locator(f'[data-product="{product}"] button').click()
    page.wait_for_url(f"{shop.url}/cart")
    expect(page.locator("[data-total]")).to_contain_text("GEL")
    if reserve:
        page.check('input[name="capture"][value="manual"]')
    if prefix:
        shot(page, f"{prefix}-cart")
    page.get_by_role("button", name=re.compile("^Checkout")).click()


def pay_on_bog(page: Page, shop: LiveShop, card: str, *, screenshot: str = "") -> None:
    assert shop.sandbox_url is not None
    page.wait_for_url(re.compile(re.escape(shop.sandbox_url) + r"/\?order_id="))
    expect(page.locator(".badge")).to_have_text("SANDBOX")
    if screenshot:
        shot(page, screenshot)
    page.check(f'input[name="card"][value="{card}"]')
    page.get_by_role("button", name=re.compile("^Pay")).click()


def pay_on_tbc(page: Page, shop: LiveShop, card: str, *, screenshot: str = "") -> None:
    assert shop.sandbox_url is not None
    page.wait_for_url(re.compile(re.escape(shop.sandbox_url) + r"/checkout/\w+"))
    expect(page.locator(".badge")).to_contain_text("TBC sandbox")
    expect(page.locator(".amount")).to_contain_text("GEL")
    if screenshot:
        shot(page, screenshot)
    page.check(f'input[name="card"][value="{card}"]')
    page.get_by_role("button", name=re.compile("^Pay")).click()


def test_buying_with_the_success_card(page: Page, bog_live: LiveShop) -> None:
    add_and_checkout(page, bog_live, "saperavi", prefix="01")
    pay_on_bog(page, bog_live, SUCCESS_CARD, screenshot="02-bog-hosted-page")

    page.wait_for_url(re.compile(re.escape(bog_live.url) + r"/checkout/success/\d+"))
    expect(page.locator("h1")).to_have_text("Thank you! Your payment was received.")
    expect(page.locator(".badge.big")).to_have_attribute("data-status", "captured")
    expect(page.locator("dl.facts")).to_contain_text("400000xxxxxx0001")
    shot(page, "03-paid")
    page.set_viewport_size({"width": 390, "height": 800})  # a phone
    shot(page, "03-paid-narrow")

    order = bog_live.newest_order()
    assert order.status is PaymentStatus.CAPTURED
    assert "callback" in {entry.source for entry in order.history}
    assert bog_live.sandbox is not None
    delivered = [d for d in bog_live.sandbox.callbacks if d.order_id == order.payment_id]
    assert delivered
    assert delivered[0].url == f"{bog_live.url}{CALLBACK_PATH}"
    assert delivered[0].status_code == 200


def test_a_declined_card_shows_the_reason(page: Page, bog_live: LiveShop) -> None:
    add_and_checkout(page, bog_live, "churchkhela")
    pay_on_bog(page, bog_live, DECLINED_CARD)

    page.wait_for_url(re.compile(re.escape(bog_live.url) + r"/checkout/fail/\d+"))
    expect(page.locator("h1")).to_have_text("Payment declined")
    expect(page.locator("[data-decline]")).to_contain_text("insufficient funds")
    expect(page.locator(".badge.big")).to_have_attribute("data-status", "declined")
    shot(page, "04-declined")
    assert bog_live.newest_order().status is PaymentStatus.DECLINED


def test_admin_refund(page: Page, bog_live: LiveShop) -> None:
    add_and_checkout(page, bog_live, "felt-slippers")
    pay_on_bog(page, bog_live, SUCCESS_CARD)
    page.wait_for_url(re.compile(r".*/checkout/success/\d+"))
    order = bog_live.newest_order()

    page.goto(f"{bog_live.url}/admin")
    row = page.locator(f'tr[data-order="{order.id}"]')
    expect(row.locator(".badge")).to_have_attribute("data-status", "captured")
    shot(page, "05-admin")
    row.get_by_role("button", name="Refund").click()

    page.wait_for_url(re.compile(r".*/admin\?notice="))
    expect(page.locator(".notice")).to_contain_text("The order is now refunded")
    expect(row.locator(".badge")).to_have_attribute("data-status", "refunded")
    shot(page, "06-admin-refunded")
    page.goto(f"{bog_live.url}/orders/{order.id}")
    expect(page.locator(".badge.big")).to_have_text("refunded")
    shot(page, "07-order-refunded")
    assert bog_live.newest_order().status is PaymentStatus.REFUNDED


def test_reserve_then_capture(page: Page, bog_live: LiveShop) -> None:
    add_and_checkout(page, bog_live, "svanetian-salt", reserve=True)
    pay_on_bog(page, bog_live, SUCCESS_CARD)
    page.wait_for_url(re.compile(r".*/checkout/success/\d+"))
    expect(page.locator("h1")).to_have_text("Thank you! The amount is reserved on your card.")
    expect(page.locator(".badge.big")).to_have_attribute("data-status", "authorized")
    shot(page, "08-reserved")
    order = bog_live.newest_order()

    page.goto(f"{bog_live.url}/admin")
    row = page.locator(f'tr[data-order="{order.id}"]')
    row.get_by_role("button", name="Capture").click()
    page.wait_for_url(re.compile(r".*/admin\?notice="))
    expect(row.locator(".badge")).to_have_attribute("data-status", "captured")
    assert bog_live.newest_order().status is PaymentStatus.CAPTURED


def test_the_dummy_gateway_through_the_shops_stand_in_page(
    page: Page, dummy_live: LiveShop
) -> None:
    add_and_checkout(page, dummy_live, "saperavi")
    page.wait_for_url(re.compile(re.escape(dummy_live.url) + r"/dummy-pay/"))
    expect(page.locator("h1")).to_have_text("Test payment")
    shot(page, "09-dummy-page")
    page.get_by_role("button", name="Pay with test card").click()

    page.wait_for_url(re.compile(r".*/checkout/success/\d+"))
    expect(page.locator(".badge.big")).to_have_attribute("data-status", "captured")
    shot(page, "10-dummy-paid")
    order = dummy_live.newest_order()
    assert order.status is PaymentStatus.CAPTURED
    assert "callback" in {entry.source for entry in order.history}


def test_tbc_buy_pay_on_its_page_then_refund_in_full(page: Page, tbc_live: LiveShop) -> None:
    add_and_checkout(page, tbc_live, "felt-slippers")
    pay_on_tbc(page, tbc_live, SUCCESS_CARD, screenshot="11-tbc-hosted-page")

    # TBC's one return URL; the page tells the outcome from the payment the shop reads.
    page.wait_for_url(re.compile(re.escape(tbc_live.url) + r"/checkout/success/\d+"))
    expect(page.locator("h1")).to_have_text("Thank you! Your payment was received.")
    expect(page.locator(".badge.big")).to_have_attribute("data-status", "captured")
    expect(page.locator("dl.facts")).to_contain_text("55.00 GEL")
    shot(page, "12-tbc-paid")

    order = tbc_live.newest_order()
    assert order.status is PaymentStatus.CAPTURED
    assert "callback" in {entry.source for entry in order.history}
    assert tbc_live.tbc is not None
    delivered = [d for d in tbc_live.tbc.callbacks if d.pay_id == order.payment_id]
    assert [(d.url, d.status_code) for d in delivered] == [(f"{tbc_live.url}{CALLBACK_PATH}", 200)]
    assert delivered[0].payload() == {"PaymentId": order.payment_id}

    page.goto(f"{tbc_live.url}/admin")
    expect(page.locator(".lead").first).to_contain_text("(tbc)")
    row = page.locator(f'tr[data-order="{order.id}"]')
    expect(row.locator(".badge")).to_have_attribute("data-status", "captured")
    row.get_by_role("button", name="Refund").click()

    page.wait_for_url(re.compile(r".*/admin\?notice="))
    expect(page.locator(".notice")).to_contain_text("The order is now refunded")
    expect(row.locator(".badge")).to_have_attribute("data-status", "refunded")
    shot(page, "13-tbc-admin-refunded")
    page.goto(f"{tbc_live.url}/orders/{order.id}")
    expect(page.locator(".badge.big")).to_have_text("refunded")
    shot(page, "14-tbc-order-refunded")
    refunded = tbc_live.newest_order()
    assert refunded.status is PaymentStatus.REFUNDED
    assert str(refunded.refunded_amount) == "55.00 GEL"
    # TBC sends no callback for a refund: the admin action's poll found it out.
    assert len([d for d in tbc_live.tbc.callbacks if d.pay_id == order.payment_id]) == 1


def test_tbc_a_declined_card_shows_the_reason(page: Page, tbc_live: LiveShop) -> None:
    add_and_checkout(page, tbc_live, "churchkhela")
    pay_on_tbc(page, tbc_live, DECLINED_CARD)

    page.wait_for_url(re.compile(re.escape(tbc_live.url) + r"/checkout/success/\d+"))
    expect(page.locator("h1")).to_have_text("Payment declined")
    expect(page.locator("[data-decline]")).to_contain_text("insufficient funds")
    expect(page.locator(".badge.big")).to_have_attribute("data-status", "declined")
    shot(page, "15-tbc-declined")
    assert tbc_live.newest_order().status is PaymentStatus.DECLINED
