"""ASGI middleware that fires the armed faults (see :mod:`.faults`) on a gateway's API requests.

What is the same for every emulator lives here: which request a fault applies to, when
it fires (``before`` the request is processed, or ``after``, on the real answer), how
a latency waits, how a connection is dropped. The bodies a fault makes up (a 429, a
5xx, a malformed 200) are the gateway's own words, asked of its :class:`FaultAnswers`.
Requests that are not for an endpoint of the table (the hosted page, the
``/sandbox/`` controls) are never faulted.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Final, Protocol

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .endpoints import EndpointName
from .faults import TRANSPORT_STATE_KEY, ConnectionDropped, FaultRule

JSON: Final = "application/json"

Headers = list[tuple[bytes, bytes]]


class FaultAnswers(Protocol):
    """How one gateway words the answers a fault makes up; each is ``(body, media type)``."""

    def rate_limited(self, endpoint: str) -> tuple[bytes, str]:
        """The 429 body (``Retry-After`` is added)."""
        ...

    def server_error(self, endpoint: str, status: int) -> tuple[bytes, str]:
        """The body of an ``error`` fault's 5xx."""
        ...

    def malformed(self, endpoint: str, processed: bytes) -> bytes:
        """A 200 ``application/json`` body that is not JSON; ``processed`` is the real
        answer's body when the fault fires ``after`` processing (else empty)."""
        ...


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
    """Applies armed faults to requests for the gateway's endpoints; passes the rest through.

    ``take_fault`` is the emulator's :meth:`.faults.FaultBook.take`.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        take_fault: Callable[[str], FaultRule | None],
        endpoint_name: EndpointName,
        answers: FaultAnswers,
        revoke_tokens: Callable[[], object],
    ) -> None:
        self._app = app
        self._take_fault = take_fault
        self._endpoint_name = endpoint_name
        self._answers = answers
        self._revoke_tokens = revoke_tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = (
            self._endpoint_name(scope["method"], scope["path"]) if scope["type"] == "http" else None
        )
        fault = self._take_fault(endpoint) if endpoint else None
        if fault is None or endpoint is None:
            await self._app(scope, receive, send)
            return
        if fault.kind == "token_revoked":
            self._revoke_tokens()
            await self._app(scope, receive, send)
            return
        if fault.kind == "rate_limit":
            retry_after = str(fault.retry_after if fault.retry_after is not None else 1)
            body, media_type = self._answers.rate_limited(endpoint)
            await _send(send, 429, body, media_type, [(b"retry-after", retry_after.encode())])
            return
        captured: list[Message] = []
        if fault.when == "after":

            async def capture(message: Message) -> None:
                captured.append(message)

            await self._app(scope, receive, capture)
        await self._answer(fault, endpoint, scope, receive, send, captured)

    async def _answer(
        self,
        fault: FaultRule,
        endpoint: str,
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
            body, media_type = self._answers.server_error(endpoint, fault.status)
            await _send(send, fault.status, body, media_type, headers)
        elif fault.kind == "malformed":
            await _send(
                send, 200, self._answers.malformed(endpoint, _captured_body(captured)), JSON
            )
        else:
            await _drop(scope, receive, unread_body=fault.when == "before")
