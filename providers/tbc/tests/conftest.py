"""Shared fixtures for the TBC provider's unit tests.

Two ways to exercise the provider, both without a network:

* by hand: ``request = next(flow)``, check it, then ``finish(flow, respond(200, {...}))``
  for the result (``provider``, ``respond``, ``finish``, ``details``);
* through the real facades against :class:`FakeTbc`, a small in-test stand-in for
  TBC behind ``httpx.MockTransport`` (``fake_tbc``, ``gateway``, ``payments``).
  The full emulator (``payments_tbc.sandbox``) is tested elsewhere.

Bodies follow the reference's fixtures (§16): amounts as JSON numbers in major
units, the envelope trio, ``links`` null or a list.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from payments_tbc import TbcProvider

from payments_core import (
    AsyncPayments,
    LineItem,
    Money,
    PaymentRequest,
    Payments,
    wire,
)
from payments_core.provider import Flow

API_KEY = "TESTKEY-apikey-7f3a9c"
CLIENT_ID = "7001234"
CLIENT_SECRET = "s3cr3t-Client-Secret!"
API = "https://api.tbcbank.ge"
TPAY = f"{API}/v1/tpay"
TOKEN_URL = f"{TPAY}/access-token"
PAY_ID = "ab12cd34ef5g6h7890"
REC_ID = "A1b2C3d4E5f6A7b8C9d0E1f2A3b4C5d6"
TBC_ADDRESS = "193.104.20.44"
ENVELOPE: dict[str, Any] = {"httpStatusCode": 200, "developerMessage": None, "userMessage": None}


# -- the provider and hand-driven flows ---------------------------------------------------


@pytest.fixture
def settings() -> dict[str, Any]:
    # no back-off between retries: the tests need not wait
    return {
        "api_key": API_KEY,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "backoff_base": 0.0,
    }


@pytest.fixture
def provider(settings: dict[str, Any]) -> TbcProvider:
    return TbcProvider.from_settings(settings)


def respond(
    status: int = 200,
    body: Any = None,
    *,
    headers: dict[str, str] | None = None,
    content: bytes | None = None,
) -> httpx.Response:
    """An ``httpx.Response`` with ``body`` written as exact-decimal JSON."""
    all_headers = dict(headers or {})
    if content is None and body is not None:
        content = wire.dumps(body)
        all_headers.setdefault("Content-Type", "application/json")
    return httpx.Response(status, content=content or b"", headers=all_headers)


def problem(status: int | str, title: str, detail: str, **extra: Any) -> httpx.Response:
    """An RFC 7807 problem answer like TBC's (reference §14)."""
    code = int(status)
    body = {
        "type": f"https://developers.tbcbank.ge/docs/error-type-{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "systemCode": f"System code for problem is tpay-payments.{code}.001",
        **extra,
    }
    return respond(code, body, headers={"Content-Type": "application/problem+json"})


def finish(flow: Flow[Any], response: httpx.Response) -> Any:
    """Send the last response into a flow and return its result."""
    try:
        step = flow.send(response)
    except StopIteration as done:
        return done.value
    raise AssertionError(f"the flow sent another request: {step.method} {step.url}")


def json_of(request: httpx.Request) -> Any:
    return wire.loads(request.content) if request.content else None


# -- details bodies (reference fixtures 5, 6, 8) ---------------------------------------------

SUCCEEDED: dict[str, Any] = {
    "payId": PAY_ID,
    "status": "Succeeded",
    "currency": "GEL",
    "amount": Decimal("49.9"),
    "confirmedAmount": Decimal("49.9"),
    "returnedAmount": 0,
    "links": [],
    "transactionId": "3F1A9C0B7D2E4F60A1B2C3D4E5F60718",
    "recurringCard": None,
    "paymentMethod": 5,
    "preAuth": False,
    "resultCode": "approved",
    **ENVELOPE,
}
FAILED: dict[str, Any] = {
    **SUCCEEDED,
    "status": "Failed",
    "amount": 20,
    "confirmedAmount": 0,
    "resultCode": "decline_not_sufficient_funds",
}
HELD: dict[str, Any] = {
    **SUCCEEDED,
    "status": "WaitingConfirm",
    "amount": 100,
    "confirmedAmount": 0,
    "preAuth": True,
}
PARTLY_RETURNED: dict[str, Any] = {**SUCCEEDED, "status": "PartialReturned", "returnedAmount": 10}


def details(base: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    """A details body: ``base`` (the succeeded sale by default) with ``changes``."""
    body = copy.deepcopy(base if base is not None else SUCCEEDED)
    body.update(changes)
    return body


# -- requests -----------------------------------------------------------------------------


def payment_request(**changes: Any) -> PaymentRequest:
    """The reference's create fixture (§16.2) as a core PaymentRequest."""
    values: dict[str, Any] = {
        "external_id": "order-1842",
        "amount": Money("49.90", "GEL"),
        "items": [
            LineItem(product_id="SKU-1", quantity=2, unit_price=Money("20.00", "GEL")),
            LineItem(product_id="SKU-2", quantity=1, unit_price=Money("5.00", "GEL")),
        ],
        "callback_url": "https://shop.example/hooks/tbc",
        "success_url": "https://shop.example/pay/return?order=1842",
        "locale": "en",
        "payment_methods": ["card", "apple_pay", "google_pay"],
        "provider_options": {
            "description": "Order 1842",
            "tax": "4.90",
            "user_ip_address": "203.0.113.7",
            "skip_info_message": False,
        },
    }
    values.update(changes)
    return PaymentRequest(**values)


@pytest.fixture
def order() -> Callable[..., PaymentRequest]:
    """``order(**changes)``: the reference's create fixture as a PaymentRequest."""
    return payment_request


# -- a stand-in TBC behind httpx.MockTransport -----------------------------------------------


@dataclass
class FakePayment:
    pay_id: str
    amount: Decimal
    currency: str
    pre_auth: bool
    merchant_payment_id: str | None
    status: str = "Created"
    confirmed: Decimal = Decimal(0)
    returned: Decimal = Decimal(0)
    result_code: str | None = None
    method: int | None = None
    rec_id: str | None = None
    save_card: bool = False


Reply = httpx.Response | Exception


class FakeTbc:
    """Just enough of TBC for lifecycle tests: tokens, payments, cancel, completion,
    saved cards. Cancels complete at once (TBC may take longer). ``pay`` plays the
    buyer. ``requests`` records every request that reached the transport;
    ``inject(method, path, reply)`` makes the next matching request get ``reply``
    (a response, or an exception raised by the transport)."""

    def __init__(self) -> None:
        self.payments: dict[str, FakePayment] = {}
        self.tokens: set[str] = set()
        self.requests: list[httpx.Request] = []
        self.cards: set[str] = set()
        self._injected: list[tuple[str, str, Reply]] = []

    # -- test controls ---------------------------------------------------------------

    def inject(self, method: str, path_suffix: str, reply: Reply, times: int = 1) -> None:
        self._injected.extend([(method, path_suffix, reply)] * times)

    def pay(self, pay_id: str, result: str = "approved", method: int = 5) -> None:
        payment = self.payments[pay_id]
        payment.method, payment.result_code = method, result
        if result != "approved":
            payment.status = "Failed"
        elif payment.pre_auth:
            payment.status = "WaitingConfirm"
        else:
            payment.status, payment.confirmed = "Succeeded", payment.amount
        if payment.save_card and result == "approved":
            payment.rec_id = REC_ID
            self.cards.add(REC_ID)

    def details(self, pay_id: str) -> dict[str, Any]:
        p = self.payments[pay_id]
        card = None
        if p.rec_id:
            card = {"recId": p.rec_id, "cardMask": "4***********1111", "expiryDate": "1228"}
        return {
            "payId": p.pay_id,
            "status": p.status,
            "currency": p.currency,
            "amount": p.amount,
            "confirmedAmount": p.confirmed,
            "returnedAmount": p.returned,
            "links": [],
            "transactionId": "3F1A9C0B7D2E4F60A1B2C3D4E5F60718",
            "recurringCard": card,
            "paymentMethod": p.method,
            "preAuth": p.pre_auth,
            "resultCode": p.result_code,
            **ENVELOPE,
        }

    def api_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if not r.url.path.endswith("/access-token")]

    # -- HTTP -------------------------------------------------------------------------------

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        for index, (method, suffix, reply) in enumerate(self._injected):
            if request.method == method and request.url.path.endswith(suffix):
                del self._injected[index]
                if isinstance(reply, Exception):
                    raise reply
                return reply
        if request.headers.get("apikey") != API_KEY:
            return problem("401", "Invalid Api Key", "Please make sure api key is valid")
        if request.url.path.endswith("/access-token"):
            return self._token(request)
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if bearer not in self.tokens:
            return problem(401, "Unauthorized", "Access token is missing or invalid")
        return self._route(request)

    async def async_handler(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        return self.handler(request)

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = {key.lower(): value for key, value in parse_qsl(request.content.decode())}
        if "authorization" in request.headers or (
            form.get("client_id"),
            form.get("client_secret"),
        ) != (CLIENT_ID, CLIENT_SECRET):
            return problem(401, "Unauthorized", "Invalid client credentials")
        token = f"eyJhbGciOiJSUzI1NiJ9.{uuid.uuid4().hex}.sig"
        self.tokens.add(token)
        return respond(200, {"access_token": token, "token_type": "Bearer", "expires_in": 86400})

    def _route(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/v1/tpay/payments").strip("/")
        parts = path.split("/") if path else []
        body = json_of(request) or {}
        if request.method == "POST" and parts == []:
            return self._create(body)
        if request.method == "POST" and parts == ["execution"]:
            return self._execute(body)
        if request.method == "POST" and len(parts) == 2 and parts[1] == "delete":
            if parts[0] not in self.cards:
                return problem(404, "NotFound", "Card not found")
            self.cards.discard(parts[0])
            return respond(200, ENVELOPE)
        payment = self.payments.get(parts[0]) if parts else None
        if payment is None:
            return problem(404, "InvalidPayment", "PaymentNotFound")
        if request.method == "GET" and len(parts) == 1:
            return respond(200, self.details(payment.pay_id))
        if request.method == "POST" and parts[1:] == ["cancel"]:
            return self._cancel(payment, body)
        if request.method == "POST" and parts[1:] == ["completion"]:
            return self._complete(payment, body)
        return problem(404, "NotFound", "No such endpoint")

    def _new_id(self) -> str:
        return uuid.uuid4().hex[:18]

    def _create(self, body: dict[str, Any]) -> httpx.Response:
        amount = body["amount"]
        pay_id = self._new_id()
        self.payments[pay_id] = FakePayment(
            pay_id=pay_id,
            amount=Decimal(amount["total"]),
            currency=amount["currency"],
            pre_auth=bool(body.get("preAuth")),
            merchant_payment_id=body.get("merchantPaymentId"),
            save_card=bool(body.get("saveCard")),
        )
        return respond(
            200,
            {
                "payId": pay_id,
                "status": "Created",
                "currency": amount["currency"],
                "amount": amount["total"],
                "links": [
                    {"uri": f"{TPAY}/payments/{pay_id}", "method": "GET", "rel": "self"},
                    {
                        "uri": f"https://checkout.tbc.test/pay/{pay_id}",
                        "method": "REDIRECT",
                        "rel": "approval_url",
                    },
                ],
                "transactionId": None,
                "recId": None,
                "preAuth": bool(body.get("preAuth")),
                "expirationMinutes": body.get("expirationMinutes", 12),
                **ENVELOPE,
            },
        )

    def _cancel(self, payment: FakePayment, body: dict[str, Any]) -> httpx.Response:
        amount = body.get("amount")
        if payment.status == "WaitingConfirm":
            if amount is not None:
                return problem(400, "Bad Request", "Partial cancel of a pre-authorization")
            payment.status = "Returned"
            return respond(200, ENVELOPE)
        if payment.status not in ("Succeeded", "PartialReturned"):
            return problem(400, "Bad Request", "Payment cannot be cancelled")
        left = payment.confirmed - payment.returned
        value = left if amount is None else Decimal(amount)
        if value > left:
            return problem(
                400, "Bad Request", "Amount exceeds refundable amount", resultCode="decline_general"
            )
        payment.returned += value
        payment.status = "Returned" if payment.returned == payment.confirmed else "PartialReturned"
        return respond(200, ENVELOPE)

    def _complete(self, payment: FakePayment, body: dict[str, Any]) -> httpx.Response:
        if payment.status != "WaitingConfirm":
            return problem(400, "Bad Request", "Payment is not waiting for confirmation")
        amount = Decimal(body["amount"])
        if amount > payment.amount:
            return problem(400, "Bad Request", "Amount exceeds the authorized amount")
        payment.status, payment.confirmed = "Succeeded", amount
        return respond(
            200,
            {
                "status": "Succeeded",
                "amount": payment.amount,
                "confirmedAmount": amount,
                **ENVELOPE,
            },
        )

    def _execute(self, body: dict[str, Any]) -> httpx.Response:
        if body.get("recId") not in self.cards:
            return problem(400, "Bad Request", "Card not found", resultCode="decline_general")
        money = body["money"]
        pay_id = self._new_id()
        pre_auth = bool(body.get("preAuth"))
        payment = FakePayment(
            pay_id=pay_id,
            amount=Decimal(money["amount"]),
            currency=money["currency"],
            pre_auth=pre_auth,
            merchant_payment_id=body.get("merchantPaymentId"),
            status="WaitingConfirm" if pre_auth else "Succeeded",
            confirmed=Decimal(0) if pre_auth else Decimal(money["amount"]),
            result_code="approved",
            method=11,
            rec_id=body["recId"],
        )
        self.payments[pay_id] = payment
        return respond(200, {**self.details(pay_id), "links": None})


@pytest.fixture
def fake_tbc() -> FakeTbc:
    return FakeTbc()


@pytest.fixture
def payments(fake_tbc: FakeTbc, settings: dict[str, Any]) -> Iterator[Payments]:
    """A sync facade found by name through the entry point, talking to ``fake_tbc``."""
    client = httpx.Client(transport=httpx.MockTransport(fake_tbc.handler))
    with client, Payments("tbc", http_client=client, autoload_plugins=False, **settings) as p:
        yield p


class Gateway:
    """A facade's methods as awaitables, whichever facade (sync or async) is underneath."""

    def __init__(self, facade: Payments | AsyncPayments, tbc: FakeTbc) -> None:
        self.facade = facade
        self.tbc = tbc

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
    request: pytest.FixtureRequest, fake_tbc: FakeTbc, settings: dict[str, Any]
) -> AsyncIterator[Gateway]:
    """TBC through ``Payments`` or ``AsyncPayments``, talking to ``fake_tbc``."""
    if request.param == "sync":
        client = httpx.Client(transport=httpx.MockTransport(fake_tbc.handler))
        with client, Payments("tbc", http_client=client, autoload_plugins=False, **settings) as p:
            yield Gateway(p, fake_tbc)
    else:
        aclient = httpx.AsyncClient(transport=httpx.MockTransport(fake_tbc.async_handler))
        async with (
            aclient,
            AsyncPayments("tbc", http_client=aclient, autoload_plugins=False, **settings) as ap,
        ):
            yield Gateway(ap, fake_tbc)


class Kit:
    """Constants and helpers for the test modules (conftest is not importable under
    ``--import-mode=importlib``, so they come as the ``kit`` fixture)."""

    API_KEY = API_KEY
    CLIENT_ID = CLIENT_ID
    CLIENT_SECRET = CLIENT_SECRET
    API = API
    TPAY = TPAY
    TOKEN_URL = TOKEN_URL
    PAY_ID = PAY_ID
    REC_ID = REC_ID
    TBC_ADDRESS = TBC_ADDRESS
    ENVELOPE = ENVELOPE
    SUCCEEDED = SUCCEEDED
    FAILED = FAILED
    HELD = HELD
    PARTLY_RETURNED = PARTLY_RETURNED
    respond = staticmethod(respond)
    problem = staticmethod(problem)
    finish = staticmethod(finish)
    json_of = staticmethod(json_of)
    details = staticmethod(details)
    payment_request = staticmethod(payment_request)


@pytest.fixture
def kit() -> type[Kit]:
    return Kit
