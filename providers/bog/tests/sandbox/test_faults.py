"""Injected faults: latency, 5xx, 429, dropped connections, bad JSON, dying tokens."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
from payments_bog.sandbox import BogSandbox, Fault

KEY = "c0ffee00-0000-4000-8000-000000000001"


async def test_latency_fault_delays_the_answer(bog: Any, sandbox: BogSandbox) -> None:
    sandbox.add_fault(Fault("create_order", "latency", delay=0.05))

    started = time.perf_counter()
    response = await bog.create()

    assert response.status_code == 200
    assert time.perf_counter() - started >= 0.05


async def test_latency_beyond_the_client_timeout_is_a_read_timeout(
    bog: Any, sandbox: BogSandbox
) -> None:
    sandbox.add_fault(Fault("receipt", "latency", delay=1.0))

    with pytest.raises(httpx.ReadTimeout):
        await bog.http.get("/payments/v1/receipt/x", headers=bog.headers(), timeout=0.05)


async def test_slow_answer_after_processing_has_still_created_the_order(
    bog: Any, sandbox: BogSandbox
) -> None:
    sandbox.add_fault(Fault("create_order", "latency", delay=1.0, when="after"))
    body = {
        "callback_url": "https://shop.example/cb",
        "purchase_units": {
            "total_amount": 5,
            "basket": [{"product_id": "a", "quantity": 1, "unit_price": 5}],
        },
    }

    with pytest.raises(httpx.ReadTimeout):
        await bog.http.post(
            "/payments/v1/ecommerce/orders", json=body, headers=bog.headers(), timeout=0.05
        )

    assert sandbox.counters.orders_created == 1


async def test_error_fault_answers_503_without_processing(bog: Any, sandbox: BogSandbox) -> None:
    sandbox.add_fault(Fault("create_order", "error"))

    response = await bog.create(key=KEY)

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"message": "Service Unavailable"}
    assert sandbox.counters.orders_created == 0


async def test_error_fault_can_use_another_status_and_retry_after(
    bog: Any, sandbox: BogSandbox
) -> None:
    sandbox.add_fault(Fault("receipt", "error", status=502, retry_after=3))

    response = await bog.call("GET", "/receipt/x")

    assert response.status_code == 502
    assert response.headers["retry-after"] == "3"


async def test_error_after_processing_hides_an_order_that_was_created(
    bog: Any, sandbox: BogSandbox
) -> None:
    sandbox.add_fault(Fault("create_order", "error", when="after"))

    failed = await bog.create(key=KEY)
    retried = await bog.create(key=KEY)

    assert failed.status_code == 503
    assert retried.status_code == 200
    assert sandbox.counters.orders_created == 1


async def test_rate_limit_fault_answers_429_with_retry_after(bog: Any, sandbox: BogSandbox) -> None:
    sandbox.add_fault(Fault("refund", "rate_limit", retry_after=2))

    response = await bog.refund("any")

    assert response.status_code == 429
    assert response.headers["retry-after"] == "2"
    assert response.json() == {"message": "Too many requests"}


async def test_rate_limit_defaults_to_retry_after_one_second(bog: Any, sandbox: BogSandbox) -> None:
    sandbox.add_fault(Fault("token", "rate_limit"))

    response = await bog.http.post("/auth/realms/bog/protocol/openid-connect/token")

    assert (response.status_code, response.headers["retry-after"]) == (429, "1")


async def test_drop_before_processing_is_a_remote_protocol_error_and_creates_nothing(
    bog: Any, sandbox: BogSandbox
) -> None:
    sandbox.add_fault(Fault("create_order", "drop"))

    with pytest.raises(httpx.RemoteProtocolError):
        await bog.create(key=KEY)

    assert sandbox.counters.orders_created == 0
    assert len(sandbox.store) == 0


async def test_drop_after_processing_then_retry_with_the_same_key_gets_the_same_order(
    bog: Any, sandbox: BogSandbox
) -> None:
    sandbox.add_fault(Fault("create_order", "drop", when="after"))

    with pytest.raises(httpx.RemoteProtocolError):
        await bog.create(key=KEY)
    retried = await bog.create(key=KEY)

    assert retried.status_code == 200
    assert len(sandbox.store) == 1
    assert retried.json()["id"] in sandbox.store
    assert sandbox.counters.orders_by_idempotency_key == {KEY: 1}


async def test_drop_after_a_refund_then_retry_refunds_once(bog: Any, sandbox: BogSandbox) -> None:
    order_id = await bog.paid()
    sandbox.add_fault(Fault("refund", "drop", when="after"))

    with pytest.raises(httpx.RemoteProtocolError):
        await bog.refund(order_id, "10", key=KEY)
    await bog.refund(order_id, "10", key=KEY)

    receipt = await bog.receipt(order_id)
    assert receipt["purchase_units"]["refund_amount"] == "10.0"
    assert len(receipt["actions"]) == 1


async def test_malformed_fault_answers_200_with_invalid_json(bog: Any, sandbox: BogSandbox) -> None:
    sandbox.add_fault(Fault("create_order", "malformed"))

    response = await bog.create()

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        response.json()


async def test_token_revoked_fault_expires_every_token_issued_so_far(
    bog: Any, sandbox: BogSandbox
) -> None:
    sandbox.add_fault(Fault("create_order", "token_revoked"))

    response = await bog.create()

    assert response.status_code == 401
    await bog.login()
    assert (await bog.create()).status_code == 200


async def test_a_fault_fires_only_the_given_number_of_times(bog: Any, sandbox: BogSandbox) -> None:
    sandbox.add_fault(Fault("receipt", "error", times=2))

    statuses = [(await bog.call("GET", "/receipt/x")).status_code for _ in range(3)]

    assert statuses == [503, 503, 400]


async def test_a_fault_without_a_count_fires_until_cleared(bog: Any, sandbox: BogSandbox) -> None:
    sandbox.add_fault(Fault("receipt", "error", times=None))

    statuses = [(await bog.call("GET", "/receipt/x")).status_code for _ in range(3)]
    sandbox.clear_faults()

    assert statuses == [503, 503, 503]
    assert (await bog.call("GET", "/receipt/x")).status_code == 400


async def test_a_wildcard_fault_hits_the_next_endpoint_called(
    bog: Any, sandbox: BogSandbox
) -> None:
    sandbox.add_fault(Fault("*", "error"))

    first = await bog.refund("x")
    second = await bog.refund("x")

    assert (first.status_code, second.status_code) == (503, 400)


async def test_faults_never_touch_the_payment_page(bog: Any, sandbox: BogSandbox) -> None:
    sandbox.add_fault(Fault("*", "error"))

    assert (await bog.http.get("/sandbox/counters")).status_code == 200


async def test_faults_are_armed_and_cleared_over_http(bog: Any, sandbox: BogSandbox) -> None:
    armed = await bog.http.post(
        "/sandbox/faults", json={"endpoint": "receipt", "kind": "rate_limit", "retry_after": 5}
    )
    limited = await bog.call("GET", "/receipt/x")
    await bog.http.post("/sandbox/faults", json={"endpoint": "receipt", "kind": "error"})
    cleared = await bog.http.delete("/sandbox/faults")

    assert armed.status_code == 201
    assert (limited.status_code, limited.headers["retry-after"]) == (429, "5")
    assert cleared.json() == {"cleared": 1}
    assert (await bog.call("GET", "/receipt/x")).status_code == 400


async def test_a_latency_fault_over_http_takes_a_decimal_delay(bog: Any) -> None:
    response = await bog.http.post(
        "/sandbox/faults", json={"endpoint": "receipt", "kind": "latency", "delay": 0.01}
    )

    assert response.status_code == 201


@pytest.mark.parametrize(
    "spec",
    [
        {"endpoint": "nowhere", "kind": "error"},
        {"endpoint": "receipt", "kind": "explode"},
        {"endpoint": "receipt", "kind": "error", "status": 404},
        {"endpoint": "receipt", "kind": "drop", "when": "during"},
        {"endpoint": "receipt", "kind": "error", "times": 0},
        {"endpoint": "token", "kind": "token_revoked"},
        {"endpoint": "receipt", "kind": "error", "colour": "red"},
        {"endpoint": "receipt", "kind": "error", "times": 1.5},
        {"endpoint": "receipt", "kind": "latency", "delay": "slow"},
    ],
)
async def test_an_invalid_fault_is_refused(bog: Any, spec: dict[str, Any]) -> None:
    response = await bog.http.post("/sandbox/faults", json=spec)

    assert response.status_code == 400
    with pytest.raises(ValueError):  # noqa: PT011 - the message varies per field
        Fault.from_json(spec)
