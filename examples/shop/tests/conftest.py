"""Fixtures for the shop's tests: the shop in process, on the dummy or the BOG emulator.

Nothing here opens a socket. The test client reaches the shop through
``httpx.ASGITransport``; with BOG, the shop reaches the emulator through its
in-process transport and the emulator posts its signed callbacks straight into
the shop's ASGI app, so a whole checkout runs in one event loop.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:  # `examples` is not installed: import it from the checkout
    sys.path.insert(0, str(ROOT))

from payments_bog.sandbox import BogSandbox  # noqa: E402

from examples.shop.app import create_app  # noqa: E402
from examples.shop.orders import OrderBook  # noqa: E402
from examples.shop.tests.harness import SHOP, LateASGITransport, ShopUnderTest  # noqa: E402
from payments_core import AsyncPayments  # noqa: E402


@pytest.fixture
async def dummy_shop() -> AsyncIterator[ShopUnderTest]:
    """The shop on a fresh dummy gateway whose hosted page is the shop's stand-in."""
    payments = AsyncPayments(
        "dummy", store=f"shop-test-{uuid.uuid4().hex}", hosted_page_url=f"{SHOP}/dummy-pay"
    )
    orders = OrderBook()
    app = create_app(payments, orders=orders)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=SHOP) as client:
        yield ShopUnderTest(app, client, payments, orders)
    await payments.aclose()


@pytest.fixture
async def bog_shop() -> AsyncIterator[ShopUnderTest]:
    """The shop on the BOG emulator, all in process; callbacks reach the shop's endpoint."""
    late = LateASGITransport()
    sandbox = BogSandbox(callback_transport=late)
    http = httpx.AsyncClient(transport=sandbox.transport())
    payments = AsyncPayments("bog", http_client=http, **sandbox.provider_settings(), language="en")
    orders = OrderBook()
    app = create_app(payments, orders=orders)
    late.app = app
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=SHOP) as client,
        httpx.AsyncClient(transport=sandbox.transport(), base_url=sandbox.public_base_url) as bank,
    ):
        yield ShopUnderTest(app, client, payments, orders, sandbox, bank)
    await payments.aclose()
    await http.aclose()
    await sandbox.aclose()


@pytest.fixture(params=["dummy", "bog"])
async def any_shop(
    request: pytest.FixtureRequest, dummy_shop: ShopUnderTest, bog_shop: ShopUnderTest
) -> ShopUnderTest:
    """The same test on both gateways: checkout code must not care which one it is."""
    return dummy_shop if request.param == "dummy" else bog_shop
