"""BOG's HTTP API on starlette: token endpoint and ``/payments/v1`` routes.

Each API handler is a plain function from a :class:`Call` to a :class:`Reply`; the
shared wrapper does what every BOG call has in common: bearer-token check, lazy
expiry and settlement of due orders, ``Idempotency-Key`` replay, the 400 error body,
and the callbacks owed after the reply.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qs, unquote_plus

from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from payments_core.sandbox.stack import emulator_app

from . import validation
from .bank import Bank
from .control import control_routes
from .endpoints import ENDPOINTS, IDEMPOTENT, endpoint_name
from .faults import BogFaultAnswers
from .idempotency import StoredReply
from .page import page_routes
from .store import Notice, OrderError, Outcome
from .validation import RequestError
from .vocabulary import SavedCardType

JSON: Final = "application/json"
KEYCLOAK_BAD_CLIENT: Final = {
    "error": "invalid_client",
    "error_description": "Invalid client or Invalid client credentials",
}


def json_bytes(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_response(
    status: int, payload: Any, *, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(json_bytes(payload), status, headers=headers, media_type=JSON)


@dataclass(frozen=True, slots=True)
class Call:
    """One API request as the handlers see it."""

    request: Request
    body: bytes
    idempotency_key: str | None

    @property
    def order_id(self) -> str:
        return str(self.request.path_params["order_id"])

    def json(self, *, empty: Any = None) -> Any:
        return validation.parse_json(self.body, empty=empty)

    def header(self, name: str) -> str | None:
        return self.request.headers.get(name)


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    payload: Any = None
    notices: tuple[Notice, ...] = ()
    pending_action: tuple[str, str] | None = None
    """(order id, action id) of an action to settle after ``action_delay``."""

    def stored(self) -> StoredReply:
        if self.payload is None:
            return StoredReply(self.status, b"", None)
        return StoredReply(self.status, json_bytes(self.payload), JSON)


Handler = Callable[[Bank, Call], Reply]


# -- handlers -------------------------------------------------------------------


def _order_links(bank: Bank, outcome: Outcome, redirect: bool = True) -> dict[str, Any]:
    links: dict[str, Any] = {"details": {"href": bank.receipt_url(outcome.order_id)}}
    if redirect:
        links["redirect"] = {"href": bank.page_url(outcome.order_id)}
    return {"id": outcome.order_id, "_links": links}


def _count_order(bank: Bank, call: Call) -> None:
    bank.counters.add("orders_created")
    bank.counters.add_keyed("orders_by_idempotency_key", call.idempotency_key)


def _order_request(call: Call) -> validation.OrderRequest:
    return validation.order_request(
        call.json(),
        lang=validation.language(call.header("accept-language")),
        theme=validation.theme(call.header("theme")),
    )


def create_order(bank: Bank, call: Call) -> Reply:
    request = _order_request(call)
    outcome = bank.store.create(request, bank.now())
    _count_order(bank, call)
    if request.apple_pay_external:
        accept = {"accept": {"href": bank.api_url(f"/ecommerce/orders/{outcome.order_id}/payment")}}
        return Reply(200, {"id": outcome.order_id, "result": {}, "_links": accept})
    if request.google_pay_external:
        status = outcome.receipt["order_status"]["key"]
        payload = {
            "id": outcome.order_id,
            "status": status,
            **_order_links(bank, outcome, False),
        }
        if status in ("processing", "auth_requested"):
            payload["_links"]["redirect"] = {"href": bank.three_ds_url(outcome.order_id)}
        else:
            payload["order_details"] = outcome.receipt
        return Reply(200, payload, outcome.notices)
    return Reply(200, _order_links(bank, outcome), outcome.notices)


def receipt(bank: Bank, call: Call) -> Reply:
    return Reply(200, bank.store.receipt(call.order_id))


_ACTION_MESSAGES: Final = {
    "refund": "Refund request received",
    "approve": "Pre-authorization payment approval request received",
    "cancel": "Pre-authorization payment cancellation request received",
}


def _action_reply(bank: Bank, call: Call, name: str, outcome: Outcome) -> Reply:
    bank.counters.add_keyed("actions_by_idempotency_key", call.idempotency_key)
    if name == "refund":
        bank.counters.add_keyed("refunds_by_idempotency_key", call.idempotency_key)
    payload = {
        "key": "request_received",
        "message": _ACTION_MESSAGES[name],
        "action_id": outcome.action_id,
    }
    pending = None
    if bank.action_delay > 0 and outcome.action_id is not None:
        pending = (outcome.order_id, outcome.action_id)
    return Reply(200, payload, outcome.notices, pending)


def refund(bank: Bank, call: Call) -> Reply:
    body = validation.action_request(call.json(empty={}))
    outcome = bank.store.refund(call.order_id, body.amount, bank.now(), bank.action_delay)
    return _action_reply(bank, call, "refund", outcome)


def approve(bank: Bank, call: Call) -> Reply:
    body = validation.action_request(call.json(empty={}))
    outcome = bank.store.approve(
        call.order_id, body.amount, bank.now(), bank.action_delay, body.split
    )
    return _action_reply(bank, call, "approve", outcome)


def cancel(bank: Bank, call: Call) -> Reply:
    body = validation.action_request(call.json(empty={}))
    if body.amount is not None:
        raise RequestError("A pre-authorization is cancelled in full; do not send amount")
    outcome = bank.store.cancel(call.order_id, bank.now(), bank.action_delay)
    return _action_reply(bank, call, "cancel", outcome)


def save_card(bank: Bank, call: Call) -> Reply:
    bank.store.request_card_saving(call.order_id, SavedCardType.RECURRENT)
    return Reply(202)


def save_subscription(bank: Bank, call: Call) -> Reply:
    bank.store.request_card_saving(call.order_id, SavedCardType.SUBSCRIPTION)
    return Reply(202)


def delete_card(bank: Bank, call: Call) -> Reply:
    bank.store.delete_card(call.order_id)
    return Reply(202)


def charge_saved_card(bank: Bank, call: Call) -> Reply:
    request = _order_request(call)
    outcome = bank.store.charge_saved_card(call.order_id, request, bank.now())
    _count_order(bank, call)
    return Reply(200, _order_links(bank, outcome), outcome.notices)


def subscribe(bank: Bank, call: Call) -> Reply:
    url, external_id = validation.subscribe_request(call.json(empty={}))
    outcome = bank.store.subscribe(call.order_id, url, external_id, bank.now())
    _count_order(bank, call)
    return Reply(200, _order_links(bank, outcome, redirect=False), outcome.notices)


def apple_pay(bank: Bank, call: Call) -> Reply:
    token = validation.apple_pay_token(call.json())
    outcome = bank.store.complete_apple_pay(call.order_id, token, bank.now())
    payload = _order_links(bank, outcome, redirect=False)
    payload = {
        "id": outcome.order_id,
        "status": outcome.receipt["order_status"]["key"],
        "order_details": outcome.receipt,
        "_links": payload["_links"],
    }
    return Reply(200, payload, outcome.notices)


HANDLERS: Final[Mapping[str, Handler]] = {
    "create_order": create_order,
    "receipt": receipt,
    "refund": refund,
    "approve": approve,
    "cancel": cancel,
    "save_card": save_card,
    "save_subscription": save_subscription,
    "delete_card": delete_card,
    "charge_saved_card": charge_saved_card,
    "subscribe": subscribe,
    "apple_pay": apple_pay,
}


# -- the shared wrapper ---------------------------------------------------------


def _unauthorized(message: str, error: str | None = None) -> Response:
    challenge = 'Bearer realm="bog"' + (f', error="{error}"' if error else "")
    return json_response(401, {"message": message}, headers={"WWW-Authenticate": challenge})


def _check_bearer(bank: Bank, request: Request) -> Response | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return _unauthorized("Authorization with a Bearer access token is required")
    if not bank.tokens.is_valid(token, bank.now()):
        return _unauthorized("Access token is invalid or expired", "invalid_token")
    return None


def _respond(bank: Bank, stored: StoredReply, notices: list[Notice]) -> Response:
    background = BackgroundTask(bank.deliver, notices) if notices else None
    return Response(stored.body, stored.status, media_type=stored.media_type, background=background)


def api_endpoint(bank: Bank, name: str, handler: Handler) -> Callable[[Request], Any]:
    idempotent = name in IDEMPOTENT

    async def endpoint(request: Request) -> Response:
        denied = _check_bearer(bank, request)
        if denied is not None:
            return denied
        body = await request.body()
        key = request.headers.get("idempotency-key") if idempotent else None
        record = (request.method, request.url.path, key) if key else None
        owed = bank.sweep()
        with bank.idempotency.lock:
            earlier = bank.idempotency.get(record) if record else None
            if earlier is not None:
                bank.counters.add("idempotent_replays")
                return _respond(bank, earlier, owed)
            try:
                reply = handler(bank, Call(request, body, key))
            except (RequestError, OrderError) as exc:
                reply = Reply(400, {"message": exc.message})
            stored = reply.stored()
            if record:
                bank.idempotency.put(record, stored)
        if reply.pending_action is not None:
            bank.schedule_settlement(*reply.pending_action)
        return _respond(bank, stored, [*owed, *reply.notices])

    return endpoint


def _basic_credentials(header: str) -> list[tuple[str, str]]:
    """The (client id, secret) pairs a Basic header may mean; empty when it is not one.

    RFC 6749 §2.3.1 has clients form-encode both parts before base64, and Keycloak
    decodes them; BOG's docs show the raw pair. Both readings are offered (decoded
    first), so a secret with reserved characters works either way.
    """
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return []
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return []
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        return []
    form_decoded = (unquote_plus(client_id), unquote_plus(secret))
    return list(dict.fromkeys([form_decoded, (client_id, secret)]))


def token_endpoint(bank: Bank) -> Callable[[Request], Any]:
    """Keycloak's client-credentials grant (Basic auth, or client_id/secret in the form)."""
    no_store = {"Cache-Control": "no-store", "Pragma": "no-cache"}

    async def endpoint(request: Request) -> Response:
        bank.counters.add("token_requests")
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        grant = form.get("grant_type", [""])[0]
        if not grant:
            missing = {
                "error": "invalid_request",
                "error_description": "Missing form parameter: grant_type",
            }
            return json_response(400, missing, headers=no_store)
        candidates = _basic_credentials(request.headers.get("authorization", ""))
        if not candidates and "client_id" in form:
            candidates = [(form["client_id"][0], form.get("client_secret", [""])[0])]
        if not any(bank.tokens.credentials_match(*pair) for pair in candidates):
            return json_response(401, KEYCLOAK_BAD_CLIENT, headers=no_store)
        if grant != "client_credentials":
            unsupported = {
                "error": "unsupported_grant_type",
                "error_description": "Unsupported grant_type",
            }
            return json_response(400, unsupported, headers=no_store)
        issued = bank.tokens.issue(bank.now(), bank.public_base_url)
        bank.counters.add("tokens_issued")
        return json_response(200, issued.answer(), headers=no_store)

    return endpoint


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return json_response(exc.status_code, {"message": exc.detail}, headers=exc.headers)


def build_app(bank: Bank) -> ASGIApp:
    """The whole emulator as one ASGI app."""
    routes: list[BaseRoute] = []
    for name, (method, path) in ENDPOINTS.items():
        if name == "token":
            routes.append(Route(path, token_endpoint(bank), methods=[method]))
        else:
            routes.append(Route(path, api_endpoint(bank, name, HANDLERS[name]), methods=[method]))
    routes += page_routes(bank)
    routes += control_routes(bank)
    return emulator_app(
        routes,
        http_error=_http_error,
        take_fault=bank.faults.take,
        endpoint_name=endpoint_name,
        answers=BogFaultAnswers(),
        revoke_tokens=bank.revoke_tokens,
        saw=bank.counters.saw,
    )
