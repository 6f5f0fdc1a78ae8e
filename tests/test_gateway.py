"""The facades: bad input and missing capabilities fail before any HTTP request."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar

import httpx
import pytest

from payments_core import (
    AsyncPayments,
    Capability,
    ConfigurationError,
    ErrorCode,
    InvalidRequestError,
    LineItem,
    Money,
    NotFoundError,
    Payments,
    PaymentStatus,
    UnsupportedOperationError,
    WebhookVerificationError,
)
from payments_core.registry import ProviderRegistry
from tests.conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    FakeGateway,
    HttpTestProvider,
    make_request,
    sign_webhook,
)


def gel(amount: str) -> Money:
    return Money(amount, "GEL")


# -- a checkout with bad input sends nothing --------------------------------------------------

Bad = tuple[Callable[[], Any], ErrorCode, str | None, str]
"""How to build the bad checkout, and the code, field and message fragment of its refusal."""

BAD_CHECKOUTS: dict[str, Bad] = {
    "float-amount": (
        lambda: make_request(amount=12.5),
        ErrorCode.INVALID_AMOUNT,
        "amount",
        "expected Money",
    ),
    "float-money": (
        lambda: make_request(amount=Money(12.5, "GEL")),  # type: ignore[arg-type]
        ErrorCode.INVALID_AMOUNT,
        None,
        "is a float",
    ),
    "negative-amount": (
        lambda: make_request(amount=gel("-12.50")),
        ErrorCode.INVALID_AMOUNT,
        "amount",
        "amount must be greater than zero",
    ),
    "zero-amount": (
        lambda: make_request(amount=gel("0")),
        ErrorCode.INVALID_AMOUNT,
        "amount",
        "amount must be greater than zero",
    ),
    "over-precise-amount": (
        lambda: make_request(amount=Money("12.505", "GEL")),
        ErrorCode.INVALID_AMOUNT,
        None,
        "more decimals than GEL allows",
    ),
    "currency-mismatch": (
        lambda: make_request(
            items=[LineItem(product_id="s", quantity=1, unit_price=Money("12.50", "USD"))]
        ),
        ErrorCode.CURRENCY_MISMATCH,
        "items",
        "every amount must be in GEL, found USD",
    ),
    "empty-basket": (
        lambda: make_request(items=[]),
        ErrorCode.INVALID_REQUEST,
        "items",
        "the basket is empty",
    ),
    "items-do-not-add-up": (
        lambda: make_request(amount=gel("13.00"), require_items_total=True),
        ErrorCode.INVALID_AMOUNT,
        "items",
        "items add up to 12.50 GEL, but amount is 13.00 GEL",
    ),
    "http-callback": (
        lambda: make_request(callback_url="http://shop.test/cb"),
        ErrorCode.INVALID_URL,
        "callback_url",
        "callback_url must use HTTPS",
    ),
    "unknown-currency": (
        lambda: make_request(amount=Money("1", "XYZ")),
        ErrorCode.INVALID_CURRENCY,
        None,
        "unknown currency 'XYZ'",
    ),
}


@pytest.mark.parametrize("build", BAD_CHECKOUTS.values(), ids=BAD_CHECKOUTS.keys())
def test_a_checkout_with_bad_input_fails_before_any_request(
    payments: Payments, gateway: FakeGateway, build: Bad
) -> None:
    make, code, field, problem = build
    with pytest.raises(InvalidRequestError) as caught:
        payments.create_payment(make())
    assert caught.value.code is code
    assert caught.value.field == field
    assert problem in caught.value.message
    assert gateway.seen == []


@pytest.mark.parametrize("build", BAD_CHECKOUTS.values(), ids=BAD_CHECKOUTS.keys())
async def test_an_async_checkout_with_bad_input_fails_before_any_request(
    async_payments: AsyncPayments, gateway: FakeGateway, build: Bad
) -> None:
    make, code, field, problem = build
    with pytest.raises(InvalidRequestError) as caught:
        await async_payments.create_payment(make())
    assert caught.value.code is code
    assert caught.value.field == field
    assert problem in caught.value.message
    assert gateway.seen == []


@pytest.mark.parametrize("request_", [{"external_id": "x"}, None, "order-1"])
def test_create_payment_needs_a_payment_request(
    payments: Payments, gateway: FakeGateway, request_: Any
) -> None:
    with pytest.raises(InvalidRequestError, match="PaymentRequest"):
        payments.create_payment(request_)
    assert gateway.seen == []


def test_a_request_changed_without_validation_is_checked_again(
    payments: Payments, gateway: FakeGateway
) -> None:
    """``model_copy(update=...)`` skips pydantic's checks; the facade does not."""
    tampered = make_request().model_copy(update={"capture": "later", "items": []})
    with pytest.raises(InvalidRequestError, match="capture: Input should be") as caught:
        payments.create_payment(tampered)
    assert "items: the basket is empty" in caught.value.message  # both defects are reported
    assert gateway.seen == []


# -- operations on an existing payment --------------------------------------------------------


@pytest.mark.parametrize(
    "amount",
    [Decimal("1.00"), 1.5, "1.00", 1, gel("0"), gel("-1.00")],
    ids=["decimal", "float", "str", "int", "zero", "negative"],
)
@pytest.mark.parametrize("operation", ["refund", "capture"])
def test_an_amount_that_is_not_positive_money_is_refused_before_sending(
    payments: Payments, gateway: FakeGateway, operation: str, amount: Any
) -> None:
    payment_id = gateway.add_payment()
    with pytest.raises(InvalidRequestError) as caught:
        getattr(payments, operation)(payment_id, amount)
    assert caught.value.code is ErrorCode.INVALID_AMOUNT
    assert caught.value.field == "amount"
    assert gateway.seen == []


@pytest.mark.parametrize(
    "payment_id",
    ["", "../admin", "pay/1", "pay 1", "pay?x=1", "pay#1", "x" * 200, 42, None, "%2e%2e"],
)
@pytest.mark.parametrize("operation", ["get_payment", "refund", "capture", "void"])
def test_a_malformed_payment_id_is_refused_before_sending(
    payments: Payments, gateway: FakeGateway, operation: str, payment_id: Any
) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        getattr(payments, operation)(payment_id)
    assert caught.value.field == "payment_id"
    assert gateway.seen == []


async def test_async_operations_check_their_input_too(
    async_payments: AsyncPayments, gateway: FakeGateway
) -> None:
    with pytest.raises(InvalidRequestError, match="amount must be Money") as bad_amount:
        await async_payments.refund("pay_1", 1.5)  # type: ignore[arg-type]
    assert bad_amount.value.code is ErrorCode.INVALID_AMOUNT
    assert bad_amount.value.field == "amount"
    with pytest.raises(InvalidRequestError, match="invalid payment id") as bad_id:
        await async_payments.get_payment("../admin")
    assert bad_id.value.field == "payment_id"
    assert gateway.seen == []


# -- capabilities -----------------------------------------------------------------------------


class _FullRefundsOnly(HttpTestProvider):
    name = "fullrefunds"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.CREATE, Capability.RETRIEVE, Capability.REFUND, Capability.CAPTURE}
    )


@pytest.fixture
def limited(
    registry: ProviderRegistry, http_client: httpx.Client, settings: dict[str, Any]
) -> Payments:
    registry.register(_FullRefundsOnly)
    return Payments(
        "fullrefunds",
        registry=registry,
        http_client=http_client,
        autoload_plugins=False,
        **settings,
    )


def test_capabilities_are_the_providers(payments: Payments, limited: Payments) -> None:
    assert payments.capabilities == HttpTestProvider.capabilities
    assert Capability.PARTIAL_REFUND not in limited.capabilities


@pytest.mark.parametrize(
    ("call", "what"),
    [
        (lambda p: p.refund("pay_1", Money("1", "GEL")), "partial refund"),
        (lambda p: p.capture("pay_1", Money("1", "GEL")), "partial capture"),
        (lambda p: p.void("pay_1"), "void"),
        (lambda p: p.parse_webhook({}, b"{}"), "webhooks"),
    ],
    ids=["partial-refund", "partial-capture", "void", "webhooks"],
)
def test_an_undeclared_capability_is_refused_before_sending(
    limited: Payments, gateway: FakeGateway, call: Callable[[Payments], Any], what: str
) -> None:
    with pytest.raises(UnsupportedOperationError, match=what) as caught:
        call(limited)
    assert caught.value.provider == "fullrefunds"
    assert gateway.seen == []


def test_a_full_refund_works_where_partial_refunds_do_not(
    limited: Payments, gateway: FakeGateway
) -> None:
    payment_id = gateway.add_payment()
    assert limited.refund(payment_id).payment_id == payment_id


# -- construction -----------------------------------------------------------------------------


def test_a_facade_can_wrap_a_provider_instance(
    http_client: httpx.Client, gateway: FakeGateway
) -> None:
    provider = HttpTestProvider.from_settings(
        {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    )
    payment_id = gateway.add_payment()
    with Payments(provider, http_client=http_client, autoload_plugins=False) as payments:
        assert payments.provider is provider
        assert payments.get_payment(payment_id).status is PaymentStatus.CAPTURED


def test_settings_go_to_the_provider_or_the_facade_not_both() -> None:
    provider = HttpTestProvider.from_settings(
        {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    )
    with pytest.raises(ConfigurationError, match="either to the provider or to the facade"):
        Payments(provider, autoload_plugins=False, client_id="other")


def test_a_provider_that_is_neither_name_nor_instance_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="provider must be a name or a PaymentProvider"):
        Payments(HttpTestProvider, autoload_plugins=False)  # type: ignore[arg-type]


def test_the_sync_facade_refuses_an_async_client(
    registry: ProviderRegistry, settings: dict[str, Any]
) -> None:
    with pytest.raises(ConfigurationError, match=r"httpx\.Client"):
        Payments(
            "httpgw",
            registry=registry,
            http_client=httpx.AsyncClient(),  # type: ignore[arg-type]
            autoload_plugins=False,
            **settings,
        )


async def test_the_async_facade_refuses_a_sync_client(
    registry: ProviderRegistry, settings: dict[str, Any]
) -> None:
    with httpx.Client() as client, pytest.raises(ConfigurationError, match="AsyncClient"):
        AsyncPayments(
            "httpgw",
            registry=registry,
            http_client=client,  # type: ignore[arg-type]
            autoload_plugins=False,
            **settings,
        )


def test_a_client_passed_in_is_left_open(payments: Payments, http_client: httpx.Client) -> None:
    payments.close()
    assert not http_client.is_closed


def test_a_client_the_facade_made_is_closed_with_it(
    registry: ProviderRegistry, settings: dict[str, Any]
) -> None:
    with Payments("httpgw", registry=registry, autoload_plugins=False, **settings) as payments:
        client = payments.http_client
    assert client.is_closed


def test_a_facade_made_client_has_the_provider_timeout(
    registry: ProviderRegistry, settings: dict[str, Any]
) -> None:
    with Payments(
        "httpgw", registry=registry, autoload_plugins=False, timeout=12.0, **settings
    ) as payments:
        assert payments.http_client.timeout.read == 12.0


# -- errors name what they are about ----------------------------------------------------------


def test_errors_from_an_operation_carry_the_provider_and_payment_id(
    payments: Payments, gateway: FakeGateway
) -> None:
    with pytest.raises(NotFoundError) as caught:
        payments.refund("pay_404")
    assert caught.value.http_status == 404
    assert caught.value.provider == "httpgw"
    assert caught.value.payment_id == "pay_404"


def test_a_webhook_body_must_be_the_raw_bytes(payments: Payments) -> None:
    with pytest.raises(WebhookVerificationError, match="raw request body as bytes") as caught:
        payments.parse_webhook({}, {"id": "evt"})  # type: ignore[arg-type]
    assert caught.value.code is ErrorCode.WEBHOOK_MALFORMED


def test_a_webhook_the_provider_cannot_read_is_a_verification_error(
    registry: ProviderRegistry, settings: dict[str, Any]
) -> None:
    body = b'{"event_id": "e1"}'  # signed, but not a complete event
    with (
        Payments(
            "httpgw", registry=registry, autoload_plugins=False, webhook_secret="w", **settings
        ) as payments,
        pytest.raises(
            WebhookVerificationError, match=r"could not read the callback \(KeyError\)"
        ) as caught,
    ):
        payments.parse_webhook({"X-Signature": sign_webhook(body, "w")}, body)
    assert caught.value.code is ErrorCode.WEBHOOK_MALFORMED
    assert caught.value.provider == "httpgw"


def test_the_provider_setting_alone_allows_a_loopback_http_callback() -> None:
    """One switch for local work: no second, request-level flag is needed."""
    import uuid

    from payments_core import LineItem, Money, PaymentRequest

    request = PaymentRequest(
        external_id="local-1",
        amount=Money("1.00", "GEL"),
        items=[LineItem(product_id="x", quantity=1, unit_price=Money("1.00", "GEL"))],
        callback_url="http://127.0.0.1:8000/callback",
    )
    store = f"t-{uuid.uuid4().hex}"
    with Payments(
        "dummy", store=store, allow_insecure_callback_url=True, autoload_plugins=False
    ) as payments:
        assert payments.create_payment(request).status.value == "pending"
    with (
        Payments("dummy", store=store, autoload_plugins=False) as strict,
        pytest.raises(InvalidRequestError, match="allow_insecure_callback_url") as refused,
    ):
        strict.create_payment(request)
    assert refused.value.field == "callback_url"


async def test_a_plain_store_in_async_payments_gets_the_id_an_unknown_create_named() -> None:
    from payments_core.gateway.settlement import AwaitableStore
    from payments_core.idempotency import MemoryIdempotencyStore

    class NotesIds(MemoryIdempotencyStore):
        named: list[str | None] = []

        def unknown(self, gateway: str, key: str, payment_id: str | None = None) -> None:
            self.named.append(payment_id)
            super().unknown(gateway, key)

    store = NotesIds()
    await AwaitableStore(store).unknown("shop", "key-1", payment_id="order-7")
    assert store.named == ["order-7"]
