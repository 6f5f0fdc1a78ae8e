"""POST /ecommerce/orders: BOG's create-order answer and its validation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from payments_bog.sandbox import BogSandbox


async def test_create_order_answers_id_and_links(bog: Any, sandbox: BogSandbox) -> None:
    response = await bog.create()

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    order_id = body["id"]
    assert body["_links"] == {
        "details": {"href": f"http://127.0.0.1:8086/payments/v1/receipt/{order_id}"},
        "redirect": {"href": f"http://127.0.0.1:8086/?order_id={order_id}"},
    }
    assert sandbox.counters.orders_created == 1


async def test_order_id_is_a_uuid4(bog: Any) -> None:
    order_id = await bog.create_id()

    assert len(order_id) == 36
    assert order_id[14] == "4"


async def test_links_follow_the_public_base_url(private_key_pem: bytes) -> None:
    sandbox = BogSandbox(public_base_url="http://localhost:9999/", private_key_pem=private_key_pem)
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url="http://x") as http:
        token = await http.post(
            "/auth/realms/bog/protocol/openid-connect/token",
            data={"grant_type": "client_credentials"},
            auth=("sandbox-client", "sandbox-secret"),
        )
        response = await http.post(
            "/payments/v1/ecommerce/orders",
            json={
                "callback_url": "https://shop.example/cb",
                "purchase_units": {
                    "total_amount": 1,
                    "basket": [{"product_id": "a", "quantity": 1, "unit_price": 1}],
                },
            },
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        )

    assert response.json()["_links"]["redirect"]["href"].startswith("http://localhost:9999/?")


async def test_amounts_keep_their_exact_digits(bog: Any, make_body: Any) -> None:
    body = make_body()
    body["purchase_units"]["total_amount"] = Decimal("10.90")
    order_id = await bog.create_id(body)

    receipt = await bog.receipt(order_id)

    assert receipt["purchase_units"]["request_amount"] == "10.90"


async def test_ttl_defaults_to_15_minutes(bog: Any) -> None:
    receipt = await bog.receipt(await bog.create_id())

    assert receipt["zoned_expire_date"] == "2025-09-29T13:12:54.595205Z"


async def test_ttl_sets_the_expiry(bog: Any, make_body: Any) -> None:
    receipt = await bog.receipt(await bog.create_id(make_body(ttl=1440)))

    assert receipt["zoned_expire_date"] == "2025-09-30T12:57:54.595205Z"


async def test_accept_language_en_makes_an_english_order(bog: Any) -> None:
    receipt = await bog.receipt(await bog.create_id(**{"Accept-Language": "en"}))

    assert receipt["lang"] == "en"
    assert receipt["order_status"] == {"key": "created", "value": "Created"}


async def test_order_language_defaults_to_georgian(bog: Any) -> None:
    receipt = await bog.receipt(await bog.create_id())

    assert receipt["lang"] == "ka"
    assert receipt["order_status"]["value"] == "შექმნილი"


async def test_plain_http_callback_is_allowed_on_loopback(bog: Any, make_body: Any) -> None:
    response = await bog.create(make_body(callback_url="http://127.0.0.1:8000/callback"))

    assert response.status_code == 200


async def test_loan_order_with_its_config_is_accepted(bog: Any, make_body: Any) -> None:
    body = make_body(
        payment_method=["bog_loan"], config={"loan": {"type": "STANDARD", "month": 12}}
    )

    assert (await bog.create(body)).status_code == 200


async def test_split_payment_in_gel_is_accepted(bog: Any, make_body: Any) -> None:
    split = {
        "split_payments": [
            {"iban": "GE29BG0000000123456789", "amount": Decimal("10.00")},
            {"iban": "GE29BG0000000987654321", "percent": 20},
        ]
    }
    order_id = await bog.create_id(make_body(config={"split": split}))

    receipt = await bog.receipt(order_id)

    assert receipt["split"]["split_status"] == "created"
    assert receipt["split"]["split_payments"][0]["amount"] == "10.00"


def units(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "currency": "GEL",
        "total_amount": Decimal("10"),
        "basket": [{"product_id": "SKU-1", "quantity": 1, "unit_price": Decimal("10")}],
    }
    base.update(changes)
    return base


def split_of(*parts: dict[str, Any]) -> dict[str, Any]:
    return {"split": {"split_payments": list(parts)}}


IBAN = "GE29BG0000000123456789"

INVALID_BODIES = {
    "callback_url missing": ({"callback_url": None}, "callback_url is required"),
    "callback_url over http": (
        {"callback_url": "http://shop.example/cb"},
        "callback_url must be an HTTPS URL",
    ),
    "callback_url not a URL": ({"callback_url": "shop"}, "callback_url must be an HTTPS URL"),
    "purchase_units missing": ({"purchase_units": None}, "purchase_units is required"),
    "total_amount missing": (
        {"purchase_units": units(total_amount=None)},
        "total_amount is required",
    ),
    "total_amount zero": (
        {"purchase_units": units(total_amount=0)},
        "total_amount must be greater than 0",
    ),
    "total_amount negative": (
        {"purchase_units": units(total_amount=Decimal("-1.00"))},
        "total_amount must be greater than 0",
    ),
    "total_amount as text": (
        {"purchase_units": units(total_amount="10")},
        "total_amount must be a number",
    ),
    "total_amount with three decimals": (
        {"purchase_units": units(total_amount=Decimal("10.001"))},
        "at most two decimal places",
    ),
    "currency unknown": ({"purchase_units": units(currency="RUB")}, "currency must be one of"),
    "basket empty": ({"purchase_units": units(basket=[])}, "basket must contain at least one"),
    "basket missing": ({"purchase_units": units(basket=None)}, "basket must contain at least"),
    "basket item without product_id": (
        {"purchase_units": units(basket=[{"quantity": 1, "unit_price": 1}])},
        "basket[0].product_id is required",
    ),
    "basket item without quantity": (
        {"purchase_units": units(basket=[{"product_id": "a", "unit_price": 1}])},
        "basket[0].quantity is required",
    ),
    "basket item without unit_price": (
        {"purchase_units": units(basket=[{"product_id": "a", "quantity": 1}])},
        "basket[0].unit_price is required",
    ),
    "basket item with zero quantity": (
        {"purchase_units": units(basket=[{"product_id": "a", "quantity": 0, "unit_price": 1}])},
        "basket[0].quantity must be greater than 0",
    ),
    "ttl below 2": ({"ttl": 1}, "ttl must be a whole number of minutes from 2 to 1440"),
    "ttl above 1440": ({"ttl": 1441}, "ttl must be a whole number of minutes from 2 to 1440"),
    "ttl fractional": ({"ttl": Decimal("2.5")}, "ttl must be a whole number"),
    "capture unknown": ({"capture": "later"}, "capture must be one of automatic, manual"),
    "payment_method unknown": ({"payment_method": ["cash"]}, "Unknown payment_method: cash"),
    "loan with card": (
        {"payment_method": ["card"], "config": {"loan": {"type": "STANDARD", "month": 6}}},
        'config.loan is allowed only with payment_method ["bog_loan"] or ["bnpl"]',
    ),
    "loan with bog_loan among others": (
        {
            "payment_method": ["bog_loan", "card"],
            "config": {"loan": {"type": "STANDARD", "month": 6}},
        },
        "config.loan is allowed only with",
    ),
    "bnpl without loan": ({"payment_method": ["bnpl"]}, "config.loan is required"),
    "split with eleven parts": (
        {"config": split_of(*[{"iban": IBAN, "percent": 5}] * 11)},
        "at most 10 split_payments",
    ),
    "split in USD": (
        {"purchase_units": units(currency="USD"), "config": split_of({"iban": IBAN, "percent": 5})},
        "Split payment is available only in GEL",
    ),
    "split part with amount and percent": (
        {"config": split_of({"iban": IBAN, "amount": 1, "percent": 5})},
        "exactly one of amount or percent",
    ),
    "split part with neither amount nor percent": (
        {"config": split_of({"iban": IBAN})},
        "exactly one of amount or percent",
    ),
    "split amounts above the total": (
        {"config": split_of({"iban": IBAN, "amount": 30})},
        "split amounts exceed",
    ),
    "manual capture with bog_p2p only": (
        {"capture": "manual", "payment_method": ["bog_p2p"]},
        "capture manual is available only for card",
    ),
    "external google pay without token": (
        {"payment_method": ["google_pay"], "config": {"google_pay": {"external": True}}},
        "google_pay_token is required",
    ),
    "external apple pay without apple_pay method": (
        {"payment_method": ["card"], "config": {"apple_pay": {"external": True}}},
        'needs "apple_pay" in payment_method',
    ),
}


@pytest.mark.parametrize(("changes", "message"), INVALID_BODIES.values(), ids=INVALID_BODIES)
async def test_invalid_create_order_body_is_refused_with_a_message(
    bog: Any, make_body: Any, sandbox: BogSandbox, changes: dict[str, Any], message: str
) -> None:
    body = make_body(**changes)
    for key, value in changes.items():
        if value is None:
            del body[key]

    response = await bog.create(body)

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert message in response.json()["message"]
    assert sandbox.counters.orders_created == 0


async def test_body_that_is_not_json_is_refused(bog: Any) -> None:
    response = await bog.http.post(
        "/payments/v1/ecommerce/orders",
        content=b"{not json",
        headers=bog.headers(**{"Content-Type": "application/json"}),
    )

    assert response.status_code == 400
    assert response.json() == {"message": "Request body is not valid JSON"}


async def test_nan_amount_is_refused(bog: Any) -> None:
    raw = (
        b'{"callback_url":"https://a.example/cb","purchase_units":{"total_amount":NaN,'
        b'"basket":[{"product_id":"a","quantity":1,"unit_price":1}]}}'
    )
    response = await bog.http.post(
        "/payments/v1/ecommerce/orders", content=raw, headers=bog.headers()
    )

    assert response.status_code == 400
