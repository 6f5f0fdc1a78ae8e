"""How an emulator's ASGI app is layered: routes, faults around them, the request log outside.

The order is the same for every emulator: the request log sees every request,
faulted ones included, and the fault injector (:mod:`.injector`) sits between the
log and the routes, so a fault skips or replaces only the routes' work.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from .endpoints import EndpointName
from .faults import FaultRule
from .injector import FaultAnswers, FaultInjector

HttpErrorHandler = Callable[[Request, Exception], Awaitable[Response]]
"""Answers Starlette's own ``HTTPException`` (an unknown path, a wrong method) in the
gateway's error shape."""

Saw = Callable[[str, str], None]
"""Told the method and path of every request."""


class RequestLog:
    """Tells ``saw`` the method and path of every HTTP request, then passes it on."""

    def __init__(self, app: ASGIApp, saw: Saw) -> None:
        self._app = app
        self._saw = saw

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self._saw(scope["method"], scope["path"])
        await self._app(scope, receive, send)


def emulator_app(
    routes: Sequence[BaseRoute],
    *,
    http_error: HttpErrorHandler,
    take_fault: Callable[[str], FaultRule | None],
    endpoint_name: EndpointName,
    answers: FaultAnswers,
    revoke_tokens: Callable[[], object],
    saw: Saw,
) -> ASGIApp:
    """The whole emulator as one ASGI app; the arguments after ``http_error`` are
    :class:`~.injector.FaultInjector`'s and :class:`RequestLog`'s."""
    app = Starlette(routes=routes, exception_handlers={HTTPException: http_error})
    faulty = FaultInjector(
        app,
        take_fault=take_fault,
        endpoint_name=endpoint_name,
        answers=answers,
        revoke_tokens=revoke_tokens,
    )
    return RequestLog(faulty, saw)
