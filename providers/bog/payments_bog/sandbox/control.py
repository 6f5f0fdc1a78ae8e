"""``/sandbox/...``: controls for driving the emulator over HTTP (no auth, loopback use).

``GET /sandbox/public-key`` (PEM), ``GET /sandbox/counters``, ``GET /sandbox/callbacks``,
``POST /sandbox/faults`` (a :class:`.faults.Fault` as JSON), ``DELETE /sandbox/faults``,
``POST /sandbox/orders/{order_id}/pay`` (``{"card": "4000000000000001"}``),
``POST /sandbox/clock/advance`` (``{"seconds": 960}``), ``POST /sandbox/tokens/revoke``.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from .bank import Bank
from .faults import Fault
from .receipt import zoned
from .store import OrderError
from .validation import RequestError, parse_json


def _json(status: int, payload: Any) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(body, status, media_type="application/json")


def control_routes(bank: Bank) -> list[BaseRoute]:
    async def public_key(request: Request) -> Response:
        return Response(bank.public_key_pem, media_type="application/x-pem-file")

    async def counters(request: Request) -> Response:
        return _json(200, bank.counters.as_dict())

    async def callbacks(request: Request) -> Response:
        return _json(
            200,
            [
                {
                    "order_id": d.order_id,
                    "url": d.url,
                    "attempt": d.attempt,
                    "status_code": d.status_code,
                    "error": d.error,
                    "signature": d.signature,
                    "body": d.body.decode("utf-8"),
                }
                for d in bank.callbacks
            ],
        )

    async def add_fault(request: Request) -> Response:
        try:
            fault = Fault.from_json(parse_json(await request.body()))
        except (RequestError, ValueError) as exc:
            return _json(400, {"message": getattr(exc, "message", str(exc))})
        bank.add_fault(fault)
        return _json(201, {"armed": len(bank.faults.armed())})

    async def clear_faults(request: Request) -> Response:
        return _json(200, {"cleared": bank.clear_faults()})

    async def pay(request: Request) -> Response:
        try:
            data = parse_json(await request.body())
            card = data.get("card") if isinstance(data, dict) else None
            if not isinstance(card, str):
                raise RequestError('Send {"card": "<test card number>"}')
            receipt = await bank.pay(str(request.path_params["order_id"]), card)
        except (RequestError, OrderError) as exc:
            return _json(400, {"message": exc.message})
        return _json(200, receipt)

    async def advance_clock(request: Request) -> Response:
        try:
            data = parse_json(await request.body())
            seconds = data.get("seconds") if isinstance(data, dict) else None
            if isinstance(seconds, bool) or not isinstance(seconds, int | Decimal) or seconds < 0:
                raise RequestError('Send {"seconds": <number of seconds, at least 0>}')
        except RequestError as exc:
            return _json(400, {"message": exc.message})
        now = bank.advance_clock(float(seconds))
        await bank.deliver(bank.sweep())
        return _json(200, {"now": zoned(now)})

    async def revoke_tokens(request: Request) -> Response:
        return _json(200, {"revoked": bank.revoke_tokens()})

    return [
        Route("/sandbox/public-key", public_key, methods=["GET"]),
        Route("/sandbox/counters", counters, methods=["GET"]),
        Route("/sandbox/callbacks", callbacks, methods=["GET"]),
        Route("/sandbox/faults", add_fault, methods=["POST"]),
        Route("/sandbox/faults", clear_faults, methods=["DELETE"]),
        Route("/sandbox/orders/{order_id}/pay", pay, methods=["POST"]),
        Route("/sandbox/clock/advance", advance_clock, methods=["POST"]),
        Route("/sandbox/tokens/revoke", revoke_tokens, methods=["POST"]),
    ]
