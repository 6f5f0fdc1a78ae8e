"""Fault injection: make the emulated bank slow, broken or rude on demand.

A :class:`Fault` names an endpoint (see :data:`.endpoints.ENDPOINTS`, or ``"*"`` for
all of them) and fires on the next ``times`` requests to it (``None``: on every one).
Kinds:

``latency``
    Wait ``delay`` seconds, then answer normally (``when="after"``: answer after the
    request has been processed and the wait is over).
``error``
    Answer ``status`` (default 503) with ``{"message": ...}`` and, if given,
    ``Retry-After``. ``when="before"`` skips processing; ``"after"`` processes the
    request and replaces the real answer, so the client cannot know it succeeded.
``rate_limit``
    Answer 429 with ``Retry-After`` (``retry_after`` seconds, default 1), unprocessed.
``drop``
    Close the connection without any response. ``when="before"`` drops before
    processing; ``when="after"`` processes the request fully (idempotency record
    included) and then drops the response: the dangerous case a client must retry
    with the same ``Idempotency-Key``. In process, the sandbox's transport raises
    :class:`httpx.RemoteProtocolError`; a real server closes the socket.
``malformed``
    Answer 200 with ``Content-Type: application/json`` and a body that is not JSON.
``token_revoked``
    Invalidate every token issued so far, then handle the request, which therefore
    gets 401 unless it is a token request; like tokens that expire early.

Faults apply in the order they were added, one per request; the page and the
``/sandbox/`` control endpoints are never faulted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from http import HTTPStatus
from typing import Any, Final, Literal, get_args

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .endpoints import ENDPOINTS, endpoint_name

FaultKind = Literal["latency", "error", "rate_limit", "drop", "malformed", "token_revoked"]
FaultTiming = Literal["before", "after"]
FAULT_KINDS: Final[tuple[FaultKind, ...]] = get_args(FaultKind)
ANY_ENDPOINT: Final = "*"
MALFORMED_BODY: Final = b'{"id": "9f1c2e4a-, "_links": {"details": '
TRANSPORT_STATE_KEY: Final = "bog_sandbox.transport"
"""Key under which :mod:`.server` puts the connection's asyncio transport in ``scope["state"]``."""


class ConnectionDropped(ConnectionError):
    """Raised in process where a real server would close the socket without answering."""


@dataclass(frozen=True, slots=True)
class Fault:
    endpoint: str
    kind: FaultKind
    times: int | None = 1
    status: int = 503
    retry_after: int | None = None
    delay: float = 0.0
    when: FaultTiming = "before"

    def __post_init__(self) -> None:
        if self.endpoint != ANY_ENDPOINT and self.endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {self.endpoint!r}; use one of {sorted(ENDPOINTS)}")
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; use one of {FAULT_KINDS}")
        if self.when not in get_args(FaultTiming):
            raise ValueError("when must be 'before' or 'after'")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be at least 1 (or None for every request)")
        if self.kind == "error" and not 500 <= self.status <= 599:
            raise ValueError("an error fault answers with a 5xx status")
        if self.delay < 0:
            raise ValueError("delay must not be negative")
        if self.kind == "token_revoked" and self.endpoint == "token":
            raise ValueError("token_revoked applies to API endpoints, not to the token endpoint")

    @classmethod
    def from_json(cls, data: Any) -> Fault:
        """Build a fault from the JSON body of ``POST /sandbox/faults``."""
        if not isinstance(data, dict):
            raise ValueError("a fault is a JSON object")
        fields = {"endpoint", "kind", "times", "status", "retry_after", "delay", "when"}
        unknown = set(data) - fields
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        for name in ("times", "status", "retry_after"):
            value = data.get(name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise ValueError(f"{name} must be a whole number")
        delay = data.get("delay", 0)
        if isinstance(delay, bool) or not isinstance(delay, int | float | Decimal):
            raise ValueError("delay must be a number of seconds")
        try:
            return cls(**{**data, "delay": float(delay)})
        except TypeError as exc:
            raise ValueError(str(exc)) from exc

    def matches(self, endpoint: str) -> bool:
        return self.endpoint in (ANY_ENDPOINT, endpoint)


@dataclass(slots=True)
class _Armed:
    fault: Fault
    left: int | None


class FaultBook:
    """Faults waiting to fire, with how many times each may still fire."""

    def __init__(self) -> None:
        self._armed: list[_Armed] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._armed.append(_Armed(fault, fault.times))

    def clear(self) -> int:
        with self._lock:
            count = len(self._armed)
            self._armed.clear()
            return count

    def armed(self) -> list[Fault]:
        with self._lock:
            return [entry.fault for entry in self._armed]

    def take(self, endpoint: str) -> Fault | None:
        """The fault to apply to one request to ``endpoint``, counted as used."""
        with self._lock:
            for entry in self._armed:
                if entry.fault.matches(endpoint):
                    if entry.left is not None:
                        entry.left -= 1
                        if entry.left == 0:
                            self._armed.remove(entry)
                    return entry.fault
        return None


Headers = list[tuple[bytes, bytes]]


async def _send(send: Send, status: int, body: bytes, headers: Headers | None = None) -> None:
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": head + (headers or [])})
    await send({"type": "http.response.body", "body": body})


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Server error"


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


class FaultInjector:
    """ASGI middleware applying the armed faults to BOG endpoint requests."""

    def __init__(self, app: ASGIApp, book: FaultBook, revoke_tokens: Callable[[], object]) -> None:
        self._app = app
        self._book = book
        self._revoke_tokens = revoke_tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = (
            endpoint_name(scope["method"], scope["path"]) if scope["type"] == "http" else None
        )
        fault = self._book.take(endpoint) if endpoint else None
        if fault is None:
            await self._app(scope, receive, send)
            return
        if fault.kind == "token_revoked":
            self._revoke_tokens()
            await self._app(scope, receive, send)
            return
        if fault.kind == "rate_limit":
            retry_after = str(fault.retry_after if fault.retry_after is not None else 1)
            body = json.dumps({"message": "Too many requests"}).encode()
            await _send(send, 429, body, [(b"retry-after", retry_after.encode())])
            return
        captured: list[Message] = []
        if fault.when == "after":

            async def capture(message: Message) -> None:
                captured.append(message)

            await self._app(scope, receive, capture)
        await self._answer(fault, scope, receive, send, captured)

    async def _answer(
        self, fault: Fault, scope: Scope, receive: Receive, send: Send, captured: list[Message]
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
            body = json.dumps({"message": _phrase(fault.status)}).encode()
            await _send(send, fault.status, body, headers)
        elif fault.kind == "malformed":
            await _send(send, 200, MALFORMED_BODY)
        else:
            await _drop(scope, receive, unread_body=fault.when == "before")
