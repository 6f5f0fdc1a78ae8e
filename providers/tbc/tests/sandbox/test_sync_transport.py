"""The sync transport: the emulator driven from plain httpx.Client code."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from payments_tbc.sandbox import Fault, TbcSandbox


def login(http: httpx.Client, sandbox: TbcSandbox) -> dict[str, str]:
    token = http.post(
        "/v1/tpay/access-token",
        data={"client_id": sandbox.client_id, "client_secret": sandbox.client_secret},
        headers={"apikey": sandbox.api_key},
    ).json()["access_token"]
    return {"apikey": sandbox.api_key, "Authorization": f"Bearer {token}"}


def test_a_sync_client_creates_pays_and_reads_a_payment() -> None:
    received: list[bytes] = []

    def merchant(request: httpx.Request) -> httpx.Response:
        received.append(request.read())
        return httpx.Response(200)

    sandbox = TbcSandbox(callback_transport=httpx.MockTransport(merchant))
    with httpx.Client(transport=sandbox.sync_transport(), base_url=sandbox.public_base_url) as http:
        headers = login(http, sandbox)
        created = http.post(
            "/v1/tpay/payments",
            json={
                "amount": {"currency": "GEL", "total": 7},
                "returnurl": "https://shop.example/r",
                "callbackUrl": "https://shop.example/cb",
            },
            headers=headers,
        ).json()
        sandbox.pay_sync(created["payId"], "4000000000000001")
        details = http.get(f"/v1/tpay/payments/{created['payId']}", headers=headers).json()

    assert details["status"] == "Succeeded"
    assert details["amount"] == 7
    assert received == [f'{{"PaymentId":"{created["payId"]}"}}'.encode()]


def test_the_page_works_through_the_sync_transport() -> None:
    sandbox = TbcSandbox()
    with httpx.Client(transport=sandbox.sync_transport(), base_url=sandbox.public_base_url) as http:
        headers = login(http, sandbox)
        body = {"amount": {"currency": "GEL", "total": 3}, "returnurl": "https://shop.example/r"}
        pay_id = http.post("/v1/tpay/payments", json=body, headers=headers).json()["payId"]
        paid = http.post(f"/checkout/{pay_id}", data={"card": "4000000000000002"})

    assert paid.status_code == 303
    assert sandbox.payments[pay_id].status == "Failed"


def test_a_drop_fault_reaches_a_sync_client_as_remote_protocol_error() -> None:
    sandbox = TbcSandbox()
    sandbox.add_fault(Fault("token", "drop"))
    with (
        httpx.Client(transport=sandbox.sync_transport(), base_url="http://tbc") as http,
        pytest.raises(httpx.RemoteProtocolError),
    ):
        http.post("/v1/tpay/access-token")


def test_a_closed_sync_transport_refuses_requests() -> None:
    transport = TbcSandbox().sync_transport()
    transport.close()
    transport.close()

    with pytest.raises(RuntimeError, match="closed"):
        transport.handle_request(httpx.Request("GET", "http://tbc/sandbox/counters"))


async def test_pay_sync_also_works_inside_a_running_event_loop(tbc: Any) -> None:
    pay_id = await tbc.create_id()

    details = tbc.sandbox.pay_sync(pay_id, "4000000000000002")

    assert details["resultCode"] == "decline_not_sufficient_funds"
