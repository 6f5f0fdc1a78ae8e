"""GET /v1/tpay/payments/{payId}: fixture 5/6 shapes, per status."""

from __future__ import annotations

import re
from typing import Any

DETAIL_KEYS = [
    "payId",
    "status",
    "currency",
    "amount",
    "confirmedAmount",
    "returnedAmount",
    "links",
    "transactionId",
    "recurringCard",
    "paymentMethod",
    "preAuth",
    "resultCode",
    "httpStatusCode",
    "developerMessage",
    "userMessage",
]


async def test_details_of_a_new_payment_show_created_and_nothing_paid(tbc: Any) -> None:
    pay_id = await tbc.create_id()

    details = await tbc.details(pay_id)

    assert list(details) == DETAIL_KEYS
    assert details["payId"] == pay_id
    assert details["status"] == "Created"
    assert (details["amount"], details["confirmedAmount"], details["returnedAmount"]) == (
        49.9,
        0,
        0,
    )
    assert details["links"] == []
    assert details["transactionId"] is None
    assert details["paymentMethod"] is None
    assert details["resultCode"] is None


async def test_details_of_a_succeeded_sale_match_fixture_5(tbc: Any) -> None:
    pay_id = await tbc.paid()

    details = await tbc.details(pay_id)

    transaction_id = details.pop("transactionId")
    assert re.fullmatch(r"[0-9A-F]{32}", transaction_id)
    assert details == {
        "payId": pay_id,
        "status": "Succeeded",
        "currency": "GEL",
        "amount": 49.9,
        "confirmedAmount": 49.9,
        "returnedAmount": 0,
        "links": [],
        "recurringCard": None,
        "paymentMethod": 5,
        "preAuth": False,
        "resultCode": "approved",
        "httpStatusCode": 200,
        "developerMessage": None,
        "userMessage": None,
    }


async def test_details_of_a_declined_payment_match_fixture_6(tbc: Any) -> None:
    pay_id = await tbc.paid("4000000000000002", amount={"currency": "GEL", "total": 20})

    details = await tbc.details(pay_id)

    assert details["status"] == "Failed"
    assert details["amount"] == 20
    assert details["confirmedAmount"] == 0
    assert details["resultCode"] == "decline_not_sufficient_funds"
    assert details["paymentMethod"] == 5


async def test_details_of_an_unknown_payment_are_404_invalid_payment(
    tbc: Any, problem: Any
) -> None:
    body = problem(await tbc.call("GET", "/payments/zz90yy81xx72ww6354"), 404, "PaymentNotFound")

    assert body["title"] == "InvalidPayment"
    assert body["detail"] == "PaymentNotFound"
    assert body["systemCode"] == "System code for problem is tpay-payments.404.001"
