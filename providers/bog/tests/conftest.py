"""Shared fixtures for the BOG provider's unit tests.

Two ways to exercise the provider, both without a network:

* by hand, like httpx's own auth tests: ``request = next(flow)``, check it, then
  ``finish(flow, respond(200, {...}))`` for the result (``provider``, ``respond``,
  ``finish``, ``receipt``, ``order_request``);
* through the real facades against :class:`FakeBog`, a small in-test stand-in for
  BOG behind ``httpx.MockTransport`` (``fake_bog``, ``gateway``). The full emulator
  (``payments_bog.sandbox``) is tested elsewhere.

Receipt bodies follow the reference's fixtures F4-F8 (string amounts, both date
styles, ``actions`` null or a list).
"""

from __future__ import annotations

import asyncio
import base64
import copy
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from payments_bog import BogProvider

from payments_core import (
    AsyncPayments,
    Buyer,
    LineItem,
    Money,
    PaymentRequest,
    Payments,
    wire,
)
from payments_core.provider import Flow

CLIENT_ID = "10001"
CLIENT_SECRET = "s3cr3t-Client-Secret!"
API = "https://api.bog.ge/payments/v1"
TOKEN_URL = "https://oauth2.bog.ge/auth/realms/bog/protocol/openid-connect/token"
ORDER_ID = "a767a276-cddd-43ec-9db3-9f9b39eee02d"


def basic_credentials(client_id: str, secret: str) -> str:
    """The Basic value RFC 6749 §2.3.1 prescribes: form-encode each part, then base64."""
    pair = f"{quote(client_id, safe='')}:{quote(secret, safe='')}"
    return base64.b64encode(pair.encode()).decode()


@pytest.fixture
def basic() -> Callable[[str, str], str]:
    """``basic(client_id, secret)``: the Basic credentials value of the token request."""
    return basic_credentials


# -- keys ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyPair:
    """An RSA key pair made for the test run: signs callbacks like BOG would."""

    private: rsa.RSAPrivateKey
    public_pem: str

    def sign(self, body: bytes) -> str:
        signature = self.private.sign(body, padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(signature).decode()


def _key_pair() -> KeyPair:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return KeyPair(private, pem)


@pytest.fixture(scope="session")
def bog_keys() -> KeyPair:
    """The key pair the tests' "BOG" signs callbacks with."""
    return _key_pair()


@pytest.fixture(scope="session")
def other_keys() -> KeyPair:
    """Someone else's key pair: signatures made with it must be refused."""
    return _key_pair()


# -- the provider and hand-driven flows ---------------------------------------------------


@pytest.fixture
def settings(bog_keys: KeyPair) -> dict[str, Any]:
    return {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "callback_public_key": bog_keys.public_pem,
    }


@pytest.fixture
def provider(settings: dict[str, Any]) -> BogProvider:
    return BogProvider.from_settings(settings)


def _respond(
    status: int = 200,
    body: Any = None,
    *,
    headers: dict[str, str] | None = None,
    content: bytes | None = None,
) -> httpx.Response:
    all_headers = dict(headers or {})
    if content is None and body is not None:
        content = wire.dumps(body)
        all_headers.setdefault("Content-Type", "application/json")
    return httpx.Response(status, content=content or b"", headers=all_headers)


@pytest.fixture
def respond() -> Callable[..., httpx.Response]:
    """``respond(status, json_body, headers=..., content=...)`` → an ``httpx.Response``."""
    return _respond


def _finish(flow: Flow[Any], response: httpx.Response) -> Any:
    try:
        step = flow.send(response)
    except StopIteration as done:
        return done.value
    raise AssertionError(f"the flow sent another request: {step.method} {step.url}")


@pytest.fixture
def finish() -> Callable[[Flow[Any], httpx.Response], Any]:
    """Send the last response into a flow and return its result."""
    return _finish


# -- receipts (reference fixtures F4-F8) --------------------------------------------------

_F4_CREATED: dict[str, Any] = {
    "order_id": "1fcf4604-a135-4739-9c06-1064bc32f7ea",
    "industry": "ecommerce",
    "capture": "automatic",
    "external_order_id": "ORD-1001",
    "client": {"id": "0001", "brand_ka": "Brand LTD", "brand_en": "Brand LTD"},
    "create_date": "2025-09-29T16:57:54.595205",
    "zoned_create_date": "2025-09-29T12:57:54.595205Z",
    "expire_date": "2025-09-29T17:12:54.595205",
    "zoned_expire_date": "2025-09-29T13:12:54.595205Z",
    "order_status": {"key": "created", "value": "Created"},
    "buyer": None,
    "purchase_units": {
        "request_amount": "5.3",
        "transfer_amount": None,
        "refund_amount": None,
        "currency_code": "GEL",
        "items": [
            {
                "external_item_id": "1",
                "description": None,
                "quantity": "1",
                "unit_price": "1.22",
                "unit_discount_price": "0.0",
                "vat": None,
                "total_price": None,
            }
        ],
    },
    "redirect_links": {"success": "https://shop.example/ok", "fail": "https://shop.example/fail"},
    "payment_detail": {
        "transfer_method": {"key": "", "value": ""},
        "transaction_id": None,
        "payer_identifier": None,
        "payment_option": "direct_debit",
        "card_type": None,
        "card_expiry_date": None,
        "code": None,
        "code_description": None,
    },
    "actions": None,
    "disputes": None,
    "split": None,
    "discount": None,
    "lang": "ka",
    "reject_reason": None,
}

_F5_COMPLETED: dict[str, Any] = {
    "order_id": "bog-completed-1",
    "industry": "ecommerce",
    "capture": "automatic",
    "external_order_id": "ORD-1001",
    "zoned_create_date": "2022-11-01T13:19:43.021178Z",
    "zoned_expire_date": "2022-11-01T13:39:43.021178Z",
    "order_status": {"key": "completed", "value": "გადახდილი"},
    "buyer": {
        "full_name": "John Doe",
        "email": "johndoe@gmail.com",
        "phone_number": "+995555000000",
    },
    "purchase_units": {
        "request_amount": "10.90",
        "transfer_amount": "10.90",
        "refund_amount": "0.0",
        "currency_code": "GEL",
        "items": [],
    },
    "payment_detail": {
        "transfer_method": {"key": "card", "value": "ბარათით გადახდა"},
        "code": "100",
        "code_description": "Successful payment",
        "transaction_id": "230513868679",
        "payer_identifier": "548888xxxxxx9893",
        "payment_option": "direct_debit",
        "card_type": "mc",
        "card_expiry_date": "03/24",
        "auth_code": "483921",
        "pg_trx_id": "K4T2XMAZ9EBVQ3WN",
    },
    "actions": [],
    "lang": "ka",
    "reject_reason": None,
}


def _merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _action(action: str, amount: str, status: str = "completed", **extra: Any) -> dict[str, Any]:
    return {
        "action_id": str(uuid.uuid4()),
        "request_channel": "public_api",
        "action": action,
        "status": status,
        "zoned_action_date": "2022-11-28T13:42:40.668439Z",
        "amount": amount,
        **extra,
    }


_RECEIPTS: dict[str, Callable[[], dict[str, Any]]] = {
    "created": lambda: copy.deepcopy(_F4_CREATED),
    "completed": lambda: copy.deepcopy(_F5_COMPLETED),
    "rejected": lambda: _merge(
        _F5_COMPLETED,
        {
            "order_status": {"key": "rejected", "value": "უარყოფილი"},
            "purchase_units": {"transfer_amount": "0.0"},
            "payment_detail": {
                "code": "107",
                "code_description": "Payment declined due to insufficient funds in the account",
            },
            "reject_reason": "Payment declined due to insufficient funds in the account",
        },
    ),
    "expired": lambda: _merge(
        _F4_CREATED,
        {"order_status": {"key": "rejected", "value": "უარყოფილი"}, "reject_reason": "expiration"},
    ),
    "blocked": lambda: _merge(
        _F5_COMPLETED,
        {
            "capture": "manual",
            "order_status": {"key": "blocked", "value": "დაბლოკილი"},
            "purchase_units": {
                "request_amount": "60.00",
                "transfer_amount": "60.00",
                "refund_amount": "0.0",
            },
            "payment_detail": {"code": "200", "code_description": "Successful preauthorization"},
        },
    ),
    "partial_completed": lambda: _merge(
        _F5_COMPLETED,
        {
            "capture": "manual",
            "order_status": {"key": "partial_completed", "value": "ნაწილობრივ"},
            "purchase_units": {
                "request_amount": "60.00",
                "transfer_amount": "30.00",
                "refund_amount": "0.0",
            },
            "payment_detail": {"code": "200", "code_description": "Successful preauthorization"},
            "actions": [_action("partial_authorize", "30.0")],
        },
    ),
    "refunded_partially": lambda: _merge(
        _F5_COMPLETED,
        {
            "order_status": {"key": "refunded_partially", "value": "ნაწილობრივ დაბრუნებული"},
            "purchase_units": {"transfer_amount": "5.40", "refund_amount": "5.50"},
            "actions": [_action("partial_refund", "5.50")],
        },
    ),
    "refunded": lambda: _merge(
        _F5_COMPLETED,
        {
            "order_status": {"key": "refunded", "value": "დაბრუნებული"},
            "purchase_units": {
                "request_amount": "100.5",
                "transfer_amount": "0.0",
                "refund_amount": "100.5",
            },
            "actions": [
                {
                    "action_id": "b70968ca-eda9-47ae-8811-26fd1ab733f8",
                    "request_channel": "public_api",
                    "action": "authorize",
                    "status": "completed",
                    "zoned_action_date": "2022-11-28T13:42:40.668439Z",
                    "amount": "100.5",
                },
                {
                    "action_id": "a89b872a-9700-4025-b3fb-047cbba7a5e6",
                    "request_channel": "business_manager",
                    "action": "refund",
                    "status": "completed",
                    "zoned_action_date": "2022-11-28T13:58:03.427939Z",
                    "amount": "100.5",
                },
            ],
        },
    ),
}


@pytest.fixture
def receipt() -> Callable[..., dict[str, Any]]:
    """``receipt("completed", **changes)``: a fresh receipt dict, changes deep-merged.

    Kinds: created (F4), completed (F5), rejected (F6), expired, blocked (F7),
    partial_completed (F7 after a partial approve), refunded_partially, refunded (F8).
    """

    def build(kind: str = "completed", **changes: Any) -> dict[str, Any]:
        return _merge(_RECEIPTS[kind](), changes)

    return build


@pytest.fixture
def action() -> Callable[..., dict[str, Any]]:
    """``action("refund", "5.00", status="rejected", code="162")``: one ``actions[]`` entry."""
    return _action


# -- payment requests ---------------------------------------------------------------------


def _order_request(**changes: Any) -> PaymentRequest:
    values: dict[str, Any] = {
        "external_id": "ORD-1001",
        "amount": Money("27.50", "GEL"),
        "items": [
            LineItem(
                product_id="SKU-1",
                description="Widget",
                quantity=2,
                unit_price=Money("12.50", "GEL"),
            ),
            LineItem(product_id="SKU-2", quantity=1, unit_price=Money("0", "GEL")),
        ],
        "shipping_amount": Money("5.00", "GEL"),
        "discount_amount": Money("2.50", "GEL"),
        "buyer": Buyer(full_name="John Doe", email="j***@example.com", phone="5** *** 001"),
        "callback_url": "https://shop.example/bog/callback",
        "success_url": "https://shop.example/ok",
        "fail_url": "https://shop.example/fail",
        "expires_in": 900,
        "locale": "en",
        "payment_methods": ["card", "google_pay"],
        "idempotency_key": "3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b",
    }
    values.update(changes)
    return PaymentRequest(**values)


@pytest.fixture
def order_request() -> Callable[..., PaymentRequest]:
    """``order_request(**changes)``: the reference's F2 order as a core PaymentRequest."""
    return _order_request


# -- a stand-in BOG behind httpx.MockTransport -----------------------------------------------


@dataclass
class FakeOrder:
    id: str
    body: dict[str, Any]
    capture: str
    currency: str
    requested: Decimal
    status: str = "created"
    transfer: Decimal | None = None
    refund: Decimal | None = None
    code: str | None = None
    reject_reason: str | None = None
    method: str = ""
    actions: list[dict[str, Any]] = field(default_factory=list)
    saved: str | None = None
    parent: str | None = None


class FakeBog:
    """Just enough of BOG for lifecycle tests: tokens, orders, receipts, actions, cards.

    Actions complete at once (real BOG reports them later); ``pay`` plays the customer.
    ``requests`` records every request that reached the transport.
    """

    def __init__(self, keys: KeyPair, *, token_delay: float = 0.0) -> None:
        self.keys = keys
        self.token_delay = token_delay
        self.orders: dict[str, FakeOrder] = {}
        self.tokens: set[str] = set()
        self.issued: list[str] = []
        self.token_requests = 0
        self.requests: list[httpx.Request] = []
        self._replies: dict[tuple[str, str, str], httpx.Response] = {}

    # -- the customer and the bank's side ----------------------------------------------

    def pay(self, order_id: str, code: str = "100") -> None:
        order = self.orders[order_id]
        order.method = "card"
        order.code = code
        if code == "100" and order.capture == "manual":
            order.status, order.code, order.transfer = "blocked", "200", order.requested
        elif code == "100":
            order.status, order.transfer, order.refund = "completed", order.requested, Decimal(0)
        else:
            order.status, order.transfer = "rejected", Decimal(0)
            order.reject_reason = "declined"

    def receipt(self, order_id: str) -> dict[str, Any]:
        order = self.orders[order_id]

        def text(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "order_id": order.id,
            "capture": order.capture,
            "external_order_id": order.body.get("external_order_id"),
            "zoned_create_date": "2025-01-01T10:00:00.000000Z",
            "order_status": {"key": order.status, "value": order.status.title()},
            "purchase_units": {
                "request_amount": text(order.requested),
                "transfer_amount": text(order.transfer),
                "refund_amount": text(order.refund),
                "currency_code": order.currency,
            },
            "payment_detail": {
                "transfer_method": {"key": order.method, "value": order.method},
                "code": order.code,
                "payer_identifier": "548888xxxxxx9893" if order.method else None,
                "card_type": "mc" if order.method else None,
                "saved_card_type": order.saved,
                "parent_order_id": order.parent,
            },
            "actions": order.actions,
            "reject_reason": order.reject_reason,
        }

    def callback(self, order_id: str) -> tuple[dict[str, str], bytes]:
        envelope = {
            "event": "order_payment",
            "zoned_request_time": "2025-01-01T10:05:00.000000Z",
            "body": self.receipt(order_id),
        }
        body = wire.dumps(envelope)
        return {"Callback-Signature": self.keys.sign(body)}, body

    # -- HTTP ----------------------------------------------------------------------------

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path.endswith("/openid-connect/token"):
            return self._token(request)
        auth = request.headers.get("Authorization", "")
        if auth.removeprefix("Bearer ") not in self.tokens:
            return _respond(401, {"message": "Unauthorized"})
        key = request.headers.get("Idempotency-Key")
        replay_key = (request.method, request.url.path, key or "")
        if key and replay_key in self._replies:
            return self._replies[replay_key]
        response = self._route(request)
        if key:
            self._replies[replay_key] = response
        return response

    async def async_handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/openid-connect/token") and self.token_delay:
            await asyncio.sleep(self.token_delay)
        await request.aread()
        return self.handler(request)

    def _token(self, request: httpx.Request) -> httpx.Response:
        self.token_requests += 1
        expected = basic_credentials(CLIENT_ID, CLIENT_SECRET)
        if request.headers.get("Authorization") != f"Basic {expected}":
            return _respond(
                401,
                {
                    "error": "invalid_client",
                    "error_description": "Invalid client or Invalid client credentials",
                },
            )
        token = f"eyJ.{uuid.uuid4().hex}.sig"
        self.tokens.add(token)
        self.issued.append(token)
        return _respond(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600})

    def _route(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/payments/v1")
        parts = path.strip("/").split("/")
        body = wire.loads(request.content) if request.content else {}
        method = request.method
        if method == "POST" and parts == ["ecommerce", "orders"]:
            return self._create(body)
        if method == "POST" and parts[:2] == ["ecommerce", "orders"] and len(parts) == 3:
            return self._create(body, parent=parts[2])
        if method == "POST" and parts[:2] == ["ecommerce", "orders"] and parts[3:] == ["subscribe"]:
            return self._subscribe(parts[2], body)
        order_id = parts[-1]
        if order_id not in self.orders and parts[0] != "orders":
            if method == "DELETE":
                return _respond(404, {"message": "Card not found"})
            return _respond(400, {"message": "Invalid order_id"})
        if method == "GET" and parts[0] == "receipt":
            return _respond(200, self.receipt(order_id))
        if method == "POST" and parts[:2] == ["payment", "refund"]:
            return self._refund(order_id, body)
        if method == "POST" and parts[:3] == ["payment", "authorization", "approve"]:
            return self._approve(order_id, body)
        if method == "POST" and parts[:3] == ["payment", "authorization", "cancel"]:
            return self._cancel(order_id)
        if method == "PUT" and parts[0] == "orders":
            self.orders[parts[1]].saved = "recurrent" if parts[2] == "cards" else "subscription"
            return httpx.Response(202)
        if method == "DELETE" and parts[:2] == ["charges", "card"]:
            self.orders[order_id].saved = None
            return httpx.Response(202)
        return _respond(404, {"message": "no such endpoint"})

    def _create(self, body: dict[str, Any], parent: str | None = None) -> httpx.Response:
        units = body["purchase_units"]
        order_id = str(uuid.uuid4())
        self.orders[order_id] = FakeOrder(
            id=order_id,
            body=body,
            capture=body.get("capture", "automatic"),
            currency=units.get("currency", "GEL"),
            requested=Decimal(units["total_amount"]),
            parent=parent,
        )
        return _respond(
            200,
            {
                "id": order_id,
                "_links": {
                    "details": {"href": f"{API}/receipt/{order_id}"},
                    "redirect": {"href": f"https://payment.bog.ge/?order_id={order_id}"},
                },
            },
        )

    def _subscribe(self, parent_id: str, body: dict[str, Any]) -> httpx.Response:
        parent = self.orders.get(parent_id)
        if parent is None or parent.saved != "subscription":
            return _respond(400, {"message": "Invalid order_id"})
        order_id = str(uuid.uuid4())
        self.orders[order_id] = FakeOrder(
            id=order_id,
            body={**parent.body, **body},
            capture="automatic",
            currency=parent.currency,
            requested=parent.requested,
            status="processing",
            parent=parent_id,
        )
        return _respond(
            200, {"id": order_id, "_links": {"details": {"href": f"{API}/receipt/{order_id}"}}}
        )

    def _ack(self, message: str) -> httpx.Response:
        return _respond(
            200, {"key": "request_received", "message": message, "action_id": str(uuid.uuid4())}
        )

    def _refund(self, order_id: str, body: dict[str, Any]) -> httpx.Response:
        order = self.orders[order_id]
        if order.status not in ("completed", "refunded_partially", "partial_completed"):
            return _respond(400, {"message": "Order is not refundable"})
        if "amount" not in body:
            return _respond(400, {"message": "amount is required"})
        amount = Decimal(body["amount"])
        assert order.transfer is not None
        if amount > order.transfer:
            return _respond(400, {"message": "Amount exceeds the refundable amount"})
        order.transfer -= amount
        order.refund = (order.refund or Decimal(0)) + amount
        order.status = "refunded" if order.transfer == 0 else "refunded_partially"
        kind = "refund" if order.status == "refunded" else "partial_refund"
        order.actions.append(_action(kind, str(amount)))
        return self._ack("Refund request received")

    def _approve(self, order_id: str, body: dict[str, Any]) -> httpx.Response:
        order = self.orders[order_id]
        if order.status != "blocked":
            return _respond(400, {"message": "Pre-authorization already requested"})
        amount = Decimal(body["amount"])
        assert order.transfer is not None
        full = amount == order.transfer
        order.status = "completed" if full else "partial_completed"
        order.transfer, order.refund = amount, Decimal(0)
        order.actions.append(_action("authorize" if full else "partial_authorize", str(amount)))
        return self._ack("Pre-authorization payment approval request received")

    def _cancel(self, order_id: str) -> httpx.Response:
        order = self.orders[order_id]
        if order.status != "blocked":
            return _respond(400, {"message": "Order is not pre-authorized"})
        order.actions.append(_action("cancel_authorize", str(order.transfer)))
        order.status, order.transfer = "rejected", Decimal(0)
        return self._ack("Pre-authorization payment cancellation request received")


@pytest.fixture
def fake_bog(bog_keys: KeyPair) -> FakeBog:
    return FakeBog(bog_keys)


class Gateway:
    """A facade's methods as awaitables, whichever facade (sync or async) is underneath."""

    def __init__(self, facade: Payments | AsyncPayments, bog: FakeBog) -> None:
        self.facade = facade
        self.bog = bog

    @property
    def is_async(self) -> bool:
        return isinstance(self.facade, AsyncPayments)

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        method = getattr(self.facade, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            result = method(*args, **kwargs)
            return await result if self.is_async else result

        return call


@pytest.fixture(params=["sync", "async"])
async def gateway(
    request: pytest.FixtureRequest, fake_bog: FakeBog, settings: dict[str, Any]
) -> AsyncIterator[Gateway]:
    """BOG through ``Payments`` or ``AsyncPayments``, talking to ``fake_bog``."""
    provider = BogProvider.from_settings(settings)
    if request.param == "sync":
        client = httpx.Client(transport=httpx.MockTransport(fake_bog.handler))
        with client, Payments(provider, http_client=client, autoload_plugins=False) as payments:
            yield Gateway(payments, fake_bog)
    else:
        aclient = httpx.AsyncClient(transport=httpx.MockTransport(fake_bog.async_handler))
        async with (
            aclient,
            AsyncPayments(provider, http_client=aclient, autoload_plugins=False) as apayments,
        ):
            yield Gateway(apayments, fake_bog)
