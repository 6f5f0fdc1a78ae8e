"""``/sandbox/...``: controls for driving the emulator over HTTP (no auth; loopback use).

``GET /sandbox/counters``, ``GET /sandbox/callbacks``, ``GET /sandbox/cards``,
``POST /sandbox/faults`` (a :class:`.faults.Fault` as JSON), ``DELETE /sandbox/faults``,
``POST /sandbox/payments/{payId}/pay`` (``{"card": "4000000000000001", "method": 5}``,
both optional), ``POST /sandbox/payments/{payId}/expire``,
``POST /sandbox/clock/advance`` (``{"seconds": 720}``) and ``POST /sandbox/tokens/revoke``.
Refusals answer 400 (404 for an unknown payment) with ``{"message": ...}``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from .bank import Bank
from .cards import TEST_CARDS
from .faults import Fault
from .problems import ApiError
from .wire import JSON, BadJson, dumps, loads


def _json(status: int, payload: Any) -> Response:
    return Response(dumps(payload), status, media_type=JSON)


def _refusal(message: str, status: int = 400) -> Response:
    return _json(status, {"message": message})


async def _object(request: Request) -> dict[str, Any]:
    body = await request.body()
    if not body.strip():
        return {}
    data = loads(body)
    if not isinstance(data, dict):
        raise BadJson("send a JSON object")
    return data


def control_routes(bank: Bank) -> list[BaseRoute]:
    async def counters(request: Request) -> Response:
        return _json(200, bank.counters.as_dict())

    async def callbacks(request: Request) -> Response:
        return _json(
            200,
            [
                {
                    "pay_id": d.pay_id,
                    "url": d.url,
                    "attempt": d.attempt,
                    "status_code": d.status_code,
                    "error": d.error,
                    "body": d.body.decode("utf-8"),
                    "sent_at": d.sent_at.isoformat(),
                }
                for d in list(bank.callbacks)
            ],
        )

    async def cards(request: Request) -> Response:
        return _json(
            200,
            [
                {
                    "number": card.number,
                    "brand": card.brand,
                    "outcome": card.outcome.value,
                    "resultCode": card.result_code,
                    "label": card.label_en,
                }
                for card in TEST_CARDS.values()
            ],
        )

    async def add_fault(request: Request) -> Response:
        try:
            fault = Fault.from_json(await _object(request))
        except (BadJson, ValueError, TypeError) as exc:
            return _refusal(str(exc))
        bank.faults.add(fault)
        return _json(201, {"armed": len(bank.faults.armed())})

    async def clear_faults(request: Request) -> Response:
        return _json(200, {"cleared": bank.faults.clear()})

    async def pay(request: Request) -> Response:
        try:
            data = await _object(request)
        except BadJson as exc:
            return _refusal(str(exc))
        card = data.get("card", "4000000000000001")
        method = data.get("method")
        if not isinstance(card, str) or not (method is None or type(method) is int):
            return _refusal('send {"card": "<test card number>", "method": <code, optional>}')
        try:
            details = await bank.pay(str(request.path_params["pay_id"]), card, method)
        except ApiError as exc:
            return _refusal(exc.detail, 404 if exc.status == 404 else 400)
        return _json(200, details)

    async def expire(request: Request) -> Response:
        try:
            details = await bank.expire(str(request.path_params["pay_id"]))
        except ApiError as exc:
            return _refusal(exc.detail, 404 if exc.status == 404 else 400)
        return _json(200, details)

    async def advance_clock(request: Request) -> Response:
        try:
            data = await _object(request)
        except BadJson as exc:
            return _refusal(str(exc))
        seconds = data.get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, int | Decimal) or seconds < 0:
            return _refusal('send {"seconds": <number of seconds, at least 0>}')
        now = bank.clock.advance(float(seconds))
        bank.sweep()
        await bank.deliver_owed()
        return _json(200, {"now": now.isoformat()})

    async def revoke_tokens(request: Request) -> Response:
        return _json(200, {"revoked": bank.tokens.revoke_all()})

    return [
        Route("/sandbox/counters", counters, methods=["GET"]),
        Route("/sandbox/callbacks", callbacks, methods=["GET"]),
        Route("/sandbox/cards", cards, methods=["GET"]),
        Route("/sandbox/faults", add_fault, methods=["POST"]),
        Route("/sandbox/faults", clear_faults, methods=["DELETE"]),
        Route("/sandbox/payments/{pay_id}/pay", pay, methods=["POST"]),
        Route("/sandbox/payments/{pay_id}/expire", expire, methods=["POST"]),
        Route("/sandbox/clock/advance", advance_clock, methods=["POST"]),
        Route("/sandbox/tokens/revoke", revoke_tokens, methods=["POST"]),
    ]
