"""ASGI middleware that applies the armed faults (see :mod:`.faults`) to API requests."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .endpoints import SERVICES, endpoint_name
from .faults import TRANSPORT_STATE_KEY, ConnectionDropped, Fault, FaultBook
from .problems import SERVER_ERROR_DETAIL, problem
from .wire import JSON, PROBLEM_JSON, dumps

MALFORMED_BODY: Final = b'{"payId":"6azzo13uw5u2116332","status":"Crea'
"""What a ``malformed`` fault before processing answers: JSON cut off mid-way."""

Headers = list[tuple[bytes, bytes]]


async def _send(
    send: Send, status: int, body: bytes, media_type: str, headers: Headers | None = None
) -> None:
    head = [
        (b"content-type", media_type.encode()),
        (b"content-length", str(len(body)).encode()),
        *(headers or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})


async def _drop(scope: Scope, receive: Receive, *, unread_body: bool) -> None:
    """Close the connection without a response (or raise where there is no socket).

    The request body is read first: closing a socket with unread input makes the
    kernel send a reset, which a client sees as a read error instead of a close.
    """
    transport = scope.get("state", {}).get(TRANSPORT_STATE_KEY)
    if transport is None:
        raise ConnectionDropped("the sandbox dropped the connection")
    while unread_body:
        message = await receive()
        unread_body = message["type"] == "http.request" and bool(message.get("more_body"))
    transport.close()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(2):
            while (await receive())["type"] != "http.disconnect":
                pass


def _captured_body(captured: list[Message]) -> bytes:
    return b"".join(m.get("body", b"") for m in captured if m["type"] == "http.response.body")


class FaultInjector:
    """Applies the fault book to requests for TBC endpoints; passes the rest through."""

    def __init__(self, app: ASGIApp, book: FaultBook, revoke_tokens: Callable[[], object]) -> None:
        self._app = app
        self._book = book
        self._revoke_tokens = revoke_tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = (
            endpoint_name(scope["method"], scope["path"]) if scope["type"] == "http" else None
        )
        fault = self._book.take(endpoint) if endpoint else None
        if fault is None or endpoint is None:
            await self._app(scope, receive, send)
            return
        service = SERVICES[endpoint]
        if fault.kind == "token_revoked":
            self._revoke_tokens()
            await self._app(scope, receive, send)
            return
        if fault.kind == "rate_limit":
            retry_after = str(fault.retry_after if fault.retry_after is not None else 1)
            body = dumps(problem(429, None, "Too many requests; retry later", service))
            await _send(send, 429, body, PROBLEM_JSON, [(b"retry-after", retry_after.encode())])
            return
        captured: list[Message] = []
        if fault.when == "after":

            async def capture(message: Message) -> None:
                captured.append(message)

            await self._app(scope, receive, capture)
        await self._answer(fault, service, scope, receive, send, captured)

    async def _answer(
        self,
        fault: Fault,
        service: str,
        scope: Scope,
        receive: Receive,
        send: Send,
        captured: list[Message],
    ) -> None:
        if fault.kind == "latency":
            await asyncio.sleep(fault.delay)
            if fault.when == "before":
                await self._app(scope, receive, send)
            for message in captured:
                await send(message)
        elif fault.kind == "error":
            headers: Headers = []
            if fault.retry_after is not None:
                headers.append((b"retry-after", str(fault.retry_after).encode()))
            body = dumps(problem(fault.status, None, SERVER_ERROR_DETAIL, service))
            await _send(send, fault.status, body, PROBLEM_JSON, headers)
        elif fault.kind == "malformed":
            real = _captured_body(captured)
            body = real[: len(real) // 2] if len(real) >= 2 else MALFORMED_BODY
            await _send(send, 200, body, JSON)
        else:
            await _drop(scope, receive, unread_body=fault.when == "before")
