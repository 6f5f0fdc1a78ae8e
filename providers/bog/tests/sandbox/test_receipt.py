"""GET /receipt/{id}: BOG's receipt shape before and after payment."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from payments_bog.sandbox import BogSandbox

RECEIPT_KEYS = {
    "order_id",
    "industry",
    "capture",
    "external_order_id",
    "client",
    "create_date",
    "zoned_create_date",
    "expire_date",
    "zoned_expire_date",
    "order_status",
    "buyer",
    "purchase_units",
    "redirect_links",
    "payment_detail",
    "actions",
    "disputes",
    "split",
    "discount",
    "lang",
    "reject_reason",
}
PAYMENT_DETAIL_KEYS = {
    "transfer_method",
    "transaction_id",
    "payer_identifier",
    "payment_option",
    "card_type",
    "card_expiry_date",
    "request_account_tag",
    "transfer_account_tag",
    "saved_card_type",
    "parent_order_id",
    "code",
    "code_description",
    "pg_trx_id",
    "auth_code",
}
ITEM_KEYS = {
    "external_item_id",
    "description",
    "quantity",
    "unit_price",
    "unit_discount_price",
    "vat",
    "vat_percent",
    "total_price",
    "package_code",
    "tin",
    "pinfl",
    "product_discount_id",
}


async def test_unknown_order_is_a_400_invalid_order_id(bog: Any) -> None:
    response = await bog.call("GET", "/receipt/00000000-0000-4000-8000-000000000000")

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"message": "Invalid order_id"}


async def test_fresh_receipt_has_every_bog_field(bog: Any) -> None:
    receipt = await bog.receipt(await bog.create_id())

    assert set(receipt) == RECEIPT_KEYS
    assert set(receipt["payment_detail"]) == PAYMENT_DETAIL_KEYS
    assert set(receipt["purchase_units"]["items"][0]) == ITEM_KEYS


async def test_fresh_receipt_looks_unpaid(bog: Any) -> None:
    order_id = await bog.create_id()

    receipt = await bog.receipt(order_id)

    assert receipt["order_id"] == order_id
    assert receipt["industry"] == "ecommerce"
    assert receipt["capture"] == "automatic"
    assert receipt["order_status"] == {"key": "created", "value": "შექმნილი"}
    assert receipt["purchase_units"] == {
        "request_amount": "27.50",
        "transfer_amount": None,
        "refund_amount": None,
        "currency_code": "GEL",
        "items": receipt["purchase_units"]["items"],
    }
    detail = receipt["payment_detail"]
    assert detail["transfer_method"] == {"key": "", "value": ""}
    assert detail["payment_option"] == "direct_debit"
    assert detail["code"] is None
    assert receipt["actions"] is None
    assert receipt["reject_reason"] is None
    assert receipt["split"] is None


async def test_dates_are_utc_when_zoned_and_tbilisi_local_otherwise(bog: Any) -> None:
    receipt = await bog.receipt(await bog.create_id())

    assert receipt["zoned_create_date"] == "2025-09-29T12:57:54.595205Z"
    assert receipt["create_date"] == "2025-09-29T16:57:54.595205"
    assert receipt["zoned_expire_date"] == "2025-09-29T13:12:54.595205Z"
    assert receipt["expire_date"] == "2025-09-29T17:12:54.595205"


async def test_request_fields_come_back_under_receipt_names(bog: Any, make_body: Any) -> None:
    buyer = {"full_name": "John Doe", "masked_email": "j***@example.com", "masked_phone": "5**"}
    receipt = await bog.receipt(await bog.create_id(make_body(buyer=buyer)))

    assert receipt["buyer"] == {
        "full_name": "John Doe",
        "email": "j***@example.com",
        "phone_number": "5**",
    }
    assert receipt["redirect_links"] == {
        "success": "https://shop.example/ok",
        "fail": "https://shop.example/fail",
    }
    assert receipt["external_order_id"] == "ORD-1001"


async def test_items_are_strings_or_null(bog: Any) -> None:
    receipt = await bog.receipt(await bog.create_id())

    first, second = receipt["purchase_units"]["items"]
    assert first["external_item_id"] == "SKU-1"
    assert first["description"] == "Widget"
    assert first["quantity"] == "2"
    assert first["unit_price"] == "12.5"
    assert first["unit_discount_price"] == "0.0"
    assert first["vat"] is None
    assert second["unit_price"] == "2.50"


async def test_account_tag_is_echoed_as_requested_tag(bog: Any, make_body: Any) -> None:
    order_id = await bog.create_id(make_body(config={"account": {"tag": "pos-usd"}}))

    receipt = await bog.receipt(order_id)

    assert receipt["payment_detail"]["request_account_tag"] == "pos-usd"
    assert receipt["payment_detail"]["transfer_account_tag"] is None


async def test_paid_receipt_shows_the_card_payment(bog: Any) -> None:
    order_id = await bog.paid("5300000000000001")

    receipt = await bog.receipt(order_id)

    assert receipt["order_status"] == {"key": "completed", "value": "გადახდილი"}
    assert receipt["purchase_units"]["transfer_amount"] == "27.50"
    assert receipt["purchase_units"]["refund_amount"] == "0.0"
    detail = receipt["payment_detail"]
    assert detail["transfer_method"] == {"key": "card", "value": "ბარათით გადახდა"}
    assert detail["code"] == "100"
    assert detail["code_description"] == "Successful payment"
    assert detail["payer_identifier"] == "530000xxxxxx0001"
    assert detail["card_type"] == "mc"
    assert detail["card_expiry_date"] == "12/30"
    assert len(detail["transaction_id"]) == 12
    assert len(detail["auth_code"]) == 6
    assert len(detail["pg_trx_id"]) == 16
    assert receipt["actions"] == []


async def test_english_order_has_english_labels(bog: Any, sandbox: BogSandbox) -> None:
    order_id = await bog.create_id(**{"Accept-Language": "en"})
    await sandbox.pay(order_id, "4000000000000001")

    receipt = await bog.receipt(order_id)

    assert receipt["order_status"]["value"] == "Completed"
    assert receipt["payment_detail"]["transfer_method"]["value"] == "Card payment"


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("10.90"), "10.90"),
        (Decimal("100.5"), "100.5"),
        (Decimal("5"), "5.0"),
        (Decimal("0.01"), "0.01"),
    ],
)
async def test_amounts_are_strings_in_bog_style(
    bog: Any, make_body: Any, amount: Decimal, text: str
) -> None:
    body = make_body()
    body["purchase_units"]["total_amount"] = amount

    receipt = await bog.receipt(await bog.create_id(body))

    assert receipt["purchase_units"]["request_amount"] == text
