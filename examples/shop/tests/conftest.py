"""Fixtures for the shop's tests: the shop in process, on the dummy or the BOG or TBC emulator.

Nothing here opens a socket. The test client reaches the shop through
``httpx.ASGITransport``; with BOG or TBC, the shop reaches the emulator through
its in-process transport and the emulator posts its callbacks straight into the
shop's ASGI app (as a caller at 127.0.0.1, httpx's default), so a whole checkout
runs in one event loop.
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
from payments_tbc.demo import sandbox_settings as tbc_sandbox_settings  # noqa: E402
from payments_tbc.sandbox import TbcSandbox  # noqa: E402

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


@pytest.fixture
async def tbc_shop() -> AsyncIterator[ShopUnderTest]:
    """The shop on the TBC emulator, all in process; its unsigned callbacks come from
    127.0.0.1, the one callback address the emulator's settings allow."""
    late = LateASGITransport()
    sandbox = TbcSandbox(callback_transport=late)
    http = httpx.AsyncClient(transport=sandbox.transport())
    settings = tbc_sandbox_settings(sandbox, sandbox.public_base_url)
    payments = AsyncPayments("tbc", http_client=http, **settings)
    orders = OrderBook()
    app = create_app(payments, orders=orders)
    late.app = app
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=SHOP) as client,
        httpx.AsyncClient(transport=sandbox.transport(), base_url=sandbox.public_base_url) as bank,
    ):
        yield ShopUnderTest(app, client, payments, orders, bank=bank, tbc=sandbox)
    await payments.aclose()
    await http.aclose()


@pytest.fixture(params=["dummy", "bog", "tbc"])
def any_shop(request: pytest.FixtureRequest) -> ShopUnderTest:
    """The same test on every gateway: checkout code must not care which one it is."""
    shop: ShopUnderTest = request.getfixturevalue(f"{request.param}_shop")
    return shop


@pytest.fixture(params=["bog", "tbc"])
def real_shop(request: pytest.FixtureRequest) -> ShopUnderTest:
    """The same test on each emulated bank (the gateways with a hosted page of their own)."""
    shop: ShopUnderTest = request.getfixturevalue(f"{request.param}_shop")
    return shop
