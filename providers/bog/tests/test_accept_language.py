"""``Accept-Language`` on every call, not only on the create: BOG's answers carry text too.

Status labels, action messages and a wallet payment's receipt come in the language
asked for; without the header they come in BOG's default (Georgian), whatever the
merchant configured.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from payments_bog import BogProvider

from payments_core import Money
from payments_core.provider import Flow

PARENT = "0f4e7a52-2d4b-4c8e-9d3f-5c1a2b3c4d5e"
ACK = {"key": "request_received", "message": "received", "action_id": "a-1"}

Start = Callable[[BogProvider], Flow[Any]]

OPERATIONS: dict[str, Start] = {
    "get_payment": lambda p: p.get_payment(PARENT),
    "refund": lambda p: p.refund(PARENT, Money("1.00", "GEL"), idempotency_key="k"),
    "capture": lambda p: p.capture(PARENT, None, idempotency_key="k"),
    "void": lambda p: p.void(PARENT, idempotency_key="k"),
    "save_card": lambda p: p.save_card(PARENT, "recurrent", idempotency_key="k"),
    "delete_saved_card": lambda p: p.delete_saved_card(PARENT, idempotency_key="k"),
    "charge_subscription": lambda p: p.charge_subscription(PARENT, idempotency_key="k"),
    "complete_apple_pay": lambda p: p.complete_apple_pay(PARENT, "{}", idempotency_key="k"),
}


def run(flow: Flow[Any], respond: Any, receipt: dict[str, Any]) -> list[httpx.Request]:
    """Drive a flow to its end with BOG's usual answers; every request it sent."""
    sent: list[httpx.Request] = []
    request = next(flow)
    while True:
        sent.append(request)
        if request.method == "GET":
            answer = respond(200, receipt)
        elif request.method in ("PUT", "DELETE"):
            answer = httpx.Response(202)
        elif request.url.path.endswith(("/subscribe", "/payment")):
            answer = respond(200, {"id": PARENT, "order_details": receipt})
        else:
            answer = respond(200, ACK)
        try:
            request = flow.send(answer)
        except StopIteration:
            return sent


def body_for(name: str, receipt: Any) -> dict[str, Any]:
    built: dict[str, Any] = receipt(
        "blocked" if name in ("capture", "void") else "completed", order_id=PARENT
    )
    return built


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_every_request_asks_for_the_configured_language(
    settings: dict[str, Any], respond: Any, receipt: Any, name: str
) -> None:
    provider = BogProvider.from_settings({**settings, "language": "en"})

    sent = run(OPERATIONS[name](provider), respond, body_for(name, receipt))

    assert sent
    assert [r.headers.get("Accept-Language") for r in sent] == ["en"] * len(sent)


def test_the_language_defaults_to_bogs_own_georgian(provider: BogProvider) -> None:
    request = next(provider.get_payment(PARENT))

    assert request.headers["Accept-Language"] == "ka"


def test_the_payments_locale_still_decides_the_create(
    settings: dict[str, Any], order_request: Any
) -> None:
    provider = BogProvider.from_settings({**settings, "language": "ka"})

    request = next(provider.create_payment(order_request(locale="en-GB")))

    assert request.headers.get_list("Accept-Language") == ["en"]
