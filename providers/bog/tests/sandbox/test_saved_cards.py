"""Saved cards: save for recurrent or subscription use, charge, subscribe, delete."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from payments_bog.sandbox import BogSandbox


async def saved_parent(bog: Any, kind: str, card: str = "4000000000000001") -> str:
    """An order whose payment saved its card (``kind``: cards or subscriptions)."""
    order_id = await bog.create_id()
    response = await bog.call("PUT", f"/orders/{order_id}/{kind}")
    assert response.status_code == 202
    await bog.sandbox.pay(order_id, card)
    return str(order_id)


async def subscribe(bog: Any, parent: str, payload: Any = None) -> Any:
    return await bog.call("POST", f"/ecommerce/orders/{parent}/subscribe", payload or {})


async def test_save_card_answers_202_with_an_empty_body(bog: Any) -> None:
    order_id = await bog.create_id()

    response = await bog.call("PUT", f"/orders/{order_id}/cards")

    assert response.status_code == 202
    assert response.content == b""


async def test_save_for_subscriptions_answers_202(bog: Any) -> None:
    order_id = await bog.create_id()

    assert (await bog.call("PUT", f"/orders/{order_id}/subscriptions")).status_code == 202


async def test_saving_a_card_after_payment_is_refused(bog: Any) -> None:
    order_id = await bog.paid()

    response = await bog.call("PUT", f"/orders/{order_id}/cards")

    assert response.status_code == 400
    assert "before the order is paid" in response.json()["message"]


async def test_saving_on_an_unknown_order_is_invalid_order_id(bog: Any) -> None:
    response = await bog.call("PUT", "/orders/nope/cards")

    assert response.json() == {"message": "Invalid order_id"}


async def test_delete_card_answers_202(bog: Any) -> None:
    parent = await saved_parent(bog, "cards")

    response = await bog.call("DELETE", f"/charges/card/{parent}")

    assert response.status_code == 202
    assert response.content == b""


async def test_delete_card_of_an_unknown_order_is_invalid_order_id(bog: Any) -> None:
    # Reference §2.2: BOG answers an unknown order with 400, not 404.
    response = await bog.call("DELETE", "/charges/card/5a1d2c4e-0000-4000-8000-000000000000")

    assert response.status_code == 400
    assert response.json() == {"message": "Invalid order_id"}


async def test_paying_order_records_the_saved_card_type(bog: Any) -> None:
    parent = await saved_parent(bog, "subscriptions")

    receipt = await bog.receipt(parent)

    assert receipt["payment_detail"]["saved_card_type"] == "subscription"


async def test_declined_payment_saves_no_card(bog: Any) -> None:
    parent = await saved_parent(bog, "subscriptions", card="4000000000000002")

    receipt = await bog.receipt((await subscribe(bog, parent)).json()["id"])

    assert receipt["payment_detail"]["code"] == "102"


async def test_recurrent_charge_gets_a_redirect_and_pays_with_the_saved_card(
    bog: Any, make_body: Any, sandbox: BogSandbox
) -> None:
    parent = await saved_parent(bog, "cards")
    body = make_body(external_order_id="REC-7")
    body["purchase_units"]["total_amount"] = Decimal("9.99")

    response = await bog.call("POST", f"/ecommerce/orders/{parent}", body)
    child = response.json()["id"]
    assert response.status_code == 200
    assert response.json()["_links"]["redirect"]["href"].endswith(f"/?order_id={child}")
    await sandbox.pay(child, "saved")

    receipt = await bog.receipt(child)
    assert receipt["order_status"]["key"] == "completed"
    assert receipt["purchase_units"]["request_amount"] == "9.99"
    detail = receipt["payment_detail"]
    assert detail["payment_option"] == "recurrent"
    assert detail["saved_card_type"] == "recurrent"
    assert detail["parent_order_id"] == parent
    assert detail["payer_identifier"] == "400000xxxxxx0001"


async def test_recurrent_charge_after_delete_is_declined_with_102(
    bog: Any, make_body: Any, sandbox: BogSandbox
) -> None:
    parent = await saved_parent(bog, "cards")
    await bog.call("DELETE", f"/charges/card/{parent}")
    child = (await bog.call("POST", f"/ecommerce/orders/{parent}", make_body())).json()["id"]

    receipt = await sandbox.pay(child, "saved")

    assert receipt["payment_detail"]["code"] == "102"
    assert receipt["reject_reason"] == "Saved card not found"


async def test_recurrent_charge_of_an_unknown_parent_is_invalid_order_id(
    bog: Any, make_body: Any
) -> None:
    response = await bog.call("POST", "/ecommerce/orders/nope", make_body())

    assert response.json() == {"message": "Invalid order_id"}


async def test_subscribe_charges_at_once_with_the_parents_amount(
    bog: Any, receiver: Any, sandbox: BogSandbox
) -> None:
    parent = await saved_parent(bog, "subscriptions")

    response = await subscribe(
        bog, parent, {"callback_url": "https://shop.example/sub", "external_order_id": "SUB-42"}
    )

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"id", "_links"}
    assert set(body["_links"]) == {"details"}
    receipt = await bog.receipt(body["id"])
    assert receipt["order_status"]["key"] == "completed"
    assert receipt["external_order_id"] == "SUB-42"
    assert receipt["purchase_units"]["request_amount"] == "27.50"
    assert receipt["purchase_units"]["currency_code"] == "GEL"
    detail = receipt["payment_detail"]
    assert (detail["payment_option"], detail["saved_card_type"], detail["parent_order_id"]) == (
        "subscription",
        "subscription",
        parent,
    )
    assert receiver.calls[-1].url == "https://shop.example/sub"
    assert sandbox.counters.orders_created == 2


async def test_subscribe_without_a_body_inherits_everything(bog: Any) -> None:
    parent = await saved_parent(bog, "subscriptions")

    response = await bog.http.post(
        f"/payments/v1/ecommerce/orders/{parent}/subscribe", headers=bog.headers()
    )

    receipt = await bog.receipt(response.json()["id"])
    assert receipt["external_order_id"] == "ORD-1001"


async def test_subscribe_after_delete_is_declined_with_102(bog: Any) -> None:
    parent = await saved_parent(bog, "subscriptions")
    await bog.call("DELETE", f"/charges/card/{parent}")

    receipt = await bog.receipt((await subscribe(bog, parent)).json()["id"])

    assert receipt["order_status"]["key"] == "rejected"
    assert receipt["payment_detail"]["code"] == "102"


async def test_subscribe_with_a_card_saved_for_recurrent_use_is_declined(bog: Any) -> None:
    parent = await saved_parent(bog, "cards")

    receipt = await bog.receipt((await subscribe(bog, parent)).json()["id"])

    assert receipt["payment_detail"]["code"] == "102"


@pytest.mark.parametrize("card", ["4000000000000003", "5300000000000003", "3700000000000003"])
async def test_subscribe_on_card_0003_is_declined(bog: Any, card: str) -> None:
    parent = await saved_parent(bog, "subscriptions", card=card)

    receipt = await bog.receipt((await subscribe(bog, parent)).json()["id"])

    assert receipt["order_status"]["key"] == "rejected"
    assert receipt["payment_detail"]["code"] == "112"


async def test_subscribe_of_an_unknown_parent_is_invalid_order_id(bog: Any) -> None:
    response = await subscribe(bog, "nope")

    assert response.status_code == 400
    assert response.json() == {"message": "Invalid order_id"}


async def test_subscribe_with_an_http_callback_is_refused(bog: Any) -> None:
    parent = await saved_parent(bog, "subscriptions")

    response = await subscribe(bog, parent, {"callback_url": "http://shop.example/cb"})

    assert response.status_code == 400
