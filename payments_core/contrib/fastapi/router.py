"""The callback endpoint, ready-made for FastAPI: :func:`webhook_router`.

``POST {prefix}/webhooks/{gateway}`` follows every rule of the callbacks guide: it
verifies the raw body with ``AsyncPayments.parse_webhook`` (passing the caller's
address), drops repeated deliveries by event id, ignores states older than the one
already applied (:func:`payments_core.is_newer`), calls the application's
``on_update`` once per new state, and answers so that the gateway retries exactly
when retrying can help.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final, Literal

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from payments_core.contrib.fastapi.gateways import Gateways
from payments_core.contrib.fastapi.store import MemoryWebhookStateStore, WebhookStateStore
from payments_core.errors import ConfigurationError, PaymentError, WebhookVerificationError
from payments_core.gateway import AsyncPayments, Payments
from payments_core.models import Payment, WebhookEvent
from payments_core.provider import Capability
from payments_core.updates import is_newer

__all__ = [
    "MAX_BODY_BYTES",
    "ROUTE_NAME",
    "WEBHOOK_PATH",
    "OnUpdate",
    "WebhookAnswer",
    "WebhookRefusal",
    "WebhookResult",
    "webhook_router",
]

logger = logging.getLogger("payments_core.contrib.fastapi")

OnUpdate = Callable[[Payment, WebhookEvent], Awaitable[None] | None]
"""The application's hook: called once per new payment state, with the verified event."""

WebhookResult = Literal["applied", "duplicate", "stale"]

WEBHOOK_PATH: Final = "/webhooks/{gateway}"
ROUTE_NAME: Final = "payments_webhook"
"""The route's name: ``request.url_for("payments_webhook", gateway="main")`` is its URL."""
MAX_BODY_BYTES: Final = 1024 * 1024
"""Largest callback body read. Real ones are a few kilobytes."""

UNKNOWN_GATEWAY: Final = "unknown_gateway"
BODY_TOO_LARGE: Final = "body_too_large"
UPDATE_FAILED: Final = "update_failed"
INTERNAL_ERROR: Final = "internal_error"


class WebhookAnswer(BaseModel):
    """``200``: the callback was verified and handled."""

    result: WebhookResult


class WebhookRefusal(BaseModel):
    """Any other answer: a code, never a message (it could carry what a caller must not see)."""

    error: str


_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    200: {
        "model": WebhookAnswer,
        "description": "Verified: applied (on_update ran), duplicate or stale (ignored)",
    },
    400: {
        "model": WebhookRefusal,
        "description": "Not a genuine callback (webhook_signature_invalid, webhook_malformed)",
    },
    404: {"model": WebhookRefusal, "description": "No such gateway (unknown_gateway)"},
    413: {"model": WebhookRefusal, "description": "Body too large (body_too_large)"},
    500: {
        "model": WebhookRefusal,
        "description": "The application failed to apply it; the gateway should retry",
    },
    503: {
        "model": WebhookRefusal,
        "description": "The gateway could not be asked to verify it; it should retry",
    },
}


class _UpdateFailed(Exception):
    """``on_update`` raised: answer 500, keep nothing."""


def webhook_router(
    payments: Mapping[str, AsyncPayments] | AsyncPayments | Mapping[str, Any],
    *,
    on_update: OnUpdate | None = None,
    prefix: str = "",
    store: WebhookStateStore | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> APIRouter:
    """An ``APIRouter`` with ``POST {prefix}/webhooks/{gateway}``, the callback endpoint.

    ``payments`` is one facade (its ``name`` is the ``{gateway}`` segment:
    ``"default"`` unless you named it), a mapping of gateway names to facades (a
    :class:`Gateways` among them), or a configuration mapping, from which the
    router builds a :class:`Gateways` of its own, opened and closed with the
    application's lifespan.

    ``on_update(payment, event)``, a coroutine function or a plain one (run in the
    thread pool), is called once per new state of a payment: never for a repeated
    delivery (same event id) nor for a state older than the one last applied. If it
    raises, the answer is ``500`` and nothing is remembered, so the gateway's retry
    is applied afresh. Callbacks about one payment are handled one at a time.

    ``store`` keeps handled event ids and the latest state per payment; the default
    is a :class:`MemoryWebhookStateStore`, right for a single worker process only.

    Answers: ``200 {"result": "applied" | "duplicate" | "stale"}``; ``400 {"error":
    code}`` for a forged or malformed callback; ``404`` for an unknown gateway;
    ``413`` for a body over ``max_body_bytes``; ``500`` when ``on_update`` failed;
    ``503`` when the gateway could not be reached to verify the callback. Error
    bodies carry a code only, never a message.
    """
    gateways, owned = _gateways(payments)
    if on_update is not None and not callable(on_update):
        raise ConfigurationError(
            f"on_update must be a function of (payment, event), not {type(on_update).__name__}"
        )
    if store is None:
        store = MemoryWebhookStateStore()
    elif isinstance(store, type) or not isinstance(store, WebhookStateStore):
        raise ConfigurationError(
            "store must implement payments_core.contrib.fastapi.WebhookStateStore "
            "(lock, seen, last, remember)"
        )
    if isinstance(max_body_bytes, bool) or not isinstance(max_body_bytes, int):
        raise ConfigurationError("max_body_bytes must be an int")
    if max_body_bytes < 1:
        raise ConfigurationError("max_body_bytes must be at least 1")
    state: WebhookStateStore = store
    router = APIRouter(prefix=prefix, lifespan=owned.lifespan if owned is not None else None)

    @router.post(
        WEBHOOK_PATH,
        name=ROUTE_NAME,
        summary="A payment gateway's callback",
        response_class=JSONResponse,
        responses=_RESPONSES,
    )
    async def payments_webhook(gateway: str, request: Request) -> JSONResponse:
        if gateway not in gateways:
            return _refuse(404, UNKNOWN_GATEWAY)
        try:
            facade = gateways[gateway]
        except PaymentError as exc:  # a configured gateway whose settings do not build
            logger.error("gateway=%s cannot be built: %s", gateway, exc.code.value)
            return _refuse(503, exc.code.value)
        if Capability.WEBHOOKS not in facade.capabilities:
            return _refuse(404, UNKNOWN_GATEWAY)

        body = await _raw_body(request, max_body_bytes)
        if body is None:
            return _refuse(413, BODY_TOO_LARGE)
        # Behind a reverse proxy this is the address the server was told to trust
        # (uvicorn --forwarded-allow-ips), never a header anyone could set.
        remote_addr = request.client.host if request.client is not None else None
        try:
            event = await facade.parse_webhook(request.headers, body, remote_addr=remote_addr)
        except WebhookVerificationError as exc:  # the facade logged why
            return _refuse(400, exc.code.value)
        except PaymentError as exc:  # the gateway could not be asked: let it retry
            return _refuse(503, exc.code.value)
        except Exception:
            logger.exception("gateway=%s: verifying a callback failed unexpectedly", gateway)
            return _refuse(500, INTERNAL_ERROR)

        try:
            if facade.journal is not None:
                result = await _apply_journaled(facade, event, on_update)
            else:
                result = await _apply(state, gateway, event, on_update)
        except _UpdateFailed:
            return _refuse(500, UPDATE_FAILED)
        except Exception:
            logger.exception("gateway=%s: the webhook state store failed", gateway)
            return _refuse(500, INTERNAL_ERROR)
        logger.info(
            "gateway=%s payment_id=%s event_id=%s status=%s result=%s",
            gateway,
            event.payment.id,
            event.id,
            event.payment.status.value,
            result,
        )
        return JSONResponse({"result": result})

    return router


async def _apply(
    store: WebhookStateStore, gateway: str, event: WebhookEvent, on_update: OnUpdate | None
) -> WebhookResult:
    """Dedupe, order, then hand a new state to the application, under the payment's lock."""
    payment = event.payment
    async with store.lock(gateway, payment.id):
        if await store.seen(gateway, event.id):
            return "duplicate"
        last = await store.last(gateway, payment.id)
        if last is not None and not is_newer(last, payment):
            await store.remember(gateway, event.id, None)
            return "stale"
        if on_update is not None:
            try:
                await _call(on_update, payment, event)
            except Exception as exc:
                logger.exception(
                    "gateway=%s payment_id=%s event_id=%s: on_update raised %s; answered 500 "
                    "so that the gateway delivers it again",
                    gateway,
                    payment.id,
                    event.id,
                    type(exc).__name__,
                )
                raise _UpdateFailed from exc
        await store.remember(gateway, event.id, payment)
        return "applied"


async def _apply_journaled(
    facade: AsyncPayments, event: WebhookEvent, on_update: OnUpdate | None
) -> WebhookResult:
    """With a journal, the facade has deduped and ordered the delivery durably already."""
    if event.duplicate:
        return "duplicate"
    if event.stale:
        return "stale"
    if on_update is not None:
        try:
            await _call(on_update, event.payment, event)
        except Exception as exc:
            logger.exception(
                "gateway=%s payment_id=%s event_id=%s: on_update raised %s; the journal "
                "forgets the delivery and the gateway is answered 500",
                facade.name,
                event.payment.id,
                event.id,
                type(exc).__name__,
            )
            await facade.forget_webhook(event)
            raise _UpdateFailed from exc
    return "applied"


async def _call(on_update: OnUpdate, payment: Payment, event: WebhookEvent) -> None:
    if _is_async(on_update):
        outcome = on_update(payment, event)
    else:  # like a plain FastAPI endpoint: off the event loop
        outcome = await run_in_threadpool(on_update, payment, event)
    if inspect.isawaitable(outcome):
        await outcome


def _is_async(function: object) -> bool:
    return inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(
        getattr(function, "__call__", None)  # noqa: B004 - an object with an async __call__
    )


async def _raw_body(request: Request, limit: int) -> bytes | None:
    """The body exactly as received (``await request.body()``, with a cap), or ``None``."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _refuse(status: int, code: str) -> JSONResponse:
    return JSONResponse({"error": code}, status_code=status)


def _gateways(
    payments: object,
) -> tuple[Mapping[str, AsyncPayments], Gateways | None]:
    """The facades by name, and the :class:`Gateways` the router owns (built from config)."""
    if isinstance(payments, AsyncPayments):
        return {payments.name: payments}, None
    if isinstance(payments, Payments):
        raise ConfigurationError(
            "webhook_router needs AsyncPayments: the sync Payments would block the event loop"
        )
    if isinstance(payments, Gateways):
        return payments, None
    if not isinstance(payments, Mapping):
        raise ConfigurationError(
            "webhook_router takes an AsyncPayments, a mapping of gateway names to "
            f"AsyncPayments, or a configuration mapping, not {type(payments).__name__}"
        )
    if any(isinstance(value, AsyncPayments | Payments) for value in payments.values()):
        odd = sorted(
            repr(name)
            for name, value in payments.items()
            if not isinstance(name, str) or not isinstance(value, AsyncPayments)
        )
        if odd:
            raise ConfigurationError(
                "a mapping of facades must map gateway names (str) to AsyncPayments; "
                f"not so for {', '.join(odd)}"
            )
        return dict(payments), None
    owned = Gateways(payments)
    return owned, owned
