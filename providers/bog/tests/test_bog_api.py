"""BOG's own operations: saved cards, subscriptions, Apple Pay completion.

First the flows by hand, then :class:`BogPayments` / :class:`AsyncBogPayments` running
them through a facade.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from payments_bog import AsyncBogPayments, BogPayments, BogProvider
from payments_bog.api import BogActionRequest

from payments_core import (
    AsyncPayments,
    ConfigurationError,
    ErrorCode,
    InvalidRequestError,
    Money,
    NotFoundError,
    OperationKind,
    OperationRequest,
    OperationVetoedError,
    Payments,
    PaymentStatus,
    hookimpl,
)

PARENT = "0f4e7a52-2d4b-4c8e-9d3f-5c1a2b3c4d5e"
NEW = "8d1c6e7f-0a1b-4c2d-8e3f-4a5b6c7d8e9f"


# -- the flows ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "path"), [("recurrent", "cards"), ("subscription", "subscriptions")]
)
def test_save_card_puts_to_the_kinds_endpoint_and_accepts_202(
    provider: BogProvider, finish: Any, kind: str, path: str
) -> None:
    flow = provider.save_card(PARENT, kind, idempotency_key="k1")  # type: ignore[arg-type]

    request = next(flow)
    result = finish(flow, httpx.Response(202))

    assert request.method == "PUT"
    assert str(request.url) == f"https://api.bog.ge/payments/v1/orders/{PARENT}/{path}"
    assert request.headers["Idempotency-Key"] == "k1"
    assert result is None


def test_save_card_of_an_unknown_kind_is_refused(provider: BogProvider) -> None:
    with pytest.raises(InvalidRequestError, match="recurrent"):
        provider.save_card(PARENT, "weekly", idempotency_key="k")  # type: ignore[arg-type]


def test_charge_saved_card_posts_a_normal_order_under_the_parent(
    provider: BogProvider, order_request: Any, respond: Any, finish: Any
) -> None:
    flow = provider.charge_saved_card(PARENT, order_request())

    request = next(flow)
    payment = finish(
        flow,
        respond(
            200,
            {
                "id": NEW,
                "_links": {"redirect": {"href": f"https://payment.bog.ge/?order_id={NEW}"}},
            },
        ),
    )

    assert str(request.url) == f"https://api.bog.ge/payments/v1/ecommerce/orders/{PARENT}"
    assert b'"total_amount":27.50' in request.content
    assert request.headers["Accept-Language"] == "en"
    assert payment.id == NEW
    assert payment.status is PaymentStatus.PENDING
    assert payment.redirect_url is not None


def test_charge_subscription_reads_the_parent_then_subscribes(
    provider: BogProvider, respond: Any, finish: Any, receipt: Any
) -> None:
    flow = provider.charge_subscription(
        PARENT,
        idempotency_key="k2",
        callback_url="https://shop.example/bog/callback",
        external_id="SUB-42",
    )

    read = next(flow)
    subscribe = flow.send(respond(200, receipt("completed", order_id=PARENT)))
    payment = finish(
        flow,
        respond(200, {"id": NEW, "_links": {"details": {"href": f"https://x/receipt/{NEW}"}}}),
    )

    assert (read.method, read.url.path) == ("GET", f"/payments/v1/receipt/{PARENT}")
    assert subscribe.method == "POST"
    assert subscribe.url.path == f"/payments/v1/ecommerce/orders/{PARENT}/subscribe"
    assert json.loads(subscribe.content) == {
        "callback_url": "https://shop.example/bog/callback",
        "external_order_id": "SUB-42",
    }
    assert subscribe.headers["Idempotency-Key"] == "k2"
    assert payment.id == NEW
    assert payment.status is PaymentStatus.PROCESSING
    assert payment.amount == Money("10.90", "GEL")
    assert payment.external_id == "SUB-42"
    assert payment.redirect_url is None


def test_charge_subscription_without_options_sends_an_empty_object(
    provider: BogProvider, respond: Any, receipt: Any
) -> None:
    flow = provider.charge_subscription(PARENT, idempotency_key="k")
    next(flow)

    subscribe = flow.send(respond(200, receipt("completed", order_id=PARENT)))

    assert subscribe.content == b"{}"


def test_charge_subscription_refuses_an_http_callback_before_sending(
    provider: BogProvider,
) -> None:
    with pytest.raises(InvalidRequestError, match="HTTPS"):
        provider.charge_subscription(
            PARENT, idempotency_key="k", callback_url="http://shop.example/cb"
        )


@pytest.mark.parametrize(("status", "deleted"), [(202, True), (404, False)])
def test_delete_saved_card_treats_404_as_already_deleted(
    provider: BogProvider, finish: Any, status: int, deleted: bool
) -> None:
    flow = provider.delete_saved_card(PARENT, idempotency_key="k3")

    request = next(flow)
    result = finish(flow, httpx.Response(status))

    assert request.method == "DELETE"
    assert str(request.url) == f"https://api.bog.ge/payments/v1/charges/card/{PARENT}"
    assert request.headers["Idempotency-Key"] == "k3"
    assert 404 in request.extensions["payments_core.accept_status"]
    assert result is deleted


def test_delete_saved_card_treats_bogs_invalid_order_id_400_as_already_gone(
    provider: BogProvider, respond: Any, finish: Any
) -> None:
    flow = provider.delete_saved_card(PARENT, idempotency_key="k3")

    request = next(flow)
    result = finish(flow, respond(400, {"message": "Invalid order_id"}))

    assert 400 in request.extensions["payments_core.accept_status"]
    assert result is False


def test_delete_saved_card_raises_any_other_400(provider: BogProvider, respond: Any) -> None:
    flow = provider.delete_saved_card(PARENT, idempotency_key="k3")
    next(flow)

    with pytest.raises(InvalidRequestError) as raised:
        flow.send(respond(400, {"message": "Card deletion is not enabled"}))

    assert raised.value.provider_message == "Card deletion is not enabled"
    assert raised.value.http_status == 400


def test_complete_apple_pay_posts_the_token_and_reads_the_embedded_receipt(
    provider: BogProvider, respond: Any, finish: Any, receipt: Any
) -> None:
    token = '{"paymentData":{"data":"abc"},"paymentMethod":{"network":"Visa"}}'
    details = receipt("completed", payment_detail={"transfer_method": {"key": "apple_pay"}})
    flow = provider.complete_apple_pay("ap-ord", token, idempotency_key="k4")

    request = next(flow)
    payment = finish(
        flow, respond(200, {"id": "ap-ord", "status": "completed", "order_details": details})
    )

    assert str(request.url) == "https://api.bog.ge/payments/v1/ecommerce/orders/ap-ord/payment"
    assert json.loads(request.content) == {"apple_pay_token": token}
    assert payment.status is PaymentStatus.CAPTURED
    assert payment.method == "apple_pay"


def test_complete_apple_pay_reads_the_receipt_when_the_answer_has_none(
    provider: BogProvider, respond: Any, finish: Any, receipt: Any
) -> None:
    flow = provider.complete_apple_pay("ap-ord", "{}", idempotency_key="k4")
    next(flow)

    follow_up = flow.send(respond(200, {"id": "ap-ord", "status": "completed"}))
    payment = finish(flow, respond(200, receipt("completed", order_id="ap-ord")))

    assert (follow_up.method, follow_up.url.path) == ("GET", "/payments/v1/receipt/ap-ord")
    assert payment.id == "ap-ord"


def test_complete_apple_pay_needs_a_token(provider: BogProvider) -> None:
    with pytest.raises(InvalidRequestError, match="apple_pay_token"):
        provider.complete_apple_pay("ap-ord", " ", idempotency_key="k")


# -- through the facades -----------------------------------------------------------------------


@pytest.fixture
def bog(gateway: Any) -> Any:
    """BogPayments or AsyncBogPayments over the same facade as ``gateway``."""
    return (AsyncBogPayments if gateway.is_async else BogPayments)(gateway.facade)


async def maybe(value: Any) -> Any:
    return await value if hasattr(value, "__await__") else value


async def test_subscription_lifecycle_through_the_facade(
    gateway: Any, bog: Any, order_request: Any
) -> None:
    first = await gateway.create_payment(
        order_request(provider_options={"save_card": "subscription"})
    )
    gateway.bog.pay(first.id)

    charge = await maybe(bog.charge_subscription(first.id, external_id="SUB-1"))
    child = await gateway.get_payment(charge.id)
    deleted = await maybe(bog.delete_saved_card(first.id))
    deleted_again = await maybe(bog.delete_saved_card("5a1d2c4e-0000-4000-8000-000000000000"))

    assert gateway.bog.orders[first.id].saved is None
    assert charge.status is PaymentStatus.PROCESSING
    assert charge.amount == Money("27.50", "GEL")
    assert child.status is PaymentStatus.PROCESSING
    assert deleted is True
    assert deleted_again is False


async def test_recurrent_charge_through_the_facade_returns_a_redirect(
    gateway: Any, bog: Any, order_request: Any
) -> None:
    first = await gateway.create_payment(order_request())
    await maybe(bog.save_card(first.id, "recurrent"))
    gateway.bog.pay(first.id)

    second = await maybe(
        bog.charge_saved_card(first.id, order_request(external_id="ORD-2", idempotency_key="k-2"))
    )

    assert gateway.bog.orders[first.id].saved == "recurrent"
    assert gateway.bog.orders[second.id].parent == first.id
    assert second.redirect_url is not None


async def test_subscription_charge_of_an_unknown_parent_fails_before_charging(
    gateway: Any, bog: Any
) -> None:
    with pytest.raises(NotFoundError):
        await maybe(bog.charge_subscription("5a1d2c4e-0000-4000-8000-000000000000"))

    assert [r.method for r in gateway.bog.requests if r.method != "POST"] == ["GET"]
    assert not any(r.url.path.endswith("/subscribe") for r in gateway.bog.requests)


async def test_plugins_see_and_may_veto_bog_operations(
    gateway: Any, bog: Any, order_request: Any
) -> None:
    seen: list[str] = []

    class Audit:
        @hookimpl
        def payments_before_operation(self, operation: str) -> None:
            if operation == "delete_saved_card":
                raise RuntimeError("card deletion is frozen")

        @hookimpl
        def payments_after_operation(self, operation: str) -> None:
            seen.append(operation)

    gateway.facade.register_plugin(Audit())
    first = await gateway.create_payment(order_request())
    await maybe(bog.save_card(first.id, "subscription"))

    with pytest.raises(OperationVetoedError):
        await maybe(bog.delete_saved_card(first.id))

    assert seen == ["create_payment", "save_card"]
    assert not any(r.method == "DELETE" for r in gateway.bog.requests)


async def held_payment(gateway: Any, order_request: Any) -> Any:
    payment = await gateway.create_payment(order_request(capture="manual"))
    gateway.bog.pay(payment.id)
    return payment


def sent_to(gateway: Any, action: str) -> httpx.Request:
    (request,) = [r for r in gateway.bog.requests if f"/authorization/{action}/" in r.url.path]
    return request


async def test_bog_capture_sends_description_and_split_under_its_key(
    gateway: Any, bog: Any, order_request: Any
) -> None:
    held = await held_payment(gateway, order_request)
    split = [{"iban": "GE00BG0000000000000001", "percent": "10"}]

    operation = await maybe(
        bog.capture(
            held.id,
            Money("20.00", "GEL"),
            description="shipped",
            split=split,
            idempotency_key="cap-1",
        )
    )

    request = sent_to(gateway, "approve")
    assert json.loads(request.content) == {
        "amount": 20.0,
        "description": "shipped",
        "split": {"split_payments": [{"iban": "GE00BG0000000000000001", "percent": 10}]},
    }
    assert request.headers["Idempotency-Key"] == "cap-1"
    assert operation.kind is OperationKind.CAPTURE
    assert operation.amount == Money("20.00", "GEL")
    assert operation.idempotency_key == "cap-1"


async def test_bog_void_sends_the_description(gateway: Any, bog: Any, order_request: Any) -> None:
    held = await held_payment(gateway, order_request)

    operation = await maybe(bog.void(held.id, description="out of stock"))

    request = sent_to(gateway, "cancel")
    assert json.loads(request.content) == {"description": "out of stock"}
    assert request.headers["Idempotency-Key"] == operation.idempotency_key
    assert operation.kind is OperationKind.VOID


async def test_plugins_see_bogs_capture_extras_as_a_capture(
    gateway: Any, bog: Any, order_request: Any
) -> None:
    seen: list[tuple[str, Any]] = []

    class Audit:
        @hookimpl
        def payments_before_operation(self, operation: str, request: Any) -> None:
            seen.append((operation, request))

    held = await held_payment(gateway, order_request)
    gateway.facade.register_plugin(Audit())

    await maybe(bog.capture(held.id, description="shipped", idempotency_key="cap-2"))

    ((operation, request),) = seen
    assert operation == "capture"
    assert isinstance(request, OperationRequest)
    assert isinstance(request, BogActionRequest)
    assert (request.payment_id, request.description) == (held.id, "shipped")
    assert request.idempotency_key == "cap-2"


async def test_the_same_capture_key_with_another_description_is_a_conflict(
    gateway: Any, bog: Any, order_request: Any
) -> None:
    held = await held_payment(gateway, order_request)
    await maybe(bog.capture(held.id, description="shipped", idempotency_key="cap-3"))

    with pytest.raises(InvalidRequestError) as raised:
        await maybe(bog.capture(held.id, description="returned", idempotency_key="cap-3"))

    assert raised.value.code is ErrorCode.IDEMPOTENCY_CONFLICT
    assert len([r for r in gateway.bog.requests if "/approve/" in r.url.path]) == 1


def test_bog_payments_needs_a_bog_gateway() -> None:
    with (
        Payments("dummy", autoload_plugins=False) as payments,
        pytest.raises(ConfigurationError, match="BOG"),
    ):
        BogPayments(payments)


async def test_each_wrapper_needs_its_own_kind_of_facade(provider: BogProvider) -> None:
    async with AsyncPayments(provider, autoload_plugins=False) as apayments:
        with pytest.raises(ConfigurationError):
            BogPayments(apayments)  # type: ignore[arg-type]
    with (
        Payments(provider, autoload_plugins=False) as payments,
        pytest.raises(ConfigurationError),
    ):
        AsyncBogPayments(payments)  # type: ignore[arg-type]
