"""Callbacks: an unsigned {"PaymentId": ...} POST on final statuses, retried until 200."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from payments_tbc.sandbox import TbcSandbox

CALLBACK_URL = "https://shop.example/hooks/tbc"


async def test_callback_body_is_only_the_payment_id(tbc: Any, receiver: Any) -> None:
    pay_id = await tbc.paid()

    (request,) = receiver.requests
    assert request.method == "POST"
    assert str(request.url) == CALLBACK_URL
    assert request.content == f'{{"PaymentId":"{pay_id}"}}'.encode()
    assert request.headers["content-type"] == "application/json"


async def test_callback_carries_no_signature(tbc: Any, receiver: Any) -> None:
    await tbc.paid()

    headers = {name.lower() for name in receiver.requests[0].headers}
    assert not {name for name in headers if "sign" in name or name == "authorization"}


@pytest.mark.parametrize(
    ("card", "changes", "status"),
    [
        ("4000000000000001", {}, "Succeeded"),
        ("4000000000000002", {}, "Failed"),
        ("4000000000000010", {}, "Failed"),
        ("4000000000000001", {"preAuth": True}, "WaitingConfirm"),
    ],
)
async def test_a_final_status_sends_one_callback(
    tbc: Any, receiver: Any, card: str, changes: dict[str, Any], status: str
) -> None:
    pay_id = await tbc.paid(card, **changes)

    assert (await tbc.details(pay_id))["status"] == status
    assert receiver.pay_ids() == [pay_id]


async def test_paying_on_the_page_delivers_the_callback_before_the_redirect_arrives(
    tbc: Any, receiver: Any
) -> None:
    pay_id = await tbc.create_id()

    await tbc.http.post(f"/checkout/{pay_id}", data={"card": "4000000000000001"})

    assert receiver.pay_ids() == [pay_id]


async def test_a_non_200_answer_is_retried_until_200(
    tbc: Any, sandbox: TbcSandbox, receiver: Any
) -> None:
    receiver.script = [500, 503]

    pay_id = await tbc.paid()

    assert receiver.pay_ids() == [pay_id] * 3
    assert [d.status_code for d in sandbox.callbacks] == [500, 503, 200]
    assert [d.attempt for d in sandbox.callbacks] == [1, 2, 3]
    assert sandbox.callbacks[-1].ok
    assert (sandbox.counters.callbacks_sent, sandbox.counters.callbacks_delivered) == (3, 1)


async def test_a_2xx_other_than_200_does_not_count_as_delivered(
    tbc: Any, sandbox: TbcSandbox, receiver: Any
) -> None:
    receiver.script = [204]

    await tbc.paid()

    assert [d.status_code for d in sandbox.callbacks] == [204, 200]


async def test_delivery_is_given_up_after_the_retries(
    tbc: Any, sandbox: TbcSandbox, receiver: Any
) -> None:
    receiver.script = [500] * 10

    await tbc.paid()

    assert len(sandbox.callbacks) == 4
    assert not any(d.ok for d in sandbox.callbacks)
    assert sandbox.counters.callbacks_failed == 1


async def test_the_retry_count_is_configurable(
    make_sandbox: Any, tbc_for: Any, receiver: Any
) -> None:
    sandbox: TbcSandbox = make_sandbox(callback_retries=0)
    tbc = await tbc_for(sandbox)
    receiver.script = [500]

    await tbc.paid()

    assert len(sandbox.callbacks) == 1


async def test_a_transport_error_is_recorded_and_retried(make_sandbox: Any, tbc_for: Any) -> None:
    calls: list[httpx.Request] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200)

    sandbox: TbcSandbox = make_sandbox(callback_transport=httpx.MockTransport(flaky))
    tbc = await tbc_for(sandbox)

    await tbc.paid()

    assert sandbox.callbacks[0].error is not None
    assert "ConnectError" in sandbox.callbacks[0].error
    assert sandbox.callbacks[1].ok


async def test_the_dashboard_url_is_used_when_the_payment_names_none(
    make_sandbox: Any, tbc_for: Any, receiver: Any, make_body: Any
) -> None:
    sandbox: TbcSandbox = make_sandbox(callback_url="https://shop.example/dashboard-hook")
    tbc = await tbc_for(sandbox)
    body = make_body()
    del body["callbackUrl"]
    pay_id = (await tbc.create(body)).json()["payId"]

    await sandbox.pay(pay_id)

    assert str(receiver.requests[0].url) == "https://shop.example/dashboard-hook"


async def test_no_callback_without_any_callback_url(
    tbc: Any, receiver: Any, make_body: Any
) -> None:
    body = make_body()
    del body["callbackUrl"]
    pay_id = (await tbc.create(body)).json()["payId"]

    await tbc.sandbox.pay(pay_id)

    assert receiver.requests == []


async def test_an_execution_calls_back_the_dashboard_url(
    make_sandbox: Any, tbc_for: Any, receiver: Any
) -> None:
    sandbox: TbcSandbox = make_sandbox(callback_url="https://shop.example/dashboard-hook")
    tbc = await tbc_for(sandbox)
    rec_id = await tbc.saved_card()
    receiver.requests.clear()

    pay_id = (await tbc.execute(rec_id)).json()["payId"]

    assert receiver.pay_ids() == [pay_id]


async def test_a_sync_callback_transport_is_used_on_a_worker_thread(
    make_sandbox: Any, tbc_for: Any
) -> None:
    received: list[bytes] = []

    class SyncOnly(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            received.append(request.read())
            return httpx.Response(200)

    sandbox: TbcSandbox = make_sandbox(callback_transport=SyncOnly())
    tbc = await tbc_for(sandbox)

    pay_id = await tbc.paid()

    assert received == [f'{{"PaymentId":"{pay_id}"}}'.encode()]


async def test_an_async_only_callback_transport_is_used(make_sandbox: Any, tbc_for: Any) -> None:
    received: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        received.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    sandbox: TbcSandbox = make_sandbox(callback_transport=httpx.ASGITransport(app=app))
    tbc = await tbc_for(sandbox)

    await tbc.paid()

    assert received == ["/hooks/tbc"]


async def test_without_a_transport_only_loopback_hosts_are_called(
    make_sandbox: Any, tbc_for: Any
) -> None:
    sandbox: TbcSandbox = make_sandbox(callback_transport=None)
    tbc = await tbc_for(sandbox)

    await tbc.paid()

    (delivery,) = sandbox.callbacks
    assert delivery.status_code is None
    assert delivery.error is not None
    assert "loopback hosts only" in delivery.error
    assert sandbox.counters.callbacks_sent == 0


async def test_each_delivery_keeps_its_body_and_time(tbc: Any, sandbox: TbcSandbox) -> None:
    pay_id = await tbc.paid()

    (delivery,) = sandbox.callbacks
    assert delivery.pay_id == pay_id
    assert delivery.url == CALLBACK_URL
    assert delivery.payload() == {"PaymentId": pay_id}
    assert delivery.sent_at == sandbox.now()
