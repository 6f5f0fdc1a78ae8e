"""Injected faults: latency, 5xx, 429, dropped connections, cut bodies, dying tokens."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
from payments_tbc.sandbox import Fault, TbcSandbox


async def test_latency_delays_the_answer(tbc: Any, sandbox: TbcSandbox) -> None:
    sandbox.add_fault(Fault("create_payment", "latency", delay=0.05))

    started = time.perf_counter()
    response = await tbc.create()

    assert response.status_code == 200
    assert time.perf_counter() - started >= 0.05


async def test_latency_beyond_the_client_timeout_is_a_read_timeout(
    tbc: Any, sandbox: TbcSandbox
) -> None:
    sandbox.add_fault(Fault("get_payment", "latency", delay=1.0))

    with pytest.raises(httpx.ReadTimeout):
        await tbc.http.get("/v1/tpay/payments/x", headers=tbc.headers(), timeout=0.05)


async def test_a_slow_answer_after_processing_has_still_created_the_payment(
    tbc: Any, sandbox: TbcSandbox, make_body: Any
) -> None:
    sandbox.add_fault(Fault("create_payment", "latency", delay=1.0, when="after"))

    with pytest.raises(httpx.ReadTimeout):
        await tbc.http.post(
            "/v1/tpay/payments", json=make_body(), headers=tbc.headers(), timeout=0.05
        )

    assert len(sandbox.payments) == 1


async def test_an_error_fault_answers_503_problem_without_processing(
    tbc: Any, sandbox: TbcSandbox, problem: Any
) -> None:
    sandbox.add_fault(Fault("create_payment", "error"))

    body = problem(await tbc.create(), 503, "An error occurred while processing your request")

    assert body["systemCode"] == "System code for problem is tpay-payments.503.001"
    assert len(sandbox.payments) == 0


async def test_an_error_fault_can_use_another_status_and_retry_after(
    tbc: Any, sandbox: TbcSandbox
) -> None:
    sandbox.add_fault(Fault("get_payment", "error", status=500, retry_after=3))

    response = await tbc.call("GET", "/payments/x")

    assert response.status_code == 500
    assert response.headers["retry-after"] == "3"


async def test_an_error_after_processing_hides_a_refund_that_happened(
    tbc: Any, sandbox: TbcSandbox
) -> None:
    pay_id = await tbc.paid()
    sandbox.add_fault(Fault("cancel", "error", when="after"))

    response = await tbc.cancel(pay_id, 10)

    assert response.status_code == 503
    assert (await tbc.details(pay_id))["returnedAmount"] == 10


async def test_a_drop_before_processing_raises_and_creates_nothing(
    tbc: Any, sandbox: TbcSandbox
) -> None:
    sandbox.add_fault(Fault("create_payment", "drop"))

    with pytest.raises(httpx.RemoteProtocolError):
        await tbc.create()

    assert len(sandbox.payments) == 0


async def test_a_drop_after_processing_raises_but_the_charge_happened(
    tbc: Any, sandbox: TbcSandbox
) -> None:
    rec_id = await tbc.saved_card()
    sandbox.add_fault(Fault("execution", "drop", when="after"))

    with pytest.raises(httpx.RemoteProtocolError):
        await tbc.execute(rec_id)

    assert sandbox.counters.executions == 1


async def test_a_malformed_answer_before_processing_is_cut_json(
    tbc: Any, sandbox: TbcSandbox
) -> None:
    sandbox.add_fault(Fault("create_payment", "malformed"))

    response = await tbc.create()

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)
    assert len(sandbox.payments) == 0


async def test_a_malformed_answer_after_processing_cuts_the_real_body(
    tbc: Any, sandbox: TbcSandbox
) -> None:
    sandbox.add_fault(Fault("create_payment", "malformed", when="after"))

    response = await tbc.create()

    (pay_id,) = list(sandbox.payments)
    assert response.text.startswith(f'{{"payId":"{pay_id}"')
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


async def test_rate_limit_answers_429_with_retry_after(tbc: Any, sandbox: TbcSandbox) -> None:
    sandbox.add_fault(Fault("get_payment", "rate_limit", retry_after=7))

    response = await tbc.call("GET", "/payments/x")

    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert response.json()["status"] == 429


async def test_a_fault_fires_the_given_number_of_times(tbc: Any, sandbox: TbcSandbox) -> None:
    sandbox.add_fault(Fault("get_payment", "error", times=2))

    statuses = [(await tbc.call("GET", "/payments/x")).status_code for _ in range(3)]

    assert statuses == [503, 503, 404]


async def test_a_fault_for_every_endpoint_hits_the_token_call_too(
    http: httpx.AsyncClient, sandbox: TbcSandbox
) -> None:
    sandbox.add_fault(Fault("*", "error", times=None))

    response = await http.post("/v1/tpay/access-token", headers={"apikey": "sandbox-apikey"})

    assert response.status_code == 503
    assert response.json()["systemCode"].endswith("tpay-access-token.503.001")


async def test_faults_leave_the_page_and_controls_alone(tbc: Any, sandbox: TbcSandbox) -> None:
    pay_id = await tbc.create_id()
    sandbox.add_fault(Fault("*", "error", times=None))

    page = await tbc.http.get(f"/checkout/{pay_id}")
    counters = await tbc.http.get("/sandbox/counters")

    assert (page.status_code, counters.status_code) == (200, 200)


async def test_clear_faults_disarms_them(tbc: Any, sandbox: TbcSandbox) -> None:
    sandbox.add_fault(Fault("get_payment", "error", times=None))

    assert sandbox.clear_faults() == 1
    assert (await tbc.call("GET", "/payments/x")).status_code == 404


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"endpoint": "refund", "kind": "error"}, "unknown endpoint"),
        ({"endpoint": "cancel", "kind": "explode"}, "unknown fault kind"),
        ({"endpoint": "cancel", "kind": "error", "status": 404}, "5xx"),
        ({"endpoint": "cancel", "kind": "error", "when": "during"}, "before"),
        ({"endpoint": "cancel", "kind": "error", "times": 0}, "at least 1"),
        ({"endpoint": "cancel", "kind": "latency", "delay": -1}, "negative"),
        ({"endpoint": "token", "kind": "token_revoked"}, "API endpoints"),
    ],
)
def test_an_impossible_fault_is_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Fault(**fields)
