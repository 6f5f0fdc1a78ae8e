"""TBC's HTTP API on starlette, with the hosted page and the controls: one ASGI app.

Each API handler is a plain function from a :class:`Call` to a :class:`Reply`; the
shared wrapper does what every ``/v1/tpay`` call has in common: the ``apikey`` header
and the Bearer token (401 problem otherwise, reference §2), the media type of a body,
lazy expiry of sessions that ran out, the problem body of a refusal, and the
callbacks owed, delivered after the reply. Nothing is idempotent: a repeated POST acts
twice, as at TBC (reference §9).

Choices where TBC documents nothing ([INF]): a request body that is not
``application/json`` (or, for the token call, not form-encoded) is refused with 415;
an unknown path or method answers a 404 / 405 problem.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qs

from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from payments_core.sandbox.stack import emulator_app

from . import validation, views
from .bank import Bank
from .control import control_routes
from .endpoints import ENDPOINTS, SERVICES, endpoint_name
from .faults import TbcFaultAnswers
from .page import page_routes
from .problems import (
    INVALID_API_KEY,
    INVALID_CLIENT,
    INVALID_TOKEN,
    ApiError,
    Unauthorized,
    problem,
    unauthorized,
)
from .wire import JSON, PROBLEM_JSON, dumps

FORM: Final = "application/x-www-form-urlencoded"
NO_STORE: Final = {"Cache-Control": "no-store"}


def json_response(
    status: int, payload: Any, *, media_type: str = JSON, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(dumps(payload), status, headers=headers, media_type=media_type)


def _problem_response(body: dict[str, Any], status: int) -> Response:
    return json_response(status, body, media_type=PROBLEM_JSON)


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").partition(";")[0].strip().lower()


@dataclass(frozen=True, slots=True)
class Call:
    """One API request as the handlers see it."""

    request: Request
    body: bytes

    def param(self, name: str) -> str:
        return str(self.request.path_params[name])

    def fields(self, *, required: bool = True) -> validation.Fields:
        return validation.parse_object(self.body, required=required)


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    payload: Any


Handler = Callable[[Bank, Call], Reply]


# -- handlers -----------------------------------------------------------------------


def create_payment(bank: Bank, call: Call) -> Reply:
    request = validation.create_request(call.fields())
    payment = bank.payments.create(request, bank.now())
    pay_id = payment.pay_id
    return Reply(200, views.created(payment, bank.payment_url(pay_id), bank.approval_url(pay_id)))


def get_payment(bank: Bank, call: Call) -> Reply:
    return Reply(200, bank.payments.details(call.param("pay_id")))


def cancel(bank: Bank, call: Call) -> Reply:
    pay_id = call.param("pay_id")
    bank.payments.payment(pay_id)  # an unknown payment is a 404 before any body check
    request = validation.cancel_request(call.fields(required=False))
    bank.payments.cancel(pay_id, request, bank.now())
    return Reply(200, views.envelope())


def completion(bank: Bank, call: Call) -> Reply:
    pay_id = call.param("pay_id")
    bank.payments.payment(pay_id)
    amount = validation.completion_amount(call.fields())
    return Reply(200, bank.payments.complete(pay_id, amount, bank.now()))


def execution(bank: Bank, call: Call) -> Reply:
    request = validation.execution_request(call.fields())
    return Reply(200, bank.payments.execute(request, bank.now()))


def delete_card(bank: Bank, call: Call) -> Reply:
    bank.payments.delete_card(call.param("rec_id"))
    return Reply(200, views.envelope())


HANDLERS: Final[Mapping[str, Handler]] = {
    "create_payment": create_payment,
    "get_payment": get_payment,
    "cancel": cancel,
    "completion": completion,
    "execution": execution,
    "delete_card": delete_card,
}


# -- the shared wrapper -------------------------------------------------------------


def _denied(reason: Unauthorized, service: str) -> Response:
    return _problem_response(unauthorized(reason, service), 401)


def _unsupported_media(service: str, wanted: str) -> Response:
    detail = f"Send the request body as {wanted}"
    return _problem_response(problem(415, None, detail, service), 415)


def _check_bearer(bank: Bank, request: Request) -> bool:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    return scheme.lower() == "bearer" and bool(token) and bank.tokens.is_valid(token, bank.now())


def api_endpoint(bank: Bank, name: str, handler: Handler) -> Callable[[Request], Any]:
    service = SERVICES[name]

    async def endpoint(request: Request) -> Response:
        if not bank.tokens.api_key_matches(request.headers.get("apikey")):
            return _denied(INVALID_API_KEY, service)
        if not _check_bearer(bank, request):
            return _denied(INVALID_TOKEN, service)
        body = await request.body()
        media_type = _media_type(request)
        if body.strip() and media_type != JSON and not media_type.endswith("+json"):
            return _unsupported_media(service, JSON)
        bank.sweep()
        try:
            reply = handler(bank, Call(request, body))
            response = json_response(reply.status, reply.payload)
        except ApiError as exc:
            response = _problem_response(exc.body(service), exc.status)
        response.background = BackgroundTask(bank.deliver_owed)
        return response

    return endpoint


def token_endpoint(bank: Bank) -> Callable[[Request], Any]:
    """``POST /v1/tpay/access-token``: apikey header, form ``client_id``/``client_secret``.

    Form keys are matched ignoring case (the official sample sends ``client_Id``).
    """
    service = SERVICES["token"]

    async def endpoint(request: Request) -> Response:
        bank.counters.add("token_requests")
        if not bank.tokens.api_key_matches(request.headers.get("apikey")):
            return _denied(INVALID_API_KEY, service)
        body = await request.body()
        if _media_type(request) != FORM:
            return _unsupported_media(service, FORM)
        form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        values = {key.casefold(): value[-1] for key, value in form.items()}
        client_id = values.get("client_id")
        client_secret = values.get("client_secret")
        if (
            client_id is None
            or client_secret is None
            or not bank.tokens.credentials_match(client_id, client_secret)
        ):
            return _denied(INVALID_CLIENT, service)
        issued = bank.tokens.issue(bank.now())
        bank.counters.add("tokens_issued")
        return json_response(200, issued.answer(), headers=NO_STORE)

    return endpoint


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    name = endpoint_name(request.method, request.url.path)
    service = SERVICES[name] if name else "tpay-payments"
    detail = str(exc.detail)
    return _problem_response(problem(exc.status_code, None, detail, service), exc.status_code)


def build_app(bank: Bank) -> ASGIApp:
    """The whole emulator as one ASGI app: API, hosted page and controls."""
    routes: list[BaseRoute] = []
    for name, (method, path) in ENDPOINTS.items():
        endpoint = (
            token_endpoint(bank) if name == "token" else api_endpoint(bank, name, HANDLERS[name])
        )
        routes.append(Route(path, endpoint, methods=[method]))
    routes += page_routes(bank)
    routes += control_routes(bank)

    def saw(method: str, path: str) -> None:
        """Counted by endpoint name, and ``(method, path)`` in the log."""
        bank.counters.saw(method, path, endpoint_name(method, path))

    return emulator_app(
        routes,
        http_error=_http_error,
        take_fault=bank.faults.take,
        endpoint_name=endpoint_name,
        answers=TbcFaultAnswers(),
        revoke_tokens=bank.tokens.revoke_all,
        saw=saw,
    )
