"""Apple Pay and Google Pay on the merchant's own page (external wallets)."""

from __future__ import annotations

from typing import Any

import pytest
from payments_bog.sandbox import BogSandbox

APPLE_TOKEN = '{"paymentData":{"version":"EC_v1","data":"..."},"transactionIdentifier":"x"}'


@pytest.fixture
def apple_body(make_body: Any) -> dict[str, Any]:
    return dict(
        make_body(
            payment_method=["apple_pay"],
            application_type="web",
            config={"apple_pay": {"external": True}},
        )
    )


def google_body(make_body: Any, token: str) -> dict[str, Any]:
    return dict(
        make_body(
            payment_method=["google_pay"],
            config={"google_pay": {"external": True, "google_pay_token": token}},
        )
    )


async def accept(bog: Any, order_id: str, token: str = APPLE_TOKEN) -> Any:
    return await bog.call(
        "POST", f"/ecommerce/orders/{order_id}/payment", {"apple_pay_token": token}
    )


async def test_external_apple_pay_order_has_an_accept_link_and_no_redirect(
    bog: Any, apple_body: dict[str, Any]
) -> None:
    body = (await bog.create(apple_body)).json()

    assert set(body) == {"id", "result", "_links"}
    assert body["_links"] == {
        "accept": {
            "href": f"http://127.0.0.1:8086/payments/v1/ecommerce/orders/{body['id']}/payment"
        }
    }


async def test_apple_pay_token_completes_the_order(
    bog: Any, apple_body: dict[str, Any], receiver: Any
) -> None:
    order_id = await bog.create_id(apple_body)

    response = await accept(bog, order_id)

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == order_id
    assert body["status"] == "completed"
    assert body["order_details"]["payment_detail"]["transfer_method"]["key"] == "apple_pay"
    assert body["_links"]["details"]["href"].endswith(f"/receipt/{order_id}")
    assert receiver.statuses() == ["completed"]


async def test_apple_pay_token_naming_a_decline_card_rejects(
    bog: Any, apple_body: dict[str, Any]
) -> None:
    order_id = await bog.create_id(apple_body)

    body = (await accept(bog, order_id, '{"card":"4000000000000002"}')).json()

    assert body["status"] == "rejected"
    assert body["order_details"]["payment_detail"]["code"] == "107"


async def test_apple_pay_completion_of_a_hosted_order_is_refused(bog: Any) -> None:
    order_id = await bog.create_id()

    response = await accept(bog, order_id)

    assert response.status_code == 400
    assert "external Apple Pay" in response.json()["message"]


async def test_apple_pay_completion_twice_is_refused(bog: Any, apple_body: dict[str, Any]) -> None:
    order_id = await bog.create_id(apple_body)
    await accept(bog, order_id)

    assert (await accept(bog, order_id)).status_code == 400


async def test_apple_pay_completion_needs_a_token(bog: Any, apple_body: dict[str, Any]) -> None:
    order_id = await bog.create_id(apple_body)

    response = await bog.call("POST", f"/ecommerce/orders/{order_id}/payment", {})

    assert response.json() == {"message": "apple_pay_token is required"}


async def test_external_google_pay_order_is_paid_at_creation(
    bog: Any, make_body: Any, receiver: Any
) -> None:
    body = (await bog.create(google_body(make_body, "google-token"))).json()

    assert body["status"] == "completed"
    assert body["order_details"]["order_id"] == body["id"]
    assert body["order_details"]["payment_detail"]["transfer_method"]["key"] == "google_pay"
    assert "redirect" not in body["_links"]
    assert receiver.statuses() == ["completed"]


async def test_external_google_pay_needing_3ds_waits_with_a_redirect(
    bog: Any, make_body: Any, sandbox: BogSandbox
) -> None:
    body = (await bog.create(google_body(make_body, "needs-3ds"))).json()
    order_id = body["id"]

    assert body["status"] == "processing"
    assert "order_details" not in body
    redirect = body["_links"]["redirect"]["href"]
    assert "/api/3ds/post-form?" in redirect
    page = await bog.http.get(redirect)
    assert page.status_code == 200
    receipt = await sandbox.pay(order_id, "4000000000000001")
    assert receipt["order_status"]["key"] == "completed"
    assert receipt["payment_detail"]["transfer_method"]["key"] == "google_pay"
